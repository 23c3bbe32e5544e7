"""The alert list a coordinator works through: scanning, counts, decisions that stick, rescans
that only look at what changed yet end where a full scan would, and cancelling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from cvcdesk.domain.alerts import Finding, RecordRef
from cvcdesk.domain.clock import Timestamp
from cvcdesk.domain.enums import AlertKind, AlertStatus, DbsLevel, Weekdays
from cvcdesk.domain.errors import CvcError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.i18n import set_language
from cvcdesk.services.alerts import (
    AlertService,
    Detector,
    ScanContext,
    overlap_detectors,
)
from cvcdesk.services.base import Cancelled
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.backup import backup_sqlite
from cvcdesk.store.database import Database, open_database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
TODAY = dt.date(2025, 3, 3)  # a Monday
WATCHED = (
    "volunteer", "organisation", "membership", "coverage", "area", "household",
    "household_support", "activity", "shift", "assignment",
)  # fmt: skip


# ---- building a small county ---------------------------------------------------------------


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

    @staticmethod
    def _id(session: Any, model: Any, uuid: str) -> int:
        return int(session.scalar(select(model.id).where(model.uuid == uuid)))

    def activity(self, group: str, *, title: str = "Food run", dbs: str = "none") -> str:
        with self.db.session_factory() as session:
            org_id = self._id(session, m.Organisation, group)
        return self._add(
            m.Activity(
                organisation_id=org_id,
                title_en=title,
                start_date=TODAY,
                start_time=dt.time(10),
                end_time=dt.time(12),
                dbs_level_required=dbs,
            )
        )

    def shift(self, activity: str, start: dt.datetime, hours: float = 2) -> str:
        with self.db.session_factory() as session:
            activity_id = self._id(session, m.Activity, activity)
        return self._add(
            m.Shift(
                activity_id=activity_id,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=hours),
            )
        )

    def book(self, shift: str, volunteer: str, status: str = "confirmed") -> str:
        with self.db.session_factory() as session:
            shift_id = self._id(session, m.Shift, shift)
            volunteer_id = self._id(session, m.Volunteer, volunteer)
        return self._add(m.Assignment(shift_id=shift_id, volunteer_id=volunteer_id, status=status))

    def household(self, reference: str) -> str:
        return self._add(m.Household(reference=reference, postcode="SA61 1AB"))

    def support(self, household: str, group: str, since: dt.date | None = None) -> str:
        with self.db.session_factory() as session:
            household_id = self._id(session, m.Household, household)
            org_id = self._id(session, m.Organisation, group)
            service_id = session.scalar(
                select(m.ServiceType.id).where(m.ServiceType.code == "food_parcels")
            )
        return self._add(
            m.HouseholdSupport(
                household_id=household_id,
                organisation_id=org_id,
                service_type_id=service_id,
                since=since,
            )
        )

    def change(self, model: Any, uuid: str, **values: Any) -> None:
        """Edit a record as a service would: new values and a new clock value."""
        with self.db.session_factory.begin() as session:
            row = session.scalar(select(model).where(model.uuid == uuid))
            for name, value in values.items():
                setattr(row, name, value)
            row.changed_at = self.db.clock.now()

    def age_everything(self, hours: int = 2) -> None:
        """Make every record look as if it was last changed some hours ago."""
        stamp = Timestamp.decode(self.db.clock.now())
        old = Timestamp(stamp.wall_ms - hours * 3_600_000, 0, stamp.instance).encode()
        with self.db.engine.begin() as connection:
            for table in WATCHED:
                connection.execute(text(f"UPDATE {table} SET changed_at = :old"), {"old": old})


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour)


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


@pytest.fixture
def alerts(db: Database) -> AlertService:
    return AlertService(db, actor="coordinator", detectors=overlap_detectors)


@pytest.fixture
def county(
    world: World, make_volunteer: MakeVolunteer, make_organisation: MakeOrganisation
) -> dict[str, Any]:
    """Two groups doing the same in SA61, a household they both feed, a double-booked
    volunteer and one whose DBS check is overdue."""
    a = make_organisation(
        name_en="Haverfordwest Food Bank",
        name_cy="Banc Bwyd Hwlffordd",
        coverage=(CoverageData(service="food_parcels", area="SA61"),),
    )
    b = make_organisation(
        name_en="Prendergast Mutual Aid",
        name_cy="Cymorth Cydfuddiannol Prendergast",
        coverage=(CoverageData(service="food_parcels", area="SA61 1", weekdays=Weekdays.MON),),
    )
    busy = make_volunteer(reference="V-BUSY")
    lapsed = make_volunteer(
        reference="V-LAPSED", dbs_level=DbsLevel.BASIC, dbs_renewal_due=dt.date(2025, 1, 31)
    )
    run_a = world.activity(a.uuid, title="Food run")
    run_b = world.activity(b.uuid, title="Shopping trip")
    morning = world.shift(run_a, at(4, 10))
    midday = world.shift(run_b, at(4, 11))
    booking_a = world.book(morning, busy.uuid)
    booking_b = world.book(midday, busy.uuid)
    home = world.household("H00001")
    world.support(home, a.uuid)
    world.support(home, b.uuid)
    return {
        "a": a,
        "b": b,
        "busy": busy,
        "lapsed": lapsed,
        "run_a": run_a,
        "run_b": run_b,
        "morning": morning,
        "midday": midday,
        "booking_a": booking_a,
        "booking_b": booking_b,
        "home": home,
    }


def states(db: Database) -> set[tuple[str, str, str, float, str]]:
    with db.engine.connect() as connection:
        return {
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(
                text("SELECT kind, pair_key, status, score, reasons FROM alert")
            )
        }


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.engine.connect() as connection:
        return {
            table: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}"))]
            for table in ("alert", "alert_record", "setting")
        }


def only_one(alerts: AlertService, kind: AlertKind) -> Any:
    [row] = alerts.list(kind, limit=None)
    return row


# ---- scanning and counts -------------------------------------------------------------------


def test_a_scan_counts_open_alerts_by_kind(alerts: AlertService, county: dict[str, Any]) -> None:
    result = alerts.scan(today=TODAY)
    assert result.full  # the first scan looks at everything
    assert result.counts[AlertKind.COVERAGE_OVERLAP] == 1
    assert result.counts[AlertKind.HOUSEHOLD_OVERLAP] == 1
    assert result.counts[AlertKind.DOUBLE_BOOKING] == 1
    assert result.counts[AlertKind.DBS_PROBLEM] == 1
    assert result.counts[AlertKind.DUPLICATE_VOLUNTEER] == 0  # every kind is listed
    assert result.new == 4
    assert alerts.counts_by_kind() == result.counts
    assert alerts.count() == 4

    again = alerts.scan(today=TODAY)
    assert not again.full
    assert (again.new, again.resolved, again.reopened) == (0, 0, 0)
    assert again.counts == result.counts


def test_acknowledging_takes_an_alert_out_of_the_open_count_but_keeps_it_listed(
    alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    row = only_one(alerts, AlertKind.DOUBLE_BOOKING)
    acknowledged = alerts.acknowledge(row.id)
    assert acknowledged.status == AlertStatus.ACKNOWLEDGED
    assert acknowledged.decided_by == "coordinator"
    assert alerts.counts_by_kind()[AlertKind.DOUBLE_BOOKING] == 0
    assert alerts.counts_by_kind(AlertStatus.ACKNOWLEDGED)[AlertKind.DOUBLE_BOOKING] == 1
    alerts.scan(today=TODAY, full=True)
    assert alerts.get(row.id).status == AlertStatus.ACKNOWLEDGED


def test_dismissing_needs_a_reason_and_a_refusal_changes_nothing(
    db: Database, alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    row = only_one(alerts, AlertKind.COVERAGE_OVERLAP)
    before = snapshot(db)
    with pytest.raises(ValidationError) as refused:
        alerts.dismiss(row.id, "   ")
    assert f"alert {row.id}" in str(refused.value)
    assert snapshot(db) == before
    dismissed = alerts.dismiss(row.id, "They split the streets between them")
    assert dismissed.status == AlertStatus.DISMISSED
    assert dismissed.decision == "They split the streets between them"


def test_a_dismissed_pair_never_comes_back(
    db: Database, world: World, alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    row = only_one(alerts, AlertKind.DOUBLE_BOOKING)
    alerts.dismiss(row.id, "Both are the same trip")
    # The records change (still overlapping) and are looked at again, fully and incrementally.
    world.change(m.Shift, county["midday"], starts_at=at(4, 11) + dt.timedelta(minutes=30))
    alerts.scan(today=TODAY)
    alerts.scan(today=TODAY, full=True)
    world.change(m.Assignment, county["booking_a"], notes="driver")
    alerts.scan(today=TODAY)
    after = alerts.get(row.id)
    assert after.status == AlertStatus.DISMISSED
    assert after.decision == "Both are the same trip"
    assert alerts.count(AlertKind.DOUBLE_BOOKING) == 1
    assert alerts.counts_by_kind()[AlertKind.DOUBLE_BOOKING] == 0


def test_a_resolved_alert_is_not_reopened_but_a_self_resolved_one_is(
    world: World, alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    coverage = only_one(alerts, AlertKind.COVERAGE_OVERLAP)
    alerts.resolve(coverage.id)
    booking = only_one(alerts, AlertKind.DOUBLE_BOOKING)

    world.change(m.Shift, county["midday"], cancelled=True)
    result = alerts.scan(today=TODAY)
    assert result.resolved == 1
    gone = alerts.get(booking.id)
    assert gone.status == AlertStatus.RESOLVED
    assert gone.decision == "A rescan no longer finds this problem."

    world.change(m.Shift, county["midday"], cancelled=False)
    world.change(m.Coverage, county["a"].coverage[0].uuid, notes="touched")
    result = alerts.scan(today=TODAY)
    assert result.reopened == 1
    assert alerts.get(booking.id).status == AlertStatus.OPEN
    assert alerts.get(coverage.id).status == AlertStatus.RESOLVED  # the coordinator's decision


def test_alerts_about_deleted_records_are_resolved(
    db: Database, alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    household = only_one(alerts, AlertKind.HOUSEHOLD_OVERLAP)
    dbs = only_one(alerts, AlertKind.DBS_PROBLEM)
    OrganisationService(db, actor="tester").delete(county["b"].uuid)
    VolunteerService(db, actor="tester").delete(county["lapsed"].uuid)
    alerts.scan(today=TODAY)
    assert alerts.get(household.id).status == AlertStatus.RESOLVED
    assert alerts.get(only_one(alerts, AlertKind.COVERAGE_OVERLAP).id).status == (
        AlertStatus.RESOLVED
    )
    gone = alerts.get(dbs.id)
    assert gone.status == AlertStatus.RESOLVED
    assert gone.decision == "A record it was about was deleted or merged away."
    assert gone.records[0].missing
    # The second shift belonged to the deleted group, so the volunteer is no longer double-booked.
    assert alerts.counts_by_kind()[AlertKind.DOUBLE_BOOKING] == 0


def test_unknown_alerts_and_impossible_steps_are_refused_without_change(
    db: Database, alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    row = only_one(alerts, AlertKind.DBS_PROBLEM)
    alerts.dismiss(row.id, "Renewal booked")
    before = snapshot(db)
    with pytest.raises(NotFoundError, match="There is no alert “9999”"):
        alerts.acknowledge(9999)
    with pytest.raises(NotFoundError):
        alerts.dismiss("not-an-alert", "x")
    with pytest.raises(CvcError, match="already marked “Not a duplicate”"):
        alerts.acknowledge(row.id)
    with pytest.raises(CvcError):
        alerts.resolve(row.id)
    assert snapshot(db) == before
    assert alerts.reopen(row.id).status == AlertStatus.OPEN


def test_an_alert_can_be_found_by_number_or_uuid(
    alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    row = only_one(alerts, AlertKind.HOUSEHOLD_OVERLAP)
    assert alerts.get(row.uuid) == row
    assert alerts.get(f"#{row.id}") == row


# ---- incremental rescans -------------------------------------------------------------------


def full_scan_of_a_copy(db: Database, tmp_path: Path, step: int) -> set[Any]:
    assert db.path is not None
    copy = backup_sqlite(db.path, tmp_path / f"copy-{step}.db")
    other = open_database(copy)
    try:
        AlertService(other, actor="check", detectors=overlap_detectors).scan(full=True, today=TODAY)
        return states(other)
    finally:
        other.close()


def test_incremental_rescans_end_where_a_full_scan_would(
    db: Database,
    tmp_path: Path,
    world: World,
    alerts: AlertService,
    county: dict[str, Any],
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    volunteers = VolunteerService(db, actor="tester")
    # Look at exactly the records changed since the last scan, not a few minutes before it.
    alerts = AlertService(db, actor="coordinator", detectors=overlap_detectors, recheck_ms=0)
    alerts.scan(today=TODAY)
    newcomer = make_volunteer(reference="V-NEW")
    third = make_organisation(name_en="Merlins Bridge Helpers")
    edits: list[Callable[[], Any]] = [
        # The double booking goes away, then a new one appears for someone else.
        lambda: world.change(m.Shift, county["midday"], starts_at=at(4, 12)),
        lambda: world.book(county["morning"], newcomer.uuid),
        lambda: world.book(world.shift(county["run_b"], at(4, 9)), newcomer.uuid),
        # A third group starts covering the same streets; the first group's line narrows.
        lambda: OrganisationService(db, actor="t").update(
            third.uuid,
            replace(third, coverage=(CoverageData(service="food_parcels", area="SA61 1AB"),)),
        ),
        lambda: world.change(m.Coverage, county["a"].coverage[0].uuid, weekdays=int(Weekdays.TUE)),
        # The third group helps the household too; the second group's help ends.
        lambda: world.support(county["home"], third.uuid, since=dt.date(2024, 5, 1)),
        lambda: world.change(
            m.HouseholdSupport,
            _support_of(db, county["b"].uuid),
            until=dt.date(2024, 4, 30),
            since=dt.date(2024, 1, 1),
        ),
        # DBS: the lapsed volunteer renews; the busy one is booked on work needing a check.
        lambda: volunteers.update(
            county["lapsed"].uuid,
            replace(volunteers.get(county["lapsed"].uuid), dbs_renewal_due=dt.date(2028, 1, 1)),
        ),
        lambda: world.change(m.Activity, county["run_a"], dbs_level_required="enhanced"),
        # A group closes.
        lambda: OrganisationService(db, actor="t").delete(county["a"].uuid),
        lambda: OrganisationService(db, actor="t").restore(county["a"].uuid),
    ]
    for step, edit in enumerate(edits):
        edit()
        if step % 2:
            dismissible = alerts.list(None, AlertStatus.OPEN, limit=1)
            if dismissible:
                alerts.dismiss(dismissible[0].id, f"checked at step {step}")
        result = alerts.scan(today=TODAY)
        assert not result.full
        assert 0 < result.changed_records <= 6
        assert states(db) == full_scan_of_a_copy(db, tmp_path, step), f"after edit {step}"
    kinds = {kind for kind, *_ in states(db)}
    assert {"coverage_overlap", "household_overlap", "double_booking", "dbs_problem"} <= kinds


def _support_of(db: Database, group: str) -> str:
    with db.session_factory() as session:
        return str(
            session.scalar(
                select(m.HouseholdSupport.uuid)
                .join(m.Organisation, m.Organisation.id == m.HouseholdSupport.organisation_id)
                .where(m.Organisation.uuid == group)
            )
        )


def test_a_rescan_hands_the_detectors_only_what_changed(
    db: Database, world: World, county: dict[str, Any]
) -> None:
    seen: list[Collection[str] | None] = []

    def recorder(
        session: Any, only: Collection[str] | None, progress: Any, cancel: Any, ctx: ScanContext
    ) -> list[Finding]:
        seen.append(None if only is None else set(only))
        return []

    def detectors() -> list[Detector]:
        return [Detector(AlertKind.DUPLICATE_VOLUNTEER, recorder, lambda s, c: set(c))]

    service = AlertService(db, actor="t", detectors=detectors)
    world.age_everything()
    service.scan(today=TODAY)
    service.scan(today=TODAY)  # nothing changed: the detector is not even asked
    world.change(m.Volunteer, county["busy"].uuid, notes="prefers mornings")
    service.scan(today=TODAY)
    assert seen == [None, {county["busy"].uuid}]


def test_the_date_moving_on_brings_renewals_into_the_window(
    db: Database, tmp_path: Path, alerts: AlertService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer(reference="SOON", dbs_level=DbsLevel.BASIC, dbs_renewal_due=dt.date(2025, 5, 1))
    alerts.scan(today=TODAY)
    assert alerts.count(AlertKind.DBS_PROBLEM) == 0
    alerts.scan(today=dt.date(2025, 4, 15))  # nothing changed, but the calendar did
    row = only_one(alerts, AlertKind.DBS_PROBLEM)
    assert row.reasons == ("The DBS renewal is due soon, on 1 May 2025.",)


# ---- cancelling and language ---------------------------------------------------------------


def test_a_cancelled_scan_changes_nothing(
    db: Database, world: World, alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    world.change(m.Shift, county["midday"], cancelled=True)
    world.support(county["home"], county["a"].uuid)
    before = snapshot(db)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 4

    with pytest.raises(Cancelled):
        alerts.scan(today=TODAY, cancel=cancel)
    assert snapshot(db) == before
    with pytest.raises(Cancelled):
        alerts.scan(today=TODAY, full=True, cancel=lambda: True)
    assert snapshot(db) == before
    assert alerts.scan(today=TODAY).resolved == 1  # the work was left for the next scan


def test_progress_is_reported_up_to_the_end(alerts: AlertService, county: dict[str, Any]) -> None:
    reports: list[tuple[int, int]] = []
    alerts.scan(today=TODAY, progress=lambda done, total: reports.append((done, total)))
    assert reports[-1][0] == reports[-1][1]
    assert all(0 <= done <= total for done, total in reports)


def test_reasons_and_records_read_in_the_current_language(
    alerts: AlertService, county: dict[str, Any]
) -> None:
    alerts.scan(today=TODAY)
    english = only_one(alerts, AlertKind.COVERAGE_OVERLAP)
    assert "Food parcels" in english.reasons[0]
    set_language("cy")
    welsh = only_one(alerts, AlertKind.COVERAGE_OVERLAP)
    assert "Parseli bwyd" in welsh.reasons[0]
    assert "Banc Bwyd Hwlffordd" in welsh.reasons[0]
    assert any("Cymorth Cydfuddiannol Prendergast" in r.name for r in welsh.records)


def test_findings_from_any_detector_keep_their_records_and_reasons(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    first, second = make_volunteer(reference="R1"), make_volunteer(reference="R2")

    def pairs(
        session: Any, only: Collection[str] | None, progress: Any, cancel: Any, ctx: ScanContext
    ) -> list[Finding]:
        return [
            Finding(
                AlertKind.DUPLICATE_VOLUNTEER,
                (RecordRef("volunteer", first.uuid), RecordRef("volunteer", second.uuid)),
                0.93,
                (),
            )
        ]

    service = AlertService(
        db,
        actor="t",
        detectors=lambda: [Detector(AlertKind.DUPLICATE_VOLUNTEER, pairs, lambda s, c: set(c))],
    )
    service.scan()
    row = only_one(service, AlertKind.DUPLICATE_VOLUNTEER)
    assert row.score == 0.93
    assert sorted(r.reference for r in row.records) == ["R1", "R2"]
    assert service.list(record_uuid=first.uuid) == [row]
