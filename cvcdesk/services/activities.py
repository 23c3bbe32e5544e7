"""Activities: a group's recurring or one-off work, and the shifts its pattern makes.

Shifts are made for a rolling horizon (13 weeks unless the setting says otherwise) and kept in
step whenever the activity, its pattern or its exceptions change: new dates get shifts, moved
times move the shifts, and a shift on a date the pattern no longer has is removed, unless
volunteers were booked on it: then it is kept, marked orphaned, and reported, for the
coordinator to settle (keep it as an extra date, or cancel it). Shifts that started before
today are history and never touched.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cvcdesk.domain.activity import ActivityRow
from cvcdesk.domain.enums import AssignmentStatus, AuditAction, DbsLevel
from cvcdesk.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from cvcdesk.domain.recurrence import (
    Occurrence,
    Recurrence,
    clean_recurrence,
    occurrences,
    shift_times,
    skipped_bank_holidays,
)
from cvcdesk.domain.validation import InvalidValue, normalise_postcode, require_text
from cvcdesk.i18n import _, current_language, format_date
from cvcdesk.services.areas import ensure_area, service_type_by_code
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback, ServiceBase
from cvcdesk.services.rosters import (
    ShiftRecord,
    SkippedBooking,
    book_regulars,
    shift_record,
)
from cvcdesk.store import models as m

RECORD_TYPE = "activity"
SETTING_HORIZON_DAYS = "activities.horizon_days"
DEFAULT_HORIZON_DAYS = 91
MAX_HORIZON_DAYS = 730
MAX_VOLUNTEERS_NEEDED = 500
CANCELLED = "cancelled"
EXTRA = "extra"
# Bookings that keep a shift from being removed quietly when its date leaves the pattern.
_KEEPING = (
    AssignmentStatus.CONFIRMED.value,
    AssignmentStatus.TENTATIVE.value,
    AssignmentStatus.ATTENDED.value,
    AssignmentStatus.NO_SHOW.value,
)


def horizon_problem(days: int) -> FieldError | None:
    """What is wrong with planning `days` ahead, if anything."""
    if 7 <= days <= MAX_HORIZON_DAYS:
        return None
    return FieldError(
        "horizon_days",
        _("Plan from 7 to {most} days ahead (it was {days}).").format(
            most=MAX_HORIZON_DAYS, days=days
        ),
    )


@dataclass(frozen=True, kw_only=True)
class ActivityData:
    """What a coordinator enters about an activity."""

    group_uuid: str
    title_en: str
    title_cy: str = ""
    service: str = ""  # service type code
    area: str = ""  # postcode district, sector or unit, or a community's code
    place: str = ""
    postcode: str = ""
    recurrence: Recurrence = field(default_factory=Recurrence)
    start_date: dt.date
    end_date: dt.date | None = None
    start_time: dt.time
    end_time: dt.time  # at or before the start time: the shift ends the next morning
    volunteers_needed: int = 1
    dbs_level_required: DbsLevel = DbsLevel.NONE
    welsh_required: bool = False
    skip_bank_holidays: bool = True
    skills_required: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class ActivityRecord(ActivityData):
    uuid: str
    origin: str
    changed_at: str
    deleted: bool = False
    version: int = 1
    group_name: str = ""
    cancelled_dates: tuple[dt.date, ...] = ()
    extra_dates: tuple[dt.date, ...] = ()

    @property
    def title(self) -> str:
        if current_language() == "cy" and self.title_cy:
            return self.title_cy
        return self.title_en

    def describe(self) -> str:
        """The pattern as a sentence in the current language."""
        return self.recurrence.describe(self.start_date)


@dataclass(frozen=True, kw_only=True)
class ShiftChanges:
    """What keeping the shifts in step did."""

    added: int = 0
    removed: int = 0
    retimed: int = 0
    cancelled: int = 0
    reinstated: int = 0
    orphaned: tuple[ShiftRecord, ...] = ()  # newly flagged: volunteers booked on a dropped date
    regulars_booked: int = 0
    regulars_skipped: tuple[SkippedBooking, ...] = ()

    def __add__(self, other: ShiftChanges) -> ShiftChanges:
        return ShiftChanges(
            added=self.added + other.added,
            removed=self.removed + other.removed,
            retimed=self.retimed + other.retimed,
            cancelled=self.cancelled + other.cancelled,
            reinstated=self.reinstated + other.reinstated,
            orphaned=self.orphaned + other.orphaned,
            regulars_booked=self.regulars_booked + other.regulars_booked,
            regulars_skipped=self.regulars_skipped + other.regulars_skipped,
        )


@dataclass(frozen=True, kw_only=True)
class ActivitySaved:
    activity: ActivityRecord
    shifts: ShiftChanges


@dataclass(frozen=True, kw_only=True)
class DatePreview:
    """The next dates a pattern gives, and the bank holidays it leaves out."""

    dates: tuple[Occurrence, ...]
    skipped_holidays: tuple[tuple[dt.date, str], ...]


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
    ) -> builtins.list[ActivityRow]:
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

    # ---- one activity ----------------------------------------------------------------------

    def get(self, uuid: str, *, include_deleted: bool = False) -> ActivityRecord:
        with self._read() as session:
            return self._to_record(
                session, self._load(session, uuid, include_deleted=include_deleted)
            )

    def shifts(
        self,
        activity_uuid: str,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> builtins.list[ShiftRecord]:
        """The activity's shifts (cancelled and orphaned ones too) in a date range, in order."""
        with self._read() as session:
            activity = self._load(session, activity_uuid)
            stmt = select(m.Shift).where(
                m.Shift.activity_id == activity.id, m.Shift.deleted.is_(False)
            )
            if date_from is not None:
                stmt = stmt.where(m.Shift.starts_at >= dt.datetime.combine(date_from, dt.time()))
            if date_to is not None:
                stmt = stmt.where(
                    m.Shift.starts_at
                    < dt.datetime.combine(date_to, dt.time()) + dt.timedelta(days=1)
                )
            rows = session.scalars(stmt.order_by(m.Shift.starts_at, m.Shift.id))
            return [shift_record(session, row) for row in rows]

    def orphaned_shifts(self, *, group_uuid: str | None = None) -> builtins.list[ShiftRecord]:
        """Shifts whose date left their activity's pattern while volunteers were booked on
        them: each needs the coordinator to keep it or cancel it (see settle_orphan)."""
        with self._read() as session:
            stmt = (
                select(m.Shift)
                .join(m.Activity, m.Activity.id == m.Shift.activity_id)
                .join(m.Organisation, m.Organisation.id == m.Activity.organisation_id)
                .where(m.Shift.orphaned.is_(True), m.Shift.deleted.is_(False))
            )
            if group_uuid:
                stmt = stmt.where(m.Organisation.uuid == group_uuid)
            rows = session.scalars(stmt.order_by(m.Shift.starts_at, m.Shift.id))
            return [shift_record(session, row) for row in rows]

    def preview(
        self, data: ActivityData, *, date_from: dt.date | None = None, count: int = 10
    ) -> DatePreview:
        """The next `count` dates the pattern gives from `date_from` (for the form, unsaved)."""
        rule, errors = clean_recurrence(data.recurrence, data.start_date, data.end_date)
        if errors:
            raise ValidationError(errors)
        first = max(date_from or data.start_date, data.start_date)
        window_to = first + dt.timedelta(days=max(count, 1) * 31 * max(rule.interval, 1))
        found = occurrences(
            rule=rule.to_rrule(),
            start=data.start_date,
            end=data.end_date,
            window_from=first,
            window_to=window_to,
            skip_bank_holidays=data.skip_bank_holidays,
        )[:count]
        last = found[-1].day if found else window_to
        skipped = skipped_bank_holidays(
            rule=rule.to_rrule(),
            start=data.start_date,
            end=data.end_date,
            window_from=first,
            window_to=last,
        )
        return DatePreview(
            dates=tuple(found),
            skipped_holidays=tuple(skipped) if data.skip_bank_holidays else (),
        )

    def horizon_days(self) -> int:
        with self._read() as session:
            return self._horizon(session)

    # ---- writing ---------------------------------------------------------------------------

    def create(self, data: ActivityData, *, today: dt.date | None = None) -> ActivitySaved:
        """Save a new activity and make its shifts for the planning horizon."""
        with self._unit() as session:
            row = m.Activity()
            values = self._clean(session, data)
            for name, value in values.items():
                setattr(row, name, value)
            self._stamp(row)
            session.add(row)
            session.flush()
            changes = self._sync(session, row, today or dt.date.today())
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.CREATE,
                changes={
                    **{k: (None, v) for k, v in values.items() if v not in (None, "", False)},
                    **_summary(changes),
                },
            )
            return ActivitySaved(activity=self._to_record(session, row), shifts=changes)

    def update(
        self,
        uuid: str,
        data: ActivityData,
        *,
        expected_version: int | None = None,
        today: dt.date | None = None,
    ) -> ActivitySaved:
        """Save a changed activity and bring its shifts into step with it. Shifts on dates the
        new pattern drops are removed, or, when volunteers were on them, kept and reported as
        orphaned; nothing with a booking is deleted."""
        with self._unit() as session:
            row = self._load(session, uuid)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(
                    _(
                        "{name} was changed by someone else since you opened it. Your changes "
                        "were not saved; reopen the record to see theirs."
                    ).format(name=row.title_en)
                )
            values = self._clean(session, data)
            diff = {
                name: (getattr(row, name), value)
                for name, value in values.items()
                if getattr(row, name) != value
            }
            for name, (_old, new) in diff.items():
                setattr(row, name, new)
            if diff:
                self._stamp(row)
                session.flush()
            changes = self._sync(session, row, today or dt.date.today())
            if diff or _summary(changes):
                self._audit(
                    session,
                    record_type=RECORD_TYPE,
                    record_uuid=row.uuid,
                    action=AuditAction.UPDATE,
                    changes={**diff, **_summary(changes)},
                )
            return ActivitySaved(activity=self._to_record(session, row), shifts=changes)

    def delete(self, uuid: str, *, today: dt.date | None = None) -> ActivitySaved:
        """Soft delete. Its future shifts go, except those with volunteers booked: they are
        kept, marked orphaned, and reported, so nobody is left without being told."""
        return self._set_deleted(uuid, deleted=True, today=today)

    def restore(self, uuid: str, *, today: dt.date | None = None) -> ActivitySaved:
        return self._set_deleted(uuid, deleted=False, today=today)

    def cancel_date(
        self, uuid: str, day: dt.date, *, note: str = "", today: dt.date | None = None
    ) -> ActivitySaved:
        """Cancel one date: its shift stays, marked cancelled, with its bookings, so rosters
        and volunteers' schedules say so."""
        return self._exception(uuid, day, add=CANCELLED, drop=None, note=note, today=today)

    def reinstate_date(
        self, uuid: str, day: dt.date, *, today: dt.date | None = None
    ) -> ActivitySaved:
        """Undo a cancellation."""
        return self._exception(uuid, day, add=None, drop=CANCELLED, note="", today=today)

    def add_date(
        self, uuid: str, day: dt.date, *, note: str = "", today: dt.date | None = None
    ) -> ActivitySaved:
        """An extra date outside the pattern (bank holidays are not skipped for it)."""
        return self._exception(uuid, day, add=EXTRA, drop=CANCELLED, note=note, today=today)

    def remove_date(
        self, uuid: str, day: dt.date, *, today: dt.date | None = None
    ) -> ActivitySaved:
        """Take an extra date away again."""
        return self._exception(uuid, day, add=None, drop=EXTRA, note="", today=today)

    def settle_orphan(
        self, shift_uuid: str, *, keep: bool, today: dt.date | None = None
    ) -> ShiftRecord:
        """The coordinator's decision on an orphaned shift: keep it (it becomes an extra date)
        or cancel it (it stays, cancelled, so the booked volunteers' schedules say so)."""
        with self._unit() as session:
            row = session.scalar(select(m.Shift).where(m.Shift.uuid == shift_uuid))
            if row is None or row.deleted:
                raise NotFoundError(_("No shift has the id “{key}”.").format(key=shift_uuid))
            if not row.orphaned:
                return shift_record(session, row)
            activity = row.activity
            day = row.starts_at.date()
            if keep:
                if activity.deleted:
                    raise ValidationError(
                        [
                            FieldError(
                                "shift",
                                _(
                                    "{activity} was deleted, so its shifts cannot be kept. "
                                    "Restore the activity first, or cancel the shift."
                                ).format(activity=activity.title_en),
                            )
                        ]
                    )
                self._set_exception(session, activity, day, add=EXTRA, drop=CANCELLED, note="")
            else:
                # Kept on the calendar as a cancelled extra date, so it is never flagged again.
                self._set_exception(session, activity, day, add=EXTRA, drop=None, note="")
                self._set_exception(session, activity, day, add=CANCELLED, drop=None, note="")
                row.cancelled = True
            row.orphaned = False
            self._stamp(row)
            session.flush()
            if not activity.deleted:
                self._sync(session, activity, today or dt.date.today())
            self._audit(
                session,
                record_type="shift",
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes={"orphaned": (True, False), "kept" if keep else "cancelled": (False, True)},
            )
            return shift_record(session, row)

    def extend_horizon(
        self,
        *,
        today: dt.date | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ShiftChanges:
        """Make the shifts every live activity needs up to the horizon, in one transaction
        (run when the app starts and each day after). Running it twice changes nothing."""
        day = today or dt.date.today()
        total = ShiftChanges()
        with self._unit() as session:
            rows = list(
                session.scalars(
                    select(m.Activity).where(m.Activity.deleted.is_(False)).order_by(m.Activity.id)
                )
            )
            for done, row in enumerate(rows, start=1):
                if cancel is not None and cancel():
                    raise Cancelled()
                total = total + self._sync(session, row, day)
                if progress is not None:
                    progress(done, len(rows))
        return total

    def set_horizon_days(self, days: int) -> int:
        problem = horizon_problem(days)
        if problem is not None:
            raise ValidationError([problem])
        with self._unit() as session:
            session.merge(m.Setting(key=SETTING_HORIZON_DAYS, value=str(days)))
        return days

    # ---- helpers ---------------------------------------------------------------------------

    def _set_deleted(self, uuid: str, *, deleted: bool, today: dt.date | None) -> ActivitySaved:
        with self._unit() as session:
            row = self._load(session, uuid, include_deleted=True)
            if row.deleted == deleted:
                return ActivitySaved(activity=self._to_record(session, row), shifts=ShiftChanges())
            row.deleted = deleted
            self._stamp(row)
            session.flush()
            changes = self._sync(session, row, today or dt.date.today())
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.DELETE if deleted else AuditAction.RESTORE,
                changes={"deleted": (not deleted, deleted), **_summary(changes)},
            )
            return ActivitySaved(activity=self._to_record(session, row), shifts=changes)

    def _exception(
        self,
        uuid: str,
        day: dt.date,
        *,
        add: str | None,
        drop: str | None,
        note: str,
        today: dt.date | None,
    ) -> ActivitySaved:
        now = today or dt.date.today()
        if day < now:
            raise ValidationError(
                [
                    FieldError(
                        "date",
                        _("{date} has passed; choose today or a later date.").format(
                            date=format_date(day)
                        ),
                    )
                ]
            )
        with self._unit() as session:
            row = self._load(session, uuid)
            if self._set_exception(session, row, day, add=add, drop=drop, note=note):
                self._stamp(row)
            session.flush()
            changes = self._sync(session, row, now)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes={
                    "exception": (
                        drop and f"{drop} {day.isoformat()}",
                        add and f"{add} {day.isoformat()}",
                    ),
                    **_summary(changes),
                },
            )
            return ActivitySaved(activity=self._to_record(session, row), shifts=changes)

    @staticmethod
    def _set_exception(
        session: Session,
        row: m.Activity,
        day: dt.date,
        *,
        add: str | None,
        drop: str | None,
        note: str,
    ) -> bool:
        existing = list(
            session.scalars(
                select(m.ActivityException).where(
                    m.ActivityException.activity_id == row.id, m.ActivityException.on_date == day
                )
            )
        )
        changed = False
        for exception in existing:
            if exception.kind == drop:
                session.delete(exception)
                changed = True
        if add is not None and not any(e.kind == add for e in existing):
            session.add(
                m.ActivityException(activity_id=row.id, on_date=day, kind=add, note=note.strip())
            )
            changed = True
        session.flush()
        return changed

    def _sync(self, session: Session, activity: m.Activity, today: dt.date) -> ShiftChanges:
        """Bring an activity's shifts from today on into step with its pattern and exceptions."""
        horizon_end = today + dt.timedelta(days=self._horizon(session))
        lo = dt.datetime.combine(today, dt.time())
        existing = list(
            session.scalars(
                select(m.Shift)
                .where(
                    m.Shift.activity_id == activity.id,
                    m.Shift.deleted.is_(False),
                    m.Shift.starts_at >= lo,
                )
                .order_by(m.Shift.starts_at, m.Shift.id)
            )
        )
        by_day: dict[dt.date, list[m.Shift]] = defaultdict(list)
        for shift in existing:
            by_day[shift.starts_at.date()].append(shift)
        # Shifts made earlier under a longer horizon are judged too, not left behind.
        window_to = max([horizon_end, *by_day])
        wanted: list[Occurrence] = []
        if not activity.deleted:
            cancelled: set[dt.date] = set()
            extra: set[dt.date] = set()
            for kind, on_date in session.execute(
                select(m.ActivityException.kind, m.ActivityException.on_date).where(
                    m.ActivityException.activity_id == activity.id
                )
            ):
                (cancelled if kind == CANCELLED else extra if kind == EXTRA else set()).add(on_date)
            wanted = occurrences(
                rule=activity.rrule,
                start=activity.start_date,
                end=activity.end_date,
                window_from=today,
                window_to=window_to,
                cancelled=cancelled,
                extra=extra,
                skip_bank_holidays=activity.skip_bank_holidays,
            )
        added: list[m.Shift] = []
        counts: dict[str, int] = defaultdict(int)
        for occurrence in wanted:
            rows = by_day.pop(occurrence.day, [])
            starts_at, ends_at = shift_times(occurrence.day, activity.start_time, activity.end_time)
            if rows:
                row, duplicates = rows[0], rows[1:]
                if duplicates:
                    by_day[occurrence.day] = duplicates
                changed = False
                if (row.starts_at, row.ends_at) != (starts_at, ends_at):
                    row.starts_at, row.ends_at = starts_at, ends_at
                    counts["retimed"] += 1
                    changed = True
                if row.cancelled != occurrence.cancelled:
                    row.cancelled = occurrence.cancelled
                    counts["cancelled" if occurrence.cancelled else "reinstated"] += 1
                    changed = True
                if row.orphaned:
                    row.orphaned = False
                    changed = True
                if changed:
                    self._stamp(row)
            elif occurrence.day <= horizon_end:
                row = m.Shift(
                    activity_id=activity.id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    cancelled=occurrence.cancelled,
                )
                self._stamp(row)
                session.add(row)
                added.append(row)
        leftover = [row for rows in by_day.values() for row in rows]
        kept = self._booked(session, [row.id for row in leftover])
        orphaned: list[m.Shift] = []
        for row in leftover:
            if row.id in kept:
                if not row.orphaned:
                    row.orphaned = True
                    self._stamp(row)
                    orphaned.append(row)
            else:
                row.deleted = True
                self._stamp(row)
                counts["removed"] += 1
        session.flush()
        booked, skipped = book_regulars(session, activity, added, self._stamp)
        for row in orphaned:
            self._audit(
                session,
                record_type="shift",
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes={"orphaned": (False, True)},
            )
        return ShiftChanges(
            added=len(added),
            removed=counts["removed"],
            retimed=counts["retimed"],
            cancelled=counts["cancelled"],
            reinstated=counts["reinstated"],
            orphaned=tuple(shift_record(session, row) for row in orphaned),
            regulars_booked=booked,
            regulars_skipped=tuple(skipped),
        )

    @staticmethod
    def _booked(session: Session, shift_ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(shift_ids), 500):
            found.update(
                session.scalars(
                    select(m.Assignment.shift_id).where(
                        m.Assignment.shift_id.in_(shift_ids[start : start + 500]),
                        m.Assignment.deleted.is_(False),
                        m.Assignment.status.in_(_KEEPING),
                    )
                )
            )
        return found

    @staticmethod
    def _horizon(session: Session) -> int:
        value = session.scalar(select(m.Setting.value).where(m.Setting.key == SETTING_HORIZON_DAYS))
        try:
            days = int(value) if value is not None else DEFAULT_HORIZON_DAYS
        except ValueError:
            days = DEFAULT_HORIZON_DAYS
        return min(max(days, 7), MAX_HORIZON_DAYS)

    def _clean(self, session: Session, data: ActivityData) -> dict[str, Any]:
        """The columns to store, or ValidationError naming every field that was refused."""
        errors: list[FieldError] = []
        values: dict[str, Any] = {}

        def attempt(name: str, action: Any) -> Any:
            try:
                return action()
            except InvalidValue as exc:
                errors.append(exc.error)
            except NotFoundError as exc:
                errors.append(FieldError(name, exc.message))
            return None

        organisation = session.scalar(
            select(m.Organisation).where(
                m.Organisation.uuid == data.group_uuid, m.Organisation.deleted.is_(False)
            )
        )
        if organisation is None:
            errors.append(
                FieldError(
                    "group_uuid",
                    _("No group has the name or id “{key}”.").format(key=data.group_uuid),
                )
            )
        else:
            values["organisation_id"] = organisation.id
        values["title_en"] = attempt(
            "title_en",
            lambda: require_text(data.title_en, field="title_en", label=_("Title in English")),
        )
        values["title_cy"] = (data.title_cy or "").strip()[:200]
        service = (
            attempt("service", lambda: service_type_by_code(session, data.service))
            if data.service.strip()
            else None
        )
        values["service_type_id"] = service.id if service is not None else None
        area = (
            attempt("area", lambda: ensure_area(session, self._db, data.area))
            if data.area.strip()
            else None
        )
        values["area_id"] = area.id if area is not None else None
        values["place"] = data.place.strip()[:400]
        values["postcode"] = (
            attempt("postcode", lambda: normalise_postcode(data.postcode)) or ""
            if data.postcode.strip()
            else ""
        )
        rule, rule_errors = clean_recurrence(data.recurrence, data.start_date, data.end_date)
        errors.extend(rule_errors)
        values["rrule"] = rule.to_rrule()
        values["start_date"] = data.start_date
        values["end_date"] = data.end_date if rule.repeats else None
        if data.start_time == data.end_time:
            errors.append(
                FieldError("end_time", _("The shift must end at a different time from its start."))
            )
        values["start_time"] = data.start_time
        values["end_time"] = data.end_time
        if not 1 <= data.volunteers_needed <= MAX_VOLUNTEERS_NEEDED:
            errors.append(
                FieldError(
                    "volunteers_needed",
                    _("Ask for 1 to {most} volunteers (it was {n}).").format(
                        most=MAX_VOLUNTEERS_NEEDED, n=data.volunteers_needed
                    ),
                )
            )
        values["volunteers_needed"] = data.volunteers_needed
        values["dbs_level_required"] = DbsLevel(data.dbs_level_required).value
        values["welsh_required"] = bool(data.welsh_required)
        values["skip_bank_holidays"] = bool(data.skip_bank_holidays)
        skills = sorted({code.strip() for code in data.skills_required if code.strip()})
        known = set(session.scalars(select(m.Skill.code)))
        unknown = [code for code in skills if code not in known]
        if unknown:
            errors.append(
                FieldError(
                    "skills_required",
                    _("Unknown skills: {skills}. Known skills: {known}.").format(
                        skills=", ".join(unknown), known=", ".join(sorted(known))
                    ),
                )
            )
        values["skills_required"] = " ".join(skills)
        values["notes"] = data.notes.strip()
        if errors:
            raise ValidationError(errors)
        return values

    def _to_record(self, session: Session, row: m.Activity) -> ActivityRecord:
        lang = current_language()
        organisation = row.organisation
        exceptions = list(
            session.execute(
                select(m.ActivityException.kind, m.ActivityException.on_date)
                .where(m.ActivityException.activity_id == row.id)
                .order_by(m.ActivityException.on_date)
            )
        )
        recurrence = Recurrence.from_rrule(row.rrule)
        return ActivityRecord(
            group_uuid=organisation.uuid,
            group_name=(
                organisation.name_cy
                if lang == "cy" and organisation.name_cy
                else organisation.name_en
            ),
            title_en=row.title_en,
            title_cy=row.title_cy,
            service=row.service_type.code if row.service_type is not None else "",
            area=row.area.code if row.area is not None else "",
            place=row.place,
            postcode=row.postcode,
            recurrence=recurrence,
            start_date=row.start_date,
            end_date=row.end_date,
            start_time=row.start_time,
            end_time=row.end_time,
            volunteers_needed=row.volunteers_needed,
            dbs_level_required=DbsLevel(row.dbs_level_required),
            welsh_required=row.welsh_required,
            skip_bank_holidays=row.skip_bank_holidays,
            skills_required=tuple((row.skills_required or "").split()),
            notes=row.notes,
            uuid=row.uuid,
            origin=row.origin,
            changed_at=row.changed_at,
            deleted=row.deleted,
            version=row.version,
            cancelled_dates=tuple(d for kind, d in exceptions if kind == CANCELLED),
            extra_dates=tuple(d for kind, d in exceptions if kind == EXTRA),
        )

    @staticmethod
    def _load(session: Session, uuid: str, *, include_deleted: bool = False) -> m.Activity:
        row = session.scalar(select(m.Activity).where(m.Activity.uuid == uuid))
        if row is None or (row.deleted and not include_deleted):
            raise NotFoundError(_("No activity has the id “{key}”.").format(key=uuid))
        return row


def _summary(changes: ShiftChanges) -> dict[str, tuple[Any, Any]]:
    """The shift counts worth keeping in the audit trail."""
    counts = {
        "shifts_added": changes.added,
        "shifts_removed": changes.removed,
        "shifts_retimed": changes.retimed,
        "shifts_cancelled": changes.cancelled,
        "shifts_reinstated": changes.reinstated,
        "shifts_orphaned": len(changes.orphaned),
        "regulars_booked": changes.regulars_booked,
        "regulars_skipped": len(changes.regulars_skipped),
    }
    return {name: (None, value) for name, value in counts.items() if value}


__all__ = [
    "ActivityData",
    "ActivityRecord",
    "ActivitySaved",
    "ActivityService",
    "DatePreview",
    "ShiftChanges",
]
