"""Activities: listing a group's work and its next shift (rosters build on this)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from cvcdesk.domain.activity import ActivityRow
from cvcdesk.i18n import current_language
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m


class ActivityService(ServiceBase):
    def count(self, *, group_uuid: str | None = None) -> int:
        stmt = select(func.count(m.Activity.id)).where(m.Activity.deleted.is_(False))
        if group_uuid:
            stmt = stmt.join(m.Organisation, m.Organisation.id == m.Activity.organisation_id).where(
                m.Organisation.uuid == group_uuid
            )
        with self._read() as session:
            return int(session.scalar(stmt) or 0)

    def list(
        self,
        *,
        group_uuid: str | None = None,
        now: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
        language: str | None = None,
    ) -> list[ActivityRow]:
        lang = language or current_language()
        moment = now or dt.datetime.now()
        next_shift = (
            select(func.min(m.Shift.starts_at))
            .where(
                m.Shift.activity_id == m.Activity.id,
                m.Shift.starts_at >= moment,
                m.Shift.cancelled.is_(False),
                m.Shift.deleted.is_(False),
            )
            .scalar_subquery()
        )
        service_label = m.ServiceType.label_cy if lang == "cy" else m.ServiceType.label_en
        stmt = (
            select(
                m.Activity.uuid,
                m.Activity.title_en,
                m.Activity.title_cy,
                m.Organisation.uuid,
                m.Organisation.name_en,
                m.Organisation.name_cy,
                m.ServiceType.code,
                service_label,
                m.Area.code,
                m.Activity.place,
                next_shift,
            )
            .join(m.Organisation, m.Organisation.id == m.Activity.organisation_id)
            .outerjoin(m.ServiceType, m.ServiceType.id == m.Activity.service_type_id)
            .outerjoin(m.Area, m.Area.id == m.Activity.area_id)
            .where(m.Activity.deleted.is_(False))
            .order_by(
                m.Organisation.sort_key_cy if lang == "cy" else m.Organisation.sort_key_en,
                m.Activity.title_en,
                m.Activity.id,
            )
            .offset(offset)
        )
        if group_uuid:
            stmt = stmt.where(or_(m.Organisation.uuid == group_uuid))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as session:
            rows = []
            for r in session.execute(stmt):
                next_at = r[10]
                if isinstance(next_at, str):  # SQLite returns aggregates of datetimes as text
                    next_at = dt.datetime.fromisoformat(next_at)
                rows.append(
                    ActivityRow(
                        uuid=r[0],
                        title=(r[2] if lang == "cy" and r[2] else r[1]),
                        title_cy=r[2],
                        group_uuid=r[3],
                        group_name=(r[5] if lang == "cy" and r[5] else r[4]),
                        service=r[7] or r[6] or "",  # the label in the language asked for
                        area=r[8] or "",
                        place=r[9],
                        next_shift=next_at,
                    )
                )
            return rows
