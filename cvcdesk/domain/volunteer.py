"""Volunteer records and the rules a volunteer's details must follow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

from cvcdesk.domain.enums import (
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    Language,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.domain.validation import (
    InvalidValue,
    normalise_email,
    normalise_phone,
    normalise_postcode,
    require_text,
)
from cvcdesk.i18n import N_, _

VOLUNTEER_FIELD_LABELS: dict[str, str] = {
    "reference": N_("Reference"),
    "first_name": N_("First name"),
    "last_name": N_("Surname"),
    "known_as": N_("Known as"),
    "date_of_birth": N_("Date of birth"),
    "phone": N_("Phone"),
    "phone_alt": N_("Other phone"),
    "email": N_("E-mail"),
    "address": N_("Address"),
    "town": N_("Town"),
    "postcode": N_("Postcode"),
    "preferred_language": N_("Preferred language"),
    "welsh_fluency": N_("Welsh"),
    "other_languages": N_("Other languages"),
    "has_car": N_("Has a car"),
    "can_drive": N_("Can drive"),
    "emergency_contact_name": N_("Emergency contact"),
    "emergency_contact_phone": N_("Emergency contact phone"),
    "status": N_("Status"),
    "joined_on": N_("Joined"),
    "left_on": N_("Left on"),
    "notes": N_("Notes"),
    "consent_share": N_("Consents to sharing with partners"),
    "consent_date": N_("Consent date"),
    "consent_method": N_("How consent was recorded"),
    "dbs_level": N_("DBS level"),
    "dbs_workforce": N_("DBS workforce"),
    "dbs_certificate_number": N_("DBS certificate number"),
    "dbs_issue_date": N_("DBS issue date"),
    "dbs_update_service": N_("On the DBS Update Service"),
    "dbs_checked_by": N_("DBS seen by"),
    "dbs_renewal_due": N_("DBS renewal due"),
    "skills": N_("Skills"),
}


def field_label(name: str) -> str:
    return _(VOLUNTEER_FIELD_LABELS.get(name, name))


@dataclass(frozen=True)
class AvailabilitySlot:
    weekday: int  # Monday is 0
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class AwayPeriod:
    start: dt.date
    end: dt.date
    reason: str = ""


@dataclass(frozen=True)
class Membership:
    organisation_uuid: str
    role: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    organisation_name: str = ""


@dataclass(frozen=True, kw_only=True)
class VolunteerData:
    """What a coordinator enters about a volunteer."""

    first_name: str
    last_name: str
    known_as: str = ""
    reference: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    phone_alt: str = ""
    email: str = ""
    address: str = ""
    town: str = ""
    postcode: str = ""
    preferred_language: Language = Language.ENGLISH
    welsh_fluency: WelshFluency = WelshFluency.NONE
    other_languages: str = ""
    has_car: bool = False
    can_drive: bool = False
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    status: VolunteerStatus = VolunteerStatus.ACTIVE
    joined_on: dt.date | None = None
    left_on: dt.date | None = None
    notes: str = ""
    consent_share: bool = False
    consent_date: dt.date | None = None
    consent_method: ConsentMethod | None = None
    dbs_level: DbsLevel = DbsLevel.NONE
    dbs_workforce: DbsWorkforce | None = None
    dbs_certificate_number: str = ""
    dbs_issue_date: dt.date | None = None
    dbs_update_service: bool = False
    dbs_checked_by: str = ""  # organisation uuid
    dbs_renewal_due: dt.date | None = None
    skills: tuple[str, ...] = ()
    availability: tuple[AvailabilitySlot, ...] = ()
    away: tuple[AwayPeriod, ...] = ()
    memberships: tuple[Membership, ...] = ()

    @property
    def display_name(self) -> str:
        first = self.known_as or self.first_name
        return f"{first} {self.last_name}".strip()


SCALAR_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in fields(VolunteerData)
    if f.name not in ("skills", "availability", "away", "memberships")
)


@dataclass(frozen=True, kw_only=True)
class VolunteerRecord(VolunteerData):
    """A stored volunteer, as it crosses layers."""

    uuid: str
    origin: str
    changed_at: str
    deleted: bool = False
    replaced_by: str | None = None
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class VolunteerRow:
    """One line of a volunteer list: what a table or a CLI listing shows."""

    uuid: str
    reference: str
    first_name: str
    last_name: str
    known_as: str
    postcode: str
    phone: str
    email: str
    status: VolunteerStatus
    dbs_level: DbsLevel
    dbs_renewal_due: dt.date | None
    consent_share: bool
    groups: str = ""

    @property
    def display_name(self) -> str:
        first = self.known_as or self.first_name
        return f"{first} {self.last_name}".strip()


@dataclass(frozen=True)
class VolunteerQuery:
    """Filters for listing volunteers; every field narrows the list."""

    search: str = ""
    status: VolunteerStatus | None = None
    group_uuid: str | None = None
    skill: str | None = None
    area: str | None = None  # postcode district, sector or unit prefix
    dbs_due_before: dt.date | None = None
    consent_share: bool | None = None
    include_deleted: bool = False


def clean_volunteer(data: VolunteerData) -> VolunteerData:
    """Normalise a volunteer's details, or raise ValidationError listing every problem."""
    errors: list[FieldError] = []
    changes: dict[str, object] = {}

    def check(name: str, action: object) -> None:
        try:
            changes[name] = action() if callable(action) else action
        except InvalidValue as exc:
            errors.append(exc.error)

    check(
        "first_name",
        lambda: require_text(data.first_name, field="first_name", label=field_label("first_name")),
    )
    check(
        "last_name",
        lambda: require_text(data.last_name, field="last_name", label=field_label("last_name")),
    )
    for name in ("phone", "phone_alt", "emergency_contact_phone"):
        value = getattr(data, name)
        if value and value.strip():
            check(name, lambda v=value, n=name: normalise_phone(v, field=n))
        else:
            changes[name] = ""
    if data.email and data.email.strip():
        check("email", lambda: normalise_email(data.email, field="email"))
    else:
        changes["email"] = ""
    if data.postcode and data.postcode.strip():
        check("postcode", lambda: normalise_postcode(data.postcode, field="postcode"))
    else:
        changes["postcode"] = ""
    for name in (
        "known_as",
        "reference",
        "address",
        "town",
        "other_languages",
        "emergency_contact_name",
        "notes",
        "dbs_certificate_number",
    ):
        changes[name] = (getattr(data, name) or "").strip()

    today = dt.date.today()
    if data.date_of_birth is not None and not (dt.date(1900, 1, 1) <= data.date_of_birth <= today):
        errors.append(
            FieldError(
                "date_of_birth",
                _("Date of birth must be between 1900 and today."),
            )
        )
    if data.left_on and data.joined_on and data.left_on < data.joined_on:
        errors.append(FieldError("left_on", _("The leaving date is before the joining date.")))
    if data.consent_share and data.consent_method is None:
        errors.append(
            FieldError(
                "consent_method",
                _("Say how the volunteer's consent to sharing was recorded."),
            )
        )
    if data.dbs_level != DbsLevel.NONE and data.dbs_issue_date and data.dbs_issue_date > today:
        errors.append(FieldError("dbs_issue_date", _("The DBS issue date is in the future.")))
    for index, slot in enumerate(data.availability):
        if not (0 <= slot.weekday <= 6) or slot.end <= slot.start:
            errors.append(
                FieldError(
                    "availability",
                    _("Availability {number}: the end time must be after the start time.").format(
                        number=index + 1
                    ),
                )
            )
    for index, period in enumerate(data.away):
        if period.end < period.start:
            errors.append(
                FieldError(
                    "away",
                    _("Away period {number}: the end date is before the start date.").format(
                        number=index + 1
                    ),
                )
            )
    if errors:
        raise ValidationError(errors)
    changes["skills"] = tuple(sorted({s.strip() for s in data.skills if s.strip()}))
    return replace(data, **changes)  # type: ignore[arg-type]
