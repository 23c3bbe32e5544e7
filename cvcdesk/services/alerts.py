"""Duplicated-effort alerts: scanning, each alert's lifecycle, and the list a coordinator works
through (DESIGN §3, §4).

An alert is stored once per (kind, pair_key). Its status moves open -> acknowledged ->
dismissed ("not a duplicate", with a reason) or resolved. A decision is remembered by that key,
so no rescan reopens a dismissed pair or one a coordinator resolved. An alert that was resolved
by a scan (its problem went away, or a record it was about was deleted) opens again if the
problem comes back.

Rescans are incremental: only records whose clock value is after the last scan's are handed to
the detectors, and only the alerts about those records are re-examined. Detectors that depend
on today's date (DBS renewals, upcoming shifts) run in full when the date or their setting
changed, so an incremental scan always ends where a full scan would.
"""

from __future__ import annotations

import builtins
import datetime as dt
import importlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session

from cvcdesk.domain.alerts import Finding, Reason
from cvcdesk.domain.clock import Timestamp
from cvcdesk.domain.enums import AlertKind, AlertStatus, DbsLevel
from cvcdesk.domain.errors import CvcError, FieldError, NotFoundError, ValidationError
from cvcdesk.i18n import (
    _,
    current_language,
    format_date,
    format_datetime,
    format_number,
    format_time,
    weekday_name,
)
from cvcdesk.services import overlaps
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback, ServiceBase
from cvcdesk.store import models as m
from cvcdesk.store.database import Database
from cvcdesk.store.models import new_uuid, utcnow

SETTING_LAST_SCAN = "alerts.last_scan_clock"
SETTING_SCAN_DATE = "alerts.last_scan_date"
SETTING_SCAN_DBS_DAYS = "alerts.last_scan_dbs_due_days"
SETTING_DBS_DUE_DAYS = "alerts.dbs_due_days"
"""How many days before a DBS renewal is due an alert is raised (a whole number)."""

ACTIVE = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)
AUTO_GONE = "auto:gone"  # a rescan no longer finds the problem
AUTO_DELETED = "auto:deleted"  # a record the alert was about was deleted or merged away
MERGED = "merge"  # the coordinator merged the two records
FULL_SCAN_ABOVE = 20_000  # so many changed records that a full scan is quicker
RECHECK_MS = 5 * 60 * 1000
"""Records changed this long before the last scan are looked at again, in case a save that
took its clock value before the scan began was committed after the scan read the database."""
_CHUNK = 500

RECORD_MODELS: dict[str, type[m.Shareable]] = {
    "volunteer": m.Volunteer,
    "organisation": m.Organisation,
    "coverage": m.Coverage,
    "household": m.Household,
    "household_support": m.HouseholdSupport,
    "activity": m.Activity,
    "shift": m.Shift,
    "assignment": m.Assignment,
    "membership": m.Membership,
    "area": m.Area,
}
# Records whose changes a rescan looks at (everything a detector reads).
_WATCHED: tuple[type[m.Shareable], ...] = (
    m.Volunteer,
    m.Organisation,
    m.Membership,
    m.Coverage,
    m.Area,
    m.Household,
    m.HouseholdSupport,
    m.Activity,
    m.Shift,
    m.Assignment,
)


def _alert_table() -> Table:
    return m.Base.metadata.tables["alert"]


def _record_table() -> Table:
    return m.Base.metadata.tables["alert_record"]


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterable[builtins.list[Any]]:
    batch: builtins.list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---- detectors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanContext:
    """What a scan tells every detector."""

    today: dt.date
    dbs_due_days: int


DetectorFind = Callable[
    [Session, Collection[str] | None, ProgressCallback | None, CancelFlag | None, ScanContext],
    list[Finding],
]
DetectorScope = Callable[[Session, Collection[str]], set[str]]


@dataclass(frozen=True)
class Detector:
    """One kind of alert: how to find it, and which records a change puts back under review.

    `find(session, only, progress, cancel, context)` returns the findings that involve a
    record in `scope(session, only)` (all findings when `only` is None).
    """

    kind: AlertKind
    find: DetectorFind
    scope: DetectorScope
    time_dependent: bool = False


def _with_member_volunteers(session: Session, changed: Collection[str]) -> set[str]:
    """The changed uuids plus the volunteers and groups of changed memberships."""
    found = set(changed)
    for batch in _chunks(sorted(changed)):
        for volunteer, organisation in session.execute(
            select(m.Volunteer.uuid, m.Organisation.uuid)
            .join(m.Membership, m.Membership.volunteer_id == m.Volunteer.id)
            .join(m.Organisation, m.Organisation.id == m.Membership.organisation_id)
            .where(m.Membership.uuid.in_(batch))
        ):
            found.update((volunteer, organisation))
    return found


def _duplicates_module() -> Any:
    """cvcdesk.services.duplicates, imported on first use (it registers its reason texts)."""
    try:
        return importlib.import_module("cvcdesk.services.duplicates")
    except ModuleNotFoundError as exc:
        if exc.name != "cvcdesk.services.duplicates":
            raise
        return None


def duplicate_detectors() -> builtins.list[Detector]:
    """Same person or group twice (cvcdesk.services.duplicates), when that module is there."""
    module = _duplicates_module()
    if module is None:
        return []
    detectors = []
    for kind, name in (
        (AlertKind.DUPLICATE_VOLUNTEER, "find_duplicate_volunteers"),
        (AlertKind.DUPLICATE_ORGANISATION, "find_duplicate_organisations"),
    ):
        function = getattr(module, name, None)
        if function is None:
            continue

        def find(
            session: Session,
            only: Collection[str] | None,
            progress: ProgressCallback | None,
            cancel: CancelFlag | None,
            _context: ScanContext,
            function: Callable[..., list[Finding]] = function,
        ) -> list[Finding]:
            wider = None if only is None else _with_member_volunteers(session, only)
            return function(session, only=wider, progress=progress, cancel=cancel)

        detectors.append(Detector(kind, find, _with_member_volunteers))
    return detectors


