"""Printing for volunteers: the data behind the weekly roster, the sign-in sheet and a
volunteer's schedule, the PDFs and calendar file made from it, and the CVC's letterhead."""

from __future__ import annotations

import builtins
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.domain.errors import CvcError, FieldError, NotFoundError, ValidationError
from cvcdesk.domain.validation import InvalidValue, display_phone, postcode_area_code
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import _, current_language, format_date
from cvcdesk.reports.calendar import render_calendar
from cvcdesk.reports.common import check_logo
from cvcdesk.reports.data import (
    Bilingual,
    Letterhead,
    PrintOptions,
    RenderedPdf,
    RosterDocument,
    RosterPerson,
    RosterShift,
    ScheduleDocument,
    ScheduleItem,
    SigninDocument,
)
from cvcdesk.reports.roster import render_roster
from cvcdesk.reports.schedule import render_schedule
from cvcdesk.reports.signin import render_signin
from cvcdesk.services.base import AnySelect, ServiceBase
from cvcdesk.services.overlaps import _load_areas, _pc_contains
from cvcdesk.services.rosters import (
    SETTING_CVC_NAME_CY,
    SETTING_CVC_NAME_EN,
    SETTING_LOGO,
    display_name,
    load_activity,
    load_volunteer,
    monday_of,
)
from cvcdesk.store import models as m

WALK_IN_ROWS = 8
_ON_ROSTER = (
    AssignmentStatus.CONFIRMED.value,
    AssignmentStatus.TENTATIVE.value,
    AssignmentStatus.ATTENDED.value,
    AssignmentStatus.NO_SHOW.value,
)
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class PrintSettings:
    cvc_name_en: str = ""
    cvc_name_cy: str = ""
    logo: str = ""  # path to a PNG or JPEG, or ""


