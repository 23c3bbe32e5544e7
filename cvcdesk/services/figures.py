"""Activity figures for the council and the Public Service Board, their export as CSV or XLSX,
and the printed community activity report.

Volunteers are counted by the postcode they gave, activities and hours by the activity's
area or postcode, households by their postcode, groups by the areas they cover. Every count of
people is made here and withheld here when it is under 5, with the numbers beside it that
would give it back by subtraction (cvcdesk.domain.figures): what leaves this module is fit to
publish.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select, true
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import (
    AlertKind,
    AreaKind,
    AssignmentStatus,
    DbsLevel,
    OrganisationKind,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.figures import (
    NO_HOURS,
    ROUNDED_TO,
    ActivityFigures,
    CommunityReportData,
    Count,
    CountLine,
    CoverageGrid,
    GridGrouping,
    Hours,
    HoursLine,
    MonthFigures,
    Named,
    Share,
    alert_count,
    disclosure_text,
    month_end,
    month_starts,
    protect_counts,
    protect_hours,
    small_count_text,
    stock_count,
)
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import N_, _, current_language, format_date, pgettext, use_language
from cvcdesk.services.alerts import SETTING_DBS_DUE_DAYS
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback, ServiceBase
from cvcdesk.services.coverage import (
    _ACTIVE,
    AreaInfo,
    AreaMap,
    build_grid,
    check_period,
    find_area,
    load_area_map,
    postcode_clause,
)
from cvcdesk.services.exports import safe_cell
from cvcdesk.services.overlaps import DEFAULT_DBS_DUE_DAYS
from cvcdesk.store import models as m

_GAVE_TIME = (AssignmentStatus.ATTENDED.value, AssignmentStatus.CONFIRMED.value)
_SPEAKS_WELSH = (WelshFluency.FLUENT.value, WelshFluency.CONVERSATIONAL.value)
_NO_AREA = "-"
REPORT_LANGUAGES = ("en", "cy", "both")
# "Joined" and "Left" as headers of numbers of volunteers joining and leaving are translated
# with pgettext("figures", ...): plain, they are a volunteer's "date joined" and "date left".


# ---- what the figures are about --------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The area the figures are about (None: everywhere) and the areas that lie within it."""

    areas: AreaMap
    target: AreaInfo | None
    within: frozenset[int] = frozenset()
    reaching: frozenset[int] = frozenset()  # areas sharing any ground with the target
    postcodes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, session: Session, area: str | None) -> _Scope:
        areas = load_area_map(session)
        if not area:
            return cls(areas, None)
        target = find_area(areas, area)
        if target.id not in areas.shapes:
            return cls(areas, target, frozenset({target.id}), frozenset({target.id}))
        within = frozenset(a for a in areas.shapes if areas.covers(target.id, a))
        return cls(
            areas,
            target,
            within,
            frozenset(areas.overlapping(target.id)),
            areas.postcodes(target.id),
        )

    def bucket(self, area_id: int | None, postcode: str | None = None) -> Named:
        """The area an activity's hours are counted under: its district (or community) for
        the whole county; its sector within a chosen area (the sector of its postcode when it
        is filed under an area that is not within the chosen one)."""
        if self.target is not None and postcode and area_id not in self.within:
            return self._postcode_area(postcode, sector=True)
        info = self.areas.info.get(area_id) if area_id is not None else None
        if info is None:
            return both_languages(_NO_AREA, N_("Area not recorded"))
        if info.kind not in (AreaKind.DISTRICT.value, AreaKind.SECTOR.value, AreaKind.UNIT.value):
            return info.named
        return self._postcode_area(info.code, sector=self.target is not None)

    def _postcode_area(self, code: str, *, sector: bool) -> Named:
        outward, _sep, inward = code.strip().upper().partition(" ")
        inward = inward.strip()
        code = f"{outward} {inward[0]}" if sector and inward else outward
        known = self.areas.by_code.get(code)
        return known.named if known is not None else Named(code, code, code)


def both_languages(key: str, message: str) -> Named:
    """A catalogue message as a name in English and Welsh."""
    with use_language("en"):
        english = _(message)
    with use_language("cy"):
        welsh = _(message)
    return Named(key, english, welsh)


def _named(key: Any, en: str | None, cy: str | None) -> Named:
    return Named(str(key), en or cy or str(key), cy or en or "")


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ---- counting ---------------------------------------------------------------------------------


def _volunteer_filters(scope: _Scope) -> list[Any]:
    filters: list[Any] = [m.Volunteer.deleted.is_(False)]
    if scope.target is not None:
        filters.append(postcode_clause(m.Volunteer.postcode, scope.postcodes))
    return filters


