"""Data protection: subject access, erasure, retention and consent history for volunteers.

- **Subject access**: everything held about one volunteer (the record, memberships, skills,
  availability, bookings, consent history, audit trail, alerts that name them, sync conflicts
  and any earlier records merged into theirs), as JSON or as a PDF in their own language.
  Alerts are listed without their reasons, which describe the other person too.
- **Erasure**: the personal fields of the volunteer (and of records merged into theirs) are
  blanked and the record becomes a tombstone, stamped so the next sync passes it on and partners
  blank their copy too. Their skills, availability, away periods and consent history go;
  memberships become tombstones; bookings stay, anonymous, so the hours still count. Values are
  scrubbed from their audit trail, alerts about them lose their reasons and sync conflicts over
  them are dropped. One audit entry records the erasure with the names of the fields, never the
  values. On SQLite, freed space is overwritten, the full-text index rewritten and the
  write-ahead log emptied, so no trace stays in the database file. Backups made earlier still
  hold the details: the result says where they are.
- **Retention**: volunteers with no shift and no change to their record for N months.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session, selectinload

from cvcdesk.domain.enums import (
    AlertKind,
    AlertStatus,
    AssignmentStatus,
    AuditAction,
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    Language,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import CvcError, FieldError, NotFoundError, ValidationError
from cvcdesk.domain.validation import display_phone
from cvcdesk.domain.volunteer import SCALAR_FIELDS, field_label
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import _, format_date, format_datetime, use_language, weekday_name
from cvcdesk.paths import backups_dir_for
from cvcdesk.reports.data import Bilingual, Letterhead, RenderedPdf
from cvcdesk.services.base import ServiceBase, jsonable
from cvcdesk.store import models as m

if TYPE_CHECKING:
    from cvcdesk.reports.subject_access import SarField, SubjectAccessDocument

log = logging.getLogger(__name__)

RECORD_TYPE = "volunteer"
_ENUMS: dict[str, type[Any]] = {
    "preferred_language": Language,
    "welsh_fluency": WelshFluency,
    "status": VolunteerStatus,
    "consent_method": ConsentMethod,
    "dbs_level": DbsLevel,
    "dbs_workforce": DbsWorkforce,
}
# What an erased record holds instead: nothing personal, nothing that could single them out.
_ERASED_VALUES: dict[str, Any] = {
    "preferred_language": Language.ENGLISH.value,
    "welsh_fluency": WelshFluency.NONE.value,
    "status": VolunteerStatus.LEFT.value,
    "consent_method": None,
    "dbs_level": DbsLevel.NONE.value,
    "dbs_workforce": None,
    "has_car": False,
    "can_drive": False,
    "consent_share": False,
    "dbs_update_service": False,
}
_DATE_FIELDS = frozenset({
    "date_of_birth", "joined_on", "left_on", "consent_date", "dbs_issue_date", "dbs_renewal_due",
})  # fmt: skip
# Audit values that say nothing about the person: kept when an audit trail is scrubbed.
_NOT_PERSONAL = frozenset(
    {"deleted", "source", "row", "import", "erased", "fields", "merged_records"}
)


# -- what the service returns --------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRecord:
    given: bool
    on_date: dt.date | None
    method: ConsentMethod | None
    recorded_at: dt.datetime
    recorded_by: str


@dataclass(frozen=True)
class ErasureResult:
    uuid: str
    records: int  # the volunteer and any records merged into theirs
    memberships: int
    bookings_kept: int  # anonymous now; their hours still count
    consent_entries: int
    audit_entries: int
    alerts: int
    backups_folder: Path | None = None  # earlier backups still hold the details

    @property
    def backups_note(self) -> str:
        if self.backups_folder is None:
            return ""
        return _(
            "Backups made before now still hold these details. They are in {folder}; "
            "delete the ones you no longer need."
        ).format(folder=self.backups_folder)


@dataclass(frozen=True)
class RetentionRow:
    uuid: str
    reference: str
    name: str
    status: VolunteerStatus
    last_activity: dt.date
    last_activity_kind: str  # "shift", "change" or "joined"
    months_inactive: int

    @property
    def last_activity_label(self) -> str:
        return {
            "shift": _("last shift"),
            "change": _("last change to the record"),
            "joined": _("joined"),
        }.get(self.last_activity_kind, self.last_activity_kind)


@dataclass
class _Held:
    """Everything held about one person, read in one session."""

    volunteer: m.Volunteer
    merged: list[m.Volunteer] = field(default_factory=list)
    memberships: list[m.Membership] = field(default_factory=list)
    assignments: list[m.Assignment] = field(default_factory=list)
    consents: list[m.ConsentEvent] = field(default_factory=list)
    audit: list[m.AuditEntry] = field(default_factory=list)
    alerts: list[m.Alert] = field(default_factory=list)
    conflicts: list[m.Conflict] = field(default_factory=list)
    checked_by: str = ""

    @property
    def uuids(self) -> set[str]:
        return {self.volunteer.uuid, *(v.uuid for v in self.merged)}


def _value(name: str, value: Any) -> Any:
    enum = _ENUMS.get(name)
    if enum is not None and value is not None:
        return enum(value)
    return value


# -- the service -----------------------------------------------------------------------------


class PrivacyService(ServiceBase):
    # ---- finding the person ----------------------------------------------------------------

    def find(self, key: str) -> str:
        """A volunteer's uuid from their uuid or reference, erased or deleted ones included."""
        key = key.strip()
        if not key:
            raise NotFoundError(_("Give a volunteer's id or reference."))
        with self._read() as session:
            found = list(
                session.scalars(
                    select(m.Volunteer.uuid)
                    .where(or_(m.Volunteer.uuid == key, m.Volunteer.reference == key))
                    .limit(2)
                )
            )
        if not found:
            raise NotFoundError(_("No volunteer has the id or reference “{key}”.").format(key=key))
        if len(found) > 1:
            raise NotFoundError(
                _("More than one volunteer has the reference “{key}”; give the id.").format(key=key)
            )
        return found[0]

    # ---- subject access ----------------------------------------------------------------------

    def subject_access(self, uuid: str) -> dict[str, Any]:
        """Everything held about the volunteer, as a JSON-ready dict."""
        with self._read() as session:
            held = self._gather(session, uuid)
            return self._as_json(session, held)

    def subject_access_pdf(
        self, uuid: str, *, language: str | None = None, today: dt.date | None = None
    ) -> RenderedPdf:
        """The same as a PDF, in `language` (default: the volunteer's preferred language)."""
        with self._read() as session:
            held = self._gather(session, uuid)
            lang = language or held.volunteer.preferred_language or "en"
            with use_language(lang):
                document = self._as_document(session, held, lang, today or dt.date.today())
        # Imported here: ReportLab takes a while to load and most commands never print.
        from cvcdesk.reports.subject_access import render_subject_access

        return render_subject_access(document)

    def export_subject_access(self, uuid: str, path: Path, *, language: str | None = None) -> Path:
        """Write the subject access report to a .json or .pdf file (as the name ends)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            content = (
                json.dumps(self.subject_access(uuid), ensure_ascii=False, indent=2) + "\n"
            ).encode("utf-8")
        elif suffix == ".pdf":
            content = self.subject_access_pdf(uuid, language=language).data
        else:
            raise CvcError(
                _("“{path}”: write the report to a file ending in .pdf or .json.").format(path=path)
            )
        try:
            with atomic_write(path, "wb") as handle:
                handle.write(content)  # type: ignore[arg-type]
        except OSError as exc:
            raise CvcError(
                _("Could not write “{path}”: {reason}").format(path=path, reason=exc.strerror)
            ) from None
        return path

    # ---- consent history ---------------------------------------------------------------------

    def consent_history(self, uuid: str) -> list[ConsentRecord]:
        """Every time consent to sharing was given or withdrawn, oldest first."""
        with self._read() as session:
            held = self._gather(session, uuid)
            return [
                ConsentRecord(
                    given=row.given,
                    on_date=row.on_date,
                    method=ConsentMethod(row.method) if row.method else None,
                    recorded_at=row.recorded_at,
                    recorded_by=row.recorded_by,
                )
                for row in held.consents
            ]

    # ---- erasure -----------------------------------------------------------------------------

    def erase(self, uuid: str) -> ErasureResult:
        """Erase a volunteer's personal data (see the module's notes); one transaction."""
        sqlite = self._db.is_sqlite
        with self._unit() as session:
            if sqlite:
                # Freed space in the pages this touches is overwritten, not left to read.
                session.execute(text("PRAGMA secure_delete = ON"))
            held = self._gather(session, uuid)
            targets = [held.volunteer, *held.merged]
            erased_fields = sorted(
                {
                    name
                    for v in targets
                    for name in SCALAR_FIELDS
                    if getattr(v, name) not in (None, "", False, _ERASED_VALUES.get(name, ""))
                }
            )
            for volunteer in targets:
                self._blank(volunteer)
            for link in held.memberships:
                link.role, link.since, link.until = "", None, None
                if not link.deleted:
                    link.deleted = True
                self._stamp(link)
            for booking in held.assignments:
                if booking.notes:
                    booking.notes = ""
                    self._stamp(booking)
            for consent in held.consents:
                session.delete(consent)
            for entry in held.audit:
                entry.changes = _scrub(entry.changes)
            for alert in held.alerts:
                alert.reasons = "[]"
                alert.decision_reason = ""
                if alert.status in (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value):
                    alert.status = AlertStatus.RESOLVED.value
                    alert.decided_by = self._actor
                    alert.decided_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                self._stamp(alert)
            if held.conflicts:
                session.execute(
                    delete(m.Conflict).where(m.Conflict.id.in_([c.id for c in held.conflicts]))
                )
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=held.volunteer.uuid,
                action=AuditAction.DELETE,
                changes={
                    "erased": (False, True),
                    "fields": (None, erased_fields),
                    "merged_records": (None, len(held.merged)),
                },
            )
            session.flush()
            if sqlite:
                self._purge_search_index(session)
                session.execute(text("PRAGMA secure_delete = OFF"))
            result = ErasureResult(
                uuid=held.volunteer.uuid,
                records=len(targets),
                memberships=len(held.memberships),
                bookings_kept=len(held.assignments),
                consent_entries=len(held.consents),
                audit_entries=len(held.audit),
                alerts=len(held.alerts),
                backups_folder=self._backups_folder(),
            )
        if sqlite:
            self._checkpoint()
        return result

    @staticmethod
    def _purge_search_index(session: Session) -> None:
        """Rewrite the full-text index: a deleted entry's words stay in it until merged away."""
        tables = set(
            session.scalars(text("SELECT name FROM sqlite_master WHERE name LIKE '%_fts'"))
        )
        if "volunteer_fts" in tables:
            session.execute(text("INSERT INTO volunteer_fts(volunteer_fts) VALUES ('optimize')"))

    def _checkpoint(self) -> None:
        """Move the change from the write-ahead log into the file and empty the log."""
        raw = self._db.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # best effort: a reader elsewhere may hold the log for now
            log.info("the write-ahead log could not be emptied after an erasure")
        finally:
            raw.close()

    def _blank(self, volunteer: m.Volunteer) -> None:
        for name in SCALAR_FIELDS:
            if name in _ERASED_VALUES:
                value = _ERASED_VALUES[name]
            elif name in _DATE_FIELDS:
                value = None
            else:
                value = ""
            setattr(volunteer, name, value)
        volunteer.skills = []
        volunteer.availability = []
        volunteer.away = []
        volunteer.deleted = True
        self._stamp(volunteer)

    def _backups_folder(self) -> Path | None:
        path = self._db.path
        if path is None:
            return None
        folder = backups_dir_for(path)
        try:
            return folder if folder.is_dir() and any(folder.iterdir()) else None
        except OSError:
            return None

    # ---- retention ---------------------------------------------------------------------------

    def retention(self, *, months: int, today: dt.date | None = None) -> list[RetentionRow]:
        """Volunteers (not deleted) with no shift and no change for `months` months, oldest
        activity first."""
        if not 1 <= months <= 1200:
            raise ValidationError(
                [FieldError("months", _("Give a number of months from 1 to 1200."))]
            )
        today = today or dt.date.today()
        cutoff = today - relativedelta(months=months)
        now = dt.datetime.combine(today, dt.time.max)
        shifts = (
            select(
                m.Assignment.volunteer_id.label("vid"),
                func.max(m.Shift.starts_at).label("last_shift"),
            )
            .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
            .where(m.Shift.starts_at <= now, m.Assignment.deleted.is_(False))
            .group_by(m.Assignment.volunteer_id)
            .subquery()
        )
        changes = (
            select(
                m.AuditEntry.record_uuid.label("uuid"),
                func.max(m.AuditEntry.at).label("last_change"),
            )
            .where(m.AuditEntry.record_type == RECORD_TYPE)
            .group_by(m.AuditEntry.record_uuid)
            .subquery()
        )
        V = m.Volunteer
        stmt = (
            select(
                V.uuid,
                V.reference,
                V.first_name,
                V.known_as,
                V.last_name,
                V.status,
                V.joined_on,
                V.created_at,
                shifts.c.last_shift,
                changes.c.last_change,
            )
            .outerjoin(shifts, shifts.c.vid == V.id)
            .outerjoin(changes, changes.c.uuid == V.uuid)
            .where(V.deleted.is_(False))
        )
        rows: list[RetentionRow] = []
        with self._read() as session:
            for values in session.execute(stmt):
                (uuid, reference, first, known, last, status, joined, created, shift, change) = (
                    values
                )
                candidates: list[tuple[dt.date, str]] = []
                if shift is not None:
                    candidates.append((shift.date(), "shift"))
                if change is not None:
                    candidates.append((change.date(), "change"))
                if created is not None:
                    candidates.append((created.date(), "change"))
                if joined is not None:
                    candidates.append((joined, "joined"))
                if not candidates:
                    continue
                latest, kind = max(candidates, key=lambda c: c[0])
                if latest >= cutoff:
                    continue
                gap = relativedelta(today, latest)
                rows.append(
                    RetentionRow(
                        uuid=uuid,
                        reference=reference or "",
                        name=f"{known or first} {last}".strip(),
                        status=VolunteerStatus(status),
                        last_activity=latest,
                        last_activity_kind=kind,
                        months_inactive=gap.years * 12 + gap.months,
                    )
                )
        rows.sort(key=lambda r: (r.last_activity, r.name, r.uuid))
        return rows

    # ---- reading everything about one person -------------------------------------------------

    def _gather(self, session: Session, uuid: str) -> _Held:
        volunteer = session.scalar(
            select(m.Volunteer)
            .where(m.Volunteer.uuid == uuid)
            .options(
                selectinload(m.Volunteer.skills),
                selectinload(m.Volunteer.availability),
                selectinload(m.Volunteer.away),
            )
        )
        if volunteer is None:
            raise NotFoundError(_("No volunteer has the id “{key}”.").format(key=uuid))
        held = _Held(volunteer)
        # Records merged into this one (and into those, and so on) are the same person.
        wanted = {volunteer.uuid}
        while True:
            more = list(
                session.scalars(
                    select(m.Volunteer).where(
                        m.Volunteer.replaced_by.in_(wanted),
                        m.Volunteer.uuid.not_in(held.uuids),
                    )
                )
            )
            if not more:
                break
            held.merged.extend(more)
            wanted = {v.uuid for v in more}
        ids = [volunteer.id, *(v.id for v in held.merged)]
        held.memberships = list(
            session.scalars(
                select(m.Membership)
                .where(m.Membership.volunteer_id.in_(ids))
                .options(selectinload(m.Membership.organisation))
                .order_by(m.Membership.id)
            )
        )
        held.assignments = list(
            session.scalars(
                select(m.Assignment)
                .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
                .where(m.Assignment.volunteer_id.in_(ids))
                .options(
                    selectinload(m.Assignment.shift)
                    .selectinload(m.Shift.activity)
                    .selectinload(m.Activity.organisation)
                )
                .order_by(m.Shift.starts_at, m.Assignment.id)
            )
        )
        held.consents = list(
            session.scalars(
                select(m.ConsentEvent)
                .where(m.ConsentEvent.volunteer_id.in_(ids))
                .order_by(m.ConsentEvent.recorded_at, m.ConsentEvent.id)
            )
        )
        trail = (
            held.uuids
            | {link.uuid for link in held.memberships}
            | {booking.uuid for booking in held.assignments}
        )
        held.audit = list(
            session.scalars(
                select(m.AuditEntry)
                .where(m.AuditEntry.record_uuid.in_(trail))
                .order_by(m.AuditEntry.at, m.AuditEntry.id)
            )
        )
        held.alerts = list(
            session.scalars(
                select(m.Alert)
                .where(
                    m.Alert.id.in_(
                        select(m.AlertRecord.alert_id).where(
                            m.AlertRecord.record_uuid.in_(held.uuids)
                        )
                    )
                )
                .order_by(m.Alert.created_at, m.Alert.id)
            )
        )
        held.conflicts = list(
            session.scalars(
                select(m.Conflict)
                .where(m.Conflict.record_uuid.in_(held.uuids))
                .order_by(m.Conflict.id)
            )
        )
        if volunteer.dbs_checked_by:
            held.checked_by = (
                session.scalar(
                    select(m.Organisation.name_en).where(
                        m.Organisation.uuid == volunteer.dbs_checked_by
                    )
                )
                or ""
            )
        return held

    # ---- JSON ------------------------------------------------------------------------------

    def _as_json(self, session: Session, held: _Held) -> dict[str, Any]:
        v = held.volunteer

        def record(row: m.Volunteer) -> dict[str, Any]:
            data: dict[str, Any] = {"uuid": row.uuid}
            data.update({name: jsonable(_plain(getattr(row, name))) for name in SCALAR_FIELDS})
            data.update(
                {
                    "deleted": row.deleted,
                    "replaced_by": row.replaced_by,
                    "created_at": jsonable(row.created_at),
                }
            )
            return data

        main = record(v)
        if held.checked_by:
            main["dbs_checked_by_name"] = held.checked_by
        return {
            "format": "cvcdesk subject access",
            "version": 1,
            "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "volunteer": main,
            "skills": [s.skill_code for s in v.skills],
            "availability": [
                {
                    "weekday": a.weekday,
                    "start": a.start_time.isoformat(),
                    "end": a.end_time.isoformat(),
                }
                for a in sorted(v.availability, key=lambda a: (a.weekday, a.start_time))
            ],
            "away": [
                {
                    "start": a.start_date.isoformat(),
                    "end": a.end_date.isoformat(),
                    "reason": a.reason,
                }
                for a in sorted(v.away, key=lambda a: a.start_date)
            ],
            "memberships": [
                {
                    "uuid": link.uuid,
                    "group_uuid": link.organisation.uuid,
                    "group": link.organisation.name_en or link.organisation.name_cy,
                    "role": link.role,
                    "since": jsonable(link.since),
                    "until": jsonable(link.until),
                    "deleted": link.deleted,
                }
                for link in held.memberships
            ],
            "assignments": [
                {
                    "uuid": booking.uuid,
                    "activity": booking.shift.activity.title_en,
                    "group": booking.shift.activity.organisation.name_en,
                    "starts_at": jsonable(booking.shift.starts_at),
                    "ends_at": jsonable(booking.shift.ends_at),
                    "status": booking.status,
                    "hours": booking.hours,
                    "notes": booking.notes,
                }
                for booking in held.assignments
            ],
            "consent_history": [
                {
                    "given": c.given,
                    "on_date": jsonable(c.on_date),
                    "method": c.method,
                    "recorded_at": jsonable(c.recorded_at),
                    "recorded_by": c.recorded_by,
                }
                for c in held.consents
            ],
            "audit_trail": [
                {
                    "at": jsonable(entry.at),
                    "actor": entry.actor,
                    "record_type": entry.record_type,
                    "record_uuid": entry.record_uuid,
                    "action": entry.action,
                    "changes": _changes(entry.changes),
                }
                for entry in held.audit
            ],
            "alerts": [
                {
                    "kind": alert.kind,
                    "status": alert.status,
                    "score": alert.score,
                    "created_at": jsonable(alert.created_at),
                    "decided_at": jsonable(alert.decided_at),
                }
                for alert in held.alerts
            ],
            "sync_conflicts": [
                {
                    "status": c.status,
                    "created_at": jsonable(c.created_at),
                    "local": _changes(c.local),
                    "incoming": _changes(c.incoming),
                }
                for c in held.conflicts
            ],
            "merged_records": [record(row) for row in held.merged],
        }

    # ---- PDF -------------------------------------------------------------------------------

    def _as_document(
        self, session: Session, held: _Held, language: str, today: dt.date
    ) -> SubjectAccessDocument:
        from cvcdesk.reports.subject_access import SarSection, SubjectAccessDocument

        v = held.volunteer
        name = f"{v.known_as or v.first_name} {v.last_name}".strip() or _("(erased)")
        none = _("Nothing is held.")
        skills = {
            code: (cy if language == "cy" and cy else en) or code
            for code, en, cy in session.execute(
                select(m.Skill.code, m.Skill.label_en, m.Skill.label_cy)
            )
        }
        sections = [
            SarSection(_("The volunteer's record"), fields=self._fields(v, held.checked_by)),
            SarSection(
                _("Skills"),
                header=(_("Skill"),),
                rows=tuple((skills.get(s.skill_code, s.skill_code),) for s in v.skills),
                empty=none,
            ),
            SarSection(
                _("Availability"),
                header=(_("Day"), _("From"), _("To")),
                rows=tuple(
                    (
                        weekday_name(a.weekday),
                        a.start_time.strftime("%H:%M"),
                        a.end_time.strftime("%H:%M"),
                    )
                    for a in sorted(v.availability, key=lambda a: (a.weekday, a.start_time))
                ),
                empty=none,
            ),
            SarSection(
                _("Away"),
                header=(_("From"), _("To"), _("Reason")),
                rows=tuple(
                    (format_date(a.start_date), format_date(a.end_date), a.reason)
                    for a in sorted(v.away, key=lambda a: a.start_date)
                ),
                empty=none,
            ),
            SarSection(
                _("Group memberships"),
                header=(_("Group"), _("Role"), _("Since"), _("Until")),
                rows=tuple(
                    (
                        _org_name(link.organisation, language)
                        + (" " + _("(ended)") if link.deleted else ""),
                        link.role,
                        _date(link.since),
                        _date(link.until),
                    )
                    for link in held.memberships
                ),
                empty=none,
            ),
            SarSection(
                _("Shifts booked"),
                header=(_("When"), _("Activity"), _("Group"), _("Status"), _("Hours")),
                rows=tuple(
                    (
                        format_datetime(b.shift.starts_at, "short"),
                        _title(b.shift.activity, language),
                        _org_name(b.shift.activity.organisation, language),
                        _label(AssignmentStatus, b.status),
                        "" if b.hours is None else f"{b.hours:g}",
                    )
                    for b in held.assignments
                ),
                empty=none,
            ),
            SarSection(
                _("Consent to sharing with partners"),
                header=(_("Recorded"), _("Consent"), _("Date"), _("How"), _("By")),
                rows=tuple(
                    (
                        format_datetime(c.recorded_at, "short"),
                        _("given") if c.given else _("withdrawn"),
                        _date(c.on_date),
                        _label(ConsentMethod, c.method),
                        c.recorded_by,
                    )
                    for c in held.consents
                ),
                empty=none,
            ),
            SarSection(
                _("History of changes"),
                header=(_("When"), _("Who"), _("What"), _("Details")),
                rows=tuple(
                    (
                        format_datetime(entry.at, "short"),
                        entry.actor,
                        _label(AuditAction, entry.action),
                        _describe_changes(entry.changes),
                    )
                    for entry in held.audit
                ),
                empty=none,
            ),
            SarSection(
                _("Alerts that name this volunteer"),
                header=(_("Raised"), _("Kind"), _("Status")),
                rows=tuple(
                    (
                        format_datetime(alert.created_at, "short"),
                        _label(AlertKind, alert.kind),
                        _label(AlertStatus, alert.status),
                    )
                    for alert in held.alerts
                ),
                note=_(
                    "An alert's reasons also describe another person, so they are not shown here."
                )
                if held.alerts
                else "",
                empty=none,
            ),
            SarSection(
                _("Differences with partners waiting to be settled"),
                header=(_("Raised"), _("Fields")),
                rows=tuple(
                    (
                        format_datetime(c.created_at, "short"),
                        ", ".join(
                            field_label(k) for k in sorted(set(_changes(c.incoming)) - {"uuid"})
                        ),
                    )
                    for c in held.conflicts
                ),
                empty=none,
            ),
        ]
        for row in held.merged:
            sections.append(
                SarSection(
                    _("An earlier record of the same person, merged into this one"),
                    fields=self._fields(row, ""),
                )
            )
        letterhead = self._letterhead(session, today)
        intro = _(
            "This report lists everything this database holds about {name}, as of {date}. "
            "Dates and times are UK time."
        ).format(name=name, date=format_date(today, "long"))
        return SubjectAccessDocument(
            letterhead=letterhead,
            language=language,
            subject=name,
            intro=intro,
            sections=tuple(sections),
        )

    @staticmethod
    def _fields(v: m.Volunteer, checked_by: str) -> tuple[SarField, ...]:
        from cvcdesk.reports.subject_access import SarField

        out = [SarField(_("Id"), v.uuid)]
        for name in SCALAR_FIELDS:
            value = _value(name, getattr(v, name))
            text = _show(name, value)
            if name == "dbs_checked_by":
                text = checked_by or text
            if text:
                out.append(SarField(field_label(name), text))
        out.append(SarField(_("Record created"), format_datetime(v.created_at, "short")))
        if v.deleted:
            out.append(SarField(_("Deleted"), _("yes")))
        return tuple(out)

    def _letterhead(self, session: Session, today: dt.date) -> Letterhead:
        """The CVC's name and logo as set for printing (else its own group's name)."""
        from cvcdesk.services.roster_printing import RosterPrintService

        settings = RosterPrintService(self._db, actor=self._actor).print_settings()
        name = Bilingual(settings.cvc_name_en, settings.cvc_name_cy)
        if not (name.en or name.cy):
            own = session.scalar(select(m.Instance.organisation_uuid))
            group = (
                session.scalar(select(m.Organisation).where(m.Organisation.uuid == own))
                if own
                else None
            )
            if group is not None:
                name = Bilingual(group.name_en, group.name_cy)
        logo = Path(settings.logo) if settings.logo else None
        return Letterhead(name=name, logo=logo, printed_on=today)


