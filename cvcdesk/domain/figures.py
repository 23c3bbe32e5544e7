"""Figures about community work: the coverage grid, activity by month, and small counts withheld.

Counts of people (volunteers, households, alerts about people) between 1 and 4 are withheld
and shown as "fewer than 5", so no one can be identified from a published figure. The raw
number never leaves the service that counted it: a withheld count holds no value at all.
Counts of groups and coverage lines are about organisations and are shown as they are.

A withheld number must not come back by subtraction either. Where rows add up to a total that
is shown, at least two rows standing for at least 5 people are withheld together (or else
the total is); and when a month's number joining or leaving is withheld, the numbers on the
books are rounded to the nearest 10, since their month-to-month changes are those flows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cvcdesk.domain.enums import AlertKind, AreaKind, OrganisationKind, Weekdays
from cvcdesk.i18n import N_, _, current_language, format_number

SMALL_COUNT = 5
"""Counts of people from 1 to SMALL_COUNT - 1 are withheld."""

WITHHELD_EXPORT = "<5"
"""How a count under 5 is written in CSV, XLSX and JSON."""

WITHHELD_OTHER = "withheld"
"""How a larger count withheld so as not to reveal a small one is written."""

ROUNDED_TO = 10
"""Numbers on the books are rounded to this when a flow beside them is withheld."""

_FEWER = N_("fewer than 5")

SMALL_COUNT_NOTE = N_(
    "Numbers of people from 1 to 4 are shown as “fewer than 5” (“<5” in a spreadsheet) so "
    "that no one can be identified."
)
"""The small-count rule in one sentence, for the notes of a report, an export or a page."""

DISCLOSURE_NOTE = N_(
    "So that no withheld number can be worked out by subtracting the others from a total, "
    "some larger numbers are withheld too (shown as “withheld”), and when a month's number "
    "of volunteers joining or leaving is withheld, the numbers on the books are rounded to "
    "the nearest 10."
)
"""How withheld numbers are kept from being worked out, in one sentence (see the module)."""


def fewer_than_text() -> str:
    """The words for a withheld count, in the current language."""
    return _(_FEWER)


def small_count_text() -> str:
    """SMALL_COUNT_NOTE in the current language."""
    return _(SMALL_COUNT_NOTE)


def disclosure_text() -> str:
    """DISCLOSURE_NOTE in the current language."""
    return _(DISCLOSURE_NOTE)


def round_to_ten(n: int) -> int:
    """The nearest multiple of 10, halves rounded up (5 gives 10, never 0)."""
    return (int(n) + ROUNDED_TO // 2) // ROUNDED_TO * ROUNDED_TO


def _format_hours(value: float) -> str:
    return format_number(round(value, 1))


# ---- counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A count that may be withheld: `value` is None for a count of people from 1 to 4, or
    (with `small` False) for a larger count that would reveal a small one beside it. With
    `rounded`, `value` is rounded to the nearest 10 (ROUNDED_TO)."""

    value: int | None
    small: bool = True
    rounded: bool = False

    @classmethod
    def people(cls, n: int) -> Count:
        """A count of people or households: small numbers are withheld."""
        return cls(None if 0 < n < SMALL_COUNT else int(n))

    @classmethod
    def about(cls, n: int) -> Count:
        """A count of people rounded to the nearest 10 (small numbers still withheld)."""
        if 0 < n < SMALL_COUNT:
            return cls(None)
        return cls(round_to_ten(n), rounded=True)

    @classmethod
    def exact(cls, n: int) -> Count:
        """A count of groups or coverage lines: never withheld."""
        return cls(int(n))

    @property
    def withheld(self) -> bool:
        return self.value is None

    def withhold(self) -> Count:
        """This count withheld so as not to reveal another: "withheld", whatever its size."""
        return self if self.value is None else Count(None, small=False)

    def text(self) -> str:
        if self.value is None:
            return fewer_than_text() if self.small else _("withheld")
        if self.rounded:
            return _("about {number}").format(number=format_number(self.value))
        return format_number(self.value)

    def export(self) -> int | str:
        if self.value is None:
            return WITHHELD_EXPORT if self.small else WITHHELD_OTHER
        return self.value


