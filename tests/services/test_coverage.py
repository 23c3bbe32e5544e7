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
from cvcdesk.services.coverage import (
    CoverageService,
    find_area,
    load_area_map,
    postcode_sort_key,
)
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


# ---- possible duplication means two groups in the same place ---------------------------------


def one_group(make: MakeOrganisation, name: str, *lines: CoverageData) -> OrganisationRecord:
    return make(name_en=name, coverage=lines)


def level_at(grid: CoverageGrid, area: str, service: str) -> tuple[CoverageLevel, int, int]:
    cell = grid.cell(area, service)
    assert cell is not None, f"no cell {area} {service}"
    return cell.level, cell.groups, cell.overlapping


def overlap_cells(grid: CoverageGrid, depth: int = 0) -> list[tuple[str, str]]:
    return [(row.area.key, service.key) for row, service, _c in grid.overlaps(depth=depth)]


def test_groups_in_different_sectors_of_a_district_do_not_overlap(
    coverage: CoverageService, make_organisation: MakeOrganisation
) -> None:
    one_group(make_organisation, "Maindee Meals", cover("hot_meals", "NP20 1"))
    one_group(make_organisation, "Pill Kitchen", cover("hot_meals", "NP20 4"))
    grid = coverage.grid()
    # Both groups work in NP20 (the number shown and the groups listed), each in its own part.
    assert level_at(grid, "NP20", "hot_meals") == (CoverageLevel.COVERED, 2, 1)
    cell = grid.cell("NP20", "hot_meals")
    assert cell is not None and cell.apart and cell.overlapping_uuids == ()
    assert [grid.groups[u].name_en for u in cell.group_uuids] == ["Maindee Meals", "Pill Kitchen"]
    assert level_at(grid, "NP20 1", "hot_meals") == (CoverageLevel.COVERED, 1, 1)
    assert level_at(grid, "NP20 4", "hot_meals") == (CoverageLevel.COVERED, 1, 1)
    assert overlap_cells(grid) == [] and overlap_cells(grid, depth=1) == []
    detail = coverage.cell("NP20", "hot_meals")
    assert (detail.groups, detail.overlapping, detail.level) == (2, 1, CoverageLevel.COVERED)


def test_two_groups_in_the_same_sector_overlap_in_the_sector_and_the_district(
    coverage: CoverageService, make_organisation: MakeOrganisation
) -> None:
    one_group(make_organisation, "Maindee Meals", cover("hot_meals", "NP20 1"))
    one_group(make_organisation, "Chepstow Road Kitchen", cover("hot_meals", "np20 1"))
    grid = coverage.grid()
    assert level_at(grid, "NP20", "hot_meals") == (CoverageLevel.SEVERAL, 2, 2)
    assert level_at(grid, "NP20 1", "hot_meals") == (CoverageLevel.SEVERAL, 2, 2)
    assert overlap_cells(grid) == [("NP20", "hot_meals")]
    assert overlap_cells(grid, depth=1) == [("NP20 1", "hot_meals")]
    assert coverage.cell("NP20", "hot_meals").level is CoverageLevel.SEVERAL


def test_a_whole_district_group_overlaps_one_in_a_sector_or_a_street(
    coverage: CoverageService, make_organisation: MakeOrganisation
) -> None:
    one_group(make_organisation, "Newport Food Bank", cover("food_parcels", "NP20"))
    one_group(make_organisation, "Pill Parcels", cover("food_parcels", "NP20 4"))
    one_group(make_organisation, "Alma Street Helpers", cover("shopping", "NP20 4AB"))
    one_group(make_organisation, "Pill Shoppers", cover("shopping", "NP20 4"))
    one_group(make_organisation, "Maindee Shoppers", cover("shopping", "NP20 1DE"))
    grid = coverage.grid()
    assert level_at(grid, "NP20", "food_parcels") == (CoverageLevel.SEVERAL, 2, 2)
    assert level_at(grid, "NP20 1", "food_parcels") == (CoverageLevel.COVERED, 1, 1)
    assert level_at(grid, "NP20 4", "food_parcels") == (CoverageLevel.SEVERAL, 2, 2)
    # A street inside a sector overlaps the sector's group; the third group works elsewhere
    # and is not named among those that overlap.
    assert level_at(grid, "NP20", "shopping") == (CoverageLevel.SEVERAL, 3, 2)
    shopping = grid.cell("NP20", "shopping")
    assert shopping is not None
    assert [grid.groups[u].name_en for u in shopping.overlapping_uuids] == [
        "Alma Street Helpers",
        "Pill Shoppers",
    ]
    assert level_at(grid, "NP20 1", "shopping") == (CoverageLevel.COVERED, 1, 1)