def overlap_detectors() -> builtins.list[Detector]:
    """Coverage, households, double bookings and DBS problems (cvcdesk.services.overlaps)."""

    def coverage(
        session: Session,
        only: Collection[str] | None,
        progress: ProgressCallback | None,
        cancel: CancelFlag | None,
        _context: ScanContext,
    ) -> list[Finding]:
        return overlaps.find_coverage_overlaps(session, only=only, progress=progress, cancel=cancel)

    def households(
        session: Session,
        only: Collection[str] | None,
        progress: ProgressCallback | None,
        cancel: CancelFlag | None,
        _context: ScanContext,
    ) -> list[Finding]:
        return overlaps.find_household_overlaps(
            session, only=only, progress=progress, cancel=cancel
        )

    def bookings(
        session: Session,
        only: Collection[str] | None,
        progress: ProgressCallback | None,
        cancel: CancelFlag | None,
        _context: ScanContext,
    ) -> list[Finding]:
        return overlaps.find_double_bookings(session, only=only, progress=progress, cancel=cancel)

    def dbs(
        session: Session,
        only: Collection[str] | None,
        progress: ProgressCallback | None,
        cancel: CancelFlag | None,
        context: ScanContext,
    ) -> list[Finding]:
        return overlaps.find_dbs_problems(
            session,
            only=only,
            today=context.today,
            due_within_days=context.dbs_due_days,
            progress=progress,
            cancel=cancel,
        )

    return [
        Detector(AlertKind.COVERAGE_OVERLAP, coverage, overlaps.coverage_scope),
        Detector(AlertKind.HOUSEHOLD_OVERLAP, households, overlaps.household_scope),
        Detector(AlertKind.DOUBLE_BOOKING, bookings, overlaps.booking_scope),
        Detector(AlertKind.DBS_PROBLEM, dbs, overlaps.dbs_scope, time_dependent=True),
    ]


def default_detectors() -> builtins.list[Detector]:
    return [*duplicate_detectors(), *overlap_detectors()]


# ---- what the service returns --------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    full: bool
    counts: dict[AlertKind, int]  # open alerts of each kind after the scan
    new: int
    reopened: int
    resolved: int
    changed_records: int  # records changed since the last scan (0 for a full scan)


@dataclass(frozen=True)
class AlertRecordRow:
    """A record an alert is about, as the list shows it and links to it."""

    record_type: str
    uuid: str
    reference: str = ""  # a volunteer's or household's reference
    name: str = ""  # a display name in the current language
    group_uuid: str = ""  # the group a coverage line, booking or activity belongs to
    missing: bool = False  # deleted, merged away or not in this database


