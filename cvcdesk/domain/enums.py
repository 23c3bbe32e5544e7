"""Enumerations shared by every layer, with their translatable labels."""

from __future__ import annotations

from enum import IntFlag, StrEnum

from cvcdesk.i18n import N_, _


class LabelledEnum(StrEnum):
    """A StrEnum whose members have a translatable label."""

    @property
    def label(self) -> str:
        return _(_LABELS[_key(self)])

    @classmethod
    def parse(cls, value: str) -> LabelledEnum:
        def simple(text: str) -> str:
            return "_".join(text.strip().lower().replace("-", " ").split())

        wanted = simple(value)
        for member in cls:
            if wanted in (
                member.value,
                simple(_(_LABELS[_key(member)])),
                simple(_LABELS[_key(member)]),
            ):
                return member
        raise ValueError(value)


class OrganisationKind(LabelledEnum):
    CVC = "cvc"
    COMMUNITY_GROUP = "community_group"
    MUTUAL_AID = "mutual_aid"
    FAITH_GROUP = "faith_group"
    SOCIAL_ENTERPRISE = "social_enterprise"
    COMMUNITY_COUNCIL = "community_council"
    LOCAL_AUTHORITY = "local_authority"
    HEALTH_BOARD = "health_board"
    OTHER = "other"


class AreaKind(LabelledEnum):
    DISTRICT = "district"
    SECTOR = "sector"
    UNIT = "unit"
    COMMUNITY = "community"
    WARD = "ward"


