"""Exchanging records with partners by file (DESIGN §5): export, import, and the conflicts a
person resolves.

Who may change what
-------------------
Every record belongs to the organisation that made it (its `origin`). An export sends this
database's own records, and the changes made here to the recipient's own records (sent back as
proposals); never a third organisation's records. On import, a record's fields change only when
the file comes from the record's origin and nobody here changed the record since the last
exchange. Otherwise the incoming version is held as a conflict (base, local and incoming
values) for a person to resolve field by field; nothing is dropped or overwritten silently.
A volunteer's owner erasing a volunteer (deletion, or consent withdrawn) always wins: the
personal details are blanked here too.

Versions are compared by hybrid logical clock values; `sync_state` remembers, per partner and
record, the version last exchanged either way. An incoming version no newer than that is
already known: importing the same file twice, or an older file after a newer one, changes
nothing.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import json
import sqlite3
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AuditAction
from cvcdesk.domain.errors import FieldError, NotFoundError, ValidationError
from cvcdesk.domain.syncformat import (
    ENVELOPE,
    FORMAT_NAME,
    PAYLOAD,
    RECORD_TYPES,
    VOLUNTEER,
    SyncFileError,
    WireRecord,
    record_line,
    record_type_label,
    version_text,
)
from cvcdesk.i18n import _
from cvcdesk.services.alerts import AlertService, ScanResult
from cvcdesk.services.base import CancelFlag, ProgressCallback, ServiceBase
from cvcdesk.services.identity import load_keys, verify_signature
from cvcdesk.services.partners import (
    FieldsLeaving,
    field_label,
    fields_leaving,
    find_partner,
    sync_detectors,
)
from cvcdesk.services.sync_export import ExportPlan, audit_summary, own_name
from cvcdesk.services.sync_file import (
    check_passphrase,
    open_sync_file,
    read_audit,
    verify_parts,
    write_sync_file,
)
from cvcdesk.services.sync_import import (
    OPEN,
    Outcome,
    TypeCounts,
    apply_file,
    empty_item,
    snapshot,
    totals,
    values_for,
    warning_text,
)
from cvcdesk.services.sync_records import (
    TYPES,
    Stored,
    WriteContext,
    decode,
    dumps,
    erase_children,
    erased_values,
    read_by_uuid,
    resolve_refs,
    roomy_cache,
    update_rows,
)
from cvcdesk.store import models as m
from cvcdesk.store.backup import backup_sqlite
from cvcdesk.store.models import utcnow

RESOLVED = "resolved"
SIDES = ("local", "incoming", "base")


# ---- what the service returns -----------------------------------------------------------


@dataclass(frozen=True)
class ExportPreview:
    """What an export would send, before it is written."""

    partner_uuid: str
    partner_name: str
    full: bool
    since: str
    counts: dict[str, int]  # record type -> records (tombstones included)
    tombstones: int
    left_out_without_consent: int
    fields: tuple[FieldsLeaving, ...]

    @property
    def records(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ExportResult:
    path: Path
    partner_uuid: str
    partner_name: str
    full: bool
    encrypted: bool
    since: str
    until: str
    counts: dict[str, int]
    tombstones: int
    left_out_without_consent: int
    size: int

    @property
    def records(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ImportPreview:
    """What a file holds and what importing it does (or did)."""

    path: Path
    partner_uuid: str
    partner_name: str
    fingerprint: str
    created_at: str
    since: str
    until: str
    full: bool
    encrypted: bool
    counts: tuple[TypeCounts, ...]
    totals: TypeCounts
    warnings: tuple[str, ...]
    partner_changes: tuple[tuple[str, str, int], ...]  # (record type, action, count) at theirs


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    applied: bool
    backup_path: Path | None
    alerts: ScanResult | None


@dataclass(frozen=True)
class ConflictField:
    name: str
    label: str
    base: Any
    local: Any
    incoming: Any
    suggested: str  # "local" or "incoming": the side that changed it since the base

    @property
    def changed_here(self) -> bool:
        return bool(self.local != self.base)

    @property
    def changed_there(self) -> bool:
        return bool(self.incoming != self.base)


@dataclass(frozen=True)
class ConflictRow:
    id: int
    record_type: str
    record_uuid: str
    title: str
    partner_uuid: str
    partner_name: str
    status: str
    proposal: bool  # the partner changed a record this organisation owns
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    fields: tuple[ConflictField, ...]  # only those that differ

    @property
    def type_label(self) -> str:
        return record_type_label(self.record_type)


class _Rollback(Exception):
    """Leave the transaction without writing (a dry run, or a file that changes nothing)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