ZERO = Count(0)


@dataclass(frozen=True)
class Hours:
    """Hours given; withheld (None) when fewer than 5 volunteers gave them, or (with the
    volunteers withheld too, not `small`) when they would reveal hours withheld beside them."""

    value: float | None
    volunteers: Count

    @classmethod
    def of(cls, hours: float, volunteers: int) -> Hours:
        count = Count.people(volunteers)
        return cls(None if count.withheld else round(float(hours), 2), count)

    @property
    def withheld(self) -> bool:
        return self.value is None

    @property
    def small(self) -> bool:
        """Withheld because fewer than 5 volunteers gave them."""
        return self.value is None and self.volunteers.withheld and self.volunteers.small

    def withhold(self) -> Hours:
        """These hours and their volunteers withheld so as not to reveal others: "withheld"."""
        return self if self.value is None else Hours(None, self.volunteers.withhold())

    def text(self) -> str:
        if self.value is None:
            return _("withheld (fewer than 5 volunteers)") if self.small else _("withheld")
        return _format_hours(self.value)

    def export(self) -> float | str:
        if self.value is None:
            return WITHHELD_EXPORT if self.small else WITHHELD_OTHER
        return round(self.value, 1)


NO_HOURS = Hours(0.0, ZERO)


@dataclass(frozen=True)
class Share:
    """A part of a whole as a percentage. Withheld when the part, or the rest of the whole, is
    a small count: "98% of 100" would otherwise tell that two people are not in the part."""

    part: Count
    whole: Count
    percent: float | None

    @classmethod
    def of(cls, part: int, whole: int, *, rounded: bool = False) -> Share:
        """`rounded` when the whole must not be known exactly (the numbers on the books are
        rounded): the part is rounded to the nearest 10 and the percentage to a whole number,
        since an exact part and a precise percentage would give the whole back."""
        rest = whole - part
        hidden = 0 < part < SMALL_COUNT or 0 < rest < SMALL_COUNT or 0 < whole < SMALL_COUNT
        places = 0 if rounded else 1
        percent = None if hidden or whole <= 0 else round(100.0 * part / whole, places)
        # 98 of 100 would tell the other 2: the 98 is withheld too, though it is not small.
        revealing = hidden and part >= SMALL_COUNT
        if revealing:
            shown = Count(None, small=False)
        else:
            shown = Count.about(part) if rounded else Count.people(part)
        return cls(shown, Count.about(whole) if rounded else Count.people(whole), percent)

    @property
    def withheld(self) -> bool:
        return self.percent is None and self.whole.value != 0

    def text(self) -> str:
        if self.percent is None:
            return _("withheld (small numbers)") if self.withheld else "—"
        return _("{percent}%").format(percent=format_number(self.percent))

    def export(self) -> float | str:
        # Not "<5": beside a percentage that would read as "under 5 per cent".
        if self.percent is None:
            return WITHHELD_OTHER if self.withheld else ""
        return self.percent

    def describe(self) -> str:
        """The part and its share together: "1,221 (42.8%)"."""
        if self.percent is None:
            return self.text()
        return _("{count} ({percent})").format(count=self.part.text(), percent=self.text())


# ---- names in both languages -----------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """Something with an English and a Welsh name (a group, a service, an area)."""

    key: str
    name_en: str
    name_cy: str = ""

    def name(self, language: str | None = None) -> str:
        if (language or current_language()) == "cy" and self.name_cy:
            return self.name_cy
        return self.name_en or self.name_cy or self.key


@dataclass(frozen=True)
class HoursLine:
    item: Named
    hours: Hours


@dataclass(frozen=True)
class CountLine:
    item: Named
    count: Count


