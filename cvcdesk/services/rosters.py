"""Rosters: who is on which shift. Assigning volunteers (with the clashes and DBS problems shown
before saving), suggestions ranked for a shift, a volunteer on an activity's whole pattern,
statuses and hours. The printed roster, sign-in sheet and schedule are in roster_printing."""

from __future__ import annotations

import builtins
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cvcdesk.domain.enums import AssignmentStatus, AuditAction, DbsLevel, VolunteerStatus
from cvcdesk.domain.errors import (
    ConflictError,
    CvcError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from cvcdesk.domain.recurrence import elapsed_hours
from cvcdesk.domain.validation import (
    InvalidValue,
    postcode_area_code,
    postcode_parts,
)
from cvcdesk.i18n import (
    _,
    current_language,
    format_date,
    format_datetime,
    format_number,
    format_time,
    ngettext,
    weekday_name,
)
from cvcdesk.reports.data import Bilingual
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m

ASSIGNMENT = "assignment"
REGULAR = "activity_regular"
# The CVC's letterhead on printed documents (see roster_printing).
SETTING_CVC_NAME_EN = "print.cvc_name_en"
SETTING_CVC_NAME_CY = "print.cvc_name_cy"
SETTING_LOGO = "print.logo"

# Bookings that hold a volunteer's time (a declined one does not).
_HOLDING = (
    AssignmentStatus.CONFIRMED.value,
    AssignmentStatus.TENTATIVE.value,
    AssignmentStatus.ATTENDED.value,
)
_ON_ROSTER = (*_HOLDING, AssignmentStatus.NO_SHOW.value)
_WELSH_SCORE = {"fluent": 2.0, "conversational": 1.5, "learner": 0.5, "none": 0.0}
_CANDIDATES_NEARBY = 300


class ProblemKind(StrEnum):
    CLASH = "clash"
    DBS_LEVEL = "dbs_level"
    DBS_OVERDUE = "dbs_overdue"
    AWAY = "away"
    NOT_ACTIVE = "not_active"
    CANCELLED = "cancelled"
    UNAVAILABLE = "unavailable"
    NO_WELSH = "no_welsh"
    SKILLS = "skills"
    FULL = "full"


SERIOUS = frozenset(
    {
        ProblemKind.CLASH,
        ProblemKind.DBS_LEVEL,
        ProblemKind.DBS_OVERDUE,
        ProblemKind.AWAY,
        ProblemKind.NOT_ACTIVE,
        ProblemKind.CANCELLED,
    }
)
"""Problems a coordinator must confirm before the booking is saved; the others are notes."""


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str  # one sentence in the coordinator's language

    @property
    def serious(self) -> bool:
        return self.kind in SERIOUS


class AssignmentRefused(CvcError):
    """The booking was not saved because of problems the coordinator has not accepted."""

    def __init__(self, name: str, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            _("{name} was not booked. {problems}").format(
                name=name, problems=" ".join(p.message for p in self.problems)
            )
        )


@dataclass(frozen=True, kw_only=True)
class ShiftRecord:
    uuid: str
    activity_uuid: str
    title: str
    group_uuid: str
    group_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    cancelled: bool
    orphaned: bool
    volunteers_needed: int
    booked: int  # bookings that hold the volunteer's time (not declined)
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class AssignmentRecord:
    uuid: str
    shift_uuid: str
    activity_uuid: str
    activity_title: str
    volunteer_uuid: str
    volunteer_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: AssignmentStatus
    hours: float | None
    notes: str
    version: int


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    volunteer_uuid: str
    name: str
    reference: str
    score: float
    reasons: tuple[str, ...]  # why they suit the shift, one short sentence each
    problems: tuple[Problem, ...]
    hours_this_month: float

    @property
    def serious(self) -> bool:
        return any(p.serious for p in self.problems)


@dataclass(frozen=True, kw_only=True)
class SkippedBooking:
    shift: ShiftRecord
    volunteer_uuid: str
    volunteer_name: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True, kw_only=True)
class RegularRecord:
    uuid: str
    activity_uuid: str
    volunteer_uuid: str
    volunteer_name: str
    status: AssignmentStatus
    since: dt.date
    until: dt.date | None


@dataclass(frozen=True, kw_only=True)
class PatternBooking:
    regular: RegularRecord
    booked: tuple[AssignmentRecord, ...]
    skipped: tuple[SkippedBooking, ...]


# ---- what the checks read ------------------------------------------------------------------


@dataclass(frozen=True)
class _Shift:
    id: int
    uuid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    cancelled: bool
    orphaned: bool
    activity_id: int
    activity_uuid: str
    title: Bilingual
    organisation_id: int
    dbs_required: str
    welsh_required: bool
    skills: frozenset[str]
    postcode: str
    area_code: str
    needed: int

    def title_in(self, language: str | None = None) -> str:
        return self.title.get(language or current_language())


@dataclass(frozen=True)
class _Person:
    id: int
    uuid: str
    name: str
    reference: str
    status: str
    dbs_level: str
    dbs_due: dt.date | None
    fluency: str
    language: str
    postcode: str
    skills: frozenset[str]
    slots: tuple[tuple[int, dt.time, dt.time], ...]
    away: tuple[tuple[dt.date, dt.date, str], ...]


