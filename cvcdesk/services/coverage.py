"""The coverage grid: which groups offer which service where, the gaps and the overlaps.

Rows are postcode districts or named communities (each expandable to its postcode sectors),
columns are services, and each cell counts the groups whose coverage reaches the row's area
on the chosen day of the week and within the chosen dates. Areas nest as the overlap detector
sees them (cvcdesk.services.overlaps): a line for "SA61" covers the sector "SA61 1" whole, a
line for "SA61 1AB" covers part of it, and a community covers the postcodes it holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cvcdesk.domain.enums import AlertKind, AreaKind, OrganisationKind, Weekdays
from cvcdesk.domain.errors import FieldError, NotFoundError, ValidationError
from cvcdesk.domain.figures import (
    CellDetail,
    CoverageGrid,
    CoverageLine,
    GridCell,
    GridGrouping,
    GridRow,
    Named,
)
from cvcdesk.domain.names import english_sort_key
from cvcdesk.domain.validation import InvalidValue, postcode_area_code
from cvcdesk.i18n import _
from cvcdesk.services import overlaps
from cvcdesk.services.alerts import ACTIVE
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m

_ACTIVE = ACTIVE  # open and acknowledged, as the Alerts page counts them
_POSTCODE_KINDS = frozenset({AreaKind.DISTRICT.value, AreaKind.SECTOR.value, AreaKind.UNIT.value})
_NAMED_KINDS = frozenset({AreaKind.COMMUNITY.value, AreaKind.WARD.value})
_DISTRICT_PARTS = re.compile(r"^([A-Z]+)(\d*)(.*)$")
_AREA_COLUMNS = (
    m.Area.id,
    m.Area.code,
    m.Area.kind,
    m.Area.name_en,
    m.Area.name_cy,
    m.Area.parent_id,
)


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    """Refuse a period that ends before it starts."""
    if start is not None and end is not None and end < start:
        raise ValidationError(
            [
                FieldError(
                    "period",
                    _("The period ends on {end}, before it starts on {start}.").format(
                        start=start.isoformat(), end=end.isoformat()
                    ),
                )
            ]
        )


def postcode_sort_key(code: str) -> tuple[str, int, str]:
    """SA1 < SA2 < SA10 < SA61 < SA61 1: letters, then the district number, then the rest."""
    outward, _sep, inward = code.partition(" ")
    match = _DISTRICT_PARTS.match(outward.upper())
    if match is None:
        return (code.upper(), 0, "")
    letters, number, rest = match.groups()
    return (letters, int(number) if number else 0, f"{rest} {inward}")


# ---- areas -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaInfo:
    id: int
    code: str
    kind: str
    name_en: str
    name_cy: str
    parent_id: int | None

    @property
    def named(self) -> Named:
        return Named(self.code, self.name_en or self.code, self.name_cy or self.name_en)


@dataclass(frozen=True)
class AreaMap:
    """Every live area of the database with the nesting the overlap detector uses."""

    info: dict[int, AreaInfo]
    shapes: dict[int, overlaps._Area]
    by_code: dict[str, AreaInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code.update((info.code, info) for info in self.info.values())

    def relation(self, a: int, b: int) -> str | None:
        return overlaps._area_relation(self.shapes[a], self.shapes[b])

    def covers(self, outer: int, inner: int) -> bool:
        return overlaps._covers(self.shapes[outer], self.shapes[inner])

    def overlapping(self, area_id: int) -> set[int]:
        """Areas that share any ground with this one (itself, above, below or beside it)."""
        target = self.shapes[area_id]
        return {
            other
            for other, shape in self.shapes.items()
            if shape.blocks & target.blocks and self.relation(other, area_id) is not None
        }

    def postcodes(self, area_id: int) -> frozenset[str]:
        return self.shapes[area_id].postcodes


def load_area_map(session: Session) -> AreaMap:
    """Every live area, plus the postcode districts and sectors that communities hold but that
    have no area of their own yet (so the grid has a row for them)."""
    shapes = overlaps._load_areas(session)
    info = {
        row[0]: AreaInfo(*row)
        for row in session.execute(select(*_AREA_COLUMNS).where(m.Area.deleted.is_(False)))
    }
    live = {area_id: shapes[area_id] for area_id in info if area_id in shapes}
    codes = {a.code: a.id for a in info.values()}
    next_id = -1
    for shape in list(live.values()):
        for postcode in sorted(shape.postcodes):
            outward, _sep, inward = postcode.partition(" ")
            chain = [(outward, AreaKind.DISTRICT.value)]
            if inward:
                chain.append((f"{outward} {inward[0]}", AreaKind.SECTOR.value))
            parent: int | None = None
            for code, kind in chain:
                known = codes.get(code)
                if known is None:
                    known = codes[code] = next_id
                    next_id -= 1
                    info[known] = AreaInfo(known, code, kind, code, code, parent)
                    live[known] = overlaps._Area(
                        known,
                        code,
                        frozenset({known} | ({parent} if parent is not None else set())),
                        frozenset({code}),
                        frozenset({"pc:" + outward}),
                    )
                parent = known
    return AreaMap(info, live)


def _postcode_kind(code: str) -> str:
    inward = code.partition(" ")[2]
    if not inward:
        return AreaKind.DISTRICT.value
    return AreaKind.SECTOR.value if len(inward) == 1 else AreaKind.UNIT.value


def _add_postcode_area(areas: AreaMap, code: str) -> AreaInfo:
    """A postcode district, sector or unit that has no area row (nobody recorded work for it
    by that code): added to the map with a negative id, nested under the districts and
    sectors the map knows, as load_area_map does for the postcodes communities hold."""
    outward, _sep, inward = code.partition(" ")
    above = [outward]
    if len(inward) > 1:
        above.append(f"{outward} {inward[0]}")
    ancestors: set[int] = set()
    parent: int | None = None
    for link in above:
        known = areas.by_code.get(link)
        if known is not None:
            parent = known.id
            ancestors |= (
                areas.shapes[known.id].ancestors if known.id in areas.shapes else {known.id}
            )
    new_id = min([0, *areas.info]) - 1
    info = AreaInfo(new_id, code, _postcode_kind(code), code, code, parent)
    areas.info[new_id] = info
    areas.by_code[code] = info
    areas.shapes[new_id] = overlaps._Area(
        new_id,
        code,
        frozenset({new_id} | ancestors),
        frozenset({code}),
        frozenset({"pc:" + outward}),
    )
    return info


def find_area(areas: AreaMap, text: str) -> AreaInfo:
    """An area by its code ("SA61", "sa61 1", a community's code) or its English or Welsh name.

    Any well-formed postcode district, sector or unit is an area, whether or not a row was
    ever made for it: one without a row is added to `areas` with a negative id."""
    wanted = (text or "").strip()
    candidates = [wanted]
    postcode: str | None = None
    with contextlib.suppress(InvalidValue):
        postcode = postcode_area_code(wanted)
        candidates.insert(0, postcode)
    for code in candidates:
        if code in areas.by_code:
            return areas.by_code[code]
    folded = wanted.casefold()
    for info in sorted(areas.info.values(), key=lambda a: (a.id < 0, abs(a.id))):
        if folded in (info.code.casefold(), info.name_en.casefold(), info.name_cy.casefold()):
            return info
    if postcode is not None:
        return _add_postcode_area(areas, postcode)
    raise NotFoundError(
        _(
            "There is no area “{code}”. Use a postcode district such as SA61, a sector "
            "such as SA61 1, or the code of a community you have added."
        ).format(code=wanted)
    )


def postcode_clause(
    column: InstrumentedAttribute[str], postcodes: Iterable[str]
) -> ColumnElement[bool]:
    """`column` (a full postcode) lies in one of these districts, sectors or units."""
    clauses: list[ColumnElement[bool]] = []
    for code in sorted(set(postcodes)):
        outward, _sep, inward = code.partition(" ")
        if not inward:
            clauses.append(column.like(f"{outward} %"))
        elif len(inward) == 1:
            clauses.append(column.like(f"{outward} {inward}%"))
        else:
            clauses.append(column == code)
    if not clauses:
        return false()
    return or_(*clauses)


# ---- the grid --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    id: int
    uuid: str
    group_uuid: str
    group_en: str
    group_cy: str
    group_kind: str
    service_id: int
    area_id: int
    weekdays: int
    start_time: dt.time | None
    end_time: dt.time | None
    start_date: dt.date | None
    end_date: dt.date | None


@dataclass
class _Reach:
    """The groups working in one cell: all of them, those covering the whole area, and where
    each line works in it."""

    everyone: set[str] = field(default_factory=set)
    whole: set[str] = field(default_factory=set)
    places: list[tuple[str, frozenset[_Place] | None]] = field(default_factory=list)


@dataclass(frozen=True)
class _RowSpec:
    area: AreaInfo
    depth: int
    parent: str
    children: int


def _in_filters(
    line: _Line, weekday: int | None, start: dt.date | None, end: dt.date | None
) -> bool:
    if weekday is not None and not line.weekdays & (1 << weekday):
        return False
    if start is None and end is None:
        return True
    return overlaps._date_window(line.start_date, line.end_date, start, end)[0]


# A place inside a row's area that a coverage line reaches: (area id, postcode code), the code
# "" when the area holds no postcodes (it nests only through parent links). None: all of it.
_Place = tuple[int, str]


def _inner(a: str, b: str) -> str | None:
    """The smaller of two nested postcode codes, None when they do not nest."""
    if overlaps._pc_contains(a, b):
        return b
    if overlaps._pc_contains(b, a):
        return a
    return None


class _Matcher:
    """Which coverage lines reach which row areas, whole or in part, and in which places."""

    def __init__(self, areas: AreaMap, lines: Sequence[_Line]) -> None:
        self.areas = areas
        self.by_block: dict[str, list[_Line]] = defaultdict(list)
        for line in lines:
            shape = areas.shapes.get(line.area_id)
            if shape is None:
                continue
            for block in shape.blocks:
                self.by_block[block].append(line)
        self._relations: dict[tuple[int, int], tuple[bool, bool]] = {}
        self._places: dict[tuple[int, int], frozenset[_Place] | None] = {}

    def lines_for(self, area_id: int) -> list[tuple[_Line, bool]]:
        """(line, covers the whole area) for every line reaching the area."""
        shape = self.areas.shapes.get(area_id)
        if shape is None:
            return []
        seen: set[int] = set()
        found: list[tuple[_Line, bool]] = []
        for block in shape.blocks:
            for line in self.by_block.get(block, ()):
                if line.id in seen:
                    continue
                seen.add(line.id)
                key = (line.area_id, area_id)
                known = self._relations.get(key)
                if known is None:
                    relation = self.areas.relation(line.area_id, area_id)
                    known = (relation is not None, relation in ("same", "b_in_a"))
                    self._relations[key] = known
                if known[0]:
                    found.append((line, known[1]))
        return found

    def places(self, line_area: int, row_area: int, whole: bool) -> frozenset[_Place] | None:
        """Where in the row's area a line for `line_area` works (None: all of it)."""
        if whole:
            return None
        key = (line_area, row_area)
        if key not in self._places:
            line, row = self.areas.shapes[line_area], self.areas.shapes[row_area]
            codes = {
                inner
                for p in line.postcodes
                for q in row.postcodes
                if (inner := _inner(p, q)) is not None
            } or set(line.postcodes)  # nested only through parent links: its own postcodes
            self._places[key] = frozenset((line_area, code) for code in codes) or frozenset(
                {(line_area, "")}
            )
        return self._places[key]

    def _contains(self, outer: _Place, inner: _Place) -> bool:
        if outer == inner:
            return True
        if outer[1] and inner[1]:
            return overlaps._pc_contains(outer[1], inner[1])
        return outer[0] in self.areas.shapes[inner[0]].ancestors

    def most_at_one_place(
        self, reach: Iterable[tuple[str, frozenset[_Place] | None]]
    ) -> tuple[int, set[str]]:
        """(the most groups covering any one place, the groups sharing a place with another)
        from each group's places in the area (None: all of it)."""
        whole: set[str] = set()
        parts: dict[str, set[_Place]] = defaultdict(set)
        for group, places in reach:
            if places is None:
                whole.add(group)
            else:
                parts[group] |= places
        for group in whole:
            parts.pop(group, None)
        most = len(whole)
        crowded = set(whole) if len(whole) >= 2 else set()
        # Postcode places nest (district > sector > unit): the groups covering any spot are
        # those covering the smallest place around it, and that place is one of theirs.
        for place in set().union(*parts.values()) if parts else ():
            here = {
                group
                for group, places in parts.items()
                if any(self._contains(mine, place) for mine in places)
            }
            count = len(whole) + len(here)
            most = max(most, count)
            if count >= 2:
                crowded |= whole | here
        return most, crowded


def _services(session: Session) -> list[tuple[int, Named]]:
    return [
        (row[0], Named(row[1], row[2], row[3]))
        for row in session.execute(
            select(
                m.ServiceType.id, m.ServiceType.code, m.ServiceType.label_en, m.ServiceType.label_cy
            )
            .where(m.ServiceType.deleted.is_(False))
            .order_by(m.ServiceType.sort_order, m.ServiceType.code)
        )
    ]


def _lines(session: Session, service_ids: Iterable[int] | None = None) -> list[_Line]:
    stmt = (
        select(
            m.Coverage.id,
            m.Coverage.uuid,
            m.Organisation.uuid,
            m.Organisation.name_en,
            m.Organisation.name_cy,
            m.Organisation.kind,
            m.Coverage.service_type_id,
            m.Coverage.area_id,
            m.Coverage.weekdays,
            m.Coverage.start_time,
            m.Coverage.end_time,
            m.Coverage.start_date,
            m.Coverage.end_date,
        )
        .join(m.Organisation, m.Organisation.id == m.Coverage.organisation_id)
        .where(m.Coverage.deleted.is_(False), m.Organisation.deleted.is_(False))
    )
    if service_ids is not None:
        stmt = stmt.where(m.Coverage.service_type_id.in_(list(service_ids)))
    return [_Line(*tuple(row)) for row in session.execute(stmt)]


def _coverage_alerts(session: Session) -> dict[int, frozenset[str]]:
    """Open (or acknowledged) coverage-overlap alerts: id -> the coverage lines involved."""
    found: dict[int, set[str]] = defaultdict(set)
    for alert_id, uuid in session.execute(
        select(m.Alert.id, m.AlertRecord.record_uuid)
        .join(m.AlertRecord, m.AlertRecord.alert_id == m.Alert.id)
        .where(
            m.Alert.kind == AlertKind.COVERAGE_OVERLAP.value,
            m.Alert.status.in_(_ACTIVE),
            m.Alert.deleted.is_(False),
            m.AlertRecord.record_type == "coverage",
        )
    ):
        found[alert_id].add(uuid)
    return {alert_id: frozenset(uuids) for alert_id, uuids in found.items() if uuids}


def _alerts_within(alerts: dict[int, frozenset[str]], uuids: set[str]) -> list[int]:
    return sorted(alert_id for alert_id, lines in alerts.items() if lines <= uuids)


def _named_sort(info: AreaInfo) -> tuple[str, str]:
    return (english_sort_key(info.name_en or info.code), info.code)


def _row_specs(areas: AreaMap, grouping: GridGrouping, area: AreaInfo | None) -> list[_RowSpec]:
    infos = areas.info
    sectors = [a for a in infos.values() if a.kind == AreaKind.SECTOR.value]

    def children(top: AreaInfo) -> list[AreaInfo]:
        if top.kind == AreaKind.DISTRICT.value:
            found = [s for s in sectors if s.code.partition(" ")[0] == top.code]
        elif top.kind in _NAMED_KINDS:
            found = [
                s
                for s in sectors
                if s.id in areas.shapes
                and top.id in areas.shapes
                and areas.relation(s.id, top.id) is not None
            ]
        else:
            found = []
        return sorted(found, key=lambda s: postcode_sort_key(s.code))

    if area is not None:
        tops = [area]
    elif grouping == GridGrouping.DISTRICT:
        tops = sorted(
            (a for a in infos.values() if a.kind == AreaKind.DISTRICT.value),
            key=lambda a: postcode_sort_key(a.code),
        )
    else:
        tops = sorted((a for a in infos.values() if a.kind in _NAMED_KINDS), key=_named_sort)
    specs: list[_RowSpec] = []
    for top in tops:
        below = children(top)
        specs.append(_RowSpec(top, 0, "", len(below)))
        specs.extend(_RowSpec(child, 1, top.code, 0) for child in below)
    return specs


class CoverageService(ServiceBase):
    def grid(
        self,
        *,
        grouping: GridGrouping = GridGrouping.DISTRICT,
        area: str | None = None,
        weekday: int | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> CoverageGrid:
        """Areas (rows) by services (columns): how many groups offer each service in each area
        on `weekday` (0 = Monday; None = any day) at some time from `start` to `end`.

        With `area`, the grid is that area and its sectors; otherwise every district (or every
        community, by `grouping`) followed by its sectors.
        """
        check_period(start, end)
        if weekday is not None and not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday} is not 0 to 6")
        with self._read() as session:
            return build_grid(
                session, grouping=grouping, area=area, weekday=weekday, start=start, end=end
            )

    def cell(
        self,
        area: str,
        service: str,
        *,
        weekday: int | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> CellDetail:
        """The groups offering `service` in `area`: their lines, days, hours, dates and the
        open coverage-overlap alerts between them."""
        check_period(start, end)
        with self._read() as session:
            areas = load_area_map(session)
            target = find_area(areas, area)
            services = {named.key: (sid, named) for sid, named in _services(session)}
            if service not in services:
                raise NotFoundError(
                    _("There is no service “{code}”. Known services: {known}.").format(
                        code=service, known=", ".join(services)
                    )
                )
            service_id, service_named = services[service]
            lines = [
                line
                for line in _lines(session, [service_id])
                if _in_filters(line, weekday, start, end)
            ]
            matcher = _Matcher(areas, lines)
            found = matcher.lines_for(target.id)
            most, _crowded = matcher.most_at_one_place(
                (line.group_uuid, matcher.places(line.area_id, target.id, whole))
                for line, whole in found
            )
            alerts = _coverage_alerts(session)
            uuids = {line.uuid for line, _whole in found}
            cell_alerts = _alerts_within(alerts, uuids)
            details = []
            for line, whole in found:
                info = areas.info[line.area_id]
                details.append(
                    CoverageLine(
                        coverage_uuid=line.uuid,
                        group=Named(line.group_uuid, line.group_en, line.group_cy),
                        group_kind=_kind(line.group_kind),
                        area=info.named,
                        whole=whole,
                        weekdays=Weekdays(line.weekdays & 127),
                        start_time=line.start_time,
                        end_time=line.end_time,
                        start_date=line.start_date,
                        end_date=line.end_date,
                        alert_ids=tuple(a for a in cell_alerts if line.uuid in alerts[a]),
                    )
                )
            details.sort(
                key=lambda d: (d.group.name().casefold(), d.group.key, d.area.key, d.coverage_uuid)
            )
            return CellDetail(
                area=target.named,
                service=service_named,
                lines=tuple(details),
                alert_ids=tuple(cell_alerts),
                overlapping=most,
            )

    def areas(self, grouping: GridGrouping | None = None) -> list[Named]:
        """The areas a coordinator can pick: districts, then communities and wards."""
        with self._read() as session:
            rows = list(load_area_map(session).info.values())
        districts = sorted(
            (a for a in rows if a.kind == AreaKind.DISTRICT.value),
            key=lambda a: postcode_sort_key(a.code),
        )
        named = sorted((a for a in rows if a.kind in _NAMED_KINDS), key=_named_sort)
        if grouping == GridGrouping.DISTRICT:
            named = []
        elif grouping == GridGrouping.COMMUNITY:
            districts = []
        return [a.named for a in (*districts, *named)]


def _kind(value: str) -> OrganisationKind:
    try:
        return OrganisationKind(value)
    except ValueError:
        return OrganisationKind.OTHER


def build_grid(
    session: Session,
    *,
    grouping: GridGrouping = GridGrouping.DISTRICT,
    area: str | None = None,
    weekday: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> CoverageGrid:
    """The grid inside an open session (the report builds it in the same transaction)."""
    areas = load_area_map(session)
    target = find_area(areas, area) if area else None
    services = _services(session)
    column = {sid: index for index, (sid, _named) in enumerate(services)}
    lines = [
        line
        for line in _lines(session)
        if line.service_id in column and _in_filters(line, weekday, start, end)
    ]
    matcher = _Matcher(areas, lines)
    alerts = _coverage_alerts(session)
    specs = _row_specs(areas, grouping, target)
    groups: dict[str, Named] = {}
    rows: list[GridRow] = []
    cells_of_line: dict[str, list[tuple[int, int]]] = defaultdict(list)
    raw: list[list[_Reach]] = []
    for row_index, spec in enumerate(specs):
        per_service = [_Reach() for _s in services]
        for line, whole in matcher.lines_for(spec.area.id):
            reach = per_service[column[line.service_id]]
            reach.everyone.add(line.group_uuid)
            if whole:
                reach.whole.add(line.group_uuid)
            reach.places.append(
                (line.group_uuid, matcher.places(line.area_id, spec.area.id, whole))
            )
            cells_of_line[line.uuid].append((row_index, column[line.service_id]))
            groups.setdefault(line.group_uuid, Named(line.group_uuid, line.group_en, line.group_cy))
        raw.append(per_service)
    alert_counts: dict[tuple[int, int], int] = defaultdict(int)
    for uuids in alerts.values():
        shared: set[tuple[int, int]] | None = None
        for uuid in uuids:
            places = set(cells_of_line.get(uuid, ()))
            shared = places if shared is None else shared & places
            if not shared:
                break
        for place in shared or ():
            alert_counts[place] += 1

    def by_name(uuids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(uuids, key=lambda u: (groups[u].name_en.casefold(), u)))

    for row_index, spec in enumerate(specs):
        cells = []
        for service_index, reach in enumerate(raw[row_index]):
            most, crowded = matcher.most_at_one_place(reach.places)
            cells.append(
                GridCell(
                    groups=len(reach.everyone),
                    partial=len(reach.everyone - reach.whole),
                    alerts=alert_counts.get((row_index, service_index), 0),
                    group_uuids=by_name(reach.everyone),
                    overlapping=most,
                    overlapping_uuids=by_name(crowded),
                )
            )
        rows.append(
            GridRow(
                area=spec.area.named,
                kind=AreaKind(spec.area.kind),
                depth=spec.depth,
                parent=spec.parent,
                children=spec.children,
                cells=tuple(cells),
            )
        )
    return CoverageGrid(
        services=tuple(named for _sid, named in services),
        rows=tuple(rows),
        grouping=grouping,
        weekday=weekday,
        start=start,
        end=end,
        area=target.named if target is not None else None,
        groups=groups,
    )