class RosterPrintService(ServiceBase):
    def print_settings(self) -> PrintSettings:
        with self._read() as session:
            return self._settings(session)

    def set_print_settings(self, settings: PrintSettings) -> PrintSettings:
        """The CVC's name (English and Welsh) and logo printed at the top of every page."""
        logo = settings.logo.strip()
        if logo and not check_logo(logo):
            raise ValidationError(
                [
                    FieldError(
                        "logo",
                        _("The logo “{path}” cannot be read. Choose a PNG or JPEG image.").format(
                            path=logo
                        ),
                    )
                ]
            )
        clean = PrintSettings(
            cvc_name_en=settings.cvc_name_en.strip(),
            cvc_name_cy=settings.cvc_name_cy.strip(),
            logo=logo,
        )
        with self._unit() as session:
            for key, value in (
                (SETTING_CVC_NAME_EN, clean.cvc_name_en),
                (SETTING_CVC_NAME_CY, clean.cvc_name_cy),
                (SETTING_LOGO, clean.logo),
            ):
                session.merge(m.Setting(key=key, value=value))
        return clean

    def roster_document(
        self,
        *,
        week: dt.date,
        group: str | None = None,
        area: str | None = None,
        today: dt.date | None = None,
    ) -> RosterDocument:
        """The week (Monday to Sunday) holding `week`, for a group (uuid) or an area (code)."""
        if (group is None) == (area is None):
            raise ValidationError(
                [FieldError("group", _("Choose either a group or an area for the roster."))]
            )
        start = monday_of(week)
        lo = dt.datetime.combine(start, dt.time())
        hi = lo + dt.timedelta(days=7)
        with self._read() as session:
            stmt = (
                select(m.Shift, m.Activity, m.Organisation)
                .join(m.Activity, m.Activity.id == m.Shift.activity_id)
                .join(m.Organisation, m.Organisation.id == m.Activity.organisation_id)
                .where(
                    m.Shift.deleted.is_(False),
                    m.Activity.deleted.is_(False),
                    m.Shift.starts_at >= lo,
                    m.Shift.starts_at < hi,
                )
            )
            if group is not None:
                organisation = self._load_group(session, group)
                subject = Bilingual(organisation.name_en, organisation.name_cy)
                stmt = stmt.where(m.Activity.organisation_id == organisation.id)
                rows = [(shift, act, org) for shift, act, org in session.execute(stmt)]
            else:
                assert area is not None
                subject, rows = self._in_area(session, stmt, area)
            people = self._people_on(session, [shift.id for shift, _a, _o in rows])
            shifts = tuple(
                RosterShift(
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                    activity=Bilingual(activity.title_en, activity.title_cy),
                    group=Bilingual(organisation.name_en, organisation.name_cy),
                    place=", ".join(p for p in (activity.place, activity.postcode) if p),
                    needed=activity.volunteers_needed,
                    cancelled=shift.cancelled,
                    orphaned=shift.orphaned,
                    people=tuple(people.get(shift.id, ())),
                )
                for shift, activity, organisation in sorted(
                    rows, key=lambda r: (r[0].starts_at, r[1].title_en, r[0].id)
                )
            )
            return RosterDocument(
                letterhead=self._letterhead(session, today),
                subject=subject,
                week_start=start,
                shifts=shifts,
            )

    def signin_document(
        self,
        *,
        activity_uuid: str,
        day: dt.date,
        walk_in_rows: int = WALK_IN_ROWS,
        today: dt.date | None = None,
    ) -> SigninDocument:
        with self._read() as session:
            activity = load_activity(session, activity_uuid)
            lo = dt.datetime.combine(day, dt.time())
            shift = session.scalar(
                select(m.Shift)
                .where(
                    m.Shift.activity_id == activity.id,
                    m.Shift.deleted.is_(False),
                    m.Shift.starts_at >= lo,
                    m.Shift.starts_at < lo + _ONE_DAY,
                )
                .order_by(m.Shift.cancelled, m.Shift.starts_at)
                .limit(1)
            )
            if shift is None:
                raise NotFoundError(
                    _("{activity} has no shift on {date}.").format(
                        activity=Bilingual(activity.title_en, activity.title_cy).get(
                            current_language()
                        ),
                        date=format_date(day, "full"),
                    )
                )
            organisation = activity.organisation
            people = self._people_on(session, [shift.id]).get(shift.id, [])
            return SigninDocument(
                letterhead=self._letterhead(session, today),
                activity=Bilingual(activity.title_en, activity.title_cy),
                group=Bilingual(organisation.name_en, organisation.name_cy),
                place=", ".join(p for p in (activity.place, activity.postcode) if p),
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                people=tuple(people),
                walk_in_rows=max(0, min(walk_in_rows, 60)),
                cancelled=shift.cancelled,
            )

    def schedule_document(
        self,
        *,
        volunteer_uuid: str,
        date_from: dt.date,
        date_to: dt.date,
        today: dt.date | None = None,
    ) -> ScheduleDocument:
        """A volunteer's bookings (not declined ones) from `date_from` to `date_to`."""
        if date_to < date_from:
            raise ValidationError(
                [
                    FieldError(
                        "date_to",
                        _("The last date ({end}) is before the first ({start}).").format(
                            end=format_date(date_to), start=format_date(date_from)
                        ),
                    )
                ]
            )
        with self._read() as session:
            volunteer = load_volunteer(session, volunteer_uuid)
            rows = session.execute(
                select(m.Assignment, m.Shift, m.Activity, m.Organisation)
                .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
                .join(m.Activity, m.Activity.id == m.Shift.activity_id)
                .join(m.Organisation, m.Organisation.id == m.Activity.organisation_id)
                .where(
                    m.Assignment.volunteer_id == volunteer.id,
                    m.Assignment.deleted.is_(False),
                    m.Assignment.status != AssignmentStatus.DECLINED.value,
                    m.Shift.deleted.is_(False),
                    m.Activity.deleted.is_(False),
                    m.Shift.starts_at >= dt.datetime.combine(date_from, dt.time()),
                    m.Shift.starts_at < dt.datetime.combine(date_to, dt.time()) + _ONE_DAY,
                )
                .order_by(m.Shift.starts_at, m.Assignment.id)
            )
            items = tuple(
                ScheduleItem(
                    uid=assignment.uuid,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                    activity=Bilingual(activity.title_en, activity.title_cy),
                    group=Bilingual(organisation.name_en, organisation.name_cy),
                    place=activity.place,
                    postcode=activity.postcode,
                    status=AssignmentStatus(assignment.status),
                    cancelled=shift.cancelled or shift.orphaned,
                    contact_phone=display_phone(organisation.phone) if organisation.phone else "",
                )
                for assignment, shift, activity, organisation in rows
            )
            return ScheduleDocument(
                letterhead=self._letterhead(session, today),
                volunteer_name=display_name(
                    volunteer.first_name, volunteer.last_name, volunteer.known_as
                ),
                reference=volunteer.reference or "",
                date_from=date_from,
                date_to=date_to,
                items=items,
            )

    def roster_pdf(
        self,
        *,
        week: dt.date,
        options: PrintOptions,
        group: str | None = None,
        area: str | None = None,
        today: dt.date | None = None,
    ) -> RenderedPdf:
        """The weekly roster as PDF bytes, for a preview, the printer or a file."""
        document = self.roster_document(week=week, group=group, area=area, today=today)
        return render_roster(document, options)

    def signin_pdf(
        self,
        *,
        activity_uuid: str,
        day: dt.date,
        options: PrintOptions,
        walk_in_rows: int = WALK_IN_ROWS,
        today: dt.date | None = None,
    ) -> RenderedPdf:
        document = self.signin_document(
            activity_uuid=activity_uuid, day=day, walk_in_rows=walk_in_rows, today=today
        )
        return render_signin(document, options)

    def schedule_pdf(
        self,
        *,
        volunteer_uuid: str,
        date_from: dt.date,
        date_to: dt.date,
        options: PrintOptions,
        today: dt.date | None = None,
    ) -> RenderedPdf:
        document = self.schedule_document(
            volunteer_uuid=volunteer_uuid, date_from=date_from, date_to=date_to, today=today
        )
        return render_schedule(document, options)

    def schedule_ics(
        self,
        *,
        volunteer_uuid: str,
        date_from: dt.date,
        date_to: dt.date,
        language: str | None = None,
        today: dt.date | None = None,
    ) -> bytes:
        """The volunteer's shifts as an iCalendar file (one event per booking)."""
        document = self.schedule_document(
            volunteer_uuid=volunteer_uuid, date_from=date_from, date_to=date_to, today=today
        )
        return render_calendar(document, language or current_language())

    @staticmethod
    def save(path: Path, data: bytes | RenderedPdf) -> Path:
        """Write a rendered document to `path` (through a temporary file, then renamed)."""
        content = data.data if isinstance(data, RenderedPdf) else data
        target = path.expanduser().absolute()
        try:
            with atomic_write(target, "wb") as handle:
                handle.write(content)  # type: ignore[arg-type]
        except OSError as exc:
            raise CvcError(
                _("Could not write {path}: {problem}").format(path=target, problem=exc.strerror)
            ) from exc
        return target

    def _people_on(
        self, session: Session, shift_ids: Sequence[int]
    ) -> dict[int, list[RosterPerson]]:
        """Who is on each shift (not declined), by name; phones only for those who agreed."""
        found: dict[int, list[tuple[str, RosterPerson]]] = defaultdict(list)
        sort_col = (
            m.Volunteer.sort_key_cy if current_language() == "cy" else m.Volunteer.sort_key_en
        )
        for start in range(0, len(shift_ids), 500):
            rows = session.execute(
                select(
                    m.Assignment.shift_id,
                    m.Assignment.status,
                    m.Assignment.notes,
                    m.Volunteer.first_name,
                    m.Volunteer.last_name,
                    m.Volunteer.known_as,
                    m.Volunteer.phone,
                    m.Volunteer.consent_share,
                    sort_col,
                )
                .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
                .where(
                    m.Assignment.shift_id.in_(shift_ids[start : start + 500]),
                    m.Assignment.deleted.is_(False),
                    m.Assignment.status.in_(_ON_ROSTER),
                    m.Volunteer.deleted.is_(False),
                )
            )
            for shift_id, status, notes, first, last, known, phone, consent, key in rows:
                person = RosterPerson(
                    name=display_name(first, last, known),
                    phone=display_phone(phone) if consent and phone else None,
                    status=AssignmentStatus(status),
                    notes=notes or "",
                )
                found[shift_id].append((key or "", person))
        return {
            shift_id: [p for _key, p in sorted(people, key=lambda kp: (kp[0], kp[1].name))]
            for shift_id, people in found.items()
        }

    def _in_area(
        self, session: Session, stmt: AnySelect, area: str
    ) -> tuple[Bilingual, builtins.list[tuple[m.Shift, m.Activity, m.Organisation]]]:
        try:
            code = postcode_area_code(area)
        except InvalidValue:
            code = area.strip()
        row = session.scalar(select(m.Area).where(m.Area.code == code))
        areas = _load_areas(session)
        wanted: set[int] = set()
        postcodes: set[str] = set()
        if row is not None:
            wanted = {a.id for a in areas.values() if row.id in a.ancestors}
            postcodes = set(areas[row.id].postcodes)
            subject = Bilingual(row.name_en or row.code, row.name_cy)
        else:
            try:
                postcodes = {postcode_area_code(area)}
            except InvalidValue:
                raise NotFoundError(
                    _(
                        "There is no area “{code}”. Use a postcode district such as SA61, a "
                        "sector such as SA61 1, or the code of a community you have added."
                    ).format(code=area)
                ) from None
            subject = Bilingual(code, code)
        found = []
        for shift, activity, organisation in session.execute(stmt):
            inside = activity.area_id in wanted or any(
                activity.postcode and _pc_contains(p, activity.postcode) for p in postcodes
            )
            if not inside and activity.area_id is not None and activity.area_id in areas:
                inside = any(
                    _pc_contains(p, q) for p in postcodes for q in areas[activity.area_id].postcodes
                )
            if inside:
                found.append((shift, activity, organisation))
        return subject, found

    def _letterhead(self, session: Session, today: dt.date | None) -> Letterhead:
        settings = self._settings(session)
        name = Bilingual(settings.cvc_name_en, settings.cvc_name_cy)
        if not (name.en or name.cy):
            own = session.scalar(select(m.Instance.organisation_uuid))
            organisation = (
                session.scalar(select(m.Organisation).where(m.Organisation.uuid == own))
                if own
                else None
            )
            if organisation is not None:
                name = Bilingual(organisation.name_en, organisation.name_cy)
        logo = Path(settings.logo) if settings.logo else None
        return Letterhead(name=name, logo=logo, printed_on=today or dt.date.today())

    @staticmethod
    def _settings(session: Session) -> PrintSettings:
        values = {
            key: value
            for key, value in session.execute(
                select(m.Setting.key, m.Setting.value).where(m.Setting.key.like("print.%"))
            )
        }
        return PrintSettings(
            cvc_name_en=values.get(SETTING_CVC_NAME_EN, ""),
            cvc_name_cy=values.get(SETTING_CVC_NAME_CY, ""),
            logo=values.get(SETTING_LOGO, ""),
        )

    @staticmethod
    def _load_group(session: Session, uuid: str) -> m.Organisation:
        row = session.scalar(select(m.Organisation).where(m.Organisation.uuid == uuid))
        if row is None or row.deleted:
            raise NotFoundError(_("No group has the name or id “{key}”.").format(key=uuid))
        return row