@dataclass(frozen=True)
class _Booking:
    shift_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: Bilingual


def display_name(first: str, last: str, known_as: str = "") -> str:
    return f"{known_as or first} {last}".strip()


def _person(row: m.Volunteer) -> _Person:
    return _Person(
        id=row.id,
        uuid=row.uuid,
        name=display_name(row.first_name, row.last_name, row.known_as),
        reference=row.reference or "",
        status=row.status,
        dbs_level=row.dbs_level,
        dbs_due=row.dbs_renewal_due,
        fluency=row.welsh_fluency or "none",
        language=row.preferred_language or "en",
        postcode=row.postcode or "",
        skills=frozenset(s.skill_code for s in row.skills),
        slots=tuple((a.weekday, a.start_time, a.end_time) for a in row.availability),
        away=tuple((a.start_date, a.end_date, a.reason) for a in row.away),
    )


def _load_people(session: Session, ids: Collection[int]) -> dict[int, _Person]:
    people: dict[int, _Person] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        rows = session.scalars(
            select(m.Volunteer)
            .options(
                selectinload(m.Volunteer.skills),
                selectinload(m.Volunteer.availability),
                selectinload(m.Volunteer.away),
            )
            .where(m.Volunteer.id.in_(ordered[start : start + 500]))
        )
        for row in rows:
            people[row.id] = _person(row)
    return people


def _shift_info(row: m.Shift, activity: m.Activity) -> _Shift:
    area_code = activity.area.code if activity.area is not None else ""
    return _Shift(
        id=row.id,
        uuid=row.uuid,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        cancelled=row.cancelled,
        orphaned=row.orphaned,
        activity_id=activity.id,
        activity_uuid=activity.uuid,
        title=Bilingual(activity.title_en, activity.title_cy),
        organisation_id=activity.organisation_id,
        dbs_required=activity.dbs_level_required or DbsLevel.NONE.value,
        welsh_required=activity.welsh_required,
        skills=frozenset((activity.skills_required or "").split()),
        postcode=activity.postcode or "",
        area_code=area_code,
        needed=activity.volunteers_needed,
    )


def _bookings(
    session: Session,
    volunteer_ids: Collection[int],
    lo: dt.datetime,
    hi: dt.datetime,
) -> dict[int, list[_Booking]]:
    """Each volunteer's bookings that hold their time and overlap [lo, hi)."""
    found: dict[int, list[_Booking]] = defaultdict(list)
    ordered = sorted(volunteer_ids)
    for start in range(0, len(ordered), 500):
        rows = session.execute(
            select(
                m.Assignment.volunteer_id,
                m.Shift.id,
                m.Shift.starts_at,
                m.Shift.ends_at,
                m.Activity.title_en,
                m.Activity.title_cy,
            )
            .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
            .join(m.Activity, m.Activity.id == m.Shift.activity_id)
            .where(
                m.Assignment.volunteer_id.in_(ordered[start : start + 500]),
                m.Assignment.deleted.is_(False),
                m.Assignment.status.in_(_HOLDING),
                m.Shift.deleted.is_(False),
                m.Shift.cancelled.is_(False),
                m.Activity.deleted.is_(False),
                m.Shift.starts_at < hi,
                m.Shift.ends_at > lo,
            )
        )
        for vid, sid, starts, ends, title_en, title_cy in rows:
            found[vid].append(_Booking(sid, starts, ends, Bilingual(title_en, title_cy)))
    return found


def _booked_count(session: Session, shift_id: int) -> int:
    return len(
        session.scalars(
            select(m.Assignment.id).where(
                m.Assignment.shift_id == shift_id,
                m.Assignment.deleted.is_(False),
                m.Assignment.status.in_(_HOLDING),
            )
        ).all()
    )


def _moment(value: dt.datetime) -> str:
    return format_datetime(value, "short")


def _covers(slots: Iterable[tuple[int, dt.time, dt.time]], shift: _Shift) -> bool | None:
    """True when a weekly availability slot holds the whole shift; None when none are set."""
    listed = list(slots)
    if not listed:
        return None
    start = shift.starts_at.time()
    end = shift.ends_at.time() if shift.ends_at.date() == shift.starts_at.date() else dt.time.max
    for weekday, slot_start, slot_end in listed:
        if weekday == shift.starts_at.weekday() and slot_start <= start and end <= slot_end:
            return True
    return False


