"""Importing volunteers and groups from spreadsheets: mapping, preview, decisions, one transaction.

The wizard's steps are this service's methods: :meth:`ImportService.inspect` reads the header
row, :meth:`ImportService.suggest_mapping` proposes which field each column fills (remembered
from last time, else guessed), :meth:`ImportService.preview` reports each row's problems (row,
column, value and what is accepted) and the rows that look like people or groups already
registered, and :meth:`ImportService.import_rows` writes the rows, accepting, skipping or merging
each as decided, all in one transaction (or none of them: a cancel or an error leaves the
database as it was). The source file is only ever read.

Rows are read as a stream and written in batches, so memory stays flat however long the file;
files longer than :data:`MAX_ROWS` rows are refused, before any is read, rather than half
imported. New volunteers go in with plain batched inserts and, for a large import, join the
full-text search index in one statement at the end (see :class:`_DeferredSearchIndex`).
Every imported record gets an audit entry naming the file and row (not the values, which the
record holds), and the import as a whole one more with its counts. The database is backed up
before an import.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import operator
import re
import uuid as uuid_module
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from phonenumbers.phonemetadata import PhoneMetadata
from sqlalchemy import Boolean, Connection, Date, DateTime, Table, Time, insert, select, update
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import (
    AuditAction,
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    LabelledEnum,
    Language,
    OrganisationKind,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import CvcError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import OrganisationData, clean_organisation
from cvcdesk.domain.validation import (
    InvalidValue,
    display_phone,
    normalise_email,
    normalise_phone,
    parse_date,
)
from cvcdesk.domain.volunteer import (
    SCALAR_FIELDS,
    Membership,
    VolunteerData,
    clean_volunteer,
)
from cvcdesk.i18n import _, use_language
from cvcdesk.paths import backups_dir_for
from cvcdesk.services.base import CancelFlag, ProgressCallback, ServiceBase, jsonable
from cvcdesk.services.duplicates import find_duplicate_organisations, find_duplicate_volunteers
from cvcdesk.services.spreadsheets import (
    CellValue,
    ColumnMapping,
    ImportField,
    MappingMemory,
    SheetInfo,
    SheetRow,
    cell_text,
    check_mapping,
    count_rows,
    import_fields,
    inspect_sheet,
    iter_rows,
    mapping_setting_key,
)
from cvcdesk.store import models as m
from cvcdesk.store.backup import backup_sqlite
from cvcdesk.store.derived import search_tokens, volunteer_sort_keys

MAX_ROWS = 200_000
MAX_PROBLEMS = 1000  # problems (and skipped rows) kept in detail; all are counted
MAX_DUPLICATES = 1000
SAMPLE_ROWS = 100
_BATCH = 1000
_READ_SHARE = 800  # progress: reading and writing is 80% of the work, the duplicate check 20%
_PROGRESS_UNITS = 1000

Action = Literal["accept", "skip", "merge"]


# -- what goes in and what comes out -----------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    """Choices that apply to every row."""

    group_uuid: str | None = None  # every imported volunteer becomes a member of this group
    # For rows that give consent to sharing without saying how it was recorded.
    consent_method: ConsentMethod | None = None
    max_rows: int = MAX_ROWS


@dataclass(frozen=True)
class RowDecision:
    """What to do with one row: import it, leave it out, or merge it into an existing record."""

    action: Action = "accept"
    target_uuid: str = ""

    @classmethod
    def accept(cls) -> RowDecision:
        return cls("accept")

    @classmethod
    def skip(cls) -> RowDecision:
        return cls("skip")

    @classmethod
    def merge(cls, uuid: str) -> RowDecision:
        return cls("merge", uuid)


@dataclass(frozen=True)
class RowProblem:
    """One problem with one row: where (row, column), the value found and what is accepted.

    A non-blocking problem is a warning: the row is still imported.
    """

    row: int
    column: str  # the column header ("" when the problem is about the whole row)
    value: str
    field: str
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        if self.column and self.value:
            return _("Row {row}, column “{column}” (“{value}”): {message}").format(
                row=self.row, column=self.column, value=self.value, message=self.message
            )
        if self.column:
            return _("Row {row}, column “{column}”: {message}").format(
                row=self.row, column=self.column, message=self.message
            )
        return _("Row {row}: {message}").format(row=self.row, message=self.message)


@dataclass(frozen=True)
class LikelyDuplicate:
    """A row that looks like a record already held (`uuid`) or like another row (`other_row`)."""

    row: int
    score: float
    reasons: tuple[str, ...]
    uuid: str = ""
    name: str = ""
    reference: str = ""
    postcode: str = ""
    other_row: int | None = None


@dataclass(frozen=True)
class PreviewRow:
    """One of the first rows as it would be imported: (field, text) pairs, and whether it can."""

    row: int
    values: tuple[tuple[str, str], ...]
    ok: bool


@dataclass(frozen=True)
class ImportPreview:
    info: SheetInfo
    kind: str
    mapping: ColumnMapping
    mapping_remembered: bool
    rows_read: int
    rows_ok: int
    rows_with_problems: int
    problems: tuple[RowProblem, ...]  # the first MAX_PROBLEMS
    problems_total: int
    duplicates: tuple[LikelyDuplicate, ...]
    duplicates_total: int
    sample: tuple[PreviewRow, ...]

    @property
    def unmapped(self) -> tuple[str, ...]:
        return tuple(h for h in self.info.headers if not self.mapping.get(h))

    def problems_by_row(self) -> dict[int, list[RowProblem]]:
        rows: dict[int, list[RowProblem]] = {}
        for problem in self.problems:
            rows.setdefault(problem.row, []).append(problem)
        return rows


@dataclass(frozen=True)
class SkippedRow:
    row: int
    reasons: tuple[RowProblem, ...]


@dataclass(frozen=True)
class ImportResult:
    info: SheetInfo
    kind: str
    mapping: ColumnMapping
    dry_run: bool
    rows_read: int
    imported: int
    merged: int
    skipped: int
    skipped_rows: tuple[SkippedRow, ...]  # the first MAX_PROBLEMS
    warnings: tuple[RowProblem, ...]
    duplicates: tuple[LikelyDuplicate, ...]
    duplicates_total: int
    import_id: str
    backup_path: Path | None = None


# -- quick paths for the slowest checks ------------------------------------------------------

_GB = PhoneMetadata.metadata_for_region("GB")
assert _GB is not None and _GB.mobile is not None
_GB_MOBILE = re.compile(f"(?:{_GB.mobile.national_number_pattern})")
_UK_MOBILE_TYPED = re.compile(r"(?:\+44|0)(7[0-9]{9})")
_PHONE_PUNCTUATION = str.maketrans("", "", " -")


def quick_phone(text: str, *, field: str = "phone") -> str:
    """:func:`normalise_phone` with a short cut for the commonest case, a UK mobile number.

    A number typed as 07xxx xxxxxx or +44 7xxx xxxxxx whose digits fit the UK mobile ranges is
    valid for phonenumbers too, and its E.164 form is +44 and those digits; anything else goes
    the long way, so the result (and any error) is always the same as normalise_phone's.
    """
    raw = (text or "").strip()
    found = _UK_MOBILE_TYPED.fullmatch(raw.replace("(0)", "").translate(_PHONE_PUNCTUATION))
    if found is not None and _GB_MOBILE.fullmatch(found.group(1)):
        return "+44" + found.group(1)
    return normalise_phone(raw, field=field)


def quick_display_phone(e164: str) -> str:
    """:func:`display_phone`, with the same short cut for UK mobile numbers ("07712 345678")."""
    if e164.startswith("+447") and len(e164) == 13 and _GB_MOBILE.fullmatch(e164[3:]):
        return f"0{e164[3:7]} {e164[7:]}"
    return display_phone(e164)


_SIMPLE_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@functools.lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str | None:
    try:
        return normalise_email("a@" + domain).rpartition("@")[2]
    except InvalidValue:
        return None


def quick_email(text: str, *, field: str = "email") -> str:
    """:func:`normalise_email`, checking each domain once: most volunteers share a few.

    A plain local part (letters, digits and the usual symbols, dots between) is valid and kept
    as typed by the full check too, so only the domain needs it; anything unusual goes the long
    way, so the result (and any error) is always the same as normalise_email's.
    """
    raw = (text or "").strip()
    local, at, domain = raw.rpartition("@")
    if (
        at
        and len(local) <= 64
        and len(raw) <= 254
        and domain.isascii()
        and _SIMPLE_LOCAL.fullmatch(local)
    ):
        clean = _email_domain(domain)
        if clean is not None:
            return f"{local}@{clean}"
    return normalise_email(raw, field=field)


def search_text(phone: str, phone_alt: str, postcode: str) -> str:
    """The volunteer's search tokens, as :func:`cvcdesk.store.derived.volunteer_search_text`."""
    parts = [search_tokens(quick_display_phone(n), n, "") for n in (phone, phone_alt) if n]
    parts.append(search_tokens("", "", postcode))
    return " ".join(p for p in parts if p)