@dataclass
class _People:
    """Volunteers counted per month and for the period, from their (joined, left, status,
    Welsh, DBS) groups: a few thousand groups however many volunteers there are."""

    registered: list[int]  # on the books at the end of each month
    new: list[int]
    leaving: list[int]
    registered_at_end: int = 0
    new_in_period: int = 0
    leaving_in_period: int = 0
    on_books: int = 0  # at the end, not marked as left
    welsh: int = 0
    dbs_overdue: int = 0
    dbs_due_soon: int = 0


def _count_people(
    session: Session,
    scope: _Scope,
    start: dt.date,
    end: dt.date,
    months: Sequence[dt.date],
    day: dt.date,
    dbs_due_days: int,
) -> _People:
    """One read of the volunteers, grouped by the dates they joined and left, whether they
    are marked as left, speak Welsh, and the state of their DBS renewal on `day`."""
    v = m.Volunteer
    checked = v.dbs_level != DbsLevel.NONE.value
    due = v.dbs_renewal_due
    dbs_state = case(
        (and_(checked, due < day), 1),
        (and_(checked, due >= day, due <= day + dt.timedelta(days=max(dbs_due_days, 0))), 2),
        else_=0,
    )
    gone = v.status == VolunteerStatus.LEFT.value
    speaks = v.welsh_fluency.in_(_SPEAKS_WELSH)
    ends = [min(month_end(first), end) for first in months]
    people = _People([0] * (len(months) + 1), [0] * len(months), [0] * len(months))
    for joined, left, is_gone, welsh, state, n in session.execute(
        select(v.joined_on, v.left_on, gone, speaks, dbs_state, func.count(v.id))
        .where(*_volunteer_filters(scope))
        .group_by(v.joined_on, v.left_on, gone, speaks, dbs_state)
    ):
        joined, left, n = _as_date(joined), _as_date(left), int(n)
        if joined is not None and start <= joined <= end:
            people.new_in_period += n
            people.new[bisect.bisect_left(ends, joined)] += n
        if left is not None and start <= left <= end:
            people.leaving_in_period += n
            people.leaving[bisect.bisect_left(ends, left)] += n
        if is_gone and left is None:
            continue  # left on a day nobody wrote down: on no month's books
        # On the books at the end of each month from the one they joined in up to the one
        # before they left (a difference array over the months).
        first = 0 if joined is None else bisect.bisect_left(ends, joined)
        last = len(months) if left is None else bisect.bisect_left(ends, left)
        if first < last:
            people.registered[first] += n
            people.registered[last] -= n
        if (joined is None or joined <= end) and (left is None or left > end):
            people.registered_at_end += n
            if not is_gone:
                people.on_books += n
                people.welsh += n if welsh else 0
                people.dbs_overdue += n if state == 1 else 0
                people.dbs_due_soon += n if state == 2 else 0
    running = 0
    for index in range(len(months)):
        running += people.registered[index]
        people.registered[index] = running
    del people.registered[len(months) :]
    return people


def _hours_lines(figures: dict[Any, Hours], names: Callable[[Any], Named]) -> tuple[HoursLine, ...]:
    lines = [HoursLine(names(key), hours) for key, hours in figures.items()]
    lines.sort(key=lambda line: (-(line.hours.value or 0.0), line.item.name_en.casefold()))
    return tuple(lines)


def _month_of(column: Any, dialect: str) -> Any:
    """ "YYYY-MM" of a date-time column."""
    if dialect == "sqlite":
        return func.substr(column, 1, 7)  # stored as ISO text
    return func.to_char(column, "YYYY-MM")


