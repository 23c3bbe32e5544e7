"""What every service shares: the open database, the clock, the audit trail."""

from __future__ import annotations

import contextlib
import getpass
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias

from sqlalchemy import Integer, Select, func, literal_column, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cvcdesk.domain.enums import AuditAction
from cvcdesk.domain.errors import ConflictError, DatabaseError
from cvcdesk.domain.names import fold
from cvcdesk.domain.validation import InvalidValue, normalise_postcode
from cvcdesk.i18n import _
from cvcdesk.store.database import Database
from cvcdesk.store.models import AuditEntry, Base, Instance, Shareable

AnySelect: TypeAlias = Select[*tuple[Any, ...]]
"""A SELECT of any shape, for helpers that add filters or ordering."""

ProgressCallback = Callable[[int, int], None]  # (done, total)
CancelFlag = Callable[[], bool]


class Cancelled(Exception):
    """Long work stopped because the user cancelled; nothing was written."""


def current_actor() -> str:
    """The OS account of the coordinator, recorded in the audit trail."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return str(value)


_FTS_TOKEN = re.compile(r"[\w@.+']+", re.UNICODE)


def fts_query(text: str) -> str:
    """Turn what a person typed into an FTS5 prefix query: every word must start a token."""
    terms = []
    for word in _FTS_TOKEN.findall(text):
        for part in re.split(r"[@.+']", word):
            if part:
                terms.append('"' + part.replace('"', "") + '"*')
    return " ".join(terms)


# The columns each search index covers (migrations 0002/0003 build the SQLite FTS5 tables).
SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "volunteer": ("first_name", "last_name", "known_as", "email", "reference", "search_text"),
    "organisation": ("name_en", "name_cy", "email", "postcode", "charity_number"),
}


def _accent_table() -> tuple[str, str]:
    """Accented Latin letters and their plain lower-case forms, for PostgreSQL's translate().

    Capitals are listed too: lower() leaves them alone where the server's locale is "C".
    """
    accented, plain = [], []
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        base = "".join(
            ch for ch in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(ch)
        )
        if len(base) == 1 and base.isascii() and base.isalpha() and base != letter:
            accented.append(letter)
            plain.append(base.lower())
    return "".join(accented), "".join(plain)


_ACCENTED, _PLAIN = _accent_table()


_PHONE_LIKE = re.compile(r"\+?[\d][\d\s().\-]*")
_MIN_PHONE_DIGITS = 5


def _phone_digits(typed: str) -> str | None:
    """The digits of a (partly) typed phone number as the index holds them: "+44 7844 64"
    and "0044 7844 64" give "44784464", "07844 64" gives "0784464"; None if not a phone."""
    stripped = typed.strip()
    if not _PHONE_LIKE.fullmatch(stripped):
        return None
    digits = re.sub(r"\D", "", stripped.replace("(0)", ""))
    if len(digits) < _MIN_PHONE_DIGITS:
        return None
    if stripped.startswith("00"):
        digits = digits[2:]
    return digits


def search_form(typed: str) -> str:
    """What was typed, put in the form the index holds: a phone number's digits run together,
    a postcode typed without its space ("CF372BL") split as it is stored ("CF37 2BL")."""
    digits = _phone_digits(typed)
    if digits is not None:
        return digits
    with contextlib.suppress(InvalidValue):
        return normalise_postcode(typed)
    return typed


def _e164_prefix(digits: str) -> str:
    """The start of an E.164 number from the digits typed (a UK 0 becomes +44)."""
    return "+44" + digits[1:] if digits.startswith("0") else "+" + digits


def search_ids(dialect: str, table: str, typed: str) -> Select[Any] | None:
    """The ids of live rows of `table` where every word typed starts a word; None: no words
    (nothing typed, or only punctuation), so no filter.

    SQLite answers from its FTS5 index. PostgreSQL (several coordinators on one server) has
    no such table: there every folded word must start a word of the same columns, folded
    alike (lower case, accents dropped), so Sian finds Siân on both. A phone number finds
    volunteers through their search words, and groups through their phone column.
    """
    found = _indexed_ids(dialect, table, search_form(typed))
    digits = _phone_digits(typed)
    if found is None:
        return None
    if table == "organisation" and digits is not None:
        model = Base.metadata.tables[table]
        return select(model.c.id).where(
            model.c.deleted.is_(False),
            model.c.id.in_(found) | model.c.phone.startswith(_e164_prefix(digits)),
        )
    return found


def _indexed_ids(dialect: str, table: str, typed: str) -> Select[Any] | None:
    if dialect == "sqlite":
        match = fts_query(typed)
        if not match:
            return None
        return (
            select(literal_column("rowid", Integer))
            .select_from(text(f"{table}_fts"))
            .where(text(f"{table}_fts MATCH :match").bindparams(match=match))
        )
    terms = [fold(part) for part in re.split(r"[@.+']", " ".join(_FTS_TOKEN.findall(typed)))]
    words = [word for term in terms for word in term.split() if word]
    if not words:
        return None
    model = Base.metadata.tables[table]
    haystack = func.translate(
        func.lower(func.concat_ws(" ", *(model.c[name] for name in SEARCH_COLUMNS[table]))),
        _ACCENTED,
        _PLAIN,
    )
    # \m is the start of a word in PostgreSQL's regular expressions.
    starts = [haystack.regexp_match(r"\m" + re.sub(r"(\W)", r"\\\1", word)) for word in words]
    return select(model.c.id).where(model.c.deleted.is_(False), *starts)


def search_count(session: Session, dialect: str, table: str, typed: str) -> int:
    """How many live rows of `table` match what was typed (see :func:`search_ids`)."""
    ids = search_ids(dialect, table, typed)
    if ids is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(ids.subquery())) or 0)


class ServiceBase:
    def __init__(self, database: Database, *, actor: str | None = None) -> None:
        self._db = database
        self._actor = current_actor() if actor is None else actor

    @property
    def database(self) -> Database:
        return self._db

    @property
    def _dialect(self) -> str:
        return self._db.engine.dialect.name

    @contextlib.contextmanager
    def _unit(self) -> Iterator[Session]:
        """One transaction; the clock's last value is saved with it so it survives restarts.

        On a database server several coordinators write at once: each unit first locks the
        instance row, so their changes take turns and none is stamped earlier than one
        already saved (their PCs' clocks may disagree). A row someone else changed since it
        was read is refused, never overwritten.
        """
        if self._db.read_only:
            raise DatabaseError(self._db.warning)
        try:
            with self._db.session_factory.begin() as session:
                if not self._db.is_sqlite:
                    stored = session.scalar(select(Instance.clock).limit(1).with_for_update())
                    if stored:
                        self._db.clock.observe(stored)
                yield session
                session.execute(update(Instance).values(clock=self._db.clock.last()))
        except StaleDataError:
            raise ConflictError(
                _(
                    "Someone else changed this record since it was opened. Your changes were "
                    "not saved; reopen it to see theirs."
                )
            ) from None

    @contextlib.contextmanager
    def _read(self) -> Iterator[Session]:
        with self._db.session_factory() as session:
            yield session

    def _stamp(self, row: Shareable) -> None:
        if not row.origin:
            row.origin = self._db.instance_uuid
        row.changed_at = self._db.clock.now()

    def _audit(
        self,
        session: Session,
        *,
        record_type: str,
        record_uuid: str,
        action: AuditAction,
        changes: dict[str, tuple[Any, Any]] | None = None,
    ) -> None:
        session.add(
            AuditEntry(
                actor=self._actor,
                instance=self._db.instance_uuid,
                record_type=record_type,
                record_uuid=record_uuid,
                action=action.value,
                changes=json.dumps(
                    {
                        k: [jsonable(old), jsonable(new)]
                        for k, (old, new) in (changes or {}).items()
                    },
                    ensure_ascii=False,
                ),
            )
        )