@dataclass(frozen=True)
class AlertRow:
    id: int
    uuid: str
    kind: AlertKind
    status: AlertStatus
    score: float
    reasons: tuple[str, ...]
    records: tuple[AlertRecordRow, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision: str  # the dismissal reason, or what resolved it, in the current language
    version: int

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def status_label(self) -> str:
        return self.status.label


@dataclass
class _Tally:
    new: int = 0
    reopened: int = 0
    resolved: int = 0


@dataclass(frozen=True)
class _Stored:
    id: int
    status: str
    score: float
    reasons: str
    decision_reason: str


_REASONS_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def reasons_json(reasons: Sequence[Reason]) -> str:
    """As json.dumps(..., ensure_ascii=False, sort_keys=True), with one encoder for them all."""
    return _REASONS_ENCODER.encode([reason.to_json() for reason in reasons])


def _insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table` in one statement run for each.

    On SQLite the rows go straight to the driver, each distinct value of a column that needs
    converting (dates, flags) converted once, rather than through SQLAlchemy's per-row
    processing, which costs more than SQLite's own work for a scan's thousands of alerts.
    Elsewhere it is a plain Core INSERT.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        session.execute(insert(table), builtins.list(rows))
        return
    names = builtins.list(rows[0])
    converters: builtins.list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = []
    for position, name in enumerate(names):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((position, processor, {}))
    values: builtins.list[Any] = []
    for row in rows:
        line = [row[name] for name in names]
        for position, convert, seen in converters:
            value = line[position]
            if value is not None:
                try:
                    line[position] = seen[value]
                except KeyError:
                    line[position] = seen[value] = convert(value)
        values.append(tuple(line))
    quote = dialect.identifier_preparer.quote
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table.name), ", ".join(quote(name) for name in names), ", ".join("?" * len(names))
    )
    connection.exec_driver_sql(sql, values)


def pair_key(*records: tuple[str, str]) -> str:
    """The key of a finding about these (record type, uuid) pairs, as Finding.pair_key."""
    return "|".join(sorted(f"{kind}:{uuid}" for kind, uuid in records))


# ---- decisions that other services take (merge) --------------------------------------------


def resolve_by_decision(
    session: Session, *, kind: AlertKind, key: str, actor: str, code: str, stamp: str
) -> dict[str, Any] | None:
    """Resolve the alert (kind, key) as a decision; return its previous state for an undo."""
    table = _alert_table()
    row = session.execute(
        select(
            table.c.id,
            table.c.status,
            table.c.decided_by,
            table.c.decided_at,
            table.c.decision_reason,
        ).where(table.c.kind == kind.value, table.c.pair_key == key)
    ).first()
    if row is None:
        return None
    before = {
        "id": row[0],
        "status": row[1],
        "decided_by": row[2],
        "decided_at": row[3].isoformat() if row[3] else None,
        "decision_reason": row[4],
    }
    now = utcnow()
    session.execute(
        update(table)
        .where(table.c.id == row[0])
        .values(
            status=AlertStatus.RESOLVED.value,
            decided_by=actor,
            decided_at=now,
            decision_reason=code,
            updated_at=now,
            changed_at=stamp,
            version=table.c.version + 1,
        )
    )
    return before


def restore_decision(session: Session, before: Mapping[str, Any], *, stamp: str) -> None:
    """Put an alert back as `resolve_by_decision` found it."""
    table = _alert_table()
    decided_at = before.get("decided_at")
    session.execute(
        update(table)
        .where(table.c.id == int(before["id"]))
        .values(
            status=str(before["status"]),
            decided_by=str(before.get("decided_by") or ""),
            decided_at=dt.datetime.fromisoformat(decided_at) if decided_at else None,
            decision_reason=str(before.get("decision_reason") or ""),
            updated_at=utcnow(),
            changed_at=stamp,
            version=table.c.version + 1,
        )
    )


# ---- the service ---------------------------------------------------------------------------


class AlertService(ServiceBase):
    def __init__(
        self,
        database: Database,
        *,
        actor: str | None = None,
        detectors: Callable[[], Sequence[Detector]] | None = None,
        recheck_ms: int = RECHECK_MS,
    ) -> None:
        super().__init__(database, actor=actor)
        self._detectors = detectors or default_detectors
        self._recheck_ms = max(recheck_ms, 0)

    # ---- settings --------------------------------------------------------------------------

    def dbs_due_days(self) -> int:
        with self._read() as session:
            return self._due_days(session)

    def set_dbs_due_days(self, days: int) -> int:
        if not 0 <= days <= 366:
            raise ValidationError(
                [
                    FieldError(
                        "dbs_due_days",
                        _("Give a number of days from 0 to 366 (it was {days}).").format(days=days),
                    )
                ]
            )
        with self._unit() as session:
            session.merge(m.Setting(key=SETTING_DBS_DUE_DAYS, value=str(days)))
        return days

    # ---- scanning --------------------------------------------------------------------------

    def scan(
        self,
        full: bool = False,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
        *,
        today: dt.date | None = None,
    ) -> ScanResult:
        """Run every detector and bring the stored alerts up to date, in one transaction.

        A cancelled scan raises Cancelled and leaves the database as it was.
        """
        day = today or dt.date.today()
        detectors = list(self._detectors())
        steps = len(detectors) + 1
        tally = _Tally()
        with self._unit() as session:
            settings = dict(
                session.execute(
                    select(m.Setting.key, m.Setting.value).where(m.Setting.key.like("alerts.%"))
                ).all()
            )
            due_days = _parse_days(settings.get(SETTING_DBS_DUE_DAYS))
            mark = self._db.clock.now()
            last = settings.get(SETTING_LAST_SCAN, "")
            changed: set[str] | None = None
            if not full and last:
                changed = self._changed_since(session, last)
                if len(changed) > FULL_SCAN_ABOVE:
                    changed = None
            dated_in_full = (
                changed is None
                or settings.get(SETTING_SCAN_DATE) != day.isoformat()
                or settings.get(SETTING_SCAN_DBS_DAYS) != str(due_days)
            )
            context = ScanContext(today=day, dbs_due_days=due_days)
            self._check(cancel)
            self._resolve_missing(session, tally, changed)
            for step, detector in enumerate(detectors):
                self._check(cancel)
                self._report(progress, step, steps)
                only = None if changed is None else changed
                if detector.time_dependent and dated_in_full:
                    only = None
                if only is not None and not only:
                    continue
                findings = detector.find(
                    session, only, _step_progress(progress, step, steps), cancel, context
                )
                self._check(cancel)
                scope = None if only is None else detector.scope(session, only)
                self._apply(session, detector.kind, findings, scope, tally)
            self._check(cancel)
            for key, value in (
                (SETTING_LAST_SCAN, mark),
                (SETTING_SCAN_DATE, day.isoformat()),
                (SETTING_SCAN_DBS_DAYS, str(due_days)),
            ):
                session.merge(m.Setting(key=key, value=value))
            counts = self._counts(session, AlertStatus.OPEN)
            self._report(progress, steps, steps)
        return ScanResult(
            full=changed is None,
            counts=counts,
            new=tally.new,
            reopened=tally.reopened,
            resolved=tally.resolved,
            changed_records=len(changed or ()),
        )

    @staticmethod
    def _check(cancel: CancelFlag | None) -> None:
        if cancel is not None and cancel():
            raise Cancelled()

    @staticmethod
    def _report(progress: ProgressCallback | None, done: int, total: int) -> None:
        if progress is not None:
            progress(done * 1000, total * 1000)

    def _changed_since(self, session: Session, last: str) -> set[str]:
        try:
            stamp = Timestamp.decode(last)
            since = (
                last
                if not self._recheck_ms
                else Timestamp(max(stamp.wall_ms - self._recheck_ms, 0), 0, "").encode()
            )
        except ValueError:
            since = ""
        changed: set[str] = set()
        for model in _WATCHED:
            changed.update(session.scalars(select(model.uuid).where(model.changed_at > since)))
        return changed

    def _resolve_missing(self, session: Session, tally: _Tally, changed: set[str] | None) -> None:
        """Open alerts about a record that was deleted, merged away or removed are resolved.

        A rescan only looks at the records changed since the last scan (deleting or merging a
        record gives it a new clock value); a full scan looks at every alert.
        """
        alert, record = _alert_table(), _record_table()
        gone: set[int] = set()
        if changed is None:
            for record_type, model in RECORD_MODELS.items():
                stmt = (
                    select(record.c.alert_id)
                    .join(alert, alert.c.id == record.c.alert_id)
                    .where(
                        alert.c.status.in_(ACTIVE),
                        record.c.record_type == record_type,
                        ~exists(
                            select(model.id).where(
                                model.uuid == record.c.record_uuid,
                                model.deleted.is_(False),
                            )
                        ),
                    )
                )
                gone.update(session.scalars(stmt))
        else:
            links: dict[str, dict[str, set[int]]] = {}
            for batch in _chunks(sorted(changed)):
                for alert_id, record_type, uuid in session.execute(
                    select(record.c.alert_id, record.c.record_type, record.c.record_uuid)
                    .join(alert, alert.c.id == record.c.alert_id)
                    .where(alert.c.status.in_(ACTIVE), record.c.record_uuid.in_(batch))
                ):
                    links.setdefault(record_type, {}).setdefault(uuid, set()).add(alert_id)
            for record_type, by_uuid in links.items():
                known = RECORD_MODELS.get(record_type)
                if known is None:
                    continue
                alive: set[str] = set()
                for batch in _chunks(sorted(by_uuid)):
                    alive.update(
                        session.scalars(
                            select(known.uuid).where(
                                known.uuid.in_(batch), known.deleted.is_(False)
                            )
                        )
                    )
                for uuid, ids in by_uuid.items():
                    if uuid not in alive:
                        gone.update(ids)
        if gone:
            self._set_status(session, gone, AlertStatus.RESOLVED, AUTO_DELETED)
            tally.resolved += len(gone)

    def _set_status(
        self, session: Session, ids: Iterable[int], status: AlertStatus, reason: str
    ) -> None:
        table = _alert_table()
        now = utcnow()
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status=status.value,
                decided_by="",
                decided_at=now,
                decision_reason=reason,
                updated_at=now,
                changed_at=bindparam("b_stamp"),
                version=table.c.version + 1,
            ),
            [{"b_id": i, "b_stamp": self._db.clock.now()} for i in sorted(ids)],
        )

    def _existing(
        self,
        session: Session,
        kind: AlertKind,
        keys: Collection[str],
        scope: set[str] | None,
    ) -> dict[str, _Stored]:
        alert, record = _alert_table(), _record_table()
        columns = (
            alert.c.pair_key,
            alert.c.id,
            alert.c.status,
            alert.c.score,
            alert.c.reasons,
            alert.c.decision_reason,
        )
        statements = []
        if scope is None:
            statements.append(select(*columns).where(alert.c.kind == kind.value))
        else:
            for batch in _chunks(sorted(keys)):
                statements.append(
                    select(*columns).where(alert.c.kind == kind.value, alert.c.pair_key.in_(batch))
                )
            for batch in _chunks(sorted(scope)):
                statements.append(
                    select(*columns)
                    .where(
                        alert.c.kind == kind.value,
                        alert.c.id.in_(
                            select(record.c.alert_id).where(record.c.record_uuid.in_(batch))
                        ),
                    )
                    .distinct()
                )
        found: dict[str, _Stored] = {}
        for stmt in statements:
            for key, *values in session.execute(stmt):
                found[key] = _Stored(*values)
        return found

    def _apply(
        self,
        session: Session,
        kind: AlertKind,
        findings: Sequence[Finding],
        scope: set[str] | None,
        tally: _Tally,
    ) -> None:
        """Store what one detector found; resolve the alerts it re-examined and did not find."""
        produced: dict[str, Finding] = {}
        for finding in findings:
            if finding.kind != kind:
                continue
            key = finding.pair_key
            if key not in produced or finding.score > produced[key].score:
                produced[key] = finding
        existing = self._existing(session, kind, produced.keys(), scope)
        now = utcnow()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []

        def change(stored: _Stored, **values: Any) -> None:
            row = {
                "b_id": stored.id,
                "b_status": stored.status,
                "b_score": stored.score,
                "b_reasons": stored.reasons,
                "b_decided_by": None,
                "b_decided_at": None,
                "b_decision_reason": stored.decision_reason,
                "b_stamp": self._db.clock.now(),
                "b_keep_decision": True,
            }
            row.update(values)
            updates.append(row)

        for key, finding in produced.items():
            score = round(float(finding.score), 3)
            text = reasons_json(finding.reasons)
            stored = existing.get(key)
            if stored is None:
                inserts.append(
                    {
                        "uuid": new_uuid(),
                        "origin": self._db.instance_uuid,
                        "changed_at": self._db.clock.now(),
                        "deleted": False,
                        "version": 1,
                        "kind": kind.value,
                        "pair_key": key,
                        "status": AlertStatus.OPEN.value,
                        "score": score,
                        "reasons": text,
                        "created_at": now,
                        "updated_at": now,
                        "decided_by": "",
                        "decision_reason": "",
                    }
                )
                tally.new += 1
            elif stored.status in ACTIVE:
                if stored.score != score or stored.reasons != text:
                    change(stored, b_score=score, b_reasons=text)
            elif stored.status == AlertStatus.RESOLVED.value and stored.decision_reason.startswith(
                "auto:"
            ):
                change(
                    stored,
                    b_status=AlertStatus.OPEN.value,
                    b_score=score,
                    b_reasons=text,
                    b_decided_by="",
                    b_decided_at=None,
                    b_decision_reason="",
                    b_keep_decision=False,
                )
                tally.reopened += 1
            # Dismissed, or resolved by a person: the decision stands.
        for key, stored in existing.items():
            if key not in produced and stored.status in ACTIVE:
                change(
                    stored,
                    b_status=AlertStatus.RESOLVED.value,
                    b_decided_by="",
                    b_decided_at=now,
                    b_decision_reason=AUTO_GONE,
                    b_keep_decision=False,
                )
                tally.resolved += 1
        self._write(session, kind, inserts, updates, produced, now)

    def _write(
        self,
        session: Session,
        kind: AlertKind,
        inserts: builtins.list[dict[str, Any]],
        updates: builtins.list[dict[str, Any]],
        produced: Mapping[str, Finding],
        now: dt.datetime,
    ) -> None:
        alert, record = _alert_table(), _record_table()
        if inserts:
            _insert_many(session, alert, inserts)
            ids: dict[str, int] = {}
            if len(inserts) > _CHUNK:  # one look at every alert of the kind is quicker
                statements = [
                    select(alert.c.pair_key, alert.c.id).where(alert.c.kind == kind.value)
                ]
            else:
                statements = [
                    select(alert.c.pair_key, alert.c.id).where(
                        alert.c.kind == kind.value, alert.c.pair_key.in_(batch)
                    )
                    for batch in _chunks([row["pair_key"] for row in inserts])
                ]
            for statement in statements:
                for key, alert_id in session.execute(statement):
                    ids[key] = alert_id
            links = {
                (ids[row["pair_key"]], ref.record_type, ref.uuid)
                for row in inserts
                for ref in produced[row["pair_key"]].records
            }
            _insert_many(
                session,
                record,
                [{"alert_id": a, "record_type": t, "record_uuid": u} for a, t, u in sorted(links)],
            )
        kept = [row for row in updates if row["b_keep_decision"]]
        decided = [row for row in updates if not row["b_keep_decision"]]
        if kept:
            session.execute(
                update(alert)
                .where(alert.c.id == bindparam("b_id"))
                .values(
                    score=bindparam("b_score"),
                    reasons=bindparam("b_reasons"),
                    updated_at=now,
                    changed_at=bindparam("b_stamp"),
                    version=alert.c.version + 1,
                ),
                [{k: row[k] for k in ("b_id", "b_score", "b_reasons", "b_stamp")} for row in kept],
            )
        if decided:
            session.execute(
                update(alert)
                .where(alert.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("b_status"),
                    score=bindparam("b_score"),
                    reasons=bindparam("b_reasons"),
                    decided_by=bindparam("b_decided_by"),
                    decided_at=bindparam("b_decided_at", type_=alert.c.decided_at.type),
                    decision_reason=bindparam("b_decision_reason"),
                    updated_at=now,
                    changed_at=bindparam("b_stamp"),
                    version=alert.c.version + 1,
                ),
                [
                    {
                        **{k: v for k, v in row.items() if k != "b_keep_decision"},
                        "b_decided_by": row["b_decided_by"] or "",
                    }
                    for row in decided
                ],
            )

    # ---- reading ---------------------------------------------------------------------------

    def counts_by_kind(self, status: AlertStatus | None = AlertStatus.OPEN) -> dict[AlertKind, int]:
        """How many alerts of each kind have this status (every kind listed, zeros included)."""
        with self._read() as session:
            return self._counts(session, status)

    @staticmethod
    def _counts(session: Session, status: AlertStatus | None) -> dict[AlertKind, int]:
        stmt = select(m.Alert.kind, func.count(m.Alert.id)).group_by(m.Alert.kind)
        if status is not None:
            stmt = stmt.where(m.Alert.status == status.value)
        counts = dict.fromkeys(AlertKind, 0)
        for kind, count in session.execute(stmt):
            try:
                counts[AlertKind(kind)] = int(count)
            except ValueError:
                continue
        return counts

    def count(
        self,
        kind: AlertKind | None = None,
        status: AlertStatus | None = None,
        *,
        record_uuid: str | None = None,
    ) -> int:
        with self._read() as session:
            stmt = self._filtered(select(func.count(m.Alert.id)), kind, status, record_uuid)
            return int(session.scalar(stmt) or 0)

    def list(
        self,
        kind: AlertKind | None = None,
        status: AlertStatus | None = None,
        offset: int = 0,
        limit: int | None = 200,
        *,
        record_uuid: str | None = None,
    ) -> builtins.list[AlertRow]:
        """One page of alerts, strongest first, with reasons in the current language."""
        stmt = self._filtered(select(m.Alert), kind, status, record_uuid)
        stmt = stmt.order_by(m.Alert.score.desc(), m.Alert.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as session:
            alerts = list(session.scalars(stmt))
            return _Renderer(session).rows(alerts)

    def get(self, key: int | str) -> AlertRow:
        """By the alert's number or uuid."""
        with self._read() as session:
            return _Renderer(session).rows([self._load(session, key)])[0]

    @staticmethod
    def _filtered(
        stmt: Any,
        kind: AlertKind | None,
        status: AlertStatus | None,
        record_uuid: str | None,
    ) -> Any:
        if kind is not None:
            stmt = stmt.where(m.Alert.kind == kind.value)
        if status is not None:
            stmt = stmt.where(m.Alert.status == status.value)
        if record_uuid:
            stmt = stmt.where(
                m.Alert.id.in_(
                    select(m.AlertRecord.alert_id).where(m.AlertRecord.record_uuid == record_uuid)
                )
            )
        return stmt

    # ---- decisions -------------------------------------------------------------------------

    def acknowledge(self, key: int | str) -> AlertRow:
        """Seen and being dealt with: it leaves the open count but stays in the list."""
        return self._decide(key, AlertStatus.ACKNOWLEDGED, "", allowed=(AlertStatus.OPEN,))

    def dismiss(self, key: int | str, reason: str) -> AlertRow:
        """Not a duplicate: remembered, so no rescan brings this pair back."""
        text = (reason or "").strip()
        if not text:
            raise ValidationError(
                [
                    FieldError(
                        "reason",
                        _(
                            "Say why alert {key} is not a problem; the reason is kept with the "
                            "decision."
                        ).format(key=key),
                    )
                ]
            )
        return self._decide(
            key,
            AlertStatus.DISMISSED,
            text,
            allowed=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
        )

    def resolve(self, key: int | str) -> AlertRow:
        """Dealt with: remembered like a dismissal, so a rescan does not reopen it."""
        return self._decide(
            key, AlertStatus.RESOLVED, "", allowed=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
        )

    def reopen(self, key: int | str) -> AlertRow:
        """Take back a decision: the alert is open again."""
        return self._decide(
            key,
            AlertStatus.OPEN,
            "",
            allowed=(AlertStatus.ACKNOWLEDGED, AlertStatus.DISMISSED, AlertStatus.RESOLVED),
        )

    def _decide(
        self,
        key: int | str,
        status: AlertStatus,
        reason: str,
        *,
        allowed: tuple[AlertStatus, ...],
    ) -> AlertRow:
        with self._unit() as session:
            row = self._load(session, key)
            current = AlertStatus(row.status)
            if current == status and status == AlertStatus.ACKNOWLEDGED:
                return _Renderer(session).rows([row])[0]
            if current not in allowed:
                raise CvcError(
                    _(
                        "Alert {id} is already marked “{status}”, so it cannot be marked "
                        "“{wanted}”. Reopen it first."
                    ).format(id=row.id, status=current.label, wanted=status.label)
                )
            now = utcnow()
            row.status = status.value
            row.decision_reason = reason
            row.decided_by = self._actor if status != AlertStatus.OPEN else ""
            row.decided_at = now if status != AlertStatus.OPEN else None
            row.updated_at = now
            self._stamp(row)
            session.flush()
            return _Renderer(session).rows([row])[0]

    @staticmethod
    def _load(session: Session, key: int | str) -> m.Alert:
        text = str(key).strip().lstrip("#")
        stmt = select(m.Alert)
        if text.isdigit():
            stmt = stmt.where(m.Alert.id == int(text))
        else:
            stmt = stmt.where(m.Alert.uuid == text)
        row = session.scalar(stmt)
        if row is None:
            raise NotFoundError(
                _("There is no alert “{key}”. “cvcdesk alerts list” shows their numbers.").format(
                    key=key
                )
            )
        return row

    @staticmethod
    def _due_days(session: Session) -> int:
        return _parse_days(
            session.scalar(select(m.Setting.value).where(m.Setting.key == SETTING_DBS_DUE_DAYS))
        )


def _parse_days(value: str | None) -> int:
    try:
        return max(int(value or ""), 0)
    except ValueError:
        return overlaps.DEFAULT_DBS_DUE_DAYS


def _step_progress(
    progress: ProgressCallback | None, step: int, steps: int
) -> ProgressCallback | None:
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        part = min(max(done, 0), max(total, 1)) * 1000 // max(total, 1)
        progress(step * 1000 + part, steps * 1000)

    return report


# ---- rendering -----------------------------------------------------------------------------


class _Renderer:
    """Turns stored alerts into rows in the current language, looking names up in batches."""

    def __init__(self, session: Session) -> None:
        _duplicates_module()  # so duplicate alerts' reasons have their sentences
        self.session = session
        self.cy = current_language() == "cy"
        self.groups: dict[str, str] = {}
        self.services: dict[str, str] = {}
        self.areas: dict[str, str] = {}
        self.activities: dict[str, str] = {}

    def pick(self, english: str | None, welsh: str | None) -> str:
        if self.cy and welsh:
            return welsh
        return english or welsh or ""

    def rows(self, alerts: Sequence[m.Alert]) -> builtins.list[AlertRow]:
        parsed = {alert.id: _parse_reasons(alert.reasons) for alert in alerts}
        self._prefetch([r for reasons in parsed.values() for r in reasons])
        links: dict[int, builtins.list[tuple[str, str]]] = {alert.id: [] for alert in alerts}
        for batch in _chunks([alert.id for alert in alerts]):
            for alert_id, record_type, uuid in self.session.execute(
                select(m.AlertRecord.alert_id, m.AlertRecord.record_type, m.AlertRecord.record_uuid)
                .where(m.AlertRecord.alert_id.in_(batch))
                .order_by(m.AlertRecord.record_type, m.AlertRecord.record_uuid)
            ):
                links[alert_id].append((record_type, uuid))
        records = self._records({link for found in links.values() for link in found})
        rows = []
        for alert in alerts:
            try:
                kind = AlertKind(alert.kind)
            except ValueError:
                continue
            rows.append(
                AlertRow(
                    id=alert.id,
                    uuid=alert.uuid,
                    kind=kind,
                    status=AlertStatus(alert.status),
                    score=float(alert.score),
                    reasons=tuple(self.reason(r) for r in parsed[alert.id]),
                    records=tuple(
                        _order_records(
                            records.get(link, AlertRecordRow(link[0], link[1], missing=True))
                            for link in links[alert.id]
                        )
                    ),
                    created_at=alert.created_at,
                    updated_at=alert.updated_at,
                    decided_by=alert.decided_by,
                    decided_at=alert.decided_at,
                    decision=_decision_text(alert.status, alert.decision_reason),
                    version=alert.version,
                )
            )
        return rows

    # -- reasons ------------------------------------------------------------------------------

    def _prefetch(self, reasons: Sequence[Reason | str]) -> None:
        wanted: dict[str, set[str]] = {
            overlaps.GROUP: set(),
            overlaps.AREA: set(),
            overlaps.ACTIVITY: set(),
        }
        for reason in reasons:
            if isinstance(reason, str):
                continue
            for name, kind in overlaps.REASON_PARAMS.get(reason.code, {}).items():
                value = reason.params.get(name)
                if value and kind in wanted:
                    wanted[kind].add(value)
        s = self.session
        for batch in _chunks(sorted(wanted[overlaps.GROUP])):
            for uuid, en, cy in s.execute(
                select(m.Organisation.uuid, m.Organisation.name_en, m.Organisation.name_cy).where(
                    m.Organisation.uuid.in_(batch)
                )
            ):
                self.groups[uuid] = self.pick(en, cy)
        for batch in _chunks(sorted(wanted[overlaps.AREA])):
            for code, en, cy in s.execute(
                select(m.Area.code, m.Area.name_en, m.Area.name_cy).where(m.Area.code.in_(batch))
            ):
                self.areas[code] = self.pick(en, cy) or code
        for batch in _chunks(sorted(wanted[overlaps.ACTIVITY])):
            for uuid, en, cy in s.execute(
                select(m.Activity.uuid, m.Activity.title_en, m.Activity.title_cy).where(
                    m.Activity.uuid.in_(batch)
                )
            ):
                self.activities[uuid] = self.pick(en, cy)
        if not self.services:
            for code, en, cy in s.execute(
                select(m.ServiceType.code, m.ServiceType.label_en, m.ServiceType.label_cy)
            ):
                self.services[code] = self.pick(en, cy)

    def reason(self, reason: Reason | str) -> str:
        if isinstance(reason, str):
            return reason
        kinds = overlaps.REASON_PARAMS.get(reason.code)
        if not kinds:
            return reason.text()
        params = {
            name: self.param(kinds.get(name, ""), value) for name, value in reason.params.items()
        }
        return Reason(reason.code, params, reason.weight).text()

    def param(self, kind: str, value: str) -> str:
        try:
            if kind == overlaps.GROUP:
                return self.groups.get(value) or _("a group no longer listed")
            if kind == overlaps.SERVICE:
                return self.services.get(value, value)
            if kind == overlaps.AREA:
                return self.areas.get(value, value)
            if kind == overlaps.ACTIVITY:
                return self.activities.get(value) or _("an activity no longer listed")
            if kind == overlaps.DATE:
                return format_date(dt.date.fromisoformat(value)) if value else ""
            if kind == overlaps.DATETIME:
                if len(value) <= 5:
                    return format_time(dt.time.fromisoformat(value))
                return format_datetime(dt.datetime.fromisoformat(value), "short")
            if kind == overlaps.TIME:
                if not value:
                    return _("the end of the day")
                return format_time(dt.time.fromisoformat(value))
            if kind == overlaps.DAYS:
                days = int(value)
                if days & 127 == 127:
                    return _("every day")
                return ", ".join(weekday_name(i) for i in range(7) if days & (1 << i))
            if kind == overlaps.DBS:
                return DbsLevel(value).label
            if kind == overlaps.NUMBER:
                return format_number(int(value))
        except ValueError:
            return value
        return value

    # -- records ------------------------------------------------------------------------------

    def _records(self, links: set[tuple[str, str]]) -> dict[tuple[str, str], AlertRecordRow]:
        by_type: dict[str, builtins.list[str]] = {}
        for record_type, uuid in links:
            by_type.setdefault(record_type, []).append(uuid)
        found: dict[tuple[str, str], AlertRecordRow] = {}
        for record_type, uuids in by_type.items():
            loader = getattr(self, f"_load_{record_type}", None)
            if loader is None:
                continue
            for batch in _chunks(sorted(uuids)):
                for row in loader(batch):
                    found[(row.record_type, row.uuid)] = row
        return found

    def _load_volunteer(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        V = m.Volunteer
        for uuid, ref, first, known, last, deleted in self.session.execute(
            select(V.uuid, V.reference, V.first_name, V.known_as, V.last_name, V.deleted).where(
                V.uuid.in_(uuids)
            )
        ):
            name = f"{known or first} {last}".strip()
            yield AlertRecordRow("volunteer", uuid, ref or "", name, missing=bool(deleted))

    def _load_organisation(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        O = m.Organisation  # noqa: E741
        for uuid, en, cy, deleted in self.session.execute(
            select(O.uuid, O.name_en, O.name_cy, O.deleted).where(O.uuid.in_(uuids))
        ):
            yield AlertRecordRow(
                "organisation", uuid, "", self.pick(en, cy), uuid, missing=bool(deleted)
            )

    def _load_coverage(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        C, O, S, A = m.Coverage, m.Organisation, m.ServiceType, m.Area  # noqa: E741
        for row in self.session.execute(
            select(
                C.uuid,
                C.deleted,
                O.uuid,
                O.name_en,
                O.name_cy,
                S.label_en,
                S.label_cy,
                A.code,
                A.name_en,
                A.name_cy,
                O.deleted,
            )
            .join(O, O.id == C.organisation_id)
            .join(S, S.id == C.service_type_id)
            .join(A, A.id == C.area_id)
            .where(C.uuid.in_(uuids))
        ):
            name = _("{group}: {service} in {area}").format(
                group=self.pick(row[3], row[4]),
                service=self.pick(row[5], row[6]),
                area=self.pick(row[8], row[9]) or row[7],
            )
            yield AlertRecordRow(
                "coverage", row[0], "", name, row[2], missing=bool(row[1] or row[10])
            )

    def _load_household_support(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        H, HS, O, S = m.Household, m.HouseholdSupport, m.Organisation, m.ServiceType  # noqa: E741
        for row in self.session.execute(
            select(
                HS.uuid,
                HS.deleted,
                H.reference,
                O.uuid,
                O.name_en,
                O.name_cy,
                S.label_en,
                S.label_cy,
                H.deleted,
            )
            .join(H, H.id == HS.household_id)
            .join(O, O.id == HS.organisation_id)
            .join(S, S.id == HS.service_type_id)
            .where(HS.uuid.in_(uuids))
        ):
            name = _("{group}: {service} for household {household}").format(
                group=self.pick(row[4], row[5]),
                service=self.pick(row[6], row[7]),
                household=row[2],
            )
            yield AlertRecordRow(
                "household_support", row[0], row[2], name, row[3], missing=bool(row[1] or row[8])
            )

    def _load_assignment(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        AS, SH, AC, O = m.Assignment, m.Shift, m.Activity, m.Organisation  # noqa: E741
        for row in self.session.execute(
            select(
                AS.uuid,
                AS.deleted,
                AC.title_en,
                AC.title_cy,
                SH.starts_at,
                O.uuid,
                O.name_en,
                O.name_cy,
            )
            .join(SH, SH.id == AS.shift_id)
            .join(AC, AC.id == SH.activity_id)
            .join(O, O.id == AC.organisation_id)
            .where(AS.uuid.in_(uuids))
        ):
            name = _("{activity} ({group}), {start}").format(
                activity=self.pick(row[2], row[3]),
                group=self.pick(row[6], row[7]),
                start=format_datetime(row[4], "short"),
            )
            yield AlertRecordRow("assignment", row[0], "", name, row[5], missing=bool(row[1]))

    def _load_activity(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        AC, O = m.Activity, m.Organisation  # noqa: E741
        for row in self.session.execute(
            select(AC.uuid, AC.deleted, AC.title_en, AC.title_cy, O.uuid, O.name_en, O.name_cy)
            .join(O, O.id == AC.organisation_id)
            .where(AC.uuid.in_(uuids))
        ):
            name = _("{activity} ({group})").format(
                activity=self.pick(row[2], row[3]), group=self.pick(row[5], row[6])
            )
            yield AlertRecordRow("activity", row[0], "", name, row[4], missing=bool(row[1]))

    def _load_partner_volunteer(self, uuids: builtins.list[str]) -> Iterable[AlertRecordRow]:
        """A volunteer a partner shares pseudonymised: there is no name here, so say whose."""
        PV, P = m.PartnerVolunteer, m.Partner
        for uuid, deleted, district, partner in self.session.execute(
            select(PV.uuid, PV.deleted, PV.district, P.name)
            .outerjoin(P, P.id == PV.partner_id)
            .where(PV.uuid.in_(uuids))
        ):
            if partner and district:
                name = _("Volunteer shared by {partner} (pseudonymised, {district})").format(
                    partner=partner, district=district
                )
            elif partner:
                name = _("Volunteer shared by {partner} (pseudonymised)").format(partner=partner)
            else:
                name = _("Volunteer shared by a former partner (pseudonymised)")
            yield AlertRecordRow("partner_volunteer", uuid, "", name, missing=bool(deleted))


_RECORD_ORDER = {"volunteer": 0, "organisation": 1, "activity": 2}


def _order_records(rows: Iterable[AlertRecordRow]) -> builtins.list[AlertRecordRow]:
    return sorted(rows, key=lambda r: (_RECORD_ORDER.get(r.record_type, 9), r.record_type, r.uuid))


def _parse_reasons(text: str) -> builtins.list[Reason | str]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return [text]
    if not isinstance(items, list):
        return [str(items)]
    parsed: builtins.list[Reason | str] = []
    for item in items:
        if isinstance(item, dict) and "code" in item:
            try:
                parsed.append(Reason.from_json(item))
                continue
            except (KeyError, TypeError, ValueError):
                pass
        parsed.append(str(item))
    return parsed


def _decision_text(status: str, reason: str) -> str:
    if status != AlertStatus.RESOLVED.value:
        return reason
    if reason == AUTO_GONE:
        return _("A rescan no longer finds this problem.")
    if reason == AUTO_DELETED:
        return _("A record it was about was deleted or merged away.")
    if reason == MERGED:
        return _("The two records were merged.")
    return reason


__all__ = [
    "AUTO_DELETED",
    "AUTO_GONE",
    "MERGED",
    "AlertRecordRow",
    "AlertRow",
    "AlertService",
    "Detector",
    "ScanContext",
    "ScanResult",
    "default_detectors",
    "duplicate_detectors",
    "overlap_detectors",
    "pair_key",
    "reasons_json",
    "resolve_by_decision",
    "restore_decision",
]
