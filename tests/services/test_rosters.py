"""Putting volunteers on shifts: problems shown before saving, suggestions in a sensible order,
a volunteer on a whole pattern, statuses and hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from cvcdesk.domain.enums import (
    AlertKind,
    AssignmentStatus,
    ConsentMethod,
    DbsLevel,
    Language,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.recurrence import Recurrence, weekly
from cvcdesk.domain.volunteer import AvailabilitySlot, AwayPeriod, Membership, VolunteerRecord
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.overlaps import find_double_bookings
from cvcdesk.services.rosters import AssignmentRefused, ProblemKind, RosterService
from cvcdesk.store.database import Database

TODAY = dt.date(2025, 3, 3)  # a Monday
TUE, WED = 1, 2
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


@pytest.fixture
def activity(activities: ActivityService, group: OrganisationRecord) -> str:
    return make_activity(activities, group)


def make_activity(activities: ActivityService, group: OrganisationRecord, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "group_uuid": group.uuid,
        "title_en": "Food run",
        "title_cy": "Rhediad bwyd",
        "postcode": "SA61 1AB",
        "recurrence": weekly(TUE),
        "start_date": TODAY,
        "start_time": dt.time(10),
        "end_time": dt.time(12),
        "volunteers_needed": 2,
    }
    values.update(overrides)
    return activities.create(ActivityData(**values), today=TODAY).activity.uuid


def first_shift(activities: ActivityService, activity: str) -> str:
    return activities.shifts(activity)[0].uuid


def kinds(problems: Any) -> set[ProblemKind]:
    return {p.kind for p in problems}


def test_a_booking_is_saved_and_listed(
    activities: ActivityService,
    rosters: RosterService,
    activity: str,
    make_volunteer: MakeVolunteer,
) -> None:
    shift = first_shift(activities, activity)
    volunteer = make_volunteer(first_name="Gwenllian", last_name="Ŵyn")
    record = rosters.assign(shift, volunteer.uuid, status=AssignmentStatus.TENTATIVE)
    assert record.volunteer_name == "Gwenllian Ŵyn"
    assert record.status is AssignmentStatus.TENTATIVE
    assert [a.uuid for a in rosters.assignments(shift)] == [record.uuid]
    assert rosters.shift(shift).booked == 1
    with pytest.raises(ConflictError, match="already on this shift"):
        rosters.assign(shift, volunteer.uuid)


def test_a_clash_is_shown_before_saving_and_refused_until_accepted(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_organisation: MakeOrganisation,
    make_volunteer: MakeVolunteer,
    db: Database,
) -> None:
    ours = make_activity(activities, group)
    theirs = make_activity(
        activities,
        make_organisation(name_en="Chapel"),
        title_en="Lunch club",
        start_time=dt.time(11),
        end_time=dt.time(13),
    )
    volunteer = make_volunteer()
    rosters.assign(first_shift(activities, theirs), volunteer.uuid)
    shift = first_shift(activities, ours)
    problems = rosters.check(shift, volunteer.uuid)
    assert ProblemKind.CLASH in kinds(problems)
    assert any("Lunch club" in p.message for p in problems)
    with pytest.raises(AssignmentRefused) as refused:
        rosters.assign(shift, volunteer.uuid)
    assert kinds(refused.value.problems) == {ProblemKind.CLASH}
    assert rosters.assignments(shift) == []
    rosters.assign(shift, volunteer.uuid, accept_problems=True)
    # The double-booking detector sees what the coordinator accepted.
    with db.session_factory() as session:
        findings = find_double_bookings(session)
    assert [f.kind for f in findings] == [AlertKind.DOUBLE_BOOKING]


def test_back_to_back_shifts_do_not_clash(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    morning = make_activity(activities, group)
    afternoon = make_activity(activities, group, start_time=dt.time(12), end_time=dt.time(14))
    volunteer = make_volunteer()
    rosters.assign(first_shift(activities, morning), volunteer.uuid)
    assert ProblemKind.CLASH not in kinds(
        rosters.check(first_shift(activities, afternoon), volunteer.uuid)
    )


def test_dbs_level_and_overdue_renewals_are_problems(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    activity = make_activity(activities, group, dbs_level_required=DbsLevel.ENHANCED)
    shift = first_shift(activities, activity)
    basic = make_volunteer(dbs_level=DbsLevel.BASIC, dbs_renewal_due=dt.date(2026, 1, 1))
    overdue = make_volunteer(dbs_level=DbsLevel.ENHANCED, dbs_renewal_due=dt.date(2025, 1, 1))
    fine = make_volunteer(dbs_level=DbsLevel.ENHANCED, dbs_renewal_due=dt.date(2026, 1, 1))
    lacking = rosters.check(shift, basic.uuid)
    assert kinds(lacking) == {ProblemKind.DBS_LEVEL}
    assert "needs a DBS check at level Enhanced; this volunteer has Basic" in lacking[0].message
    assert kinds(rosters.check(shift, overdue.uuid)) == {ProblemKind.DBS_OVERDUE}
    assert rosters.check(shift, fine.uuid) == []
    with pytest.raises(AssignmentRefused, match="was not booked"):
        rosters.assign(shift, basic.uuid)


def test_time_away_and_status_are_serious_the_rest_are_notes(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    activity = make_activity(
        activities, group, welsh_required=True, skills_required=("driving",), volunteers_needed=1
    )
    shift = first_shift(activities, activity)  # Tuesday 4 March, 10:00-12:00
    away = make_volunteer(away=(AwayPeriod(dt.date(2025, 3, 1), dt.date(2025, 3, 9), "holiday"),))
    paused = make_volunteer(status=VolunteerStatus.PAUSED)
    busy_mornings = make_volunteer(availability=(AvailabilitySlot(TUE, dt.time(14), dt.time(17)),))
    away_problems = rosters.check(shift, away.uuid)
    assert ProblemKind.AWAY in kinds(away_problems)
    assert any("holiday" in p.message for p in away_problems)
    assert ProblemKind.NOT_ACTIVE in kinds(rosters.check(shift, paused.uuid))
    notes = rosters.check(shift, busy_mornings.uuid)
    assert kinds(notes) == {ProblemKind.UNAVAILABLE, ProblemKind.NO_WELSH, ProblemKind.SKILLS}
    assert not any(p.serious for p in notes)
    rosters.assign(shift, busy_mornings.uuid)  # notes alone never refuse a booking
    assert ProblemKind.FULL in kinds(rosters.check(shift, away.uuid))


def test_suggestions_put_the_best_fit_first_and_problems_last(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    activity = make_activity(
        activities,
        group,
        welsh_required=True,
        skills_required=("driving",),
        dbs_level_required=DbsLevel.BASIC,
    )
    shift = first_shift(activities, activity)
    member = (Membership(group.uuid),)
    free = (AvailabilitySlot(TUE, dt.time(9), dt.time(13)),)

    def volunteer(name: str, **overrides: Any) -> VolunteerRecord:
        values: dict[str, Any] = {
            "first_name": name,
            "last_name": "Jones",
            "memberships": member,
            "dbs_level": DbsLevel.BASIC,
            "postcode": "SA61 1AB",
        }
        values.update(overrides)
        return make_volunteer(**values)

    best = volunteer(
        "Llŷr",
        availability=free,
        skills=("driving",),
        welsh_fluency=WelshFluency.FLUENT,
        preferred_language=Language.WELSH,
    )
    english_only = volunteer("Sarah", availability=free, skills=("driving",))
    far_away = volunteer(
        "Ŵyn",
        availability=free,
        skills=("driving",),
        postcode="LL55 4AA",
        welsh_fluency=WelshFluency.FLUENT,
    )
    no_dbs = volunteer(
        "Dai",
        dbs_level=DbsLevel.NONE,
        welsh_fluency=WelshFluency.FLUENT,
        availability=free,
        skills=("driving",),
    )
    on_holiday = volunteer(
        "Non",
        away=(AwayPeriod(TODAY, TODAY + dt.timedelta(days=7)),),
        welsh_fluency=WelshFluency.FLUENT,
        availability=free,
    )
    left = volunteer("Gone", status=VolunteerStatus.LEFT)
    nearby_stranger = volunteer("Huw", memberships=(), postcode="SA61 2DE", availability=free)
    already = volunteer("Booked")
    rosters.assign(shift, already.uuid)

    ranked = rosters.suggest(shift, limit=20)
    order = [s.volunteer_uuid for s in ranked]
    assert order[0] == best.uuid
    assert order.index(best.uuid) < order.index(far_away.uuid) < order.index(english_only.uuid)
    assert set(order[-2:]) == {no_dbs.uuid, on_holiday.uuid}  # serious problems come last
    assert left.uuid not in order and already.uuid not in order
    assert nearby_stranger.uuid in order
    top = ranked[0]
    assert "Speaks Welsh." in top.reasons
    assert "Lives in the same postcode sector (SA61 1)." in top.reasons
    assert not top.problems
    assert ranked[-1].serious
    assert len(rosters.suggest(shift, limit=3)) == 3
    assert nearby_stranger.uuid not in [
        s.volunteer_uuid for s in rosters.suggest(shift, limit=20, nearby=False)
    ]


def test_hours_already_given_this_month_lower_the_rank(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    activity = make_activity(activities, group, start_time=dt.time(18), end_time=dt.time(22))
    busy_activity = make_activity(
        activities,
        group,
        recurrence=Recurrence(),
        start_date=dt.date(2025, 3, 3),
        start_time=dt.time(8),
        end_time=dt.time(16),
        volunteers_needed=5,
    )
    member = (Membership(group.uuid),)
    busy = make_volunteer(first_name="Aaron", memberships=member)
    rested = make_volunteer(first_name="Zac", memberships=member)
    rosters.assign(first_shift(activities, busy_activity), busy.uuid)
    ranked = rosters.suggest(first_shift(activities, activity))
    assert [s.volunteer_uuid for s in ranked][:2] == [rested.uuid, busy.uuid]
    assert ranked[1].hours_this_month == 8.0


def test_a_whole_pattern_is_booked_at_once_skipping_clashing_dates(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    activity = make_activity(activities, group)
    one_off = make_activity(
        activities, group, title_en="Quiz", recurrence=Recurrence(), start_date=dt.date(2025, 3, 18)
    )
    volunteer = make_volunteer()
    rosters.assign(first_shift(activities, one_off), volunteer.uuid)
    result = rosters.assign_pattern(activity, volunteer.uuid, today=TODAY)
    assert len(result.booked) == 12
    assert [s.shift.starts_at.date() for s in result.skipped] == [dt.date(2025, 3, 18)]
    assert kinds(result.skipped[0].problems) == {ProblemKind.CLASH}
    assert [r.volunteer_uuid for r in rosters.regulars(activity)] == [volunteer.uuid]
    # Booking the pattern again books nothing twice.
    again = rosters.assign_pattern(activity, volunteer.uuid, today=TODAY)
    assert again.booked == ()
    removed = rosters.end_pattern(activity, volunteer.uuid, from_date=dt.date(2025, 4, 1))
    assert removed == 9
    assert rosters.regulars(activity)[0].until == dt.date(2025, 3, 31)
    with pytest.raises(NotFoundError):
        rosters.end_pattern(activity, make_volunteer().uuid)


def test_a_pattern_for_someone_not_active_is_refused(
    activities: ActivityService,
    rosters: RosterService,
    activity: str,
    make_volunteer: MakeVolunteer,
) -> None:
    paused = make_volunteer(status=VolunteerStatus.PAUSED)
    with pytest.raises(AssignmentRefused):
        rosters.assign_pattern(activity, paused.uuid, today=TODAY)
    with pytest.raises(ValidationError):
        rosters.assign_pattern(
            activity, make_volunteer().uuid, status=AssignmentStatus.ATTENDED, today=TODAY
        )


def test_statuses_and_hours(
    activities: ActivityService,
    rosters: RosterService,
    group: OrganisationRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    night = make_activity(
        activities,
        group,
        recurrence=Recurrence(),
        start_date=dt.date(2025, 3, 29),  # the night the clocks go forward
        start_time=dt.time(22),
        end_time=dt.time(6),
    )
    volunteer = make_volunteer()
    booking = rosters.assign(first_shift(activities, night), volunteer.uuid)
    attended = rosters.set_status(booking.uuid, AssignmentStatus.ATTENDED)
    assert attended.hours == 7.0
    corrected = rosters.set_status(
        booking.uuid, AssignmentStatus.ATTENDED, hours=6.5, expected_version=attended.version
    )
    assert corrected.hours == 6.5
    assert (
        rosters.hours(volunteer.uuid, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))
        == 6.5
    )
    with pytest.raises(ConflictError):
        rosters.set_status(
            booking.uuid, AssignmentStatus.NO_SHOW, expected_version=attended.version
        )
    no_show = rosters.set_status(booking.uuid, AssignmentStatus.NO_SHOW)
    assert no_show.hours is None
    with pytest.raises(ValidationError, match="from 0 to 24"):
        rosters.set_status(booking.uuid, AssignmentStatus.ATTENDED, hours=30)
    rosters.unassign(booking.uuid)
    assert rosters.assignments(first_shift(activities, night)) == []
    with pytest.raises(NotFoundError):
        rosters.set_status(booking.uuid, AssignmentStatus.CONFIRMED)
    # A booking taken off can be made again.
    again = rosters.assign(first_shift(activities, night), volunteer.uuid)
    assert again.uuid == booking.uuid and again.status is AssignmentStatus.CONFIRMED


def test_a_cancelled_shift_refuses_new_bookings(
    activities: ActivityService,
    rosters: RosterService,
    activity: str,
    make_volunteer: MakeVolunteer,
) -> None:
    shift = activities.shifts(activity)[0]
    activities.cancel_date(activity, shift.starts_at.date(), today=TODAY)
    with pytest.raises(AssignmentRefused, match="cancelled"):
        rosters.assign(shift.uuid, make_volunteer().uuid)


def test_unknown_records_are_named(rosters: RosterService, make_volunteer: MakeVolunteer) -> None:
    with pytest.raises(NotFoundError, match="No shift"):
        rosters.check("missing", make_volunteer().uuid)


def test_consent_fixture_sanity(make_volunteer: MakeVolunteer) -> None:
    sharing = make_volunteer(
        consent_share=True, consent_method=ConsentMethod.PAPER_FORM, consent_date=TODAY
    )
    assert sharing.consent_share
