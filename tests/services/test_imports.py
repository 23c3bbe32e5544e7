"""Importing volunteers and groups: preview with each row's problems and likely duplicates,
decisions per row, one transaction, nothing written on failure, the source never changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from cvcdesk.domain.enums import AuditAction, ConsentMethod, DbsLevel, OrganisationKind
from cvcdesk.domain.errors import CvcError, NotFoundError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.validation import (
    InvalidValue,
    display_phone,
    normalise_email,
    normalise_phone,
)
from cvcdesk.domain.volunteer import VolunteerQuery, VolunteerRecord
from cvcdesk.services.base import Cancelled
from cvcdesk.services.imports import (
    ImportOptions,
    ImportService,
    RowDecision,
    quick_display_phone,
    quick_email,
    quick_phone,
    search_text,
    split_full_name,
)
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.spreadsheets import SpreadsheetError
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database
from cvcdesk.store.derived import volunteer_search_text

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
TABLES = (
    "volunteer", "organisation", "membership", "volunteer_skill", "consent_event",
    "audit_entry", "setting",
)  # fmt: skip


@pytest.fixture
def imports(db: Database) -> ImportService:
    return ImportService(db, actor="tester")


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in TABLES
        }


TRIGGERS = ["volunteer_fts_ad", "volunteer_fts_ai", "volunteer_fts_au"]


def triggers(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        return sorted(
            connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'volunteer'"
                )
            ).scalars()
        )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path: Path, lines: list[str], *, encoding: str = "utf-8", bom: bool = False) -> Path:
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], title: str = "Gwirfoddolwyr") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def live(volunteers: VolunteerService) -> dict[str, VolunteerRecord]:
    return {f"{v.first_name} {v.last_name}": v for v in volunteers.iter_rows(VolunteerQuery())}


# -- the quick checks agree with the domain's -------------------------------------------------


def _outcome(check: Callable[[str], str], value: str) -> tuple[str, str]:
    try:
        return "ok", check(value)
    except InvalidValue as exc:
        return "refused", exc.error.message


phones = st.one_of(
    st.from_regex(r"(\+44 ?|0)7[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}", fullmatch=True),
    st.from_regex(r"(\+44 ?\(0\)|0)[1-9][0-9 ]{8,12}", fullmatch=True),
    st.text(alphabet="0123456789 +-()", max_size=16),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phones)
def test_quick_phone_agrees_with_normalise_phone(value: str) -> None:
    assert _outcome(quick_phone, value) == _outcome(normalise_phone, value)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"7[1-9][0-9]{8}", fullmatch=True))
def test_quick_display_phone_agrees_with_display_phone(national: str) -> None:
    assert quick_display_phone("+44" + national) == display_phone("+44" + national)


emails = st.one_of(
    st.emails(),
    st.from_regex(
        r"[a-zA-Z0-9._%+-]{1,20}@[a-zA-Z0-9-]{1,12}(\.[a-zA-Z]{2,4}){1,2}", fullmatch=True
    ),
    st.text(alphabet="ab.@-_+ ", max_size=20),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(emails)
def test_quick_email_agrees_with_normalise_email(value: str) -> None:
    assert _outcome(quick_email, value) == _outcome(normalise_email, value)


@pytest.mark.parametrize(
    ("phone", "phone_alt", "postcode"),
    [
        ("+447712345678", "+441437765432", "SA61 1AB"),
        ("+447700900123", "", ""),
        ("", "", "LL77 7AB"),
        ("+33123456789", "", "CF10 1AA"),
    ],
)
def test_search_text_is_the_stores(phone: str, phone_alt: str, postcode: str) -> None:
    assert search_text(phone, phone_alt, postcode) == volunteer_search_text(
        phone, phone_alt, postcode
    )


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Siân Glyndŵr", "Siân", "Glyndŵr"),
        ("Dafydd ap Gwilym", "Dafydd", "ap Gwilym"),
        ("Mary Ann de la Mare", "Mary Ann", "de la Mare"),
        ("Jones, Mair Eluned", "Mair Eluned", "Jones"),
        ("Cher", "Cher", ""),
    ],
)
def test_full_names_are_split(full: str, first: str, last: str) -> None:
    assert split_full_name(full) == (first, last)


# -- importing volunteers -------------------------------------------------------------------


def test_an_xlsx_of_volunteers_is_imported(
    tmp_path: Path,
    db: Database,
    imports: ImportService,
    volunteers: VolunteerService,
    make_organisation: MakeOrganisation,
) -> None:
    group = make_organisation(name_en="Happy House", name_cy="Tŷ Hapus")
    path = write_xlsx(
        tmp_path / "gwirfoddolwyr.xlsx",
        [
            ["Enw cyntaf", "Cyfenw", "Rhif ffôn", "E-bost", "Cod post", "Dyddiad geni", "DBS",
             "Caniatâd", "Sut cafodd caniatâd", "Sgiliau", "Grŵp", "Cymraeg", "Cyf"],
            ["Siân", "Glyndŵr", 7712345678, "Sian@Example.ORG", "sa61 1ab",
             dt.date(1980, 2, 3), "Enhanced DBS", "ie", "e-bost", "Gyrru; cooking", "Tŷ Hapus",
             "rhugl", 17],
            ["Dafydd", "ap Gwilym", "07712 345679", "", "SA62 6AB", "03/04/1975", "", "na", "",
             "", "Happy House", "", "R18"],
        ],
    )  # fmt: skip
    before = digest(path)
    result = imports.import_rows(path, kind="volunteers")
    assert (result.rows_read, result.imported, result.skipped, result.merged) == (2, 2, 0, 0)
    assert digest(path) == before
    people = live(volunteers)
    sian = volunteers.get(people["Siân Glyndŵr"].uuid)
    assert sian.phone == "+447712345678"  # the number Excel stored without its 0
    assert sian.email == "Sian@example.org"
    assert sian.postcode == "SA61 1AB"
    assert sian.date_of_birth == dt.date(1980, 2, 3)
    assert sian.dbs_level is DbsLevel.ENHANCED
    assert (sian.consent_share, sian.consent_method) == (True, ConsentMethod.EMAIL)
    assert sian.reference == "17"
    assert sian.welsh_fluency.value == "fluent"
    assert set(sian.skills) == {"driving", "cooking"}
    assert [ms.organisation_uuid for ms in sian.memberships] == [group.uuid]
    dafydd = volunteers.get(people["Dafydd ap Gwilym"].uuid)
    assert dafydd.date_of_birth == dt.date(1975, 4, 3)  # day first, as in the UK
    assert dafydd.consent_share is False
    # Search finds imported volunteers by name, phone and postcode like any others.
    assert [v.uuid for v in volunteers.list(VolunteerQuery(search="07712 345678"))] == [sian.uuid]
    assert [v.uuid for v in volunteers.list(VolunteerQuery(search="glyndwr"))] == [sian.uuid]
    # Each record says where it came from; the import as a whole is audited too.
    [entry] = volunteers.history(sian.uuid)
    assert entry["action"] is AuditAction.IMPORT
    changes = json.loads(entry["changes"])
    assert changes["source"] == [None, "gwirfoddolwyr.xlsx"]
    assert changes["row"] == [None, 2]
    assert "Glyndŵr" not in entry["changes"]
    with db.engine.connect() as connection:
        summary = json.loads(
            connection.execute(
                text("SELECT changes FROM audit_entry WHERE record_type = 'import'")
            ).scalar_one()
        )
        consents = connection.execute(text("SELECT count(*) FROM consent_event")).scalar()
    assert summary["imported"] == [None, 2]
    assert consents == 1
    assert result.backup_path is not None and result.backup_path.exists()


def test_preview_names_each_problem_and_writes_nothing(
    tmp_path: Path, db: Database, imports: ImportService
) -> None:
    path = write_csv(
        tmp_path / "volunteers.csv",
        [
            "First name;Surname;Mobile;Post code;E-mail;DBS;Joined;Car",
            "Siân;Glyndŵr;07712 345678;SA61 1AB;sian@example.org;basic;01/02/2024;yes",
            "Aled;;0771;SA99;aled@;maybe;31/02/2024;perhaps",
            ";;;;;;;",
            "Bethan;Morgan;07712 345670;SA61 1AB;;;;no;extra",
        ],
        bom=True,
    )
    before = counts(db)
    preview = imports.preview(path, kind="volunteers")
    assert counts(db) == before
    assert (preview.rows_read, preview.rows_ok, preview.rows_with_problems) == (3, 2, 1)
    problems = {(p.row, p.column): p for p in preview.problems_by_row()[3]}
    assert set(problems) == {
        (3, "Surname"),
        (3, "Mobile"),
        (3, "Post code"),
        (3, "E-mail"),
        (3, "DBS"),
        (3, "Joined"),
        (3, "Car"),
    }
    assert problems[(3, "Mobile")].value == "0771"
    assert "07712 345678" in problems[(3, "Mobile")].message  # what would be accepted
    assert "SA61 1AB" in problems[(3, "Post code")].message
    assert "Basic, Standard, Enhanced" in problems[(3, "DBS")].message
    assert "yes or no" in problems[(3, "Car")].message
    assert "2025-03-01" in problems[(3, "Joined")].message
    assert str(problems[(3, "Mobile")]).startswith("Row 3, column “Mobile” (“0771”): ")
    [warning] = preview.problems_by_row()[5]
    assert not warning.blocking and "beyond the last column" in warning.message
    assert [(s.row, s.ok) for s in preview.sample] == [(2, True), (3, False), (5, True)]
    assert dict(preview.sample[0].values)["first_name"] == "Siân"
    assert preview.mapping["Mobile"] == "phone"
    assert preview.mapping_remembered is False


def test_likely_duplicates_of_existing_records_and_within_the_file(
    tmp_path: Path, db: Database, imports: ImportService, make_volunteer: MakeVolunteer
) -> None:
    held = make_volunteer(
        first_name="Dafydd",
        last_name="Jones",
        phone="07712 345678",
        email="dafydd@example.org",
        postcode="SA61 1AB",
        reference="V1",
    )
    path = write_csv(
        tmp_path / "mutual-aid.csv",
        [
            "Name,Mobile,Postcode",
            "Dai Jones,07712 345678,SA61 1AB",
            "Eirlys Prydderch,07712 900123,LL77 7AB",
            "Eirlys Prydderch,07712 900123,LL77 7AB",
        ],
    )
    before = counts(db)
    preview = imports.preview(path, kind="volunteers")
    assert counts(db) == before
    by_row = {(d.row, d.other_row): d for d in preview.duplicates}
    existing = by_row[(2, None)]
    assert existing.uuid == held.uuid
    assert (existing.name, existing.reference, existing.postcode) == (
        "Dafydd Jones",
        "V1",
        "SA61 1AB",
    )
    assert existing.score >= 0.8
    assert any("07712 345678" in reason for reason in existing.reasons)
    twins = by_row[(4, 3)]
    assert twins.uuid == ""
    assert preview.duplicates_total == 2


def test_rows_are_accepted_skipped_or_merged_as_decided(
    tmp_path: Path,
    db: Database,
    imports: ImportService,
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    group = make_organisation(name_en="Food Bank")
    held = make_volunteer(
        first_name="Dafydd", last_name="Jones", phone="07712 345678", email="", town=""
    )
    path = write_csv(
        tmp_path / "v.csv",
        [
            "First name,Surname,Mobile,E-mail,Town,Group",
            "Dai,Jones,07712 000001,dai@example.org,Llanelli,Food Bank",
            "Mair,Evans,07712 000002,,,",
            "Ifan,Rhys,07712 000003,,,",
            "Nia,Huws,07712 000004,,,",
        ],
    )
    result = imports.import_rows(
        path,
        kind="volunteers",
        decisions={
            2: RowDecision.merge(held.uuid),
            3: RowDecision.skip(),
            5: RowDecision.merge("00000000-0000-4000-8000-000000000000"),
        },
    )
    assert (result.imported, result.merged, result.skipped) == (1, 1, 2)
    reasons = {s.row: [str(p) for p in s.reasons] for s in result.skipped_rows}
    assert reasons[3] == ["Row 3: Left out, as you chose."]
    assert "No volunteer has the id" in reasons[5][0]
    merged = volunteers.get(held.uuid)
    assert merged.phone == "+447712345678"  # a merge never overwrites
    assert (merged.email, merged.town) == ("dai@example.org", "Llanelli")  # it fills blanks
    assert [ms.organisation_uuid for ms in merged.memberships] == [group.uuid]
    assert merged.version > held.version
    history = volunteers.history(held.uuid)
    assert history[-1]["action"] is AuditAction.IMPORT
    assert set(json.loads(history[-1]["changes"])) >= {"email", "town", "memberships", "source"}
    assert set(live(volunteers)) == {"Dafydd Jones", "Ifan Rhys"}


def test_a_dry_run_counts_everything_and_saves_nothing(
    tmp_path: Path, db: Database, imports: ImportService
) -> None:
    path = write_csv(tmp_path / "v.csv", ["Enw,Ffôn", "Siân Glyndŵr,07712 345678", "X,0"])
    before = counts(db)
    result = imports.import_rows(path, kind="volunteers", dry_run=True, find_duplicates=True)
    assert (result.dry_run, result.imported, result.skipped) == (True, 1, 1)
    assert result.backup_path is None
    assert counts(db) == before


def test_the_mapping_used_is_remembered_for_the_next_file(
    tmp_path: Path, imports: ImportService, volunteers: VolunteerService
) -> None:
    first = write_csv(tmp_path / "march.csv", ["Person,Digits", "Siân Glyndŵr,07712 345678"])
    info = imports.inspect(first)
    assert imports.suggest_mapping(info, kind="volunteers") == (
        {"Person": "", "Digits": ""},
        False,
    )
    with pytest.raises(CvcError, match="No column is set to hold the volunteers' names"):
        imports.import_rows(first, kind="volunteers")
    mapping = {"Person": "full_name", "Digits": "phone"}
    imports.import_rows(first, kind="volunteers", mapping=mapping)
    second = write_csv(tmp_path / "april.csv", ["person,digits", "Aled Rees,07712 345600"])
    assert imports.suggest_mapping(imports.inspect(second), kind="volunteers") == (
        {"person": "full_name", "digits": "phone"},
        True,
    )
    result = imports.import_rows(second, kind="volunteers")
    assert result.imported == 1
    assert set(live(volunteers)) == {"Siân Glyndŵr", "Aled Rees"}


def test_options_add_a_group_and_a_consent_method(
    tmp_path: Path,
    imports: ImportService,
    volunteers: VolunteerService,
    make_organisation: MakeOrganisation,
) -> None:
    group = make_organisation(name_en="Mutual Aid Tenby")
    path = write_csv(tmp_path / "v.csv", ["Name,Consent", "Siân Glyndŵr,yes", "Aled Rees,no"])
    refused = imports.preview(path, kind="volunteers")
    assert [p.field for p in refused.problems] == ["consent_method"]
    result = imports.import_rows(
        path,
        kind="volunteers",
        options=ImportOptions(group_uuid=group.uuid, consent_method=ConsentMethod.PAPER_FORM),
    )
    assert result.imported == 2
    people = {k: volunteers.get(v.uuid) for k, v in live(volunteers).items()}
    assert people["Siân Glyndŵr"].consent_method is ConsentMethod.PAPER_FORM
    assert people["Aled Rees"].consent_method is None
    assert all(p.memberships[0].organisation_uuid == group.uuid for p in people.values())
    with pytest.raises(NotFoundError):
        imports.preview(path, kind="volunteers", options=ImportOptions(group_uuid="nope"))


def test_an_unknown_group_name_is_a_problem_of_its_row(
    tmp_path: Path, imports: ImportService
) -> None:
    path = write_csv(tmp_path / "v.csv", ["Name,Group", "Siân Glyndŵr,Nowhere Club"])
    [problem] = imports.preview(path, kind="volunteers").problems
    assert (problem.row, problem.column, problem.value) == (2, "Group", "Nowhere Club")
    assert "No group is called" in problem.message


def test_cancelling_leaves_nothing_and_progress_reaches_the_end(
    tmp_path: Path, db: Database, imports: ImportService
) -> None:
    lines = ["Name,Mobile"] + [f"Person{n} Jones,07712 {n:06d}" for n in range(5000)]
    path = write_csv(tmp_path / "v.csv", lines)
    before = counts(db)
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1  # after two batches have been written

    with pytest.raises(Cancelled):
        imports.import_rows(path, kind="volunteers", cancel=cancel)
    assert counts(db) == before
    assert triggers(db) == TRIGGERS  # the search index's triggers are back as they were
    seen: list[tuple[int, int]] = []
    imports.import_rows(path, kind="volunteers", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1]
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    assert counts(db)["volunteer"] == 5000
    assert triggers(db) == TRIGGERS
    # Rows imported in bulk are in the search index, as if added one by one.
    found = VolunteerService(db).list(VolunteerQuery(search="Person4321"))
    assert [(v.first_name, v.phone) for v in found] == [("Person4321", "+447712004321")]
    assert VolunteerService(db).count(VolunteerQuery(search="Jones")) == 5000
    with db.engine.connect() as connection:
        check = connection.execute(
            text("INSERT INTO volunteer_fts(volunteer_fts, rank) VALUES ('integrity-check', 1)")
        )
        assert check is not None


def test_too_many_rows_are_refused_before_anything_is_read_into_the_database(
    tmp_path: Path, db: Database, imports: ImportService
) -> None:
    path = write_csv(tmp_path / "v.csv", ["Name"] + [f"P{n} Jones" for n in range(30)])
    before = counts(db)
    with pytest.raises(CvcError, match="more than 20 rows") as raised:
        imports.import_rows(path, kind="volunteers", options=ImportOptions(max_rows=20))
    assert "Nothing was imported" in str(raised.value)
    assert counts(db) == before


@pytest.mark.slow
def test_a_million_row_csv_is_refused_without_filling_memory(
    tmp_path: Path, db: Database, imports: ImportService
) -> None:
    path = tmp_path / "million.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("First name,Surname,Mobile\n")
        for n in range(1_000_000):
            handle.write(f"Siân,Jones{n},07712 {n:06d}\n")
    before = counts(db)
    start = psutil.Process().memory_info().rss
    with pytest.raises(CvcError, match="more than 200,000 rows"):
        imports.import_rows(path, kind="volunteers")
    grown = psutil.Process().memory_info().rss - start
    assert grown < 50_000_000, f"memory grew by {grown / 1e6:.0f} MB"
    assert counts(db) == before


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("junk.csv", bytes(range(256)) * 50, "not a spreadsheet"),
        ("cut.xlsx", None, "damaged or incomplete"),
        ("empty.csv", b"", "empty"),
        ("latin.csv", b"Name\nAber\x81ystwyth\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_broken_files_are_refused_and_nothing_is_written(
    tmp_path: Path,
    db: Database,
    imports: ImportService,
    name: str,
    content: bytes | None,
    words: str,
) -> None:
    path = tmp_path / name
    if content is None:
        whole = write_xlsx(tmp_path / "whole.xlsx", [["Name"], ["Siân Glyndŵr"]]).read_bytes()
        content = whole[: len(whole) - 200]
    path.write_bytes(content)
    before = counts(db)
    for action in (imports.preview, imports.import_rows):
        with pytest.raises(SpreadsheetError) as raised:
            action(path, kind="volunteers")
        assert words in str(raised.value)
    assert counts(db) == before
    assert path.read_bytes() == content
    assert not (db.path.parent / "backups").exists() if db.path else True


def test_a_cp1252_csv_with_welsh_text_imports(
    tmp_path: Path, imports: ImportService, volunteers: VolunteerService
) -> None:
    path = write_csv(
        tmp_path / "excel.csv",
        ["First name;Surname;Town", "Siân;Môn-Jones;Llanfair Pwll", "Gwenllïan;Rhys;Caernarfon"],
        encoding="cp1252",
    )
    assert imports.import_rows(path, kind="volunteers").imported == 2
    assert set(live(volunteers)) == {"Siân Môn-Jones", "Gwenllïan Rhys"}


def test_an_exported_file_imports_back(
    tmp_path: Path, db: Database, imports: ImportService, make_volunteer: MakeVolunteer
) -> None:
    from cvcdesk.services.exports import ExportService

    original = make_volunteer(first_name="Siân", last_name="Glyndŵr", town="=cmd|' /C calc'!A0")
    path = tmp_path / "out.xlsx"
    ExportService(db, actor="tester").volunteers(path)
    preview = imports.preview(path, kind="volunteers")
    assert preview.rows_ok == 1
    assert dict(preview.sample[0].values)["town"] == "'=cmd|' /C calc'!A0"
    [duplicate] = preview.duplicates
    assert duplicate.uuid == original.uuid and duplicate.score > 0.9


# -- importing groups ---------------------------------------------------------------------------


def test_groups_are_imported_with_welsh_names_and_kinds(
    tmp_path: Path,
    db: Database,
    imports: ImportService,
    organisations: OrganisationService,
    make_organisation: MakeOrganisation,
) -> None:
    held = make_organisation(name_en="Tenby Food Bank", name_cy="", charity_number="1234567")
    path = write_xlsx(
        tmp_path / "grwpiau.xlsx",
        [
            ["Enw", "Enw Cymraeg", "Math", "Rhif elusen", "Gwefan", "Cod post", "E-bost"],
            ["St Davids Mutual Aid", "Cymorth Cydfuddiannol Tyddewi", "Mutual aid", "", "",
             "SA62 6AB", "help@example.org"],
            ["Capel Bethel", "", "capel", "", "bethel.example.org", "SA61 1AB", ""],
            ["Tenby Foodbank", "Banc Bwyd Dinbych-y-pysgod", "charity", "1234567", "", "", ""],
            ["Bad Group", "", "spaceship", "", "", "XX1", ""],
        ],
        title="Grwpiau",
    )  # fmt: skip
    preview = imports.preview(path, kind="groups")
    assert (preview.rows_ok, preview.rows_with_problems) == (3, 1)
    assert {p.column for p in preview.problems} == {"Math", "Cod post"}
    [duplicate] = preview.duplicates
    assert (duplicate.row, duplicate.uuid) == (4, held.uuid)
    result = imports.import_rows(path, kind="groups", decisions={4: RowDecision.merge(held.uuid)})
    assert (result.imported, result.merged, result.skipped) == (2, 1, 1)
    names = {g.name_en: g for g in organisations.list()}
    assert names["St Davids Mutual Aid"].kind is OrganisationKind.MUTUAL_AID
    assert names["St Davids Mutual Aid"].name_cy == "Cymorth Cydfuddiannol Tyddewi"
    assert names["Capel Bethel"].kind is OrganisationKind.FAITH_GROUP
    merged = organisations.get(held.uuid)
    assert merged.name_en == "Tenby Food Bank"  # kept
    assert merged.name_cy == "Banc Bwyd Dinbych-y-pysgod"  # filled in


def test_an_unknown_kind_is_refused(imports: ImportService, tmp_path: Path) -> None:
    with pytest.raises(CvcError, match="not “people”"):
        imports.preview(write_csv(tmp_path / "x.csv", ["Name", "A"]), kind="people")
