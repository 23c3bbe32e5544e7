"""Figures about community work: the coverage grid, activity by month, and small counts withheld.

Counts of people (volunteers, households, alerts about people) between 1 and 4 are withheld
and shown as "fewer than 5", so no one can be identified from a published figure. The raw
number never leaves the service that counted it: a withheld count holds no value at all.
Counts of groups and coverage lines are about organisations and are shown as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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

_FEWER = N_("fewer than 5")


def fewer_than_text() -> str:
    """The words for a withheld count, in the current language."""
    return _(_FEWER)


def _format_hours(value: float) -> str:
    return format_number(round(value, 1))


# ---- counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A count that may be withheld: `value` is None for a count of people from 1 to 4, or
    (with `small` False) for a larger count that would reveal a small one beside it."""

    value: int | None
    small: bool = True

    @classmethod
    def people(cls, n: int) -> Count:
        """A count of people or households: small numbers are withheld."""
        return cls(None if 0 < n < SMALL_COUNT else int(n))

    @classmethod
    def exact(cls, n: int) -> Count:
        """A count of groups or coverage lines: never withheld."""
        return cls(int(n))

    @property
    def withheld(self) -> bool:
        return self.value is None

    def text(self) -> str:
        if self.value is None:
            return fewer_than_text() if self.small else _("withheld")
        return format_number(self.value)

    def export(self) -> int | str:
        if self.value is None:
            return WITHHELD_EXPORT if self.small else WITHHELD_OTHER
        return self.value


ZERO = Count(0)


@dataclass(frozen=True)
class Hours:
    """Hours given; withheld (None) when fewer than 5 volunteers gave them."""

    value: float | None
    volunteers: Count

    @classmethod
    def of(cls, hours: float, volunteers: int) -> Hours:
        count = Count.people(volunteers)
        return cls(None if count.withheld else round(float(hours), 2), count)

    @property
    def withheld(self) -> bool:
        return self.value is None

    def text(self) -> str:
        if self.value is None:
            return _("withheld (fewer than 5 volunteers)")
        return _format_hours(self.value)

    def export(self) -> float | str:
        return WITHHELD_EXPORT if self.value is None else round(self.value, 1)


NO_HOURS = Hours(0.0, ZERO)


@dataclass(frozen=True)
class Share:
    """A part of a whole as a percentage. Withheld when the part, or the rest of the whole, is
    a small count: "98% of 100" would otherwise tell that two people are not in the part."""

    part: Count
    whole: Count
    percent: float | None

    @classmethod
    def of(cls, part: int, whole: int) -> Share:
        rest = whole - part
        hidden = 0 < part < SMALL_COUNT or 0 < rest < SMALL_COUNT or 0 < whole < SMALL_COUNT
        percent = None if hidden or whole <= 0 else round(100.0 * part / whole, 1)
        # 98 of 100 would tell the other 2: the 98 is withheld too, though it is not small.
        revealing = hidden and part >= SMALL_COUNT
        shown = Count(None, small=False) if revealing else Count.people(part)
        return cls(shown, Count.people(whole), percent)

    @property
    def withheld(self) -> bool:
        return self.percent is None and self.whole.value != 0

    def text(self) -> str:
        if self.percent is None:
            return _("withheld (small numbers)") if self.withheld else "—"
        return _("{percent}%").format(percent=format_number(self.percent))

    def export(self) -> float | str:
        if self.percent is None:
            return WITHHELD_EXPORT if self.withheld else ""
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
    alerts_by_kind: tuple[tuple[AlertKind, Count], ...]  # open alerts

    @property
    def groups(self) -> int:
        return sum(count for _kind, count in self.groups_by_kind)


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
    COVERED = "covered"  # one group
    SEVERAL = "several"  # two or more: possible duplication

    @classmethod
    def of(cls, groups: int) -> CoverageLevel:
        if groups <= 0:
            return cls.GAP
        return cls.COVERED if groups == 1 else cls.SEVERAL

    @property
    def label(self) -> str:
        return _(_LEVEL_LABELS[self])


_LEVEL_LABELS = {
    CoverageLevel.GAP: N_("0: nobody (a gap)"),
    CoverageLevel.COVERED: N_("1: one group"),
    CoverageLevel.SEVERAL: N_("2 or more: possible duplication"),
}

LEVEL_COLOURS: Mapping[CoverageLevel, str] = {
    # Light tints that stay apart for colour-blind readers too; the number is always printed.
    CoverageLevel.GAP: "#F4B8A4",
    CoverageLevel.COVERED: "#C7E5D6",
    CoverageLevel.SEVERAL: "#F9DC8C",
}


@dataclass(frozen=True)
class GridCell:
    groups: int  # groups offering the service in all or part of the area
    partial: int = 0  # of those, groups covering only part of the area
    alerts: int = 0  # open coverage-overlap alerts between lines in this cell
    group_uuids: tuple[str, ...] = ()

    @property
    def level(self) -> CoverageLevel:
        return CoverageLevel.of(self.groups)


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
        """Every cell (at this depth) where two or more groups offer the same service."""
        return [
            (row, service, cell)
            for row in self.rows
            if row.depth == depth
            for service, cell in zip(self.services, row.cells, strict=True)
            if cell.groups >= 2
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

    @property
    def groups(self) -> int:
        return len({line.group.key for line in self.lines})


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