def problems_for(
    shift: _Shift,
    person: _Person,
    bookings: Iterable[_Booking],
    *,
    booked: int | None = None,
) -> list[Problem]:
    """Everything a coordinator should know before putting `person` on `shift`."""
    found: list[Problem] = []
    title = shift.title_in()
    if person.status != VolunteerStatus.ACTIVE.value:
        found.append(
            Problem(
                ProblemKind.NOT_ACTIVE,
                _("{name} is not active (status: {status}).").format(
                    name=person.name, status=VolunteerStatus(person.status).label
                ),
            )
        )
    if shift.cancelled:
        found.append(Problem(ProblemKind.CANCELLED, _("This shift is cancelled.")))
    for other in sorted(bookings, key=lambda b: b.starts_at):
        if other.shift_id == shift.id:
            continue
        if other.starts_at < shift.ends_at and other.ends_at > shift.starts_at:
            found.append(
                Problem(
                    ProblemKind.CLASH,
                    _("{name} is already booked for {activity} from {start} to {end}.").format(
                        name=person.name,
                        activity=other.title.get(current_language()),
                        start=_moment(other.starts_at),
                        end=format_time(other.ends_at.time()),
                    ),
                )
            )
    needed, has = _level(shift.dbs_required), _level(person.dbs_level)
    if needed.rank > has.rank:
        found.append(
            Problem(
                ProblemKind.DBS_LEVEL,
                _(
                    "{activity} needs a DBS check at level {needed}; this volunteer has {has}."
                ).format(activity=title, needed=needed.label, has=has.label),
            )
        )
    elif (
        needed is not DbsLevel.NONE
        and person.dbs_due is not None
        and person.dbs_due < shift.starts_at.date()
    ):
        found.append(
            Problem(
                ProblemKind.DBS_OVERDUE,
                _("The DBS renewal was due on {due}.").format(due=format_date(person.dbs_due)),
            )
        )
    first_day = shift.starts_at.date()
    last_day = (shift.ends_at - dt.timedelta(microseconds=1)).date()
    for start, end, reason in person.away:
        if start <= last_day and end >= first_day:
            if reason:
                message = _("{name} is away from {start} to {end} ({reason}).").format(
                    name=person.name, start=format_date(start), end=format_date(end), reason=reason
                )
            else:
                message = _("{name} is away from {start} to {end}.").format(
                    name=person.name, start=format_date(start), end=format_date(end)
                )
            found.append(Problem(ProblemKind.AWAY, message))
    if _covers(person.slots, shift) is False:
        found.append(
            Problem(
                ProblemKind.UNAVAILABLE,
                _("{name} is not usually free on {day} from {start} to {end}.").format(
                    name=person.name,
                    day=weekday_name(shift.starts_at.weekday()),
                    start=format_time(shift.starts_at.time()),
                    end=format_time(shift.ends_at.time()),
                ),
            )
        )
    if shift.welsh_required and _WELSH_SCORE.get(person.fluency, 0.0) < 1.0:
        found.append(
            Problem(
                ProblemKind.NO_WELSH,
                _("{activity} asks for a Welsh speaker; {name} is not fluent.").format(
                    activity=title, name=person.name
                ),
            )
        )
    missing = sorted(shift.skills - person.skills)
    if missing:
        found.append(
            Problem(
                ProblemKind.SKILLS,
                _("{activity} asks for skills {name} has not recorded: {skills}.").format(
                    activity=title, name=person.name, skills=", ".join(missing)
                ),
            )
        )
    if booked is not None and booked >= shift.needed:
        found.append(
            Problem(
                ProblemKind.FULL,
                ngettext(
                    "The shift already has the {n} volunteer it needs.",
                    "The shift already has the {n} volunteers it needs.",
                    shift.needed,
                ).format(n=shift.needed),
            )
        )
    return found


def _level(value: str) -> DbsLevel:
    try:
        return DbsLevel(value)
    except ValueError:
        return DbsLevel.NONE


def _district(code: str) -> tuple[str, str, str] | None:
    """(area letters, district, sector) of a postcode or postcode area; None if it is not one."""
    try:
        parts = postcode_parts(postcode_area_code(code))
    except InvalidValue:
        return None
    letters = "".join(ch for ch in parts.district if ch.isalpha())
    sector = parts.sector if parts.sector != parts.district else ""
    return letters, parts.district, sector


def _nearness(home: str, place: str) -> tuple[float, str]:
    """A score for how near a volunteer lives to the work, by postcode area, and why."""
    mine, theirs = _district(home) if home else None, _district(place) if place else None
    if mine is None or theirs is None:
        return 0.0, ""
    if mine[2] and mine[2] == theirs[2]:
        return 2.0, _("Lives in the same postcode sector ({sector}).").format(sector=mine[2])
    if mine[1] == theirs[1]:
        return 1.5, _("Lives in the same postcode district ({district}).").format(district=mine[1])
    if mine[0] == theirs[0]:
        return 0.5, _("Lives in the same postcode area ({area}).").format(area=mine[0])
    return 0.0, _("Lives further away ({district}).").format(district=mine[1])


def _hours_of(starts: dt.datetime, ends: dt.datetime, status: str, hours: float | None) -> float:
    if status == AssignmentStatus.ATTENDED.value and hours is not None:
        return hours
    return elapsed_hours(starts, ends)


