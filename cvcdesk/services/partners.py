"""Partners: who we exchange files with, their keys, what each is sent (share profiles), and the
matching of volunteers a partner shares pseudonymised with volunteers held here."""

from __future__ import annotations

import ast
import builtins
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cvcdesk.domain.alerts import Finding, Reason, RecordRef, register_reasons
from cvcdesk.domain.enums import AlertKind, AuditAction
from cvcdesk.domain.errors import FieldError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import ORGANISATION_FIELD_LABELS
from cvcdesk.domain.syncformat import (
    VOLUNTEER,
    VOLUNTEER_PSEUDONYM,
    SharingProfile,
    SyncFileError,
    VolunteerSharing,
    record_type_label,
)
from cvcdesk.domain.volunteer import field_label as volunteer_field_label
from cvcdesk.i18n import N_, _
from cvcdesk.services.alerts import Detector, default_detectors
from cvcdesk.services.base import CancelFlag, ProgressCallback, ServiceBase
from cvcdesk.services.identity import (
    PartnerIdentity,
    load_keys,
    partnership_key,
    read_identity_file,
)
from cvcdesk.services.sync_records import PSEUDONYM_FIELDS, TYPES, pseudonym_keys
from cvcdesk.store import models as m

PARTNER_VOLUNTEER = "partner_volunteer"  # how alerts name a pseudonymised partner volunteer
ENVELOPE_FIELDS = ("uuid", "origin", "changed_at", "deleted", "replaced_by")

