"""Duplicated effort on the ground: what a coordinator sees in the alert list after a scan.

Each detector finds its case and stays quiet on the near misses a coordinator would not want
to be bothered with (back-to-back shifts, another service, areas apart, other days or dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from cvcdesk.domain.enums import AlertKind, DbsLevel, VolunteerStatus, Weekdays
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.services.alerts import AlertRow, AlertService, overlap_detectors
from cvcdesk.services.overlaps import find_double_bookings
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
TODAY = dt.date(2025, 3, 3)  # a Monday
MON, TUE, WED = Weekdays.MON, Weekdays.TUE, Weekdays.WED


class World:
    """Writes the records no service creates yet (activities, shifts, bookings, households)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _add(self, row: Any) -> str:
        with self.db.session_factory.begin() as session:
            row.origin = self.db.instance_uuid
            row.changed_at = self.db.clock.now()
            session.add(row)
            session.flush()
            return str(row.uuid)

    def _id(self, session: Any, model: Any, uuid: str) -> int:
        return int(session.scalar(select(model.id).where(model.uuid == uuid)))

    def service(self, session: Any, code: str) -> int:
        return int(session.scalar(select(m.ServiceType.id).where(m.ServiceType.code == code)))

    def activity(
        self,
        group: str,
        *,
        title: str = "Food run",
        dbs: str = "none",
        service: str = "food_parcels",
    ) -> str:
        with self.db.session_factory() as session:
            org_id = self._id(session, m.Organisation, group)
            service_id = self.service(session, service)
        return self._add(
            m.Activity(
                organisation_id=org_id,
                service_type_id=service_id,
                title_en=title,
                title_cy=f"{title} (cy)",
                start_date=TODAY,
                start_time=dt.time(10),
                end_time=dt.time(12),
                dbs_level_required=dbs,
            )
        )

    def shift(
        self, activity: str, start: dt.datetime, *, hours: float = 2, cancelled: bool = False
    ) -> str:
        with self.db.session_factory() as session:
            activity_id = self._id(session, m.Activity, activity)
        return self._add(
            m.Shift(
                activity_id=activity_id,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=hours),
                cancelled=cancelled,
            )
        )

    def book(self, shift: str, volunteer: str, status: str = "confirmed") -> str:
        with self.db.session_factory() as session:
            shift_id = self._id(session, m.Shift, shift)
            volunteer_id = self._id(session, m.Volunteer, volunteer)
        return self._add(m.Assignment(shift_id=shift_id, volunteer_id=volunteer_id, status=status))

    def household(self, reference: str, *, match_key: str = "") -> str:
        return self._add(
            m.Household(reference=reference, postcode="SA61 1AB", house="3", match_key=match_key)
        )

    def support(
        self,
        household: str,
        group: str,
        *,
        service: str = "food_parcels",
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> str:
        with self.db.session_factory() as session:
            household_id = self._id(session, m.Household, household)
            org_id = self._id(session, m.Organisation, group)
            service_id = self.service(session, service)
        return self._add(
            m.HouseholdSupport(
                household_id=household_id,
                organisation_id=org_id,
                service_type_id=service_id,
                since=since,
                until=until,
            )
        )

    def community(
        self, code: str, *, parent: str | None = None, postcodes: tuple[str, ...] = ()
    ) -> str:
        with self.db.session_factory.begin() as session:
            parent_id = None
            if parent is not None:
                parent_id = session.scalar(select(m.Area.id).where(m.Area.code == parent))
                if parent_id is None:  # create the postcode area through a coverage-free path
                    from cvcdesk.services.areas import ensure_area

                    parent_id = ensure_area(session, self.db, parent).id
            area = m.Area(
                kind="community",
                code=code,
                name_en=f"{code} village",
                name_cy=f"Pentref {code}",
                parent_id=parent_id,
                origin=self.db.instance_uuid,
                changed_at=self.db.clock.now(),
            )
            session.add(area)
            session.flush()
            for postcode in postcodes:
                session.add(m.AreaPostcode(area_id=area.id, postcode=postcode))
            return str(area.uuid)

    def change(self, model: Any, uuid: str, **values: Any) -> None:
        """Edit a record as a service would: new values and a new clock value."""
        with self.db.session_factory.begin() as session:
            row = session.scalar(select(model).where(model.uuid == uuid))
            for name, value in values.items():
                setattr(row, name, value)
            row.changed_at = self.db.clock.now()


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


@pytest.fixture
def alerts(db: Database) -> AlertService:
    return AlertService(db, actor="tester", detectors=overlap_detectors)


def found(alerts: AlertService, kind: AlertKind, *, today: dt.date = TODAY) -> list[AlertRow]:
    alerts.scan(full=True, today=today)
    return alerts.list(kind, limit=None)


def cover(service: str, area: str, **values: Any) -> CoverageData:
    return CoverageData(service=service, area=area, **values)


# ---- b. coverage overlap -------------------------------------------------------------------


def test_two_groups_with_the_same_service_in_nested_areas_and_hours_are_flagged(
    alerts: AlertService, make_organisation: MakeOrganisation
) -> None:
    a = make_organisation(
        name_en="Haverfordwest Food Bank",
        coverage=(
            cover(
                "food_parcels",
                "SA61",
                weekdays=MON | TUE,
                start_time=dt.time(9),
                end_time=dt.time(12),
            ),
        ),
    )
    b = make_organisation(
        name_en="Prendergast Mutual Aid",
        coverage=(
            cover(
                "food_parcels", "SA61 1", weekdays=MON, start_time=dt.time(11), end_time=dt.time(14)
            ),
        ),
    )
    [alert] = found(alerts, AlertKind.COVERAGE_OVERLAP)
    text = " ".join(alert.reasons)
    assert "both offer Food parcels." in text
    assert "Haverfordwest Food Bank" in text and "Prendergast Mutual Aid" in text
    assert "SA61 1 lies within SA61" in text
    assert "Monday" in text and "Tuesday" not in text
    assert "11:00 and 12:00" in text
    assert {r.group_uuid for r in alert.records} == {a.uuid, b.uuid}
    assert all("Food parcels" in r.name for r in alert.records)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(cover("food_parcels", "SA61"), cover("shopping", "SA61"), id="other-service"),
        pytest.param(
            cover("food_parcels", "SA61"), cover("food_parcels", "SA62"), id="areas-apart"
        ),
        pytest.param(
            cover("food_parcels", "SA61 1"), cover("food_parcels", "SA61 2"), id="sister-sectors"
        ),
        pytest.param(
            cover("food_parcels", "SA61", weekdays=MON),
            cover("food_parcels", "SA61", weekdays=TUE | WED),
            id="other-days",
        ),
        pytest.param(
            cover("food_parcels", "SA61", start_time=dt.time(9), end_time=dt.time(12)),
            cover("food_parcels", "SA61", start_time=dt.time(12), end_time=dt.time(15)),
            id="back-to-back-hours",
        ),
        pytest.param(
            cover(
                "food_parcels",
                "SA61",
                start_date=dt.date(2024, 1, 1),
                end_date=dt.date(2024, 3, 31),
            ),
            cover("food_parcels", "SA61", start_date=dt.date(2024, 4, 1)),
            id="dates-apart",
        ),
        pytest.param(
            # The dates share one day only, a Tuesday, and the second group works Wednesdays.
            cover(
                "food_parcels", "SA61", start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 1, 2)
            ),
            cover("food_parcels", "SA61", weekdays=WED, start_date=dt.date(2024, 1, 2)),
            id="shared-dates-fall-on-other-days",
        ),
    ],
)
def test_coverage_near_misses_are_not_flagged(
    alerts: AlertService,
    make_organisation: MakeOrganisation,
    first: CoverageData,
    second: CoverageData,
) -> None:
    make_organisation(coverage=(first,))
    make_organisation(coverage=(second,))
    assert found(alerts, AlertKind.COVERAGE_OVERLAP) == []


