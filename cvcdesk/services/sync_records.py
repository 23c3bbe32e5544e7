"""The record types a sync file carries: which fields leave, how each is read from the database
and written back, and the keyed hashes of pseudonymised volunteers.

Every type is described by data (columns, references, child lists), so reading for an export,
comparing with what arrives and writing it back all go one way. Rows are read and written with
Core statements in batches: an import of 100,000 volunteers never builds ORM objects.

What never leaves, whatever the profile: local integer keys; free-text notes (they may say
anything about anyone); a volunteer's emergency contact (a third person, who did not consent);
DBS certificate numbers (only the group that saw the certificate needs it); reasons given for
away periods; a household's house name or number and full postcode.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import json
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Time,
    select,
)
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import (
    AssignmentStatus,
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    Language,
    OrganisationKind,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.namekeys import fold_name
from cvcdesk.domain.names import english_sort_key, welsh_sort_key
from cvcdesk.domain.syncformat import (
    ACTIVITY,
    ACTIVITY_REGULAR,
    ASSIGNMENT,
    COVERAGE,
    HOUSEHOLD,
    HOUSEHOLD_SUPPORT,
    MEMBERSHIP,
    ORGANISATION,
    SHIFT,
    VOLUNTEER,
    VOLUNTEER_PSEUDONYM,
    SyncFileError,
    WireRecord,
)
from cvcdesk.domain.validation import InvalidValue, display_phone, postcode_parts
from cvcdesk.i18n import _
from cvcdesk.services.areas import ensure_area
from cvcdesk.store import models as m
from cvcdesk.store.database import Database
from cvcdesk.store.derived import organisation_sort_keys, search_tokens

BATCH = 1000  # records per statement batch: well inside SQLite's limit on parameters
_DECISION_NAMESPACE = uuid_module.UUID("3b0f6f5e-0c57-4d0e-9d55-6a1f3c1f2e7a")


def dumps(value: Any) -> str:
    """Compact JSON, as the file and sync_state hold it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decision_uuid(kind: str, pair_key: str) -> str:
    """The id a decision about an alert travels under: the same in every database."""
    return str(uuid_module.uuid5(_DECISION_NAMESPACE, f"{kind}|{pair_key}"))


# ---- values -------------------------------------------------------------------------------


def to_wire(value: Any) -> Any:
    """A database value as it is written in a file."""
    if isinstance(value, dt.date | dt.time):  # dt.datetime is a dt.date
        return value.isoformat()
    return value


# Reading skips SQLAlchemy's parsing of dates and times: SQLite itself turns the text it holds
# ("2024-05-17", "09:00:00.000000", "2024-05-17 09:00:00.000000") into the ISO text a file
# carries ("2024-05-17", "09:00:00", "2024-05-17T09:00:00"), as to_wire(parsed value) would.


def _sql_value(expression: str, kind: str) -> str:
    if kind in ("time", "datetime"):
        # As text on every database (a no-op on SQLite; PostgreSQL has typed columns).
        expression = f"CAST({expression} AS TEXT)"
    if kind == "time":
        return (
            f"CASE WHEN length({expression}) = 15 AND substr({expression}, 9) = '.000000' "
            f"THEN substr({expression}, 1, 8) ELSE {expression} END"
        )
    if kind == "datetime":
        return (
            f"CASE WHEN length({expression}) = 26 AND substr({expression}, 20) = '.000000' "
            f"THEN substr({expression}, 1, 10) || 'T' || substr({expression}, 12, 8) "
            f"ELSE replace({expression}, ' ', 'T') END"
        )
    return expression


@dataclass(frozen=True)
class Column:
    """A column sent as it is (after `export`, when set)."""

    wire: str
    name: str
    kind: str  # str | bool | int | float | date | time | datetime | json
    nullable: bool
    length: int | None = None
    choices: frozenset[str] | None = None
    default: Any = None  # what a missing field, or an erased one, becomes
    check: Callable[[Any], bool] | None = None  # json columns: is the value well formed?
    export: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Ref:
    """A reference to another record, sent as that record's uuid (or a service's or area's
    code, which every database shares)."""

    wire: str
    column: str
    target: type[m.Base]
    key: str = "uuid"
    nullable: bool = False
    make: str = ""  # "area" | "service": made here when missing; otherwise the record waits


@dataclass(frozen=True)
class Child:
    """A list kept in rows of another table (a volunteer's skills, an activity's exceptions)."""

    wire: str
    table_name: str
    parent: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)  # columns that do not leave

    @property
    def table(self) -> Table:
        return m.Base.metadata.tables[self.table_name]


@dataclass(frozen=True)
class RecordType:
    name: str
    model: type[m.Shareable]
    columns: tuple[Column, ...]
    refs: tuple[Ref, ...] = ()
    children: tuple[Child, ...] = ()
    natural_key: tuple[str, ...] = ()  # columns unique together (links such as memberships)
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    erase: bool = False  # a tombstone from the owner blanks the personal details here

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[attr-defined, no-any-return]

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return (
            *(c.wire for c in self.columns),
            *(r.wire for r in self.refs),
            *(c.wire for c in self.children),
        )