def _length_in_hours(shift: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        return (func.julianday(shift.ends_at) - func.julianday(shift.starts_at)) * 24.0
    return func.extract("epoch", shift.ends_at - shift.starts_at) / 3600.0


def compute_figures(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    area: str | None = None,
    today: dt.date | None = None,
    dbs_due_days: int = DEFAULT_DBS_DUE_DAYS,
    cancel: CancelFlag | None = None,
) -> ActivityFigures:
    """The figures inside an open session (the report reads them in the same transaction)."""
    check_period(start, end)
    scope = _Scope.of(session, area)
    months = month_starts(start, end)

    def check() -> None:
        if cancel is not None and cancel():
            raise Cancelled()

    # Volunteers joining, leaving and on the books, Welsh speakers and DBS renewals.
    v = m.Volunteer
    day = min(end, today or dt.date.today())
    counted = _count_people(session, scope, start, end, months, day, dbs_due_days)
    check()

    # Time given: bookings attended or confirmed on shifts in the period. The activities
    # (with their group, service and area) are few and read apart, so the big read touches
    # only shifts and bookings.
    a, s, act, org = m.Assignment, m.Shift, m.Activity, m.Organisation
    activity_filters: list[Any] = [act.deleted.is_(False), org.deleted.is_(False)]
    if scope.target is not None:
        activity_filters.append(_activity_in_scope(scope))
    activities: dict[int, tuple[int, int | None, str]] = {}
    area_names: dict[str, Named] = {}
    for activity_id, group, service, area_id, postcode in session.execute(
        select(act.id, act.organisation_id, act.service_type_id, act.area_id, act.postcode)
        .join(org, org.id == act.organisation_id)
        .where(*activity_filters)
    ):
        named = scope.bucket(area_id, postcode)
        area_names[named.key] = named
        activities[activity_id] = (group, service, named.key)
    dialect = session.get_bind().dialect.name
    month = _month_of(s.starts_at, dialect)
    given = case(
        (a.hours.is_not(None), a.hours),
        (a.status == AssignmentStatus.ATTENDED.value, _length_in_hours(s, dialect)),
        else_=0.0,
    )
    # One row per volunteer, month and activity: far fewer rows than bookings.
    in_scope: list[Any] = []
    if scope.target is not None:
        # An area's few activities: their shifts are found through the activity index.
        in_scope.append(s.activity_id.in_(sorted(activities)))
    stmt = (
        select(a.volunteer_id, month, s.activity_id, func.sum(given))
        .select_from(s)
        .join(a, a.shift_id == s.id)
        .where(
            s.deleted.is_(False),
            s.cancelled.is_(False),
            s.starts_at >= dt.datetime.combine(start, dt.time(0)),
            s.starts_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0)),
            a.deleted.is_(False),
            a.status.in_(_GAVE_TIME),
            # Few volunteers are deleted (merged away): leaving them out through their small
            # index is far cheaper than joining every booking to its volunteer's row.
            a.volunteer_id.not_in(select(v.id).where(v.deleted == true())),
            *in_scope,
        )
        .group_by(a.volunteer_id, month, s.activity_id)
    )
    month_active: dict[str, set[int]] = defaultdict(set)
    hours_of: dict[tuple[str, Any], float] = defaultdict(float)
    helpers_of: dict[tuple[str, Any], set[int]] = defaultdict(set)
    for number, (volunteer, month_text, activity_id, hours) in enumerate(session.execute(stmt)):
        if number % 20000 == 0:
            check()
        found = activities.get(activity_id)
        if found is None:
            continue  # a deleted activity or group, or one outside the area
        month_active[month_text].add(volunteer)
        if hours and hours > 0:
            group, service, area_key = found
            for key in (
                ("", None),
                ("month", month_text),
                ("group", group),
                ("service", service),
                ("area", area_key),
            ):
                hours_of[key] += hours
                helpers_of[key].add(volunteer)
    check()
    active = set().union(*month_active.values()) if month_active else set()

    # Hours by month, group, service and area each add up to the hours given: in each, hours
    # withheld for want of volunteers get company, or the total is withheld (see the domain).
    everyone = helpers_of.get(("", None), set())
    hours_given = Hours.of(hours_of.get(("", None), 0.0), len(everyone))
    month_texts = [first.strftime("%Y-%m") for first in months]

    def tallies(kind: str, keys: Sequence[Any] | None = None) -> dict[Any, Hours]:
        nonlocal hours_given
        if keys is None:
            keys = [key[1] for key in hours_of if key[0] == kind]
        helpers = [helpers_of.get((kind, key), set()) for key in keys]
        lines, whole = protect_hours(
            [hours_of.get((kind, key), 0.0) for key in keys],
            [len(people) for people in helpers],
            hours_of.get(("", None), 0.0),
            len(everyone),
            lambda rows: len(set().union(*(helpers[row] for row in rows))),
        )
        if whole.withheld:
            hours_given = hours_given.withhold()
        return dict(zip(keys, lines, strict=True))

    by_month = tallies("month", month_texts)
    # Joining and leaving by month add up to the period's; the month-to-month change of the
    # number on the books is those joining less those leaving, so it is rounded whenever one
    # of them is withheld.
    new_by_month, new_in_period = protect_counts(counted.new, counted.new_in_period)
    leaving_by_month, leaving_in_period = protect_counts(counted.leaving, counted.leaving_in_period)
    rounded = any(count.withheld for count in (*new_by_month, *leaving_by_month))
    month_figures = [
        MonthFigures(
            month=first,
            registered=stock_count(counted.registered[index], rounded=rounded),
            active=Count.people(len(month_active.get(month_text, ()))),
            new=new_by_month[index],
            leaving=leaving_by_month[index],
            hours=by_month.get(month_text, NO_HOURS),
        )
        for index, (first, month_text) in enumerate(zip(months, month_texts, strict=True))
    ]
    by_group = tallies("group")
    by_service = tallies("service")
    by_area = tallies("area")

    group_names = {
        row[0]: _named(row[1], row[2], row[3])
        for row in session.execute(
            select(org.id, org.uuid, org.name_en, org.name_cy).where(org.id.in_(list(by_group)))
        )
    }
    service_names = {
        row[0]: _named(row[1], row[2], row[3])
        for row in session.execute(
            select(
                m.ServiceType.id, m.ServiceType.code, m.ServiceType.label_en, m.ServiceType.label_cy
            ).order_by(m.ServiceType.sort_order)
        )
    }
    no_service = both_languages(_NO_AREA, N_("Service not recorded"))

    # Households supported in the period, by service (the same address counted once).
    h, hs = m.Household, m.HouseholdSupport
    home = case((h.match_key != "", h.match_key), else_=literal("id:") + cast(h.id, String))
    support_filters: list[Any] = [
        hs.deleted.is_(False),
        h.deleted.is_(False),
        org.deleted.is_(False),
        or_(hs.since.is_(None), hs.since <= end),
        or_(hs.until.is_(None), hs.until >= start),
    ]
    if scope.target is not None:
        support_filters.append(postcode_clause(h.postcode, scope.postcodes))
    # Each (service, household) once; the same address under two references counts once.
    homes_by_service: dict[int, set[str]] = defaultdict(set)
    for service_id, household in session.execute(
        select(hs.service_type_id, home)
        .join(h, h.id == hs.household_id)
        .join(org, org.id == hs.organisation_id)
        .where(*support_filters)
        .distinct()
    ):
        homes_by_service[service_id].add(household)
    order = {service_id: index for index, service_id in enumerate(service_names)}
    served = sorted(homes_by_service.items(), key=lambda item: order.get(item[0], len(order)))
    homes = [found for _service_id, found in served]
    # A household helped with two services is in two rows: the rows overlap in the total.
    household_counts, households = protect_counts(
        [len(found) for found in homes],
        len(set().union(*homes)) if homes else 0,
        lambda rows: len(set().union(*(homes[row] for row in rows))),
    )
    households_by_service = tuple(
        CountLine(service_names.get(service_id, no_service), count)
        for (service_id, _found), count in zip(served, household_counts, strict=True)
    )

    group_ids = _groups_in(session, scope)
    kinds: dict[str, int] = defaultdict(int)
    kind_stmt = select(org.kind, func.count(org.id)).where(org.deleted.is_(False))
    if group_ids is not None:
        kind_stmt = kind_stmt.where(org.id.in_(sorted(group_ids)))
    for kind, n in session.execute(kind_stmt.group_by(org.kind)):
        kinds[kind] += int(n)
    groups_by_kind = tuple(
        (kind, kinds[kind.value]) for kind in OrganisationKind if kinds.get(kind.value)
    )
    unknown = sum(n for k, n in kinds.items() if k not in {x.value for x in OrganisationKind})
    if unknown:
        groups_by_kind = (*groups_by_kind, (OrganisationKind.OTHER, unknown))
    alerts = _open_alerts(session, scope, group_ids)

    return ActivityFigures(
        start=start,
        end=end,
        area=scope.target.named if scope.target is not None else None,
        # Rounded with the months': it is the last month's number on the books.
        registered=stock_count(counted.registered_at_end, rounded=rounded),
        active=Count.people(len(active)),
        new=new_in_period,
        leaving=leaving_in_period,
        hours=hours_given,
        dbs_overdue=Count.people(counted.dbs_overdue),
        dbs_due_soon=Count.people(counted.dbs_due_soon),
        dbs_due_days=max(dbs_due_days, 0),
        dbs_day=day,
        # Their share would give the number on the books back: rounded alike.
        welsh_speakers=Share.of(counted.welsh, counted.on_books, rounded=rounded),
        months=tuple(month_figures),
        hours_by_group=_hours_lines(
            by_group, lambda k: group_names.get(k, Named(str(k), "?", "?"))
        ),
        hours_by_service=_hours_lines(by_service, lambda k: service_names.get(k, no_service)),
        hours_by_area=_hours_lines(by_area, lambda k: area_names[k]),
        households_by_service=households_by_service,
        households=households,
        groups_by_kind=groups_by_kind,
        alerts_by_kind=tuple((kind, alert_count(kind, alerts.get(kind, 0))) for kind in AlertKind),
    )


