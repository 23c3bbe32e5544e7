"""The coverage grid on a hand-built county: known gaps, known overlaps, nested areas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from cvcdesk.domain.enums import AlertKind, OrganisationKind, Weekdays
from cvcdesk.domain.errors import NotFoundError, ValidationError
from cvcdesk.domain.figures import CoverageGrid, CoverageLevel, GridGrouping
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.services.alerts import AlertService, overlap_detectors
from cvcdesk.services.coverage import CoverageService, postcode_sort_key
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeOrganisation = Callable[..., OrganisationRecord]
MON, TUE, WED = Weekdays.MON, Weekdays.TUE, Weekdays.WED


def cover(service: str, area: str, **values: Any) -> CoverageData:
    return CoverageData(service=service, area=area, **values)


def add_community(db: Database, code: str, postcodes: tuple[str, ...], name_cy: str = "") -> None:
    with db.session_factory.begin() as session:
        area = m.Area(
            kind="community",
            code=code,
            name_en=code.title(),
            name_cy=name_cy or code.title(),
            origin=db.instance_uuid,
            changed_at=db.clock.now(),
        )
        session.add(area)
        session.flush()
        for postcode in postcodes:
            session.add(m.AreaPostcode(area_id=area.id, postcode=postcode))


@pytest.fixture
def county(db: Database, make_organisation: MakeOrganisation) -> dict[str, OrganisationRecord]:
    """SA61 has two food groups (one district-wide, one in sector SA61 1: they overlap) and a
    shopping group in one street; SA70 had a food group until March 2025; the Dale community
    (in SA62 3) has transport; a deleted group in SA61 counts for nothing."""
    add_community(db, "DALE", ("SA62 3",), name_cy="Dâl")
    groups = {
        "bank": make_organisation(
            name_en="Haverfordwest Food Bank",
            kind=OrganisationKind.SOCIAL_ENTERPRISE,
            coverage=(
                cover(
                    "food_parcels",
                    "SA61",
                    weekdays=MON | TUE,
                    start_time=dt.time(9),
                    end_time=dt.time(12),
                ),
            ),
        ),
        "aid": make_organisation(
            name_en="Prendergast Mutual Aid",
            kind=OrganisationKind.MUTUAL_AID,
            coverage=(
                cover(
                    "food_parcels",
                    "SA61 1",
                    weekdays=MON,
                    start_time=dt.time(11),
                    end_time=dt.time(14),
                ),
            ),
        ),
        "street": make_organisation(
            name_en="Merlin's Bridge Helpers",
            coverage=(cover("shopping", "SA61 2AB", weekdays=WED),),
        ),
        "tenby": make_organisation(
            name_en="Tenby Good Neighbours",
            coverage=(
                cover(
                    "food_parcels",
                    "SA70",
                    start_date=dt.date(2025, 1, 1),
                    end_date=dt.date(2025, 3, 31),
                ),
            ),
        ),
        "dale": make_organisation(
            name_en="Dale Lifts", coverage=(cover("transport", "DALE", weekdays=TUE),)
        ),
        "gone": make_organisation(
            name_en="Closed Group", coverage=(cover("food_parcels", "SA61"),)
        ),
    }
    OrganisationService(db, actor="tester").delete(groups["gone"].uuid)
    return groups


@pytest.fixture
def coverage(db: Database) -> CoverageService:
    return CoverageService(db, actor="tester")


def counts(grid: CoverageGrid, area: str) -> dict[str, int]:
    for row in grid.rows:
        if row.area.key == area:
            return {s.key: c.groups for s, c in zip(grid.services, row.cells, strict=True)}
    raise AssertionError(f"no row {area}")


def test_rows_are_districts_each_followed_by_its_sectors(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    grid = coverage.grid()
    assert [(row.area.key, row.depth, row.parent) for row in grid.rows] == [
        ("SA61", 0, ""),
        ("SA61 1", 1, "SA61"),
        ("SA61 2", 1, "SA61"),
        ("SA62", 0, ""),
        ("SA62 3", 1, "SA62"),
        ("SA70", 0, ""),
    ]
    assert [row.area.key for row in grid.top_rows()] == ["SA61", "SA62", "SA70"]
    assert grid.top_rows()[0].children == 2
    assert [s.key for s in grid.services][:3] == ["food_parcels", "shopping", "prescriptions"]


def test_counts_groups_in_nested_areas(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    grid = coverage.grid()
    sa61 = counts(grid, "SA61")
    # The district-wide bank and the sector's mutual aid both reach SA61; the deleted group
    # does not count.
    assert sa61["food_parcels"] == 2
    assert sa61["shopping"] == 1  # one street of SA61 2
    assert sa61["transport"] == 0
    assert counts(grid, "SA61 1")["food_parcels"] == 2  # the district line covers the sector
    assert counts(grid, "SA61 2")["food_parcels"] == 1
    assert counts(grid, "SA61 2")["shopping"] == 1
    assert counts(grid, "SA61 1")["shopping"] == 0
    assert counts(grid, "SA62")["transport"] == 1  # the Dale community lies in SA62 3
    assert counts(grid, "SA62 3")["transport"] == 1
    assert counts(grid, "SA70")["food_parcels"] == 1

    cell = grid.cell("SA61", "food_parcels")
    assert cell is not None
    assert cell.level is CoverageLevel.SEVERAL
    assert cell.partial == 1  # the mutual aid covers only sector SA61 1
    names = [grid.groups[u].name_en for u in cell.group_uuids]
    assert names == ["Haverfordwest Food Bank", "Prendergast Mutual Aid"]
    shopping = grid.cell("SA61", "shopping")
    assert (
        shopping is not None and shopping.partial == 1 and shopping.level is CoverageLevel.COVERED
    )
    gap = grid.cell("SA61", "transport")
    assert gap is not None and gap.level is CoverageLevel.GAP


def test_gaps_and_overlaps_are_named(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    grid = coverage.grid()
    overlaps = [(row.area.key, service.key) for row, service, _cell in grid.overlaps()]
    assert overlaps == [("SA61", "food_parcels")]
    assert [(row.area.key, service.key) for row, service, _c in grid.overlaps(depth=1)] == [
        ("SA61 1", "food_parcels")
    ]
    gaps = {row.area.key: [s.key for s in missing] for row, missing in grid.gaps()}
    assert "food_parcels" not in gaps["SA61"] and "transport" in gaps["SA61"]
    assert "food_parcels" in gaps["SA62"]
    assert len(gaps["SA70"]) == len(grid.services) - 1


def test_weekday_filter(coverage: CoverageService, county: dict[str, OrganisationRecord]) -> None:
    assert counts(coverage.grid(weekday=0), "SA61")["food_parcels"] == 2  # Monday: both
    assert counts(coverage.grid(weekday=1), "SA61")["food_parcels"] == 1  # Tuesday: the bank
    wednesday = coverage.grid(weekday=2)
    assert counts(wednesday, "SA61")["food_parcels"] == 0  # a gap on Wednesdays
    assert counts(wednesday, "SA61")["shopping"] == 1
    assert counts(coverage.grid(weekday=6), "SA62")["transport"] == 0


def test_date_filter(coverage: CoverageService, county: dict[str, OrganisationRecord]) -> None:
    spring = coverage.grid(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    assert counts(spring, "SA70")["food_parcels"] == 1
    autumn = coverage.grid(start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30))
    assert counts(autumn, "SA70")["food_parcels"] == 0
    assert counts(autumn, "SA61")["food_parcels"] == 2  # no end date: still there
    with pytest.raises(ValidationError):
        coverage.grid(start=dt.date(2025, 9, 30), end=dt.date(2025, 9, 1))


def test_one_area_and_its_sectors(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    grid = coverage.grid(area="sa61")
    assert grid.area is not None and grid.area.key == "SA61"
    assert [row.area.key for row in grid.rows] == ["SA61", "SA61 1", "SA61 2"]
    sector = coverage.grid(area="SA61 1")
    assert [row.area.key for row in sector.rows] == ["SA61 1"]
    with pytest.raises(NotFoundError):
        coverage.grid(area="XX99")


def test_communities_as_rows(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    grid = coverage.grid(grouping=GridGrouping.COMMUNITY)
    assert [(row.area.key, row.depth) for row in grid.rows] == [("DALE", 0), ("SA62 3", 1)]
    assert counts(grid, "DALE")["transport"] == 1
    assert counts(grid, "DALE")["food_parcels"] == 0
    assert grid.rows[0].area.name("cy") == "Dâl"
    assert [a.key for a in coverage.areas()] == ["SA61", "SA62", "SA70", "DALE"]


def test_cell_detail_lists_groups_days_times_and_the_overlap_alert(
    db: Database, coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    alerts = AlertService(db, actor="tester", detectors=overlap_detectors)
    alerts.scan(full=True)
    [alert] = alerts.list(AlertKind.COVERAGE_OVERLAP)
    detail = coverage.cell("SA61 1", "food_parcels")
    assert detail.groups == 2
    assert detail.alert_ids == (alert.id,)
    by_name = {line.group.name_en: line for line in detail.lines}
    bank, aid = by_name["Haverfordwest Food Bank"], by_name["Prendergast Mutual Aid"]
    assert bank.area.key == "SA61" and bank.whole
    assert bank.weekdays == MON | TUE
    assert (bank.start_time, bank.end_time) == (dt.time(9), dt.time(12))
    assert aid.area.key == "SA61 1" and aid.whole
    assert aid.alert_ids == (alert.id,)
    district = coverage.cell("SA61", "food_parcels")
    assert {line.group.name_en: line.whole for line in district.lines} == {
        "Haverfordwest Food Bank": True,
        "Prendergast Mutual Aid": False,
    }
    grid = coverage.grid()
    sa61 = grid.cell("SA61", "food_parcels")
    assert sa61 is not None and sa61.alerts == 1
    # On Tuesdays only the bank works: the alert is not between lines of that cell.
    assert coverage.cell("SA61", "food_parcels", weekday=1).alert_ids == ()
    # A dismissed alert is no longer shown.
    alerts.dismiss(alert.id, "They split the streets between them")
    assert coverage.cell("SA61 1", "food_parcels").alert_ids == ()
    again = coverage.grid().cell("SA61", "food_parcels")
    assert again is not None and again.alerts == 0


def test_empty_cell_and_unknown_service(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    assert coverage.cell("SA70", "transport").lines == ()
    with pytest.raises(NotFoundError):
        coverage.cell("SA70", "juggling")


def test_an_empty_database_has_an_empty_grid(coverage: CoverageService) -> None:
    grid = coverage.grid()
    assert grid.rows == ()
    assert len(grid.services) == 10
    assert coverage.grid(grouping=GridGrouping.COMMUNITY).rows == ()


def test_deleted_areas_are_not_rows(
    db: Database, coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    with db.session_factory.begin() as session:
        area = session.scalar(select(m.Area).where(m.Area.code == "SA70"))
        assert area is not None
        area.deleted = True
    assert "SA70" not in [row.area.key for row in coverage.grid().rows]


def test_postcode_order() -> None:
    codes = ["SA61", "CF10", "SA1", "SA10", "SA2", "SA61 1", "LL11"]
    assert sorted(codes, key=postcode_sort_key) == [
        "CF10",
        "LL11",
        "SA1",
        "SA2",
        "SA10",
        "SA61",
        "SA61 1",
    ]
