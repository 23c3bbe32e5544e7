"""Open Referral UK (ORUK 3.0, the UK profile of HSDS 3.0): groups and what they offer, as JSON.

The file holds two lists: ``organizations`` (ORUK organization objects) and ``services`` (ORUK
service objects, each with its ``schedules`` and ``service_areas``). One service is published for
each group and kind of service it offers; each coverage line becomes one weekly schedule and its
area one service area. Identifiers are UUIDs derived from the records' own, so exporting again
gives the same ids and a directory can update rather than duplicate.

Only what a public directory should show is written: no volunteer, and no contact person's
name. Group e-mail addresses and websites are the groups' own published contacts.
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
            organizations = [self._organization(g) for g in groups]
            services = [s for g in groups for s in self._services(g, today)]
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

    def _services(self, group: m.Organisation, today: dt.date) -> list[dict[str, Any]]:
        lines: dict[str, list[m.Coverage]] = {}
        for line in group.coverage:
            if line.deleted or line.service_type.deleted:
                continue
            lines.setdefault(line.service_type.code, []).append(line)
        services = []
        name = group.name_en or group.name_cy
        for code, coverage in sorted(
            lines.items(), key=lambda item: item[1][0].service_type.sort_order
        ):
            kind = coverage[0].service_type
            service_id = derived_id(group.uuid, "service", code)
            current = any(c.end_date is None or c.end_date >= today for c in coverage)
            label = kind.label_en
            description = f"{label} from {name}."
            if kind.label_cy and kind.label_cy != label:
                description = f"{label} ({kind.label_cy}) from {name}."
            service: dict[str, Any] = {
                "id": service_id,
                "organization_id": group.uuid,
                "name": label,
                "description": description,
                "url": self._url(group, service_id),
                "status": "active" if current else "inactive",
                "schedules": [self._schedule(service_id, c) for c in coverage],
                "service_areas": self._areas(service_id, coverage),
            }
            if group.email:
                service["email"] = group.email
            modified = _modified([group.changed_at, *(c.changed_at for c in coverage)])
            if modified:
                service["last_modified"] = modified
            services.append(service)
        return services

    @staticmethod
    def _url(group: m.Organisation, service_id: str) -> str:
        """ORUK requires a URL: the group's website, else its e-mail, else the service's id."""
        website = _website(group.website)
        if website:
            return website
        if group.email:
            return f"mailto:{group.email}"
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
    def _areas(service_id: str, coverage: list[m.Coverage]) -> list[dict[str, Any]]:
        areas: dict[str, dict[str, Any]] = {}
        for line in coverage:
            area = line.area
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
