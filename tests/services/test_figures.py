"""Activity figures on a hand-built county: volunteers by month, hours, DBS, Welsh speakers,
households, groups, alerts; small counts withheld; CSV, XLSX and JSON export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cvcdesk.domain.enums import AlertKind, OrganisationKind
from cvcdesk.domain.errors import CvcError, NotFoundError, ValidationError
from cvcdesk.domain.figures import (
    WITHHELD_EXPORT,
    ActivityFigures,
    Count,
    CoverageLevel,
    Hours,
    Share,
    alert_count,
    month_starts,
)
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import use_language
from cvcdesk.services.alerts import AlertService, overlap_detectors
from cvcdesk.services.figures import FiguresService, default_period, figures_json
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeOrganisation = Callable[..., OrganisationRecord]
START, END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
TODAY = dt.date(2025, 4, 15)


# ---- small-count suppression -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "shown"), [(0, 0), (1, None), (2, None), (4, None), (5, 5), (6, 6), (1234, 1234)]
)
def test_counts_of_people_under_5_are_withheld(n: int, shown: int | None) -> None:
    count = Count.people(n)
    assert count.value == shown
    assert count.withheld is (shown is None)
    assert count.export() == (WITHHELD_EXPORT if shown is None else n)
    if shown is None:
        assert count.text() == "fewer than 5"
        with use_language("cy"):
            assert count.text() != ""


def test_counts_of_groups_are_never_withheld() -> None:
    assert Count.exact(2).value == 2
    assert alert_count(AlertKind.COVERAGE_OVERLAP, 2).value == 2
    assert alert_count(AlertKind.DUPLICATE_ORGANISATION, 1).value == 1
    assert alert_count(AlertKind.DUPLICATE_VOLUNTEER, 2).withheld
    assert alert_count(AlertKind.DBS_PROBLEM, 3).withheld
    assert Count.people(1234).text() == "1,234"


def test_hours_from_fewer_than_5_volunteers_are_withheld() -> None:
    assert Hours.of(12.5, 4).value is None
    assert Hours.of(12.5, 4).volunteers.withheld
    assert Hours.of(12.5, 5).value == 12.5
    assert Hours.of(0, 0).value == 0
    assert Hours.of(12.5, 4).export() == WITHHELD_EXPORT


def test_a_share_is_withheld_when_the_part_or_the_rest_is_small() -> None:
    assert Share.of(40, 100).percent == 40.0
    assert Share.of(40, 100).describe() == "40 (40%)"
    assert Share.of(3, 100).percent is None and Share.of(3, 100).part.withheld
    # 98 of 100 would tell that 2 people are not Welsh speakers.
    assert Share.of(98, 100).percent is None and Share.of(98, 100).part.withheld
    assert Share.of(98, 100).part.text() == "withheld"
    assert Share.of(98, 100).part.export() == "withheld"
    assert Share.of(3, 100).part.export() == WITHHELD_EXPORT
    assert Share.of(0, 100).percent == 0.0
    assert Share.of(100, 100).percent == 100.0
    assert Share.of(2, 3).percent is None and Share.of(2, 3).whole.withheld
    assert Share.of(0, 0).percent is None and not Share.of(0, 0).withheld
    assert Share.of(98, 100).export() == WITHHELD_EXPORT


def test_coverage_levels() -> None:
    assert [CoverageLevel.of(n) for n in (0, 1, 2, 7)] == [
        CoverageLevel.GAP,
        CoverageLevel.COVERED,
        CoverageLevel.SEVERAL,
        CoverageLevel.SEVERAL,
    ]


def test_months_of_a_period() -> None:
    assert month_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1)) == [
        dt.date(2024, 11, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
    ]
    assert default_period(dt.date(2025, 4, 15)) == (dt.date(2024, 5, 1), dt.date(2025, 4, 15))
    assert default_period(dt.date(2025, 12, 3)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 3))


# ---- a hand-built county -----------------------------------------------------------------------


class County:
    """Writes volunteers, shifts, bookings and households straight into the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.number = 0

    def add(self, *rows: Any) -> None:
        with self.db.session_factory.begin() as session:
            for row in rows:
                row.origin = self.db.instance_uuid
                row.changed_at = self.db.clock.now()
                session.add(row)

    def volunteers(self, n: int, **values: Any) -> list[int]:
        rows = []
        for _index in range(n):
            self.number += 1
            fields = {
                "first_name": "Zebedee",
                "last_name": f"Quixote{self.number}",
                "reference": f"V{self.number:04d}",
                "postcode": "SA61 1AB",
                "joined_on": dt.date(2024, 6, 1),
                "status": "active",
            }
            fields.update(values)
            rows.append(m.Volunteer(**fields))
        self.add(*rows)
        return [row.id for row in rows]

    def id_of(self, model: Any, uuid: str) -> int:
        with self.db.session_factory() as session:
            return int(session.scalar(select(model.id).where(model.uuid == uuid)))

    def service(self, code: str) -> int:
        with self.db.session_factory() as session:
            return int(session.scalar(select(m.ServiceType.id).where(m.ServiceType.code == code)))

    def area(self, code: str) -> int:
        with self.db.session_factory() as session:
            return int(session.scalar(select(m.Area.id).where(m.Area.code == code)))

    def activity(self, group: str, service: str, area: str) -> int:
        row = m.Activity(
            organisation_id=self.id_of(m.Organisation, group),
            service_type_id=self.service(service),
            area_id=self.area(area),
            title_en="Food run",
            start_date=START,
            start_time=dt.time(10),
            end_time=dt.time(12),
        )
        self.add(row)
        return int(row.id)

    def shift(self, activity: int, day: dt.date, *, hours: int = 2, cancelled: bool = False) -> int:
        start = dt.datetime.combine(day, dt.time(10))
        row = m.Shift(
            activity_id=activity,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            cancelled=cancelled,
        )
        self.add(row)
        return int(row.id)

    def book(self, shift: int, volunteers: list[int], status: str, hours: float | None) -> None:
        self.add(
            *(
                m.Assignment(shift_id=shift, volunteer_id=v, status=status, hours=hours)
                for v in volunteers
            )
        )

    def households(
        self,
        n: int,
        group: str,
        service: str,
        *,
        postcode: str = "SA61 1AB",
        since: dt.date | None = dt.date(2024, 12, 1),
        until: dt.date | None = None,
        match_key: str = "",
    ) -> None:
        for _index in range(n):
            self.number += 1
            home = m.Household(
                reference=f"H{self.number}", postcode=postcode, house="1", match_key=match_key
            )
            self.add(home)
            self.add(
                m.HouseholdSupport(
                    household_id=home.id,
                    organisation_id=self.id_of(m.Organisation, group),
                    service_type_id=self.service(service),
                    since=since,
                    until=until,
                )
            )