def test_one_group_covering_an_area_twice_is_not_an_overlap(
    alerts: AlertService, make_organisation: MakeOrganisation
) -> None:
    make_organisation(coverage=(cover("food_parcels", "SA61"), cover("food_parcels", "SA61 1")))
    assert found(alerts, AlertKind.COVERAGE_OVERLAP) == []


def test_named_communities_overlap_through_parent_links_and_postcodes(
    alerts: AlertService, world: World, make_organisation: MakeOrganisation
) -> None:
    world.community("HAKIN", parent="SA73")
    world.community("PRIORY", postcodes=("SA61 1",))
    make_organisation(name_en="Hakin Helpers", coverage=(cover("shopping", "HAKIN"),))
    make_organisation(name_en="Milford Aid", coverage=(cover("shopping", "SA73"),))
    make_organisation(name_en="Priory Friends", coverage=(cover("befriending_phone", "PRIORY"),))
    make_organisation(
        name_en="Street Champions", coverage=(cover("befriending_phone", "SA61 1AB"),)
    )
    make_organisation(name_en="Far Away", coverage=(cover("befriending_phone", "SA62"),))
    rows = found(alerts, AlertKind.COVERAGE_OVERLAP)
    texts = sorted(" ".join(r.reasons) for r in rows)
    assert len(rows) == 2
    assert (
        "HAKIN village lies within SA73" in texts[0] or "HAKIN village lies within SA73" in texts[1]
    )
    assert any("SA61 1AB lies within PRIORY village" in t for t in texts)
    assert not any("Far Away" in t for t in texts)