# ---- withheld numbers kept from being worked out ----------------------------------------------


def complementary_suppression(
    sizes: Sequence[float],
    people: Sequence[int],
    withheld: Collection[int],
    together: Callable[[frozenset[int]], int] | None = None,
) -> tuple[frozenset[int], bool]:
    """Rows that add up to a total that is shown, some of them withheld: which shown rows to
    withhold as well, and whether the total must be withheld, so that the total less the rows
    shown gives back no withheld row.

    `sizes` are the rows' values (the smallest shown rows are withheld first), `people` how many
    people stand behind each row, `withheld` the rows withheld already, and `together(rows)` how
    many different people stand behind some rows (by default the sum of their `people`). The
    withheld rows must be at least two and stand for at least 5 people between them."""
    hidden = set(withheld)
    if not hidden:
        return frozenset(), False

    def enough() -> bool:
        if len(hidden) < 2:
            return False
        behind = (
            together(frozenset(hidden))
            if together is not None
            else sum(people[row] for row in hidden)
        )
        return behind >= SMALL_COUNT

    # A row nobody stands behind is 0 for all to see: withholding it protects nothing.
    spare = sorted(
        (row for row in range(len(sizes)) if row not in hidden and people[row] > 0),
        key=lambda row: (sizes[row], people[row], row),
    )
    extra: set[int] = set()
    for row in spare:
        if enough():
            break
        hidden.add(row)
        extra.add(row)
    if enough():
        return frozenset(extra), False
    return frozenset(), True


def protect_counts(
    values: Sequence[int],
    total: int,
    together: Callable[[frozenset[int]], int] | None = None,
) -> tuple[tuple[Count, ...], Count]:
    """Counts of people in rows that make up `total`, and the total: small ones withheld, and
    more withheld so that none comes back by subtraction (see complementary_suppression; pass
    `together` when one person can be in several rows)."""
    counts = [Count.people(n) for n in values]
    extra, hide_total = complementary_suppression(
        values, values, [row for row, count in enumerate(counts) if count.withheld], together
    )
    for row in extra:
        counts[row] = counts[row].withhold()
    whole = Count.people(total)
    return tuple(counts), whole.withhold() if hide_total else whole


def protect_hours(
    hours: Sequence[float],
    volunteers: Sequence[int],
    total_hours: float,
    total_volunteers: int,
    together: Callable[[frozenset[int]], int] | None = None,
) -> tuple[tuple[Hours, ...], Hours]:
    """Hours in rows that add up to `total_hours`, and the total: those given by fewer than 5
    volunteers withheld, and more withheld so that none comes back by subtraction. `together`
    counts the different volunteers behind some rows (one volunteer helps in several)."""
    lines = [Hours.of(value, n) for value, n in zip(hours, volunteers, strict=True)]
    extra, hide_total = complementary_suppression(
        hours, volunteers, [row for row, line in enumerate(lines) if line.withheld], together
    )
    for row in extra:
        lines[row] = lines[row].withhold()
    whole = Hours.of(total_hours, total_volunteers)
    return tuple(lines), whole.withhold() if hide_total else whole


def stock_count(n: int, *, rounded: bool) -> Count:
    """Volunteers on the books: rounded to the nearest 10 when a flow beside it is withheld,
    for its changes from month to month are the people joining less those leaving."""
    return Count.about(n) if rounded else Count.people(n)


