"""What every service shares: the open database, the clock, the audit trail."""

from __future__ import annotations

import contextlib
import getpass
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias

from sqlalchemy import Select, update
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AuditAction
from cvcdesk.store.database import Database
from cvcdesk.store.models import AuditEntry, Instance, Shareable

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


class ServiceBase:
    def __init__(self, database: Database, *, actor: str | None = None) -> None:
        self._db = database
        self._actor = current_actor() if actor is None else actor

    @property
    def database(self) -> Database:
        return self._db

    @contextlib.contextmanager
    def _unit(self) -> Iterator[Session]:
        """One transaction; the clock's last value is saved with it so it survives restarts."""
        with self._db.session_factory.begin() as session:
            yield session
            session.execute(update(Instance).values(clock=self._db.clock.last()))

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