def _column_kind(column: Any) -> tuple[str, int | None]:
    kind = column.type
    if isinstance(kind, DateTime):
        return "datetime", None
    if isinstance(kind, Date):
        return "date", None
    if isinstance(kind, Time):
        return "time", None
    if isinstance(kind, Boolean):
        return "bool", None
    if isinstance(kind, Integer):
        return "int", None
    if isinstance(kind, Float):
        return "float", None
    if isinstance(kind, String):
        return "str", kind.length
    raise TypeError(f"no sync kind for {column}")  # pragma: no cover - a programming error


def _columns(
    model: type[m.Shareable],
    names: Sequence[str],
    *,
    choices: Mapping[str, type] | None = None,
    export: Mapping[str, Callable[[Any], Any]] | None = None,
    json_checks: Mapping[str, Callable[[Any], bool]] | None = None,
) -> tuple[Column, ...]:
    table: Table = model.__table__  # type: ignore[attr-defined]
    out = []
    for name in names:
        column = table.c[name]
        if json_checks and name in json_checks:
            kind, length = "json", None
        else:
            kind, length = _column_kind(column)
        default = getattr(column.default, "arg", None)
        if callable(default):
            default = None
        if default is None and not column.nullable:
            default = {"str": "", "bool": False, "int": 0, "float": 0.0, "json": "[]"}.get(kind)
        enum = (choices or {}).get(name)
        if enum is not None and default not in {e.value for e in enum}:  # type: ignore[attr-defined]
            default = None  # no valid default: the field must be there
        out.append(
            Column(
                wire=name,
                name=name,
                kind=kind,
                nullable=bool(column.nullable),
                length=length,
                choices=frozenset(e.value for e in enum) if enum else None,  # type: ignore[attr-defined]
                default=default,
                check=(json_checks or {}).get(name),
                export=(export or {}).get(name),
            )
        )
    return tuple(out)


def _district(postcode: Any) -> str:
    if not postcode:
        return ""
    try:
        return postcode_parts(str(postcode)).district
    except InvalidValue:
        return ""


def _is_skill_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and len(v) <= 60 for v in value)