def _activity_in_scope(scope: _Scope) -> Any:
    """An activity is in the chosen area when it is filed under an area within it, or when its
    postcode lies within it (whatever area it is filed under)."""
    act = m.Activity
    return or_(
        act.area_id.in_(sorted(scope.within)), postcode_clause(act.postcode, scope.postcodes)
    )


def _groups_in(session: Session, scope: _Scope) -> set[int] | None:
    """Groups working in the chosen area: covering part of it, or based in it (None: all)."""
    if scope.target is None:
        return None
    org = m.Organisation
    found = set(
        session.scalars(
            select(m.Coverage.organisation_id).where(
                m.Coverage.deleted.is_(False), m.Coverage.area_id.in_(sorted(scope.reaching))
            )
        )
    )
    found.update(
        session.scalars(
            select(org.id).where(
                org.deleted.is_(False), postcode_clause(org.postcode, scope.postcodes)
            )
        )
    )
    return found


def _open_alerts(
    session: Session, scope: _Scope, group_ids: set[int] | None
) -> dict[AlertKind, int]:
    """Open alerts by kind (acknowledged ones too, as in the grid); in an area, those about a
    record in it."""
    alert, link = m.Alert, m.AlertRecord
    live = [alert.status.in_(_ACTIVE), alert.deleted.is_(False)]
    counts: dict[AlertKind, int] = {}
    if scope.target is None:
        rows = session.execute(
            select(alert.kind, func.count(alert.id)).where(*live).group_by(alert.kind)
        )
        for kind, n in rows:
            if kind in AlertKind._value2member_map_:
                counts[AlertKind(kind)] = int(n)
        return counts
    ids: set[int] = set()

    def linked(model: Any, record_type: str, *where: Any) -> None:
        ids.update(
            session.scalars(
                select(link.alert_id)
                .join(alert, alert.id == link.alert_id)
                .join(model, model.uuid == link.record_uuid)
                .where(*live, link.record_type == record_type, *where)
            )
        )

    linked(m.Coverage, "coverage", m.Coverage.area_id.in_(sorted(scope.reaching)))
    linked(m.Volunteer, "volunteer", postcode_clause(m.Volunteer.postcode, scope.postcodes))
    linked(m.Activity, "activity", _activity_in_scope(scope))
    if group_ids:
        linked(m.Organisation, "organisation", m.Organisation.id.in_(sorted(group_ids)))
    ids.update(
        session.scalars(
            select(link.alert_id)
            .join(alert, alert.id == link.alert_id)
            .join(m.HouseholdSupport, m.HouseholdSupport.uuid == link.record_uuid)
            .join(m.Household, m.Household.id == m.HouseholdSupport.household_id)
            .where(
                *live,
                link.record_type == "household_support",
                postcode_clause(m.Household.postcode, scope.postcodes),
            )
        )
    )
    if not ids:
        return counts
    chunk = sorted(ids)
    for index in range(0, len(chunk), 500):
        for kind, n in session.execute(
            select(alert.kind, func.count(alert.id))
            .where(alert.id.in_(chunk[index : index + 500]))
            .group_by(alert.kind)
        ):
            if kind in AlertKind._value2member_map_:
                counts[AlertKind(kind)] = counts.get(AlertKind(kind), 0) + int(n)
    return counts


