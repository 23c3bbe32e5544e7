"""The database schema as SQLAlchemy 2 declarative models."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uuid() -> str:
    return str(uuid_module.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Shareable:
    """Columns every record that can travel to a partner carries (DESIGN §3)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    origin: Mapped[str] = mapped_column(String(36))
    changed_at: Mapped[str] = mapped_column(String(64), index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    replaced_by: Mapped[str | None] = mapped_column(String(36))
    # Optimistic locking: a save based on an older version is refused, not lost.
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Instance(Base):
    """This database's own identity: one row."""

    __tablename__ = "instance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    organisation_uuid: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    clock: Mapped[str] = mapped_column(String(64), default="")
    private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Organisation(Shareable, Base):
    __tablename__ = "organisation"
    name_en: Mapped[str] = mapped_column(String(200))
    name_cy: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40))
    charity_number: Mapped[str] = mapped_column(String(40), default="")
    company_number: Mapped[str] = mapped_column(String(40), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="", index=True)
    website: Mapped[str] = mapped_column(String(400), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    sort_key_en: Mapped[str] = mapped_column(String(400), default="", index=True)
    sort_key_cy: Mapped[str] = mapped_column(String(400), default="", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    coverage: Mapped[list[Coverage]] = relationship(back_populates="organisation")


class Area(Shareable, Base):
    """A postcode district/sector/unit or a named community or ward; areas nest via parent."""

    __tablename__ = "area"
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    name_cy: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))


class AreaPostcode(Base):
    """The postcode districts, sectors or units a named community or ward holds."""

    __tablename__ = "area_postcode"
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class ServiceType(Shareable, Base):
    __tablename__ = "service_type"
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label_en: Mapped[str] = mapped_column(String(200))
    label_cy: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Coverage(Shareable, Base):
    """Group x service x area x weekdays/time window x date range."""

    __tablename__ = "coverage"
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    weekdays: Mapped[int] = mapped_column(Integer, default=127)
    start_time: Mapped[dt.time | None] = mapped_column(Time)
    end_time: Mapped[dt.time | None] = mapped_column(Time)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship(back_populates="coverage")
    service_type: Mapped[ServiceType] = relationship()
    area: Mapped[Area] = relationship()


class Skill(Base):
    __tablename__ = "skill"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label_en: Mapped[str] = mapped_column(String(200))
    label_cy: Mapped[str] = mapped_column(String(200))


class Volunteer(Shareable, Base):
    __tablename__ = "volunteer"
    # Tiny: only deleted volunteers, so "leave out the deleted" costs almost nothing.
    __table_args__ = (
        Index(
            "ix_volunteer_deleted",
            "id",
            sqlite_where=text("deleted = 1"),
            postgresql_where=text("deleted"),
        ),
        # For the duplicate scan (cvcdesk.services.duplicates): live records counted per name
        # from the index alone, and namesakes looked up.
        Index("ix_volunteer_names", "first_name", "known_as", "last_name", "deleted"),
        # Tiny: only addresses with capitals, so that comparing in lower case needs no scan.
        Index(
            "ix_volunteer_email_mixed_case",
            "email",
            sqlite_where=text("email != lower(email)"),
            postgresql_where=text("email <> lower(email)"),
        ),
    )
    reference: Mapped[str] = mapped_column(String(60), default="", index=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    known_as: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, index=True)
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    phone_alt: Mapped[str] = mapped_column(String(20), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    address: Mapped[str] = mapped_column(String(400), default="")
    town: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="", index=True)
    preferred_language: Mapped[str] = mapped_column(String(2), default="en")
    welsh_fluency: Mapped[str] = mapped_column(String(20), default="none")
    other_languages: Mapped[str] = mapped_column(String(200), default="")
    has_car: Mapped[bool] = mapped_column(Boolean, default=False)
    can_drive: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_contact_name: Mapped[str] = mapped_column(String(200), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    consent_share: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    consent_method: Mapped[str | None] = mapped_column(String(20))
    dbs_level: Mapped[str] = mapped_column(String(10), default="none")
    dbs_workforce: Mapped[str | None] = mapped_column(String(10))
    dbs_certificate_number: Mapped[str] = mapped_column(String(20), default="")
    dbs_issue_date: Mapped[dt.date | None] = mapped_column(Date)
    dbs_update_service: Mapped[bool] = mapped_column(Boolean, default=False)
    dbs_checked_by: Mapped[str] = mapped_column(String(36), default="")
    dbs_renewal_due: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # Derived on every write (see store.hooks): tokens for search and sort keys per language.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_key_en: Mapped[str] = mapped_column(String(400), default="", index=True)
    sort_key_cy: Mapped[str] = mapped_column(String(400), default="", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    skills: Mapped[list[VolunteerSkill]] = relationship(
        cascade="all, delete-orphan", order_by="VolunteerSkill.skill_code"
    )
    availability: Mapped[list[Availability]] = relationship(cascade="all, delete-orphan")
    away: Mapped[list[AwayPeriod]] = relationship(cascade="all, delete-orphan")
    memberships: Mapped[list[Membership]] = relationship(back_populates="volunteer")


class VolunteerSkill(Base):
    __tablename__ = "volunteer_skill"
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    skill_code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Availability(Base):
    __tablename__ = "availability"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)


class AwayPeriod(Base):
    __tablename__ = "away_period"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Membership(Shareable, Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "organisation_id"),
        # Covers counting a group's live members without reading the rows themselves.
        Index("ix_membership_org_live", "organisation_id", "deleted", "volunteer_id"),
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(100), default="")
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)

    volunteer: Mapped[Volunteer] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class ConsentEvent(Base):
    """The history of a volunteer's consent to sharing (given or withdrawn)."""

    __tablename__ = "consent_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    given: Mapped[bool] = mapped_column(Boolean)
    on_date: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(20))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")