def _is_slot_list(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    for slot in value:
        if not (
            isinstance(slot, list)
            and len(slot) == 3
            and isinstance(slot[0], int)
            and 0 <= slot[0] <= 6
            and isinstance(slot[1], str)
            and isinstance(slot[2], str)
        ):
            return False
        try:
            dt.time.fromisoformat(slot[1])
            dt.time.fromisoformat(slot[2])
        except ValueError:
            return False
    return True


# The derived columns of a volunteer, as cvcdesk.store.derived makes them on every ORM save,
# made faster for imports of many rows: names' keys are cached word by word (first names and
# surnames repeat), and UK mobile numbers are laid out without a full parse. Tests check that
# both give the same results.

_MOBILE_DIGITS = frozenset("12345789")  # 071-075 and 077-079; 070 and 076 are laid out apart


_LAYOUTS: dict[tuple[str, int], tuple[int, ...] | None] = {}


def national_phone(e164: str) -> str:
    """'+447712345678' -> '07712 345678', as display_phone lays it out.

    A UK number is laid out by its first digits and its length, so the layout of the first
    number seen with the same first six digits and length is used again for the others."""
    if len(e164) == 13 and e164.startswith("+447") and e164[4] in _MOBILE_DIGITS:
        return f"0{e164[3:7]} {e164[7:]}"
    if not e164.startswith("+44") or not e164[1:].isdigit():
        return display_phone(e164)
    key = (e164[:9], len(e164))
    layout = _LAYOUTS.get(key, ())
    digits = "0" + e164[3:]
    if layout == ():
        shown = display_phone(e164)
        layout = (
            tuple(i for i, ch in enumerate(shown) if ch == " ")
            if shown.replace(" ", "") == digits and len(_LAYOUTS) < 10_000
            else None
        )
        _LAYOUTS[key] = layout
        return shown
    if layout is None:
        return display_phone(e164)
    out = list(digits)
    for position in layout:
        out.insert(position, " ")
    return "".join(out)


def search_text(phone: str, phone_alt: str, postcode: str) -> str:
    """As cvcdesk.store.derived.volunteer_search_text."""
    parts = [search_tokens(national_phone(n), n, "") for n in (phone, phone_alt) if n]
    parts.append(search_tokens("", "", postcode))
    return " ".join(p for p in parts if p)


@functools.lru_cache(maxsize=65536)
def _name_keys(text: str) -> tuple[str, str]:
    return english_sort_key(text), welsh_sort_key(text)


def sort_keys(first_name: str, last_name: str) -> tuple[str, str]:
    """As cvcdesk.store.derived.volunteer_sort_keys: surname first, word breaks as spaces."""
    last, first = _name_keys(last_name), _name_keys(first_name)
    return (
        " ".join(k for k in (last[0], first[0]) if k),
        " ".join(k for k in (last[1], first[1]) if k),
    )


def _volunteer_derived(values: dict[str, Any]) -> dict[str, Any]:
    en, cy = sort_keys(values.get("first_name") or "", values.get("last_name") or "")
    return {
        "search_text": search_text(
            values.get("phone") or "", values.get("phone_alt") or "", values.get("postcode") or ""
        ),
        "sort_key_en": en,
        "sort_key_cy": cy,
    }


def _organisation_derived(values: dict[str, Any]) -> dict[str, Any]:
    en, cy = organisation_sort_keys(values.get("name_en") or "", values.get("name_cy") or "")
    return {"sort_key_en": en, "sort_key_cy": cy}


FULL_VOLUNTEER_COLUMNS = (
    "reference",
    "first_name",
    "last_name",
    "known_as",
    "date_of_birth",
    "phone",
    "phone_alt",
    "email",
    "address",
    "town",
    "postcode",
    "preferred_language",
    "welsh_fluency",
    "other_languages",
    "has_car",
    "can_drive",
    "status",
    "joined_on",
    "left_on",
    "consent_share",
    "consent_date",
    "consent_method",
    "dbs_level",
    "dbs_workforce",
    "dbs_issue_date",
    "dbs_update_service",
    "dbs_checked_by",
    "dbs_renewal_due",
)
PSEUDONYM_FIELDS = ("district", "skills", "availability", "email_hash", "phone_hash", "name_hash")

TYPES: dict[str, RecordType] = {
    ORGANISATION: RecordType(
        ORGANISATION,
        m.Organisation,
        _columns(
            m.Organisation,
            (
                "name_en",
                "name_cy",
                "kind",
                "charity_number",
                "company_number",
                "contact_name",
                "email",
                "phone",
                "address",
                "postcode",
                "website",
            ),
            choices={"kind": OrganisationKind},
        ),
        derive=_organisation_derived,
    ),
    COVERAGE: RecordType(
        COVERAGE,
        m.Coverage,
        _columns(
            m.Coverage,
            ("weekdays", "start_time", "end_time", "start_date", "end_date"),
        ),
        refs=(
            Ref("organisation", "organisation_id", m.Organisation),
            Ref("service", "service_type_id", m.ServiceType, key="code", make="service"),
            Ref("area", "area_id", m.Area, key="code", make="area"),
        ),
    ),
    VOLUNTEER: RecordType(
        VOLUNTEER,
        m.Volunteer,
        _columns(
            m.Volunteer,
            FULL_VOLUNTEER_COLUMNS,
            choices={
                "preferred_language": Language,
                "welsh_fluency": WelshFluency,
                "status": VolunteerStatus,
                "consent_method": ConsentMethod,
                "dbs_level": DbsLevel,
                "dbs_workforce": DbsWorkforce,
            },
        ),
        children=(
            Child("skills", "volunteer_skill", "volunteer_id", ("skill_code",), ("str",)),
            Child(
                "availability",
                "availability",
                "volunteer_id",
                ("weekday", "start_time", "end_time"),
                ("int", "time", "time"),
            ),
            Child(
                "away",
                "away_period",
                "volunteer_id",
                ("start_date", "end_date"),
                ("date", "date"),
                fixed={"reason": ""},
            ),
        ),
        derive=_volunteer_derived,
        erase=True,
    ),
    VOLUNTEER_PSEUDONYM: RecordType(
        VOLUNTEER_PSEUDONYM,
        m.PartnerVolunteer,
        _columns(
            m.PartnerVolunteer,
            PSEUDONYM_FIELDS,
            json_checks={"skills": _is_skill_list, "availability": _is_slot_list},
        ),
        erase=True,
    ),
    MEMBERSHIP: RecordType(
        MEMBERSHIP,
        m.Membership,
        _columns(m.Membership, ("role", "since", "until")),
        refs=(
            Ref("volunteer", "volunteer_id", m.Volunteer),
            Ref("organisation", "organisation_id", m.Organisation),
        ),
        natural_key=("volunteer_id", "organisation_id"),
    ),
    ACTIVITY: RecordType(
        ACTIVITY,
        m.Activity,
        _columns(
            m.Activity,
            (
                "title_en",
                "title_cy",
                "place",
                "postcode",
                "rrule",
                "start_date",
                "end_date",
                "start_time",
                "end_time",
                "volunteers_needed",
                "dbs_level_required",
                "welsh_required",
                "skip_bank_holidays",
                "skills_required",
            ),
            choices={"dbs_level_required": DbsLevel},
        ),
        refs=(
            Ref("organisation", "organisation_id", m.Organisation),
            Ref(
                "service",
                "service_type_id",
                m.ServiceType,
                key="code",
                nullable=True,
                make="service",
            ),
            Ref("area", "area_id", m.Area, key="code", nullable=True, make="area"),
        ),
        children=(
            Child(
                "exceptions",
                "activity_exception",
                "activity_id",
                ("on_date", "kind"),
                ("date", "str"),
                fixed={"note": ""},
            ),
        ),
    ),
    ACTIVITY_REGULAR: RecordType(
        ACTIVITY_REGULAR,
        m.ActivityRegular,
        _columns(m.ActivityRegular, ("status", "since", "until")),
        refs=(
            Ref("activity", "activity_id", m.Activity),
            Ref("volunteer", "volunteer_id", m.Volunteer),
        ),
        natural_key=("activity_id", "volunteer_id"),
    ),
    SHIFT: RecordType(
        SHIFT,
        m.Shift,
        _columns(m.Shift, ("starts_at", "ends_at", "cancelled", "orphaned")),
        refs=(Ref("activity", "activity_id", m.Activity),),
    ),
    ASSIGNMENT: RecordType(
        ASSIGNMENT,
        m.Assignment,
        _columns(m.Assignment, ("status", "hours"), choices={"status": AssignmentStatus}),
        refs=(
            Ref("shift", "shift_id", m.Shift),
            Ref("volunteer", "volunteer_id", m.Volunteer),
        ),
        natural_key=("shift_id", "volunteer_id"),
    ),
    HOUSEHOLD: RecordType(
        HOUSEHOLD,
        m.Household,
        _columns(
            m.Household, ("reference", "postcode", "match_key"), export={"postcode": _district}
        ),
    ),
    HOUSEHOLD_SUPPORT: RecordType(
        HOUSEHOLD_SUPPORT,
        m.HouseholdSupport,
        _columns(m.HouseholdSupport, ("since", "until")),
        refs=(
            Ref("household", "household_id", m.Household),
            Ref("organisation", "organisation_id", m.Organisation),
            Ref("service", "service_type_id", m.ServiceType, key="code", make="service"),
        ),
    ),
}


# ---- reading ------------------------------------------------------------------------------


@dataclass(slots=True)
class Stored:
    """A record as this database holds it, in the form a file carries."""

    id: int
    uuid: str
    origin: str
    changed_at: str
    deleted: bool
    replaced_by: str | None
    fields: dict[str, Any]

    def envelope(self, record_type: str) -> WireRecord:
        return WireRecord(
            record_type,
            self.uuid,
            self.origin,
            self.changed_at,
            self.deleted,
            self.replaced_by,
            {} if self.deleted else self.fields,
        )


def _q(name: str) -> str:
    return f'"{name}"'


@functools.cache
def _select_sql(record_type: str) -> str:
    """SELECT the envelope, the columns and the referenced keys of one type (read straight
    from the driver: SQLAlchemy's result processing costs more than SQLite's reading)."""
    rt = TYPES[record_type]
    t = _q(rt.table.name)
    columns = [f"{t}.{_q(c)}" for c in ENVELOPE_COLUMNS]
    columns += [_sql_value(f"{t}.{_q(c.name)}", c.kind) for c in rt.columns]
    joins = []
    for index, ref in enumerate(rt.refs):
        alias = f"ref{index}"
        columns.append(f"{alias}.{_q(ref.key)}")
        joins.append(
            f"LEFT OUTER JOIN {_q(ref.target.__tablename__)} AS {alias} "
            f"ON {alias}.id = {t}.{_q(ref.column)}"
        )
    return f"SELECT {', '.join(columns)} FROM {t} {' '.join(joins)}"


ENVELOPE_COLUMNS = ("id", "uuid", "origin", "changed_at", "deleted", "replaced_by")


def _json_list(value: str | None) -> Any:
    return json.loads(value or "[]")


@functools.cache
def _layout(
    record_type: str,
) -> tuple[tuple[str, ...], tuple[tuple[str, Callable[[Any], Any]], ...]]:
    """The wire names a read returns after the envelope, and the few that need converting
    in Python (yes/no columns, JSON lists, fields reduced before they leave)."""
    rt = TYPES[record_type]
    names = (*(c.wire for c in rt.columns), *(r.wire for r in rt.refs))
    converters: list[tuple[str, Callable[[Any], Any]]] = []
    for column in rt.columns:
        if column.kind == "bool":
            converters.append((column.wire, bool))  # SQLite gives 0 and 1
        elif column.kind == "json":
            converters.append((column.wire, _json_list))
        if column.export is not None:
            converters.append((column.wire, column.export))
    return names, tuple(converters)


def _rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Plain tuples from `sql` (written with ? placeholders) in the session's transaction;
    on SQLite straight from the driver, which is several times quicker than a Result."""
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        return list(driver.execute(sql, tuple(params)))
    return list(connection.exec_driver_sql(_placeholders(session, sql), tuple(params)))


def read(
    session: Session,
    rt: RecordType,
    where: str = "",
    params: Sequence[Any] = (),
    *,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[Stored]:
    """Records of one type matching `where` (SQL over the type's table, with ? parameters),
    with their fields as a file carries them; in id order, from `after_id`, at most `limit`."""
    t = _q(rt.table.name)
    clauses = [f"({where})"] if where else []
    values = list(params)
    if after_id is not None:
        clauses.append(f"{t}.id > ?")
        values.append(after_id)
    sql = _select_sql(rt.name)
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {t}.id"
    if limit is not None:
        sql += " LIMIT ?"
        values.append(limit)
    names, converters = _layout(rt.name)
    found: list[Stored] = []
    for row in _rows(session, sql, values):
        fields = dict(zip(names, row[6:], strict=True))
        for name, convert in converters:
            value = fields[name]
            if value is not None:
                fields[name] = convert(value)
        found.append(Stored(row[0], row[1], row[2], row[3], bool(row[4]), row[5], fields))
    if rt.children and found:
        by_id = {s.id: s for s in found}
        for child in rt.children:
            lists = read_children(session, child, list(by_id))
            for record_id, stored in by_id.items():
                stored.fields[child.wire] = lists.get(record_id, [])
    return found


def read_children(session: Session, child: Child, ids: list[int]) -> dict[int, list[Any]]:
    lists: dict[int, list[Any]] = defaultdict(list)
    if not ids:
        return lists
    single = len(child.columns) == 1
    head = (
        f"SELECT {_q(child.parent)}, "
        + ", ".join(
            _sql_value(_q(c), kind) for c, kind in zip(child.columns, child.kinds, strict=True)
        )
        + f" FROM {_q(child.table_name)} WHERE {_q(child.parent)}"
    )
    wanted = set(ids)
    if max(ids) - min(ids) < 4 * len(ids):
        # Ids read in order lie close together: one range is quicker than a long IN list.
        queries: list[tuple[str, tuple[Any, ...]]] = [
            (f"{head} BETWEEN ? AND ?", (min(ids), max(ids)))
        ]
    else:
        queries = [
            (f"{head} IN ({', '.join('?' * len(batch))})", tuple(batch))
            for batch in (ids[i : i + BATCH] for i in range(0, len(ids), BATCH))
        ]
    for sql, params in queries:
        for row in _rows(session, sql, params):
            if row[0] in wanted:
                lists[row[0]].append(row[1] if single else list(row[1:]))
    for values in lists.values():
        values.sort()
    return lists


def read_by_uuid(session: Session, rt: RecordType, uuids: Sequence[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    column = f"{_q(rt.table.name)}.uuid"
    for start in range(0, len(uuids), BATCH):
        batch = uuids[start : start + BATCH]
        for stored in read(session, rt, f"{column} IN ({', '.join('?' * len(batch))})", batch):
            found[stored.uuid] = stored
    return found


# ---- decoding what arrives ----------------------------------------------------------------


@dataclass(slots=True)
class Decoded:
    """An incoming record's fields, checked: values for the columns, the references by their
    uuid or code, the child lists, and the fields in their canonical written form."""

    values: dict[str, Any]
    refs: dict[str, str | None]
    children: dict[str, list[Any]]
    fields: dict[str, Any]


def _refuse(record: WireRecord, name: str, problem: str) -> SyncFileError:
    return SyncFileError(
        _("Line {line} of the file's records ({type} {uuid}), field “{field}”: {problem}").format(
            line=record.line, type=record.type, uuid=record.uuid, field=name, problem=problem
        )
    )


Check = Callable[[Any, WireRecord], tuple[Any, Any]]
"""(incoming value, record) -> (database value, the value as a file carries it)."""


# Each kind: value -> (stored form, written form), or ValueError. Kept flat: they run for
# every field of every record of an import.


def _as_str(value: Any) -> tuple[Any, Any]:
    if type(value) is not str:
        raise ValueError
    return value, value


def _as_bool(value: Any) -> tuple[Any, Any]:
    if type(value) is not bool:
        raise ValueError
    return value, value


def _as_int(value: Any) -> tuple[Any, Any]:
    if type(value) is not int:
        raise ValueError
    return value, value


def _as_float(value: Any) -> tuple[Any, Any]:
    if type(value) not in (int, float):
        raise ValueError
    return float(value), float(value)


def _as_date(value: Any) -> tuple[Any, Any]:
    if type(value) is not str or len(value) != 10:
        raise ValueError
    dt.date.fromisoformat(value)  # ten characters that parse: already the stored form
    return value, value


def _as_time(value: Any) -> tuple[Any, Any]:
    if type(value) is not str:
        raise ValueError
    parsed = dt.time.fromisoformat(value)
    if len(value) == 8:
        return f"{value}.000000", value
    return _storage(parsed), parsed.isoformat()


def _as_datetime(value: Any) -> tuple[Any, Any]:
    if type(value) is not str:
        raise ValueError
    # Shifts are kept in local time: an offset, if given, is dropped.
    parsed = dt.datetime.fromisoformat(value).replace(tzinfo=None)
    return _storage(parsed), parsed.isoformat()


_KINDS: dict[str, Callable[[Any], tuple[Any, Any]]] = {
    "str": _as_str,
    "bool": _as_bool,
    "int": _as_int,
    "float": _as_float,
    "date": _as_date,
    "time": _as_time,
    "datetime": _as_datetime,
}


def _kind_problem(kind: str) -> str:
    return _("not a valid {kind} value").format(kind=kind)


def _check_for(
    wire: str,
    kind: str,
    *,
    nullable: bool,
    length: int | None = None,
    choices: frozenset[str] | None = None,
    check: Callable[[Any], bool] | None = None,
) -> Check:
    """How one incoming field is checked and converted, made once per column."""
    as_kind = _KINDS.get(kind)

    def convert(value: Any, record: WireRecord) -> tuple[Any, Any]:
        if value is None:
            if nullable:
                return None, None
            raise _refuse(record, wire, _("a value is needed"))
        try:
            if as_kind is None:  # json
                if isinstance(value, str):
                    value = json.loads(value)
                if check is not None and not check(value):
                    raise ValueError
                return json.dumps(value, ensure_ascii=False, separators=(",", ":")), value
            stored, written = as_kind(value)
        except ValueError:
            raise _refuse(record, wire, _kind_problem(kind)) from None
        if length is not None and len(stored) > length:
            raise _refuse(record, wire, _("longer than {n} characters").format(n=length))
        if choices is not None and stored not in choices:
            raise _refuse(
                record,
                wire,
                _("“{value}” is not one of {choices}").format(
                    value=str(stored)[:40], choices=", ".join(sorted(choices))
                ),
            )
        return stored, written

    return convert


@functools.cache
def _checks(record_type: str) -> tuple[tuple[Column, Check], ...]:
    rt = TYPES[record_type]
    return tuple(
        (
            c,
            _check_for(
                c.wire,
                c.kind,
                nullable=c.nullable,
                length=c.length if c.kind == "str" else None,
                choices=c.choices,
                check=c.check,
            ),
        )
        for c in rt.columns
    )


def _child_value(
    rt: RecordType, child: Child, value: Any, record: WireRecord
) -> tuple[list[Any], list[Any]]:
    """(database values, file values) of a child list, each item checked."""
    if not isinstance(value, list) or len(value) > 10_000:
        raise _refuse(record, child.wire, _("not a list"))
    kinds = [_KINDS[kind] for kind in child.kinds]
    items: list[Any] = []
    wire: list[Any] = []
    try:
        if len(kinds) == 1:
            as_kind = kinds[0]
            for item in value:
                stored, written = as_kind(item)
                if type(stored) is str and len(stored) > 200:
                    raise ValueError
                items.append(stored)
                wire.append(written)
        else:
            width = len(kinds)
            for item in value:
                if type(item) is not list or len(item) != width:
                    raise ValueError
                pairs = [as_kind(part) for as_kind, part in zip(kinds, item, strict=True)]
                if any(type(p[0]) is str and len(p[0]) > 200 for p in pairs):
                    raise ValueError
                items.append([p[0] for p in pairs])
                wire.append([p[1] for p in pairs])
    except (ValueError, TypeError):
        raise _refuse(record, child.wire, _("an item of the list is not valid")) from None
    wire.sort()
    return items, wire


def decode(rt: RecordType, record: WireRecord) -> Decoded:
    """Check an incoming record's fields; a missing field takes its default (a file from an
    older minor version), an unknown one is ignored (from a newer minor version)."""
    incoming = record.fields
    values: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for column, check in _checks(rt.name):
        values[column.name], fields[column.wire] = check(
            incoming.get(column.wire, column.default), record
        )
    refs: dict[str, str | None] = {}
    for ref in rt.refs:
        key = incoming.get(ref.wire)
        if key is None and not ref.nullable:
            raise _refuse(record, ref.wire, _("a value is needed"))
        if key is not None and (not isinstance(key, str) or not key or len(key) > 60):
            raise _refuse(record, ref.wire, _("not a valid reference"))
        refs[ref.wire] = key
        fields[ref.wire] = key
    children: dict[str, list[Any]] = {}
    for child in rt.children:
        children[child.wire], fields[child.wire] = _child_value(
            rt, child, incoming.get(child.wire, []), record
        )
    return Decoded(values, refs, children, fields)


# ---- writing ------------------------------------------------------------------------------


@dataclass
class WriteContext:
    """What writing needs besides the rows: this database (its clock) and the partner."""

    database: Database
    partner_id: int | None = None
    made_areas: int = 0
    made_services: int = 0
    _ref_cache: dict[tuple[str, str], int] = field(default_factory=dict)


def resolve_refs(
    session: Session, rt: RecordType, items: Sequence[Decoded], context: WriteContext
) -> list[dict[str, int | None] | None]:
    """Local ids for each item's references; None for an item that points to a record this
    database does not hold (it is skipped)."""
    wanted: dict[int, set[str]] = {i: set() for i in range(len(rt.refs))}
    for item in items:
        for index, ref in enumerate(rt.refs):
            key = item.refs[ref.wire]
            if key is not None and (ref.target.__tablename__, key) not in context._ref_cache:
                wanted[index].add(key)
    for index, ref in enumerate(rt.refs):
        keys = sorted(wanted[index])
        target = ref.target.__table__
        name = ref.target.__tablename__
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            for key, record_id in session.execute(
                select(target.c[ref.key], target.c.id).where(target.c[ref.key].in_(batch))
            ):
                context._ref_cache[(name, key)] = record_id
        for key in keys:
            if (name, key) not in context._ref_cache and ref.make:
                context._ref_cache[(name, key)] = _make(session, ref.make, key, context)
    resolved: list[dict[str, int | None] | None] = []
    for item in items:
        ids: dict[str, int | None] | None = {}
        for ref in rt.refs:
            key = item.refs[ref.wire]
            if key is None:
                assert ids is not None
                ids[ref.column] = None
                continue
            found = context._ref_cache.get((ref.target.__tablename__, key))
            if found is None:
                ids = None
                break
            assert ids is not None
            ids[ref.column] = found
        resolved.append(ids)
    return resolved


def _make(session: Session, make: str, code: str, context: WriteContext) -> int:
    """An area or service type a partner uses and this database did not have yet."""
    db = context.database
    if make == "area":
        try:
            area = ensure_area(session, db, code)
        except Exception:
            area = m.Area(
                kind="community",
                code=code,
                name_en=code,
                name_cy=code,
                origin=db.instance_uuid,
                changed_at=db.clock.now(),
            )
            session.add(area)
            session.flush()
        context.made_areas += 1
        return area.id
    service = m.ServiceType(
        code=code,
        label_en=code,
        label_cy=code,
        sort_order=1000,
        origin=db.instance_uuid,
        changed_at=db.clock.now(),
    )
    session.add(service)
    session.flush()
    context.made_services += 1
    return service.id


def taken_natural_keys(
    session: Session, rt: RecordType, rows: Sequence[dict[str, Any]]
) -> set[tuple[Any, ...]]:
    """The natural keys among `rows` that a local record (with another uuid) already has."""
    if not rt.natural_key or not rows:
        return set()
    t = rt.table
    first = rt.natural_key[0]
    firsts = sorted({row[first] for row in rows})
    taken: set[tuple[Any, ...]] = set()
    for start in range(0, len(firsts), BATCH):
        for found in session.execute(
            select(*(t.c[c] for c in rt.natural_key)).where(
                t.c[first].in_(firsts[start : start + BATCH])
            )
        ):
            taken.add(tuple(found))
    return taken


# Writing goes straight to the driver (SQLite's executemany) with values already in the form
# SQLAlchemy stores them (ISO dates, "HH:MM:SS.ffffff" times, "YYYY-MM-DD HH:MM:SS.ffffff"
# moments): building and binding 100,000 rows through Core statements costs more than SQLite
# spends writing them. Reading them back through the models gives the same values.


@contextlib.contextmanager
def roomy_cache(session: Session, kib: int = 64 * 1024) -> Iterator[None]:
    """A larger SQLite page cache for the length of an export or import: writing 100,000 rows
    to indexes in random order (uuids) with the default 2 MB cache costs a disk read for most
    of them. The connection's own setting is put back afterwards."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    driver: Any = connection.connection.driver_connection
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = {-abs(int(kib))}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(before)}")