def _month(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(following, dt.time())


def _monthly_hours(session: Session, ids: Collection[int], day: dt.date) -> dict[int, float]:
    lo, hi = _month(day)
    totals: dict[int, float] = defaultdict(float)
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        rows = session.execute(
            select(
                m.Assignment.volunteer_id,
                m.Shift.starts_at,
                m.Shift.ends_at,
                m.Assignment.status,
                m.Assignment.hours,
            )
            .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
            .where(
                m.Assignment.volunteer_id.in_(ordered[start : start + 500]),
                m.Assignment.deleted.is_(False),
                m.Assignment.status.in_(_HOLDING),
                m.Shift.deleted.is_(False),
                m.Shift.cancelled.is_(False),
                m.Shift.starts_at >= lo,
                m.Shift.starts_at < hi,
            )
        )
        for vid, starts, ends, status, hours in rows:
            totals[vid] += _hours_of(starts, ends, status, hours)
    return totals


def book_regulars(
    session: Session,
    activity: m.Activity,
    shifts: Sequence[m.Shift],
    stamp: Callable[[m.Shareable], None],
) -> tuple[int, list[SkippedBooking]]:
    """Book an activity's regular volunteers onto newly made shifts, in the caller's
    transaction. A shift where a regular has a serious problem (a clash, time away, a DBS
    problem) is left for the coordinator, and reported."""
    live = [s for s in shifts if not s.cancelled and not s.deleted]
    if not live:
        return 0, []
    regulars = list(
        session.scalars(
            select(m.ActivityRegular).where(
                m.ActivityRegular.activity_id == activity.id,
                m.ActivityRegular.deleted.is_(False),
            )
        )
    )
    if not regulars:
        return 0, []
    people = _load_people(session, {r.volunteer_id for r in regulars})
    lo = min(s.starts_at for s in live)
    hi = max(s.ends_at for s in live)
    bookings = _bookings(session, people, lo, hi)
    taken = {
        (shift_id, vid)
        for shift_id, vid in session.execute(
            select(m.Assignment.shift_id, m.Assignment.volunteer_id).where(
                m.Assignment.shift_id.in_([s.id for s in live])
            )
        )
    }
    booked = 0
    skipped: list[SkippedBooking] = []
    for shift in sorted(live, key=lambda s: s.starts_at):
        info = _shift_info(shift, activity)
        count = _booked_count(session, shift.id)
        for regular in regulars:
            person = people.get(regular.volunteer_id)
            day = shift.starts_at.date()
            if person is None or day < regular.since or (regular.until and day > regular.until):
                continue
            if (shift.id, person.id) in taken:
                continue
            problems = problems_for(info, person, bookings.get(person.id, ()))
            if any(p.serious for p in problems):
                skipped.append(
                    SkippedBooking(
                        shift=_shift_record(session, shift, activity, booked=count),
                        volunteer_uuid=person.uuid,
                        volunteer_name=person.name,
                        problems=tuple(problems),
                    )
                )
                continue
            row = m.Assignment(shift_id=shift.id, volunteer_id=person.id, status=regular.status)
            stamp(row)
            session.add(row)
            taken.add((shift.id, person.id))
            bookings[person.id].append(
                _Booking(shift.id, shift.starts_at, shift.ends_at, info.title)
            )
            booked += 1
            count += 1
    session.flush()
    return booked, skipped


def _shift_record(
    session: Session, row: m.Shift, activity: m.Activity, *, booked: int | None = None
) -> ShiftRecord:
    lang = current_language()
    organisation = activity.organisation
    return ShiftRecord(
        uuid=row.uuid,
        activity_uuid=activity.uuid,
        title=Bilingual(activity.title_en, activity.title_cy).get(lang),
        group_uuid=organisation.uuid,
        group_name=Bilingual(organisation.name_en, organisation.name_cy).get(lang),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        cancelled=row.cancelled,
        orphaned=row.orphaned,
        volunteers_needed=activity.volunteers_needed,
        booked=_booked_count(session, row.id) if booked is None else booked,
        notes=row.notes,
    )


def shift_record(session: Session, row: m.Shift) -> ShiftRecord:
    return _shift_record(session, row, row.activity)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# ---- the service ---------------------------------------------------------------------------


def load_shift(session: Session, uuid: str) -> m.Shift:
    row = session.scalar(
        select(m.Shift)
        .options(
            selectinload(m.Shift.activity).selectinload(m.Activity.organisation),
            selectinload(m.Shift.activity).selectinload(m.Activity.area),
        )
        .where(m.Shift.uuid == uuid)
    )
    if row is None or row.deleted or row.activity.deleted:
        raise NotFoundError(_("No shift has the id “{key}”.").format(key=uuid))
    return row


def load_activity(session: Session, uuid: str) -> m.Activity:
    row = session.scalar(select(m.Activity).where(m.Activity.uuid == uuid))
    if row is None or row.deleted:
        raise NotFoundError(_("No activity has the id “{key}”.").format(key=uuid))
    return row


def load_volunteer(session: Session, uuid: str) -> m.Volunteer:
    row = session.scalar(
        select(m.Volunteer)
        .options(
            selectinload(m.Volunteer.skills),
            selectinload(m.Volunteer.availability),
            selectinload(m.Volunteer.away),
        )
        .where(m.Volunteer.uuid == uuid)
    )
    if row is None or row.deleted:
        raise NotFoundError(_("No volunteer has the id “{key}”.").format(key=uuid))
    return row


def load_assignment(session: Session, uuid: str) -> m.Assignment:
    row = session.scalar(
        select(m.Assignment)
        .options(
            selectinload(m.Assignment.shift).selectinload(m.Shift.activity),
            selectinload(m.Assignment.volunteer),
        )
        .where(m.Assignment.uuid == uuid)
    )
    if row is None or row.deleted:
        raise NotFoundError(_("No booking has the id “{key}”.").format(key=uuid))
    return row


class RosterService(ServiceBase):
    # ---- reading ---------------------------------------------------------------------------

    def shift(self, uuid: str) -> ShiftRecord:
        with self._read() as session:
            return shift_record(session, load_shift(session, uuid))

    def assignments(self, shift_uuid: str) -> builtins.list[AssignmentRecord]:
        """Everyone booked on a shift (declined bookings too), by name."""
        with self._read() as session:
            shift = load_shift(session, shift_uuid)
            rows = session.scalars(
                select(m.Assignment)
                .options(selectinload(m.Assignment.volunteer))
                .where(m.Assignment.shift_id == shift.id, m.Assignment.deleted.is_(False))
            )
            records = [self._record(row, shift) for row in rows]
            return sorted(records, key=lambda r: (r.volunteer_name.casefold(), r.uuid))

    def volunteer_assignments(
        self, volunteer_uuid: str, *, date_from: dt.date, date_to: dt.date
    ) -> builtins.list[AssignmentRecord]:
        """A volunteer's bookings on shifts starting from `date_from` to `date_to` inclusive."""
        with self._read() as session:
            person = load_volunteer(session, volunteer_uuid)
            rows = session.scalars(
                select(m.Assignment)
                .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
                .options(
                    selectinload(m.Assignment.shift).selectinload(m.Shift.activity),
                    selectinload(m.Assignment.volunteer),
                )
                .where(
                    m.Assignment.volunteer_id == person.id,
                    m.Assignment.deleted.is_(False),
                    m.Shift.deleted.is_(False),
                    m.Shift.starts_at >= dt.datetime.combine(date_from, dt.time()),
                    m.Shift.starts_at < dt.datetime.combine(date_to, dt.time()) + _ONE_DAY,
                )
                .order_by(m.Shift.starts_at, m.Assignment.id)
            )
            return [self._record(row, row.shift) for row in rows]

    def hours(self, volunteer_uuid: str, *, date_from: dt.date, date_to: dt.date) -> float:
        """Hours a volunteer gave (attended shifts) from `date_from` to `date_to` inclusive."""
        return round(
            sum(
                record.hours or 0.0
                for record in self.volunteer_assignments(
                    volunteer_uuid, date_from=date_from, date_to=date_to
                )
                if record.status is AssignmentStatus.ATTENDED
            ),
            2,
        )

    def check(self, shift_uuid: str, volunteer_uuid: str) -> builtins.list[Problem]:
        """What stands in the way of booking this volunteer on this shift (shown before
        saving): clashes, DBS level or renewal, time away, status, availability, Welsh,
        skills, and whether the shift is already full."""
        with self._read() as session:
            shift_row = load_shift(session, shift_uuid)
            info = _shift_info(shift_row, shift_row.activity)
            person = _person(load_volunteer(session, volunteer_uuid))
            bookings = _bookings(session, [person.id], info.starts_at, info.ends_at)
            booked = _booked_count(session, info.id)
            return problems_for(info, person, bookings.get(person.id, ()), booked=booked)

    def suggest(
        self, shift_uuid: str, *, limit: int = 10, nearby: bool = True
    ) -> builtins.list[Suggestion]:
        """Volunteers for a shift, best first: the group's members (and, with `nearby`, other
        active volunteers in the same postcode district), ranked by availability, time away,
        skills, Welsh when the activity asks for it, DBS level, distance by postcode area and
        how many hours they already give this month. Anyone with a serious problem comes last."""
        with self._read() as session:
            shift_row = load_shift(session, shift_uuid)
            info = _shift_info(shift_row, shift_row.activity)
            day = info.starts_at.date()
            ids = set(
                session.scalars(
                    select(m.Membership.volunteer_id)
                    .join(m.Volunteer, m.Volunteer.id == m.Membership.volunteer_id)
                    .where(
                        m.Membership.organisation_id == info.organisation_id,
                        m.Membership.deleted.is_(False),
                        (m.Membership.until.is_(None)) | (m.Membership.until >= day),
                        m.Volunteer.deleted.is_(False),
                        m.Volunteer.status == VolunteerStatus.ACTIVE.value,
                    )
                )
            )
            members = set(ids)
            place = info.postcode or info.area_code
            where = _district(place) if place else None
            if nearby and where is not None:
                ids.update(
                    session.scalars(
                        select(m.Volunteer.id)
                        .where(
                            m.Volunteer.postcode.startswith(where[1] + " "),
                            m.Volunteer.deleted.is_(False),
                            m.Volunteer.status == VolunteerStatus.ACTIVE.value,
                        )
                        .order_by(m.Volunteer.id)
                        .limit(_CANDIDATES_NEARBY)
                    )
                )
            ids -= set(
                session.scalars(
                    select(m.Assignment.volunteer_id).where(
                        m.Assignment.shift_id == info.id, m.Assignment.deleted.is_(False)
                    )
                )
            )
            people = _load_people(session, ids)
            bookings = _bookings(session, ids, info.starts_at, info.ends_at)
            load = _monthly_hours(session, ids, day)
            suggestions = [
                self._suggestion(
                    info,
                    person,
                    bookings.get(person.id, ()),
                    load.get(person.id, 0.0),
                    member=person.id in members,
                    place=place,
                )
                for person in people.values()
            ]
        suggestions.sort(key=lambda s: (s.serious, -s.score, s.name.casefold(), s.volunteer_uuid))
        return suggestions[:limit]

    def regulars(self, activity_uuid: str) -> builtins.list[RegularRecord]:
        with self._read() as session:
            activity = load_activity(session, activity_uuid)
            rows = session.scalars(
                select(m.ActivityRegular).where(
                    m.ActivityRegular.activity_id == activity.id,
                    m.ActivityRegular.deleted.is_(False),
                )
            )
            return sorted(
                (self._regular(session, row, activity) for row in rows),
                key=lambda r: r.volunteer_name.casefold(),
            )

    # ---- writing ---------------------------------------------------------------------------

    def assign(
        self,
        shift_uuid: str,
        volunteer_uuid: str,
        *,
        status: AssignmentStatus = AssignmentStatus.CONFIRMED,
        notes: str = "",
        accept_problems: bool = False,
    ) -> AssignmentRecord:
        """Book a volunteer on a shift. Serious problems (see :meth:`check`) refuse the booking
        with AssignmentRefused unless the coordinator has seen them and `accept_problems`."""
        with self._unit() as session:
            shift_row = load_shift(session, shift_uuid)
            info = _shift_info(shift_row, shift_row.activity)
            volunteer = load_volunteer(session, volunteer_uuid)
            person = _person(volunteer)
            existing = session.scalar(
                select(m.Assignment).where(
                    m.Assignment.shift_id == info.id, m.Assignment.volunteer_id == person.id
                )
            )
            if existing is not None and not existing.deleted:
                raise ConflictError(
                    _("{name} is already on this shift ({status}).").format(
                        name=person.name, status=AssignmentStatus(existing.status).label
                    )
                )
            bookings = _bookings(session, [person.id], info.starts_at, info.ends_at)
            problems = problems_for(info, person, bookings.get(person.id, ()))
            serious = [p for p in problems if p.serious]
            if serious and not accept_problems:
                raise AssignmentRefused(person.name, serious)
            row = existing or m.Assignment(shift_id=info.id, volunteer_id=person.id)
            row.deleted = False
            row.status = status.value
            row.hours = None
            row.notes = notes.strip()
            self._stamp(row)
            session.add(row)
            session.flush()
            self._audit(
                session,
                record_type=ASSIGNMENT,
                record_uuid=row.uuid,
                action=AuditAction.CREATE if existing is None else AuditAction.RESTORE,
                changes={
                    "shift": (None, info.uuid),
                    "volunteer": (None, person.uuid),
                    "status": (None, status.value),
                    **(
                        {"accepted_problems": (None, [p.kind.value for p in serious])}
                        if serious
                        else {}
                    ),
                },
            )
            return self._record(row, shift_row)

    def set_status(
        self,
        assignment_uuid: str,
        status: AssignmentStatus,
        *,
        hours: float | None = None,
        expected_version: int | None = None,
    ) -> AssignmentRecord:
        """Mark a booking confirmed, tentative, declined, attended or no-show. Attended takes
        the hours given, or the shift's length (clock changes counted); others carry none."""
        if hours is not None and not 0 <= hours <= 24:
            raise ValidationError(
                [
                    FieldError(
                        "hours",
                        _("Give hours from 0 to 24 (it was {hours}).").format(
                            hours=format_number(hours)
                        ),
                    )
                ]
            )
        with self._unit() as session:
            row = load_assignment(session, assignment_uuid)
            self._check_version(row, expected_version)
            shift = row.shift
            if status is AssignmentStatus.ATTENDED:
                new_hours: float | None = (
                    hours if hours is not None else elapsed_hours(shift.starts_at, shift.ends_at)
                )
            else:
                new_hours = None
            changes: dict[str, tuple[Any, Any]] = {}
            if row.status != status.value:
                changes["status"] = (row.status, status.value)
            if row.hours != new_hours:
                changes["hours"] = (row.hours, new_hours)
            if changes:
                row.status = status.value
                row.hours = new_hours
                self._stamp(row)
                self._audit(
                    session,
                    record_type=ASSIGNMENT,
                    record_uuid=row.uuid,
                    action=AuditAction.UPDATE,
                    changes=changes,
                )
                session.flush()
            return self._record(row, shift)

    def unassign(self, assignment_uuid: str, *, expected_version: int | None = None) -> None:
        """Take a volunteer off a shift (kept as a tombstone partners learn of)."""
        with self._unit() as session:
            row = load_assignment(session, assignment_uuid)
            self._check_version(row, expected_version)
            row.deleted = True
            self._stamp(row)
            self._audit(
                session,
                record_type=ASSIGNMENT,
                record_uuid=row.uuid,
                action=AuditAction.DELETE,
                changes={"deleted": (False, True)},
            )

    def assign_pattern(
        self,
        activity_uuid: str,
        volunteer_uuid: str,
        *,
        status: AssignmentStatus = AssignmentStatus.CONFIRMED,
        since: dt.date | None = None,
        until: dt.date | None = None,
        accept_problems: bool = False,
        today: dt.date | None = None,
    ) -> PatternBooking:
        """Put a volunteer on an activity's whole pattern from `since` (today by default):
        every planned shift is booked, and shifts planned later as the horizon rolls on are
        booked as they are made. Shifts where the volunteer has a serious problem are skipped
        and reported, unless `accept_problems`."""
        if status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.TENTATIVE):
            raise ValidationError(
                [FieldError("status", _("A regular booking is either confirmed or tentative."))]
            )
        first = since or today or dt.date.today()
        if until is not None and until < first:
            raise ValidationError(
                [
                    FieldError(
                        "until",
                        _("The last date ({end}) is before the first ({start}).").format(
                            end=format_date(until), start=format_date(first)
                        ),
                    )
                ]
            )
        with self._unit() as session:
            activity = load_activity(session, activity_uuid)
            volunteer = load_volunteer(session, volunteer_uuid)
            person = _person(volunteer)
            if person.status != VolunteerStatus.ACTIVE.value and not accept_problems:
                raise AssignmentRefused(
                    person.name,
                    [
                        Problem(
                            ProblemKind.NOT_ACTIVE,
                            _("{name} is not active (status: {status}).").format(
                                name=person.name, status=VolunteerStatus(person.status).label
                            ),
                        )
                    ],
                )
            regular = session.scalar(
                select(m.ActivityRegular).where(
                    m.ActivityRegular.activity_id == activity.id,
                    m.ActivityRegular.volunteer_id == person.id,
                )
            )
            created = regular is None or regular.deleted
            if regular is None:
                regular = m.ActivityRegular(activity_id=activity.id, volunteer_id=person.id)
                session.add(regular)
            regular.deleted = False
            regular.status = status.value
            regular.since = first
            regular.until = until
            self._stamp(regular)
            session.flush()
            shifts = list(
                session.scalars(
                    select(m.Shift)
                    .where(
                        m.Shift.activity_id == activity.id,
                        m.Shift.deleted.is_(False),
                        m.Shift.cancelled.is_(False),
                        m.Shift.orphaned.is_(False),
                        m.Shift.starts_at >= dt.datetime.combine(first, dt.time()),
                    )
                    .order_by(m.Shift.starts_at)
                )
            )
            if until is not None:
                shifts = [s for s in shifts if s.starts_at.date() <= until]
            bookings = (
                _bookings(
                    session,
                    [person.id],
                    min(s.starts_at for s in shifts),
                    max(s.ends_at for s in shifts),
                )
                if shifts
                else {}
            )
            existing = {
                a.shift_id: a
                for a in session.scalars(
                    select(m.Assignment).where(
                        m.Assignment.volunteer_id == person.id,
                        m.Assignment.shift_id.in_([s.id for s in shifts]),
                    )
                )
            }
            booked: list[AssignmentRecord] = []
            skipped: list[SkippedBooking] = []
            for shift in shifts:
                known = existing.get(shift.id)
                if known is not None and not known.deleted:
                    continue
                info = _shift_info(shift, activity)
                problems = problems_for(info, person, bookings.get(person.id, ()))
                if any(p.serious for p in problems) and not accept_problems:
                    skipped.append(
                        SkippedBooking(
                            shift=_shift_record(session, shift, activity),
                            volunteer_uuid=person.uuid,
                            volunteer_name=person.name,
                            problems=tuple(problems),
                        )
                    )
                    continue
                row = known or m.Assignment(shift_id=shift.id, volunteer_id=person.id)
                row.deleted = False
                row.status = status.value
                row.hours = None
                self._stamp(row)
                session.add(row)
                session.flush()
                bookings.setdefault(person.id, []).append(
                    _Booking(shift.id, shift.starts_at, shift.ends_at, info.title)
                )
                booked.append(self._record(row, shift))
            self._audit(
                session,
                record_type=REGULAR,
                record_uuid=regular.uuid,
                action=AuditAction.CREATE if created else AuditAction.UPDATE,
                changes={
                    "activity": (None, activity.uuid),
                    "volunteer": (None, person.uuid),
                    "status": (None, status.value),
                    "since": (None, first),
                    "until": (None, until),
                    "booked": (None, len(booked)),
                    "skipped": (None, len(skipped)),
                },
            )
            return PatternBooking(
                regular=self._regular(session, regular, activity),
                booked=tuple(booked),
                skipped=tuple(skipped),
            )

    def end_pattern(
        self,
        activity_uuid: str,
        volunteer_uuid: str,
        *,
        from_date: dt.date | None = None,
        today: dt.date | None = None,
    ) -> int:
        """Take a volunteer off an activity's pattern from `from_date` (today by default): their
        confirmed and tentative bookings from then on are removed. Returns how many."""
        first = from_date or today or dt.date.today()
        with self._unit() as session:
            activity = load_activity(session, activity_uuid)
            volunteer = load_volunteer(session, volunteer_uuid)
            regular = session.scalar(
                select(m.ActivityRegular).where(
                    m.ActivityRegular.activity_id == activity.id,
                    m.ActivityRegular.volunteer_id == volunteer.id,
                    m.ActivityRegular.deleted.is_(False),
                )
            )
            if regular is None:
                raise NotFoundError(
                    _("{name} is not on the whole pattern of {activity}.").format(
                        name=display_name(
                            volunteer.first_name, volunteer.last_name, volunteer.known_as
                        ),
                        activity=Bilingual(activity.title_en, activity.title_cy).get(
                            current_language()
                        ),
                    )
                )
            if first <= regular.since:
                regular.deleted = True
            else:
                regular.until = first - _ONE_DAY
            self._stamp(regular)
            rows = list(
                session.scalars(
                    select(m.Assignment)
                    .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
                    .where(
                        m.Shift.activity_id == activity.id,
                        m.Shift.starts_at >= dt.datetime.combine(first, dt.time()),
                        m.Assignment.volunteer_id == volunteer.id,
                        m.Assignment.deleted.is_(False),
                        m.Assignment.status.in_(
                            (AssignmentStatus.CONFIRMED.value, AssignmentStatus.TENTATIVE.value)
                        ),
                    )
                )
            )
            for row in rows:
                row.deleted = True
                self._stamp(row)
            self._audit(
                session,
                record_type=REGULAR,
                record_uuid=regular.uuid,
                action=AuditAction.DELETE if regular.deleted else AuditAction.UPDATE,
                changes={"until": (None, first), "removed": (None, len(rows))},
            )
            return len(rows)

    # ---- helpers ---------------------------------------------------------------------------

    def _suggestion(
        self,
        shift: _Shift,
        person: _Person,
        bookings: Iterable[_Booking],
        hours: float,
        *,
        member: bool,
        place: str,
    ) -> Suggestion:
        problems = problems_for(shift, person, bookings)
        reasons: list[str] = []
        score = 0.0
        covered = _covers(person.slots, shift)
        if covered:
            score += 3.0
            reasons.append(_("Usually free at this time."))
        elif covered is None:
            score += 1.0
        if member:
            score += 1.0
            reasons.append(_("A member of the group."))
        near, why = _nearness(person.postcode, place)
        score += near
        if why:
            reasons.append(why)
        if shift.skills:
            held = shift.skills & person.skills
            score += 2.0 * len(held) / len(shift.skills)
            if held:
                reasons.append(
                    _("Has the skills asked for: {skills}.").format(skills=", ".join(sorted(held)))
                )
        if shift.welsh_required:
            score += _WELSH_SCORE.get(person.fluency, 0.0)
            if person.language == "cy":
                score += 0.5
            if _WELSH_SCORE.get(person.fluency, 0.0) >= 1.0:
                reasons.append(_("Speaks Welsh."))
        if _level(shift.dbs_required).rank > 0 and not any(
            p.kind in (ProblemKind.DBS_LEVEL, ProblemKind.DBS_OVERDUE) for p in problems
        ):
            reasons.append(_("Has the DBS check this work needs."))
        score -= min(hours / 8.0, 3.0)
        reasons.append(
            _("Booked for {hours} hours this month.").format(hours=format_number(round(hours, 1)))
        )
        score -= sum(0.5 for p in problems if not p.serious)
        return Suggestion(
            volunteer_uuid=person.uuid,
            name=person.name,
            reference=person.reference,
            score=round(score, 3),
            reasons=tuple(reasons),
            problems=tuple(problems),
            hours_this_month=round(hours, 2),
        )

    def _record(self, row: m.Assignment, shift: m.Shift) -> AssignmentRecord:
        volunteer = row.volunteer
        activity = shift.activity
        return AssignmentRecord(
            uuid=row.uuid,
            shift_uuid=shift.uuid,
            activity_uuid=activity.uuid,
            activity_title=Bilingual(activity.title_en, activity.title_cy).get(current_language()),
            volunteer_uuid=volunteer.uuid,
            volunteer_name=display_name(
                volunteer.first_name, volunteer.last_name, volunteer.known_as
            ),
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            status=AssignmentStatus(row.status),
            hours=row.hours,
            notes=row.notes,
            version=row.version,
        )

    def _regular(
        self, session: Session, row: m.ActivityRegular, activity: m.Activity
    ) -> RegularRecord:
        volunteer = session.get(m.Volunteer, row.volunteer_id)
        assert volunteer is not None
        return RegularRecord(
            uuid=row.uuid,
            activity_uuid=activity.uuid,
            volunteer_uuid=volunteer.uuid,
            volunteer_name=display_name(
                volunteer.first_name, volunteer.last_name, volunteer.known_as
            ),
            status=AssignmentStatus(row.status),
            since=row.since,
            until=row.until,
        )

    @staticmethod
    def _check_version(row: m.Assignment, expected_version: int | None) -> None:
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                _(
                    "This booking was changed by someone else since you opened it. Your "
                    "changes were not saved; look at it again to see theirs."
                )
            )


_ONE_DAY = dt.timedelta(days=1)
