"""Named communities and wards: added, renamed and removed by a coordinator, on a real file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from cvcdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from cvcdesk.domain.figures import GridGrouping
from cvcdesk.domain.organisation import CoverageData, OrganisationData, OrganisationRecord
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.areas import ensure_area
from cvcdesk.services.communities import (
    CommunityData,
    CommunityInUseError,
    CommunityService,
    check_form,
    split_postcodes,
)
from cvcdesk.services.coverage import CoverageService
from cvcdesk.services.demo_data import COMMUNITIES
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeOrganisation = Callable[..., OrganisationRecord]
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def communities(db: Database) -> CommunityService:
    return CommunityService(db, actor="tester")


def hwlffordd(**overrides: Any) -> CommunityData:
    values: dict[str, Any] = {
        "code": "hwlffordd",
        "name_en": "Haverfordwest",
        "name_cy": "Hwlffordd",
        "postcodes": split_postcodes("sa61 1, SA612;SA61 2"),
    }
    values.update(overrides)
    return CommunityData(**values)


def audit(db: Database) -> list[tuple[str, str, dict[str, list[Any]]]]:
    with db.session_factory() as session:
        return [
            (row.record_type, row.action, json.loads(row.changes))
            for row in session.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id))
        ]


def snapshot(db: Database) -> tuple[int, int, int, str]:
    """How many areas, held postcodes and audit entries there are, and the clock's last value."""
    with db.session_factory() as session:
        return (
            int(session.scalar(select(func.count(m.Area.id))) or 0),
            int(session.scalar(select(func.count()).select_from(m.AreaPostcode)) or 0),
            int(session.scalar(select(func.count(m.AuditEntry.id))) or 0),
            str(session.scalar(select(m.Instance.clock))),
        )


def rows_of(coverage: CoverageService) -> list[str]:
    return [row.area.key for row in coverage.grid(grouping=GridGrouping.COMMUNITY).rows]


def test_a_new_community_is_listed_with_its_postcodes_and_shows_in_the_grid(
    db: Database, communities: CommunityService, make_organisation: MakeOrganisation
) -> None:
    make_organisation(
        name_en="Haverfordwest Food Bank", coverage=(CoverageData("food_parcels", "SA61 1"),)
    )
    record = communities.create(hwlffordd())
    assert record.code == "HWLFFORDD"
    assert record.postcodes == ("SA61 1", "SA61 2")
    assert [(r.code, r.name_en, r.name_cy) for r in communities.list()] == [
        ("HWLFFORDD", "Haverfordwest", "Hwlffordd")
    ]
    coverage = CoverageService(db, actor="tester")
    assert rows_of(coverage) == ["HWLFFORDD", "SA61 1", "SA61 2"]
    grid = coverage.grid(grouping=GridGrouping.COMMUNITY)
    assert grid.rows[0].area.name("cy") == "Hwlffordd"
    cell = grid.cell("HWLFFORDD", "food_parcels")
    assert cell is not None and cell.groups == 1
    # --area and the report find it by code or either name.
    assert coverage.grid(area="Hwlffordd").rows[0].area.key == "HWLFFORDD"
    # It was written to the audit trail, stamped with the database's clock.
    assert audit(db)[-1] == (
        "area",
        "create",
        {
            "code": [None, "HWLFFORDD"],
            "name_en": [None, "Haverfordwest"],
            "name_cy": [None, "Hwlffordd"],
            "postcodes": [None, "SA61 1, SA61 2"],
        },
    )
    assert record.changed_at.endswith(db.instance_uuid)
    assert record.changed_at <= snapshot(db)[3]


def test_groups_and_activities_can_name_it_as_their_area_in_any_capitals(
    db: Database, communities: CommunityService, organisations: OrganisationService
) -> None:
    communities.create(hwlffordd())
    group = organisations.create(
        OrganisationData(
            name_en="Prendergast Good Neighbours", coverage=(CoverageData("shopping", "Hwlffordd"),)
        )
    )
    assert [line.area for line in group.coverage] == ["HWLFFORDD"]
    assert communities.get("HWLFFORDD").coverage_lines == 1


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (hwlffordd(code="SA61"), "code", ["“SA61”", "postcode"]),
        (hwlffordd(code="sa61 1"), "code", ["“SA61 1”", "postcode"]),
        (hwlffordd(code="TY DDEWI"), "code", ["“TY DDEWI”", "letters A to Z"]),
        (hwlffordd(code=""), "code", ["Code"]),
        (hwlffordd(name_en=" ", name_cy=""), "name_en", ["English, Welsh or both"]),
        (hwlffordd(name_cy="H" * 201), "name_cy", ["Welsh name", "200"]),
        (hwlffordd(postcodes=()), "postcodes", ["SA61 1"]),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(
    db: Database,
    communities: CommunityService,
    data: CommunityData,
    field: str,
    words: list[str],
) -> None:
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        communities.create(data)
    [problem] = raised.value.for_field(field)
    for word in words:
        assert word in problem.message
    assert snapshot(db) == before
    assert communities.list() == []


def test_every_bad_postcode_is_named_and_nothing_is_saved(
    db: Database, communities: CommunityService
) -> None:
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        communities.create(
            hwlffordd(postcodes=split_postcodes("SA61 1, XX, SA61 2, 1234,SA99 9ZZZ"))
        )
    [problem] = raised.value.errors
    assert problem.field == "postcodes"
    for bad in ("“XX”", "“1234”", "“SA99 9ZZZ”"):
        assert bad in problem.message
    assert "SA61 1”" not in problem.message
    assert snapshot(db) == before