# -- helpers -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _date(value: dt.date | None) -> str:
    return format_date(value) if value else ""


def _label(enum: type[Any], value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def _show(name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "label"):
        return str(value.label)
    if isinstance(value, dt.date):
        return format_date(value)
    if name in ("phone", "phone_alt", "emergency_contact_phone"):
        return display_phone(str(value))
    return str(value)


def _org_name(org: m.Organisation, language: str) -> str:
    if language == "cy" and org.name_cy:
        return org.name_cy
    return org.name_en or org.name_cy


def _title(activity: m.Activity, language: str) -> str:
    if language == "cy" and activity.title_cy:
        return activity.title_cy
    return activity.title_en


def _changes(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _describe_changes(text: str) -> str:
    parts = []
    for key, value in _changes(text).items():
        label = field_label(key)
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            if old in (None, "") and new not in (None, ""):
                parts.append(f"{label}: {_short(new)}")
            elif new in (None, "") and old not in (None, ""):
                parts.append(f"{label}: {_short(old)} → –")
            elif old is None and new is None:
                parts.append(label)
            else:
                parts.append(f"{label}: {_short(old)} → {_short(new)}")
        else:
            parts.append(f"{label}: {_short(value)}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _scrub(text: str) -> str:
    """An audit entry's changes with every value about the person replaced by null."""
    changes = _changes(text)
    scrubbed = {
        key: value if key in _NOT_PERSONAL else [None, None] for key, value in changes.items()
    }
    return json.dumps(scrubbed, ensure_ascii=False)
