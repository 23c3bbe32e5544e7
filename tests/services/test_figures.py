"""Activity figures on a hand-built county: volunteers by month, hours, DBS, Welsh speakers,
households, groups, alerts; small counts withheld; CSV, XLSX and JSON export."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
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
    WITHHELD_OTHER,
    ActivityFigures,
    Count,
    CoverageLevel,
    Hours,
    Share,
    alert_count,
    complementary_suppression,
    disclosure_text,
    month_starts,
    protect_counts,
    protect_hours,
    small_count_text,
)
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import _, pgettext, use_language
from cvcdesk.services.alerts import AlertService, overlap_detectors
from cvcdesk.services.coverage import CoverageService
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
    # A withheld percentage never reads "<5", which would look like "under 5 per cent".
    assert Share.of(98, 100).export() == WITHHELD_OTHER
    assert Share.of(3, 100).export() == WITHHELD_OTHER
    assert Share.of(2, 3).export() == WITHHELD_OTHER


def test_a_share_of_a_rounded_whole_gives_the_whole_back_only_roughly() -> None:
    exact = Share.of(42, 107)
    assert exact.describe() == "42 (39.3%)"  # 42 / 0.393: 107 and nothing else
    rounded = Share.of(42, 107, rounded=True)
    assert rounded.describe() == "about 40 (39%)"
    assert rounded.whole == Count(110, rounded=True)
    # Every whole from 102 to 112 fits "about 40 (39%)" with some part from 35 to 44.
    fits = {
        whole
        for whole in range(95, 120)
        for part in range(35, 45)
        if round(100 * part / whole) == 39
    }
    assert set(range(102, 113)) <= fits
    assert Share.of(98, 100, rounded=True).part.text() == "withheld"


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

    def activity(self, group: str, service: str, area: str, postcode: str = "") -> int:
        row = m.Activity(
            organisation_id=self.id_of(m.Organisation, group),
            service_type_id=self.service(service),
            area_id=self.area(area),
            postcode=postcode,
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
    # 3 joined in February and 2 left in March, both withheld: the numbers on the books
    # (20, 23, 21) would give them back month to month, so they are rounded to the nearest 10.
    assert f.on_books_rounded
    assert [month.registered for month in f.months] == [Count(20, rounded=True)] * 3
    assert f.registered == Count(20, rounded=True)  # 21, the last month's number
    assert february.registered.text() == "about 20"
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
    assert february.hours.withheld and february.hours.small  # given by 2 volunteers
    assert february.hours.text() == "withheld (fewer than 5 volunteers)"
    # March's 7.5 hours are withheld too, or the total less January would give February's 6.
    assert march.hours.withheld and not march.hours.small
    assert march.hours.text() == "withheld" and march.hours.export() == WITHHELD_OTHER
    assert f.hours.value == 24 + 6 + 7.5
    assert f.hours.value - january.hours.value == 6 + 7.5
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
    # Rounded with the numbers on the books, which an exact share would give back.
    assert f.welsh_speakers.part == Count(10, rounded=True)  # 6 of 21
    assert f.welsh_speakers.whole == Count(20, rounded=True)
    assert f.welsh_speakers.percent == 29.0
    assert f.welsh_speakers.describe() == "about 10 (29%)"
    everywhere = figures_for(service, None)
    assert everywhere.welsh_speakers.part == Count(10, rounded=True)  # 13
    assert everywhere.dbs_due_soon.withheld
    longer = service.figures(start=START, end=END, today=TODAY, dbs_due_days=5)
    assert longer.dbs_due_soon.value == 0


def test_households_by_service(service: FiguresService, county: dict[str, Any]) -> None:
    f = figures_for(service)
    by_service = {line.item.key: line.count for line in f.households_by_service}
    assert by_service["shopping"].withheld and by_service["shopping"].small  # 2
    assert by_service["hot_meals"].withheld  # one address, helped by two groups
    # 2 and 1 households are fewer than 5 between them: food parcels' 6 is withheld too, or
    # 9 less 6 would give the other two rows' 3 away.
    assert by_service["food_parcels"].withheld and by_service["food_parcels"].text() == "withheld"
    assert f.households.value == 6 + 2 + 1
    everywhere = figures_for(service, None)
    counts = {line.item.key: line.count for line in everywhere.households_by_service}
    assert counts["shopping"].value == 11
    assert counts["hot_meals"].small and counts["food_parcels"].export() == WITHHELD_OTHER
    assert everywhere.households.value == 18


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
    assert document["volunteers"]["registered"] == 20  # 21, rounded beside withheld flows
    assert document["volunteers"]["on_books_rounded_to"] == 10
    assert document["volunteers"]["welsh_speakers_percent"] == 29.0
    assert document["months"][0] == {
        "month": "2025-01",
        "registered": 20,
        "active": 6,
        "new": 0,
        "leaving": 0,
        "hours": 24.0,
    }
    assert document["months"][1]["hours"] == "<5"
    assert document["months"][2]["hours"] == "withheld"
    assert document["open_alerts_by_kind"]["coverage_overlap"] == 1


def test_csv_export(service: FiguresService, county: dict[str, Any], tmp_path: Path) -> None:
    path = service.export(tmp_path / "figures.csv", start=START, end=END, today=TODAY)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["section", "code", "name", "measure", "value"]
    assert [
        "summary",
        "registered",
        "Volunteers on the books at the end (rounded to the nearest 10)",
        "value",
        "30",  # 28
    ] in rows
    assert ["months", "2025-02", "February 2025", "hours", "<5"] in rows
    assert ["households_by_service", "shopping", "Shopping", "households", "11"] in rows
    assert [
        "households_by_service",
        "food_parcels",
        "Food parcels",
        "households",
        "withheld",
    ] in rows
    assert ["households_by_service", "hot_meals", "Hot meals", "households", "<5"] in rows
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
    assert len(book.sheetnames) == 10
    months = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert months[1][:3] == ("2025-01", "Ionawr 2025", 20)
    assert months[2][6] == "<5"
    # The number joining, not "Dyddiad ymuno" (the date a volunteer joined).
    with use_language("cy"):
        assert months[0][4] == pgettext("figures", "Joined") != _("Joined")
        assert months[0][5] == pgettext("figures", "Left") != _("Left")
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


# ---- a withheld number cannot be worked out by subtraction -------------------------------------


def assert_not_derivable(
    values: list[float], shown: list[float | None], total: float | None
) -> None:
    """The total less the rows shown is no single withheld row's value: either the total is
    withheld, or at least two rows (none of them 0) are withheld together."""
    withheld = [value for value, seen in zip(values, shown, strict=True) if seen is None]
    if total is None or not withheld:
        return
    assert len(withheld) >= 2
    rest = total - sum(seen for seen in shown if seen is not None)
    assert rest == pytest.approx(sum(withheld))
    assert all(rest > value > 0 for value in withheld)


def test_a_lone_withheld_row_is_joined_by_the_next_smallest() -> None:
    # Hours by month: 30 given by 8 volunteers, 6 by 2, 12 by 5, 40 by 9; 88 by 12 in all.
    hours = [30.0, 6.0, 12.0, 40.0]
    lines, total = protect_hours(hours, [8, 2, 5, 9], 88.0, 12)
    assert [line.value for line in lines] == [30.0, None, None, 40.0]
    assert lines[1].text() == "withheld (fewer than 5 volunteers)"
    assert lines[2].text() == "withheld" and lines[2].export() == WITHHELD_OTHER
    assert lines[2].volunteers.export() == WITHHELD_OTHER  # its 5 volunteers too
    assert total.value == 88.0
    assert_not_derivable(hours, [line.value for line in lines], total.value)


def test_rows_already_withheld_enough_are_left_alone() -> None:
    assert complementary_suppression([3.0, 4.0, 50.0], [3, 4, 9], [0, 1]) == (frozenset(), False)
    assert complementary_suppression([3.0, 50.0], [3, 9], []) == (frozenset(), False)
    lines, total = protect_hours([3.0, 4.0, 50.0], [3, 4, 9], 57.0, 16)
    assert [line.value for line in lines] == [None, None, 50.0] and total.value == 57.0


def test_two_withheld_rows_standing_for_fewer_than_5_get_a_third() -> None:
    # Two rows of 2 volunteers: 4 people between them is still fewer than 5.
    assert complementary_suppression([3.0, 2.0, 9.0, 7.0], [2, 2, 6, 5], [0, 1]) == (
        frozenset({3}),
        False,
    )
    # The same 3 volunteers behind both rows: counted once, they are fewer than 5.
    people = [{1, 2, 3}, {1, 2, 3}, set(range(4, 10))]
    together = lambda rows: len(set().union(*(people[row] for row in rows)))  # noqa: E731
    assert complementary_suppression([3.0, 4.0, 20.0], [3, 3, 6], [0, 1]) == (frozenset(), False)
    assert complementary_suppression([3.0, 4.0, 20.0], [3, 3, 6], [0, 1], together) == (
        frozenset({2}),
        False,
    )


def test_the_total_is_withheld_when_nothing_else_can_be() -> None:
    # One withheld row and a row of nobody (0 for all to see): withholding the 0 hides nothing.
    assert complementary_suppression([7.0, 0.0], [3, 0], [0]) == (frozenset(), True)
    lines, total = protect_hours([7.0, 0.0], [3, 0], 7.0, 3)
    assert lines[0].withheld and lines[1].value == 0 and total.withheld


def test_joining_by_month_against_the_period() -> None:
    joined = [10, 3, 0]
    months, period = protect_counts(joined, 13)
    assert months == (Count(None, small=False), Count(None), Count(0))
    assert period.value == 13
    assert_not_derivable(
        [float(n) for n in joined],
        [None if c.value is None else float(c.value) for c in months],
        13.0,
    )


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, 0), (3, None), (5, 10), (14, 10), (15, 20), (104, 100), (105, 110), (1234, 1230)],
)
def test_numbers_on_the_books_rounded_to_the_nearest_10(n: int, shown: int | None) -> None:
    count = Count.about(n)
    assert count.value == shown
    if shown is None:
        assert count.text() == "fewer than 5"
    else:
        assert count.text() == f"about {shown:,}" and count.export() == shown


def test_the_rule_is_explained_in_one_sentence_each() -> None:
    assert "fewer than 5" in small_count_text()
    assert "rounded to the nearest 10" in disclosure_text()
    assert disclosure_text().count(". ") == 0 and disclosure_text().endswith(".")
    with use_language("cy"):
        assert disclosure_text() != ""


def test_numbers_on_the_books_stay_exact_when_no_flow_is_withheld(
    service: FiguresService, db: Database
) -> None:
    world = County(db)
    world.volunteers(12, welsh_fluency="fluent")
    world.volunteers(6, joined_on=dt.date(2025, 2, 10))
    f = figures_for(service)
    assert not f.on_books_rounded
    assert [month.registered.value for month in f.months] == [12, 18, 18]
    assert [month.new.value for month in f.months] == [0, 6, 0]
    assert f.registered == Count(18) and f.registered.text() == "18"
    assert f.welsh_speakers.describe() == "12 (66.7%)"


def test_numbers_on_the_books_do_not_give_a_withheld_joining_away(
    service: FiguresService, db: Database, tmp_path: Path
) -> None:
    world = County(db)
    world.volunteers(31)
    world.volunteers(3, joined_on=dt.date(2025, 2, 10))  # 31, 34, 34 on the books
    world.volunteers(7, joined_on=dt.date(2025, 3, 5))  # ... 41
    f = figures_for(service)
    assert [month.new.export() for month in f.months] == [0, WITHHELD_EXPORT, WITHHELD_OTHER]
    assert f.new.value == 10
    assert f.on_books_rounded
    shown = [month.registered.value for month in f.months]
    assert shown == [30, 30, 40] and f.registered.value == 40
    changes = [later - earlier for earlier, later in itertools.pairwise(shown)]
    assert all(change % 10 == 0 for change in changes)  # never 3 (nor 1 to 4)
    path = service.export(tmp_path / "figures.xlsx", start=START, end=END, area="SA61", today=TODAY)
    book = load_workbook(path, read_only=True)
    months = list(book["By month"].iter_rows(values_only=True))
    assert months[0][2] == "Volunteers on the books (rounded to the nearest 10)"
    assert [row[2] for row in months[1:]] == [30, 30, 40]
    summary = {row[0]: row for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["registered"][1:] == (
        "Volunteers on the books at the end (rounded to the nearest 10)",
        40,
    )
    notes = [row[1] for row in book["Notes"].iter_rows(min_row=2, values_only=True)]
    assert notes == [small_count_text(), disclosure_text()]
    book.close()


def test_households_by_service_do_not_give_a_withheld_row_away(
    service: FiguresService, db: Database, make_organisation: MakeOrganisation
) -> None:
    bank = make_organisation(name_en="Haverfordwest Food Bank")
    world = County(db)
    made = {"food_parcels": 11, "shopping": 6, "transport": 7, "hot_meals": 12, "advice": 3}
    for code, n in made.items():
        world.households(n, bank.uuid, code)
    f = figures_for(service)
    counts = {line.item.key: line.count for line in f.households_by_service}
    assert f.households.value == 39
    assert counts["advice"].text() == "fewer than 5"
    assert counts["shopping"].text() == "withheld"  # the smallest of the others
    assert [counts[code].value for code in ("food_parcels", "transport", "hot_meals")] == [
        11,
        7,
        12,
    ]
    assert_not_derivable(
        [float(made[code]) for code in counts],
        [None if c.value is None else float(c.value) for c in counts.values()],
        39.0,
    )


def test_acknowledged_alerts_count_as_in_the_grid(
    db: Database, service: FiguresService, county: dict[str, Any]
) -> None:
    alerts = AlertService(db, actor="tester")
    overlap = alerts.list(kind=AlertKind.COVERAGE_OVERLAP)
    assert len(overlap) == 1
    alerts.acknowledge(overlap[0].id)
    figures = dict(figures_for(service, None).alerts_by_kind)
    assert figures[AlertKind.COVERAGE_OVERLAP].value == 1  # still being dealt with
    grid = CoverageService(db, actor="tester").grid(start=START, end=END)
    assert sum(cell.alerts for row in grid.top_rows() for cell in row.cells) == 1
    data = service.report_data(start=START, end=END, today=TODAY)
    assert sum(n for *_cell, n in data.overlaps) == figures[AlertKind.COVERAGE_OVERLAP].value
    assert dict(figures_for(service).alerts_by_kind)[AlertKind.COVERAGE_OVERLAP].value == 1
    alerts.resolve(overlap[0].id)
    assert dict(figures_for(service, None).alerts_by_kind)[AlertKind.COVERAGE_OVERLAP].value == 0


def test_an_activity_counts_where_its_postcode_lies(
    db: Database, service: FiguresService, make_organisation: MakeOrganisation
) -> None:
    """Filed under the district SA61, held at SA61 2TG: it counts for the sector SA61 2 and for
    a community holding SA61 1 and SA61 2, not for the sector SA61 1."""
    bank = make_organisation(
        name_en="Haverfordwest Food Bank",
        coverage=(CoverageData(service="food_parcels", area="SA61"),),
    )
    with db.session_factory.begin() as session:
        area = m.Area(
            kind="community",
            code="HWEST",
            name_en="Haverfordwest",
            name_cy="Hwlffordd",
            origin=db.instance_uuid,
            changed_at=db.clock.now(),
        )
        session.add(area)
        session.flush()
        session.add_all(
            m.AreaPostcode(area_id=area.id, postcode=code) for code in ("SA61 1", "SA61 2")
        )
    world = County(db)
    helpers = world.volunteers(5)
    run = world.activity(bank.uuid, "food_parcels", "SA61", postcode="SA61 2TG")
    world.book(world.shift(run, dt.date(2025, 1, 6)), helpers, "attended", 2.0)
    sector = figures_for(service, "SA61 2")
    assert sector.hours.value == 10.0
    assert [(line.item.key, line.hours.value) for line in sector.hours_by_area] == [
        ("SA61 2", 10.0)
    ]
    assert figures_for(service, "Hwlffordd").hours.value == 10.0
    assert figures_for(service, "SA61").hours.value == 10.0  # filed under it, as before
    assert figures_for(service, "SA61 1").hours.value == 0


def test_the_coverage_sheet_of_an_area_holds_its_sectors(
    service: FiguresService, county: dict[str, Any], tmp_path: Path
) -> None:
    path = service.export(tmp_path / "sa61.csv", start=START, end=END, area="SA61", today=TODAY)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.reader(handle) if row[0] == "coverage"]
    assert ["coverage", "SA61 1", "Part of", "part_of", "SA61"] in rows
    assert ["coverage", "SA61 1", "Food parcels", "groups", "2"] in rows
    assert ["coverage", "SA61", "Food parcels", "groups", "2"] in rows
    assert not any(row[1] == "SA61" and row[3] == "part_of" for row in rows)
    path = service.export(tmp_path / "sa61.xlsx", start=START, end=END, area="SA61", today=TODAY)
    book = load_workbook(path, read_only=True)
    sheet = list(book["Coverage"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("Area", "Part of", "Food parcels")
    assert [row[:3] for row in sheet[1:]] == [("SA61", None, 2), ("SA61 1", "SA61", 2)]
    book.close()
