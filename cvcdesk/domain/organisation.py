"""Organisations ("groups"), the services and areas they cover, and their rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from cvcdesk.domain.enums import OrganisationKind, Weekdays
from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.domain.validation import (
    InvalidValue,
    normalise_email,
    normalise_phone,
    normalise_postcode,
    postcode_area_code,
    require_text,
)
from cvcdesk.i18n import N_, _

ORGANISATION_FIELD_LABELS: dict[str, str] = {
    "name_en": N_("Name (English)"),
    "name_cy": N_("Name (Welsh)"),
    "kind": N_("Kind"),
    "charity_number": N_("Charity number"),
    "company_number": N_("Company number"),
    "contact_name": N_("Contact name"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "postcode": N_("Postcode"),
    "website": N_("Website"),
    "notes": N_("Notes"),
    "coverage": N_("Coverage"),
}


@dataclass(frozen=True)
class CoverageData:
    """One line of what a group covers: a service, in an area, on some days and times."""

    service: str  # service type code, e.g. "food_parcels"
    area: str  # area code: "SA61", "SA61 1", "SA61 1AB" or a community's code
    weekdays: Weekdays = Weekdays.ALL
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    notes: str = ""
    uuid: str = ""


@dataclass(frozen=True, kw_only=True)
class OrganisationData:
    name_en: str
    name_cy: str = ""
    kind: OrganisationKind = OrganisationKind.COMMUNITY_GROUP
    charity_number: str = ""
    company_number: str = ""
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    website: str = ""
    notes: str = ""
    coverage: tuple[CoverageData, ...] = ()

    def name(self, language: str = "en") -> str:
        if language == "cy" and self.name_cy:
            return self.name_cy
        return self.name_en or self.name_cy


@dataclass(frozen=True, kw_only=True)
class OrganisationRecord(OrganisationData):
    uuid: str
    origin: str
    changed_at: str
    deleted: bool = False
    replaced_by: str | None = None
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class OrganisationRow:
    uuid: str
    name_en: str
    name_cy: str
    kind: OrganisationKind
    postcode: str
    email: str
    phone: str
    volunteers: int = 0

    def name(self, language: str = "en") -> str:
        if language == "cy" and self.name_cy:
            return self.name_cy
        return self.name_en or self.name_cy


def clean_organisation(data: OrganisationData) -> OrganisationData:
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    try:
        changes["name_en"] = require_text(
            data.name_en or data.name_cy,
            field="name_en",
            label=_(ORGANISATION_FIELD_LABELS["name_en"]),
        )
    except InvalidValue as exc:
        errors.append(exc.error)
    changes["name_cy"] = (data.name_cy or "").strip()
    for name, normalise in (
        ("phone", normalise_phone),
        ("email", normalise_email),
        ("postcode", normalise_postcode),
    ):
        value = (getattr(data, name) or "").strip()
        if not value:
            changes[name] = ""
            continue
        try:
            changes[name] = normalise(value, field=name)
        except InvalidValue as exc:
            errors.append(exc.error)
    for name in ("charity_number", "company_number", "contact_name", "address", "website", "notes"):
        changes[name] = (getattr(data, name) or "").strip()
    coverage: list[CoverageData] = []
    for index, line in enumerate(data.coverage, start=1):
        where = _("Coverage line {number}").format(number=index)
        try:
            area = postcode_area_code(line.area) if _looks_like_postcode(line.area) else line.area
        except InvalidValue as exc:
            errors.append(FieldError("coverage", exc.error.message, where))
            continue
        if not line.service:
            errors.append(FieldError("coverage", _("Choose a service."), where))
        if not line.weekdays:
            errors.append(FieldError("coverage", _("Choose at least one day."), where))
        if line.start_time and line.end_time and line.end_time <= line.start_time:
            errors.append(
                FieldError("coverage", _("The end time must be after the start time."), where)
            )
        if line.start_date and line.end_date and line.end_date < line.start_date:
            errors.append(
                FieldError("coverage", _("The end date is before the start date."), where)
            )
        coverage.append(replace(line, area=area.strip()))
    if errors:
        raise ValidationError(errors)
    changes["coverage"] = tuple(coverage)
    return replace(data, **changes)  # type: ignore[arg-type]


def _looks_like_postcode(text: str) -> bool:
    compact = text.replace(" ", "")
    return bool(compact) and compact[0].isalpha() and any(ch.isdigit() for ch in compact)
