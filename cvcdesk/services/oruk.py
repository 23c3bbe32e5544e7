"""Open Referral UK (ORUK 3.0, the UK profile of HSDS 3.0): groups and what they offer, as JSON.

The file holds two lists: ``organizations`` (ORUK organization objects) and ``services`` (ORUK
service objects, each with its ``schedules`` and ``service_areas``). One service is published for
each group and kind of service it offers (in its coverage, or in a repeating activity of that
service). Each coverage line becomes one weekly schedule (its days and times) and its area one
service area; each repeating activity becomes a schedule too, since its rule says exactly when
the work happens (fortnightly, "the first Tuesday of the month", ...), unless a coverage line
already gives the same pattern and times. Identifiers are UUIDs derived from the records' own, so
exporting again gives the same ids and a directory can update rather than duplicate.

Phone numbers: the ORUK 3.0 UK profile removes ``phones`` from services, organizations,
contacts and locations (its profile files set them to null), so there is no field for one. A
group's own phone number is written where ORUK does have room: in the organization's and the
service's description ("Phone: 01437 123456."), and as a ``tel:`` URI for a service's required
``url`` when the group has neither a website nor an e-mail address.

Only what a public directory should show is written: no volunteer, no contact person's name,
and nothing of an activity but its pattern, times and area (its title, place and notes may name
a household or a person). Group e-mail addresses, phone numbers and websites are the groups' own
published contacts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid as uuid_module
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cvcdesk.domain.clock import Timestamp
from cvcdesk.domain.enums import OrganisationKind, Weekdays
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.recurrence import LAST, Frequency, Recurrence
from cvcdesk.domain.validation import display_phone
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import _, use_language
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m

ORUK_VERSION = "3.0"
# Namespace for the ids derived from cvcdesk's own uuids (a fixed, random UUID).
_NAMESPACE = uuid_module.UUID("5f0d8a52-3f43-4a7c-9d0e-7c1f3b9a2e61")
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", re.IGNORECASE)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class OrukSummary:
    path: Path
    organizations: int
    services: int
    service_areas: int
    schedules: int


def derived_id(*parts: str) -> str:
    """A stable UUID for something cvcdesk has no uuid of its own for (a group's service)."""
    return str(uuid_module.uuid5(_NAMESPACE, "/".join(parts)))


def _website(value: str) -> str:
    """A URI for a website as typed ("www.example.org" -> "https://www.example.org"), or ""."""
    text = (value or "").strip()
    if not text or " " in text:
        return ""
    if _SCHEME.match(text):
        return text if text.lower().startswith(("http://", "https://")) else ""
    return f"https://{text}" if _HOST.match(text) else ""


def _modified(stamps: list[str]) -> str | None:
    """The latest hybrid-clock stamp as an ISO 8601 UTC date-time with milliseconds."""
    walls = []
    for stamp in stamps:
        try:
            walls.append(Timestamp.decode(stamp).wall_ms)
        except ValueError:
            continue
    if not walls:
        return None
    moment = dt.datetime.fromtimestamp(max(walls) / 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _phone_text(phone: str) -> str:
    """ "Phone: 01437 123456." for a group's number as stored, or "" when there is none."""
    number = (phone or "").strip()
    if not number:
        return ""
    return f"Phone: {display_phone(number)}."


def _rule_fields(rule: Recurrence) -> dict[str, Any]:
    """ORUK's freq, interval, byday and bymonthday for a rule; {} where ORUK has no words for it
    (every few days, a partner's custom rule): the schedule's description says it instead."""
    if rule.custom or rule.frequency is Frequency.ONCE:
        return {}
    if rule.frequency is Frequency.DAILY:
        if rule.interval != 1:
            return {}
        return {"freq": "WEEKLY", "interval": 1, "byday": ",".join(_BYDAY)}
    fields: dict[str, Any] = {"freq": rule.frequency.value.upper(), "interval": rule.interval}
    if rule.frequency is Frequency.WEEKLY:
        if not rule.weekdays:
            return {}
        fields["byday"] = ",".join(_BYDAY[d] for d in sorted(set(rule.weekdays)))
    elif rule.week_of_month is not None and rule.weekdays:
        fields["byday"] = f"{rule.week_of_month}{_BYDAY[rule.weekdays[0]]}"
    elif rule.month_day is not None:
        # "The 31st" means the month's last day whatever its length: -1 in RFC 5545.
        day = LAST if rule.month_day >= 31 else rule.month_day
        fields["bymonthday"] = str(day)
    else:
        return {}
    return fields


def _pattern_key(schedule: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        schedule.get(name)
        for name in ("freq", "interval", "byday", "bymonthday", "opens_at", "closes_at")
    )


def _days_text(days: Weekdays) -> str:
    indexes = days.indexes()
    if len(indexes) == 7:
        return "Every day"
    if indexes == [0, 1, 2, 3, 4]:
        return "Weekdays"
    names = [_DAY_NAMES[i] for i in indexes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class OpenReferralService(ServiceBase):
    def document(self, *, today: dt.date | None = None) -> dict[str, Any]:
        """The whole export as a JSON-ready dict (see the module's notes)."""
        today = today or dt.date.today()
        with self._read() as session, use_language("en"):
            groups = list(
                session.scalars(
                    select(m.Organisation)
                    .where(m.Organisation.deleted.is_(False))
                    .options(
                        selectinload(m.Organisation.coverage).selectinload(m.Coverage.service_type),
                        selectinload(m.Organisation.coverage).selectinload(m.Coverage.area),
                    )
                    .order_by(m.Organisation.sort_key_en, m.Organisation.id)
                )
            )
            activities: dict[int, list[m.Activity]] = {}
            for activity in session.scalars(
                select(m.Activity)
                .where(
                    m.Activity.deleted.is_(False),
                    m.Activity.service_type_id.is_not(None),
                    m.Activity.rrule != "",
                )
                .options(selectinload(m.Activity.service_type), selectinload(m.Activity.area))
                .order_by(m.Activity.start_date, m.Activity.id)
            ):
                activities.setdefault(activity.organisation_id, []).append(activity)
            organizations = [self._organization(g) for g in groups]
            services = [
                s for g in groups for s in self._services(g, activities.get(g.id, []), today)
            ]
        return {
            "oruk_version": ORUK_VERSION,
            "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "organizations": organizations,
            "services": services,
        }

    def export(self, path: Path, *, today: dt.date | None = None) -> OrukSummary:
        """Write the export to a .json file (to a temporary name, then renamed)."""
        path = Path(path)
        if path.suffix.lower() != ".json":
            raise CvcError(
                _("“{path}”: write the Open Referral export to a file ending in .json.").format(
                    path=path
                )
            )
        document = self.document(today=today)
        try:
            with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
                json.dump(document, handle, ensure_ascii=False, indent=2)  # type: ignore[arg-type]
                handle.write("\n")  # type: ignore[call-overload]
        except OSError as exc:
            raise CvcError(
                _("Could not write “{path}”: {reason}").format(path=path, reason=exc.strerror)
            ) from None
        services = document["services"]
        return OrukSummary(
            path=path,
            organizations=len(document["organizations"]),
            services=len(services),
            service_areas=sum(len(s["service_areas"]) for s in services),
            schedules=sum(len(s["schedules"]) for s in services),
        )

    # ---- building --------------------------------------------------------------------------

    @staticmethod
    def _organization(group: m.Organisation) -> dict[str, Any]:
        name = group.name_en or group.name_cy
        kind = OrganisationKind(group.kind).label
        parts = [f"{kind}."]
        if group.name_cy and group.name_cy != name:
            parts.append(f"Welsh name: {group.name_cy}.")
        if group.notes.strip():
            parts.append(group.notes.strip())
        phone = _phone_text(group.phone)
        if phone:
            parts.append(phone)
        org: dict[str, Any] = {"id": group.uuid, "name": name, "description": " ".join(parts)}
        if group.email:
            org["email"] = group.email
        website = _website(group.website)
        if website:
            org["website"] = website
        identifiers = []
        for scheme, label, number in (
            ("GB-CHC", "Charity number", group.charity_number),
            ("GB-COH", "Company number", group.company_number),
        ):
            if number.strip():
                identifiers.append(
                    {
                        "id": derived_id(group.uuid, "identifier", scheme),
                        "organization_id": group.uuid,
                        "identifier_scheme": scheme,
                        "identifier_type": label,
                        "identifier": number.strip(),
                    }
                )
        if identifiers:
            org["organization_identifiers"] = identifiers
        return org

    def _services(
        self, group: m.Organisation, activities: list[m.Activity], today: dt.date
    ) -> list[dict[str, Any]]:
        lines: dict[str, list[m.Coverage]] = {}
        kinds: dict[str, m.ServiceType] = {}
        for line in group.coverage:
            if line.deleted or line.service_type.deleted:
                continue
            lines.setdefault(line.service_type.code, []).append(line)
            kinds[line.service_type.code] = line.service_type
        repeating: dict[str, list[m.Activity]] = {}
        for activity in activities:
            kind = activity.service_type
            if kind is None or kind.deleted or not Recurrence.from_rrule(activity.rrule).repeats:
                continue
            repeating.setdefault(kind.code, []).append(activity)
            kinds[kind.code] = kind
        services = []
        name = group.name_en or group.name_cy
        phone = _phone_text(group.phone)
        for code, kind in sorted(kinds.items(), key=lambda item: (item[1].sort_order, item[0])):
            coverage = lines.get(code, [])
            work = repeating.get(code, [])
            service_id = derived_id(group.uuid, "service", code)
            current = any(c.end_date is None or c.end_date >= today for c in coverage) or any(
                a.end_date is None or a.end_date >= today for a in work
            )
            label = kind.label_en
            description = f"{label} from {name}."
            if kind.label_cy and kind.label_cy != label:
                description = f"{label} ({kind.label_cy}) from {name}."
            if phone:
                description += f" {phone}"
            schedules = [self._schedule(service_id, c) for c in coverage]
            patterns = {_pattern_key(s) for s in schedules}
            for activity in work:
                schedule = self._activity_schedule(service_id, activity)
                if schedule.get("freq") and _pattern_key(schedule) in patterns:
                    continue  # a coverage line already says the same
                patterns.add(_pattern_key(schedule))
                schedules.append(schedule)
            service: dict[str, Any] = {
                "id": service_id,
                "organization_id": group.uuid,
                "name": label,
                "description": description,
                "url": self._url(group, service_id),
                "status": "active" if current else "inactive",
                "schedules": schedules,
                "service_areas": self._areas(
                    service_id,
                    [c.area for c in coverage] + [a.area for a in work if a.area is not None],
                ),
            }
            if group.email:
                service["email"] = group.email
            modified = _modified(
                [group.changed_at, *(c.changed_at for c in coverage), *(a.changed_at for a in work)]
            )
            if modified:
                service["last_modified"] = modified
            services.append(service)
        return services

    @staticmethod
    def _url(group: m.Organisation, service_id: str) -> str:
        """ORUK requires a URL: the group's website, else its e-mail, else its phone, else the
        service's id."""
        website = _website(group.website)
        if website:
            return website
        if group.email:
            return f"mailto:{group.email}"
        if _E164.match(group.phone or ""):
            return f"tel:{group.phone}"
        return f"urn:uuid:{service_id}"

    @staticmethod
    def _schedule(service_id: str, line: m.Coverage) -> dict[str, Any]:
        days = Weekdays(line.weekdays)
        schedule: dict[str, Any] = {
            "id": derived_id(line.uuid, "schedule"),
            "service_id": service_id,
            "freq": "WEEKLY",
            "interval": 1,
            "byday": ",".join(_BYDAY[i] for i in days.indexes()),
        }
        text = _days_text(days)
        if line.start_time and line.end_time:
            schedule["opens_at"] = line.start_time.strftime("%H:%M")
            schedule["closes_at"] = line.end_time.strftime("%H:%M")
            text += f", {schedule['opens_at']} to {schedule['closes_at']} (UK time)"
        if line.start_date:
            schedule["valid_from"] = line.start_date.isoformat()
            schedule["dtstart"] = line.start_date.isoformat()
        if line.end_date:
            schedule["valid_to"] = line.end_date.isoformat()
        schedule["description"] = f"{text}, in {line.area.code}."
        return schedule

    @staticmethod
    def _activity_schedule(service_id: str, activity: m.Activity) -> dict[str, Any]:
        """A repeating activity's rule as an ORUK schedule (its dates and times, nothing else)."""
        rule = Recurrence.from_rrule(activity.rrule)
        schedule: dict[str, Any] = {
            "id": derived_id(activity.uuid, "schedule"),
            "service_id": service_id,
            **_rule_fields(rule),
        }
        opens = activity.start_time.strftime("%H:%M")
        closes = activity.end_time.strftime("%H:%M")
        schedule["opens_at"], schedule["closes_at"] = opens, closes
        schedule["valid_from"] = activity.start_date.isoformat()
        schedule["dtstart"] = activity.start_date.isoformat()
        if activity.end_date:
            schedule["valid_to"] = activity.end_date.isoformat()
        text = f"{rule.describe(activity.start_date)}, {opens} to {closes} (UK time)"
        if activity.skip_bank_holidays:
            text += ", not on bank holidays"
        if activity.area is not None:
            text += f", in {activity.area.code}"
        schedule["description"] = text + "."
        return schedule

    @staticmethod
    def _areas(service_id: str, places: list[m.Area]) -> list[dict[str, Any]]:
        areas: dict[str, dict[str, Any]] = {}
        for area in places:
            if area.code in areas:
                continue
            label = area.code
            name = area.name_en or area.name_cy
            if name and name != area.code:
                label = f"{name} ({area.code})"
            areas[area.code] = {
                "id": derived_id(service_id, "area", area.code),
                "service_id": service_id,
                "name": label,
                "service_area": label,
            }
        return list(areas.values())