class Activity(Shareable, Base):
    __tablename__ = "activity"
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("service_type.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    title_en: Mapped[str] = mapped_column(String(200))
    title_cy: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(400), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="")
    rrule: Mapped[str] = mapped_column(Text, default="")  # RFC 5545 rule; empty for one-off
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    volunteers_needed: Mapped[int] = mapped_column(Integer, default=1)
    dbs_level_required: Mapped[str] = mapped_column(String(10), default="none")
    welsh_required: Mapped[bool] = mapped_column(Boolean, default=False)
    skip_bank_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Skill codes the activity asks for, separated by spaces.
    skills_required: Mapped[str] = mapped_column(String(400), default="", server_default=text("''"))

    organisation: Mapped[Organisation] = relationship()
    service_type: Mapped[ServiceType | None] = relationship()
    area: Mapped[Area | None] = relationship()


class ActivityRegular(Shareable, Base):
    """A volunteer on an activity's whole pattern: shifts generated later are booked too."""

    __tablename__ = "activity_regular"
    __table_args__ = (UniqueConstraint("activity_id", "volunteer_id"),)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)


class ActivityException(Base):
    """A date added to, cancelled in or moved within an activity's pattern."""

    __tablename__ = "activity_exception"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    on_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # cancelled | extra
    note: Mapped[str] = mapped_column(String(200), default="")


class Shift(Shareable, Base):
    __tablename__ = "shift"
    __table_args__ = (Index("ix_shift_activity_start", "activity_id", "starts_at"),)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The activity's rule no longer produces this date but volunteers were on it.
    orphaned: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")

    activity: Mapped[Activity] = relationship()


class Assignment(Shareable, Base):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id"),)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    hours: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")

    shift: Mapped[Shift] = relationship()
    volunteer: Mapped[Volunteer] = relationship()


class Household(Shareable, Base):
    """Minimal household data; match_key is a keyed hash of the normalised address."""

    __tablename__ = "household"
    reference: Mapped[str] = mapped_column(String(60), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="", index=True)
    house: Mapped[str] = mapped_column(String(100), default="")
    match_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class HouseholdSupport(Shareable, Base):
    __tablename__ = "household_support"
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)


class Alert(Shareable, Base):
    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("kind", "pair_key"),)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    # Sorted uuids of the records involved: a decision about them is remembered by this key.
    pair_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class AlertRecord(Base):
    __tablename__ = "alert_record"
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True
    )
    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), default="")
    instance: Mapped[str] = mapped_column(String(36), default="")
    record_type: Mapped[str] = mapped_column(String(40))
    record_uuid: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [old, new]}


class Partner(Base):
    __tablename__ = "partner"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), default="")
    organisation_uuid: Mapped[str] = mapped_column(String(36), default="")
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(100), default="")
    profile: Mapped[str] = mapped_column(Text, default="{}")  # JSON share profile
    last_export_clock: Mapped[str] = mapped_column(String(64), default="")
    last_import_clock: Mapped[str] = mapped_column(String(64), default="")
    last_export_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_import_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # X25519 public key: both sides derive the per-partnership key for pseudonyms from it.
    agreement_key: Mapped[bytes | None] = mapped_column(LargeBinary)


class SyncState(Base):
    """The version of a record last exchanged with a partner, sent or received: the base when
    both sides changed it since, and how a file already seen is recognised."""

    __tablename__ = "sync_state"
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True
    )
    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    changed_at: Mapped[str] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[str] = mapped_column(Text, default="{}")  # JSON, as in the sync file


class PartnerVolunteer(Shareable, Base):
    """A partner's volunteer shared pseudonymised: no name or contact details, only keyed
    hashes that match the same person here without saying who it is."""

    __tablename__ = "partner_volunteer"
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner.id", ondelete="SET NULL"), index=True
    )
    district: Mapped[str] = mapped_column(String(4), default="")
    skills: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of skill codes
    availability: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[weekday, start, end]]
    email_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    phone_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    name_hash: Mapped[str] = mapped_column(String(64), default="", index=True)


class Conflict(Base):
    """A record changed on both sides since the last exchange, kept for a person to resolve."""

    __tablename__ = "conflict"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_uuid: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    base: Mapped[str] = mapped_column(Text, default="{}")
    local: Mapped[str] = mapped_column(Text, default="{}")
    incoming: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DemoDuplicate(Base):
    """Ground truth written by the demo generator: which volunteers are the same person."""

    __tablename__ = "demo_duplicate"
    duplicate_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    original_uuid: Mapped[str] = mapped_column(String(36), index=True)
    variation: Mapped[str] = mapped_column(String(100))