@pytest.fixture
def county(db: Database, make_organisation: MakeOrganisation) -> dict[str, Any]:
    """In SA61: 12 volunteers since 2024 (6 speak Welsh), 3 who joined in February, 2 who left
    in March; 7 more volunteers in SA70. Bookings: 6 volunteers in January (two shifts of 2
    hours, no hours written: the shift's length counts), 2 in February (3 hours each), 5 in
    March (1.5 hours each); a declined booking, a tentative one and a cancelled shift count
    for nothing. Households: 6 with food parcels, 2 with shopping, one helped before the
    period, and one address helped by two groups (counted once)."""
    world = County(db)
    bank = make_organisation(
        name_en="Haverfordwest Food Bank",
        kind=OrganisationKind.SOCIAL_ENTERPRISE,
        coverage=(CoverageData(service="food_parcels", area="SA61"),),
    )
    aid = make_organisation(
        name_en='=HYPERLINK("http://example.org")',
        kind=OrganisationKind.MUTUAL_AID,
        coverage=(CoverageData(service="food_parcels", area="SA61 1"),),
    )
    tenby = make_organisation(
        name_en="Tenby Good Neighbours",
        kind=OrganisationKind.COMMUNITY_GROUP,
        postcode="SA70 7AB",
        coverage=(CoverageData(service="shopping", area="SA70"),),
    )
    steady = world.volunteers(6, welsh_fluency="fluent")
    steady += world.volunteers(6, welsh_fluency="learner")
    world.volunteers(3, joined_on=dt.date(2025, 2, 10))
    world.volunteers(2, status="left", left_on=dt.date(2025, 3, 10))
    world.volunteers(7, postcode="SA70 7AB", welsh_fluency="fluent")
    # DBS: five overdue on 31 March, one due ten days later.
    world.volunteers(5, dbs_level="basic", dbs_renewal_due=dt.date(2025, 3, 1), postcode="SA61 2CD")
    world.volunteers(
        1, dbs_level="basic", dbs_renewal_due=dt.date(2025, 4, 10), postcode="SA61 2CD"
    )
    run = world.activity(bank.uuid, "food_parcels", "SA61")
    for day in (dt.date(2025, 1, 6), dt.date(2025, 1, 13)):
        world.book(world.shift(run, day), steady[:6], "attended", None)
    world.book(world.shift(run, dt.date(2025, 2, 3)), steady[6:8], "attended", 3.0)
    march = world.shift(run, dt.date(2025, 3, 3))
    world.book(march, steady[:5], "attended", 1.5)
    world.book(march, steady[5:6], "declined", None)
    world.book(march, steady[6:7], "tentative", None)
    world.book(world.shift(run, dt.date(2025, 3, 10), cancelled=True), steady[8:12], "attended", 2)
    world.book(world.shift(run, dt.date(2025, 4, 7)), steady[:6], "attended", 2)  # after
    tenby_run = world.activity(tenby.uuid, "shopping", "SA70")
    world.book(world.shift(tenby_run, dt.date(2025, 1, 8)), steady[:5], "attended", 1.0)
    world.households(6, bank.uuid, "food_parcels")
    world.households(2, bank.uuid, "shopping")
    world.households(1, bank.uuid, "food_parcels", until=dt.date(2024, 12, 20))
    world.households(1, bank.uuid, "hot_meals", match_key="k1")
    world.households(1, aid.uuid, "hot_meals", match_key="k1")
    world.households(9, tenby.uuid, "shopping", postcode="SA70 7AB")
    alerts = AlertService(db, actor="tester", detectors=overlap_detectors)
    alerts.scan(full=True, today=TODAY)
    return {"bank": bank, "aid": aid, "tenby": tenby, "world": world}