def test_a_chosen_day_or_period_leaves_out_groups_that_do_not_work_then(
    coverage: CoverageService, make_organisation: MakeOrganisation
) -> None:
    one_group(make_organisation, "Monday Meals", cover("hot_meals", "SA62 3", weekdays=MON))
    one_group(
        make_organisation,
        "Tuesday Meals",
        cover(
            "hot_meals",
            "SA62 3",
            weekdays=TUE,
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 3, 31),
        ),
    )
    assert level_at(coverage.grid(), "SA62", "hot_meals") == (CoverageLevel.SEVERAL, 2, 2)
    assert level_at(coverage.grid(weekday=0), "SA62", "hot_meals") == (
        CoverageLevel.COVERED,
        1,
        1,
    )
    autumn = coverage.grid(start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30))
    assert level_at(autumn, "SA62 3", "hot_meals") == (CoverageLevel.COVERED, 1, 1)
    assert coverage.cell("SA62 3", "hot_meals", weekday=1).overlapping == 1


def test_community_rows_overlap_only_where_groups_share_a_postcode(
    db: Database, coverage: CoverageService, make_organisation: MakeOrganisation
) -> None:
    add_community(db, "SOLVA", ("SA62 6", "SA62 2AB"), name_cy="Solfach")
    add_community(db, "TREFIN", ("SA62 5", "SA62 6QQ"), name_cy="Trefin")
    one_group(make_organisation, "Solva Lifts", cover("transport", "SA62 6XY"))
    one_group(make_organisation, "Harbour Lifts", cover("transport", "SA62 2AB"))
    one_group(make_organisation, "Trefin Lifts", cover("transport", "TREFIN"))
    grid = coverage.grid(grouping=GridGrouping.COMMUNITY)
    # In Solva the first two work in different postcodes; Trefin's group reaches Solva only
    # in SA62 6QQ, which is not where Solva Lifts works.
    assert level_at(grid, "SOLVA", "transport") == (CoverageLevel.COVERED, 3, 1)
    assert level_at(grid, "TREFIN", "transport") == (CoverageLevel.COVERED, 1, 1)
    one_group(make_organisation, "Solva Cars", cover("transport", "SA62 6QQ"))
    grid = coverage.grid(grouping=GridGrouping.COMMUNITY)
    # SA62 6QQ is in both communities and Trefin Lifts already goes there.
    assert level_at(grid, "SOLVA", "transport") == (CoverageLevel.SEVERAL, 4, 2)
    assert level_at(grid, "TREFIN", "transport") == (CoverageLevel.SEVERAL, 2, 2)
    assert level_at(coverage.grid(), "SA62", "transport") == (CoverageLevel.SEVERAL, 4, 2)


# ---- any postcode area, recorded or not --------------------------------------------------------


def test_a_postcode_sector_or_unit_without_an_area_row_is_still_an_area(
    db: Database, coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    with db.session_factory() as session:
        assert session.scalar(select(m.Area.id).where(m.Area.code == "SA61 4")) is None
    grid = coverage.grid(area="sa614")
    assert grid.area is not None and grid.area.key == "SA61 4"
    assert [(row.area.key, row.depth) for row in grid.rows] == [("SA61 4", 0)]
    # The district-wide food bank covers all of the sector; the SA61 1 group does not reach it.
    assert level_at(grid, "SA61 4", "food_parcels") == (CoverageLevel.COVERED, 1, 1)
    assert level_at(grid, "SA61 4", "shopping") == (CoverageLevel.GAP, 0, 0)
    detail = coverage.cell("SA61 4", "food_parcels")
    assert [(line.group.name_en, line.whole) for line in detail.lines] == [
        ("Haverfordwest Food Bank", True)
    ]
    unit = coverage.grid(area="SA61 2ab")
    assert [row.area.key for row in unit.rows] == ["SA61 2AB"]
    assert counts(unit, "SA61 2AB")["shopping"] == 1
    district = coverage.grid(area="CF10")  # a district nobody has recorded
    assert [row.area.key for row in district.rows] == ["CF10"]
    assert set(counts(district, "CF10").values()) == {0}
    # Nothing was written: the areas list is as before.
    assert [a.key for a in coverage.areas()] == ["SA61", "SA62", "SA70", "DALE"]


def test_an_unknown_community_name_is_refused_clearly(
    coverage: CoverageService, county: dict[str, OrganisationRecord]
) -> None:
    with pytest.raises(NotFoundError) as refused:
        coverage.grid(area="Llareggub")
    assert "There is no area “Llareggub”" in str(refused.value)
    with pytest.raises(NotFoundError):
        coverage.cell("Llareggub", "food_parcels")
    assert coverage.grid(area="Dâl").area is not None  # a community by its Welsh name


def test_find_area_adds_a_synthetic_area_nested_in_its_district(
    db: Database, county: dict[str, OrganisationRecord]
) -> None:
    with db.session_factory() as session:
        areas = load_area_map(session)
    sector = find_area(areas, "SA61 4")
    assert sector.id < 0 and sector.kind == "sector" and sector.code == "SA61 4"
    assert find_area(areas, "sa61 4") == sector  # the same one the second time
    district = find_area(areas, "SA61")
    assert district.id > 0 and areas.covers(district.id, sector.id)
    unit = find_area(areas, "SA614ZZ")
    assert unit.code == "SA61 4ZZ" and unit.parent_id == sector.id
    assert areas.covers(sector.id, unit.id) and not areas.covers(unit.id, sector.id)
    assert len({sector.id, unit.id, *areas.info}) == len(areas.info)
