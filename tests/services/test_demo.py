"""The demo generator: deterministic, realistic, Welsh, and all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.figures import GridGrouping
from cvcdesk.domain.validation import normalise_phone, normalise_postcode
from cvcdesk.domain.volunteer import VolunteerQuery
from cvcdesk.services import demo_data as words
from cvcdesk.services.base import Cancelled
from cvcdesk.services.communities import CommunityService
from cvcdesk.services.coverage import CoverageService
from cvcdesk.services.demo import DemoService, DemoSummary
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database, open_database
from cvcdesk.store.derived import volunteer_search_text, volunteer_sort_keys

TODAY = dt.date(2026, 3, 2)
VOLUNTEERS = 2000
GROUPS = 24
WELSH_AREAS = {"CF", "SA", "LL", "NP", "LD", "SY"}
VARIATIONS = {
    "nickname",
    "typo",
    "phone_format",
    "other_phone",
    "swapped_names",
    "missing_email",
    "accent",
}


def generate(database: Database, **overrides: Any) -> DemoSummary:
    options: dict[str, Any] = {
        "volunteers": VOLUNTEERS,
        "groups": GROUPS,
        "seed": 1,
        "today": TODAY,
    }
    options.update(overrides)
    return DemoService(database, actor="tester").generate(**options)


def rows(database: Database, sql: str, **params: Any) -> list[Any]:
    with database.engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def scalar(database: Database, sql: str, **params: Any) -> Any:
    with database.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def schema(database: Database) -> set[tuple[str, str, str]]:
    return {
        (kind, name, sql)
        for kind, name, sql in rows(
            database, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        )
    }


def digest(database: Database) -> str:
    text_rows = rows(
        database,
        "SELECT reference, first_name, last_name, postcode, phone, email FROM volunteer "
        "ORDER BY id",
    )
    return hashlib.sha256(repr([tuple(r) for r in text_rows]).encode()).hexdigest()


@pytest.fixture
def demo(db: Database) -> DemoSummary:
    return generate(db)


def test_same_seed_gives_the_same_data(db: Database, tmp_path: Path) -> None:
    generate(db)
    with open_database(tmp_path / "again.db") as again:
        generate(again)
        assert digest(again) == digest(db)
    with open_database(tmp_path / "other-seed.db") as other:
        generate(other, seed=2)
        assert digest(other) != digest(db)


def test_summary_matches_what_was_written(db: Database, demo: DemoSummary) -> None:
    assert demo.volunteers == VOLUNTEERS == scalar(db, "SELECT count(*) FROM volunteer")
    assert demo.groups == GROUPS == scalar(db, "SELECT count(*) FROM organisation")
    assert demo.duplicates == scalar(db, "SELECT count(*) FROM demo_duplicate")
    assert demo.activities == scalar(db, "SELECT count(*) FROM activity") > 0
    assert demo.shifts == scalar(db, "SELECT count(*) FROM shift") > demo.activities
    assert demo.assignments == scalar(db, "SELECT count(*) FROM assignment") > 0
    assert demo.households == scalar(db, "SELECT count(*) FROM household") > 0
    assert scalar(db, "SELECT count(*) FROM membership") >= VOLUNTEERS
    assert scalar(db, "SELECT count(*) FROM volunteer_skill") > 0
    assert scalar(db, "SELECT count(*) FROM availability") >= VOLUNTEERS
    assert scalar(db, "SELECT count(*) FROM household_support") >= demo.households
    # Every assignment is of a member of the group that runs the activity.
    assert not scalar(
        db,
        "SELECT count(*) FROM assignment a JOIN shift s ON s.id = a.shift_id "
        "JOIN activity t ON t.id = s.activity_id WHERE NOT EXISTS (SELECT 1 FROM membership m "
        "WHERE m.volunteer_id = a.volunteer_id AND m.organisation_id = t.organisation_id)",
    )
    # Shifts in the past were attended (or not); future ones are only planned.
    statuses = dict(
        rows(
            db,
            "SELECT s.starts_at < :today, group_concat(DISTINCT a.status) FROM assignment a "
            "JOIN shift s ON s.id = a.shift_id GROUP BY 1",
            today=TODAY.isoformat(),
        )
    )
    assert set(statuses[1].split(",")) <= {"attended", "no_show"}
    assert set(statuses[0].split(",")) <= {"confirmed", "tentative"}


def test_about_three_percent_are_recorded_duplicates_of_real_volunteers(
    db: Database, demo: DemoSummary
) -> None:
    truth = rows(db, "SELECT duplicate_uuid, original_uuid, variation FROM demo_duplicate")
    assert len(truth) == demo.duplicates == int(VOLUNTEERS * 0.03)
    uuids = {uuid for (uuid,) in rows(db, "SELECT uuid FROM volunteer")}
    duplicates = {d for d, _o, _v in truth}
    for duplicate, original, variation in truth:
        assert duplicate in uuids
        assert original in uuids
        assert original not in duplicates
        assert set(variation.split("+")) <= VARIATIONS
    kinds = {kind for _d, _o, v in truth for kind in v.split("+")}
    assert len(kinds) >= 5
    # The variations show: some names differ, yet postcode and date of birth agree.
    pairs = rows(
        db,
        "SELECT d.first_name, d.last_name, o.first_name, o.last_name, d.postcode = o.postcode, "
        "d.date_of_birth = o.date_of_birth FROM demo_duplicate t "
        "JOIN volunteer d ON d.uuid = t.duplicate_uuid "
        "JOIN volunteer o ON o.uuid = t.original_uuid",
    )
    assert all(same_postcode and same_dob for *_names, same_postcode, same_dob in pairs)
    assert sum((df, dl) != (of, ol) for df, dl, of, ol, *_ in pairs) > len(pairs) // 4


def test_phones_and_postcodes_are_valid_and_welsh(db: Database, demo: DemoSummary) -> None:
    phones = [
        phone
        for (phone,) in rows(
            db,
            "SELECT phone FROM volunteer UNION ALL SELECT phone_alt FROM volunteer "
            "UNION ALL SELECT phone FROM organisation",
        )
        if phone
    ]
    assert len(phones) > VOLUNTEERS // 2
    assert [p for p in phones if normalise_phone(p) != p] == []
    assert any(p.startswith("+447") for p in phones)  # mobiles
    assert any(p.startswith(("+441", "+442")) for p in phones)  # landlines
    postcodes = [
        postcode
        for (postcode,) in rows(
            db,
            "SELECT postcode FROM volunteer UNION ALL SELECT postcode FROM organisation "
            "UNION ALL SELECT postcode FROM activity UNION ALL SELECT postcode FROM household",
        )
    ]
    assert [p for p in postcodes if normalise_postcode(p) != p] == []
    areas = {re.match(r"[A-Z]+", p).group() for p in postcodes}  # type: ignore[union-attr]
    assert areas <= WELSH_AREAS
    assert len(areas) >= 4


def test_names_use_welsh_letters(db: Database, demo: DemoSummary) -> None:
    names = " ".join(
        f"{first} {last}" for first, last in rows(db, "SELECT first_name, last_name FROM volunteer")
    )
    for letter in "ŵŷâ":
        assert letter in names, letter
    assert "Jones" in names and "Smith" in names  # Welsh and English surnames alike


def test_consent_and_dbs_states_are_mixed(db: Database, demo: DemoSummary) -> None:
    consent = dict(rows(db, "SELECT consent_share, count(*) FROM volunteer GROUP BY 1"))
    assert consent[0] > VOLUNTEERS // 10 and consent[1] > VOLUNTEERS // 2
    assert not scalar(
        db, "SELECT count(*) FROM volunteer WHERE consent_share AND consent_date IS NULL"
    )
    levels = dict(rows(db, "SELECT dbs_level, count(*) FROM volunteer GROUP BY 1"))
    assert set(levels) == {"none", "basic", "standard", "enhanced"}
    soon = (TODAY + dt.timedelta(days=60)).isoformat()
    due = scalar(
        db,
        "SELECT count(*) FROM volunteer WHERE dbs_level != 'none' AND dbs_renewal_due <= :soon",
        soon=soon,
    )
    assert 0 < due < VOLUNTEERS - levels["none"]
    service = VolunteerService(db, actor="tester")
    assert service.count(VolunteerQuery(dbs_due_before=TODAY + dt.timedelta(days=60))) == due
    assert service.count(VolunteerQuery(consent_share=False)) == consent[0]


def test_some_groups_cover_the_same_service_in_the_same_or_nested_area(
    db: Database, demo: DemoSummary
) -> None:
    overlaps = scalar(
        db,
        "SELECT count(*) FROM coverage a JOIN coverage b "
        "ON a.service_type_id = b.service_type_id AND a.organisation_id < b.organisation_id "
        "JOIN area x ON x.id = a.area_id JOIN area y ON y.id = b.area_id "
        "WHERE x.id = y.id OR x.parent_id = y.id OR y.parent_id = x.id",
    )
    assert overlaps > 0


def test_small_demo_still_has_overlapping_coverage(db: Database) -> None:
    generate(db, volunteers=20, groups=2)
    assert scalar(
        db,
        "SELECT count(*) FROM coverage a JOIN coverage b "
        "ON a.service_type_id = b.service_type_id AND a.organisation_id < b.organisation_id",
    )


def test_families_share_a_landline_and_often_an_email(db: Database, demo: DemoSummary) -> None:
    families = rows(
        db,
        "SELECT a.phone, a.email = b.email AND a.email != '' FROM volunteer a JOIN volunteer b "
        "ON a.phone = b.phone AND a.postcode = b.postcode AND a.last_name = b.last_name "
        "AND a.first_name != b.first_name AND a.id < b.id "
        "WHERE a.uuid NOT IN (SELECT duplicate_uuid FROM demo_duplicate) "
        "AND b.uuid NOT IN (SELECT duplicate_uuid FROM demo_duplicate)",
    )
    assert len(families) >= 10
    assert all(phone.startswith(("+441", "+442")) for phone, _same_email in families)
    assert any(same_email for _phone, same_email in families)


def test_derived_columns_match_what_the_app_writes(db: Database, demo: DemoSummary) -> None:
    sample = rows(
        db,
        "SELECT phone, phone_alt, postcode, first_name, last_name, search_text, sort_key_en, "
        "sort_key_cy FROM volunteer WHERE id % 7 = 0",
    )
    for phone, alt, postcode, first, last, search_text, key_en, key_cy in sample:
        assert search_text == volunteer_search_text(phone, alt, postcode)
        assert (key_en, key_cy) == volunteer_sort_keys(first, last)


def test_indexes_and_search_work_after_the_bulk_load(db: Database, tmp_path: Path) -> None:
    before = schema(db)
    generate(db)
    assert schema(db) == before
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    assert scalar(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0
    service = VolunteerService(db, actor="tester")
    reference, first, last, postcode = rows(
        db, "SELECT reference, first_name, last_name, postcode FROM volunteer WHERE id = 1234"
    )[0]
    assert [r.reference for r in service.list(VolunteerQuery(search=reference))] == [reference]
    found = service.list(VolunteerQuery(search=f"{first} {last}"), limit=None)
    assert reference in {r.reference for r in found}
    assert service.count(VolunteerQuery(search=postcode.split()[0])) > 1
    # A full-text search agrees with a plain scan of the same column.
    expected = scalar(db, "SELECT count(*) FROM volunteer WHERE last_name = 'Jones'")
    assert service.count(VolunteerQuery(search="Jones")) >= expected > 0


def test_refuses_a_database_that_already_has_records(
    db: Database, make_volunteer: Callable[..., Any]
) -> None:
    make_volunteer()
    with pytest.raises(CvcError, match="empty database"):
        generate(db, volunteers=10, groups=2)
    assert scalar(db, "SELECT count(*) FROM volunteer") == 1


def test_refuses_to_generate_twice(db: Database) -> None:
    generate(db, volunteers=50, groups=3)
    with pytest.raises(CvcError, match="empty database"):
        generate(db, volunteers=50, groups=3)
    assert scalar(db, "SELECT count(*) FROM volunteer") == 50


def test_refuses_nothing_to_generate(db: Database) -> None:
    with pytest.raises(CvcError):
        generate(db, volunteers=0)


@pytest.mark.parametrize("after", [0, 3])
def test_cancelling_leaves_the_database_empty(db: Database, after: int) -> None:
    before = schema(db)
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > after

    with pytest.raises(Cancelled):
        generate(db, cancelled=cancelled)
    for table in ("volunteer", "organisation", "coverage", "area", "membership", "demo_duplicate"):
        assert scalar(db, f"SELECT count(*) FROM {table}") == 0, table
    assert schema(db) == before
    # And the database can still take the demo afterwards.
    assert generate(db, volunteers=30, groups=2).volunteers == 30


def test_progress_counts_volunteers_up_to_the_total(db: Database) -> None:
    seen: list[tuple[int, int]] = []
    generate(
        db, volunteers=12_000, groups=30, progress=lambda done, total: seen.append((done, total))
    )
    assert len(seen) >= 2
    assert seen[-1] == (12_000, 12_000)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)


def test_the_demo_names_real_communities_over_its_postcodes(
    db: Database, demo: DemoSummary
) -> None:
    records = CommunityService(db, actor="tester").list(language="en")
    assert len(records) >= 5
    by_code = {r.code: r for r in records}
    haverfordwest = by_code["HWLFFORDD"]
    assert (haverfordwest.name_en, haverfordwest.name_cy) == ("Haverfordwest", "Hwlffordd")
    assert haverfordwest.postcodes == ("SA61 1", "SA61 2")
    assert by_code["PEN-LLYN"].name_cy == "Pen Llŷn"
    districts = {district for district, *_rest in words.DISTRICTS}
    for record in records:
        assert record.name_en and record.name_cy, record.code
        assert {p.split()[0] for p in record.postcodes} <= districts, record.code
    # "Communities and wards" on the Coverage page has rows, and groups in some of them.
    grid = CoverageService(db, actor="tester").grid(grouping=GridGrouping.COMMUNITY)
    tops = [row for row in grid.rows if row.depth == 0]
    assert {row.area.key for row in tops} == set(by_code)
    assert any(cell.groups for row in tops for cell in row.cells)


def test_the_communities_leave_the_seeded_data_as_it_was(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The volunteers, groups and duplicate truth a seed gives do not depend on them."""
    generate(db, volunteers=500, groups=12)
    monkeypatch.setattr(words, "COMMUNITIES", [])
    with open_database(tmp_path / "without.db") as without:
        generate(without, volunteers=500, groups=12)
        assert not scalar(without, "SELECT count(*) FROM area WHERE kind = 'community'")
        for sql in (
            "SELECT uuid, reference, first_name, last_name, phone, email FROM volunteer "
            "ORDER BY id",
            "SELECT duplicate_uuid, original_uuid, variation FROM demo_duplicate ORDER BY 1",
            "SELECT uuid, name_en, name_cy, postcode FROM organisation ORDER BY id",
            "SELECT c.uuid, a.code, c.weekdays FROM coverage c JOIN area a ON a.id = c.area_id "
            "ORDER BY c.uuid",
            "SELECT uuid, volunteer_id, organisation_id FROM membership ORDER BY uuid",
        ):
            assert [tuple(r) for r in rows(without, sql)] == [tuple(r) for r in rows(db, sql)]