@pytest.fixture
def service(db: Database) -> FiguresService:
    return FiguresService(db, actor="tester")


def figures_for(service: FiguresService, area: str | None = "SA61") -> ActivityFigures:
    return service.figures(start=START, end=END, area=area, today=TODAY)


def test_volunteers_by_month(service: FiguresService, county: dict[str, Any]) -> None:
    f = figures_for(service)
    assert f.area is not None and f.area.key == "SA61"
    assert [month.month for month in f.months] == month_starts(START, END)
    january, february, march = f.months
    assert january.registered.value == 12 + 2 + 6  # the 2 who left in March were still here
    assert february.registered.value == 12 + 2 + 6 + 3
    assert march.registered.value == 12 + 6 + 3
    assert f.registered.value == 21
    assert (january.new.value, february.new.withheld, march.new.value) == (0, True, 0)
    assert (january.leaving.value, february.leaving.value, march.leaving.withheld) == (0, 0, True)
    assert f.new.withheld and f.leaving.withheld  # 3 and 2: fewer than 5
    assert january.active.value == 6
    assert february.active.withheld  # 2 volunteers
    assert march.active.value == 5  # not the declined, tentative or cancelled bookings
    assert f.active.value == 8


def test_hours_from_bookings(service: FiguresService, county: dict[str, Any]) -> None:
    f = figures_for(service)
    january, february, march = f.months
    assert january.hours.value == 6 * 2 * 2  # no hours written: the shift's two hours
    assert february.hours.withheld  # given by 2 volunteers
    assert march.hours.value == 7.5
    assert f.hours.value == 24 + 6 + 7.5
    assert [line.item.key for line in f.hours_by_service] == ["food_parcels"]
    assert [line.hours.value for line in f.hours_by_group] == [37.5]
    assert f.hours_by_group[0].item.name_en == "Haverfordwest Food Bank"
    assert [(line.item.key, line.hours.value) for line in f.hours_by_area] == [("SA61", 37.5)]
    everywhere = figures_for(service, None)
    assert everywhere.hours.value == 37.5 + 5
    assert {line.item.key for line in everywhere.hours_by_area} == {"SA61", "SA70"}
    tenby = [line for line in everywhere.hours_by_group if line.item.name_en.startswith("Tenby")]
    assert tenby[0].hours.value == 5.0


def test_dbs_and_welsh_speakers(service: FiguresService, county: dict[str, Any]) -> None:
    f = figures_for(service)
    assert f.dbs_day == END  # the end of the period, before today
    assert f.dbs_overdue.value == 5
    assert f.dbs_due_soon.withheld  # one, due ten days after
    assert f.welsh_speakers.part.value == 6
    assert f.welsh_speakers.whole.value == 21
    assert f.welsh_speakers.percent == round(600 / 21, 1)
    everywhere = figures_for(service, None)
    assert everywhere.welsh_speakers.part.value == 13
    assert everywhere.dbs_due_soon.withheld
    longer = service.figures(start=START, end=END, today=TODAY, dbs_due_days=5)
    assert longer.dbs_due_soon.value == 0


def test_households_by_service(service: FiguresService, county: dict[str, Any]) -> None:
    f = figures_for(service)
    by_service = {line.item.key: line.count for line in f.households_by_service}
    assert by_service["food_parcels"].value == 6  # not the one helped before the period
    assert by_service["shopping"].withheld
    assert by_service["hot_meals"].withheld  # one address, helped by two groups
    assert f.households.value == 6 + 2 + 1
    everywhere = figures_for(service, None)
    assert {line.item.key: line.count.value for line in everywhere.households_by_service}[
        "shopping"
    ] == 11


