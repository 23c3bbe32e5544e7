"""Volunteers: create, change, delete and restore, find, list and search (paged)."""

from __future__ import annotations

import builtins
import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session, selectinload

from cvcdesk.domain.enums import (
    AuditAction,
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    Language,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import ConflictError, NotFoundError
from cvcdesk.domain.names import english_sort_key, welsh_sort_key
from cvcdesk.domain.validation import InvalidValue, postcode_area_code
from cvcdesk.domain.volunteer import (
    SCALAR_FIELDS,
    AvailabilitySlot,
    AwayPeriod,
    Membership,
    VolunteerData,
    VolunteerQuery,
    VolunteerRecord,
    VolunteerRow,
    clean_volunteer,
)
from cvcdesk.i18n import _, current_language
from cvcdesk.services.base import AnySelect, ServiceBase, search_count, search_ids
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

RECORD_TYPE = "volunteer"
SORTABLE = ("name", "reference", "postcode", "status", "dbs_renewal_due", "created")

_ENUM_FIELDS: dict[str, type] = {
    "preferred_language": Language,
    "welsh_fluency": WelshFluency,
    "status": VolunteerStatus,
    "consent_method": ConsentMethod,
    "dbs_level": DbsLevel,
    "dbs_workforce": DbsWorkforce,
}


def _to_column(name: str, value: Any) -> Any:
    if name in _ENUM_FIELDS and value is not None:
        return str(value.value if hasattr(value, "value") else value)
    return value


def _from_column(name: str, value: Any) -> Any:
    enum = _ENUM_FIELDS.get(name)
    if enum is not None and value is not None:
        return enum(value)
    if value is None and name in VolunteerData.__dataclass_fields__:
        default = VolunteerData.__dataclass_fields__[name].default
        if isinstance(default, str):
            return default
    return value


def to_record(row: m.Volunteer) -> VolunteerRecord:
    scalars = {name: _from_column(name, getattr(row, name)) for name in SCALAR_FIELDS}
    return VolunteerRecord(
        **scalars,
        skills=tuple(skill.skill_code for skill in row.skills),
        availability=tuple(
            AvailabilitySlot(a.weekday, a.start_time, a.end_time)
            for a in sorted(row.availability, key=lambda a: (a.weekday, a.start_time))
        ),
        away=tuple(
            AwayPeriod(a.start_date, a.end_date, a.reason)
            for a in sorted(row.away, key=lambda a: a.start_date)
        ),
        memberships=tuple(
            Membership(
                organisation_uuid=ms.organisation.uuid,
                role=ms.role,
                since=ms.since,
                until=ms.until,
                organisation_name=ms.organisation.name_en,
            )
            for ms in sorted(row.memberships, key=lambda ms: ms.organisation.name_en)
            if not ms.deleted
        ),
        uuid=row.uuid,
        origin=row.origin,
        changed_at=row.changed_at,
        deleted=row.deleted,
        replaced_by=row.replaced_by,
        version=row.version,
    )


_ROW_COLUMNS = (
    m.Volunteer.uuid,
    m.Volunteer.reference,
    m.Volunteer.first_name,
    m.Volunteer.last_name,
    m.Volunteer.known_as,
    m.Volunteer.postcode,
    m.Volunteer.phone,
    m.Volunteer.email,
    m.Volunteer.status,
    m.Volunteer.dbs_level,
    m.Volunteer.dbs_renewal_due,
    m.Volunteer.consent_share,
    m.Volunteer.id,  # last: not shown, used to find the page's groups
)


def _row(values: Sequence[Any], groups: str = "") -> VolunteerRow:
    return VolunteerRow(
        uuid=values[0],
        reference=values[1] or "",
        first_name=values[2],
        last_name=values[3],
        known_as=values[4] or "",
        postcode=values[5] or "",
        phone=values[6] or "",
        email=values[7] or "",
        status=VolunteerStatus(values[8]),
        dbs_level=DbsLevel(values[9]),
        dbs_renewal_due=values[10],
        consent_share=bool(values[11]),
        groups=groups,
    )


def _group_names(session: Session, volunteer_ids: Sequence[int], language: str) -> dict[int, str]:
    """Each volunteer's groups (live memberships of live groups), in alphabetical order of the
    language, read for a whole page of volunteers in one query."""
    if not volunteer_ids:
        return {}
    Ms, Org = m.Membership, m.Organisation
    found = session.execute(
        select(Ms.volunteer_id, Org.name_en, Org.name_cy)
        .join(Org, Org.id == Ms.organisation_id)
        .where(Ms.volunteer_id.in_(volunteer_ids), Ms.deleted.is_(False), Org.deleted.is_(False))
    )
    names: dict[int, list[str]] = {}
    for volunteer_id, name_en, name_cy in found:
        name = name_cy if language == "cy" and name_cy else name_en or name_cy
        names.setdefault(volunteer_id, []).append(name)
    sort_key = _welsh_name_key if language == "cy" else _english_name_key
    return {
        key: value[0] if len(value) == 1 else ", ".join(sorted(value, key=sort_key))
        for key, value in names.items()
    }


# A few hundred groups' names come round again and again: their sort keys are worth keeping.
_welsh_name_key = functools.lru_cache(maxsize=4096)(welsh_sort_key)
_english_name_key = functools.lru_cache(maxsize=4096)(english_sort_key)


def _unordered(values: Sequence[Any]) -> list[str]:
    return sorted(repr(value) for value in values)


class VolunteerService(ServiceBase):
    def __init__(self, database: Database, *, actor: str | None = None) -> None:
        super().__init__(database, actor=actor)
        # How many volunteers recent searches matched, as count() last found: list() reads it
        # to choose how to read a page (a figure a few edits old only costs speed), so a
        # count followed by a page, as a table asks for them, counts once.
        self._search_matches: dict[str, int] = {}

    def _remember_matches(self, search: str, found: int) -> int:
        if len(self._search_matches) >= 256:
            self._search_matches.clear()
        self._search_matches[search] = found
        return found

    # ---- reading -------------------------------------------------------------------------

    def get(self, uuid: str, *, include_deleted: bool = False) -> VolunteerRecord:
        with self._read() as session:
            return to_record(self._load(session, uuid, include_deleted=include_deleted))

    def find(self, key: str) -> VolunteerRecord:
        """By uuid or by the reference from the source spreadsheet."""
        key = key.strip()
        if not key:
            # A blank key would match every volunteer who has no reference.
            raise NotFoundError(_("Give a volunteer's id or reference."))
        with self._read() as session:
            row = session.scalar(
                self._with_children(select(m.Volunteer)).where(
                    or_(m.Volunteer.uuid == key, m.Volunteer.reference == key),
                    m.Volunteer.deleted.is_(False),
                )
            )
            if row is None:
                raise NotFoundError(
                    _("No volunteer has the id or reference “{key}”.").format(key=key)
                )
            return to_record(row)

    def count(self, query: VolunteerQuery | None = None) -> int:
        query = query or VolunteerQuery()
        with self._read() as session:
            if (
                _only_search(query)
                and search_ids(self._dialect, "volunteer", query.search) is not None
            ):
                # The search index holds live volunteers only: its count is the answer.
                found = search_count(session, self._dialect, "volunteer", query.search)
                return self._remember_matches(query.search, found)
            stmt = self._filtered(select(func.count(m.Volunteer.id)), query)
            return int(session.scalar(stmt) or 0)

    def list(
        self,
        query: VolunteerQuery | None = None,
        *,
        offset: int = 0,
        limit: int | None = 200,
        order: str = "name",
        descending: bool = False,
        language: str | None = None,
    ) -> builtins.list[VolunteerRow]:
        """One page of volunteers matching the query, in the order asked for."""
        query = query or VolunteerQuery()
        lang = language or current_language()
        walk = False
        if query.search.strip() and order == "name" and limit is not None and self._db.is_sqlite:
            # Many matches (one or two letters typed): walk the name index in order and stop
            # after one page, rather than sort tens of thousands of matches.
            found = self._search_matches.get(query.search)
            if found is None:
                with self._read() as session:
                    found = search_count(session, self._dialect, "volunteer", query.search)
                    self._remember_matches(query.search, found)
            walk = found > _WALK_THE_INDEX_ABOVE
        stmt = self._filtered(select(*_ROW_COLUMNS), query, walk_name_index=walk)
        stmt = self._ordered(stmt, order, descending, lang)
        stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as session:
            page_rows = session.execute(stmt).all()
            groups = _group_names(session, [values[-1] for values in page_rows], lang)
            return [_row(values, groups.get(values[-1], "")) for values in page_rows]

    def iter_rows(
        self, query: VolunteerQuery | None = None, *, batch: int = 2000, language: str = "en"
    ) -> Iterator[VolunteerRecord]:
        """Every matching volunteer in full, streamed in batches (exports)."""
        query = query or VolunteerQuery()
        last_key, last_id = "", 0
        sort_col = m.Volunteer.sort_key_cy if language == "cy" else m.Volunteer.sort_key_en
        while True:
            with self._read() as session:
                stmt = self._filtered(self._with_children(select(m.Volunteer)), query)
                stmt = (
                    stmt.where(
                        or_(
                            sort_col > last_key,
                            and_(sort_col == last_key, m.Volunteer.id > last_id),
                        )
                    )
                    .order_by(sort_col, m.Volunteer.id)
                    .limit(batch)
                )
                rows = list(session.scalars(stmt))
                if not rows:
                    return
                records = [to_record(row) for row in rows]
                last_key, last_id = getattr(rows[-1], sort_col.key), rows[-1].id
            yield from records

    def skills(self, language: str | None = None) -> builtins.list[tuple[str, str]]:
        """(code, label) of every known skill, in the language asked for."""
        lang = language or current_language()
        with self._read() as session:
            rows = session.execute(select(m.Skill.code, m.Skill.label_en, m.Skill.label_cy))
            return sorted(
                ((code, cy if lang == "cy" else en) for code, en, cy in rows), key=lambda r: r[1]
            )

    def history(self, uuid: str) -> builtins.list[dict[str, Any]]:
        """The audit trail of one volunteer, oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(m.AuditEntry)
                .where(m.AuditEntry.record_uuid == uuid)
                .order_by(m.AuditEntry.id)
            )
            return [
                {
                    "at": row.at,
                    "actor": row.actor,
                    "action": AuditAction(row.action),
                    "changes": row.changes,
                }
                for row in rows
            ]

    # ---- writing -------------------------------------------------------------------------

    def create(self, data: VolunteerData) -> VolunteerRecord:
        clean = clean_volunteer(data)
        with self._unit() as session:
            row = m.Volunteer()
            for name in SCALAR_FIELDS:
                setattr(row, name, _to_column(name, getattr(clean, name)))
            self._stamp(row)
            session.add(row)
            self._set_children(session, row, clean)
            session.flush()
            if clean.consent_share:
                session.add(self._consent_event(row, clean))
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.CREATE,
                changes={
                    name: (None, getattr(clean, name))
                    for name in (*SCALAR_FIELDS, "skills")
                    if getattr(clean, name) not in (None, "", False, ())
                },
            )
            session.flush()
            session.refresh(row)
            return to_record(row)

    def update(
        self, uuid: str, data: VolunteerData, *, expected_version: int | None = None
    ) -> VolunteerRecord:
        """Save a changed volunteer; refused if someone else saved it since `expected_version`."""
        clean = clean_volunteer(data)
        with self._unit() as session:
            row = self._load(session, uuid)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(
                    _(
                        "{name} was changed by someone else since you opened it. Your changes "
                        "were not saved; reopen the record to see theirs."
                    ).format(name=f"{row.first_name} {row.last_name}")
                )
            before = to_record(row)
            changes: dict[str, tuple[Any, Any]] = {}
            for name in SCALAR_FIELDS:
                old, new = getattr(before, name), getattr(clean, name)
                if old != new:
                    changes[name] = (old, new)
                    setattr(row, name, _to_column(name, new))
            for name in ("skills", "availability", "away", "memberships"):
                old_value = getattr(before, name)
                new_value = getattr(clean, name)
                if name == "memberships":
                    old_value = tuple(replace(ms, organisation_name="") for ms in old_value)
                    new_value = tuple(replace(ms, organisation_name="") for ms in new_value)
                # The same lines in another order are not a change.
                if _unordered(old_value) != _unordered(new_value):
                    changes[name] = (old_value, new_value)
            if not changes:
                return before
            if "consent_share" in changes or "consent_method" in changes:
                session.add(self._consent_event(row, clean))
            self._set_children(session, row, clean, only=set(changes))
            self._stamp(row)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes={
                    k: (v[0], v[1])
                    if k not in ("availability", "away", "memberships")
                    else (len(v[0]), len(v[1]))
                    for k, v in changes.items()
                },
            )
            session.flush()
            session.refresh(row)
            return to_record(row)

    def delete(self, uuid: str) -> VolunteerRecord:
        """Soft delete: the record stays as a tombstone partners learn of; it can be restored."""
        return self._set_deleted(uuid, deleted=True)

    def restore(self, uuid: str) -> VolunteerRecord:
        return self._set_deleted(uuid, deleted=False)

    # ---- helpers -------------------------------------------------------------------------

    def _set_deleted(self, uuid: str, *, deleted: bool) -> VolunteerRecord:
        with self._unit() as session:
            row = self._load(session, uuid, include_deleted=True)
            if row.deleted == deleted:
                return to_record(row)
            row.deleted = deleted
            self._stamp(row)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.DELETE if deleted else AuditAction.RESTORE,
                changes={"deleted": (not deleted, deleted)},
            )
            session.flush()
            return to_record(row)

    @staticmethod
    def _with_children(stmt: AnySelect) -> AnySelect:
        return stmt.options(
            selectinload(m.Volunteer.skills),
            selectinload(m.Volunteer.availability),
            selectinload(m.Volunteer.away),
            selectinload(m.Volunteer.memberships).selectinload(m.Membership.organisation),
        )

    def _load(self, session: Session, uuid: str, *, include_deleted: bool = False) -> m.Volunteer:
        row: m.Volunteer | None = session.scalar(
            self._with_children(select(m.Volunteer)).where(m.Volunteer.uuid == uuid)
        )
        if row is None or (row.deleted and not include_deleted):
            raise NotFoundError(_("No volunteer has the id “{key}”.").format(key=uuid))
        return row

    def _consent_event(self, row: m.Volunteer, data: VolunteerData) -> m.ConsentEvent:
        return m.ConsentEvent(
            volunteer_id=row.id,
            given=data.consent_share,
            on_date=data.consent_date,
            method=data.consent_method.value if data.consent_method else None,
            recorded_by=self._actor,
        )

    def _set_children(
        self,
        session: Session,
        row: m.Volunteer,
        data: VolunteerData,
        only: set[str] | None = None,
    ) -> None:
        def wanted(name: str) -> bool:
            return only is None or name in only

        if wanted("skills"):
            row.skills = [m.VolunteerSkill(skill_code=code) for code in data.skills]
        if wanted("availability"):
            row.availability = [
                m.Availability(weekday=s.weekday, start_time=s.start, end_time=s.end)
                for s in data.availability
            ]
        if wanted("away"):
            row.away = [
                m.AwayPeriod(start_date=a.start, end_date=a.end, reason=a.reason) for a in data.away
            ]
        if wanted("memberships"):
            self._set_memberships(session, row, data.memberships)

    def _set_memberships(
        self, session: Session, row: m.Volunteer, memberships: Sequence[Membership]
    ) -> None:
        wanted = {ms.organisation_uuid: ms for ms in memberships}
        orgs = {
            org.uuid: org
            for org in session.scalars(
                select(m.Organisation).where(m.Organisation.uuid.in_(list(wanted)))
            )
        }
        missing = [key for key in wanted if key not in orgs]
        if missing:
            raise NotFoundError(_("No group has the id “{key}”.").format(key=missing[0]))
        current = {ms.organisation.uuid: ms for ms in row.memberships}
        for key, link in current.items():
            if key not in wanted and not link.deleted:
                link.deleted = True
                self._stamp(link)
        for key, ms in wanted.items():
            found = current.get(key)
            if found is None:
                link = m.Membership(organisation=orgs[key], volunteer=row)
                session.add(link)
            elif (found.role, found.since, found.until, found.deleted) == (
                ms.role,
                ms.since,
                ms.until,
                False,
            ):
                continue
            else:
                link = found
            link.role, link.since, link.until, link.deleted = ms.role, ms.since, ms.until, False
            self._stamp(link)

    def _filtered(
        self, stmt: AnySelect, query: VolunteerQuery, *, walk_name_index: bool = False
    ) -> AnySelect:
        V = m.Volunteer
        if not query.include_deleted:
            stmt = stmt.where(V.deleted.is_(False))
        if query.search.strip():
            matches = search_ids(self._dialect, "volunteer", query.search)
            if matches is not None:
                # The unary + stops SQLite looking the matches up by id, so it walks the
                # name index instead (see list()).
                key = literal_column("+volunteer.id") if walk_name_index else V.id
                stmt = stmt.where(key.in_(matches))
        if query.status is not None:
            stmt = stmt.where(V.status == query.status.value)
        if query.group_uuid:
            stmt = stmt.where(
                exists(
                    select(m.Membership.id)
                    .join(m.Organisation, m.Organisation.id == m.Membership.organisation_id)
                    .where(
                        m.Membership.volunteer_id == V.id,
                        m.Membership.deleted.is_(False),
                        m.Organisation.uuid == query.group_uuid,
                    )
                )
            )
        if query.skill:
            stmt = stmt.where(
                exists(
                    select(m.VolunteerSkill.volunteer_id).where(
                        m.VolunteerSkill.volunteer_id == V.id,
                        m.VolunteerSkill.skill_code == query.skill,
                    )
                )
            )
        if query.area:
            prefix = _area_prefix(query.area)
            stmt = stmt.where(
                or_(V.postcode == prefix, V.postcode.like(prefix + " %"))
                if " " not in prefix
                else V.postcode.like(prefix + "%")
            )
        if query.dbs_due_before is not None:
            stmt = stmt.where(
                V.dbs_level != DbsLevel.NONE.value,
                or_(V.dbs_renewal_due.is_(None), V.dbs_renewal_due <= query.dbs_due_before),
            )
        if query.consent_share is not None:
            stmt = stmt.where(V.consent_share.is_(query.consent_share))
        return stmt

    @staticmethod
    def _ordered(stmt: AnySelect, order: str, descending: bool, language: str) -> AnySelect:
        V = m.Volunteer
        name_key = V.sort_key_cy if language == "cy" else V.sort_key_en
        columns: dict[str, list[Any]] = {
            "name": [name_key],
            "reference": [V.reference, name_key],
            "postcode": [V.postcode, name_key],
            "status": [V.status, name_key],
            "dbs_renewal_due": [V.dbs_renewal_due.is_(None), V.dbs_renewal_due, name_key],
            "created": [V.id],
        }
        chosen = columns.get(order, columns["name"])
        if descending:
            chosen = [c.desc() for c in chosen]
        return stmt.order_by(*chosen, V.id.desc() if descending else V.id)


def _area_prefix(area: str) -> str:
    """'sa611ab' -> 'SA61 1AB', 'sa611' -> 'SA61 1'; a partial district is kept as typed."""
    try:
        return postcode_area_code(area)
    except InvalidValue:
        return area.strip().upper()


# Above this many search matches a page is read by walking the name index (see list()).
# The search index holds live volunteers only (deleted ones are left out by its triggers).
_WALK_THE_INDEX_ABOVE = 3000


def _only_search(query: VolunteerQuery) -> bool:
    return (
        query.status is None
        and not query.group_uuid
        and not query.skill
        and not query.area
        and query.dbs_due_before is None
        and query.consent_share is None
        and not query.include_deleted
    )


def renewal_due_soon(days: int = 60, today: dt.date | None = None) -> dt.date:
    return (today or dt.date.today()) + dt.timedelta(days=days)
