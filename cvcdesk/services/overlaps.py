"""Duplicated effort on the ground (DESIGN §4): groups covering the same area with the same
service, a household helped twice, a volunteer booked on overlapping shifts, and DBS problems.

Every detector has the same shape, ``(session, *, only=None, ...) -> list[Finding]``. With
``only`` (the uuids of records of any kind changed since the last scan) it returns every
finding that depends on one of them; its companion ``*_scope`` function names the records
those findings are about, so the alert service knows which stored alerts were re-examined.

Reason parameters hold codes, uuids and ISO values, never finished text: the alert list turns
them into names, labels, dates and days in the coordinator's language (``REASON_PARAMS``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cvcdesk.domain.alerts import Finding, Reason, RecordRef, register_reasons
from cvcdesk.domain.enums import AlertKind, AreaKind, AssignmentStatus, DbsLevel, VolunteerStatus
from cvcdesk.i18n import N_
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback
from cvcdesk.store import models as m

DEFAULT_DBS_DUE_DAYS = 30
"""A DBS renewal due within this many days raises an alert (the setting overrides it)."""

_CHUNK = 500  # uuids per IN (...) list, well inside SQLite's limit on parameters
_ALL_DAYS = 127

# How the alert list renders a reason parameter (see REASON_PARAMS).
GROUP = "group"  # organisation uuid -> its name
SERVICE = "service"  # service type code -> its label
AREA = "area"  # area code -> its name
ACTIVITY = "activity"  # activity uuid -> its title
DATE = "date"  # ISO date
DATETIME = "datetime"  # ISO date and time, or HH:MM for a time on the same day
TIME = "time"  # HH:MM, or "" for the end of the day
DAYS = "days"  # weekday bit set (Monday = 1)
DBS = "dbs"  # DbsLevel value
HOUSEHOLD = "household"  # a household's reference, shown as it is
NUMBER = "number"

_TEXTS: dict[str, str] = {
    "coverage.same_service": N_("{group_a} and {group_b} both offer {service}."),
    "coverage.same_area": N_("Both cover {area}."),
    "coverage.nested_area": N_("{inner} lies within {outer}."),
    "coverage.shared_area": N_("{area_a} and {area_b} share postcodes."),
    "coverage.days": N_("Both work on {days}."),
    "coverage.times": N_("Both work between {start} and {end}."),
    "coverage.dates": N_("Both run from {start} to {end}."),
    "coverage.dates_from": N_("Both run from {start}, with no end date."),
    "coverage.dates_until": N_("Both run until {end}."),
    "household.same_service": N_(
        "{group_a} and {group_b} both provide {service} to household {household}."
    ),
    "household.same_address": N_(
        "Households {household} and {other} are the same address (their private match keys agree)."
    ),
    "household.dates": N_("Both helped from {start} to {end}."),
    "household.dates_from": N_("Both have helped since {start}."),
    "household.dates_until": N_("Both helped until {end}."),
    "booking.overlap": N_(
        "Booked for {activity_a} from {start_a} to {end_a} and for {activity_b} from "
        "{start_b} to {end_b}."
    ),
    "booking.same_group": N_("Both shifts are run by {group}."),
    "booking.two_groups": N_("The shifts are run by two groups: {group_a} and {group_b}."),
    "booking.tentative": N_("At least one of the two bookings is only tentative."),
    "dbs.lacks_level": N_(
        "{activity} needs a DBS check at level {needed}; this volunteer has {has}."
    ),
    "dbs.shifts": N_("Upcoming shifts booked: {count}; the first is on {first}."),
    "dbs.overdue": N_("The DBS renewal was due on {due}."),
    "dbs.due_soon": N_("The DBS renewal is due soon, on {due}."),
}
register_reasons(_TEXTS)

REASON_PARAMS: dict[str, dict[str, str]] = {
    "coverage.same_service": {"group_a": GROUP, "group_b": GROUP, "service": SERVICE},
    "coverage.same_area": {"area": AREA},
    "coverage.nested_area": {"inner": AREA, "outer": AREA},
    "coverage.shared_area": {"area_a": AREA, "area_b": AREA},
    "coverage.days": {"days": DAYS},
    "coverage.times": {"start": TIME, "end": TIME},
    "coverage.dates": {"start": DATE, "end": DATE},
    "coverage.dates_from": {"start": DATE},
    "coverage.dates_until": {"end": DATE},
    "household.same_service": {
        "group_a": GROUP,
        "group_b": GROUP,
        "service": SERVICE,
        "household": HOUSEHOLD,
    },
    "household.same_address": {"household": HOUSEHOLD, "other": HOUSEHOLD},
    "household.dates": {"start": DATE, "end": DATE},
    "household.dates_from": {"start": DATE},
    "household.dates_until": {"end": DATE},
    "booking.overlap": {
        "activity_a": ACTIVITY,
        "activity_b": ACTIVITY,
        "start_a": DATETIME,
        "end_a": DATETIME,
        "start_b": DATETIME,
        "end_b": DATETIME,
    },
    "booking.same_group": {"group": GROUP},
    "booking.two_groups": {"group_a": GROUP, "group_b": GROUP},
    "dbs.lacks_level": {"activity": ACTIVITY, "needed": DBS, "has": DBS},
    "dbs.shifts": {"count": NUMBER, "first": DATETIME},
    "dbs.overdue": {"due": DATE},
    "dbs.due_soon": {"due": DATE},
}
"""Reason code -> {parameter: how to render it}; parameters not named are shown as stored."""

T = TypeVar("T")
_POSTCODE_KINDS = frozenset({AreaKind.DISTRICT.value, AreaKind.SECTOR.value, AreaKind.UNIT.value})
_NOT_BOOKED = (AssignmentStatus.DECLINED.value,)
_FIRM = frozenset({AssignmentStatus.CONFIRMED.value, AssignmentStatus.ATTENDED.value})


# ---- small helpers -------------------------------------------------------------------------


def _chunks(values: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _in(
    column: InstrumentedAttribute[Any], values: Collection[Any]
) -> Iterator[ColumnElement[bool]]:
    """`column IN (...)` in chunks, so a long list never exceeds SQLite's parameter limit."""
    for batch in _chunks(sorted(values)):
        yield column.in_(batch)


