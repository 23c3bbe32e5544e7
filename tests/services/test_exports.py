"""CSV exports as a spreadsheet user opens them: Welsh intact, no formulas, never half a file."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cvcdesk.domain.enums import ConsentMethod, VolunteerStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import Membership, VolunteerQuery, VolunteerRecord
from cvcdesk.services.exports import VOLUNTEER_COLUMNS, ExportService, safe_cell, write_csv
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def exports(db: Database) -> ExportService:
    return ExportService(db, actor="tester")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted write might have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or "part" in p.name)


def test_volunteers_csv_is_utf8_with_bom_and_keeps_welsh_letters(
    tmp_path: Path,
    exports: ExportService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    group = make_organisation(name_en="Tŷ Hapus", name_cy="Tŷ Hapus")
    make_volunteer(
        first_name="Siân",
        last_name="Glyndŵr",
        known_as="Siân Fach",
        town="Tŷ Ddewi",
        address="Bryn Ŵyn, Lôn Las",
        postcode="sa62 6ab",
        phone="07712 345678",
        skills=("cooking", "driving"),
        memberships=(Membership(group.uuid),),
    )
    path = tmp_path / "volunteers.csv"
    assert exports.volunteers_csv(path) == 1

    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert not raw.startswith(BOM + BOM)
    raw.decode("utf-8")  # the whole file is valid UTF-8
    assert "Glyndŵr".encode() in raw

    [row] = read_csv(path)
    assert list(row) == [name for name, _getter in VOLUNTEER_COLUMNS]
    assert row["first_name"] == "Siân"
    assert row["last_name"] == "Glyndŵr"
    assert row["town"] == "Tŷ Ddewi"
    assert row["address"] == "Bryn Ŵyn, Lôn Las"
    assert row["postcode"] == "SA62 6AB"
    assert row["phone"] == "07712 345678"
    assert row["skills"] == "cooking; driving"
    assert row["groups"] == "Tŷ Hapus"
    assert row["status"] == "active"
    assert row["consent_share"] == "no"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://example.com","click")',
        "+SUM(1,2)",
        "-2+3",
        "@SUM(A1:A2)",
        "=cmd|' /C calc'!A0",
    ],
)
def test_a_value_that_looks_like_a_formula_is_neutralised(
    tmp_path: Path, exports: ExportService, make_volunteer: MakeVolunteer, dangerous: str
) -> None:
    make_volunteer(known_as=dangerous, address=dangerous, town=dangerous, reference=dangerous)
    path = tmp_path / "volunteers.csv"
    exports.volunteers_csv(path)
    [row] = read_csv(path)
    for column in ("known_as", "address", "town", "reference"):
        assert row[column] == "'" + dangerous
    # Ordinary values are left alone.
    assert row["first_name"] == "Dafydd"
    assert row["email"] == "dafydd1@example.org"


def test_safe_cell_leaves_ordinary_values_alone() -> None:
    assert safe_cell(None) == ""
    assert safe_cell("Llanelli") == "Llanelli"
    assert safe_cell("O'Brien") == "O'Brien"
    assert safe_cell(12) == "12"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("\r=1") == "'\r=1"


def test_the_query_chooses_who_is_exported(
    tmp_path: Path,
    exports: ExportService,
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
) -> None:
    make_volunteer(first_name="Alun", consent_share=True, consent_method=ConsentMethod.EMAIL)
    make_volunteer(first_name="Bryn", status=VolunteerStatus.PAUSED)
    gone = make_volunteer(first_name="Ceri")
    volunteers.delete(gone.uuid)

    everyone = tmp_path / "all.csv"
    assert exports.volunteers_csv(everyone) == 2
    assert {row["first_name"] for row in read_csv(everyone)} == {"Alun", "Bryn"}

    sharing = tmp_path / "sharing.csv"
    assert exports.volunteers_csv(sharing, VolunteerQuery(consent_share=True)) == 1
    [row] = read_csv(sharing)
    assert (row["first_name"], row["consent_share"]) == ("Alun", "yes")


def test_many_volunteers_are_all_exported_once(
    tmp_path: Path, exports: ExportService, make_volunteer: MakeVolunteer
) -> None:
    made = {make_volunteer(first_name="Ifan", last_name="Jones").uuid for _ in range(12)}
    path = tmp_path / "volunteers.csv"
    assert exports.volunteers_csv(path) == 12
    uuids = [row["uuid"] for row in read_csv(path)]
    assert len(uuids) == 12
    assert set(uuids) == made


def test_an_empty_export_still_has_its_header(tmp_path: Path, exports: ExportService) -> None:
    path = tmp_path / "volunteers.csv"
    assert exports.volunteers_csv(path) == 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [[name for name, _getter in VOLUNTEER_COLUMNS]]


def test_a_file_that_is_not_csv_is_refused(tmp_path: Path, exports: ExportService) -> None:
    with pytest.raises(CvcError) as raised:
        exports.volunteers_csv(tmp_path / "volunteers.xls")
    assert ".csv" in str(raised.value)
    assert not (tmp_path / "volunteers.xls").exists()
    assert leftovers(tmp_path) == []


def test_a_folder_that_cannot_exist_gives_a_clear_error_and_no_stray_files(
    tmp_path: Path, exports: ExportService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder would have to be")
    target = blocker / "missing" / "volunteers.csv"
    with pytest.raises(CvcError) as raised:
        exports.volunteers_csv(target)
    assert "volunteers.csv" in str(raised.value)
    assert "Traceback" not in str(raised.value)
    assert leftovers(tmp_path) == []
    assert blocker.read_text() == "a file where a folder would have to be"


def test_a_missing_folder_is_made_for_the_export(
    tmp_path: Path, exports: ExportService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    target = tmp_path / "new folder" / "volunteers.csv"
    assert exports.volunteers_csv(target) == 1
    assert len(read_csv(target)) == 1
    assert leftovers(target.parent) == []


def test_a_failure_while_writing_leaves_no_partial_file(tmp_path: Path) -> None:
    def rows() -> Iterator[list[Any]]:
        yield ["a", "b"]
        yield ["c", "d"]
        raise CvcError("The database went away.")

    target = tmp_path / "export.csv"
    with pytest.raises(CvcError):
        write_csv(target, ["one", "two"], rows())
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_a_failed_export_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    assert write_csv(target, ["one"], [["first"]]) == 1
    before = target.read_bytes()

    def rows() -> Iterator[list[Any]]:
        yield ["second"]
        raise CvcError("Cancelled.")

    with pytest.raises(CvcError):
        write_csv(target, ["one"], rows())
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_groups_csv_has_one_row_per_live_group(
    tmp_path: Path,
    exports: ExportService,
    organisations: OrganisationService,
    make_organisation: MakeOrganisation,
    make_volunteer: MakeVolunteer,
) -> None:
    groups = [
        make_organisation(name_en=f"Group {n}", name_cy=f"Grŵp Tŷ {n}", phone="01437 765432")
        for n in range(5)
    ]
    organisations.delete(groups[4].uuid)
    make_volunteer(memberships=(Membership(groups[0].uuid), Membership(groups[1].uuid)))
    make_volunteer(memberships=(Membership(groups[0].uuid),))
    make_organisation(name_en="=Evil Group", name_cy="")

    path = tmp_path / "groups.csv"
    assert exports.groups_csv(path) == 5
    assert path.read_bytes().startswith(BOM)
    rows = read_csv(path)
    assert len(rows) == 5
    assert list(rows[0]) == [
        "uuid",
        "name_en",
        "name_cy",
        "kind",
        "email",
        "phone",
        "postcode",
        "volunteers",
    ]
    by_uuid = {row["uuid"]: row for row in rows}
    assert groups[4].uuid not in by_uuid
    assert by_uuid[groups[0].uuid]["volunteers"] == "2"
    assert by_uuid[groups[1].uuid]["volunteers"] == "1"
    assert by_uuid[groups[2].uuid]["volunteers"] == "0"
    assert by_uuid[groups[3].uuid]["name_cy"] == "Grŵp Tŷ 3"
    assert by_uuid[groups[3].uuid]["phone"] == "01437 765432"
    assert by_uuid[groups[3].uuid]["kind"] == "community_group"
    assert "'=Evil Group" in {row["name_en"] for row in rows}
