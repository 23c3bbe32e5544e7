"""Activities (a group's recurring or one-off work), their shifts and assignments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cvcdesk.domain.enums import AssignmentStatus, DbsLevel


@dataclass(frozen=True, kw_only=True)
class ActivityRow:
    uuid: str
    title: str
    title_cy: str
    group_uuid: str
    group_name: str
    service: str
    area: str
    place: str
    next_shift: dt.datetime | None


@dataclass(frozen=True, kw_only=True)
class ShiftRow:
    uuid: str
    activity_uuid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    cancelled: bool
    volunteers_needed: int
    assigned: int


@dataclass(frozen=True, kw_only=True)
class AssignmentRow:
    uuid: str
    shift_uuid: str
    volunteer_uuid: str
    status: AssignmentStatus
    hours: float | None
    dbs_required: DbsLevel = DbsLevel.NONE
