"""Applying a partner's file: what each incoming record does here, decided and written in
batches inside the import's one transaction (see cvcdesk.services.sync for the rules)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AlertStatus, AuditAction
from cvcdesk.domain.syncformat import (
    ALERT_DECISION,
    VOLUNTEER,
    SyncFileError,
    WireRecord,
    clock_instance,
    is_uuid,
    parse_record,
    record_type_label,
)
from cvcdesk.i18n import _, ngettext
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback
from cvcdesk.services.sync_file import (
    OpenedFile,
    record_lines,
)
from cvcdesk.services.sync_records import (
    BATCH,
    TYPES,
    Decoded,
    RecordType,
    Stored,
    WriteContext,
    decision_uuid,
    decode,
    dumps,
    erase_children,
    erased_values,
    insert_rows,
    is_digest,
    read_by_uuid,
    remember_versions,
    resolve_refs,
    taken_natural_keys,
    update_rows,
)
from cvcdesk.store import models as m
from cvcdesk.store.database import Database
from cvcdesk.store.models import new_uuid, utcnow

OPEN = "open"


def snapshot(record: WireRecord | Stored, *, record_type: str = "") -> dict[str, Any]:
    if isinstance(record, Stored):
        record = record.envelope(record_type)
    return {
        "changed_at": record.changed_at,
        "deleted": record.deleted,
        "replaced_by": record.replaced_by,
        "fields": {} if record.deleted else record.fields,
    }


def same_content(local: Stored, record: WireRecord, fields: Mapping[str, Any]) -> bool:
    if local.deleted or record.deleted:
        return local.deleted == record.deleted and local.replaced_by == record.replaced_by
    return local.replaced_by == record.replaced_by and local.fields == fields


@dataclass(frozen=True)
class TypeCounts:
    record_type: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    deletions: int = 0
    skipped: int = 0

    @property
    def label(self) -> str:
        return record_type_label(self.record_type)

    @property
    def changes(self) -> int:
        return self.new + self.updated + self.conflicts + self.deletions


@dataclass
class Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    deletions: int = 0
    skipped: int = 0

    def frozen(self, record_type: str) -> TypeCounts:
        return TypeCounts(
            record_type,
            self.new,
            self.updated,
            self.unchanged,
            self.conflicts,
            self.deletions,
            self.skipped,
        )


@dataclass
class Outcome:
    tallies: dict[str, Tally] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    state_written: bool = False
    partner_touched: bool = False
    erased: list[str] = field(default_factory=list)
    records: int = 0

    def tally(self, record_type: str) -> Tally:
        return self.tallies.setdefault(record_type, Tally())

    def warn(self, code: str, count: int = 1) -> None:
        self.warnings[code] = self.warnings.get(code, 0) + count

    @property
    def changed(self) -> bool:
        return (
            self.state_written
            or self.partner_touched
            or any(t.new or t.updated or t.conflicts or t.deletions for t in self.tallies.values())
        )


def warning_text(code: str, count: int) -> str:
    if code == "third_party":
        return ngettext(
            "{n} record made by a third organisation was left out: partners only send their "
            "own records and changes to yours.",
            "{n} records made by a third organisation were left out: partners only send their "
            "own records and changes to yours.",
            count,
        ).format(n=count)
    if code == "missing_reference":
        return ngettext(
            "{n} record points to a record this database does not have (not shared with you); "
            "it was left out.",
            "{n} records point to records this database does not have (not shared with you); "
            "they were left out.",
            count,
        ).format(n=count)
    if code == "linked_here":
        return ngettext(
            "{n} link (membership or booking) already exists here under another id; it was "
            "left out.",
            "{n} links (memberships or bookings) already exist here under other ids; they were "
            "left out.",
            count,
        ).format(n=count)
    if code == "unknown_type":
        return ngettext(
            "{n} record of a kind this version of cvcdesk does not know was left out.",
            "{n} records of kinds this version of cvcdesk does not know were left out.",
            count,
        ).format(n=count)
    if code == "erased_local_changes":
        return ngettext(
            "{n} volunteer you had changed was erased because their own organisation erased "
            "them (deleted, or consent withdrawn).",
            "{n} volunteers you had changed were erased because their own organisation erased "
            "them (deleted, or consent withdrawn).",
            count,
        ).format(n=count)
    if code == "gap":
        return _(
            "An earlier file from this partner seems not to have been imported: some of their "
            "changes may be missing. Ask them for a full export (sync export --full)."
        )
    if code == "made_areas":
        return ngettext(
            "{n} area or service this database did not know was added.",
            "{n} areas or services this database did not know were added.",
            count,
        ).format(n=count)
    return code


def apply_file(
    database: Database,
    actor: str,
    session: Session,
    opened: OpenedFile,
    partner_uuid: str,
    progress: ProgressCallback | None,
    cancel: CancelFlag | None,
) -> Outcome:
    partner = session.scalar(select(m.Partner).where(m.Partner.uuid == partner_uuid))
    assert partner is not None
    manifest = opened.manifest
    outcome = Outcome()
    importer = Importer(database, actor, session, partner, outcome)
    expected = int(manifest["parts"]["records.jsonl"].get("records", 0))
    seen: set[tuple[str, str]] = set()
    batch: list[WireRecord] = []
    latest = manifest["clock"]["until"]
    done = 0
    for number, line in record_lines(opened):
        record = parse_record(line, number)
        key = (record.type, record.uuid)
        if key in seen:
            raise SyncFileError(
                _("Line {line} of the file's records repeats record {uuid}.").format(
                    line=number, uuid=record.uuid
                )
            )
        seen.add(key)
        if record.changed_at > latest:
            latest = record.changed_at
        if batch and (batch[0].type != record.type or len(batch) >= BATCH):
            importer.apply(batch)
            done += len(batch)
            batch = []
            if cancel is not None and cancel():
                raise Cancelled()
            if progress is not None:
                progress(done, max(expected, done))
        batch.append(record)
    if batch:
        importer.apply(batch)
        done += len(batch)
    outcome.records = done
    if expected and done != expected:
        raise SyncFileError(
            _("The file's records do not match its manifest ({found} of {expected}).").format(
                found=done, expected=expected
            )
        )
    if importer.context.made_areas or importer.context.made_services:
        outcome.warn("made_areas", importer.context.made_areas + importer.context.made_services)
    since = manifest["clock"]["since"]
    if not manifest["full"] and since and since > (partner.last_import_clock or ""):
        outcome.warn("gap")
    until = manifest["clock"]["until"]
    if until > (partner.last_import_clock or ""):
        partner.last_import_clock = until
        partner.last_import_at = utcnow()
        outcome.partner_touched = True
    database.clock.observe(latest)
    if outcome.changed:
        summary = totals(outcome)
        session.add(
            m.AuditEntry(
                actor=actor,
                instance=database.instance_uuid,
                record_type="partner",
                record_uuid=partner.uuid,
                action=AuditAction.IMPORT.value,
                changes=dumps(
                    {
                        "file": [None, opened.path.name],
                        "new": [None, summary.new],
                        "updated": [None, summary.updated],
                        "conflicts": [None, summary.conflicts],
                        "deletions": [None, summary.deletions],
                    }
                ),
            )
        )
    if outcome.erased:
        scrub_audit(session, outcome.erased)
    if progress is not None:
        progress(done, max(done, 1))
    return outcome


def totals(outcome: Outcome) -> TypeCounts:
    total = Tally()
    for tally in outcome.tallies.values():
        total.new += tally.new
        total.updated += tally.updated
        total.unchanged += tally.unchanged
        total.conflicts += tally.conflicts
        total.deletions += tally.deletions
        total.skipped += tally.skipped
    return total.frozen("all")


def scrub_audit(session: Session, uuids: Sequence[str]) -> None:
    """Erased volunteers' old values leave the audit trail too (the entries stay)."""
    for start in range(0, len(uuids), BATCH):
        session.execute(
            update(m.AuditEntry)
            .where(m.AuditEntry.record_uuid.in_(uuids[start : start + BATCH]))
            .values(changes=dumps({"erased": [None, True]}))
        )