def _execute_many(session: Session, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        driver.executemany(sql, rows)
    else:
        connection.exec_driver_sql(_placeholders(session, sql), list(rows))


def _placeholders(session: Session, sql: str) -> str:
    """`sql` written with SQLite's ? placeholders, for this database's driver (psycopg: %s)."""
    if session.connection().dialect.paramstyle == "qmark":
        return sql
    return sql.replace("?", "%s")


def _storage(value: Any) -> Any:
    """A Python value as SQLAlchemy stores it in SQLite."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@functools.cache
def _fill(table_name: str, given: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    """Columns an insert does not name but must fill, with their Python-side defaults."""
    table = m.Base.metadata.tables[table_name]
    return tuple(
        (column.name, column.default)
        for column in table.c
        if column.name not in given
        and not column.primary_key
        and column.server_default is None
        and column.default is not None
    )


def _insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    names = sorted(rows[0])
    # Defaults such as the time a row was made are worked out once for the whole batch.
    filled = [
        (name, _storage(default.arg(None) if default.is_callable else default.arg))
        for name, default in _fill(table.name, frozenset(names))
    ]
    columns = [*names, *(name for name, _value in filled)]
    constants = tuple(value for _name, value in filled)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    _execute_many(session, sql, [(*(row[n] for n in names), *constants) for row in rows])


def insert_rows(
    session: Session,
    rt: RecordType,
    rows: Sequence[tuple[dict[str, Any], Decoded]],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Insert new records and their child lists."""
    if not rows:
        return
    t = rt.table
    payload = []
    for values, _item in rows:
        row = dict(values, version=1)
        if extra:
            row.update(extra)
        payload.append(row)
    _insert_many(session, t, payload)
    if rt.children:
        uuids = [v["uuid"] for v, _i in rows]
        ids: dict[str, int] = {}
        for start in range(0, len(uuids), BATCH):
            batch = uuids[start : start + BATCH]
            ids.update(
                _rows(
                    session,
                    f"SELECT uuid, id FROM {t.name} WHERE uuid IN ({', '.join('?' * len(batch))})",
                    batch,
                )
            )
        write_children(session, rt, {ids[v["uuid"]]: item.children for v, item in rows}, new=True)


def update_rows(
    session: Session, rt: RecordType, rows: Sequence[tuple[int, dict[str, Any], Decoded]]
) -> None:
    """Overwrite stored records with new values (the envelope too) and their child lists."""
    if not rows:
        return
    t = rt.table
    by_shape: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for record_id, values, _item in rows:
        shape = tuple(sorted(values))
        by_shape[shape].append((*(values[k] for k in shape), record_id))
    for shape, payload in by_shape.items():
        sets = ", ".join(f"{k} = ?" for k in shape)
        _execute_many(
            session, f"UPDATE {t.name} SET {sets}, version = version + 1 WHERE id = ?", payload
        )
    if rt.children:
        write_children(session, rt, {rid: item.children for rid, _v, item in rows})


def write_children(
    session: Session,
    rt: RecordType,
    lists: Mapping[int, Mapping[str, list[Any]]],
    *,
    new: bool = False,
) -> None:
    """Replace the child lists of these records (`new`: they have none yet)."""
    ids = sorted(lists)
    for child in rt.children:
        t = child.table
        if not new:
            _execute_many(
                session, f"DELETE FROM {t.name} WHERE {child.parent} = ?", [(i,) for i in ids]
            )
        single = len(child.columns) == 1
        fixed = tuple(child.fixed.values())
        names = [child.parent, *child.columns, *child.fixed]
        payload = [
            (record_id, *([item] if single else item), *fixed)
            for record_id in ids
            for item in lists[record_id].get(child.wire, [])
        ]
        _execute_many(
            session,
            f"INSERT INTO {t.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            payload,
        )


def erased_values(rt: RecordType) -> dict[str, Any]:
    """What the personal columns become when their owner erases a record."""
    values = {c.name: c.default for c in rt.columns}
    for column in rt.columns:
        if column.kind == "json":
            values[column.name] = "[]"
    if rt.derive is not None:
        values.update(rt.derive(values))
    return values


def erase_children(session: Session, rt: RecordType, ids: Iterable[int]) -> None:
    write_children(session, rt, {record_id: {} for record_id in ids})


# ---- what was exchanged ------------------------------------------------------------------


_REMEMBER = (
    "INSERT INTO sync_state (partner_id, record_type, record_uuid, changed_at, deleted, fields) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, record_type, record_uuid) "
    "DO UPDATE SET changed_at = excluded.changed_at, deleted = excluded.deleted, "
    "fields = excluded.fields"
)


def digest(text: str) -> str:
    """What sync_state keeps of the fields sent to a partner: enough to know whether they
    changed since (a record's fields as received are kept whole, as a conflict's base)."""
    return "#" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_digest(stored: str | None) -> bool:
    return bool(stored) and stored.startswith("#")  # type: ignore[union-attr]


def same_fields(stored: str | None, text: str) -> bool:
    """Whether the fields kept in sync_state are those of `text` (whole or as a digest)."""
    if not stored:
        return False
    return stored == (digest(text) if stored.startswith("#") else text)


def fields_json(record: WireRecord) -> str:
    """A record's fields as sync_state and the file hold them ({} for a tombstone)."""
    return "{}" if record.deleted else dumps(record.fields)


def remember_versions(
    session: Session,
    partner_id: int,
    records: Sequence[WireRecord],
    texts: Sequence[str] | None = None,
) -> None:
    """Record the versions exchanged with a partner (sent or received); `texts` are the
    records' fields as JSON when already written out."""
    _execute_many(
        session,
        _REMEMBER,
        [
            (
                partner_id,
                r.type,
                r.uuid,
                r.changed_at,
                r.deleted,
                fields_json(r) if texts is None else texts[i],
            )
            for i, r in enumerate(records)
        ],
    )


# ---- pseudonyms ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PseudonymKeys:
    """Keyed hashes that identify a person to one partner without saying who it is."""

    email: str
    phone: str
    name: str


def _keyed(key: bytes, label: bytes, text: str) -> str:
    if not text:
        return ""
    return hmac.new(key, label + b"\x00" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym_keys(
    key: bytes,
    *,
    email: str,
    phone: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | str | None,
) -> PseudonymKeys:
    """HMAC-SHA256 with the per-partnership key of the normalised e-mail address, phone number
    (E.164) and name with date of birth (folded names, ISO date; only when all three are known)."""
    name = ""
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, dt.date) else date_of_birth
    first, last = fold_name(first_name or ""), fold_name(last_name or "")
    if first and last and dob:
        name = f"{first}|{last}|{dob}"
    return PseudonymKeys(
        email=_keyed(key, b"email", (email or "").strip().lower()),
        phone=_keyed(key, b"phone", "".join((phone or "").split())),
        name=_keyed(key, b"name", name),
    )


def read_pseudonyms(
    session: Session,
    key: bytes,
    *conditions: Any,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[Stored]:
    """Volunteers as pseudonyms for one partner: no name, contact or exact postcode leaves."""
    rt = TYPES[VOLUNTEER]
    t = rt.table
    stmt = select(
        t.c.id,
        t.c.uuid,
        t.c.origin,
        t.c.changed_at,
        t.c.deleted,
        t.c.replaced_by,
        t.c.email,
        t.c.phone,
        t.c.first_name,
        t.c.last_name,
        t.c.date_of_birth,
        t.c.postcode,
    ).where(*conditions)
    if after_id is not None:
        stmt = stmt.where(t.c.id > after_id)
    stmt = stmt.order_by(t.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    ids = [row[0] for row in rows]
    skills = read_children(session, rt.children[0], ids)
    slots = read_children(session, rt.children[1], ids)
    found = []
    for row in rows:
        hashes = pseudonym_keys(
            key,
            email=row[6],
            phone=row[7],
            first_name=row[8],
            last_name=row[9],
            date_of_birth=row[10],
        )
        fields = {
            "district": _district(row[11]),
            "skills": skills.get(row[0], []),
            "availability": slots.get(row[0], []),
            "email_hash": hashes.email,
            "phone_hash": hashes.phone,
            "name_hash": hashes.name,
        }
        found.append(Stored(row[0], row[1], row[2], row[3], bool(row[4]), row[5], fields))
    return found