# ---- exports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureTable:
    """One table of the export: a sheet in XLSX, a section in CSV."""

    key: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _month_label(month: dt.date, language: str) -> str:
    return format_date(month, "MMMM y", language=language)


def figure_tables(
    figures: ActivityFigures, grid: CoverageGrid | None = None, language: str | None = None
) -> list[FigureTable]:
    """The figures as tables with headers in `language`; withheld counts read "<5" (or
    "withheld" for a larger one withheld so as not to reveal another), and a last table of
    notes says so."""
    lang = language or current_language()
    with use_language(lang):
        rounded = figures.on_books_rounded
        summary = (
            (
                "registered",
                _("Volunteers on the books at the end (rounded to the nearest 10)")
                if rounded
                else _("Volunteers on the books at the end"),
                figures.registered.export(),
            ),
            ("active", _("Volunteers who gave time"), figures.active.export()),
            ("new", _("Volunteers who joined"), figures.new.export()),
            ("leaving", _("Volunteers who left"), figures.leaving.export()),
            ("hours", _("Hours given"), figures.hours.export()),
            ("dbs_overdue", _("DBS renewals overdue"), figures.dbs_overdue.export()),
            (
                "dbs_due_soon",
                _("DBS renewals due within {days} days").format(days=figures.dbs_due_days),
                figures.dbs_due_soon.export(),
            ),
            (
                "welsh_speakers",
                _(
                    "Volunteers who speak Welsh (fluent or conversational, rounded to the "
                    "nearest 10)"
                )
                if figures.welsh_speakers.part.rounded
                else _("Volunteers who speak Welsh (fluent or conversational)"),
                figures.welsh_speakers.part.export(),
            ),
            (
                "welsh_share",
                _("Share of volunteers who speak Welsh (%)"),
                figures.welsh_speakers.export(),
            ),
            ("households", _("Households supported"), figures.households.export()),
            ("groups", _("Groups"), figures.groups),
        )
        tables = [
            FigureTable(
                "summary",
                _("Summary"),
                (_("Code"), _("Figure"), _("Value")),
                tuple(summary),
            ),
            FigureTable(
                "months",
                _("By month"),
                (
                    _("Month"),
                    _("Month name"),
                    _("Volunteers on the books (rounded to the nearest 10)")
                    if rounded
                    else _("Volunteers on the books"),
                    _("Volunteers who gave time"),
                    pgettext("figures", "Joined"),
                    pgettext("figures", "Left"),
                    _("Hours given"),
                ),
                tuple(
                    (
                        month.month.strftime("%Y-%m"),
                        _month_label(month.month, lang),
                        month.registered.export(),
                        month.active.export(),
                        month.new.export(),
                        month.leaving.export(),
                        month.hours.export(),
                    )
                    for month in figures.months
                ),
            ),
        ]
        for key, title, lines in (
            ("hours_by_group", _("Hours by group"), figures.hours_by_group),
            ("hours_by_service", _("Hours by service"), figures.hours_by_service),
            ("hours_by_area", _("Hours by area"), figures.hours_by_area),
        ):
            tables.append(
                FigureTable(
                    key,
                    title,
                    (_("Code"), _("Name"), _("Hours given"), _("Volunteers")),
                    tuple(
                        (
                            line.item.key,
                            line.item.name(lang),
                            line.hours.export(),
                            line.hours.volunteers.export(),
                        )
                        for line in lines
                    ),
                )
            )
        tables.append(
            FigureTable(
                "households_by_service",
                _("Households supported by service"),
                (_("Code"), _("Service"), _("Households")),
                tuple(
                    (line.item.key, line.item.name(lang), line.count.export())
                    for line in figures.households_by_service
                ),
            )
        )
        tables.append(
            FigureTable(
                "groups_by_kind",
                _("Groups by kind"),
                (_("Code"), _("Kind"), _("Groups")),
                tuple((kind.value, kind.label, n) for kind, n in figures.groups_by_kind),
            )
        )
        tables.append(
            FigureTable(
                "alerts_by_kind",
                _("Open alerts by kind"),
                (_("Code"), _("Kind"), _("Open alerts")),
                tuple((kind.value, kind.label, n.export()) for kind, n in figures.alerts_by_kind),
            )
        )
        if grid is not None:
            tables.append(_coverage_table(grid, lang))
        tables.append(
            FigureTable(
                "notes",
                _("Notes"),
                (_("Code"), _("Note")),
                (("small_counts", small_count_text()), ("withheld", disclosure_text())),
            )
        )
    return tables