# -- reading cell values ----------------------------------------------------------------------

_YES = frozenset({
    "yes", "y", "true", "t", "1", "x", "✓", "✔", "ok", "ie", "oes", "do", "ydy", "ydw", "ydyn",
    "yes please", "have", "has",
})  # fmt: skip
_NO = frozenset({
    "no", "n", "false", "f", "0", "-", "na", "nac oes", "naddo", "nac ydy", "nac ydw", "dim",
    "none", "n/a", "no thanks",
})  # fmt: skip


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: CellValue) -> str:
    return cell_text(value)


def _parse_bool(value: CellValue) -> bool:
    if isinstance(value, bool):
        return value
    text = " ".join(_text(value).casefold().split())
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Refused(
        _("“{value}” is not yes or no. Write yes or no (ie or na).").format(value=_text(value))
    )


_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _parse_date(value: CellValue, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    # The two common forms without strptime; anything else, or a bad date, the long way.
    found = _UK_DATE.fullmatch(text)
    if found is not None:
        day, month, year = (int(part) for part in found.groups())
        with contextlib.suppress(ValueError):
            return dt.date(year, month, day)
    found = _ISO_DATE.fullmatch(text)
    if found is not None:
        year, month, day = (int(part) for part in found.groups())
        with contextlib.suppress(ValueError):
            return dt.date(year, month, day)
    try:
        return parse_date(_text(value), field=name)
    except InvalidValue as exc:
        raise _Refused(exc.error.message) from None


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


_ENUM_EXTRAS: dict[type[Enum], dict[str, Enum]] = {
    Language: {
        "welsh": Language.WELSH, "cymraeg": Language.WELSH, "w": Language.WELSH,
        "english": Language.ENGLISH, "saesneg": Language.ENGLISH, "e": Language.ENGLISH,
    },
    WelshFluency: {
        "yes": WelshFluency.FLUENT, "y": WelshFluency.FLUENT, "ie": WelshFluency.FLUENT,
        "rhugl": WelshFluency.FLUENT, "welsh speaker": WelshFluency.FLUENT,
        "dysgwr": WelshFluency.LEARNER, "learning": WelshFluency.LEARNER,
        "some": WelshFluency.CONVERSATIONAL, "ychydig": WelshFluency.CONVERSATIONAL,
        "no": WelshFluency.NONE, "n": WelshFluency.NONE, "na": WelshFluency.NONE,
        "dim": WelshFluency.NONE, "none": WelshFluency.NONE,
    },
    VolunteerStatus: {
        "current": VolunteerStatus.ACTIVE, "yes": VolunteerStatus.ACTIVE,
        "gweithredol": VolunteerStatus.ACTIVE, "on hold": VolunteerStatus.PAUSED,
        "inactive": VolunteerStatus.PAUSED, "former": VolunteerStatus.LEFT,
        "gadael": VolunteerStatus.LEFT, "wedi gadael": VolunteerStatus.LEFT,
    },
    DbsLevel: {
        "no": DbsLevel.NONE, "n": DbsLevel.NONE, "none": DbsLevel.NONE, "na": DbsLevel.NONE,
        "n/a": DbsLevel.NONE, "dim": DbsLevel.NONE, "not needed": DbsLevel.NONE,
    },
    DbsWorkforce: {
        "adults": DbsWorkforce.ADULT, "children": DbsWorkforce.CHILD,
        "adult and child": DbsWorkforce.BOTH, "oedolion": DbsWorkforce.ADULT,
        "plant": DbsWorkforce.CHILD,
    },
    ConsentMethod: {
        "paper": ConsentMethod.PAPER_FORM, "form": ConsentMethod.PAPER_FORM,
        "online": ConsentMethod.ONLINE_FORM, "website": ConsentMethod.ONLINE_FORM,
        "phone": ConsentMethod.PHONE, "telephone": ConsentMethod.PHONE,
        "verbal": ConsentMethod.IN_PERSON, "face to face": ConsentMethod.IN_PERSON,
        "email": ConsentMethod.EMAIL, "e mail": ConsentMethod.EMAIL,
        "e bost": ConsentMethod.EMAIL, "ebost": ConsentMethod.EMAIL,
        "ffon": ConsentMethod.PHONE, "ffôn": ConsentMethod.PHONE,
        "dros y ffon": ConsentMethod.PHONE, "dros y ffôn": ConsentMethod.PHONE,
        "ffurflen": ConsentMethod.PAPER_FORM, "ffurflen bapur": ConsentMethod.PAPER_FORM,
        "papur": ConsentMethod.PAPER_FORM, "ar lein": ConsentMethod.ONLINE_FORM,
        "arlein": ConsentMethod.ONLINE_FORM, "yn bersonol": ConsentMethod.IN_PERSON,
        "wyneb yn wyneb": ConsentMethod.IN_PERSON,
    },
    OrganisationKind: {
        "charity": OrganisationKind.COMMUNITY_GROUP, "group": OrganisationKind.COMMUNITY_GROUP,
        "mutual aid": OrganisationKind.MUTUAL_AID, "church": OrganisationKind.FAITH_GROUP,
        "chapel": OrganisationKind.FAITH_GROUP, "capel": OrganisationKind.FAITH_GROUP,
        "eglwys": OrganisationKind.FAITH_GROUP, "mosque": OrganisationKind.FAITH_GROUP,
        "council": OrganisationKind.LOCAL_AUTHORITY, "town council":
        OrganisationKind.COMMUNITY_COUNCIL, "cyngor cymuned": OrganisationKind.COMMUNITY_COUNCIL,
        "nhs": OrganisationKind.HEALTH_BOARD,
    },
}  # fmt: skip
_DBS_WORDS = (
    ("enhanced", DbsLevel.ENHANCED),
    ("uwch", DbsLevel.ENHANCED),
    ("standard", DbsLevel.STANDARD),
    ("safonol", DbsLevel.STANDARD),
    ("basic", DbsLevel.BASIC),
    ("sylfaenol", DbsLevel.BASIC),
)
_ENUM_NAMES: dict[type[Enum], Callable[[], str]] = {
    Language: lambda: _("a language"),
    WelshFluency: lambda: _("a level of Welsh"),
    VolunteerStatus: lambda: _("a volunteer status"),
    DbsLevel: lambda: _("a DBS level"),
    DbsWorkforce: lambda: _("a DBS workforce"),
    ConsentMethod: lambda: _("a way of recording consent"),
    OrganisationKind: lambda: _("a kind of group"),
}


@functools.cache
def _enum_table(enum: type[LabelledEnum]) -> dict[str, LabelledEnum]:
    table: dict[str, LabelledEnum] = {}
    for member in enum:
        table[_fold(member.value)] = member
        with use_language("en"):
            table.setdefault(_fold(member.label), member)
        with use_language("cy"):
            table.setdefault(_fold(member.label), member)
    for text, extra in _ENUM_EXTRAS.get(enum, {}).items():
        assert isinstance(extra, LabelledEnum)
        table.setdefault(_fold(text), extra)
    return table


def _parse_enum(enum: type[LabelledEnum], value: CellValue) -> LabelledEnum:
    text = _text(value)
    folded = _fold(text)
    found: LabelledEnum | None = _enum_table(enum).get(folded)
    if found is None and enum is DbsLevel:
        found = next((level for word, level in _DBS_WORDS if word in folded), None)
    if found is None:
        raise _Refused(
            _("“{value}” is not {what}. Write one of: {choices}.").format(
                value=text,
                what=_ENUM_NAMES[enum](),
                choices=", ".join(member.label for member in enum),
            )
        )
    return found


_LIST_SPLIT = re.compile(r"[;,/\n]+")
_GROUP_SPLIT = re.compile(r"[;\n]+")
_SURNAME_PARTICLES = frozenset({
    "ap", "ab", "ferch", "verch", "van", "von", "de", "da", "di", "du", "le", "la", "mac", "o",
    "del", "der", "st", "st.",
})  # fmt: skip


def split_full_name(text: str) -> tuple[str, str]:
    """ "Dafydd ap Gwilym" -> ("Dafydd", "ap Gwilym"); "Jones, Siân" -> ("Siân", "Jones")."""
    text = " ".join(text.split())
    if "," in text:
        last, _comma, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    if len(words) == 1:
        return words[0], ""
    start = len(words) - 1
    while start > 1 and words[start - 1].casefold() in _SURNAME_PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


# -- turning rows into records ----------------------------------------------------------------

_VOLUNTEER_DATES = frozenset({
    "date_of_birth", "joined_on", "left_on", "consent_date", "dbs_issue_date", "dbs_renewal_due",
})  # fmt: skip
_VOLUNTEER_BOOLS = frozenset({"has_car", "can_drive", "consent_share", "dbs_update_service"})
_VOLUNTEER_ENUMS: dict[str, type[LabelledEnum]] = {
    "preferred_language": Language,
    "welsh_fluency": WelshFluency,
    "status": VolunteerStatus,
    "consent_method": ConsentMethod,
    "dbs_level": DbsLevel,
    "dbs_workforce": DbsWorkforce,
}
_PHONES = ("phone", "phone_alt", "emergency_contact_phone")
_JOINERS = {"address": ", ", "notes": "\n", "skills": "; ", "groups": "; "}


@dataclass
class _Converted:
    row: int
    data: Any = None  # VolunteerData or OrganisationData when the row can be imported
    # Values checked on the quick path (phones, e-mail), which override those in `data`.
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None


class _RowReader:
    """Reads mapped cells into a record; every problem is named by row, column and value."""

    def __init__(
        self,
        info: SheetInfo,
        kind: str,
        mapping: ColumnMapping,
        options: ImportOptions,
        session: Session,
    ) -> None:
        self.kind = kind
        self.fields = import_fields(kind)
        self.options = options
        index = {header: i for i, header in enumerate(info.headers)}
        self.columns: dict[str, list[tuple[int, str]]] = {}
        for header in info.headers:
            name = mapping.get(header, "")
            if name:
                self.columns.setdefault(name, []).append((index[header], header))
        self.width = len(info.headers)
        self.headers = info.headers
        self._groups: dict[str, list[str]] = {}
        self._skills: dict[str, str] = {}
        if kind == "volunteers":
            for uuid, name_en, name_cy in session.execute(
                select(m.Organisation.uuid, m.Organisation.name_en, m.Organisation.name_cy).where(
                    m.Organisation.deleted.is_(False)
                )
            ):
                for name in {_fold(name_en or ""), _fold(name_cy or "")} - {""}:
                    self._groups.setdefault(name, []).append(uuid)
            for code, label_en, label_cy in session.execute(
                select(m.Skill.code, m.Skill.label_en, m.Skill.label_cy)
            ):
                for text in (code, label_en, label_cy):
                    if text:
                        self._skills.setdefault(_fold(text), code)

    def require_names(self) -> None:
        if self.kind == "volunteers":
            if "full_name" in self.columns or {"first_name", "last_name"} <= set(self.columns):
                return
            raise CvcError(
                _(
                    "No column is set to hold the volunteers' names. Choose the columns for "
                    "“First name” and “Surname”, or one for “Full name”."
                )
            )
        if not ({"name_en", "name_cy"} & set(self.columns)):
            raise CvcError(
                _("No column is set to hold the groups' names. Choose the column for “Name”.")
            )

    def _cell(self, cells: Sequence[CellValue], name: str) -> tuple[CellValue, str]:
        """The cell (or the joined cells) for a field, and the column header it came from."""
        places = self.columns.get(name)
        if not places:
            return None, ""
        if len(places) == 1:
            i, header = places[0]
            return (cells[i] if i < len(cells) else None), header
        texts = [_text(cells[i]) for i, _h in places if i < len(cells)]
        joined = _JOINERS.get(name, " ").join(t for t in texts if t)
        return joined, " + ".join(h for _i, h in places)

    def convert(self, row: SheetRow) -> _Converted:
        result = _Converted(row.number)
        cells = row.cells
        if len(cells) > self.width and any(_text(c) for c in cells[self.width :]):
            result.problems.append(
                RowProblem(
                    row.number,
                    "",
                    "",
                    "",
                    _(
                        "This row has cells beyond the last column with a header; "
                        "they were not read."
                    ),
                    blocking=False,
                )
            )
        if self.kind == "volunteers":
            self._volunteer(cells, result)
        else:
            self._group(cells, result)
        return result

    def _problem(
        self, result: _Converted, name: str, header: str, value: str, message: str
    ) -> None:
        result.problems.append(RowProblem(result.row, header, value, name, message))

    # ---- volunteers --------------------------------------------------------------------------

    def _volunteer(self, cells: Sequence[CellValue], result: _Converted) -> None:
        values: dict[str, Any] = {}
        origins: dict[str, tuple[str, str]] = {}  # field -> (column, text) for error messages
        failed = False
        for name in self.columns:
            value, header = self._cell(cells, name)
            text = _text(value)
            origins[name] = (header, text)
            if not text:
                continue
            result.shown[name] = text
            try:
                if name == "full_name":
                    first, last = split_full_name(text)
                    values.setdefault("first_name", first)
                    values.setdefault("last_name", last)
                    origins.setdefault("first_name", (header, text))
                    origins.setdefault("last_name", (header, text))
                elif name in _VOLUNTEER_DATES:
                    values[name] = _parse_date(value, name)
                elif name in _VOLUNTEER_BOOLS:
                    values[name] = _parse_bool(value)
                elif name in _VOLUNTEER_ENUMS:
                    values[name] = _parse_enum(_VOLUNTEER_ENUMS[name], value)
                elif name in _PHONES:
                    values[name] = quick_phone(text, field=name)
                elif name == "email":
                    values[name] = quick_email(text, field=name)
                elif name == "skills":
                    values[name] = self._skill_codes(text)
                elif name == "groups":
                    values["memberships"] = self._memberships(text)
                else:
                    values[name] = text
            except _Refused as exc:
                failed = True
                self._problem(result, name, header, text, exc.message)
            except InvalidValue as exc:
                failed = True
                self._problem(result, name, header, text, exc.error.message)
        if self.options.group_uuid:
            memberships = list(values.get("memberships", ()))
            if all(ms.organisation_uuid != self.options.group_uuid for ms in memberships):
                memberships.append(Membership(self.options.group_uuid))
            values["memberships"] = tuple(memberships)
        if (
            values.get("consent_share")
            and values.get("consent_method") is None
            and self.options.consent_method is not None
        ):
            values["consent_method"] = self.options.consent_method
        # Phones and e-mail were checked above (the quick way); the rest by the domain rules.
        checked = {name: values.pop(name) for name in (*_PHONES, "email") if name in values}
        values.setdefault("first_name", "")
        values.setdefault("last_name", "")
        try:
            clean = clean_volunteer(VolunteerData(**values))
        except ValidationError as exc:
            failed = True
            reported = {p.field for p in result.problems}
            for error in exc.errors:
                if error.field in reported:
                    continue  # its value was already refused above, with a better reason
                header, text = origins.get(error.field, ("", ""))
                if error.field in ("first_name", "last_name") and not header:
                    header, text = origins.get("full_name", ("", ""))
                self._problem(result, error.field, header, text, error.message)
        if not failed:
            result.data, result.extra = clean, checked

    def _skill_codes(self, text: str) -> tuple[str, ...]:
        codes = []
        for part in _LIST_SPLIT.split(text):
            folded = _fold(part)
            if folded:
                codes.append(self._skills.get(folded) or folded.replace(" ", "_"))
        return tuple(codes)

    def _memberships(self, text: str) -> tuple[Membership, ...]:
        found: list[Membership] = []
        for part in _GROUP_SPLIT.split(text):
            name = part.strip()
            if not name:
                continue
            uuids = self._groups.get(_fold(name), [])
            if not uuids:
                raise _Refused(
                    _(
                        "No group is called “{name}”. Add the group (or import the groups) "
                        "first, or leave this column out."
                    ).format(name=name)
                )
            if len(uuids) > 1:
                raise _Refused(
                    _("More than one group is called “{name}”; rename one of them first.").format(
                        name=name
                    )
                )
            if all(ms.organisation_uuid != uuids[0] for ms in found):
                found.append(Membership(uuids[0]))
        return tuple(found)

    # ---- groups -------------------------------------------------------------------------------

    def _group(self, cells: Sequence[CellValue], result: _Converted) -> None:
        values: dict[str, Any] = {}
        origins: dict[str, tuple[str, str]] = {}
        failed = False
        for name in self.columns:
            value, header = self._cell(cells, name)
            text = _text(value)
            origins[name] = (header, text)
            if not text:
                continue
            result.shown[name] = text
            if name == "kind":
                try:
                    values[name] = _parse_enum(OrganisationKind, value)
                except _Refused as exc:
                    failed = True
                    self._problem(result, name, header, text, exc.message)
            else:
                values[name] = text
        values.setdefault("name_en", "")
        try:
            clean = clean_organisation(OrganisationData(**values))
        except ValidationError as exc:
            failed = True
            for error in exc.errors:
                header, text = origins.get(error.field, ("", ""))
                if error.field == "name_en" and not header:
                    header, text = origins.get("name_cy", ("", ""))
                self._problem(result, error.field, header, text, error.message)
        if not failed:
            result.data = clean


# -- the service ---------------------------------------------------------------------------------


@dataclass
class _Tally:
    """What one pass over the file found and did."""

    rows_read: int = 0
    rows_ok: int = 0
    rows_with_problems: int = 0
    imported: int = 0
    merged: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    problems_total: int = 0
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    sample: list[PreviewRow] = field(default_factory=list)
    new_rows: dict[str, int] = field(default_factory=dict)  # new record uuid -> row number
    duplicates: list[LikelyDuplicate] = field(default_factory=list)
    duplicates_total: int = 0

    def problem(self, problem: RowProblem) -> None:
        self.problems_total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def skip(self, row: int, reasons: Sequence[RowProblem]) -> None:
        self.skipped += 1
        if len(self.skipped_rows) < MAX_PROBLEMS:
            self.skipped_rows.append(SkippedRow(row, tuple(reasons)))


def _column(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


class ImportService(ServiceBase):
    """Imports volunteers or groups from a CSV, XLSX or ODS file (see the module's notes)."""

    # ---- the wizard's first steps: the file and its columns ----------------------------------

    def inspect(
        self, path: Path, *, sheet: str | None = None, header_row: int | None = None
    ) -> SheetInfo:
        """The file's format, sheets, encoding, separator and header row; nothing is written.

        `sheet` picks a worksheet by name; `header_row` says which row holds the column names
        when the first row with two or more cells filled is not it.
        """
        return inspect_sheet(Path(path), sheet=sheet, header_row=header_row)

    @staticmethod
    def fields(kind: str) -> list[ImportField]:
        """The fields a column can fill, for the mapping step's choices."""
        return list(import_fields(kind).values())

    def suggest_mapping(self, info: SheetInfo, *, kind: str) -> tuple[ColumnMapping, bool]:
        """(mapping, remembered): the mapping used last time for this header row, else a guess."""
        return MappingMemory(self._db, actor=self._actor).suggest(kind, info)

    def remember_mapping(self, info: SheetInfo, mapping: Mapping[str, str], *, kind: str) -> None:
        MappingMemory(self._db, actor=self._actor).remember(kind, info, mapping)

    # ---- preview and import -----------------------------------------------------------------

    def preview(
        self,
        path: Path | SheetInfo,
        *,
        kind: str,
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        options: ImportOptions | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ImportPreview:
        """Every row's problems and the likely duplicates, without writing anything.

        The rows are written inside a transaction that is then rolled back, so the duplicate
        check compares them with the records held exactly as an import would.
        """
        info = path if isinstance(path, SheetInfo) else self.inspect(path, sheet=sheet)
        chosen, remembered = self._mapping(info, kind, mapping)
        with self._transaction(commit=False) as session:
            tally = self._run(
                session,
                info,
                kind,
                chosen,
                options or ImportOptions(),
                decisions={},
                sample=True,
                find_duplicates=True,
                progress=progress,
                cancel=cancel,
            )
        return ImportPreview(
            info=info,
            kind=kind,
            mapping=chosen,
            mapping_remembered=remembered,
            rows_read=tally.rows_read,
            rows_ok=tally.rows_ok,
            rows_with_problems=tally.rows_with_problems,
            problems=tuple(tally.problems),
            problems_total=tally.problems_total,
            duplicates=tuple(tally.duplicates),
            duplicates_total=tally.duplicates_total,
            sample=tuple(tally.sample),
        )

    def import_rows(
        self,
        path: Path | SheetInfo,
        *,
        kind: str,
        mapping: Mapping[str, str] | None = None,
        decisions: Mapping[int, RowDecision] | None = None,
        sheet: str | None = None,
        options: ImportOptions | None = None,
        dry_run: bool = False,
        find_duplicates: bool = False,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ImportResult:
        """Import the rows in one transaction: all of them as decided, or nothing.

        `decisions` maps a row number to accept, skip or merge into an existing record's uuid;
        rows not named are accepted. Rows with problems are always skipped, with their reasons.
        A merge fills what the existing record lacks and adds memberships; it never overwrites.
        With `dry_run` everything is checked and counted, then rolled back. With
        `find_duplicates` the result also lists imported rows that look like records already
        held (the preview does this before an import from the wizard).
        """
        info = path if isinstance(path, SheetInfo) else self.inspect(path, sheet=sheet)
        chosen, _remembered = self._mapping(info, kind, mapping)
        backup = None if dry_run else self._backup()
        import_id = str(uuid_module.uuid4())
        with self._transaction(commit=not dry_run) as session:
            tally = self._run(
                session,
                info,
                kind,
                chosen,
                options or ImportOptions(),
                decisions=dict(decisions or {}),
                sample=False,
                find_duplicates=find_duplicates,
                progress=progress,
                cancel=cancel,
                import_id=import_id,
            )
            self._audit(
                session,
                record_type="import",
                record_uuid=import_id,
                action=AuditAction.IMPORT,
                changes={
                    "kind": (None, kind),
                    "source": (None, info.path.name),
                    "rows_read": (None, tally.rows_read),
                    "imported": (None, tally.imported),
                    "merged": (None, tally.merged),
                    "skipped": (None, tally.skipped),
                },
            )
            if not dry_run:
                session.merge(
                    m.Setting(
                        key=mapping_setting_key(kind, info),
                        value=json.dumps(chosen, ensure_ascii=False),
                    )
                )
        return ImportResult(
            info=info,
            kind=kind,
            mapping=chosen,
            dry_run=dry_run,
            rows_read=tally.rows_read,
            imported=tally.imported,
            merged=tally.merged,
            skipped=tally.skipped,
            skipped_rows=tuple(tally.skipped_rows),
            warnings=tuple(tally.warnings),
            duplicates=tuple(tally.duplicates),
            duplicates_total=tally.duplicates_total,
            import_id=import_id,
            backup_path=backup,
        )

    # ---- helpers -----------------------------------------------------------------------------

    def _mapping(
        self, info: SheetInfo, kind: str, mapping: Mapping[str, str] | None
    ) -> tuple[ColumnMapping, bool]:
        import_fields(kind)  # refuses an unknown kind
        if mapping is None:
            return self.suggest_mapping(info, kind=kind)
        return check_mapping(info.headers, mapping, kind), False

    @contextlib.contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[Session]:
        with self._db.session_factory() as session:
            transaction = session.begin()
            try:
                yield session
                if commit:
                    session.execute(update(m.Instance).values(clock=self._db.clock.last()))
                    transaction.commit()
                else:
                    transaction.rollback()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise

    def _backup(self) -> Path | None:
        path = self._db.path
        if not self._db.is_sqlite or path is None or not path.exists():
            return None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = backups_dir_for(path) / f"{path.stem}-{stamp}-before-import.db"
        return backup_sqlite(path, target)

    def _run(
        self,
        session: Session,
        info: SheetInfo,
        kind: str,
        mapping: ColumnMapping,
        options: ImportOptions,
        *,
        decisions: dict[int, RowDecision],
        sample: bool,
        find_duplicates: bool,
        progress: ProgressCallback | None,
        cancel: CancelFlag | None,
        import_id: str = "",
    ) -> _Tally:
        if options.group_uuid and kind == "volunteers":
            self._live_group(session, options.group_uuid)
        reader = _RowReader(info, kind, mapping, options, session)
        reader.require_names()
        writer: _Writer = (
            _VolunteerWriter(self, session, info, import_id)
            if kind == "volunteers"
            else _GroupWriter(self, session, info, import_id)
        )
        if count_rows(info, stop_after=options.max_rows, cancel=cancel) > options.max_rows:
            raise CvcError(
                _(
                    "“{path}” has more than {limit} rows; cvcdesk imports at most {limit} "
                    "at a time. Split the file and import each part. Nothing was imported."
                ).format(path=info.path.name, limit=f"{options.max_rows:,}")
            )
        tally = _Tally()

        def read_progress(done: int, total: int) -> None:
            if progress is not None:
                progress(done * _READ_SHARE // max(total, 1), _PROGRESS_UNITS)

        for row in iter_rows(info, progress=read_progress, cancel=cancel):
            tally.rows_read += 1
            converted = reader.convert(row)
            blocking = [p for p in converted.problems if p.blocking]
            for problem in converted.problems:
                tally.problem(problem)
                if not problem.blocking and len(tally.warnings) < MAX_PROBLEMS:
                    tally.warnings.append(problem)
            if sample and len(tally.sample) < SAMPLE_ROWS:
                tally.sample.append(
                    PreviewRow(row.number, tuple(converted.shown.items()), not blocking)
                )
            if blocking or not converted.ok:
                tally.rows_with_problems += 1
                tally.skip(row.number, blocking)
                continue
            tally.rows_ok += 1
            decision = decisions.get(row.number, RowDecision())
            if decision.action == "skip":
                tally.skip(
                    row.number,
                    [RowProblem(row.number, "", "", "", _("Left out, as you chose."))],
                )
            elif decision.action == "merge":
                refused = writer.merge(
                    row.number, converted.data, converted.extra, decision.target_uuid
                )
                if refused is None:
                    tally.merged += 1
                else:
                    tally.problem(refused)
                    tally.skip(row.number, [refused])
            else:
                uuid = writer.add(row.number, converted.data, converted.extra)
                if find_duplicates:  # kept only when needed: memory stays flat otherwise
                    tally.new_rows[uuid] = row.number
                tally.imported += 1
        writer.finish()
        if progress is not None:
            progress(_READ_SHARE, _PROGRESS_UNITS)
        if find_duplicates and tally.new_rows:

            def scan_progress(done: int, total: int) -> None:
                if progress is not None:
                    share = _PROGRESS_UNITS - _READ_SHARE
                    progress(_READ_SHARE + done * share // max(total, 1), _PROGRESS_UNITS)

            self._duplicates(session, kind, tally, scan_progress, cancel)
        if progress is not None:
            progress(_PROGRESS_UNITS, _PROGRESS_UNITS)
        return tally

    @staticmethod
    def _live_group(session: Session, uuid: str) -> None:
        found = session.scalar(
            select(m.Organisation.id).where(
                m.Organisation.uuid == uuid, m.Organisation.deleted.is_(False)
            )
        )
        if found is None:
            raise NotFoundError(_("No group has the id “{key}”.").format(key=uuid))

    def _duplicates(
        self,
        session: Session,
        kind: str,
        tally: _Tally,
        progress: ProgressCallback,
        cancel: CancelFlag | None,
    ) -> None:
        new = tally.new_rows
        if kind == "volunteers":
            findings = find_duplicate_volunteers(
                session, only=set(new), progress=progress, cancel=cancel
            )
        else:
            findings = find_duplicate_organisations(
                session, only=set(new), progress=progress, cancel=cancel
            )
        tally.duplicates_total = len(findings)
        findings = findings[:MAX_DUPLICATES]
        existing = {
            ref.uuid for finding in findings for ref in finding.records if ref.uuid not in new
        }
        about = self._describe(session, kind, existing)
        found: list[LikelyDuplicate] = []
        for finding in findings:
            a, b = (ref.uuid for ref in finding.records[:2])
            reasons = tuple(reason.text() for reason in finding.reasons)
            if a in new and b in new:
                row, other = sorted((new[a], new[b]))
                found.append(LikelyDuplicate(other, finding.score, reasons, other_row=row))
                continue
            mine, theirs = (a, b) if a in new else (b, a)
            name, reference, postcode = about.get(theirs, ("", "", ""))
            found.append(
                LikelyDuplicate(
                    new[mine],
                    finding.score,
                    reasons,
                    uuid=theirs,
                    name=name,
                    reference=reference,
                    postcode=postcode,
                )
            )
        found.sort(key=lambda d: (d.row, -d.score))
        tally.duplicates = found

    @staticmethod
    def _describe(session: Session, kind: str, uuids: set[str]) -> dict[str, tuple[str, str, str]]:
        """uuid -> (name, reference, postcode) of records already held."""
        about: dict[str, tuple[str, str, str]] = {}
        keys = list(uuids)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            if kind == "volunteers":
                V = m.Volunteer
                for uuid, first, known, last, reference, postcode in session.execute(
                    select(
                        V.uuid, V.first_name, V.known_as, V.last_name, V.reference, V.postcode
                    ).where(V.uuid.in_(chunk))
                ):
                    about[uuid] = (f"{known or first} {last}".strip(), reference, postcode)
            else:
                G = m.Organisation
                for uuid, name_en, name_cy, postcode in session.execute(
                    select(G.uuid, G.name_en, G.name_cy, G.postcode).where(G.uuid.in_(chunk))
                ):
                    about[uuid] = (name_en or name_cy, "", postcode)
        return about


# -- writing -------------------------------------------------------------------------------------


def _sqlite_value(kind: Any) -> Callable[[Any], Any]:
    """How SQLAlchemy stores a value of this column type in SQLite, done once per value."""
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, Time):
        return lambda v: None if v is None else v.strftime("%H:%M:%S.%f")
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(v)
    return lambda v: v


class _Bulk:
    """Inserts many rows at once; on SQLite straight through the driver (executemany), as
    SQLAlchemy's per-row parameter handling would cost more than the insert itself."""

    def __init__(self, table: Any) -> None:
        self.table: Table = table
        columns = [c for c in self.table.columns if not (c.primary_key and c.name == "id")]
        names = [c.name for c in columns]
        self._values = operator.itemgetter(*names)
        # Only dates, times and booleans need changing; the rest go in as they are.
        self._convert = [
            (index, _sqlite_value(c.type))
            for index, c in enumerate(columns)
            if isinstance(c.type, Date | DateTime | Time | Boolean)
        ]
        marks = ", ".join("?" * len(names))
        self.sql = f"INSERT INTO {self.table.name} ({', '.join(names)}) VALUES ({marks})"

    def insert(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        if connection.dialect.name == "sqlite" and connection.dialect.paramstyle == "qmark":
            connection.exec_driver_sql(self.sql, [self._row(row) for row in rows])
        else:
            connection.execute(insert(self.table), rows)

    def _row(self, row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(self._values(row))
        for index, convert in self._convert:
            values[index] = convert(values[index])
        return tuple(values)


_VOLUNTEERS = _Bulk(m.Volunteer.__table__)
_SKILLS = _Bulk(m.VolunteerSkill.__table__)
_MEMBERSHIPS = _Bulk(m.Membership.__table__)
_CONSENTS = _Bulk(m.ConsentEvent.__table__)
_AUDIT = _Bulk(m.AuditEntry.__table__)
_ENUM_COLUMNS = tuple(name for name in SCALAR_FIELDS if name in _VOLUNTEER_ENUMS)
_PLAIN_FIELDS = tuple(
    name
    for name in SCALAR_FIELDS
    if name not in _VOLUNTEER_ENUMS and name not in (*_PHONES, "email")
)


_FTS_TRIGGER = re.compile(
    r"CREATE TRIGGER volunteer_fts_ai AFTER INSERT ON volunteer WHEN (?P<when>[^;]*?) BEGIN "
    r"INSERT INTO volunteer_fts\((?P<columns>[^)]*)\) VALUES \((?P<values>[^)]*)\); END",
    re.IGNORECASE,
)


@dataclass
class _DeferredSearchIndex:
    """Adds the new rows to the full-text index in one statement at the end of an import.

    The index's insert trigger costs more than the row itself when it fires row by row; it is
    dropped for the import and put back, with the new rows indexed as it would have indexed
    them, inside the same transaction (so a rollback puts everything back as it was). Used only
    when the trigger has the expected form; otherwise it simply keeps firing.
    """

    trigger_sql: str
    insert_sql: str
    last_id: int

    @classmethod
    def start(cls, connection: Connection) -> _DeferredSearchIndex | None:
        if connection.dialect.name != "sqlite":
            return None
        sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'volunteer_fts_ai'"
        ).scalar()
        found = _FTS_TRIGGER.fullmatch(" ".join((sql or "").split()))
        if found is None:
            return None
        values = found["values"].replace("new.", "")
        when = found["when"].replace("new.", "")
        last = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM volunteer").scalar()
        connection.exec_driver_sql("DROP TRIGGER volunteer_fts_ai")
        insert_sql = (
            f"INSERT INTO volunteer_fts({found['columns']}) SELECT {values} FROM volunteer "
            f"WHERE id > ? AND ({when})"
        )
        return cls(str(sql), insert_sql, int(last or 0))

    def restore(self, connection: Connection) -> None:
        connection.exec_driver_sql(self.insert_sql, (self.last_id,))
        connection.exec_driver_sql(self.trigger_sql)


def _ids_of(connection: Connection, uuids: list[str]) -> dict[str, int]:
    table = m.Volunteer.__table__
    found: dict[str, int] = {}
    for start in range(0, len(uuids), 500):
        chunk = uuids[start : start + 500]
        for uuid, key in connection.execute(
            select(table.c.uuid, table.c.id).where(table.c.uuid.in_(chunk))
        ):
            found[uuid] = int(key)
    return found


class _Writer:
    def __init__(self, service: ImportService, session: Session, info: SheetInfo, import_id: str):
        self.service = service
        self.session = session
        self.db = service.database
        self.source = info.path.name
        self.import_id = import_id

    def add(self, row: int, data: Any, extra: dict[str, Any]) -> str:
        raise NotImplementedError

    def merge(self, row: int, data: Any, extra: dict[str, Any], target: str) -> RowProblem | None:
        raise NotImplementedError

    def finish(self) -> None:
        """Write what is still pending (called once, after the last row)."""

    def _import_changes(self, row: int) -> dict[str, tuple[Any, Any]]:
        return {
            "source": (None, self.source),
            "row": (None, row),
            "import": (None, self.import_id),
        }

    def _audit_row(self, record_type: str, uuid: str, row: int, now: dt.datetime) -> dict[str, Any]:
        return {
            "at": now,
            "actor": self.service._actor,
            "instance": self.db.instance_uuid,
            "record_type": record_type,
            "record_uuid": uuid,
            "action": AuditAction.IMPORT.value,
            "changes": json.dumps(
                {k: [jsonable(a), jsonable(b)] for k, (a, b) in self._import_changes(row).items()},
                ensure_ascii=False,
            ),
        }


def _filled(value: Any) -> bool:
    return value not in (None, "", False, (), DbsLevel.NONE, WelshFluency.NONE)


class _VolunteerWriter(_Writer):
    """Adds volunteers in batches with plain inserts; merges go through the ORM."""

    def __init__(self, service: ImportService, session: Session, info: SheetInfo, import_id: str):
        super().__init__(service, session, info, import_id)
        self._pending: list[tuple[int, str, VolunteerData, dict[str, Any]]] = []
        self._org_ids: dict[str, int] = {}
        self._search: _DeferredSearchIndex | None = None

    def finish(self) -> None:
        self.flush()
        if self._search is not None:
            self._search.restore(self.session.connection())

    def add(self, row: int, data: VolunteerData, extra: dict[str, Any]) -> str:
        uuid = str(uuid_module.uuid4())
        self._pending.append((row, uuid, data, extra))
        if len(self._pending) >= _BATCH:
            self.flush()
        return uuid

    def _org_id(self, uuid: str) -> int:
        known = self._org_ids.get(uuid)
        if known is None:
            found = self.session.scalar(
                select(m.Organisation.id).where(m.Organisation.uuid == uuid)
            )
            if found is None:
                raise NotFoundError(_("No group has the id “{key}”.").format(key=uuid))
            known = self._org_ids[uuid] = int(found)
        return known

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        connection = self.session.connection()
        if self._search is None and len(batch) >= _BATCH:
            self._search = _DeferredSearchIndex.start(connection)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        origin = self.db.instance_uuid
        clock = self.db.clock
        rows = []
        for _row, uuid, data, extra in batch:
            values = {name: getattr(data, name) for name in _PLAIN_FIELDS}
            for name in _ENUM_COLUMNS:
                value = getattr(data, name)
                values[name] = None if value is None else value.value
            values.update(extra)
            for name in _PHONES:
                values.setdefault(name, "")
            values.setdefault("email", "")
            sort_en, sort_cy = volunteer_sort_keys(data.first_name, data.last_name)
            values.update(
                uuid=uuid,
                origin=origin,
                changed_at=clock.now(),
                deleted=False,
                replaced_by=None,
                version=1,
                search_text=search_text(values["phone"], values["phone_alt"], data.postcode),
                sort_key_en=sort_en,
                sort_key_cy=sort_cy,
                created_at=now,
            )
            rows.append(values)
        _VOLUNTEERS.insert(connection, rows)
        ids = _ids_of(connection, [uuid for _row, uuid, _data, _extra in batch])
        skills: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        consents: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for row, uuid, data, _extra in batch:
            volunteer_id = ids[uuid]
            skills.extend({"volunteer_id": volunteer_id, "skill_code": c} for c in data.skills)
            for ms in data.memberships:
                members.append(
                    {
                        "uuid": str(uuid_module.uuid4()),
                        "origin": origin,
                        "changed_at": clock.now(),
                        "deleted": False,
                        "replaced_by": None,
                        "version": 1,
                        "volunteer_id": volunteer_id,
                        "organisation_id": self._org_id(ms.organisation_uuid),
                        "role": ms.role,
                        "since": ms.since,
                        "until": ms.until,
                    }
                )
            if data.consent_share:
                consents.append(
                    {
                        "volunteer_id": volunteer_id,
                        "given": True,
                        "on_date": data.consent_date,
                        "method": _column(data.consent_method),
                        "recorded_at": now,
                        "recorded_by": self.service._actor,
                    }
                )
            audits.append(self._audit_row("volunteer", uuid, row, now))
        for bulk, children in (
            (_SKILLS, skills),
            (_MEMBERSHIPS, members),
            (_CONSENTS, consents),
            (_AUDIT, audits),
        ):
            if children:
                bulk.insert(connection, children)

    def merge(
        self, row: int, data: VolunteerData, extra: dict[str, Any], target: str
    ) -> RowProblem | None:
        self.flush()
        session = self.session
        found: m.Volunteer | None = session.scalar(
            select(m.Volunteer).where(m.Volunteer.uuid == target, m.Volunteer.deleted.is_(False))
        )
        if found is None:
            return RowProblem(
                row, "", target, "", _("No volunteer has the id “{key}”.").format(key=target)
            )
        changes: dict[str, tuple[Any, Any]] = {}
        for name in SCALAR_FIELDS:
            new = extra.get(name, getattr(data, name))
            old = getattr(found, name)
            if _filled(new) and not _filled(_from_column(name, old)):
                changes[name] = (old, _column(new))
                setattr(found, name, _column(new))
        have = {s.skill_code for s in found.skills}
        more = [code for code in data.skills if code not in have]
        if more:
            changes["skills"] = (sorted(have), sorted(have | set(more)))
            found.skills.extend(m.VolunteerSkill(skill_code=code) for code in more)
        current = {ms.organisation.uuid: ms for ms in found.memberships}
        added = 0
        for ms in data.memberships:
            link = current.get(ms.organisation_uuid)
            if link is not None and not link.deleted:
                continue
            if link is None:
                link = m.Membership(
                    volunteer=found, organisation_id=self._org_id(ms.organisation_uuid)
                )
                session.add(link)
            link.deleted = False
            link.role, link.since, link.until = ms.role, ms.since, ms.until
            self.service._stamp(link)
            added += 1
        if added:
            changes["memberships"] = (0, added)
        if "consent_share" in changes:
            session.add(
                m.ConsentEvent(
                    volunteer_id=found.id,
                    given=True,
                    on_date=data.consent_date,
                    method=_column(data.consent_method),
                    recorded_by=self.service._actor,
                )
            )
        if changes:
            self.service._stamp(found)
        self.service._audit(
            session,
            record_type="volunteer",
            record_uuid=found.uuid,
            action=AuditAction.IMPORT,
            changes={**self._import_changes(row), **changes},
        )
        session.flush()
        return None


_VOLUNTEER_COLUMN_ENUMS: dict[str, type[Enum]] = dict(_VOLUNTEER_ENUMS)


def _from_column(name: str, value: Any) -> Any:
    enum = _VOLUNTEER_COLUMN_ENUMS.get(name)
    if enum is not None and value is not None:
        return enum(value)
    return value


_GROUP_SCALARS = tuple(f.name for f in fields(OrganisationData) if f.name != "coverage")


class _GroupWriter(_Writer):
    """Groups are few: each goes through the ORM, as a group saved by hand does."""

    def add(self, row: int, data: OrganisationData, extra: dict[str, Any]) -> str:
        group = m.Organisation()
        for name in _GROUP_SCALARS:
            setattr(group, name, _column(getattr(data, name)))
        self.service._stamp(group)
        self.session.add(group)
        self.session.flush()
        self.service._audit(
            self.session,
            record_type="organisation",
            record_uuid=group.uuid,
            action=AuditAction.IMPORT,
            changes=self._import_changes(row),
        )
        return group.uuid

    def merge(
        self, row: int, data: OrganisationData, extra: dict[str, Any], target: str
    ) -> RowProblem | None:
        found: m.Organisation | None = self.session.scalar(
            select(m.Organisation).where(
                m.Organisation.uuid == target, m.Organisation.deleted.is_(False)
            )
        )
        if found is None:
            return RowProblem(
                row, "", target, "", _("No group has the id “{key}”.").format(key=target)
            )
        changes: dict[str, tuple[Any, Any]] = {}
        for name in _GROUP_SCALARS:
            if name == "kind":
                continue  # every group has a kind; the one held stays
            new = getattr(data, name)
            old = getattr(found, name)
            if _filled(new) and not _filled(old):
                changes[name] = (old, new)
                setattr(found, name, new)
        if changes:
            self.service._stamp(found)
        self.service._audit(
            self.session,
            record_type="organisation",
            record_uuid=found.uuid,
            action=AuditAction.IMPORT,
            changes={**self._import_changes(row), **changes},
        )
        self.session.flush()
        return None
