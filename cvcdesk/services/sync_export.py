"""Which records an export sends to one partner, read in batches from the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cvcdesk.domain.clock import Timestamp
from cvcdesk.domain.enums import AlertStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.syncformat import (
    ACTIVITY_REGULAR,
    ALERT_DECISION,
    ASSIGNMENT,
    MEMBERSHIP,
    RECORD_TYPES,
    VOLUNTEER,
    VOLUNTEER_PSEUDONYM,
    SharingProfile,
    VolunteerSharing,
    WireRecord,
)
from cvcdesk.i18n import _
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback
from cvcdesk.services.identity import load_keys, partnership_key
from cvcdesk.services.partners import (
    partner_profile,
)
from cvcdesk.services.sync_records import (
    BATCH,
    TYPES,
    RecordType,
    Stored,
    decision_uuid,
    digest,
    fields_json,
    read,
    read_pseudonyms,
    remember_versions,
    same_fields,
)
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

RECHECK_MS = 5 * 60 * 1000
"""An incremental export looks this far behind the last one, in case a change that took its
clock value before that export was saved after it; what was already sent is not sent again."""
LINKED_TO_VOLUNTEERS = (MEMBERSHIP, ASSIGNMENT, ACTIVITY_REGULAR)
_Sent = tuple[str, bool, str]


def export_window(last: str) -> str:
    """The clock value an incremental export starts from (see RECHECK_MS)."""
    try:
        stamp = Timestamp.decode(last)
    except ValueError:
        return ""
    return Timestamp(max(stamp.wall_ms - RECHECK_MS, 0), 0, "").encode()


class ExportPlan:
    """Which records go to one partner, read in batches; with `remember`, what is sent is
    written to sync_state as it goes (inside the export's transaction)."""

    def __init__(
        self,
        database: Database,
        session: Session,
        partner: m.Partner,
        *,
        full: bool,
        mark: str,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> None:
        self.database = database
        self.session = session
        self.partner = partner
        self.own = database.instance_uuid
        self.profile = partner_profile(partner)
        self.full = full or not partner.last_export_clock
        self.since = "" if self.full else partner.last_export_clock
        self.window = "" if self.full else export_window(partner.last_export_clock)
        self.mark = mark  # this export's clock value
        self.progress = progress
        self.cancel = cancel
        self.counts: dict[str, int] = {}
        self.tombstones = 0
        self.left_out = 0
        self.shared_volunteers: set[str] = set()
        self.sent: set[tuple[str, str]] = set()
        self._remember = False

    # -- conditions --------------------------------------------------------------------------

    def _where(self, rt: RecordType) -> tuple[str, list[Any]]:
        """This organisation's own records, and the recipient's records changed here; since the
        last export (less a margin) unless the export is full."""
        t = f'"{rt.table.name}"'
        where = f"({t}.origin = ? OR ({t}.origin = ? AND {t}.changed_at LIKE ?))"
        params: list[Any] = [self.own, self.partner.instance_uuid, f"%-{self.own}"]
        if not self.full:
            where += f" AND {t}.changed_at > ?"
            params.append(self.window)
        return where, params

    def _changed(self, rt: RecordType) -> list[Any]:
        return [] if self.full else [rt.table.c.changed_at > self.window]

    def _states(self, record_type: str, uuids: Sequence[str]) -> dict[str, _Sent]:
        """What was last exchanged with the partner: (clock value, deleted, fields as JSON)."""
        found: dict[str, _Sent] = {}
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

    def _has_state(self, record_type: str) -> bool:
        return (
            self.session.scalar(
                select(m.SyncState.record_uuid)
                .where(
                    m.SyncState.partner_id == self.partner.id,
                    m.SyncState.record_type == record_type,
                    m.SyncState.deleted.is_(False),
                )
                .limit(1)
            )
            is not None
        )

    # -- records -----------------------------------------------------------------------------

    def records(self, *, remember: bool = False) -> Iterator[tuple[WireRecord, str]]:
        self._remember = remember
        wanted = self.profile.record_types()
        mode = self.profile.volunteers
        total = len(RECORD_TYPES)
        for step, record_type in enumerate(RECORD_TYPES):
            if self.cancel is not None and self.cancel():
                raise Cancelled()
            if self.progress is not None:
                self.progress(step, total)
            if record_type == ALERT_DECISION:
                if ALERT_DECISION in wanted:
                    yield from self._decisions()
                continue
            if record_type == VOLUNTEER_PSEUDONYM:
                if mode == VolunteerSharing.PSEUDONYMISED or self._has_state(record_type):
                    yield from self._pseudonyms(mode == VolunteerSharing.PSEUDONYMISED)
                continue
            rt = TYPES[record_type]
            if record_type in wanted:
                yield from self._typed(rt, send=True)
            elif self._has_state(record_type):
                # No longer shared: only the tombstones (erasures) of what was sent before.
                yield from self._typed(rt, send=False)
        if self.progress is not None:
            self.progress(total, total)

    def _emit(
        self, records: list[WireRecord], states: Mapping[str, _Sent]
    ) -> list[tuple[WireRecord, str]]:
        out: list[WireRecord] = []
        texts: list[str] = []
        kept: list[str] = []  # sync_state keeps a digest of what was sent
        for record in records:
            text = fields_json(record)
            known = states.get(record.uuid)
            if known is not None:
                same = known[1] == record.deleted and (
                    record.deleted or same_fields(known[2], text)
                )
                if same and not self.full:
                    continue  # the partner has exactly this already
                if not same and record.changed_at <= known[0]:
                    # A version the partner would take for an old one (a tombstone made by a
                    # change of profile, a record shared again): it goes as of now.
                    record = dataclasses.replace(record, changed_at=self.mark)
            out.append(record)
            texts.append(text)
            kept.append(digest(text))
            self.counts[record.type] = self.counts.get(record.type, 0) + 1
            self.sent.add((record.type, record.uuid))
            if record.deleted:
                self.tombstones += 1
        if self._remember and out:
            remember_versions(self.session, self.partner.id, out, kept)
        return list(zip(out, texts, strict=True))

    def _typed(self, rt: RecordType, *, send: bool) -> Iterator[tuple[WireRecord, str]]:
        where, params = self._where(rt)
        last_id = 0
        linked = rt.name in LINKED_TO_VOLUNTEERS
        while True:
            rows = read(self.session, rt, where, params, after_id=last_id, limit=BATCH)
            if not rows:
                return
            last_id = rows[-1].id
            states = self._states(rt.name, [r.uuid for r in rows])
            shared = self._volunteers_shared(rows) if (send and linked) else set()
            out: list[WireRecord] = []
            for row in rows:
                alive = send and not row.deleted
                if alive and rt.name == VOLUNTEER:
                    alive = bool(row.fields.get("consent_share"))
                    if not alive and not row.deleted and row.uuid not in states:
                        self.left_out += 1
                if alive and linked:
                    alive = row.fields.get("volunteer") in shared
                if alive:
                    out.append(row.envelope(rt.name))
                    if rt.name == VOLUNTEER:
                        self.shared_volunteers.add(row.uuid)
                elif row.uuid in states and not states[row.uuid][1]:
                    out.append(
                        WireRecord(
                            rt.name,
                            row.uuid,
                            row.origin,
                            row.changed_at,
                            True,
                            row.replaced_by if row.deleted else None,
                            {},
                        )
                    )
            yield from self._emit(out, states)

    def _volunteers_shared(self, rows: Sequence[Stored]) -> set[str]:
        uuids = sorted({str(r.fields.get("volunteer")) for r in rows if r.fields.get("volunteer")})
        shared = {u for u in uuids if u in self.shared_volunteers}
        rest = [u for u in uuids if u not in shared]
        V = m.Volunteer
        for start in range(0, len(rest), BATCH):
            shared.update(
                self.session.scalars(
                    select(V.uuid).where(
                        V.uuid.in_(rest[start : start + BATCH]),
                        V.deleted.is_(False),
                        V.consent_share.is_(True),
                        or_(V.origin == self.own, V.origin == self.partner.instance_uuid),
                    )
                )
            )
        return shared

    def _pseudonyms(self, send: bool) -> Iterator[tuple[WireRecord, str]]:
        rt = TYPES[VOLUNTEER]
        t = rt.table
        conditions = [t.c.origin == self.own, *self._changed(rt)]
        key = b""
        if send:
            if self.partner.agreement_key is None:
                raise CvcError(
                    _(
                        "{name}'s identity has no key for pseudonyms; add their identity file "
                        "again (it was made by an older cvcdesk)."
                    ).format(name=self.partner.name)
                )
            key = partnership_key(
                load_keys(self.session),
                bytes(self.partner.agreement_key),
                self.own,
                self.partner.instance_uuid,
            )
        last_id = 0
        while True:
            rows = read_pseudonyms(self.session, key, *conditions, after_id=last_id, limit=BATCH)
            if not rows:
                return
            last_id = rows[-1].id
            states = self._states(VOLUNTEER_PSEUDONYM, [r.uuid for r in rows])
            out: list[WireRecord] = []
            for row in rows:
                if send and not row.deleted:
                    out.append(row.envelope(VOLUNTEER_PSEUDONYM))
                elif row.uuid in states and not states[row.uuid][1]:
                    out.append(
                        WireRecord(
                            VOLUNTEER_PSEUDONYM,
                            row.uuid,
                            row.origin,
                            row.changed_at,
                            True,
                            row.replaced_by if row.deleted else None,
                            {},
                        )
                    )
            yield from self._emit(out, states)

    def _decisions(self) -> Iterator[tuple[WireRecord, str]]:
        A = m.Alert
        conditions = [
            A.status == AlertStatus.DISMISSED.value,
            A.changed_at.like(f"%-{self.own}"),
        ]
        if not self.full:
            conditions.append(A.changed_at > self.window)
        rows = self.session.execute(
            select(A.kind, A.pair_key, A.decided_at, A.decision_reason, A.changed_at)
            .where(*conditions)
            .order_by(A.id)
        ).all()
        records = []
        for kind, pair_key, decided_at, reason, changed_at in rows:
            if not self._known_to_partner(pair_key):
                continue
            records.append(
                WireRecord(
                    ALERT_DECISION,
                    decision_uuid(kind, pair_key),
                    self.own,
                    changed_at,
                    False,
                    None,
                    {
                        "kind": kind,
                        "pair_key": pair_key,
                        "status": AlertStatus.DISMISSED.value,
                        "decided_at": decided_at.isoformat() if decided_at else None,
                        "reason": reason or "",
                    },
                )
            )
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            yield from self._emit(batch, self._states(ALERT_DECISION, [r.uuid for r in batch]))

    def _known_to_partner(self, pair_key: str) -> bool:
        """A decision goes only when the partner has (or is sent) every record it is about."""
        for part in pair_key.split("|"):
            record_type, _sep, uuid = part.partition(":")
            if (record_type, uuid) in self.sent:
                continue
            known = self.session.scalar(
                select(m.SyncState.deleted).where(
                    m.SyncState.partner_id == self.partner.id,
                    m.SyncState.record_type == record_type,
                    m.SyncState.record_uuid == uuid,
                )
            )
            if known is None or known:
                return False
        return True


def own_name(session: Session) -> tuple[str, str | None]:
    instance = session.scalar(select(m.Instance).limit(1))
    assert instance is not None
    if instance.organisation_uuid:
        row = session.execute(
            select(m.Organisation.name_en, m.Organisation.name_cy).where(
                m.Organisation.uuid == instance.organisation_uuid
            )
        ).first()
        if row is not None:
            return (row[0] or row[1] or ""), instance.organisation_uuid
    return "", instance.organisation_uuid


def audit_summary(
    session: Session, partner: m.Partner, profile: SharingProfile, own: str
) -> dict[str, Any]:
    """How many records of each shared type were created, changed or deleted here since the
    last export: counts only, never values."""
    types = {t for t in profile.record_types()}
    if VOLUNTEER_PSEUDONYM in types:
        types.add(VOLUNTEER)
    A = m.AuditEntry
    conditions = [A.instance == own, A.record_type.in_(sorted(types))]
    if partner.last_export_at is not None and partner.last_export_clock:
        conditions.append(A.at > partner.last_export_at)
    rows = session.execute(
        select(A.record_type, A.action, func.count())
        .where(*conditions)
        .group_by(A.record_type, A.action)
        .order_by(A.record_type, A.action)
    ).all()
    return {
        "since": partner.last_export_at.isoformat() if partner.last_export_at else None,
        "changes": [{"record_type": t, "action": a, "count": int(n)} for t, a, n in rows],
    }