# ---- activity figures ------------------------------------------------------------------------


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from start's month to end's month."""
    months: list[dt.date] = []
    day = start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date  # the first of the month
    registered: Count  # on the books at the end of the month
    active: Count  # gave time: at least one attended or confirmed booking that month
    new: Count  # joined that month
    leaving: Count  # left that month
    hours: Hours


@dataclass(frozen=True)
class ActivityFigures:
    """What community groups did in one period, in one area or the whole county."""

    start: dt.date
    end: dt.date
    area: Named | None  # None: every area
    registered: Count  # volunteers on the books at the end of the period
    active: Count  # volunteers who gave time in the period
    new: Count
    leaving: Count
    hours: Hours
    dbs_overdue: Count  # DBS renewal overdue on the reference day
    dbs_due_soon: Count  # due within `dbs_due_days` after it
    dbs_due_days: int
    dbs_day: dt.date  # the reference day (the end of the period, or today if sooner)
    welsh_speakers: Share  # fluent or conversational, of the volunteers on the books
    months: tuple[MonthFigures, ...]
    hours_by_group: tuple[HoursLine, ...]
    hours_by_service: tuple[HoursLine, ...]
    hours_by_area: tuple[HoursLine, ...]
    households_by_service: tuple[CountLine, ...]
    households: Count  # households supported in the period, any service
    groups_by_kind: tuple[tuple[OrganisationKind, int], ...]
    alerts_by_kind: tuple[tuple[AlertKind, Count], ...]  # open or acknowledged alerts

    @property
    def groups(self) -> int:
        return sum(count for _kind, count in self.groups_by_kind)

    @property
    def on_books_rounded(self) -> bool:
        """The numbers on the books are rounded to the nearest 10 (a flow beside is withheld)."""
        return self.registered.rounded or any(month.registered.rounded for month in self.months)


# Alerts about groups or coverage are counted as they are; the rest are about people.
ALERT_KINDS_ABOUT_GROUPS = frozenset({AlertKind.COVERAGE_OVERLAP, AlertKind.DUPLICATE_ORGANISATION})


def alert_count(kind: AlertKind, n: int) -> Count:
    return Count.exact(n) if kind in ALERT_KINDS_ABOUT_GROUPS else Count.people(n)


# ---- the coverage grid -----------------------------------------------------------------------


class GridGrouping(StrEnum):
    """What the grid's rows are: postcode districts, or named communities and wards."""

    DISTRICT = "district"
    COMMUNITY = "community"


class CoverageLevel(StrEnum):
    GAP = "gap"  # no group
    COVERED = "covered"  # one group, or groups each in a different part of the area
    SEVERAL = "several"  # two or more in the same place: possible duplication

    @classmethod
    def of(cls, groups: int, overlapping: int | None = None) -> CoverageLevel:
        """The level of a cell with `groups` groups, at most `overlapping` of them covering
        any one place (None: all of them cover the same place)."""
        if groups <= 0:
            return cls.GAP
        most = groups if overlapping is None else overlapping
        return cls.SEVERAL if most >= 2 else cls.COVERED

    @property
    def label(self) -> str:
        return _(_LEVEL_LABELS[self])


_LEVEL_LABELS = {
    CoverageLevel.GAP: N_("0: nobody (a gap)"),
    CoverageLevel.COVERED: N_("1: one group, or groups in different parts (no overlap)"),
    CoverageLevel.SEVERAL: N_("2 or more in the same place: possible duplication"),
}

LEVEL_COLOURS: Mapping[CoverageLevel, str] = {
    # Light tints that stay apart for colour-blind readers too; the number is always printed.
    CoverageLevel.GAP: "#F4B8A4",
    CoverageLevel.COVERED: "#C7E5D6",
    CoverageLevel.SEVERAL: "#F9DC8C",
}


@dataclass(frozen=True)
class GridCell:
    """One area and one service. `groups` counts every group working anywhere in the area;
    only groups covering the same place (both the whole area, one the whole and one a part,
    or the same part) make possible duplication: `overlapping` is the most groups covering
    any one place, so two groups in different sectors of a district have 2 and 1."""

    groups: int  # groups offering the service in all or part of the area
    partial: int = 0  # of those, groups covering only part of the area
    alerts: int = 0  # open (or acknowledged) coverage-overlap alerts between lines here
    group_uuids: tuple[str, ...] = ()
    overlapping: int = 0  # the most groups covering one place in the area
    overlapping_uuids: tuple[str, ...] = ()  # groups sharing a place with another group here

    @property
    def level(self) -> CoverageLevel:
        return CoverageLevel.of(self.groups, self.overlapping)

    @property
    def apart(self) -> bool:
        """Two or more groups here, each in a different part: no overlap."""
        return self.groups >= 2 and self.overlapping < 2