def _coverage_table(grid: CoverageGrid, lang: str) -> FigureTable:
    """The grid's rows as the report prints them: for a chosen area, its sectors follow it,
    each with the area it is part of; for every area, the top rows alone."""
    names = {row.area.key: row.area.name(lang) for row in grid.rows}
    rows = grid.rows if grid.area is not None else tuple(grid.top_rows())
    return FigureTable(
        "coverage",
        _("Coverage"),
        (_("Area"), _("Part of"), *(service.name(lang) for service in grid.services)),
        tuple(
            (
                row.area.name(lang),
                names.get(row.parent, row.parent),
                *(cell.groups for cell in row.cells),
            )
            for row in rows
        ),
    )


CSV_HEADER = ("section", "code", "name", "measure", "value")


def _csv_rows(tables: Iterable[FigureTable]) -> Iterable[list[Any]]:
    for table in tables:
        if table.key in ("summary",):
            for code, name, value in table.rows:
                yield [table.key, code, name, "value", value]
        elif table.key == "months":
            measures = ("registered", "active", "new", "leaving", "hours")
            for code, name, *values in table.rows:
                for measure, value in zip(measures, values, strict=True):
                    yield [table.key, code, name, measure, value]
        elif table.key.startswith("hours_by_"):
            for code, name, hours, helpers in table.rows:
                yield [table.key, code, name, "hours", hours]
                yield [table.key, code, name, "volunteers", helpers]
        elif table.key == "coverage":
            for area, parent, *values in table.rows:
                if parent:
                    yield [table.key, area, table.header[1], "part_of", parent]
                for service, value in zip(table.header[2:], values, strict=True):
                    yield [table.key, area, service, "groups", value]
        elif table.key == "notes":
            for code, note in table.rows:
                yield [table.key, code, "", "note", note]
        else:
            measure = table.key.split("_by_")[0]
            for code, name, value in table.rows:
                yield [table.key, code, name, measure, value]


