"""What the printed documents are made from: plain records the services fill in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cvcdesk.domain.enums import AssignmentStatus


class LanguageMode(StrEnum):
    """The language(s) a document is printed in; "both" sets Welsh beside English."""

    ENGLISH = "en"
    WELSH = "cy"
    BOTH = "both"

    @property
    def languages(self) -> tuple[str, ...]:
        return ("en", "cy") if self is LanguageMode.BOTH else (self.value,)


@dataclass(frozen=True)
class Bilingual:
    """A name or title held in English and Welsh; either may be blank."""

    en: str
    cy: str = ""

    def get(self, language: str) -> str:
        if language == "cy":
            return self.cy or self.en
        return self.en or self.cy


@dataclass(frozen=True, kw_only=True)
class PrintOptions:
    languages: LanguageMode = LanguageMode.ENGLISH
    large_print: bool = False
    # None: landscape for large print, portrait otherwise.
    landscape: bool | None = None

    @property
    def is_landscape(self) -> bool:
        return self.large_print if self.landscape is None else self.landscape


@dataclass(frozen=True, kw_only=True)
class Letterhead:
    """The County Voluntary Council printing the document (from its settings)."""

    name: Bilingual
    logo: Path | None = None
    printed_on: dt.date


@dataclass(frozen=True, kw_only=True)
class RosterPerson:
    name: str
    # None when the volunteer has not agreed to share it: the page says "via coordinator".
    phone: str | None = None
    status: AssignmentStatus = AssignmentStatus.CONFIRMED
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class RosterShift:
    starts_at: dt.datetime
    ends_at: dt.datetime
    activity: Bilingual
    group: Bilingual
    place: str = ""
    needed: int = 1
    cancelled: bool = False
    orphaned: bool = False  # no longer in the activity's pattern, but volunteers were on it
    people: tuple[RosterPerson, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RosterDocument:
    """One week of shifts for a group (or for everyone working in an area)."""

    letterhead: Letterhead
    subject: Bilingual  # the group's or the area's name
    week_start: dt.date
    shifts: tuple[RosterShift, ...] = ()

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)


@dataclass(frozen=True, kw_only=True)
class SigninDocument:
    letterhead: Letterhead
    activity: Bilingual
    group: Bilingual
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    people: tuple[RosterPerson, ...] = ()
    walk_in_rows: int = 8
    cancelled: bool = False


@dataclass(frozen=True, kw_only=True)
class ScheduleItem:
    uid: str  # stable id of the booking, so a calendar updates an event rather than adding one
    starts_at: dt.datetime
    ends_at: dt.datetime
    activity: Bilingual
    group: Bilingual
    place: str = ""
    postcode: str = ""
    status: AssignmentStatus = AssignmentStatus.CONFIRMED
    cancelled: bool = False
    contact_phone: str = ""  # the group's phone, for "call us if you cannot come"


@dataclass(frozen=True, kw_only=True)
class ScheduleDocument:
    """One volunteer's own shifts over a period."""

    letterhead: Letterhead
    volunteer_name: str
    reference: str = ""
    date_from: dt.date
    date_to: dt.date
    items: tuple[ScheduleItem, ...] = ()


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