def test_groups_and_alerts(service: FiguresService, county: dict[str, Any]) -> None:
    everywhere = figures_for(service, None)
    assert dict(everywhere.groups_by_kind) == {
        OrganisationKind.COMMUNITY_GROUP: 1,
        OrganisationKind.MUTUAL_AID: 1,
        OrganisationKind.SOCIAL_ENTERPRISE: 1,
    }
    assert everywhere.groups == 3
    alerts = dict(everywhere.alerts_by_kind)
    assert list(alerts) == list(AlertKind)
    assert alerts[AlertKind.COVERAGE_OVERLAP].value == 1  # the bank and the mutual aid
    assert alerts[AlertKind.DBS_PROBLEM].value == 6  # counts of people: 6 is shown
    sa61 = figures_for(service)
    assert dict(sa61.groups_by_kind) == {
        OrganisationKind.MUTUAL_AID: 1,
        OrganisationKind.SOCIAL_ENTERPRISE: 1,
    }
    assert dict(sa61.alerts_by_kind)[AlertKind.COVERAGE_OVERLAP].value == 1
    assert dict(sa61.alerts_by_kind)[AlertKind.DBS_PROBLEM].value == 6
    sa70 = figures_for(service, "SA70")
    assert dict(sa70.alerts_by_kind)[AlertKind.COVERAGE_OVERLAP].value == 0
    assert dict(sa70.groups_by_kind) == {OrganisationKind.COMMUNITY_GROUP: 1}


def test_refuses_a_bad_period_or_area(service: FiguresService, county: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        service.figures(start=END, end=START)
    with pytest.raises(NotFoundError):
        service.figures(start=START, end=END, area="XX99")


def test_an_empty_database(service: FiguresService) -> None:
    f = service.figures(start=START, end=END, today=TODAY)
    assert f.registered.value == 0 and f.hours.value == 0
    assert f.welsh_speakers.percent is None and not f.welsh_speakers.withheld
    assert f.groups_by_kind == () and f.hours_by_group == ()


def test_json_holds_no_personal_data_and_withheld_counts(
    service: FiguresService, county: dict[str, Any]
) -> None:
    document = figures_json(figures_for(service))
    text = json.dumps(document, ensure_ascii=False)
    assert "Zebedee" not in text and "Quixote" not in text and "V0001" not in text
    assert document["volunteers"]["new"] == "<5"
    assert document["volunteers"]["registered"] == 21
    assert document["months"][0] == {
        "month": "2025-01",
        "registered": 20,
        "active": 6,
        "new": 0,
        "leaving": 0,
        "hours": 24.0,
    }
    assert document["months"][1]["hours"] == "<5"
    assert document["open_alerts_by_kind"]["coverage_overlap"] == 1


def test_csv_export(service: FiguresService, county: dict[str, Any], tmp_path: Path) -> None:
    path = service.export(tmp_path / "figures.csv", start=START, end=END, today=TODAY)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["section", "code", "name", "measure", "value"]
    assert ["summary", "registered", "Volunteers on the books at the end", "value", "28"] in rows
    assert ["months", "2025-02", "February 2025", "hours", "<5"] in rows
    assert ["households_by_service", "food_parcels", "Food parcels", "households", "6"] in rows
    # A group's name that a spreadsheet would run as a formula is neutralised.
    names = [row[2] for row in rows if row[0] == "hours_by_group"] + [
        row[2] for row in rows if row[0] == "coverage"
    ]
    assert not any(name.startswith("=") for name in names)
    assert ["coverage", "SA61", "Food parcels", "groups", "2"] in rows
    text = path.read_text(encoding="utf-8-sig")
    assert "Zebedee" not in text and "Quixote" not in text
    assert not list(tmp_path.glob("*.part"))


def test_xlsx_export_in_welsh(
    service: FiguresService, county: dict[str, Any], tmp_path: Path
) -> None:
    path = service.export(
        tmp_path / "figures.xlsx", start=START, end=END, area="SA61", language="cy", today=TODAY
    )
    book = load_workbook(path, read_only=True)
    assert len(book.sheetnames) == 9
    months = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert months[1][:3] == ("2025-01", "Ionawr 2025", 20)
    assert months[2][6] == "<5"
    services = {
        row[0]: row for row in book[book.sheetnames[5]].iter_rows(min_row=2, values_only=True)
    }
    assert services["food_parcels"][1] == "Parseli bwyd"
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith("="))
    book.close()


def test_export_refuses_other_files(
    service: FiguresService, county: dict[str, Any], tmp_path: Path
) -> None:
    with pytest.raises(CvcError, match=r"\.csv or \.xlsx"):
        service.export(tmp_path / "figures.txt", start=START, end=END)
    with pytest.raises(CvcError):
        service.save_report(tmp_path / "report.doc", start=START, end=END)
    with pytest.raises(CvcError):
        service.save_report(tmp_path / "report.pdf", start=START, end=END, language="fr")