_FIELD_LABELS: dict[str, str] = {
    "organisation": N_("Group"),
    "service": N_("Service"),
    "area": N_("Area"),
    "weekdays": N_("Weekdays"),
    "start_time": N_("Start time"),
    "end_time": N_("End time"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "volunteer": N_("Volunteer"),
    "role": N_("Role"),
    "since": N_("Since"),
    "until": N_("Until"),
    "title_en": N_("Title (English)"),
    "title_cy": N_("Title (Welsh)"),
    "place": N_("Place"),
    "rrule": N_("Repeats"),
    "volunteers_needed": N_("Volunteers needed"),
    "dbs_level_required": N_("DBS level needed"),
    "welsh_required": N_("Welsh needed"),
    "skip_bank_holidays": N_("Not on bank holidays"),
    "skills_required": N_("Skills needed"),
    "exceptions": N_("Dates added or cancelled"),
    "activity": N_("Activity"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "cancelled": N_("Cancelled"),
    "orphaned": N_("No longer in the pattern"),
    "shift": N_("Shift"),
    "status": N_("Status"),
    "hours": N_("Hours"),
    "household": N_("Household"),
    "match_key": N_("Private address key"),
    "district": N_("Postcode district"),
    "availability": N_("Availability"),
    "away": N_("Away periods (dates only)"),
    "email_hash": N_("Keyed hash of the e-mail address"),
    "phone_hash": N_("Keyed hash of the phone number"),
    "name_hash": N_("Keyed hash of the name and date of birth"),
    "deleted": N_("Deleted"),
    "uuid": N_("Record id"),
    "origin": N_("Which organisation made it"),
    "changed_at": N_("When it last changed (clock)"),
    "replaced_by": N_("The record it was merged into"),
    "kind": N_("Kind"),
    "pair_key": N_("The records the alert is about"),
    "decided_at": N_("When it was decided"),
    "reason": N_("The reason given"),
}

ALERT_DECISION_FIELDS = ("kind", "pair_key", "status", "decided_at", "reason")


def field_label(record_type: str, name: str) -> str:
    """A field's name for people, in the current language."""
    if name in ENVELOPE_FIELDS or name == "deleted":
        return _(_FIELD_LABELS[name])
    if record_type == VOLUNTEER and name not in ("availability", "away"):
        return volunteer_field_label(name)
    if record_type == "organisation" and name in ORGANISATION_FIELD_LABELS:
        return _(ORGANISATION_FIELD_LABELS[name])
    if record_type == "household" and name == "postcode":
        return _(_FIELD_LABELS["district"])
    if name in _FIELD_LABELS:
        return _(_FIELD_LABELS[name])
    if record_type == "organisation" or name in ("postcode", "reference"):
        return volunteer_field_label(name)
    return name


@dataclass(frozen=True)
class FieldsLeaving:
    """One record type a partner is sent and exactly which of its fields leave."""

    record_type: str
    label: str
    fields: tuple[tuple[str, str], ...]  # (field, label)
    note: str = ""


def fields_leaving(profile: SharingProfile) -> builtins.list[FieldsLeaving]:
    """What an export under `profile` sends, type by type and field by field."""
    out = []
    for record_type in profile.record_types():
        if record_type == "alert_decision":
            names: Sequence[str] = ALERT_DECISION_FIELDS
        elif record_type == VOLUNTEER_PSEUDONYM:
            names = PSEUDONYM_FIELDS
        else:
            names = TYPES[record_type].fields
        note = ""
        if record_type == VOLUNTEER:
            note = _(
                "Only volunteers who consented to sharing. Notes, emergency contacts, DBS "
                "certificate numbers and reasons for being away never leave."
            )
        elif record_type == VOLUNTEER_PSEUDONYM:
            note = _(
                "Every volunteer, with no name, phone, e-mail or address: only hashes keyed "
                "for this partner, which match the same person without saying who it is."
            )
        elif record_type == "household":
            note = _("Only the postcode district and the private address key, never the address.")
        out.append(
            FieldsLeaving(
                record_type=record_type,
                label=record_type_label(record_type),
                fields=tuple(
                    (name, field_label(record_type, name)) for name in (*ENVELOPE_FIELDS, *names)
                ),
                note=note,
            )
        )
    return out


@dataclass(frozen=True)
class PartnerInfo:
    """A partner as the Partners page and `partners list` show it."""

    uuid: str
    name: str
    fingerprint: str
    instance_uuid: str
    organisation_uuid: str
    profile: SharingProfile
    added_at: dt.datetime
    last_export_at: dt.datetime | None
    last_import_at: dt.datetime | None
    last_export_clock: str
    last_import_clock: str
    open_conflicts: int
    pseudonymised_volunteers: int


@dataclass(frozen=True)
class Exchange:
    """One file sent to or taken from a partner, as the audit trail remembers it."""

    at: dt.datetime
    file: str
    counts: dict[str, int]  # sent: record type -> records; taken: new/updated/conflicts/deletions

    @property
    def records(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Exchanges:
    """The last file each way: what the Partners page shows beside each partner."""

    last_export: Exchange | None
    last_import: Exchange | None


def _counts(value: object) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, int] = {}
    for key, count in value.items():
        if isinstance(count, list) and len(count) == 2:  # an import's {"new": [None, 3]}
            count = count[1]
        if key != "file" and isinstance(count, int) and not isinstance(count, bool):
            out[str(key)] = count
    return out


def _literal(value: object) -> dict[str, Any]:
    """The audit trail keeps an export's counts as the text of a dict (JSON or Python's)."""
    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return {}
    return value if isinstance(value, dict) else {}


def _exchange(entry: m.AuditEntry | None, key: str | None) -> Exchange | None:
    if entry is None:
        return None
    try:
        changes = json.loads(entry.changes or "{}")
    except ValueError:
        changes = {}
    if not isinstance(changes, dict):
        changes = {}
    if key is not None:  # an export: {"exported": [None, {"file": ..., type: count}]}
        pair = changes.get(key)
        changes = _literal(pair[1]) if isinstance(pair, list) and len(pair) == 2 else {}
        file = changes.get("file")
    else:
        pair = changes.get("file")
        file = pair[1] if isinstance(pair, list) and len(pair) == 2 else pair
    return Exchange(at=entry.at, file=str(file or ""), counts=_counts(changes))


def find_partner(session: Session, key: str) -> m.Partner:
    text = key.strip()
    if not text:
        raise NotFoundError(_("Give a partner's name."))
    row = session.scalar(
        select(m.Partner).where(
            or_(m.Partner.uuid == text, func.lower(m.Partner.name) == text.lower())
        )
    )
    if row is None:
        raise NotFoundError(
            _("No partner is called “{key}”. “cvcdesk partners list” shows them.").format(key=text)
        )
    return row


def partner_profile(row: m.Partner) -> SharingProfile:
    try:
        return SharingProfile.from_json(json.loads(row.profile or "{}"))
    except ValueError:
        return SharingProfile()


class PartnerService(ServiceBase):
    def add(self, path: Path, *, name: str | None = None) -> PartnerInfo:
        """Trust the partner whose identity file this is; check its fingerprint with them.

        Adding the same identity again refreshes its name; a different key for a partner
        already added is refused (remove the partner first, once the change is confirmed).
        """
        identity = read_identity_file(path)
        label = (name or identity.name_en or identity.name_cy).strip()
        if not label or len(label) > 200:
            raise ValidationError(
                [FieldError("name", _("Give the partner a name of 1 to 200 characters."))]
            )
        with self._unit() as session:
            if identity.instance_uuid == self._db.instance_uuid:
                raise SyncFileError(
                    _("“{path}” is this database's own identity, not a partner's.").format(
                        path=path
                    )
                )
            row = session.scalar(
                select(m.Partner).where(m.Partner.instance_uuid == identity.instance_uuid)
            )
            if row is not None and row.public_key != identity.signing_key:
                raise SyncFileError(
                    _(
                        "{name} is already a partner with a different key (fingerprint "
                        "{old}). If they really changed it, confirm the new fingerprint {new} "
                        "with them, remove the partner and add it again."
                    ).format(name=row.name, old=row.fingerprint, new=identity.fingerprint)
                )
            if row is None:
                row = m.Partner(
                    instance_uuid=identity.instance_uuid,
                    profile=json.dumps(SharingProfile().to_json()),
                )
                session.add(row)
            row.name = label
            row.organisation_uuid = identity.organisation_uuid or ""
            row.public_key = identity.signing_key
            row.agreement_key = identity.agreement_key
            row.fingerprint = identity.fingerprint
            try:
                session.flush()
            except IntegrityError:
                raise ValidationError(
                    [
                        FieldError(
                            "name",
                            _(
                                "Another partner is already called “{name}”; add this one "
                                "with another name (--name)."
                            ).format(name=label),
                        )
                    ]
                ) from None
            return self._info(session, row)

    def list(self) -> builtins.list[PartnerInfo]:
        with self._read() as session:
            rows = session.scalars(select(m.Partner).order_by(func.lower(m.Partner.name)))
            return [self._info(session, row) for row in rows]

    def get(self, key: str) -> PartnerInfo:
        with self._read() as session:
            return self._info(session, find_partner(session, key))

    def profile(self, key: str) -> SharingProfile:
        with self._read() as session:
            return partner_profile(find_partner(session, key))

    def set_profile(self, key: str, profile: SharingProfile) -> PartnerInfo:
        """Change what a partner is sent. A change makes the next export a full one, so the
        partner gets what it newly may see, and erasures of what it no longer may."""
        with self._unit() as session:
            row = find_partner(session, key)
            if partner_profile(row) != profile:
                row.profile = json.dumps(profile.to_json())
                row.last_export_clock = ""
                self._audit_profile(session, row, profile)
            session.flush()
            return self._info(session, row)

    def fields_leaving(self, key: str) -> builtins.list[FieldsLeaving]:
        return fields_leaving(self.profile(key))

    def inspect(self, path: Path) -> PartnerIdentity:
        """A partner's identity file read, not yet trusted: its name and fingerprint, to check
        with the partner (by phone) before `add`. Refused as `add` would refuse it."""
        identity = read_identity_file(path)
        if identity.instance_uuid == self._db.instance_uuid:
            raise SyncFileError(
                _("“{path}” is this database's own identity, not a partner's.").format(path=path)
            )
        return identity

    def last_exchanges(self) -> dict[str, Exchanges]:
        """Each partner's (by uuid) last file sent and last file imported, with their counts."""
        with self._read() as session:
            out: dict[str, Exchanges] = {}
            for uuid in session.scalars(select(m.Partner.uuid)):
                entries = select(m.AuditEntry).where(
                    m.AuditEntry.record_type == "partner", m.AuditEntry.record_uuid == uuid
                )
                sent = session.scalar(
                    entries.where(
                        m.AuditEntry.action == AuditAction.UPDATE.value,
                        m.AuditEntry.changes.like('{"exported"%'),
                    )
                    .order_by(m.AuditEntry.id.desc())
                    .limit(1)
                )
                taken = session.scalar(
                    entries.where(m.AuditEntry.action == AuditAction.IMPORT.value)
                    .order_by(m.AuditEntry.id.desc())
                    .limit(1)
                )
                out[uuid] = Exchanges(_exchange(sent, "exported"), _exchange(taken, None))
            return out

    def remove(self, key: str) -> None:
        """Stop exchanging with a partner. Its records stay; its pseudonymised volunteers go."""
        with self._unit() as session:
            row = find_partner(session, key)
            session.execute(
                update(m.PartnerVolunteer)
                .where(m.PartnerVolunteer.partner_id == row.id)
                .values(
                    deleted=True,
                    email_hash="",
                    phone_hash="",
                    name_hash="",
                    skills="[]",
                    availability="[]",
                    district="",
                    changed_at=self._db.clock.now(),
                    version=m.PartnerVolunteer.version + 1,
                )
            )
            session.execute(
                update(m.Conflict)
                .where(m.Conflict.partner_id == row.id, m.Conflict.status == "open")
                .values(status="dropped", resolved_at=m.utcnow())
            )
            session.delete(row)

    # ---- helpers -------------------------------------------------------------------------

    def _audit_profile(self, session: Session, row: m.Partner, profile: SharingProfile) -> None:
        self._audit(
            session,
            record_type="partner",
            record_uuid=row.uuid,
            action=AuditAction.UPDATE,
            changes={"profile": (None, profile.to_json())},
        )

    @staticmethod
    def _info(session: Session, row: m.Partner) -> PartnerInfo:
        conflicts = session.scalar(
            select(func.count())
            .select_from(m.Conflict)
            .where(m.Conflict.partner_id == row.id, m.Conflict.status == "open")
        )
        pseudonyms = session.scalar(
            select(func.count())
            .select_from(m.PartnerVolunteer)
            .where(m.PartnerVolunteer.partner_id == row.id, m.PartnerVolunteer.deleted.is_(False))
        )
        return PartnerInfo(
            uuid=row.uuid,
            name=row.name,
            fingerprint=row.fingerprint,
            instance_uuid=row.instance_uuid,
            organisation_uuid=row.organisation_uuid,
            profile=partner_profile(row),
            added_at=row.added_at,
            last_export_at=row.last_export_at,
            last_import_at=row.last_import_at,
            last_export_clock=row.last_export_clock,
            last_import_clock=row.last_import_clock,
            open_conflicts=int(conflicts or 0),
            pseudonymised_volunteers=int(pseudonyms or 0),
        )


# ---- matching pseudonymised volunteers --------------------------------------------------

_PSEUDONYM_REASONS = {
    "sync.same_email": N_(
        "Same e-mail address as a volunteer {partner} shares pseudonymised (compared by keyed "
        "hash, without seeing it)"
    ),
    "sync.same_phone": N_(
        "Same phone number as a volunteer {partner} shares pseudonymised (compared by keyed "
        "hash, without seeing it)"
    ),
    "sync.same_name_dob": N_(
        "Same name and date of birth as a volunteer {partner} shares pseudonymised (compared "
        "by keyed hash, without seeing them)"
    ),
}
register_reasons(_PSEUDONYM_REASONS)
_WEIGHTS = {"sync.same_email": 0.85, "sync.same_phone": 0.85, "sync.same_name_dob": 0.9}
_CHUNK = 2000


def find_pseudonym_matches(
    session: Session,
    *,
    only: Collection[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> builtins.list[Finding]:
    """Volunteers here that a partner's pseudonymised volunteer matches by a keyed hash of the
    e-mail address, the phone number, or the name with date of birth. Nothing is merged: each
    match is a duplicate alert for a person to look at."""
    partners = session.execute(
        select(m.Partner.id, m.Partner.name, m.Partner.instance_uuid, m.Partner.agreement_key)
        .where(
            m.Partner.agreement_key.is_not(None),
            m.Partner.id.in_(
                select(m.PartnerVolunteer.partner_id).where(m.PartnerVolunteer.deleted.is_(False))
            ),
        )
        .order_by(m.Partner.id)
    ).all()
    if not partners:
        return []
    keys = load_keys(session)
    own = session.scalar(select(m.Instance.uuid).limit(1)) or ""
    findings: builtins.list[Finding] = []
    volunteers = select(
        m.Volunteer.uuid,
        m.Volunteer.email,
        m.Volunteer.phone,
        m.Volunteer.first_name,
        m.Volunteer.last_name,
        m.Volunteer.date_of_birth,
    ).where(m.Volunteer.deleted.is_(False))
    wanted = sorted(only) if only is not None else None
    for step, (partner_id, name, instance, agreement) in enumerate(partners):
        secret = partnership_key(keys, bytes(agreement or b""), own, instance)
        index: dict[tuple[str, str], builtins.list[str]] = defaultdict(list)
        for uuid, email, phone, name_hash in session.execute(
            select(
                m.PartnerVolunteer.uuid,
                m.PartnerVolunteer.email_hash,
                m.PartnerVolunteer.phone_hash,
                m.PartnerVolunteer.name_hash,
            ).where(
                m.PartnerVolunteer.partner_id == partner_id, m.PartnerVolunteer.deleted.is_(False)
            )
        ):
            for code, value in (
                ("sync.same_email", email),
                ("sync.same_phone", phone),
                ("sync.same_name_dob", name_hash),
            ):
                if value:
                    index[(code, value)].append(uuid)
        statements = (
            [volunteers]
            if wanted is None
            else [
                volunteers.where(m.Volunteer.uuid.in_(wanted[i : i + _CHUNK]))
                for i in range(0, len(wanted), _CHUNK)
            ]
        )
        for stmt in statements:
            for done, (uuid, email, phone, first, last, dob) in enumerate(session.execute(stmt)):
                if cancel is not None and done % 4096 == 0 and cancel():
                    from cvcdesk.services.base import Cancelled

                    raise Cancelled()
                hashes = pseudonym_keys(
                    secret,
                    email=email,
                    phone=phone,
                    first_name=first,
                    last_name=last,
                    date_of_birth=dob,
                )
                matched: dict[str, builtins.list[str]] = defaultdict(list)
                for code, value in (
                    ("sync.same_email", hashes.email),
                    ("sync.same_phone", hashes.phone),
                    ("sync.same_name_dob", hashes.name),
                ):
                    if value:
                        for other in index.get((code, value), ()):
                            if other != uuid:
                                matched[other].append(code)
                for other, codes in matched.items():
                    score = 1.0
                    for code in codes:
                        score *= 1.0 - _WEIGHTS[code]
                    findings.append(
                        Finding(
                            kind=AlertKind.DUPLICATE_VOLUNTEER,
                            records=(
                                RecordRef("volunteer", uuid),
                                RecordRef(PARTNER_VOLUNTEER, other),
                            ),
                            score=round(1.0 - score, 3),
                            reasons=tuple(
                                Reason(code, {"partner": name}, _WEIGHTS[code]) for code in codes
                            ),
                        )
                    )
        if progress is not None:
            progress(step + 1, len(partners))
    return findings


def _pseudonym_scope(_session: Session, changed: Collection[str]) -> set[str]:
    return set(changed)


def with_pseudonym_matches(detector: Detector | None) -> Detector:
    """The duplicate-volunteer detector, also matching partners' pseudonymised volunteers."""

    def find(
        session: Session,
        only: Collection[str] | None,
        progress: ProgressCallback | None,
        cancel: CancelFlag | None,
        context: Any,
    ) -> builtins.list[Finding]:
        found = [] if detector is None else detector.find(session, only, progress, cancel, context)
        return found + find_pseudonym_matches(session, only=only, cancel=cancel)

    def scope(session: Session, changed: Collection[str]) -> set[str]:
        base = set() if detector is None else detector.scope(session, changed)
        return base | _pseudonym_scope(session, changed)

    return Detector(AlertKind.DUPLICATE_VOLUNTEER, find, scope)


def sync_detectors() -> builtins.list[Detector]:
    """Every detector, with partners' pseudonymised volunteers matched as duplicates too."""
    detectors = default_detectors()
    out: builtins.list[Detector] = []
    wrapped = False
    for detector in detectors:
        if detector.kind == AlertKind.DUPLICATE_VOLUNTEER and not wrapped:
            out.append(with_pseudonym_matches(detector))
            wrapped = True
        else:
            out.append(detector)
    if not wrapped:
        out.insert(0, with_pseudonym_matches(None))
    return out


DetectorFactory = Callable[[], Sequence[Detector]]

__all__ = [
    "PARTNER_VOLUNTEER",
    "Exchange",
    "Exchanges",
    "FieldsLeaving",
    "PartnerInfo",
    "PartnerService",
    "VolunteerSharing",
    "field_label",
    "fields_leaving",
    "find_partner",
    "find_pseudonym_matches",
    "sync_detectors",
]