def write_figures(path: Path, tables: Sequence[FigureTable]) -> Path:
    """CSV (one long table) or XLSX (a sheet per table), by the file's ending; every text cell
    that a spreadsheet would read as a formula is neutralised."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CvcError(
            _("“{path}”: save the figures to a file ending in .csv or .xlsx.").format(path=path)
        )
    try:
        if suffix == ".csv":
            with atomic_write(path, "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)  # type: ignore[arg-type]
                writer.writerow(CSV_HEADER)
                for row in _csv_rows(tables):
                    writer.writerow([_csv_value(cell) for cell in row])
        else:
            data = _xlsx_bytes(tables)
            with atomic_write(path, "wb") as handle:
                handle.write(data)  # type: ignore[arg-type]
    except OSError as exc:
        raise CvcError(
            _("Could not write “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    return path


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return safe_cell(value)


def _xlsx_bytes(tables: Sequence[FigureTable]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(table.title, used)
        sheet = book.create_sheet(title)
        from openpyxl.cell import WriteOnlyCell

        header = []
        for text in table.header:
            cell = WriteOnlyCell(sheet, value=safe_cell(text))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append(
                [value if isinstance(value, int | float) else safe_cell(value) for value in row]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    text = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "Sheet"
    candidate, number = text, 2
    while candidate.casefold() in used:
        suffix = f" {number}"
        candidate = text[: 31 - len(suffix)] + suffix
        number += 1
    used.add(candidate.casefold())
    return candidate


def figures_json(figures: ActivityFigures) -> dict[str, Any]:
    """One JSON document: counts as numbers, counts under 5 as "<5" (and "withheld" for a
    larger one that would reveal a small one), names in both languages. The numbers on the
    books (the period's and each month's) are rounded to `on_books_rounded_to`."""

    def named(item: Named) -> dict[str, str]:
        return {"code": item.key, "name_en": item.name_en, "name_cy": item.name_cy}

    def hours_line(line: HoursLine) -> dict[str, Any]:
        return {
            **named(line.item),
            "hours": line.hours.export(),
            "volunteers": line.hours.volunteers.export(),
        }

    return {
        "from": figures.start.isoformat(),
        "to": figures.end.isoformat(),
        "area": named(figures.area) if figures.area is not None else None,
        "volunteers": {
            "registered": figures.registered.export(),
            "on_books_rounded_to": ROUNDED_TO if figures.on_books_rounded else 1,
            "active": figures.active.export(),
            "new": figures.new.export(),
            "leaving": figures.leaving.export(),
            "welsh_speakers": figures.welsh_speakers.part.export(),
            "welsh_speakers_percent": figures.welsh_speakers.export(),
            "dbs_overdue": figures.dbs_overdue.export(),
            "dbs_due_soon": figures.dbs_due_soon.export(),
            "dbs_due_days": figures.dbs_due_days,
            "dbs_as_of": figures.dbs_day.isoformat(),
        },
        "hours": figures.hours.export(),
        "households": figures.households.export(),
        "months": [
            {
                "month": month.month.strftime("%Y-%m"),
                "registered": month.registered.export(),
                "active": month.active.export(),
                "new": month.new.export(),
                "leaving": month.leaving.export(),
                "hours": month.hours.export(),
            }
            for month in figures.months
        ],
        "hours_by_group": [hours_line(line) for line in figures.hours_by_group],
        "hours_by_service": [hours_line(line) for line in figures.hours_by_service],
        "hours_by_area": [hours_line(line) for line in figures.hours_by_area],
        "households_by_service": [
            {**named(line.item), "households": line.count.export()}
            for line in figures.households_by_service
        ],
        "groups_by_kind": {kind.value: n for kind, n in figures.groups_by_kind},
        "open_alerts_by_kind": {kind.value: n.export() for kind, n in figures.alerts_by_kind},
    }


# ---- the service ------------------------------------------------------------------------------


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months, this one included: from the first of the month a year ago."""
    day = today or dt.date.today()
    first = day.replace(day=1)
    year, month = (first.year - 1, first.month + 1) if first.month < 12 else (first.year, 1)
    return dt.date(year, month, 1), day