class VolunteerStatus(LabelledEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class Language(LabelledEnum):
    WELSH = "cy"
    ENGLISH = "en"


class WelshFluency(LabelledEnum):
    NONE = "none"
    LEARNER = "learner"
    CONVERSATIONAL = "conversational"
    FLUENT = "fluent"


class DbsLevel(LabelledEnum):
    NONE = "none"
    BASIC = "basic"
    STANDARD = "standard"
    ENHANCED = "enhanced"

    @property
    def rank(self) -> int:
        return list(DbsLevel).index(self)


class DbsWorkforce(LabelledEnum):
    ADULT = "adult"
    CHILD = "child"
    BOTH = "both"


class ConsentMethod(LabelledEnum):
    PAPER_FORM = "paper_form"
    ONLINE_FORM = "online_form"
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"


class AssignmentStatus(LabelledEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class AlertKind(LabelledEnum):
    DUPLICATE_VOLUNTEER = "duplicate_volunteer"
    DUPLICATE_ORGANISATION = "duplicate_organisation"
    COVERAGE_OVERLAP = "coverage_overlap"
    HOUSEHOLD_OVERLAP = "household_overlap"
    DOUBLE_BOOKING = "double_booking"
    DBS_PROBLEM = "dbs_problem"


class AlertStatus(LabelledEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


class AuditAction(LabelledEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
    MERGE = "merge"
    IMPORT = "import"


class Weekdays(IntFlag):
    """Days of the week as a bit set (Monday first, as datetime.weekday())."""

    NONE = 0
    MON = 1
    TUE = 2
    WED = 4
    THU = 8
    FRI = 16
    SAT = 32
    SUN = 64
    ALL = 127

    @classmethod
    def from_indexes(cls, indexes: list[int] | tuple[int, ...] | set[int]) -> Weekdays:
        value = cls.NONE
        for index in indexes:
            value |= cls(1 << index)
        return value

    def indexes(self) -> list[int]:
        return [index for index in range(7) if self & (1 << index)]


def _key(member: LabelledEnum) -> tuple[type, str]:
    # StrEnum members equal their values, so DbsLevel.NONE and WelshFluency.NONE (both "none")
    # would be one dict key: key the labels by class and value instead.
    return (type(member), member.value)


_LABEL_TEXTS: list[tuple[LabelledEnum, str]] = [
    (OrganisationKind.CVC, N_("County Voluntary Council")),
    (OrganisationKind.COMMUNITY_GROUP, N_("Community group")),
    (OrganisationKind.MUTUAL_AID, N_("Mutual aid group")),
    (OrganisationKind.FAITH_GROUP, N_("Faith group")),
    (OrganisationKind.SOCIAL_ENTERPRISE, N_("Social enterprise")),
    (OrganisationKind.COMMUNITY_COUNCIL, N_("Community council")),
    (OrganisationKind.LOCAL_AUTHORITY, N_("Local authority")),
    (OrganisationKind.HEALTH_BOARD, N_("Health board")),
    (OrganisationKind.OTHER, N_("Other")),
    (AreaKind.DISTRICT, N_("Postcode district")),
    (AreaKind.SECTOR, N_("Postcode sector")),
    (AreaKind.UNIT, N_("Postcode")),
    (AreaKind.COMMUNITY, N_("Community")),
    (AreaKind.WARD, N_("Ward")),
    (VolunteerStatus.ACTIVE, N_("Active")),
    (VolunteerStatus.PAUSED, N_("Paused")),
    (VolunteerStatus.LEFT, N_("Left")),
    (Language.WELSH, N_("Welsh")),
    (Language.ENGLISH, N_("English")),
    (WelshFluency.NONE, N_("No Welsh")),
    (WelshFluency.LEARNER, N_("Learner")),
    (WelshFluency.CONVERSATIONAL, N_("Conversational")),
    (WelshFluency.FLUENT, N_("Fluent")),
    (DbsLevel.NONE, N_("No check")),
    (DbsLevel.BASIC, N_("Basic")),
    (DbsLevel.STANDARD, N_("Standard")),
    (DbsLevel.ENHANCED, N_("Enhanced")),
    (DbsWorkforce.ADULT, N_("Adult workforce")),
    (DbsWorkforce.CHILD, N_("Child workforce")),
    (DbsWorkforce.BOTH, N_("Adult and child workforce")),
    (ConsentMethod.PAPER_FORM, N_("Paper form")),
    (ConsentMethod.ONLINE_FORM, N_("Online form")),
    (ConsentMethod.PHONE, N_("By phone")),
    (ConsentMethod.EMAIL, N_("By e-mail")),
    (ConsentMethod.IN_PERSON, N_("In person")),
    (AssignmentStatus.CONFIRMED, N_("Confirmed")),
    (AssignmentStatus.TENTATIVE, N_("Tentative")),
    (AssignmentStatus.DECLINED, N_("Declined")),
    (AssignmentStatus.ATTENDED, N_("Attended")),
    (AssignmentStatus.NO_SHOW, N_("Did not attend")),
    (AlertKind.DUPLICATE_VOLUNTEER, N_("Same volunteer twice")),
    (AlertKind.DUPLICATE_ORGANISATION, N_("Same group twice")),
    (AlertKind.COVERAGE_OVERLAP, N_("Groups covering the same area")),
    (AlertKind.HOUSEHOLD_OVERLAP, N_("Household helped twice")),
    (AlertKind.DOUBLE_BOOKING, N_("Volunteer double-booked")),
    (AlertKind.DBS_PROBLEM, N_("DBS check problem")),
    (AlertStatus.OPEN, N_("Open")),
    (AlertStatus.ACKNOWLEDGED, N_("Acknowledged")),
    (AlertStatus.DISMISSED, N_("Not a duplicate")),
    (AlertStatus.RESOLVED, N_("Resolved")),
    (AuditAction.CREATE, N_("Created")),
    (AuditAction.UPDATE, N_("Changed")),
    (AuditAction.DELETE, N_("Deleted")),
    (AuditAction.RESTORE, N_("Restored")),
    (AuditAction.MERGE, N_("Merged")),
    (AuditAction.IMPORT, N_("Imported")),
]

_LABELS: dict[tuple[type, str], str] = {_key(m): text for m, text in _LABEL_TEXTS}