# ---- c. households helped twice ------------------------------------------------------------


def test_a_household_helped_by_two_groups_with_the_same_service_is_flagged(
    alerts: AlertService, world: World, make_organisation: MakeOrganisation
) -> None:
    a = make_organisation(name_en="Tenby Larder")
    b = make_organisation(name_en="Tenby Mutual Aid")
    home = world.household("H00042")
    world.support(home, a.uuid, since=dt.date(2024, 1, 1))
    world.support(home, b.uuid, since=dt.date(2024, 6, 1), until=dt.date(2024, 9, 30))
    [alert] = found(alerts, AlertKind.HOUSEHOLD_OVERLAP)
    text = " ".join(alert.reasons)
    assert "both provide Food parcels to household H00042." in text
    assert "Tenby Larder" in text and "Tenby Mutual Aid" in text
    assert "from 1 Jun 2024 to 30 Sept 2024" in text
    assert {r.reference for r in alert.records} == {"H00042"}


def test_a_partners_copy_of_the_same_household_is_recognised_by_its_match_key(
    alerts: AlertService, world: World, make_organisation: MakeOrganisation
) -> None:
    a, b = make_organisation(), make_organisation()
    world.support(world.household("H1", match_key="k" * 64), a.uuid)
    world.support(world.household("P-77", match_key="k" * 64), b.uuid)
    world.support(world.household("H2", match_key="z" * 64), b.uuid)
    [alert] = found(alerts, AlertKind.HOUSEHOLD_OVERLAP)
    [same] = [r for r in alert.reasons if "are the same address" in r]
    assert "H1" in same and "P-77" in same