class FiguresService(ServiceBase):
    def figures(
        self,
        *,
        start: dt.date,
        end: dt.date,
        area: str | None = None,
        today: dt.date | None = None,
        dbs_due_days: int | None = None,
    ) -> ActivityFigures:
        """Volunteers, hours, DBS renewals, Welsh speakers, households, groups and open alerts
        from `start` to `end` (both included), in `area` or everywhere; small counts withheld."""
        with self._read() as session:
            return compute_figures(
                session,
                start=start,
                end=end,
                area=area,
                today=today,
                dbs_due_days=self._due_days(session) if dbs_due_days is None else dbs_due_days,
            )

    def report_data(
        self,
        *,
        start: dt.date,
        end: dt.date,
        area: str | None = None,
        today: dt.date | None = None,
        cancel: CancelFlag | None = None,
    ) -> CommunityReportData:
        """Everything the community activity report shows, read in one transaction."""
        with self._read() as session:
            figures = compute_figures(
                session,
                start=start,
                end=end,
                area=area,
                today=today,
                dbs_due_days=self._due_days(session),
                cancel=cancel,
            )
            grid = build_grid(
                session, grouping=GridGrouping.DISTRICT, area=area, start=start, end=end
            )
            organisation = self._organisation_name(session)
        overlaps = tuple(
            (row, service, tuple(grid.groups[u] for u in cell.overlapping_uuids), cell.alerts)
            for row, service, cell in grid.overlaps(depth=0)
        )
        return CommunityReportData(
            figures=figures,
            grid=grid,
            overlaps=overlaps,
            organisation=organisation,
            made_on=today or dt.date.today(),
        )

    def save_report(
        self,
        path: Path,
        *,
        start: dt.date,
        end: dt.date,
        area: str | None = None,
        language: str = "en",
        today: dt.date | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> Path:
        """Write the community activity report as a PDF in English, Welsh or both."""
        if language not in REPORT_LANGUAGES:
            raise CvcError(
                _("Choose the report's language: en, cy or both (not “{language}”).").format(
                    language=language
                )
            )
        if path.suffix.lower() != ".pdf":
            raise CvcError(
                _("“{path}”: save the report to a file ending in .pdf.").format(path=path)
            )
        if progress is not None:
            progress(0, 3)
        data = self.report_data(start=start, end=end, area=area, today=today, cancel=cancel)
        if cancel is not None and cancel():
            raise Cancelled()
        if progress is not None:
            progress(1, 3)
        # ReportLab is loaded when the first report is made, not when the program starts.
        from cvcdesk.reports.community_report import render_community_report
        from cvcdesk.reports.data import LanguageMode

        pdf = render_community_report(data, LanguageMode(language))
        if cancel is not None and cancel():
            raise Cancelled()
        try:
            with atomic_write(path, "wb") as handle:
                handle.write(pdf.data)  # type: ignore[arg-type]
        except OSError as exc:
            raise CvcError(
                _("Could not write “{path}”: {reason}").format(path=path, reason=exc.strerror)
            ) from None
        if progress is not None:
            progress(3, 3)
        return path

    def export(
        self,
        path: Path,
        *,
        start: dt.date,
        end: dt.date,
        area: str | None = None,
        language: str | None = None,
        today: dt.date | None = None,
    ) -> Path:
        """The figures (and the coverage grid's top rows) as CSV or XLSX, by the file's ending."""
        if path.suffix.lower() not in (".csv", ".xlsx"):
            raise CvcError(
                _("“{path}”: save the figures to a file ending in .csv or .xlsx.").format(path=path)
            )
        with self._read() as session:
            figures = compute_figures(
                session,
                start=start,
                end=end,
                area=area,
                today=today,
                dbs_due_days=self._due_days(session),
            )
            grid = build_grid(
                session, grouping=GridGrouping.DISTRICT, area=area, start=start, end=end
            )
        return write_figures(path, figure_tables(figures, grid, language))

    @staticmethod
    def _due_days(session: Session) -> int:
        value = session.scalar(select(m.Setting.value).where(m.Setting.key == SETTING_DBS_DUE_DAYS))
        try:
            return max(int(value or ""), 0)
        except ValueError:
            return DEFAULT_DBS_DUE_DAYS

    @staticmethod
    def _organisation_name(session: Session) -> Named | None:
        uuid = session.scalar(select(m.Instance.organisation_uuid))
        if not uuid:
            return None
        row = session.execute(
            select(m.Organisation.name_en, m.Organisation.name_cy).where(
                m.Organisation.uuid == uuid, m.Organisation.deleted.is_(False)
            )
        ).first()
        return None if row is None else _named(uuid, row[0], row[1])