def empty_item(rt: RecordType) -> Decoded:
    return Decoded({}, {}, {}, {})


def values_for(
    rt: RecordType, record: WireRecord, item: Decoded, ids: Mapping[str, int | None]
) -> dict[str, Any]:
    values = dict(item.values)
    values.update(ids)
    if rt.derive is not None:
        values.update(rt.derive(values))
    values.update(
        changed_at=record.changed_at,
        deleted=record.deleted,
        replaced_by=record.replaced_by,
    )
    return values


class Importer:
    """Decides, batch by batch, what each incoming record does here, and writes it."""

    def __init__(
        self,
        database: Database,
        actor: str,
        session: Session,
        partner: m.Partner,
        outcome: Outcome,
    ) -> None:
        self.actor = actor
        self.session = session
        self.partner = partner
        self.outcome = outcome
        self.own = database.instance_uuid
        self.sender = partner.instance_uuid
        self.context = WriteContext(database, partner_id=partner.id)
        self.has_conflicts = (
            session.scalar(
                select(m.Conflict.id)
                .where(m.Conflict.partner_id == partner.id, m.Conflict.status == OPEN)
                .limit(1)
            )
            is not None
        )

    def _states(self, record_type: str, uuids: Sequence[str]) -> dict[str, tuple[str, bool, str]]:
        found: dict[str, tuple[str, bool, str]] = {}
        S = m.SyncState
        for start in range(0, len(uuids), BATCH):
            for uuid, changed_at, deleted, fields in self.session.execute(
                select(S.record_uuid, S.changed_at, S.deleted, S.fields).where(
                    S.partner_id == self.partner.id,
                    S.record_type == record_type,
                    S.record_uuid.in_(uuids[start : start + BATCH]),
                )
            ):
                found[uuid] = (changed_at, bool(deleted), fields)
        return found

    def _open_conflicts(self, record_type: str, uuids: Sequence[str]) -> dict[str, m.Conflict]:
        if not self.has_conflicts:
            return {}
        found: dict[str, m.Conflict] = {}
        for start in range(0, len(uuids), BATCH):
            for row in self.session.scalars(
                select(m.Conflict).where(
                    m.Conflict.partner_id == self.partner.id,
                    m.Conflict.status == OPEN,
                    m.Conflict.record_type == record_type,
                    m.Conflict.record_uuid.in_(uuids[start : start + BATCH]),
                )
            ):
                found[row.record_uuid] = row
        return found

    def apply(self, batch: list[WireRecord]) -> None:
        record_type = batch[0].type
        if record_type == ALERT_DECISION:
            self._decisions(batch)
            return
        rt = TYPES.get(record_type)
        tally = self.outcome.tally(record_type)
        if rt is None:
            tally.skipped += len(batch)
            self.outcome.warn("unknown_type", len(batch))
            return
        states = self._states(record_type, [r.uuid for r in batch])
        # Versions already exchanged are settled without reading the records they are about.
        fresh = [r for r in batch if r.uuid not in states or r.changed_at > states[r.uuid][0]]
        tally.unchanged += len(batch) - len(fresh)
        batch = fresh
        uuids = [r.uuid for r in batch]
        local = read_by_uuid(self.session, rt, uuids) if uuids else {}
        conflicts = self._open_conflicts(record_type, uuids)
        inserts: list[tuple[WireRecord, Decoded]] = []
        updates: list[tuple[Stored, WireRecord, Decoded]] = []
        deletions: list[tuple[Stored, WireRecord, bool]] = []  # (local, record, erase)
        held: list[tuple[WireRecord, Stored, tuple[str, bool, str] | None]] = []
        remember: list[WireRecord] = []
        for record in batch:
            if record.origin not in (self.sender, self.own):
                tally.skipped += 1
                self.outcome.warn("third_party")
                continue
            base = states.get(record.uuid)
            item = None if record.deleted else decode(rt, record)
            if item is not None and item.fields != record.fields:
                record = WireRecord(
                    record.type,
                    record.uuid,
                    record.origin,
                    record.changed_at,
                    record.deleted,
                    record.replaced_by,
                    item.fields,
                    record.line,
                )
            mine = local.get(record.uuid)
            if mine is None:
                if record.deleted:
                    tally.unchanged += 1
                else:
                    assert item is not None
                    inserts.append((record, item))
                remember.append(record)
                continue
            if same_content(mine, record, record.fields):
                tally.unchanged += 1
                remember.append(record)
                continue
            owner = record.origin == self.sender
            changed_here = (
                mine.changed_at > base[0]
                if base is not None
                else clock_instance(mine.changed_at) == self.own
            )
            if owner and record.deleted and rt.erase and not mine.deleted:
                if changed_here:
                    self.outcome.warn("erased_local_changes")
                deletions.append((mine, record, True))
            elif owner and not changed_here and record.uuid not in conflicts:
                if record.changed_at <= mine.changed_at:
                    tally.unchanged += 1  # older than what is here
                    continue
                if record.deleted:
                    deletions.append((mine, record, rt.erase))
                else:
                    assert item is not None
                    updates.append((mine, record, item))
            else:
                held.append((record, mine, base))
            remember.append(record)
        self._insert(rt, inserts, tally, remember)
        self._update(rt, updates, tally, remember)
        self._delete(rt, deletions, tally)
        self._hold(rt, held, conflicts, tally)
        if remember:
            remember_versions(self.session, self.partner.id, remember)
            self.outcome.state_written = True
        if rt.name == VOLUNTEER:
            self._drop_pseudonyms([r.uuid for r, _i in inserts] + [r.uuid for _m, r, _i in updates])

    def _insert(
        self,
        rt: RecordType,
        inserts: list[tuple[WireRecord, Decoded]],
        tally: Tally,
        remember: list[WireRecord],
    ) -> None:
        if not inserts:
            return
        ids = resolve_refs(self.session, rt, [item for _r, item in inserts], self.context)
        rows: list[tuple[dict[str, Any], Decoded]] = []
        dropped: set[str] = set()
        for (record, item), ref_ids in zip(inserts, ids, strict=True):
            if ref_ids is None:
                tally.skipped += 1
                self.outcome.warn("missing_reference")
                dropped.add(record.uuid)
                continue
            rows.append(
                (
                    values_for(rt, record, item, ref_ids)
                    | {"uuid": record.uuid, "origin": record.origin},
                    item,
                )
            )
        if rt.natural_key:
            taken = taken_natural_keys(self.session, rt, [v for v, _i in rows])
            kept = []
            for values, item in rows:
                key = tuple(values[c] for c in rt.natural_key)
                if key in taken:
                    tally.skipped += 1
                    self.outcome.warn("linked_here")
                    dropped.add(values["uuid"])
                    continue
                taken.add(key)
                kept.append((values, item))
            rows = kept
        if dropped:
            # Not remembered: a later file (once the record it needs is shared) brings it again.
            remember[:] = [r for r in remember if r.uuid not in dropped]
        extra = {"partner_id": self.partner.id} if rt.model is m.PartnerVolunteer else None
        insert_rows(self.session, rt, rows, extra)
        tally.new += len(rows)

    def _update(
        self,
        rt: RecordType,
        updates: list[tuple[Stored, WireRecord, Decoded]],
        tally: Tally,
        remember: list[WireRecord],
    ) -> None:
        if not updates:
            return
        ids = resolve_refs(self.session, rt, [item for _m, _r, item in updates], self.context)
        rows = []
        dropped: set[str] = set()
        for (mine, record, item), ref_ids in zip(updates, ids, strict=True):
            if ref_ids is None:
                tally.skipped += 1
                self.outcome.warn("missing_reference")
                dropped.add(record.uuid)
                continue
            rows.append((mine.id, values_for(rt, record, item, ref_ids), item))
            self._audit_change(rt, mine, record)
        if dropped:
            remember[:] = [r for r in remember if r.uuid not in dropped]
        update_rows(self.session, rt, rows)
        tally.updated += len(rows)

    def _delete(
        self, rt: RecordType, deletions: list[tuple[Stored, WireRecord, bool]], tally: Tally
    ) -> None:
        if not deletions:
            return
        erased = [mine for mine, _r, erase in deletions if erase]
        plain = [(mine, record) for mine, record, erase in deletions if not erase]
        blank = erased_values(rt)
        rows = [
            (
                mine.id,
                {
                    **blank,
                    "deleted": True,
                    "replaced_by": record.replaced_by,
                    "changed_at": record.changed_at,
                },
                empty_item(rt),
            )
            for mine, record, erase in deletions
            if erase
        ]
        rows += [
            (
                mine.id,
                {
                    "deleted": True,
                    "replaced_by": record.replaced_by,
                    "changed_at": record.changed_at,
                },
                empty_item(rt),
            )
            for mine, record in plain
        ]
        update_rows(self.session, rt, rows)
        if erased:
            erase_children(self.session, rt, [mine.id for mine in erased])
            self.outcome.erased.extend(mine.uuid for mine in erased)
        for mine, record, _erase in deletions:
            self.session.add(
                m.AuditEntry(
                    actor=self.actor,
                    instance=self.sender,
                    record_type=rt.name,
                    record_uuid=mine.uuid,
                    action=AuditAction.DELETE.value,
                    changes=dumps(
                        {"deleted": [mine.deleted, True], "replaced_by": [None, record.replaced_by]}
                    ),
                )
            )
        tally.deletions += len(deletions)

    def _hold(
        self,
        rt: RecordType,
        held: list[tuple[WireRecord, Stored, tuple[str, bool, str] | None]],
        conflicts: Mapping[str, m.Conflict],
        tally: Tally,
    ) -> None:
        for record, mine, base in held:
            incoming = dumps(snapshot(record))
            local = dumps(snapshot(mine, record_type=rt.name))
            existing = conflicts.get(record.uuid)
            if existing is not None:
                existing.incoming = incoming
                existing.local = local
            else:
                base_text = "{}"  # not known: never exchanged, or only its digest was kept
                fields: dict[str, Any] | None = None
                if base is not None and is_digest(base[2]):
                    if mine.changed_at == base[0]:  # unchanged here since it was sent
                        fields = mine.fields
                elif base is not None:
                    try:
                        fields = json.loads(base[2] or "{}")
                    except ValueError:
                        fields = None
                if base is not None and fields is not None:
                    base_text = dumps(
                        {
                            "changed_at": base[0],
                            "deleted": base[1],
                            "replaced_by": None,
                            "fields": {} if base[1] else fields,
                        }
                    )
                self.session.add(
                    m.Conflict(
                        record_type=rt.name,
                        record_uuid=record.uuid,
                        partner_id=self.partner.id,
                        base=base_text,
                        local=local,
                        incoming=incoming,
                        status=OPEN,
                    )
                )
            tally.conflicts += 1
        if held:
            self.session.flush()
            self.has_conflicts = True

    def _audit_change(self, rt: RecordType, mine: Stored, record: WireRecord) -> None:
        changes = {
            name: [mine.fields.get(name), record.fields.get(name)]
            for name in rt.fields
            if mine.fields.get(name) != record.fields.get(name)
        }
        if mine.deleted:
            changes["deleted"] = [True, False]
        self.session.add(
            m.AuditEntry(
                actor=self.actor,
                instance=self.sender,
                record_type=rt.name,
                record_uuid=mine.uuid,
                action=AuditAction.IMPORT.value,
                changes=dumps(changes),
            )
        )

    def _drop_pseudonyms(self, uuids: Sequence[str]) -> None:
        """A volunteer now shared in full replaces the pseudonym it was shared as before."""
        P = m.PartnerVolunteer
        for start in range(0, len(uuids), BATCH):
            self.session.execute(
                update(P)
                .where(P.uuid.in_(uuids[start : start + BATCH]), P.deleted.is_(False))
                .values(
                    deleted=True,
                    email_hash="",
                    phone_hash="",
                    name_hash="",
                    version=P.version + 1,
                )
            )

    def _decisions(self, batch: list[WireRecord]) -> None:
        """Alerts a partner dismissed as not a duplicate are remembered here too."""
        tally = self.outcome.tally(ALERT_DECISION)
        states = self._states(ALERT_DECISION, [r.uuid for r in batch])
        remember = []
        A = m.Alert
        for record in batch:
            base = states.get(record.uuid)
            if base is not None and record.changed_at <= base[0]:
                tally.unchanged += 1
                continue
            fields = record.fields
            kind, pair_key = fields.get("kind"), fields.get("pair_key")
            reason = fields.get("reason") or ""
            if (
                record.deleted
                or not isinstance(kind, str)
                or not isinstance(pair_key, str)
                or not isinstance(reason, str)
                or len(pair_key) > 200
                or decision_uuid(kind, pair_key) != record.uuid
            ):
                tally.skipped += 1
                continue
            parts = [p.partition(":") for p in pair_key.split("|")]
            if not parts or not all(t and is_uuid(u) for t, _s, u in parts):
                tally.skipped += 1
                continue
            try:
                decided_at = (
                    dt.datetime.fromisoformat(fields["decided_at"])
                    if fields.get("decided_at")
                    else utcnow()
                )
            except (TypeError, ValueError):
                decided_at = utcnow()
            if decided_at.tzinfo is not None:
                decided_at = decided_at.astimezone(dt.UTC).replace(tzinfo=None)
            remember.append(record)
            row = self.session.scalar(select(A).where(A.kind == kind, A.pair_key == pair_key))
            decision = dict(
                status=AlertStatus.DISMISSED.value,
                decided_by=self.partner.name[:100],
                decided_at=decided_at,
                decision_reason=reason[:2000],
                updated_at=utcnow(),
                changed_at=record.changed_at,
            )
            if row is None:
                alert_uuid = new_uuid()
                self.session.execute(
                    insert(A.__table__),  # type: ignore[arg-type]
                    [
                        dict(
                            uuid=alert_uuid,
                            origin=record.origin,
                            deleted=False,
                            version=1,
                            kind=kind,
                            pair_key=pair_key,
                            score=0.0,
                            reasons="[]",
                            created_at=utcnow(),
                            **decision,
                        )
                    ],
                )
                alert_id = self.session.scalar(select(A.id).where(A.uuid == alert_uuid))
                self.session.execute(
                    insert(m.AlertRecord.__table__),  # type: ignore[arg-type]
                    [
                        {"alert_id": alert_id, "record_type": t, "record_uuid": u}
                        for t, _s, u in parts
                    ],
                )
                tally.new += 1
            elif row.status in (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value):
                self.session.execute(
                    update(A).where(A.id == row.id).values(version=A.version + 1, **decision)
                )
                tally.updated += 1
            else:
                tally.unchanged += 1  # a decision taken here stands
        if remember:
            remember_versions(self.session, self.partner.id, remember)
            self.outcome.state_written = True
