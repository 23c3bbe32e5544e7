"""Activities and their shifts: made for the planning horizon, kept in step when the pattern
changes, and never a booked shift deleted behind the coordinator's back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from cvcdesk.domain.enums import AssignmentStatus, DbsLevel
from cvcdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.recurrence import Recurrence, is_bank_holiday, monthly_on_weekday, weekly
from cvcdesk.domain.volunteer import Membership, VolunteerRecord
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.rosters import RosterService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

TODAY = dt.date(2025, 3, 3)  # a Monday
MON, TUE, WED, THU, FRI = range(5)
MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]


@pytest.fixture
def activities(db: Database) -> ActivityService:
    return ActivityService(db, actor="tester")


@pytest.fixture
def rosters(db: Database) -> RosterService:
    return RosterService(db, actor="tester")


@pytest.fixture
def group(make_organisation: MakeOrganisation) -> OrganisationRecord:
    return make_organisation(name_en="Llanŵyr Food Bank", name_cy="Banc Bwyd Llanŵyr")


def plan(group: OrganisationRecord, **overrides: Any) -> ActivityData:
    values: dict[str, Any] = {
        "group_uuid": group.uuid,
        "title_en": "Tuesday food run",
        "title_cy": "Rhediad bwyd dydd Mawrth",
        "service": "food_parcels",
        "area": "SA61",
        "place": "Neuadd y Dref",
        "postcode": "SA61 1AB",
        "recurrence": weekly(TUE),
        "start_date": TODAY,
        "start_time": dt.time(10),
        "end_time": dt.time(12),
    }
    values.update(overrides)
    return ActivityData(**values)


def days(activities: ActivityService, uuid: str) -> list[dt.date]:
    return [s.starts_at.date() for s in activities.shifts(uuid)]


def test_a_weekly_activity_gets_shifts_for_thirteen_weeks(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    shifts = activities.shifts(saved.activity.uuid)
    assert saved.shifts.added == len(shifts) == 13
    assert shifts[0].starts_at == dt.datetime(2025, 3, 4, 10)
    assert shifts[0].ends_at == dt.datetime(2025, 3, 4, 12)
    assert all(s.starts_at.weekday() == TUE for s in shifts)
    assert saved.activity.describe() == "Every week on Tuesday"
    assert saved.activity.title == "Tuesday food run"
    assert saved.activity.group_name == "Llanŵyr Food Bank"


def test_bank_holidays_get_no_shift_unless_the_activity_runs_on_them(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    skipping = activities.create(plan(group, recurrence=weekly(MON)), today=TODAY)
    working = activities.create(
        plan(group, recurrence=weekly(MON), skip_bank_holidays=False), today=TODAY
    )
    easter_monday = dt.date(2025, 4, 21)
    assert easter_monday not in days(activities, skipping.activity.uuid)
    assert easter_monday in days(activities, working.activity.uuid)
    assert not any(is_bank_holiday(d) for d in days(activities, skipping.activity.uuid))
    preview = activities.preview(plan(group, recurrence=weekly(MON)), count=8)
    assert (easter_monday, "Easter Monday") in preview.skipped_holidays
    assert easter_monday not in [o.day for o in preview.dates]


def test_a_one_off_activity_has_one_shift(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(
        plan(group, recurrence=Recurrence(), start_date=dt.date(2025, 3, 20)), today=TODAY
    )
    assert days(activities, saved.activity.uuid) == [dt.date(2025, 3, 20)]
    assert saved.activity.recurrence == Recurrence()


def test_a_night_shift_ends_the_next_morning(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(
        plan(group, recurrence=weekly(FRI), start_time=dt.time(22), end_time=dt.time(6)),
        today=TODAY,
    )
    first = activities.shifts(saved.activity.uuid)[0]
    assert (first.starts_at, first.ends_at) == (
        dt.datetime(2025, 3, 7, 22),
        dt.datetime(2025, 3, 8, 6),
    )


def test_changing_the_pattern_removes_unbooked_dates_and_flags_booked_ones(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
    db: Database,
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    volunteer = make_volunteer(first_name="Gwenllian", last_name="Ŵyn")
    booked = activities.shifts(saved.activity.uuid)[2]  # Tuesday 18 March
    rosters.assign(booked.uuid, volunteer.uuid)

    changed = activities.update(
        saved.activity.uuid, plan(group, recurrence=weekly(WED)), today=TODAY
    )

    assert changed.shifts.added == 13
    assert changed.shifts.removed == 12
    assert [s.uuid for s in changed.shifts.orphaned] == [booked.uuid]
    live = activities.shifts(saved.activity.uuid)
    assert sorted({s.starts_at.weekday() for s in live if not s.orphaned}) == [WED]
    assert [s.uuid for s in activities.orphaned_shifts()] == [booked.uuid]
    assert [a.volunteer_uuid for a in rosters.assignments(booked.uuid)] == [volunteer.uuid]
    with db.session_factory() as session:
        removed = session.scalars(
            select(m.Shift).where(m.Shift.deleted.is_(True), m.Shift.activity_id.is_not(None))
        ).all()
        assert len(removed) == 12  # tombstones partners learn of, not rows gone
        entry = session.scalars(
            select(m.AuditEntry).where(m.AuditEntry.record_uuid == booked.uuid)
        ).one()
        assert json.loads(entry.changes) == {"orphaned": [False, True]}


def test_an_orphaned_shift_is_kept_or_cancelled_by_the_coordinator(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    shifts = activities.shifts(saved.activity.uuid)
    for shift in shifts[:2]:
        rosters.assign(shift.uuid, make_volunteer().uuid)
    activities.update(saved.activity.uuid, plan(group, recurrence=weekly(THU)), today=TODAY)
    kept = activities.settle_orphan(shifts[0].uuid, keep=True, today=TODAY)
    cancelled = activities.settle_orphan(shifts[1].uuid, keep=False, today=TODAY)
    assert not kept.orphaned and not kept.cancelled
    assert cancelled.cancelled and not cancelled.orphaned
    assert activities.orphaned_shifts() == []
    record = activities.get(saved.activity.uuid)
    first, second = shifts[0].starts_at.date(), shifts[1].starts_at.date()
    assert record.extra_dates == (first, second)  # both stay on the calendar
    assert record.cancelled_dates == (second,)
    # A later change of pattern leaves the kept date alone: it is an extra date now.
    again = activities.update(
        saved.activity.uuid, plan(group, recurrence=weekly(THU), place="Capel"), today=TODAY
    )
    assert again.shifts.orphaned == ()
    assert shifts[0].starts_at.date() in days(activities, saved.activity.uuid)


def test_new_times_move_future_shifts_and_leave_past_ones_alone(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    later = dt.date(2025, 3, 20)
    changed = activities.update(
        saved.activity.uuid,
        plan(group, start_time=dt.time(13), end_time=dt.time(15)),
        today=later,
    )
    shifts = activities.shifts(saved.activity.uuid)
    past = [s for s in shifts if s.starts_at.date() < later]
    future = [s for s in shifts if s.starts_at.date() >= later]
    assert [s.starts_at.hour for s in past] == [10, 10, 10]
    assert {s.starts_at.hour for s in future} == {13}
    assert changed.shifts.retimed == 10
    assert changed.shifts.added == 3  # the horizon moved on with today


def test_a_cancelled_date_keeps_its_shift_and_bookings_and_can_be_reinstated(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    shift = activities.shifts(saved.activity.uuid)[1]
    volunteer = make_volunteer()
    rosters.assign(shift.uuid, volunteer.uuid)
    day = shift.starts_at.date()
    cancelled = activities.cancel_date(saved.activity.uuid, day, note="Hall closed", today=TODAY)
    assert cancelled.shifts.cancelled == 1
    assert cancelled.activity.cancelled_dates == (day,)
    assert rosters.shift(shift.uuid).cancelled
    assert [a.volunteer_uuid for a in rosters.assignments(shift.uuid)] == [volunteer.uuid]
    reinstated = activities.reinstate_date(saved.activity.uuid, day, today=TODAY)
    assert reinstated.shifts.reinstated == 1
    assert not rosters.shift(shift.uuid).cancelled


def test_an_extra_date_is_added_and_taken_away_again(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    easter_monday = dt.date(2025, 4, 21)
    added = activities.add_date(saved.activity.uuid, easter_monday, today=TODAY)
    assert added.shifts.added == 1
    assert easter_monday in days(activities, saved.activity.uuid)
    removed = activities.remove_date(saved.activity.uuid, easter_monday, today=TODAY)
    assert removed.shifts.removed == 1
    assert easter_monday not in days(activities, saved.activity.uuid)


def test_dates_in_the_past_cannot_be_cancelled_or_added(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    with pytest.raises(ValidationError, match="has passed"):
        activities.cancel_date(saved.activity.uuid, dt.date(2025, 3, 1), today=TODAY)


def test_the_horizon_rolls_on_and_running_twice_changes_nothing(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    regular = make_volunteer(memberships=(Membership(group.uuid),))
    pattern = rosters.assign_pattern(saved.activity.uuid, regular.uuid, today=TODAY)
    assert len(pattern.booked) == 13
    later = TODAY + dt.timedelta(weeks=4)
    rolled = activities.extend_horizon(today=later)
    assert rolled.added == 4
    assert rolled.regulars_booked == 4  # the regular is booked on the new dates too
    assert activities.extend_horizon(today=later) == type(rolled)()
    newest = activities.shifts(saved.activity.uuid)[-1]
    assert [a.volunteer_uuid for a in rosters.assignments(newest.uuid)] == [regular.uuid]


def test_a_regular_away_on_a_new_date_is_left_off_it_and_reported(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    from cvcdesk.domain.volunteer import AwayPeriod

    saved = activities.create(plan(group), today=TODAY)
    away_from = TODAY + dt.timedelta(weeks=14)
    regular = make_volunteer(away=(AwayPeriod(away_from, away_from + dt.timedelta(days=6)),))
    rosters.assign_pattern(saved.activity.uuid, regular.uuid, today=TODAY)
    rolled = activities.extend_horizon(today=TODAY + dt.timedelta(weeks=2))
    assert rolled.regulars_booked == 1
    assert [s.volunteer_uuid for s in rolled.regulars_skipped] == [regular.uuid]
    assert rolled.regulars_skipped[0].problems[0].kind.value == "away"


def test_deleting_an_activity_keeps_booked_shifts_flagged(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    booked = activities.shifts(saved.activity.uuid)[0]
    rosters.assign(booked.uuid, make_volunteer().uuid)
    deleted = activities.delete(saved.activity.uuid, today=TODAY)
    assert deleted.activity.deleted
    assert deleted.shifts.removed == 12
    assert [s.uuid for s in deleted.shifts.orphaned] == [booked.uuid]
    assert [s.uuid for s in activities.orphaned_shifts()] == [booked.uuid]
    with pytest.raises(NotFoundError):
        activities.get(saved.activity.uuid)
    restored = activities.restore(saved.activity.uuid, today=TODAY)
    assert restored.shifts.added == 12
    assert activities.orphaned_shifts() == []


def test_a_stale_edit_is_refused(activities: ActivityService, group: OrganisationRecord) -> None:
    saved = activities.create(plan(group), today=TODAY)
    activities.update(saved.activity.uuid, plan(group, place="Capel"), today=TODAY)
    with pytest.raises(ConflictError):
        activities.update(
            saved.activity.uuid,
            plan(group, place="Eglwys"),
            expected_version=saved.activity.version,
            today=TODAY,
        )


def test_bad_details_are_refused_naming_every_field(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    with pytest.raises(ValidationError) as caught:
        activities.create(
            plan(
                group,
                title_en=" ",
                start_time=dt.time(10),
                end_time=dt.time(10),
                skills_required=("driving", "juggling"),
                volunteers_needed=0,
                postcode="not a postcode",
                recurrence=replace(weekly(TUE), interval=99),
            ),
            today=TODAY,
        )
    fields = {error.field for error in caught.value.errors}
    assert fields == {
        "title_en",
        "end_time",
        "skills_required",
        "volunteers_needed",
        "postcode",
        "recurrence",
    }
    with pytest.raises(ValidationError, match="No group"):
        activities.create(replace(plan(group), group_uuid="nobody"), today=TODAY)


def test_the_monthly_first_tuesday_pattern_and_skills_are_kept(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(
        plan(
            group,
            recurrence=monthly_on_weekday(1, TUE),
            skills_required=("driving", "food_hygiene"),
            dbs_level_required=DbsLevel.ENHANCED,
            welsh_required=True,
        ),
        today=TODAY,
    )
    record = activities.get(saved.activity.uuid)
    assert record.recurrence == monthly_on_weekday(1, TUE)
    assert record.skills_required == ("driving", "food_hygiene")
    assert record.dbs_level_required is DbsLevel.ENHANCED
    assert days(activities, saved.activity.uuid) == [
        dt.date(2025, 3, 4),
        dt.date(2025, 4, 1),
        dt.date(2025, 5, 6),
    ]


def test_the_horizon_setting(activities: ActivityService, group: OrganisationRecord) -> None:
    assert activities.horizon_days() == 91
    activities.set_horizon_days(28)
    saved = activities.create(plan(group), today=TODAY)
    assert saved.shifts.added == 4
    with pytest.raises(ValidationError):
        activities.set_horizon_days(3)


def test_the_activity_list_shows_the_next_shift(
    activities: ActivityService, group: OrganisationRecord
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    rows = activities.list(now=dt.datetime(2025, 3, 5, 9))
    assert [(r.uuid, r.next_shift) for r in rows] == [
        (saved.activity.uuid, dt.datetime(2025, 3, 11, 10))
    ]


def test_declined_bookings_do_not_keep_a_dropped_date(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    saved = activities.create(plan(group), today=TODAY)
    shift = activities.shifts(saved.activity.uuid)[0]
    booking = rosters.assign(shift.uuid, make_volunteer().uuid)
    rosters.set_status(booking.uuid, AssignmentStatus.DECLINED)
    changed = activities.update(
        saved.activity.uuid, plan(group, recurrence=weekly(WED)), today=TODAY
    )
    assert changed.shifts.orphaned == ()
    assert changed.shifts.removed == 13
