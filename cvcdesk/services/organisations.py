"""Organisations ("groups") and the services and areas they cover."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from cvcdesk.domain.enums import AuditAction, OrganisationKind, Weekdays
from cvcdesk.domain.errors import ConflictError, NotFoundError
from cvcdesk.domain.organisation import (
    CoverageData,
    OrganisationData,
    OrganisationRecord,
    OrganisationRow,
    clean_organisation,
)
from cvcdesk.i18n import _, current_language
from cvcdesk.services.areas import ensure_area, service_type_by_code
from cvcdesk.services.base import AnySelect, ServiceBase, search_ids
from cvcdesk.store import models as m

RECORD_TYPE = "organisation"
_SCALARS = (
    "name_en",
    "name_cy",
    "kind",
    "charity_number",
    "company_number",
    "contact_name",
    "email",
    "phone",
    "address",
    "postcode",
    "website",
    "notes",
)


def _coverage(row: m.Coverage) -> CoverageData:
    return CoverageData(
        service=row.service_type.code,
        area=row.area.code,
        weekdays=Weekdays(row.weekdays),
        start_time=row.start_time,
        end_time=row.end_time,
        start_date=row.start_date,
        end_date=row.end_date,
        notes=row.notes,
        uuid=row.uuid,
    )


def to_record(row: m.Organisation) -> OrganisationRecord:
    values: dict[str, Any] = {name: getattr(row, name) for name in _SCALARS}
    values["kind"] = OrganisationKind(row.kind)
    return OrganisationRecord(
        **values,
        coverage=tuple(
            _coverage(c)
            for c in sorted(row.coverage, key=lambda c: (c.service_type.sort_order, c.area.code))
            if not c.deleted
        ),
        uuid=row.uuid,
        origin=row.origin,
        changed_at=row.changed_at,
        deleted=row.deleted,
        replaced_by=row.replaced_by,
        version=row.version,
    )


def _coverage_values(row: m.Coverage) -> tuple[object, ...]:
    return (
        row.weekdays,
        row.start_time,
        row.end_time,
        row.start_date,
        row.end_date,
        row.notes,
    )


class OrganisationService(ServiceBase):
    def get(self, uuid: str, *, include_deleted: bool = False) -> OrganisationRecord:
        with self._read() as session:
            return to_record(self._load(session, uuid, include_deleted=include_deleted))

    def find(self, key: str) -> OrganisationRecord:
        """By uuid, or by English or Welsh name (exact, then a unique prefix)."""
        key = key.strip()
        if not key:
            raise NotFoundError(_("Give a group's name or id."))
        with self._read() as session:
            base = self._with_children(select(m.Organisation)).where(
                m.Organisation.deleted.is_(False)
            )
            row = session.scalar(
                base.where(
                    or_(
                        m.Organisation.uuid == key,
                        func.lower(m.Organisation.name_en) == key.lower(),
                        func.lower(m.Organisation.name_cy) == key.lower(),
                    )
                )
            )
            if row is None:
                # autoescape: a % or _ in what was typed is a character, not a wildcard.
                matches = list(
                    session.scalars(
                        base.where(
                            or_(
                                m.Organisation.name_en.istartswith(key, autoescape=True),
                                m.Organisation.name_cy.istartswith(key, autoescape=True),
                            )
                        ).limit(2)
                    )
                )
                if len(matches) == 1:
                    row = matches[0]
                elif len(matches) > 1:
                    raise NotFoundError(
                        _(
                            "More than one group starts with “{key}”; give its full name or id."
                        ).format(key=key)
                    )
            if row is None:
                raise NotFoundError(_("No group has the name or id “{key}”.").format(key=key))
            return to_record(row)

    def count(self, search: str = "", *, include_deleted: bool = False) -> int:
        with self._read() as session:
            stmt = self._filtered(select(func.count(m.Organisation.id)), search, include_deleted)
            return int(session.scalar(stmt) or 0)

    def list(
        self,
        search: str = "",
        *,
        offset: int = 0,
        limit: int | None = 200,
        language: str | None = None,
        include_deleted: bool = False,
    ) -> builtins.list[OrganisationRow]:
        # Counted from one covering index; deleted volunteers are few, so they are excluded
        # by a small list rather than by reading each member's volunteer row.
        deleted_volunteers = select(m.Volunteer.id).where(m.Volunteer.deleted.is_(True))
        members = (
            select(func.count())
            .select_from(m.Membership)
            .where(
                m.Membership.organisation_id == m.Organisation.id,
                m.Membership.deleted.is_(False),
                m.Membership.volunteer_id.not_in(deleted_volunteers),
            )
            .scalar_subquery()
        )
        key = (
            m.Organisation.sort_key_cy
            if (language or current_language()) == "cy"
            else m.Organisation.sort_key_en
        )
        stmt = (
            self._filtered(
                select(
                    m.Organisation.uuid,
                    m.Organisation.name_en,
                    m.Organisation.name_cy,
                    m.Organisation.kind,
                    m.Organisation.postcode,
                    m.Organisation.email,
                    m.Organisation.phone,
                    members,
                ),
                search,
                include_deleted,
            )
            .order_by(key, m.Organisation.id)
            .offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as session:
            return [
                OrganisationRow(
                    uuid=r[0],
                    name_en=r[1],
                    name_cy=r[2],
                    kind=OrganisationKind(r[3]),
                    postcode=r[4],
                    email=r[5],
                    phone=r[6],
                    volunteers=int(r[7] or 0),
                )
                for r in session.execute(stmt)
            ]

    def names(self, language: str | None = None) -> builtins.list[tuple[str, str]]:
        """(uuid, name) of every live group in alphabetical order: for pick lists."""
        lang = language or current_language()
        key = m.Organisation.sort_key_cy if lang == "cy" else m.Organisation.sort_key_en
        stmt = (
            select(m.Organisation.uuid, m.Organisation.name_en, m.Organisation.name_cy)
            .where(m.Organisation.deleted.is_(False))
            .order_by(key, m.Organisation.id)
        )
        with self._read() as session:
            return [
                (uuid, (cy if lang == "cy" and cy else en or cy))
                for uuid, en, cy in session.execute(stmt)
            ]

    def services(self, language: str | None = None) -> builtins.list[tuple[str, str]]:
        """(code, label) of every service type, in their usual order."""
        lang = language or current_language()
        with self._read() as session:
            rows = session.execute(
                select(m.ServiceType.code, m.ServiceType.label_en, m.ServiceType.label_cy)
                .where(m.ServiceType.deleted.is_(False))
                .order_by(m.ServiceType.sort_order)
            )
            return [(code, cy if lang == "cy" else en) for code, en, cy in rows]

    def create(self, data: OrganisationData) -> OrganisationRecord:
        clean = clean_organisation(data)
        with self._unit() as session:
            row = m.Organisation()
            for name in _SCALARS:
                setattr(row, name, self._column(name, getattr(clean, name)))
            self._stamp(row)
            session.add(row)
            session.flush()
            self._set_coverage(session, row, clean.coverage)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.CREATE,
                changes={n: (None, getattr(clean, n)) for n in _SCALARS if getattr(clean, n)},
            )
            session.flush()
            session.refresh(row)
            return to_record(row)

    def update(
        self, uuid: str, data: OrganisationData, *, expected_version: int | None = None
    ) -> OrganisationRecord:
        clean = clean_organisation(data)
        with self._unit() as session:
            row = self._load(session, uuid)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(
                    _(
                        "{name} was changed by someone else since you opened it. Your changes "
                        "were not saved; reopen the record to see theirs."
                    ).format(name=row.name_en)
                )
            before = to_record(row)
            changes = {
                n: (getattr(before, n), getattr(clean, n))
                for n in _SCALARS
                if getattr(before, n) != getattr(clean, n)
            }

            def strip(lines: Sequence[CoverageData]) -> list[str]:
                # The same lines in another order are not a change.
                return sorted(
                    repr(
                        (
                            c.service,
                            c.area,
                            int(c.weekdays),
                            c.start_time,
                            c.end_time,
                            c.start_date,
                            c.end_date,
                            c.notes,
                        )
                    )
                    for c in lines
                )

            if strip(before.coverage) != strip(clean.coverage):
                changes["coverage"] = (len(before.coverage), len(clean.coverage))
                self._set_coverage(session, row, clean.coverage)
            if not changes:
                return before
            for name in _SCALARS:
                setattr(row, name, self._column(name, getattr(clean, name)))
            self._stamp(row)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes=changes,
            )
            session.flush()
            session.refresh(row)
            return to_record(row)

    def delete(self, uuid: str) -> OrganisationRecord:
        return self._set_deleted(uuid, True)

    def restore(self, uuid: str) -> OrganisationRecord:
        return self._set_deleted(uuid, False)

    # ---- helpers -------------------------------------------------------------------------

    @staticmethod
    def _column(name: str, value: Any) -> Any:
        return value.value if name == "kind" else value

    def _set_deleted(self, uuid: str, deleted: bool) -> OrganisationRecord:
        with self._unit() as session:
            row = self._load(session, uuid, include_deleted=True)
            if row.deleted != deleted:
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
            selectinload(m.Organisation.coverage).selectinload(m.Coverage.service_type),
            selectinload(m.Organisation.coverage).selectinload(m.Coverage.area),
        )

    def _load(
        self, session: Session, uuid: str, *, include_deleted: bool = False
    ) -> m.Organisation:
        row: m.Organisation | None = session.scalar(
            self._with_children(select(m.Organisation)).where(m.Organisation.uuid == uuid)
        )
        if row is None or (row.deleted and not include_deleted):
            raise NotFoundError(_("No group has the id “{key}”.").format(key=uuid))
        return row

    def _set_coverage(
        self, session: Session, row: m.Organisation, lines: Sequence[CoverageData]
    ) -> None:
        """Replace coverage lines: kept lines keep their uuid, dropped ones become tombstones.

        A line sent without its uuid is matched to an identical stored line, so it keeps its
        identity too. Only lines that really changed get a new clock value.
        """
        existing = {c.uuid: c for c in row.coverage if not c.deleted}
        claimed = {line.uuid for line in lines if line.uuid in existing}
        keep: set[str] = set()
        for line in lines:
            # Look both up first: a query would flush a half-filled new line.
            service_type = service_type_by_code(session, line.service)
            area = ensure_area(session, self._db, line.area)
            values = (
                int(line.weekdays),
                line.start_time,
                line.end_time,
                line.start_date,
                line.end_date,
                line.notes,
            )
            target = existing.get(line.uuid) if line.uuid else None
            if target is None and not line.uuid:
                target = next(
                    (
                        c
                        for key, c in existing.items()
                        if key not in claimed
                        and key not in keep
                        and c.service_type_id == service_type.id
                        and c.area_id == area.id
                        and _coverage_values(c) == values
                    ),
                    None,
                )
            if target is None:
                target = m.Coverage(organisation=row, service_type=service_type, area=area)
                session.add(target)
            else:
                keep.add(target.uuid)
                if (
                    target.service_type_id == service_type.id
                    and target.area_id == area.id
                    and _coverage_values(target) == values
                ):
                    continue
            target.service_type, target.area = service_type, area
            (
                target.weekdays,
                target.start_time,
                target.end_time,
                target.start_date,
                target.end_date,
                target.notes,
            ) = values
            self._stamp(target)
        for key, old in existing.items():
            if key not in keep:
                old.deleted = True
                self._stamp(old)

    def _filtered(self, stmt: AnySelect, search: str, include_deleted: bool) -> AnySelect:
        if not include_deleted:
            stmt = stmt.where(m.Organisation.deleted.is_(False))
        matches = search_ids(self._dialect, "organisation", search) if search.strip() else None
        if matches is not None:
            stmt = stmt.where(m.Organisation.id.in_(matches))
        return stmt
