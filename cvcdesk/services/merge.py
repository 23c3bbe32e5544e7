"""Merging two records of the same person (or group) into one, and undoing it (DESIGN §3, §4).

The coordinator sees both records side by side and chooses per field; identical values (after
normalising case and spaces) are never a conflict and an empty value never beats a filled one.
Everything attached to the other record moves to the kept one (memberships, skills, bookings,
availability, away periods, consent history and audit history; for groups also coverage,
activities, households helped and DBS checks seen). The other record becomes a tombstone whose
`replaced_by` names the kept one, so partners learn of the merge. It all happens in one
transaction with one MERGE audit entry, which also holds what is needed to undo the merge.

Before a merge changes anything the database file is backed up (``before-merge`` in the
backups folder, see :mod:`cvcdesk.services.backups`); when that copy cannot be made, or fails
its check, nothing is merged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Date, delete, select, update
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AlertKind, AuditAction, DbsLevel, WelshFluency
from cvcdesk.domain.errors import (
    ConflictError,
    CvcError,
    DatabaseError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from cvcdesk.domain.organisation import (
    ORGANISATION_FIELD_LABELS,
    OrganisationData,
    OrganisationRecord,
    clean_organisation,
)
from cvcdesk.domain.volunteer import (
    SCALAR_FIELDS,
    VolunteerData,
    VolunteerRecord,
    clean_volunteer,
    field_label,
)
from cvcdesk.i18n import _
from cvcdesk.services import organisations as org_service
from cvcdesk.services import volunteers as vol_service
from cvcdesk.services.alerts import MERGED, pair_key, resolve_by_decision, restore_decision
from cvcdesk.services.backups import BackupService
from cvcdesk.services.base import ServiceBase, jsonable
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

Side = Literal["keep", "other"]
VOLUNTEER = "volunteer"
ORGANISATION = "organisation"
ORGANISATION_FIELDS: tuple[str, ...] = tuple(
    name for name in ORGANISATION_FIELD_LABELS if name != "coverage"
)
# Values that mean "nothing recorded": they never beat a filled value and are never a conflict.
_EMPTY_VALUES: dict[str, tuple[Any, ...]] = {
    "dbs_level": (DbsLevel.NONE,),
    "welsh_fluency": (WelshFluency.NONE,),
}
UNDO_KEY = "undo"
_VOLUNTEER_PARTS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("availability", m.Availability, ("weekday", "start_time", "end_time")),
    ("away", m.AwayPeriod, ("start_date", "end_date", "reason")),
)
_ORGANISATION_PARTS: tuple[tuple[str, Any], ...] = (
    ("coverage", m.Coverage),
    ("activities", m.Activity),
    ("household_support", m.HouseholdSupport),
)


# What moves to the kept record, as the preview counts it.
_MOVE_LABELS: dict[str, Callable[[], str]] = {
    "memberships": lambda: _("Group memberships"),
    "assignments": lambda: _("Shift bookings"),
    "skills": lambda: _("Skills"),
    "availability": lambda: _("Availability times"),
    "away": lambda: _("Away periods"),
    "consent_events": lambda: _("Consent history entries"),
    "history": lambda: _("History entries"),
    "coverage": lambda: _("Coverage lines"),
    "activities": lambda: _("Activities"),
    "household_support": lambda: _("Households helped"),
    "dbs_checks": lambda: _("DBS checks seen"),
}


def move_label(key: str) -> str:
    """The translated name of one kind of thing a merge moves (memberships, bookings ...)."""
    label = _MOVE_LABELS.get(key)
    return label() if label is not None else key


@dataclass(frozen=True)
class FieldChoice:
    """One line of the side-by-side view."""

    field: str
    label: str
    keep_value: Any
    other_value: Any
    conflict: bool  # both filled and different: the coordinator chooses
    default: Side  # the side used unless told otherwise (a filled value beats an empty one)

    @property
    def differs(self) -> bool:
        return bool(_normal(self.keep_value) != _normal(self.other_value))


@dataclass(frozen=True)
class MergePreview:
    record_type: str  # "volunteer" or "organisation"
    keep_uuid: str
    other_uuid: str
    keep_name: str
    other_name: str
    keep_version: int
    other_version: int
    fields: tuple[FieldChoice, ...]
    moves: dict[str, int]  # what moves to the kept record: memberships, assignments, ...

    @property
    def conflicts(self) -> tuple[FieldChoice, ...]:
        return tuple(f for f in self.fields if f.conflict)


@dataclass(frozen=True)
class MergeResult:
    record_type: str
    keep_uuid: str
    other_uuid: str
    changed_fields: tuple[str, ...]
    moved: dict[str, int]
    audit_id: int
    backup_path: Path | None = None  # the copy taken first (None on a database server)


@dataclass(frozen=True)
class UndoResult:
    record_type: str
    keep_uuid: str
    other_uuid: str


def _normal(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return value


def _is_empty(field: str, value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return value in _EMPTY_VALUES.get(field, ())


def _column(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _choices(preview_fields: Sequence[str], choices: Mapping[str, str] | None) -> dict[str, Side]:
    errors: list[FieldError] = []
    chosen: dict[str, Side] = {}
    for name, side in (choices or {}).items():
        if name not in preview_fields:
            errors.append(
                FieldError(
                    name,
                    _("There is no field “{field}” to choose. Fields: {known}.").format(
                        field=name, known=", ".join(preview_fields)
                    ),
                )
            )
        elif side not in ("keep", "other"):
            errors.append(
                FieldError(
                    name,
                    _("Choose “keep” or “other” for {field}, not “{side}”.").format(
                        field=name, side=side
                    ),
                )
            )
        else:
            chosen[name] = "keep" if side == "keep" else "other"
    if errors:
        raise ValidationError(errors)
    return chosen


def _field_names(record_type: str) -> tuple[str, ...]:
    """The fields the preview shows side by side, and a merge chooses between."""
    return tuple(SCALAR_FIELDS) if record_type == VOLUNTEER else ORGANISATION_FIELDS


def _check_versions(rows: Sequence[tuple[Any, int | None]]) -> None:
    """Refuse a merge of a record changed since the preview (`rows`: record, its version then)."""
    for row, expected in rows:
        if expected is not None and row.version != expected:
            raise ConflictError(
                _(
                    "Record {uuid} was changed since the merge was previewed; nothing "
                    "was merged. Look at both records again."
                ).format(uuid=row.uuid)
            )


class MergeService(ServiceBase):
    def __init__(
        self,
        database: Database,
        *,
        actor: str | None = None,
        backups: BackupService | None = None,
    ) -> None:
        super().__init__(database, actor=actor)
        self._backups = backups

    @property
    def backups(self) -> BackupService:
        """The backups a merge takes first (the database's usual backups folder)."""
        if self._backups is None:
            self._backups = BackupService(self._db, actor=self._actor)
        return self._backups

    # ---- preview ---------------------------------------------------------------------------

    def preview(self, keep_uuid: str, other_uuid: str) -> MergePreview:
        """Both records side by side, with the conflicts a coordinator must settle."""
        with self._read() as session:
            record_type, keep, other = self._pair(session, keep_uuid, other_uuid)
            return self._preview(session, record_type, keep, other)

    def _preview(self, session: Session, record_type: str, keep: Any, other: Any) -> MergePreview:
        names = _field_names(record_type)
        keep_record: VolunteerRecord | OrganisationRecord
        other_record: VolunteerRecord | OrganisationRecord
        if record_type == VOLUNTEER:
            keep_record, other_record = vol_service.to_record(keep), vol_service.to_record(other)
        else:
            keep_record, other_record = org_service.to_record(keep), org_service.to_record(other)
        lines = []
        for name in names:
            a, b = getattr(keep_record, name), getattr(other_record, name)
            a_empty, b_empty = _is_empty(name, a), _is_empty(name, b)
            lines.append(
                FieldChoice(
                    field=name,
                    label=_label(record_type, name),
                    keep_value=a,
                    other_value=b,
                    conflict=not a_empty and not b_empty and _normal(a) != _normal(b),
                    default="other" if a_empty and not b_empty else "keep",
                )
            )
        return MergePreview(
            record_type=record_type,
            keep_uuid=keep.uuid,
            other_uuid=other.uuid,
            keep_name=_display(record_type, keep_record),
            other_name=_display(record_type, other_record),
            keep_version=keep.version,
            other_version=other.version,
            fields=tuple(lines),
            moves=self._counts(session, record_type, keep, other),
        )

    @staticmethod
    def _counts(session: Session, record_type: str, keep: Any, other: Any) -> dict[str, int]:
        def count(stmt: Any) -> int:
            return len(list(session.scalars(stmt)))

        history = count(
            select(m.AuditEntry.id).where(
                m.AuditEntry.record_uuid == other.uuid, m.AuditEntry.record_type == record_type
            )
        )
        if record_type == VOLUNTEER:
            keep_skills = set(
                session.scalars(
                    select(m.VolunteerSkill.skill_code).where(
                        m.VolunteerSkill.volunteer_id == keep.id
                    )
                )
            )
            other_skills = set(
                session.scalars(
                    select(m.VolunteerSkill.skill_code).where(
                        m.VolunteerSkill.volunteer_id == other.id
                    )
                )
            )
            return {
                "memberships": count(
                    select(m.Membership.id).where(
                        m.Membership.volunteer_id == other.id, m.Membership.deleted.is_(False)
                    )
                ),
                "assignments": count(
                    select(m.Assignment.id).where(
                        m.Assignment.volunteer_id == other.id, m.Assignment.deleted.is_(False)
                    )
                ),
                "skills": len(other_skills - keep_skills),
                "availability": count(
                    select(m.Availability.id).where(m.Availability.volunteer_id == other.id)
                ),
                "away": count(select(m.AwayPeriod.id).where(m.AwayPeriod.volunteer_id == other.id)),
                "consent_events": count(
                    select(m.ConsentEvent.id).where(m.ConsentEvent.volunteer_id == other.id)
                ),
                "history": history,
            }
        return {
            "memberships": count(
                select(m.Membership.id).where(
                    m.Membership.organisation_id == other.id, m.Membership.deleted.is_(False)
                )
            ),
            "coverage": count(
                select(m.Coverage.id).where(
                    m.Coverage.organisation_id == other.id, m.Coverage.deleted.is_(False)
                )
            ),
            "activities": count(
                select(m.Activity.id).where(
                    m.Activity.organisation_id == other.id, m.Activity.deleted.is_(False)
                )
            ),
            "household_support": count(
                select(m.HouseholdSupport.id).where(
                    m.HouseholdSupport.organisation_id == other.id,
                    m.HouseholdSupport.deleted.is_(False),
                )
            ),
            "dbs_checks": count(
                select(m.Volunteer.id).where(m.Volunteer.dbs_checked_by == other.uuid)
            ),
            "history": history,
        }

    # ---- merge -----------------------------------------------------------------------------

    def merge(
        self,
        keep_uuid: str,
        other_uuid: str,
        choices: Mapping[str, str] | None = None,
        *,
        keep_version: int | None = None,
        other_version: int | None = None,
    ) -> MergeResult:
        """Merge `other` into `keep` in one transaction; `choices` maps a field to "keep" or
        "other" (unnamed fields keep the kept record's value unless it is empty).

        With `keep_version`/`other_version` (from the preview), a record changed since is
        refused rather than merged blind.

        The database is backed up first (see :meth:`back_up`); a DatabaseError says so when
        that fails, and then nothing is merged.
        """
        if self._db.read_only:
            raise DatabaseError(self._db.warning)
        # A merge that would be refused is refused before the backup, which takes a while.
        with self._read() as session:
            record_type, keep, other = self._pair(session, keep_uuid, other_uuid)
            _check_versions(((keep, keep_version), (other, other_version)))
            _choices(_field_names(record_type), choices)
        backup = self.back_up()
        with self._unit() as session:
            record_type, keep, other = self._pair(session, keep_uuid, other_uuid)
            _check_versions(((keep, keep_version), (other, other_version)))
            preview = self._preview(session, record_type, keep, other)
            chosen = _choices([f.field for f in preview.fields], choices)
            merged, changes = self._merged_values(record_type, keep, preview, chosen)
            undo: dict[str, Any] = {
                "type": record_type,
                "keep": keep.uuid,
                "other": other.uuid,
                "keep_scalars": {
                    name: jsonable(getattr(keep, name)) for name in _columns(record_type)
                },
            }
            for name, value in merged.items():
                setattr(keep, name, value)
            if record_type == VOLUNTEER:
                moved = self._move_volunteer_parts(session, keep, other, undo)
            else:
                moved = self._move_organisation_parts(session, keep, other, undo)
            audit_ids = list(
                session.scalars(
                    select(m.AuditEntry.id).where(
                        m.AuditEntry.record_uuid == other.uuid,
                        m.AuditEntry.record_type == record_type,
                    )
                )
            )
            if audit_ids:
                session.execute(
                    update(m.AuditEntry)
                    .where(m.AuditEntry.id.in_(audit_ids))
                    .values(record_uuid=keep.uuid)
                )
            undo["audit_moved"] = audit_ids
            moved["history"] = len(audit_ids)
            other.deleted = True
            other.replaced_by = keep.uuid
            self._stamp(other)
            self._stamp(keep)
            session.flush()
            kind = (
                AlertKind.DUPLICATE_VOLUNTEER
                if record_type == VOLUNTEER
                else AlertKind.DUPLICATE_ORGANISATION
            )
            undo["alert"] = resolve_by_decision(
                session,
                kind=kind,
                key=pair_key((record_type, keep.uuid), (record_type, other.uuid)),
                actor=self._actor,
                code=MERGED,
                stamp=self._db.clock.now(),
            )
            undo["keep_version"] = keep.version
            undo["other_version"] = other.version
            entry = m.AuditEntry(
                actor=self._actor,
                instance=self._db.instance_uuid,
                record_type=record_type,
                record_uuid=keep.uuid,
                action=AuditAction.MERGE.value,
                changes=json.dumps(
                    {
                        **{k: [jsonable(a), jsonable(b)] for k, (a, b) in changes.items()},
                        "merged_from": [None, other.uuid],
                        "moved": [None, moved],
                        UNDO_KEY: [None, undo],
                    },
                    ensure_ascii=False,
                ),
            )
            session.add(entry)
            session.flush()
            return MergeResult(
                record_type=record_type,
                keep_uuid=keep.uuid,
                other_uuid=other.uuid,
                changed_fields=tuple(changes),
                moved=moved,
                audit_id=entry.id,
                backup_path=backup,
            )

    def back_up(self) -> Path | None:
        """Back the database up before a merge: the checked copy's path, or None on a
        database server (its own backups do this job there).

        Raises DatabaseError, saying that nothing was merged and why, when the copy cannot be
        written or fails its check.
        """
        try:
            info = self.backups.before("merge")
        except CvcError as exc:
            raise DatabaseError(
                _(
                    "Nothing was merged: the database could not be backed up first, and a "
                    "merge is only made with a backup to go back to. {reason}"
                ).format(reason=str(exc))
            ) from None
        return None if info is None else info.path

    def _merged_values(
        self,
        record_type: str,
        keep: Any,
        preview: MergePreview,
        chosen: Mapping[str, Side],
    ) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
        """Column values for the kept record and the changes, after checking them as a whole."""
        values: dict[str, Any] = {}
        for line in preview.fields:
            side = chosen.get(line.field, line.default)
            first, second = (
                (line.keep_value, line.other_value)
                if side == "keep"
                else (line.other_value, line.keep_value)
            )
            values[line.field] = second if _is_empty(line.field, first) else first
        clean: VolunteerData | OrganisationData
        if record_type == VOLUNTEER:
            record = vol_service.to_record(keep)
            clean = clean_volunteer(
                VolunteerData(
                    **{
                        f.name: values.get(f.name, getattr(record, f.name))
                        for f in fields(VolunteerData)
                    }
                )
            )
        else:
            org = org_service.to_record(keep)
            clean = clean_organisation(
                OrganisationData(
                    **{
                        f.name: values.get(f.name, getattr(org, f.name))
                        for f in fields(OrganisationData)
                        if f.name != "coverage"
                    }
                )
            )
        merged: dict[str, Any] = {}
        changes: dict[str, tuple[Any, Any]] = {}
        for line in preview.fields:
            new = _column(getattr(clean, line.field))
            old = getattr(keep, line.field)
            if new != old:
                merged[line.field] = new
                changes[line.field] = (old, new)
        return merged, changes

    # ---- moving what hangs off the record --------------------------------------------------

    def _move_volunteer_parts(
        self, session: Session, keep: m.Volunteer, other: m.Volunteer, undo: dict[str, Any]
    ) -> dict[str, int]:
        moved: dict[str, int] = {}
        # Skills: the kept record gets every skill either had.
        keep_skills = set(
            session.scalars(
                select(m.VolunteerSkill.skill_code).where(m.VolunteerSkill.volunteer_id == keep.id)
            )
        )
        other_skills = sorted(
            session.scalars(
                select(m.VolunteerSkill.skill_code).where(m.VolunteerSkill.volunteer_id == other.id)
            )
        )
        added = [code for code in other_skills if code not in keep_skills]
        session.execute(delete(m.VolunteerSkill).where(m.VolunteerSkill.volunteer_id == other.id))
        for code in added:
            session.add(m.VolunteerSkill(volunteer_id=keep.id, skill_code=code))
        undo["other_skills"], undo["skills_added"] = other_skills, added
        moved["skills"] = len(added)

        # Availability and away periods: moved, exact repeats dropped.
        for name, model, key_fields in _VOLUNTEER_PARTS:
            theirs = list(session.scalars(select(model).where(model.volunteer_id == keep.id)))
            have = {tuple(getattr(r, f) for f in key_fields) for r in theirs}
            moved_ids: list[int] = []
            dropped: list[dict[str, Any]] = []
            for row in session.scalars(select(model).where(model.volunteer_id == other.id)):
                key = tuple(getattr(row, f) for f in key_fields)
                if key in have:
                    dropped.append(
                        {"id": row.id, **{f: jsonable(getattr(row, f)) for f in key_fields}}
                    )
                    session.delete(row)
                else:
                    have.add(key)
                    row.volunteer_id = keep.id
                    moved_ids.append(row.id)
            undo[f"{name}_moved"], undo[f"{name}_dropped"] = moved_ids, dropped
            moved[name] = len(moved_ids)

        # Consent history: every event moves.
        consent_ids = list(
            session.scalars(
                select(m.ConsentEvent.id).where(m.ConsentEvent.volunteer_id == other.id)
            )
        )
        if consent_ids:
            session.execute(
                update(m.ConsentEvent)
                .where(m.ConsentEvent.id.in_(consent_ids))
                .values(volunteer_id=keep.id)
            )
        undo["consent_moved"] = consent_ids
        moved["consent_events"] = len(consent_ids)

        moved["memberships"] = self._fold(
            session,
            m.Membership,
            owner="volunteer_id",
            partner="organisation_id",
            keep_id=keep.id,
            other_id=other.id,
            copy=("role", "since", "until"),
            undo=undo,
            name="memberships",
        )
        moved["assignments"] = self._fold(
            session,
            m.Assignment,
            owner="volunteer_id",
            partner="shift_id",
            keep_id=keep.id,
            other_id=other.id,
            copy=("status", "hours", "notes"),
            undo=undo,
            name="assignments",
        )
        return moved

    def _move_organisation_parts(
        self,
        session: Session,
        keep: m.Organisation,
        other: m.Organisation,
        undo: dict[str, Any],
    ) -> dict[str, int]:
        moved: dict[str, int] = {}
        for name, model in _ORGANISATION_PARTS:
            rows = list(session.scalars(select(model).where(model.organisation_id == other.id)))
            for row in rows:
                row.organisation_id = keep.id
                self._stamp(row)
            undo[f"{name}_moved"] = [row.id for row in rows]
            moved[name] = len(rows)
        checked = list(
            session.scalars(select(m.Volunteer).where(m.Volunteer.dbs_checked_by == other.uuid))
        )
        for volunteer in checked:
            volunteer.dbs_checked_by = keep.uuid
            self._stamp(volunteer)
        undo["dbs_checks_moved"] = [v.id for v in checked]
        moved["dbs_checks"] = len(checked)
        moved["memberships"] = self._fold(
            session,
            m.Membership,
            owner="organisation_id",
            partner="volunteer_id",
            keep_id=keep.id,
            other_id=other.id,
            copy=("role", "since", "until"),
            undo=undo,
            name="memberships",
        )
        return moved

    def _fold(
        self,
        session: Session,
        model: Any,
        *,
        owner: str,
        partner: str,
        keep_id: int,
        other_id: int,
        copy: tuple[str, ...],
        undo: dict[str, Any],
        name: str,
    ) -> int:
        """Move link rows (unique per owner and partner) from other to keep.

        Where both records are linked to the same partner (a group, a shift), the kept link
        stays, takes any details only the other had, and the other link becomes a tombstone
        replaced by it.
        """
        owner_col = getattr(model, owner)
        kept = {
            getattr(row, partner): row
            for row in session.scalars(select(model).where(owner_col == keep_id))
        }
        moved_ids: list[int] = []
        folded: list[dict[str, Any]] = []
        count = 0
        for row in list(session.scalars(select(model).where(owner_col == other_id))):
            mine = kept.get(getattr(row, partner))
            if mine is None:
                setattr(row, owner, keep_id)
                self._stamp(row)
                moved_ids.append(row.id)
                count += 0 if row.deleted else 1
                continue
            if row.deleted:
                continue  # an old, ended link: it stays with the tombstone
            before = {f: jsonable(getattr(mine, f)) for f in (*copy, "deleted")}
            if mine.deleted:
                for f in copy:
                    setattr(mine, f, getattr(row, f))
                mine.deleted = False
            else:
                for f in copy:
                    if _is_empty(f, getattr(mine, f)) and not _is_empty(f, getattr(row, f)):
                        setattr(mine, f, getattr(row, f))
            row.deleted = True
            row.replaced_by = mine.uuid
            self._stamp(mine)
            self._stamp(row)
            folded.append({"other_id": row.id, "keep_id": mine.id, "keep_before": before})
            count += 1
        undo[f"{name}_moved"], undo[f"{name}_folded"] = moved_ids, folded
        return count

    # ---- undo ------------------------------------------------------------------------------

    def undo_merge(self, keep_uuid: str) -> UndoResult:
        """Put both records back exactly as they were before the last merge into `keep_uuid`.

        Refused if either record changed since the merge (undoing would lose that change).
        """
        with self._unit() as session:
            entry, data = self._last_merge(session, keep_uuid)
            record_type = str(data["type"])
            model: Any = m.Volunteer if record_type == VOLUNTEER else m.Organisation
            keep = session.scalar(select(model).where(model.uuid == data["keep"]))
            other = session.scalar(select(model).where(model.uuid == data["other"]))
            if keep is None or other is None:
                raise NotFoundError(_("The records of that merge are no longer in this database."))
            if keep.version != data.get("keep_version") or other.version != data.get(
                "other_version"
            ):
                raise ConflictError(
                    _(
                        "Record {uuid} was changed after the merge, so the merge cannot be "
                        "undone without losing that change. Nothing was changed."
                    ).format(
                        uuid=keep.uuid if keep.version != data.get("keep_version") else other.uuid
                    )
                )
            after = {name: jsonable(getattr(keep, name)) for name in _columns(record_type)}
            table = model.__table__
            for name, value in dict(data["keep_scalars"]).items():
                column = table.c[name]
                if value is not None and isinstance(column.type, Date):
                    value = dt.date.fromisoformat(str(value))
                setattr(keep, name, value)
            if record_type == VOLUNTEER:
                self._undo_volunteer_parts(session, keep, other, data)
            else:
                self._undo_organisation_parts(session, keep, other, data)
            self._unfold(
                session,
                m.Membership,
                other_id=other.id,
                data=data,
                name="memberships",
                owner="volunteer_id" if record_type == VOLUNTEER else "organisation_id",
            )
            audit_ids = [int(i) for i in data.get("audit_moved", [])]
            if audit_ids:
                session.execute(
                    update(m.AuditEntry)
                    .where(m.AuditEntry.id.in_(audit_ids))
                    .values(record_uuid=other.uuid)
                )
            other.deleted = False
            other.replaced_by = None
            self._stamp(other)
            self._stamp(keep)
            if data.get("alert"):
                restore_decision(session, data["alert"], stamp=self._db.clock.now())
            restored = {name: jsonable(getattr(keep, name)) for name in _columns(record_type)}
            self._audit(
                session,
                record_type=record_type,
                record_uuid=keep.uuid,
                action=AuditAction.RESTORE,
                changes={
                    "undo_of": (None, entry.id),
                    **{
                        name: (after[name], restored[name])
                        for name in after
                        if after[name] != restored[name]
                    },
                },
            )
            self._audit(
                session,
                record_type=record_type,
                record_uuid=other.uuid,
                action=AuditAction.RESTORE,
                changes={"undo_of": (None, entry.id), "deleted": (True, False)},
            )
            session.flush()
            return UndoResult(record_type, keep.uuid, other.uuid)

    def _undo_volunteer_parts(
        self, session: Session, keep: m.Volunteer, other: m.Volunteer, data: Mapping[str, Any]
    ) -> None:
        added = list(data.get("skills_added", []))
        if added:
            session.execute(
                delete(m.VolunteerSkill).where(
                    m.VolunteerSkill.volunteer_id == keep.id,
                    m.VolunteerSkill.skill_code.in_(added),
                )
            )
        for code in data.get("other_skills", []):
            session.add(m.VolunteerSkill(volunteer_id=other.id, skill_code=code))
        for name, model in (("availability", m.Availability), ("away", m.AwayPeriod)):
            ids = [int(i) for i in data.get(f"{name}_moved", [])]
            if ids:
                session.execute(
                    update(model).where(model.id.in_(ids)).values(volunteer_id=other.id)
                )
            for row in data.get(f"{name}_dropped", []):
                values = dict(row)
                # The old id, unless a row added since has taken it.
                row_id = None if session.get(model, int(values["id"])) else int(values["id"])
                if name == "availability":
                    session.add(
                        m.Availability(
                            id=row_id,
                            volunteer_id=other.id,
                            weekday=int(values["weekday"]),
                            start_time=dt.time.fromisoformat(values["start_time"]),
                            end_time=dt.time.fromisoformat(values["end_time"]),
                        )
                    )
                else:
                    session.add(
                        m.AwayPeriod(
                            id=row_id,
                            volunteer_id=other.id,
                            start_date=dt.date.fromisoformat(values["start_date"]),
                            end_date=dt.date.fromisoformat(values["end_date"]),
                            reason=str(values["reason"]),
                        )
                    )
        consent = [int(i) for i in data.get("consent_moved", [])]
        if consent:
            session.execute(
                update(m.ConsentEvent)
                .where(m.ConsentEvent.id.in_(consent))
                .values(volunteer_id=other.id)
            )
        self._unfold(
            session, m.Assignment, other_id=other.id, data=data, name="assignments",
            owner="volunteer_id",
        )  # fmt: skip

    def _undo_organisation_parts(
        self,
        session: Session,
        keep: m.Organisation,
        other: m.Organisation,
        data: Mapping[str, Any],
    ) -> None:
        for name, model in _ORGANISATION_PARTS:
            ids = [int(i) for i in data.get(f"{name}_moved", [])]
            for row in session.scalars(select(model).where(model.id.in_(ids))):
                row.organisation_id = other.id
                self._stamp(row)
        ids = [int(i) for i in data.get("dbs_checks_moved", [])]
        for volunteer in session.scalars(select(m.Volunteer).where(m.Volunteer.id.in_(ids))):
            volunteer.dbs_checked_by = other.uuid
            self._stamp(volunteer)

    def _unfold(
        self,
        session: Session,
        model: Any,
        *,
        other_id: int,
        data: Mapping[str, Any],
        name: str,
        owner: str,
    ) -> None:
        ids = [int(i) for i in data.get(f"{name}_moved", [])]
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            setattr(row, owner, other_id)
            self._stamp(row)
        for fold in data.get(f"{name}_folded", []):
            theirs = session.get(model, int(fold["other_id"]))
            mine = session.get(model, int(fold["keep_id"]))
            if theirs is None or mine is None:
                continue
            theirs.deleted = False
            theirs.replaced_by = None
            for f, value in dict(fold["keep_before"]).items():
                column = model.__table__.c[f]
                if value is not None and isinstance(column.type, Date):
                    value = dt.date.fromisoformat(str(value))
                setattr(mine, f, value)
            self._stamp(theirs)
            self._stamp(mine)

    def _last_merge(self, session: Session, keep_uuid: str) -> tuple[m.AuditEntry, dict[str, Any]]:
        entries = list(
            session.scalars(
                select(m.AuditEntry)
                .where(
                    m.AuditEntry.record_uuid == keep_uuid,
                    m.AuditEntry.action.in_((AuditAction.MERGE.value, AuditAction.RESTORE.value)),
                )
                .order_by(m.AuditEntry.id.desc())
            )
        )
        undone: set[int] = set()
        for entry in entries:
            changes = _changes(entry)
            if entry.action == AuditAction.RESTORE.value:
                undo_of = changes.get("undo_of")
                if isinstance(undo_of, list) and len(undo_of) == 2:
                    undone.add(int(undo_of[1]))
                continue
            data = changes.get(UNDO_KEY)
            if entry.id in undone or not isinstance(data, list) or len(data) != 2:
                continue
            return entry, dict(data[1])
        raise NotFoundError(
            _("Nothing was merged into record “{uuid}”, so there is no merge to undo.").format(
                uuid=keep_uuid
            )
        )

    # ---- loading ---------------------------------------------------------------------------

    def _pair(self, session: Session, keep_uuid: str, other_uuid: str) -> tuple[str, Any, Any]:
        keep_key, other_key = keep_uuid.strip(), other_uuid.strip()
        if keep_key == other_key:
            raise CvcError(
                _("A record cannot be merged with itself (both ids are “{uuid}”).").format(
                    uuid=keep_key
                )
            )
        found: dict[str, tuple[str, Any]] = {}
        kinds: tuple[tuple[str, Any], ...] = (
            (VOLUNTEER, m.Volunteer),
            (ORGANISATION, m.Organisation),
        )
        for record_type, model in kinds:
            for row in session.scalars(select(model).where(model.uuid.in_((keep_key, other_key)))):
                found[row.uuid] = (record_type, row)
        for key, role in ((keep_key, _("to keep")), (other_key, _("to merge away"))):
            if key not in found:
                raise NotFoundError(
                    _("No volunteer or group has the id “{uuid}” (the record {role}).").format(
                        uuid=key, role=role
                    )
                )
            row = found[key][1]
            if row.deleted:
                if row.replaced_by:
                    raise CvcError(
                        _(
                            "Record “{uuid}” was already merged into “{into}”; merge with that "
                            "one instead."
                        ).format(uuid=key, into=row.replaced_by)
                    )
                raise CvcError(
                    _("Record “{uuid}” is deleted; restore it before merging.").format(uuid=key)
                )
        keep_type, keep = found[keep_key]
        other_type, other = found[other_key]
        if keep_type != other_type:
            raise CvcError(
                _(
                    "“{keep}” and “{other}” are not the same kind of record (a volunteer and a "
                    "group); only two volunteers or two groups can be merged."
                ).format(keep=keep_key, other=other_key)
            )
        return keep_type, keep, other


def _columns(record_type: str) -> tuple[str, ...]:
    return SCALAR_FIELDS if record_type == VOLUNTEER else ORGANISATION_FIELDS


def _label(record_type: str, name: str) -> str:
    if record_type == VOLUNTEER:
        return field_label(name)
    return _(ORGANISATION_FIELD_LABELS.get(name, name))


def _display(record_type: str, record: VolunteerRecord | OrganisationRecord) -> str:
    if isinstance(record, VolunteerRecord):
        return record.display_name
    return record.name()


def _changes(entry: m.AuditEntry) -> dict[str, Any]:
    try:
        value = json.loads(entry.changes or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


__all__ = [
    "FieldChoice",
    "MergePreview",
    "MergeResult",
    "MergeService",
    "UndoResult",
]