def test_a_code_or_name_another_community_has_is_refused(
    db: Database, communities: CommunityService
) -> None:
    communities.create(hwlffordd())
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        communities.create(CommunityData("Hwlffordd", "Prendergast", "Hwlffordd", ("SA61 1",)))
    [code] = raised.value.for_field("code")
    assert "HWLFFORDD" in code.message and "Haverfordwest" in code.message
    [name] = raised.value.for_field("name_cy")
    assert "Welsh name “Hwlffordd”" in name.message
    assert snapshot(db) == before
    # The form check asks the same without saving, and a community's own names are no clash.
    assert communities.problems(hwlffordd(), editing="HWLFFORDD") == []
    assert [p.field for p in communities.problems(hwlffordd())] == ["code", "name_en", "name_cy"]


def test_renaming_and_changing_postcodes_keeps_the_code_and_is_audited(
    db: Database, communities: CommunityService
) -> None:
    first = communities.create(hwlffordd())
    changed = communities.update(
        "Haverfordwest",
        CommunityData("", "Haverfordwest town", "Hwlffordd", ("SA61 1", "SA61 1AB")),
        expected_version=first.version,
    )
    assert (changed.code, changed.name_en, changed.postcodes) == (
        "HWLFFORDD",
        "Haverfordwest town",
        ("SA61 1", "SA61 1AB"),
    )
    assert changed.uuid == first.uuid and changed.version == first.version + 1
    assert changed.changed_at > first.changed_at
    assert audit(db)[-1] == (
        "area",
        "update",
        {
            "name_en": ["Haverfordwest", "Haverfordwest town"],
            "postcodes": ["SA61 1, SA61 2", "SA61 1, SA61 1AB"],
        },
    )
    # Saving the same again changes nothing and writes nothing.
    before = snapshot(db)
    same = hwlffordd(name_en="Haverfordwest town", postcodes=("SA61 1AB", "SA61 1"))
    assert communities.update("HWLFFORDD", same) == changed
    assert snapshot(db) == before
    # The code cannot change, and a save based on an old version is refused.
    with pytest.raises(ValidationError, match="code cannot be changed"):
        communities.update("HWLFFORDD", hwlffordd(code="PRENDERGAST"))
    with pytest.raises(ConflictError):
        communities.update("HWLFFORDD", hwlffordd(), expected_version=first.version)
    assert snapshot(db) == before
    with pytest.raises(NotFoundError, match="“Atlantis”"):
        communities.update("Atlantis", hwlffordd())


def test_a_community_in_use_is_removed_only_when_the_coordinator_says_so(
    db: Database, communities: CommunityService, make_organisation: MakeOrganisation
) -> None:
    communities.create(hwlffordd())
    group = make_organisation(
        name_en="Haverfordwest Food Bank",
        coverage=(CoverageData("food_parcels", "HWLFFORDD"), CoverageData("shopping", "SA61")),
    )
    ActivityService(db, actor="tester").create(
        ActivityData(
            group_uuid=group.uuid,
            title_en="Food run",
            area="HWLFFORDD",
            start_date=TODAY,
            start_time=dt.time(10),
            end_time=dt.time(12),
        ),
        today=TODAY,
    )
    before = snapshot(db)
    with pytest.raises(CommunityInUseError) as raised:
        communities.delete("HWLFFORDD")
    message = str(raised.value)
    assert "Haverfordwest (HWLFFORDD) is the area of 2 records" in message
    assert "coverage lines: 1; activities: 1" in message
    assert snapshot(db) == before
    assert [r.code for r in communities.list()] == ["HWLFFORDD"]

    removed = communities.delete("HWLFFORDD", force=True)
    assert removed.in_use == 2
    assert communities.list() == []
    assert audit(db)[-1] == ("area", "delete", {"deleted": [False, True]})
    coverage = CoverageService(db, actor="tester")
    assert rows_of(coverage) == []
    with pytest.raises(NotFoundError):
        coverage.grid(area="HWLFFORDD")
    # Nothing new can be given the removed community as its area.
    with db.session_factory.begin() as session, pytest.raises(NotFoundError):
        ensure_area(session, db, "HWLFFORDD")

    # Adding the code again brings the same community back, lines and all.
    again = communities.create(hwlffordd(postcodes=("SA61 1",)))
    assert again.uuid == removed.uuid
    assert (again.coverage_lines, again.activities) == (1, 1)
    assert audit(db)[-1][1] == "restore"
    assert rows_of(coverage) == ["HWLFFORDD", "SA61 1"]


def test_an_unused_community_is_removed_straight_away(
    db: Database, communities: CommunityService
) -> None:
    communities.create(hwlffordd())
    assert communities.delete("hwlffordd").code == "HWLFFORDD"
    assert communities.list() == []
    with pytest.raises(NotFoundError):
        communities.delete("HWLFFORDD")


def test_communities_sort_by_name_in_the_language_in_use(communities: CommunityService) -> None:
    communities.create(CommunityData("LOGIN", "Login", "Login", ("SA34 0",)))
    communities.create(CommunityData("LAMPHEY", "Lamphey", "Llandyfái", ("SA71 5",)))
    assert [r.code for r in communities.list(language="en")] == ["LAMPHEY", "LOGIN"]
    # In Welsh "ll" is a letter of its own, after "l": Llandyfái comes after Login.
    assert [r.name("cy") for r in communities.list(language="cy")] == ["Login", "Llandyfái"]


def test_the_demo_communities_are_ones_a_coordinator_could_add() -> None:
    for code, name_en, name_cy, postcodes in COMMUNITIES:
        assert check_form(CommunityData(code, name_en, name_cy, postcodes)) == [], code