# ---- the service ---------------------------------------------------------------------------


class SyncService(ServiceBase):
    # ---- export ----------------------------------------------------------------------------

    def preview_export(self, partner: str, *, full: bool = False) -> ExportPreview:
        """What `export` would send to `partner` now, and exactly which fields leave."""
        with self._read() as session:
            row = find_partner(session, partner)
            plan = ExportPlan(self._db, session, row, full=full, mark=self._db.clock.now())
            counts: dict[str, int] = {}
            for record, _text in plan.records():
                counts[record.type] = counts.get(record.type, 0) + 1
            return ExportPreview(
                partner_uuid=row.uuid,
                partner_name=row.name,
                full=full or not row.last_export_clock,
                since="" if full else row.last_export_clock,
                counts=counts,
                tombstones=plan.tombstones,
                left_out_without_consent=plan.left_out,
                fields=tuple(fields_leaving(plan.profile)),
            )

    def export(
        self,
        partner: str,
        path: Path,
        *,
        full: bool = False,
        passphrase: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ExportResult:
        """Write what changed since the last export to `partner` (everything with `full`),
        signed, optionally protected by a passphrase, to a temporary file renamed into place.
        What was sent is remembered in the same transaction."""
        if passphrase is not None:
            check_passphrase(passphrase)
        with self._unit() as session, roomy_cache(session):
            row = find_partner(session, partner)
            keys = load_keys(session)
            own = self._db.instance_uuid
            identity_name, org_uuid = own_name(session)
            until = self._db.clock.now()
            plan = ExportPlan(
                self._db, session, row, full=full, mark=until, progress=progress, cancel=cancel
            )
            since = plan.since
            audit = dumps(audit_summary(session, row, plan.profile, own)).encode("utf-8")

            def lines() -> Iterator[bytes]:
                for record, text in plan.records(remember=True):
                    yield record_line(record, text)

            def manifest(parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
                return {
                    "format": FORMAT_NAME,
                    "version": version_text(),
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "sender": {
                        "instance": own,
                        "organisation": org_uuid,
                        "name": identity_name,
                        "fingerprint": keys.fingerprint,
                    },
                    "recipient": {
                        "instance": row.instance_uuid,
                        "name": row.name,
                        "fingerprint": row.fingerprint,
                    },
                    "clock": {"since": since, "until": until},
                    "full": plan.full,
                    "profile": plan.profile.to_json(),
                    "counts": dict(plan.counts),
                    "parts": parts,
                    "encrypted": passphrase is not None,
                }

            size = write_sync_file(
                path,
                lines(),
                audit=audit,
                make_manifest=manifest,
                sign=keys.signing.sign,
                passphrase=passphrase,
            )
            row.last_export_clock = until
            row.last_export_at = utcnow()
            self._audit(
                session,
                record_type="partner",
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes={"exported": (None, {"file": path.name, **plan.counts})},
            )
            return ExportResult(
                path=path,
                partner_uuid=row.uuid,
                partner_name=row.name,
                full=plan.full,
                encrypted=passphrase is not None,
                since=since,
                until=until,
                counts=dict(plan.counts),
                tombstones=plan.tombstones,
                left_out_without_consent=plan.left_out,
                size=size,
            )

    # ---- import ----------------------------------------------------------------------------

    def needs_passphrase(self, path: Path) -> bool:
        """Whether a sync file is protected with a passphrase, so it can be asked for first.
        Nothing is checked here: a file that cannot be read says why when it is previewed."""
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (OSError, zipfile.BadZipFile, ValueError, EOFError):
            return False
        return ENVELOPE in names or PAYLOAD in names

    def preview_import(
        self,
        path: Path,
        *,
        passphrase: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ImportPreview:
        """Check a file and count what importing it would do; nothing is written."""
        return self.import_file(
            path, passphrase=passphrase, dry_run=True, progress=progress, cancel=cancel
        ).preview

    def import_file(
        self,
        path: Path,
        *,
        passphrase: str | None = None,
        dry_run: bool = False,
        scan_alerts: bool = True,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ImportResult:
        """Verify a partner's file (zip safety, manifest, version, signature, checksums,
        passphrase), then apply all of it in one transaction, or nothing. The database is
        backed up first; after the import every alert detector runs over local and partner
        records together."""
        with open_sync_file(path, passphrase=passphrase) as opened:
            manifest = opened.manifest
            with self._read() as session:
                partner = self._sender(session, manifest)
                public_key = bytes(partner.public_key or b"")
                partner_uuid, partner_name = partner.uuid, partner.name
                fingerprint = partner.fingerprint
            if not verify_signature(public_key, opened.signature, opened.manifest_bytes):
                raise SyncFileError(
                    _(
                        "The signature of “{name}” does not match the key of {partner} "
                        "(fingerprint {fingerprint}): the file was changed, or {partner} did "
                        "not make it. Nothing was imported."
                    ).format(name=path.name, partner=partner_name, fingerprint=fingerprint)
                )
            verify_parts(opened)
            audit = read_audit(opened)
            # With a write-ahead log the backup is taken just before the commit (it reads the
            # database as it was before this transaction), so a file that changes nothing
            # costs no backup; otherwise it is taken first.
            later = self._db.journal_mode.upper() == "WAL"
            backup_path = None if dry_run or later else self._backup()
            outcome: Outcome
            try:
                with self._unit() as session, roomy_cache(session):
                    outcome = apply_file(
                        self._db, self._actor, session, opened, partner_uuid, progress, cancel
                    )
                    if dry_run or not outcome.changed:
                        raise _Rollback(outcome)
                    if later:
                        backup_path = self._backup()
            except _Rollback as stop:
                outcome = stop.outcome
                _discard(backup_path)
                backup_path = None
            except (IntegrityError, sqlite3.IntegrityError) as exc:
                _discard(backup_path)
                reason = str(getattr(exc, "orig", None) or exc)
                raise SyncFileError(
                    _("“{name}” could not be applied ({reason}); nothing was imported.").format(
                        name=path.name, reason=reason[:200]
                    )
                ) from None
            except BaseException:
                _discard(backup_path)
                raise
            preview = ImportPreview(
                path=path,
                partner_uuid=partner_uuid,
                partner_name=partner_name,
                fingerprint=fingerprint,
                created_at=str(manifest.get("created_at", "")),
                since=manifest["clock"]["since"],
                until=manifest["clock"]["until"],
                full=bool(manifest["full"]),
                encrypted=opened.encrypted,
                counts=tuple(
                    outcome.tallies[t].frozen(t)
                    for t in (*RECORD_TYPES, *sorted(set(outcome.tallies) - set(RECORD_TYPES)))
                    if t in outcome.tallies
                ),
                totals=totals(outcome),
                warnings=tuple(warning_text(c, n) for c, n in outcome.warnings.items()),
                partner_changes=_partner_changes(audit),
            )
        alerts = None
        applied = not dry_run and outcome.changed
        if applied and scan_alerts:
            alerts = AlertService(self._db, actor=self._actor, detectors=sync_detectors).scan(
                full=True, progress=progress, cancel=cancel
            )
        return ImportResult(
            preview=preview, applied=applied, backup_path=backup_path, alerts=alerts
        )

    # ---- conflicts -------------------------------------------------------------------------

    def conflicts(self, *, include_resolved: bool = False) -> builtins.list[ConflictRow]:
        """Records changed on both sides (or changed by a partner that does not own them),
        oldest first."""
        with self._read() as session:
            stmt = select(m.Conflict).order_by(m.Conflict.id)
            if not include_resolved:
                stmt = stmt.where(m.Conflict.status == OPEN)
            return [self._conflict_row(session, row) for row in session.scalars(stmt)]

    def conflict(self, conflict_id: int) -> ConflictRow:
        with self._read() as session:
            return self._conflict_row(session, self._load_conflict(session, conflict_id))

    def resolve(
        self,
        conflict_id: int,
        choices: Mapping[str, str] | None = None,
        *,
        take: str | None = None,
    ) -> ConflictRow:
        """Settle a conflict field by field: `choices` maps a field to "local", "incoming" or
        "base"; other fields take `take` when given, else the side that changed them since the
        base (the local value when both did). The result is a new local version, sent to the
        partner with the next export."""
        choices = dict(choices or {})
        for side in (*choices.values(), *([take] if take else [])):
            if side not in SIDES:
                raise ValidationError(
                    [
                        FieldError(
                            "choice",
                            _("Choose “local”, “incoming” or “base”, not “{side}”.").format(
                                side=side
                            ),
                        )
                    ]
                )
        with self._unit() as session:
            row = self._load_conflict(session, conflict_id)
            if row.status != OPEN:
                raise ValidationError(
                    [
                        FieldError(
                            "conflict",
                            _("Conflict {id} is already resolved.").format(id=conflict_id),
                        )
                    ]
                )
            rt = TYPES.get(row.record_type)
            local = (
                read_by_uuid(session, rt, [row.record_uuid]).get(row.record_uuid) if rt else None
            )
            if rt is None or local is None:
                raise NotFoundError(
                    _("The record of conflict {id} is no longer in this database.").format(
                        id=conflict_id
                    )
                )
            sides = self._sides(row, local)
            names = ("deleted", *rt.fields)
            unknown = sorted(set(choices) - set(names))
            if unknown:
                raise ValidationError(
                    [
                        FieldError(
                            "choice",
                            _(
                                "“{field}” is not a field of this record; its fields are: {fields}."
                            ).format(field=unknown[0], fields=", ".join(names)),
                        )
                    ]
                )
            fields = _conflict_fields(rt.name, sides)
            suggested = {f.name: f.suggested for f in fields}

            def pick(name: str) -> str:
                return choices.get(name) or take or suggested.get(name, "local")

            deleted_side = sides[pick("deleted")]
            if deleted_side is None:
                deleted_side = sides["local"]
            assert deleted_side is not None
            deleted = bool(deleted_side["deleted"])
            replaced_by = deleted_side.get("replaced_by") if deleted else None
            merged: dict[str, Any] = {}
            for name in rt.fields:
                source = sides[pick(name)] or sides["local"]
                assert source is not None
                values = source["fields"] or sides["local"]["fields"]  # type: ignore[index]
                merged[name] = values.get(name, local.fields.get(name))
            stamp = self._db.clock.now()
            record = WireRecord(
                rt.name, local.uuid, local.origin, stamp, deleted, replaced_by, merged, 0
            )
            context = WriteContext(self._db, partner_id=row.partner_id)
            before = local.fields
            if deleted:
                values_: dict[str, Any] = {
                    "deleted": True,
                    "replaced_by": replaced_by,
                    "changed_at": stamp,
                }
                if rt.erase and local.origin != self._db.instance_uuid:
                    values_.update(erased_values(rt))
                    erase_children(session, rt, [local.id])
                update_rows(session, rt, [(local.id, values_, empty_item(rt))])
            else:
                item = decode(rt, record)
                ids = resolve_refs(session, rt, [item], context)[0]
                if ids is None:
                    raise NotFoundError(
                        _(
                            "The chosen values point to a record this database does not have; "
                            "choose the other side for the references."
                        )
                    )
                values = values_for(rt, record, item, ids)
                update_rows(session, rt, [(local.id, values, item)])
            changes = {
                name: (before.get(name), merged.get(name))
                for name in rt.fields
                if before.get(name) != merged.get(name) and not deleted
            }
            if deleted != local.deleted:
                changes["deleted"] = (local.deleted, deleted)
            self._audit(
                session,
                record_type=rt.name,
                record_uuid=local.uuid,
                action=AuditAction.UPDATE,
                changes={"conflict": (None, conflict_id), **changes},
            )
            row.status = RESOLVED
            row.resolved_at = utcnow()
            session.flush()
            return self._conflict_row(session, row)

    # ---- helpers: import -------------------------------------------------------------------

    def _backup(self) -> Path | None:
        path = self._db.path
        if path is None or not self._db.is_sqlite:
            return None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        return backup_sqlite(path, path.parent / "backups" / f"{path.stem}-{stamp}-before-sync.db")

    def _sender(self, session: Session, manifest: Mapping[str, Any]) -> m.Partner:
        recipient = manifest["recipient"]
        if recipient["instance"] != self._db.instance_uuid:
            raise SyncFileError(
                _(
                    "This file was made for {name} (fingerprint {fingerprint}), not for this "
                    "database. Nothing was imported."
                ).format(
                    name=recipient.get("name") or recipient["instance"],
                    fingerprint=recipient.get("fingerprint", ""),
                )
            )
        sender = manifest["sender"]
        row = session.scalar(select(m.Partner).where(m.Partner.instance_uuid == sender["instance"]))
        if row is None or not row.public_key:
            raise SyncFileError(
                _(
                    "This file comes from “{name}”, who is not one of your partners. Add their "
                    "identity file first (cvcdesk partners add FILE) and check its fingerprint "
                    "with them."
                ).format(name=sender.get("name") or sender["instance"])
            )
        return row

    # ---- helpers: conflicts ----------------------------------------------------------------

    @staticmethod
    def _load_conflict(session: Session, conflict_id: int) -> m.Conflict:
        row = session.get(m.Conflict, int(conflict_id))
        if row is None:
            raise NotFoundError(
                _("There is no conflict {id}. “cvcdesk sync conflicts” lists them.").format(
                    id=conflict_id
                )
            )
        return row

    @staticmethod
    def _sides(row: m.Conflict, local: Stored | None) -> dict[str, dict[str, Any] | None]:
        def parse(text: str) -> dict[str, Any] | None:
            try:
                value = json.loads(text or "{}")
            except ValueError:
                return None
            return value if isinstance(value, dict) and "fields" in value else None

        current = snapshot(local, record_type=row.record_type) if local else parse(row.local)
        return {"base": parse(row.base), "local": current, "incoming": parse(row.incoming)}

    def _conflict_row(self, session: Session, row: m.Conflict) -> ConflictRow:
        rt = TYPES.get(row.record_type)
        local = (
            read_by_uuid(session, rt, [row.record_uuid]).get(row.record_uuid)
            if rt is not None and row.status == OPEN
            else None
        )
        sides = self._sides(row, local)
        partner = session.get(m.Partner, row.partner_id) if row.partner_id else None
        origin = local.origin if local else ""
        shown = sides["local"] or sides["incoming"] or {}
        return ConflictRow(
            id=row.id,
            record_type=row.record_type,
            record_uuid=row.record_uuid,
            title=_title(row.record_type, shown.get("fields") or {}, row.record_uuid),
            partner_uuid=partner.uuid if partner else "",
            partner_name=partner.name if partner else "",
            status=row.status,
            proposal=origin == self._db.instance_uuid,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
            fields=tuple(_conflict_fields(row.record_type, sides)),
        )


def _partner_changes(audit: Mapping[str, Any]) -> tuple[tuple[str, str, int], ...]:
    out = []
    for item in audit.get("changes", []) if isinstance(audit.get("changes"), list) else []:
        if isinstance(item, dict):
            try:
                out.append((str(item["record_type"]), str(item["action"]), int(item["count"])))
            except (KeyError, TypeError, ValueError):
                continue
    return tuple(out[:200])


def _discard(path: Path | None) -> None:
    """A backup taken before an import that wrote nothing is not kept."""
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _title(record_type: str, fields: Mapping[str, Any], uuid: str) -> str:
    if record_type == VOLUNTEER:
        first = fields.get("known_as") or fields.get("first_name") or ""
        name = f"{first} {fields.get('last_name') or ''}".strip()
        if name:
            return name
    for key in ("name_en", "name_cy", "title_en", "title_cy", "reference"):
        if fields.get(key):
            return str(fields[key])
    return f"{record_type_label(record_type)} {uuid[:8]}"


def _conflict_fields(
    record_type: str, sides: Mapping[str, dict[str, Any] | None]
) -> list[ConflictField]:
    base, local, incoming = sides["base"], sides["local"], sides["incoming"]
    rt = TYPES.get(record_type)
    names = ("deleted", *(rt.fields if rt else ()))
    out = []
    for name in names:

        def value(side: dict[str, Any] | None, name: str = name) -> Any:
            if side is None:
                return None
            if name == "deleted":
                return bool(side.get("deleted"))
            return (side.get("fields") or {}).get(name)

        b, l_, i = value(base), value(local), value(incoming)
        either_deleted = (local or {}).get("deleted") or (incoming or {}).get("deleted")
        if name != "deleted" and either_deleted and (l_ is None or i is None):
            # A deletion is decided by the "deleted" field; the others only when both live.
            continue
        if l_ == i:
            continue
        if base is None:
            suggested = "local"
        elif l_ == b:
            suggested = "incoming"
        else:
            suggested = "local"
        out.append(ConflictField(name, field_label(record_type, name), b, l_, i, suggested))
    return out


__all__ = [
    "ConflictField",
    "ConflictRow",
    "ExportPreview",
    "ExportResult",
    "ImportPreview",
    "ImportResult",
    "SyncService",
    "TypeCounts",
]