@dataclass(frozen=True)
class GridRow:
    area: Named  # key: the area's code
    kind: AreaKind
    depth: int  # 0: a district or community; 1: a sector within it
    parent: str  # the code of the row above it, "" for a top row
    children: int  # how many sector rows it expands to
    cells: tuple[GridCell, ...]


@dataclass(frozen=True)
class CoverageGrid:
    services: tuple[Named, ...]  # the columns; key: the service code
    rows: tuple[GridRow, ...]  # top rows, each followed by its sector rows
    grouping: GridGrouping
    weekday: int | None  # 0 = Monday; None = any day
    start: dt.date | None
    end: dt.date | None
    area: Named | None
    groups: Mapping[str, Named] = field(default_factory=dict)  # uuid -> the group's names

    def top_rows(self) -> list[GridRow]:
        return [row for row in self.rows if row.depth == 0]

    def children_of(self, code: str) -> list[GridRow]:
        return [row for row in self.rows if row.parent == code]

    def cell(self, area_code: str, service_code: str) -> GridCell | None:
        for row in self.rows:
            if row.area.key == area_code:
                for service, cell in zip(self.services, row.cells, strict=True):
                    if service.key == service_code:
                        return cell
        return None

    def gaps(self, *, depth: int = 0) -> list[tuple[GridRow, list[Named]]]:
        """Each row (at this depth) with the services nobody offers there."""
        found = []
        for row in self.rows:
            if row.depth != depth:
                continue
            missing = [
                service
                for service, cell in zip(self.services, row.cells, strict=True)
                if cell.groups == 0
            ]
            if missing:
                found.append((row, missing))
        return found

    def overlaps(self, *, depth: int = 0) -> list[tuple[GridRow, Named, GridCell]]:
        """Every cell (at this depth) where two or more groups offer the same service in the
        same place (not groups each working in a different part of the area)."""
        return [
            (row, service, cell)
            for row in self.rows
            if row.depth == depth
            for service, cell in zip(self.services, row.cells, strict=True)
            if cell.level is CoverageLevel.SEVERAL
        ]


@dataclass(frozen=True)
class CoverageLine:
    """One group's coverage line in a cell of the grid: where, which days and hours, when."""

    coverage_uuid: str
    group: Named  # key: the group's uuid
    group_kind: OrganisationKind
    area: Named  # key: the area code the line is for
    whole: bool  # the line covers all of the cell's area (not only part of it)
    weekdays: Weekdays
    start_time: dt.time | None
    end_time: dt.time | None
    start_date: dt.date | None
    end_date: dt.date | None
    alert_ids: tuple[int, ...]  # open coverage-overlap alerts about this line in the cell


@dataclass(frozen=True)
class CellDetail:
    area: Named
    service: Named
    lines: tuple[CoverageLine, ...]
    alert_ids: tuple[int, ...]  # open coverage-overlap alerts between lines of this cell
    overlapping: int = 0  # the most groups covering one place in the area

    @property
    def groups(self) -> int:
        return len({line.group.key for line in self.lines})

    @property
    def level(self) -> CoverageLevel:
        return CoverageLevel.of(self.groups, self.overlapping)


# ---- the community activity report -----------------------------------------------------------


@dataclass(frozen=True)
class CommunityReportData:
    """Everything the printed community activity report shows: counts only, no one's details."""

    figures: ActivityFigures
    grid: CoverageGrid
    overlaps: tuple[tuple[GridRow, Named, tuple[Named, ...], int], ...]
    # (row, service, the groups there, open alerts) for each cell with two or more groups
    organisation: Named | None  # who made the report (this CVC), when the database says
    made_on: dt.date