@pytest.mark.parametrize(
    ("service_b", "period_a", "period_b"),
    [
        pytest.param("shopping", (None, None), (None, None), id="other-service"),
        pytest.param(
            "food_parcels",
            (dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
            (dt.date(2024, 4, 1), None),
            id="one-after-the-other",
        ),
    ],
)
def test_household_near_misses_are_not_flagged(
    alerts: AlertService,
    world: World,
    make_organisation: MakeOrganisation,
    service_b: str,
    period_a: tuple[dt.date | None, dt.date | None],
    period_b: tuple[dt.date | None, dt.date | None],
) -> None:
    a, b = make_organisation(), make_organisation()
    home = world.household("H7")
    world.support(home, a.uuid, since=period_a[0], until=period_a[1])
    world.support(home, b.uuid, service=service_b, since=period_b[0], until=period_b[1])
    world.support(world.household("H8"), a.uuid)  # a neighbour helped by one group only
    assert found(alerts, AlertKind.HOUSEHOLD_OVERLAP) == []


# ---- d. double booking ---------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute)


def test_a_volunteer_on_overlapping_shifts_of_two_groups_is_flagged(
    alerts: AlertService,
    world: World,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    person = make_volunteer(first_name="Siân", last_name="Evans", reference="V1")
    other = make_volunteer()
    a = make_organisation(name_en="Fishguard Food Bank")
    b = make_organisation(name_en="Goodwick Friends")
    food = world.activity(a.uuid, title="Food run")
    calls = world.activity(b.uuid, title="Phone calls", service="befriending_phone")
    first = world.book(world.shift(food, at(4, 10)), person.uuid)
    second = world.book(world.shift(calls, at(4, 11, 30)), person.uuid)
    world.book(world.shift(calls, at(4, 11, 30) + dt.timedelta(minutes=1)), other.uuid)
    [alert] = found(alerts, AlertKind.DOUBLE_BOOKING)
    text = " ".join(alert.reasons)
    assert "Food run" in text and "Phone calls" in text
    assert "run by two groups" in text
    assert "Fishguard Food Bank" in text and "Goodwick Friends" in text
    assert (alert.records[0].record_type, alert.records[0].reference) == ("volunteer", "V1")
    assert {r.uuid for r in alert.records if r.record_type == "assignment"} == {first, second}


def test_overlapping_shifts_within_one_group_are_flagged_too(
    alerts: AlertService,
    world: World,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    person = make_volunteer()
    group = make_organisation(name_en="Narberth Neighbours")
    morning = world.activity(group.uuid, title="Lunch club")
    drive = world.activity(group.uuid, title="Car scheme", service="transport")
    world.book(world.shift(morning, at(5, 10), hours=3), person.uuid)
    world.book(world.shift(drive, at(5, 12), hours=1), person.uuid, status="tentative")
    [alert] = found(alerts, AlertKind.DOUBLE_BOOKING)
    assert any("Both shifts are run by Narberth Neighbours" in r for r in alert.reasons)
    assert any("only tentative" in r for r in alert.reasons)
    assert alert.score < 1.0


@pytest.mark.parametrize(
    ("second_start", "cancelled", "status"),
    [
        pytest.param(at(4, 12), False, "confirmed", id="back-to-back"),
        pytest.param(at(4, 8), False, "confirmed", id="ends-as-the-other-starts"),
        pytest.param(at(4, 11), True, "confirmed", id="cancelled-shift"),
        pytest.param(at(4, 11), False, "declined", id="declined-booking"),
        pytest.param(at(5, 10), False, "confirmed", id="next-day"),
    ],
)
def test_booking_near_misses_are_not_flagged(
    alerts: AlertService,
    world: World,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
    second_start: dt.datetime,
    cancelled: bool,
    status: str,
) -> None:
    person = make_volunteer()
    group = make_organisation()
    activity = world.activity(group.uuid)
    world.book(world.shift(activity, at(4, 10)), person.uuid)  # 10:00 to 12:00
    world.book(world.shift(activity, second_start, cancelled=cancelled), person.uuid, status)
    assert found(alerts, AlertKind.DOUBLE_BOOKING) == []


def test_a_rescan_limited_to_changed_records_finds_only_their_bookings(
    db: Database, world: World, make_volunteer: MakeVolunteer, make_organisation: MakeOrganisation
) -> None:
    group = make_organisation()
    activity = world.activity(group.uuid)
    people = [make_volunteer() for _ in range(3)]
    for person in people:
        world.book(world.shift(activity, at(6, 10)), person.uuid)
        world.book(world.shift(activity, at(6, 11)), person.uuid)
    with db.session_factory() as session:
        everyone = find_double_bookings(session)
        one = find_double_bookings(session, only={people[1].uuid})
    assert len(everyone) == 3
    assert [f.records[0].uuid for f in one] == [people[1].uuid]


# ---- e. DBS problems -----------------------------------------------------------------------


def test_a_booking_needing_a_higher_dbs_level_is_flagged(
    alerts: AlertService,
    world: World,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    basic = make_volunteer(dbs_level=DbsLevel.BASIC, reference="V-B")
    enhanced = make_volunteer(dbs_level=DbsLevel.ENHANCED)
    group = make_organisation()
    visits = world.activity(group.uuid, title="Home visits", dbs="enhanced")
    for week in range(2):
        shift = world.shift(visits, at(10 + 7 * week, 14))
        world.book(shift, basic.uuid)
        world.book(shift, enhanced.uuid)
    past = world.shift(visits, dt.datetime(2025, 2, 1, 14))
    world.book(past, make_volunteer(reference="V-PAST").uuid)  # only a shift already done
    [alert] = found(alerts, AlertKind.DBS_PROBLEM)
    assert alert.reasons[0] == (
        "Home visits needs a DBS check at level Enhanced; this volunteer has Basic."
    )
    assert "Upcoming shifts booked: 2" in alert.reasons[1]
    assert [r.reference for r in alert.records if r.record_type == "volunteer"] == ["V-B"]


def test_dbs_renewals_overdue_or_due_within_the_setting_are_flagged(
    alerts: AlertService, make_volunteer: MakeVolunteer
) -> None:
    def checked(due: dt.date, **values: Any) -> VolunteerRecord:
        return make_volunteer(
            dbs_level=DbsLevel.STANDARD,
            dbs_issue_date=dt.date(2022, 1, 1),
            dbs_renewal_due=due,
            **values,
        )

    overdue = checked(TODAY - dt.timedelta(days=1), reference="OVERDUE")
    soon = checked(TODAY + dt.timedelta(days=20), reference="SOON")
    checked(TODAY + dt.timedelta(days=60), reference="LATER")
    checked(TODAY - dt.timedelta(days=100), reference="LEFT", status=VolunteerStatus.LEFT)
    rows = {r.records[0].reference: r for r in found(alerts, AlertKind.DBS_PROBLEM)}
    assert set(rows) == {"OVERDUE", "SOON"}
    assert rows["OVERDUE"].reasons == ("The DBS renewal was due on 2 Mar 2025.",)
    assert rows["SOON"].reasons == ("The DBS renewal is due soon, on 23 Mar 2025.",)
    assert rows[overdue.reference].score > rows[soon.reference].score

    alerts.set_dbs_due_days(90)
    alerts.scan(today=TODAY)  # an incremental scan picks the new setting up
    open_refs = {r.records[0].reference for r in alerts.list(AlertKind.DBS_PROBLEM)}
    assert open_refs == {"OVERDUE", "SOON", "LATER"}


def test_a_volunteer_fixing_their_dbs_check_clears_the_alert(
    db: Database, alerts: AlertService, make_volunteer: MakeVolunteer
) -> None:
    person = make_volunteer(dbs_level=DbsLevel.BASIC, dbs_renewal_due=TODAY - dt.timedelta(days=3))
    assert len(found(alerts, AlertKind.DBS_PROBLEM)) == 1
    service = VolunteerService(db, actor="tester")
    record = service.get(person.uuid)
    from dataclasses import replace

    service.update(person.uuid, replace(record, dbs_renewal_due=dt.date(2028, 1, 1)))
    result = alerts.scan(today=TODAY)
    assert result.resolved == 1
    [alert] = alerts.list(AlertKind.DBS_PROBLEM, limit=None)
    assert alert.status.value == "resolved"
    assert alert.decision == "A rescan no longer finds this problem."
