"""Areas: postcode districts, sectors and units nest; named communities hold postcodes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AreaKind
from cvcdesk.domain.errors import NotFoundError
from cvcdesk.domain.validation import InvalidValue, postcode_area_code, postcode_parts
from cvcdesk.i18n import _
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

_NAMED_KINDS = (AreaKind.COMMUNITY.value, AreaKind.WARD.value)


def _postcode_kind(code: str) -> AreaKind:
    if " " not in code:
        return AreaKind.DISTRICT
    return AreaKind.SECTOR if len(code.split(" ")[1]) == 1 else AreaKind.UNIT


def _named_area(session: Session, code: str) -> m.Area | None:
    """A live community or ward by its code: as written, else the one whose code differs only
    in capitals. A removed community is no area to cover or work in."""
    area = session.scalar(select(m.Area).where(m.Area.code == code))
    if area is None:
        found = list(
            session.scalars(
                select(m.Area)
                .where(
                    func.upper(m.Area.code) == code.upper(),
                    m.Area.kind.in_(_NAMED_KINDS),
                    m.Area.deleted.is_(False),
                )
                .limit(2)
            )
        )
        area = found[0] if len(found) == 1 else None
    if area is not None and area.deleted:
        return None
    return area


def ensure_area(session: Session, database: Database, code: str) -> m.Area:
    """The area for a postcode code (created with its parents), or a named community by code."""
    try:
        normal = postcode_area_code(code)
    except InvalidValue:
        area = _named_area(session, code.strip())
        if area is None:
            raise NotFoundError(
                _(
                    "There is no area “{code}”. Use a postcode district such as SA61, a sector "
                    "such as SA61 1, or the code of a community you have added."
                ).format(code=code)
            ) from None
        return area
    existing = session.scalar(select(m.Area).where(m.Area.code == normal))
    if existing is not None:
        return existing
    parts = postcode_parts(normal)
    chain = [parts.district]
    if parts.sector != parts.district:
        chain.append(parts.sector)
    if parts.unit:
        chain.append(parts.unit)
    parent: m.Area | None = None
    for link in chain:
        area = session.scalar(select(m.Area).where(m.Area.code == link))
        if area is None:
            area = m.Area(
                kind=_postcode_kind(link).value,
                code=link,
                name_en=link,
                name_cy=link,
                parent_id=parent.id if parent else None,
                origin=database.instance_uuid,
                changed_at=database.clock.now(),
            )
            session.add(area)
            session.flush()
        parent = area
    assert parent is not None
    return parent


def service_type_by_code(session: Session, code: str) -> m.ServiceType:
    row = session.scalar(select(m.ServiceType).where(m.ServiceType.code == code))
    if row is None:
        known = ", ".join(
            session.scalars(select(m.ServiceType.code).order_by(m.ServiceType.sort_order))
        )
        raise NotFoundError(
            _("There is no service “{code}”. Known services: {known}.").format(
                code=code, known=known
            )
        )
    return row