def _ids(session: Session, model: type[m.Shareable], uuids: Collection[str]) -> set[int]:
    """Local ids of the rows of one table whose uuid is in `uuids` (deleted rows too)."""
    found: set[int] = set()
    uuid_col: InstrumentedAttribute[str] = model.uuid
    id_col: InstrumentedAttribute[int] = model.id
    for clause in _in(uuid_col, uuids):
        found.update(session.scalars(select(id_col).where(clause)))
    return found


def _uuids_where(
    session: Session,
    uuid_col: InstrumentedAttribute[str],
    key_col: InstrumentedAttribute[Any],
    keys: Collection[Any],
    *joins: tuple[Any, Any],
) -> set[str]:
    found: set[str] = set()
    for clause in _in(key_col, keys):
        stmt = select(uuid_col)
        for target, on in joins:
            stmt = stmt.join(target, on)
        found.update(session.scalars(stmt.where(clause)))
    return found


def _check(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


def _report(progress: ProgressCallback | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, max(total, 1))


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _hhmm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def _date_window(
    a_start: dt.date | None,
    a_end: dt.date | None,
    b_start: dt.date | None,
    b_end: dt.date | None,
) -> tuple[bool, dt.date | None, dt.date | None]:
    """(overlap?, first common day, last common day); None means unbounded. Ends are inclusive."""
    starts = [d for d in (a_start, b_start) if d is not None]
    ends = [d for d in (a_end, b_end) if d is not None]
    lo = max(starts) if starts else None
    hi = min(ends) if ends else None
    return (lo is None or hi is None or lo <= hi), lo, hi


def _date_reason(prefix: str, lo: dt.date | None, hi: dt.date | None) -> Reason | None:
    if lo is not None and hi is not None:
        return Reason(f"{prefix}.dates", {"start": _iso(lo), "end": _iso(hi)})
    if lo is not None:
        return Reason(f"{prefix}.dates_from", {"start": _iso(lo)})
    if hi is not None:
        return Reason(f"{prefix}.dates_until", {"end": _iso(hi)})
    return None


# ---- areas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Area:
    id: int
    code: str
    ancestors: frozenset[int]  # itself and every area above it through parent links
    postcodes: frozenset[str]  # the postcode district/sector/units it is made of
    blocks: frozenset[str]  # keys shared by any two areas that might overlap


def _pc_contains(outer: str, inner: str) -> bool:
    """Postcode district ⊃ sector ⊃ unit: "SA61" holds "SA61 1", which holds "SA61 1AB"."""
    if outer == inner:
        return True
    o_out, _, o_in = outer.partition(" ")
    i_out, _, i_in = inner.partition(" ")
    if o_out != i_out:
        return False
    if not o_in:
        return True
    return len(o_in) == 1 and len(i_in) > 1 and i_in.startswith(o_in)


def _load_areas(session: Session) -> dict[int, _Area]:
    rows = session.execute(select(m.Area.id, m.Area.code, m.Area.kind, m.Area.parent_id)).all()
    parents = {row[0]: row[3] for row in rows}
    # Within one postcode district every area shares the district's key, so postcode areas
    # need no other; named areas also get a key of their own that the areas below them share.
    keys = {
        row[0]: "pc:" + row[1].partition(" ")[0] if row[2] in _POSTCODE_KINDS else f"a:{row[0]}"
        for row in rows
    }
    held: dict[int, set[str]] = defaultdict(set)
    for area_id, postcode in session.execute(
        select(m.AreaPostcode.area_id, m.AreaPostcode.postcode)
    ):
        held[area_id].add(postcode.strip().upper())
    areas: dict[int, _Area] = {}
    for area_id, code, kind, _parent in rows:
        chain = [area_id]
        seen = {area_id}
        step = parents.get(area_id)
        while step is not None and step not in seen:
            chain.append(step)
            seen.add(step)
            step = parents.get(step)
        postcodes = {code} if kind in _POSTCODE_KINDS else set(held.get(area_id, ()))
        blocks = {"pc:" + p.partition(" ")[0] for p in postcodes}
        blocks.update(keys[a] for a in chain if a in keys)
        areas[area_id] = _Area(
            area_id, code, frozenset(chain), frozenset(postcodes), frozenset(blocks)
        )
    return areas


def _covers(a: _Area, b: _Area) -> bool:
    if a.id in b.ancestors:
        return True
    return bool(b.postcodes) and all(
        any(_pc_contains(p, q) for p in a.postcodes) for q in b.postcodes
    )


def _area_relation(a: _Area, b: _Area) -> str | None:
    """ "same", "a_in_b", "b_in_a", "shared" (some postcodes in common) or None (apart)."""
    if a.id == b.id:
        return "same"
    ab, ba = _covers(a, b), _covers(b, a)
    if ab and ba:
        return "same"
    if ab:
        return "b_in_a"
    if ba:
        return "a_in_b"
    if any(_pc_contains(p, q) or _pc_contains(q, p) for p in a.postcodes for q in b.postcodes):
        return "shared"
    return None


def _descendants(session: Session, area_ids: set[int]) -> set[int]:
    if not area_ids:
        return set()
    areas = _load_areas(session)
    return {a.id for a in areas.values() if a.ancestors & area_ids}


# ---- b. coverage overlap -------------------------------------------------------------------


@dataclass(frozen=True)
class _Coverage:
    uuid: str
    org_uuid: str
    service: str
    area_id: int
    weekdays: int
    start_time: dt.time | None
    end_time: dt.time | None
    start_date: dt.date | None
    end_date: dt.date | None


def coverage_scope(session: Session, changed: Collection[str]) -> set[str]:
    """Coverage lines whose overlaps may have changed: changed lines, or their group or area."""
    scope = _uuids_where(session, m.Coverage.uuid, m.Coverage.uuid, changed)
    orgs = _ids(session, m.Organisation, changed)
    scope |= _uuids_where(session, m.Coverage.uuid, m.Coverage.organisation_id, orgs)
    areas = _descendants(session, _ids(session, m.Area, changed))
    scope |= _uuids_where(session, m.Coverage.uuid, m.Coverage.area_id, areas)
    return scope


def _days_between(lo: dt.date | None, hi: dt.date | None) -> int:
    """The weekdays a short date range holds (all of them for a week or more)."""
    if lo is None or hi is None or (hi - lo).days >= 6:
        return _ALL_DAYS
    days = 0
    day = lo
    while day <= hi:
        days |= 1 << day.weekday()
        day += dt.timedelta(days=1)
    return days


def _coverage_finding(
    a: _Coverage,
    b: _Coverage,
    areas: dict[int, _Area],
    relations: dict[tuple[int, int], str | None],
) -> Finding | None:
    pair = (a.area_id, b.area_id)
    if pair not in relations:
        relations[pair] = _area_relation(areas[a.area_id], areas[b.area_id])
    relation = relations[pair]
    if relation is None:
        return None
    overlap, lo, hi = _date_window(a.start_date, a.end_date, b.start_date, b.end_date)
    if not overlap:
        return None
    days = a.weekdays & b.weekdays & _days_between(lo, hi)
    if not days:
        return None
    start = max(a.start_time or dt.time(0), b.start_time or dt.time(0))
    ends = [t for t in (a.end_time, b.end_time) if t is not None]
    end = min(ends) if ends else None
    if end is not None and end <= start:
        return None
    area_a, area_b = areas[a.area_id].code, areas[b.area_id].code
    reasons = [
        Reason(
            "coverage.same_service",
            {"group_a": a.org_uuid, "group_b": b.org_uuid, "service": a.service},
            0.4,
        )
    ]
    if relation == "same":
        reasons.append(Reason("coverage.same_area", {"area": area_a}, 0.4))
        score = 1.0
    elif relation == "shared":
        reasons.append(Reason("coverage.shared_area", {"area_a": area_a, "area_b": area_b}, 0.2))
        score = 0.8
    else:
        inner, outer = (area_a, area_b) if relation == "a_in_b" else (area_b, area_a)
        reasons.append(Reason("coverage.nested_area", {"inner": inner, "outer": outer}, 0.3))
        score = 0.9
    reasons.append(Reason("coverage.days", {"days": str(days)}, 0.1))
    if any(t is not None for t in (a.start_time, a.end_time, b.start_time, b.end_time)):
        reasons.append(Reason("coverage.times", {"start": _hhmm(start), "end": _hhmm(end)}, 0.1))
    dates = _date_reason("coverage", lo, hi)
    if dates is not None:
        reasons.append(dates)
    return Finding(
        kind=AlertKind.COVERAGE_OVERLAP,
        records=(RecordRef("coverage", a.uuid), RecordRef("coverage", b.uuid)),
        score=score,
        reasons=tuple(reasons),
    )


def find_coverage_overlaps(
    session: Session,
    *,
    only: Collection[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> list[Finding]:
    """Two groups offering the same service in equal or nested areas on overlapping days,
    times and dates."""
    scope = coverage_scope(session, only) if only is not None else None
    if scope is not None and not scope:
        return []
    areas = _load_areas(session)
    rows = session.execute(
        select(
            m.Coverage.uuid,
            m.Organisation.uuid,
            m.ServiceType.code,
            m.Coverage.area_id,
            m.Coverage.weekdays,
            m.Coverage.start_time,
            m.Coverage.end_time,
            m.Coverage.start_date,
            m.Coverage.end_date,
        )
        .join(m.Organisation, m.Organisation.id == m.Coverage.organisation_id)
        .join(m.ServiceType, m.ServiceType.id == m.Coverage.service_type_id)
        .where(m.Coverage.deleted.is_(False), m.Organisation.deleted.is_(False))
    ).all()
    # Blocking: only lines with the same service that share a postcode district or an area
    # above them are compared, never all pairs.
    blocks: dict[tuple[str, str], list[_Coverage]] = defaultdict(list)
    for row in rows:
        line = _Coverage(*row)
        for block in areas[line.area_id].blocks:
            blocks[(line.service, block)].append(line)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    relations: dict[tuple[int, int], str | None] = {}
    total = len(blocks)
    for done, group in enumerate(blocks.values(), start=1):
        if done % 200 == 0:
            _check(cancel)
            _report(progress, done, total)
        group.sort(key=lambda c: c.uuid)
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.org_uuid == b.org_uuid:
                    continue
                if scope is not None and a.uuid not in scope and b.uuid not in scope:
                    continue
                if (a.uuid, b.uuid) in seen:
                    continue  # already compared in another block they share
                seen.add((a.uuid, b.uuid))
                finding = _coverage_finding(a, b, areas, relations)
                if finding is not None:
                    findings.append(finding)
    _report(progress, total, total)
    return findings


# ---- c. household supported twice ----------------------------------------------------------


@dataclass(frozen=True)
class _Support:
    uuid: str
    org_uuid: str
    service: str
    since: dt.date | None
    until: dt.date | None
    household_id: int
    reference: str
    match_key: str


def household_scope(session: Session, changed: Collection[str]) -> set[str]:
    """Support records whose overlaps may have changed: changed ones, their household (and any
    household with the same match key) or their group."""
    scope = _uuids_where(session, m.HouseholdSupport.uuid, m.HouseholdSupport.uuid, changed)
    homes = _ids(session, m.Household, changed)
    keys: set[str] = set()
    for clause in _in(m.Household.id, homes):
        keys.update(k for k in session.scalars(select(m.Household.match_key).where(clause)) if k)
    homes |= {
        int(i)
        for clause in _in(m.Household.match_key, keys)
        for i in session.scalars(select(m.Household.id).where(clause))
    }
    scope |= _uuids_where(session, m.HouseholdSupport.uuid, m.HouseholdSupport.household_id, homes)
    orgs = _ids(session, m.Organisation, changed)
    scope |= _uuids_where(
        session, m.HouseholdSupport.uuid, m.HouseholdSupport.organisation_id, orgs
    )
    return scope


def find_household_overlaps(
    session: Session,
    *,
    only: Collection[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> list[Finding]:
    """A household (or a partner's copy of it, by match key) helped by two groups with the same
    service in overlapping periods."""
    scope = household_scope(session, only) if only is not None else None
    if scope is not None and not scope:
        return []
    rows = session.execute(
        select(
            m.HouseholdSupport.uuid,
            m.Organisation.uuid,
            m.ServiceType.code,
            m.HouseholdSupport.since,
            m.HouseholdSupport.until,
            m.Household.id,
            m.Household.reference,
            m.Household.match_key,
        )
        .join(m.Household, m.Household.id == m.HouseholdSupport.household_id)
        .join(m.Organisation, m.Organisation.id == m.HouseholdSupport.organisation_id)
        .join(m.ServiceType, m.ServiceType.id == m.HouseholdSupport.service_type_id)
        .where(
            m.HouseholdSupport.deleted.is_(False),
            m.Household.deleted.is_(False),
            m.Organisation.deleted.is_(False),
        )
    ).all()
    groups: dict[tuple[str, str], list[_Support]] = defaultdict(list)
    for row in rows:
        support = _Support(*row)
        home = support.match_key or f"id:{support.household_id}"
        groups[(home, support.service)].append(support)
    findings: list[Finding] = []
    total = len(groups)
    for done, group in enumerate(groups.values(), start=1):
        if done % 500 == 0:
            _check(cancel)
            _report(progress, done, total)
        group.sort(key=lambda s: s.uuid)
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.org_uuid == b.org_uuid:
                    continue
                if scope is not None and a.uuid not in scope and b.uuid not in scope:
                    continue
                overlap, lo, hi = _date_window(a.since, a.until, b.since, b.until)
                if not overlap:
                    continue
                reasons = [
                    Reason(
                        "household.same_service",
                        {
                            "group_a": a.org_uuid,
                            "group_b": b.org_uuid,
                            "service": a.service,
                            "household": a.reference,
                        },
                        0.8,
                    )
                ]
                if a.household_id != b.household_id:
                    reasons.append(
                        Reason(
                            "household.same_address",
                            {"household": a.reference, "other": b.reference},
                            0.2,
                        )
                    )
                dates = _date_reason("household", lo, hi)
                if dates is not None:
                    reasons.append(dates)
                findings.append(
                    Finding(
                        kind=AlertKind.HOUSEHOLD_OVERLAP,
                        records=(
                            RecordRef("household_support", a.uuid),
                            RecordRef("household_support", b.uuid),
                        ),
                        score=1.0,
                        reasons=tuple(reasons),
                    )
                )
    _report(progress, total, total)
    return findings


# ---- d. double booking ---------------------------------------------------------------------


def _volunteers_touched(session: Session, changed: Collection[str]) -> set[int]:
    """Volunteers whose bookings may have changed: changed themselves, or one of their
    assignments, its shift, the shift's activity or the activity's group changed."""
    volunteers = _ids(session, m.Volunteer, changed)
    shifts = _ids(session, m.Shift, changed)
    activities = _ids(session, m.Activity, changed)
    orgs = _ids(session, m.Organisation, changed)
    for clause in _in(m.Activity.organisation_id, orgs):
        activities.update(session.scalars(select(m.Activity.id).where(clause)))
    for clause in _in(m.Shift.activity_id, activities):
        shifts.update(session.scalars(select(m.Shift.id).where(clause)))
    for clause in _in(m.Assignment.uuid, changed):
        volunteers.update(session.scalars(select(m.Assignment.volunteer_id).where(clause)))
    for clause in _in(m.Assignment.shift_id, shifts):
        volunteers.update(session.scalars(select(m.Assignment.volunteer_id).where(clause)))
    return volunteers


def booking_scope(session: Session, changed: Collection[str]) -> set[str]:
    """The volunteers (and changed assignments) whose double bookings are re-examined."""
    volunteers = _volunteers_touched(session, changed)
    scope = _uuids_where(session, m.Volunteer.uuid, m.Volunteer.id, volunteers)
    scope |= _uuids_where(session, m.Assignment.uuid, m.Assignment.uuid, changed)
    return scope


def find_double_bookings(
    session: Session,
    *,
    only: Collection[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> list[Finding]:
    """A volunteer on two shifts that overlap in time, in one group or across groups.

    Back-to-back shifts do not overlap; cancelled shifts and declined bookings are ignored.
    """
    base = (
        select(
            m.Assignment.volunteer_id,
            m.Volunteer.uuid,
            m.Assignment.uuid,
            m.Assignment.status,
            m.Shift.starts_at,
            m.Shift.ends_at,
            m.Activity.uuid,
            m.Organisation.uuid,
        )
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
        .join(m.Activity, m.Activity.id == m.Shift.activity_id)
        .join(m.Organisation, m.Organisation.id == m.Activity.organisation_id)
        .where(
            m.Assignment.deleted.is_(False),
            m.Assignment.status.not_in(_NOT_BOOKED),
            m.Volunteer.deleted.is_(False),
            m.Shift.deleted.is_(False),
            m.Shift.cancelled.is_(False),
            m.Activity.deleted.is_(False),
            m.Organisation.deleted.is_(False),
        )
    )
    if only is None:
        statements = [base]
    else:
        volunteers = _volunteers_touched(session, only)
        statements = [base.where(clause) for clause in _in(m.Assignment.volunteer_id, volunteers)]
    by_volunteer: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for stmt in statements:
        _check(cancel)
        for row in session.execute(stmt):
            by_volunteer[row[0]].append(tuple(row))
    findings: list[Finding] = []
    total = len(by_volunteer)
    for done, bookings in enumerate(by_volunteer.values(), start=1):
        if done % 2000 == 0:
            _check(cancel)
            _report(progress, done, total)
        bookings.sort(key=lambda b: (b[4], b[5], b[2]))
        for i, a in enumerate(bookings):
            for b in bookings[i + 1 :]:
                if b[4] >= a[5]:
                    break  # sorted by start: nothing later overlaps a
                if b[5] <= a[4]:
                    continue
                findings.append(_booking_finding(a, b))
    _report(progress, total, total)
    return findings


def _moment(value: dt.datetime, start: dt.datetime | None = None) -> str:
    """ISO date and time; only the time when it ends on the day it started."""
    if start is not None and value.date() == start.date():
        return value.strftime("%H:%M")
    return value.isoformat(sep=" ", timespec="minutes")


def _booking_finding(a: tuple[Any, ...], b: tuple[Any, ...]) -> Finding:
    first, second = sorted((a, b), key=lambda x: str(x[2]))
    reasons = [
        Reason(
            "booking.overlap",
            {
                "activity_a": first[6],
                "start_a": _moment(first[4]),
                "end_a": _moment(first[5], first[4]),
                "activity_b": second[6],
                "start_b": _moment(second[4]),
                "end_b": _moment(second[5], second[4]),
            },
            1.0,
        )
    ]
    if first[7] == second[7]:
        reasons.append(Reason("booking.same_group", {"group": first[7]}))
    else:
        reasons.append(Reason("booking.two_groups", {"group_a": first[7], "group_b": second[7]}))
    firm = a[3] in _FIRM and b[3] in _FIRM
    if not firm:
        reasons.append(Reason("booking.tentative"))
    return Finding(
        kind=AlertKind.DOUBLE_BOOKING,
        records=(
            RecordRef("volunteer", a[1]),
            RecordRef("assignment", first[2]),
            RecordRef("assignment", second[2]),
        ),
        score=1.0 if firm else 0.6,
        reasons=tuple(reasons),
    )


# ---- e. DBS problems -----------------------------------------------------------------------


def _dbs_touched(session: Session, changed: Collection[str]) -> tuple[set[int], set[int]]:
    """(volunteer ids, activity ids) whose DBS findings may have changed."""
    volunteers = _ids(session, m.Volunteer, changed)
    activities = _ids(session, m.Activity, changed)
    orgs = _ids(session, m.Organisation, changed)
    for clause in _in(m.Activity.organisation_id, orgs):
        activities.update(session.scalars(select(m.Activity.id).where(clause)))
    shifts = _ids(session, m.Shift, changed)
    for clause in _in(m.Shift.id, shifts):
        activities.update(session.scalars(select(m.Shift.activity_id).where(clause)))
    for clause in _in(m.Assignment.uuid, changed):
        for volunteer_id, activity_id in session.execute(
            select(m.Assignment.volunteer_id, m.Shift.activity_id)
            .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
            .where(clause)
        ):
            volunteers.add(volunteer_id)
            activities.add(activity_id)
    return volunteers, activities


def dbs_scope(session: Session, changed: Collection[str]) -> set[str]:
    """The volunteers and activities whose DBS findings are re-examined."""
    volunteers, activities = _dbs_touched(session, changed)
    return _uuids_where(session, m.Volunteer.uuid, m.Volunteer.id, volunteers) | _uuids_where(
        session, m.Activity.uuid, m.Activity.id, activities
    )


_RANKS = {level.value: level.rank for level in DbsLevel}


def _rank(level: str) -> int:
    return _RANKS.get(level, 0)


def _rank_sql(column: Any) -> Any:
    return case(_RANKS, value=column, else_=0)


def find_dbs_problems(
    session: Session,
    *,
    only: Collection[str] | None = None,
    today: dt.date | None = None,
    due_within_days: int = DEFAULT_DBS_DUE_DAYS,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> list[Finding]:
    """Volunteers booked on upcoming shifts that need a higher DBS level than theirs, and
    volunteers (not left) whose DBS renewal is overdue or due within `due_within_days`."""
    day = today or dt.date.today()
    if only is None:
        volunteers: set[int] | None = None
        activities: set[int] | None = None
    else:
        volunteers, activities = _dbs_touched(session, only)
        if not volunteers and not activities:
            return []
    findings: list[Finding] = []
    _check(cancel)

    # Renewals overdue or due soon.
    renewal = select(m.Volunteer.uuid, m.Volunteer.dbs_renewal_due).where(
        m.Volunteer.deleted.is_(False),
        m.Volunteer.status != VolunteerStatus.LEFT.value,
        m.Volunteer.dbs_level != DbsLevel.NONE.value,
        m.Volunteer.dbs_renewal_due.is_not(None),
        m.Volunteer.dbs_renewal_due <= day + dt.timedelta(days=max(due_within_days, 0)),
    )
    renewal_statements = (
        [renewal]
        if volunteers is None
        else [renewal.where(c) for c in _in(m.Volunteer.id, volunteers)]
    )
    for renewal_stmt in renewal_statements:
        for uuid, due in session.execute(renewal_stmt):
            if due is None:
                continue
            overdue = due < day
            findings.append(
                Finding(
                    kind=AlertKind.DBS_PROBLEM,
                    records=(RecordRef("volunteer", uuid),),
                    score=1.0 if overdue else 0.5,
                    reasons=(
                        Reason("dbs.overdue" if overdue else "dbs.due_soon", {"due": _iso(due)}),
                    ),
                )
            )
    _report(progress, 1, 2)
    _check(cancel)

    # Upcoming bookings needing a higher level than the volunteer's.
    lacking = (
        select(
            m.Volunteer.uuid,
            m.Volunteer.dbs_level,
            m.Activity.uuid,
            m.Activity.dbs_level_required,
            func.count(m.Assignment.id),
            func.min(m.Shift.starts_at),
        )
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
        .join(m.Activity, m.Activity.id == m.Shift.activity_id)
        .join(m.Organisation, m.Organisation.id == m.Activity.organisation_id)
        .where(
            m.Assignment.deleted.is_(False),
            m.Assignment.status.not_in(_NOT_BOOKED),
            m.Volunteer.deleted.is_(False),
            m.Shift.deleted.is_(False),
            m.Shift.cancelled.is_(False),
            m.Shift.starts_at >= dt.datetime.combine(day, dt.time(0)),
            m.Activity.deleted.is_(False),
            m.Activity.dbs_level_required != DbsLevel.NONE.value,
            _rank_sql(m.Activity.dbs_level_required) > _rank_sql(m.Volunteer.dbs_level),
            m.Organisation.deleted.is_(False),
        )
        .group_by(m.Volunteer.id, m.Activity.id)
    )
    if volunteers is None or activities is None:
        lacking_statements = [lacking]
    else:
        lacking_statements = [
            lacking.where(clause)
            for clause in (
                *_in(m.Assignment.volunteer_id, volunteers),
                *_in(m.Shift.activity_id, activities),
            )
        ]
    found: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    for stmt in lacking_statements:
        for v_uuid, has, act_uuid, needed, count, first in session.execute(stmt):
            if isinstance(first, str):  # SQLite gives the MIN of a datetime column as text
                first = dt.datetime.fromisoformat(first)
            moment = first.isoformat(sep=" ", timespec="minutes")
            found[(v_uuid, act_uuid)] = (has, needed, int(count), moment)
    for (v_uuid, act_uuid), (has, needed, count, moment) in sorted(found.items()):
        findings.append(
            Finding(
                kind=AlertKind.DBS_PROBLEM,
                records=(RecordRef("volunteer", v_uuid), RecordRef("activity", act_uuid)),
                score=1.0,
                reasons=(
                    Reason(
                        "dbs.lacks_level", {"activity": act_uuid, "needed": needed, "has": has}, 1.0
                    ),
                    Reason("dbs.shifts", {"count": str(count), "first": moment}),
                ),
            )
        )
    _report(progress, 2, 2)
    return findings
