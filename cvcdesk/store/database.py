"""Opening a cvcdesk database: checks, lock, pragmas, backups and migrations."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout
from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

import cvcdesk.store.derived  # noqa: F401 - registers the derived-column hooks
from cvcdesk.domain.clock import HybridClock
from cvcdesk.domain.errors import DatabaseError
from cvcdesk.i18n import _
from cvcdesk.store.backup import backup_sqlite
from cvcdesk.store.models import Instance

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

APPLICATION_ID = 0x43564344  # "CVCD" in the SQLite header marks the file as ours
SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def alembic_config() -> Config:
    from alembic.config import Config  # imported only when a schema must change (0.3 s)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


_REVISION_LINE = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:["']([^"']+)["']|None)""", re.MULTILINE
)


@functools.cache
def _revision_graph() -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files without importing Alembic.

    Opening an up-to-date database (every start of the app) then needs no Alembic at all.
    """
    graph: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(
            (key, value or None) for key, value in _REVISION_LINE.findall(path.read_text("utf-8"))
        )
        if found.get("revision"):
            graph[str(found["revision"])] = found.get("down_revision")
    return graph


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {down for down in graph.values() if down}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must form one line; heads: {sorted(heads)}")
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revision_graph())


@dataclass
class FileState:
    """What a read-only look at a database file found, before anything is written."""

    fresh: bool
    revision: str | None = None


def inspect_sqlite_file(path: Path) -> FileState:
    """Look at a file without changing it; refuse files that are not cvcdesk databases."""
    if not path.exists() or path.stat().st_size == 0:
        return FileState(fresh=True)
    if path.is_dir():
        raise DatabaseError(_("“{path}” is a folder, not a database file.").format(path=path))
    try:
        with path.open("rb") as handle:
            first_page = handle.read(100)
            header = first_page[: len(SQLITE_MAGIC)]
    except OSError as exc:
        raise DatabaseError(
            _("Cannot read “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    if header != SQLITE_MAGIC:
        raise DatabaseError(
            _(
                "“{path}” is not a cvcdesk database (it is not an SQLite file). It was not changed."
            ).format(path=path)
        )
    _roll_back_interrupted_write(path, first_page)
    try:
        # Where the folder cannot be written, SQLite could not make the -shm file it needs
        # to read a WAL database; immutable tells it nothing else is writing either.
        options = "mode=ro" if folder_writable(path.parent) else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            _("“{path}” cannot be read as a database ({reason}). It was not changed.").format(
                path=path, reason=str(exc)
            )
        ) from None
    if app_id != APPLICATION_ID:
        if not tables and app_id == 0:
            return FileState(fresh=True)
        raise DatabaseError(
            _(
                "“{path}” is an SQLite file from another program, not a cvcdesk database. "
                "It was not changed."
            ).format(path=path)
        )
    if revision is not None and revision not in known_revisions():
        raise DatabaseError(
            _(
                "“{path}” was written by a newer version of cvcdesk (schema {found}). "
                "This version knows schemas up to {head}. Install the newer cvcdesk to open it; "
                "the file was not changed."
            ).format(path=path, found=revision, head=head_revision())
        )
    return FileState(fresh=revision is None, revision=revision)


def _roll_back_interrupted_write(path: Path, first_page: bytes) -> None:
    """A cvcdesk database left with a hot rollback journal (power cut, or the program killed
    while saving in DELETE journal mode, as on a USB stick) cannot be read read-only: SQLite
    must first roll the unfinished change back. Only our own files are touched."""
    journal = path.with_name(path.name + "-journal")
    try:
        hot = journal.exists() and journal.stat().st_size > 0
    except OSError:
        return
    if not hot or len(first_page) < 72 or not folder_writable(path.parent):
        return
    if int.from_bytes(first_page[68:72], "big") != APPLICATION_ID:
        return
    try:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA schema_version").fetchone()  # reading rolls the journal back
        finally:
            conn.close()
        log.info("rolled back an unfinished change left by an interrupted save")
    except sqlite3.DatabaseError:
        return  # the read-only look below reports the problem


def is_removable_media(path: Path) -> bool:
    """True when the file is on a USB stick or memory card, where WAL files are risky."""
    target = path.resolve()
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        drive = target.anchor
        return bool(ctypes.windll.kernel32.GetDriveTypeW(drive) == 2)  # DRIVE_REMOVABLE
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    best = ("", "")
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        text = str(target)
        inside = text == mount_point or text.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > len(best[0]):
            best = (mount_point, parts[2])
    mount_point, fs_type = best
    if fs_type in ("vfat", "exfat", "msdos", "fuseblk"):
        return True
    return mount_point.startswith(("/media/", "/run/media/", "/mnt/usb"))


@dataclass
class Database:
    """An open database: its engine, sessions and clock. Close it when done."""

    url: str
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: HybridClock
    instance_uuid: str
    path: Path | None = None
    journal_mode: str = ""
    backup_path: Path | None = None
    # True when this open made the database (there is nothing in it to back up yet).
    created: bool = False
    # Opened for reading only because its folder or file cannot be written; `warning` says so.
    read_only: bool = False
    warning: str = ""
    _lock: FileLock | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def label(self) -> str:
        return str(self.path) if self.path else make_url(self.url).render_as_string()

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sqlite_engine(path: Path, journal_mode: str, *, read_only: bool = False) -> Engine:
    if read_only:
        # immutable: a folder we cannot write to cannot hold the -wal, -shm or -journal files
        # SQLite would otherwise create even to read.
        url = f"sqlite:///{path.as_uri()}?mode=ro&immutable=1&uri=true"
    else:
        url = f"sqlite:///{path}"
    # Values never appear in SQL error messages, so no personal detail reaches a log file.
    engine = create_engine(url, future=True, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy own transactions (pysqlite's implicit BEGIN is unreliable).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not read_only:
            cursor.execute(f"PRAGMA journal_mode={journal_mode}")
            # FULL on removable media: a stick pulled out straight after a save keeps it.
            cursor.execute("PRAGMA synchronous=" + ("NORMAL" if journal_mode == "WAL" else "FULL"))
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def folder_writable(folder: Path) -> bool:
    """True when a file can be made in `folder` (tried, as access() is wrong for root)."""
    try:
        handle, name = tempfile.mkstemp(prefix=".cvcdesk-write-test-", dir=folder)
    except OSError:
        return False
    os.close(handle)
    with contextlib.suppress(OSError):
        Path(name).unlink()
    return True


def _parse_target(target: str | Path) -> tuple[str, Path | None]:
    text = str(target)
    if "://" in text:
        try:
            url = make_url(text)
        except ArgumentError:
            raise DatabaseError(
                _("“{target}” is not a database address.").format(target=text)
            ) from None
        if url.drivername.startswith("sqlite"):
            if not url.database:
                raise DatabaseError(_("A SQLite address must name a file."))
            return text, Path(url.database)
        if url.drivername in ("postgresql", "postgres"):
            # The driver cvcdesk ships with (psycopg 3), not SQLAlchemy's default (psycopg2).
            url = url.set(drivername="postgresql+psycopg")
            return url.render_as_string(hide_password=False), None
        return text, None
    return "", Path(text).expanduser()


def database_file(target: str | Path) -> Path | None:
    """The file a target names (a path or a sqlite:/// address); None for a server address."""
    return _parse_target(target)[1]


def open_database(
    target: str | Path,
    *,
    create: bool = True,
    exclusive: bool = False,
    removable: bool | None = None,
    backups_dir: Path | None = None,
) -> Database:
    """Open (creating or upgrading as needed) a cvcdesk database.

    Files that are not cvcdesk databases, or that a newer cvcdesk wrote, are refused unchanged.
    An older schema is backed up, then upgraded. With `exclusive`, a second program holding the
    same file gets a clear message instead of both writing to it.
    """
    url, path = _parse_target(target)
    if path is None:
        return _open_server_database(url)
    path = path.resolve() if path.exists() else path.absolute()
    if not path.exists() and not create:
        raise DatabaseError(_("There is no database at “{path}”.").format(path=path))
    state = inspect_sqlite_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            _("Cannot create the folder “{folder}”: {reason}").format(
                folder=path.parent, reason=exc.strerror
            )
        ) from None
    writable = folder_writable(path.parent) and (not path.exists() or os.access(path, os.W_OK))
    lock: FileLock | None = None
    if exclusive and writable:
        lock = FileLock(str(path) + ".lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise DatabaseError(
                _(
                    "“{path}” is already open in another cvcdesk window or on another PC. "
                    "Close it there first."
                ).format(path=path)
            ) from None
        except OSError as exc:
            raise DatabaseError(
                _("Cannot lock “{path}”: {reason}").format(path=path, reason=exc.strerror)
            ) from None
    try:
        return _open_sqlite(path, state, lock, removable, backups_dir, writable=writable)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _open_sqlite(
    path: Path,
    state: FileState,
    lock: FileLock | None,
    removable: bool | None,
    backups_dir: Path | None,
    *,
    writable: bool = True,
) -> Database:
    head = head_revision()
    needs_write = state.fresh or state.revision != head
    if needs_write and path.exists() and not os.access(path, os.W_OK):
        raise DatabaseError(
            _(
                "“{path}” is read-only, and it must be upgraded before use. Copy it somewhere "
                "you can write to."
            ).format(path=path)
        )
    if not writable:
        if needs_write:
            if state.fresh:
                message = _(
                    "cvcdesk cannot write to the folder “{folder}”, so it cannot make a new "
                    "database there. Choose a folder you can write to, or switch off the write "
                    "protection of the USB stick."
                )
            else:
                message = _(
                    "cvcdesk cannot write to the folder “{folder}”, so it cannot upgrade the "
                    "database there. Copy it to a folder you can write to, or switch off the "
                    "write protection of the USB stick."
                )
            raise DatabaseError(message.format(folder=path.parent))
        return _open_read_only(path, lock)
    backup_path = None
    if not state.fresh and state.revision != head:
        folder = backups_dir or path.parent / "backups"
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup_path = folder / f"{path.stem}-{stamp}-before-upgrade-from-{state.revision}.db"
        backup_sqlite(path, backup_path)
        log.info("backed up database before upgrade to %s", backup_path)
    if removable is None:
        removable = is_removable_media(path.parent)
    journal_mode = "DELETE" if removable else "WAL"
    engine = _sqlite_engine(path, journal_mode)
    try:
        if needs_write:
            with engine.begin() as connection:
                if state.fresh:
                    connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
                config = alembic_config()
                config.attributes["connection"] = connection
                from alembic import command

                command.upgrade(config, "head")
        database = _finish_open(f"sqlite:///{path}", engine)
    except DatabaseError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise DatabaseError(
            _("“{path}” could not be opened: {reason}").format(path=path, reason=str(exc))
        ) from exc
    database.path = path
    database.journal_mode = journal_mode
    database.backup_path = backup_path
    database.created = state.fresh
    database._lock = lock
    return database


def _open_read_only(path: Path, lock: FileLock | None) -> Database:
    """Open a database whose folder cannot be written: reading works, saving is refused."""
    engine = _sqlite_engine(path, "", read_only=True)
    try:
        database = _finish_open(f"sqlite:///{path}", engine, read_only=True)
    except Exception as exc:
        engine.dispose()
        raise DatabaseError(
            _("“{path}” could not be opened: {reason}").format(path=path, reason=str(exc))
        ) from exc
    database.path = path
    database.journal_mode = "off (read-only)"
    database.read_only = True
    database.warning = _(
        "cvcdesk cannot write to the folder “{folder}”, so the database is open for reading "
        "only: nothing you change can be saved. Copy it to a folder you can write to, or "
        "switch off the write protection of the USB stick, then open it again."
    ).format(folder=path.parent)
    database._lock = lock
    log.warning("opened read-only, the folder cannot be written: %s", path.parent)
    return database


# Any fixed number: coordinators opening one server database at once upgrade it in turn.
_MIGRATION_LOCK = 0x43564344


def _server_engine(url: str) -> Engine:
    try:
        return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            _(
                "cvcdesk cannot talk to this kind of database server: the module “{module}” is "
                "not installed. For PostgreSQL install cvcdesk with its “postgresql” extra "
                "(pip install 'cvcdesk[postgresql]')."
            ).format(module=exc.name or "?")
        ) from None


def _check_server_collation(connection: Any) -> None:
    """Refuse a PostgreSQL database whose text order would scramble the Welsh sort order.

    Sort keys are compared as plain text (see cvcdesk.domain.names), as SQLite compares
    them: code point by code point. Whatever the locale provider, the database is asked.
    """
    if connection.dialect.name != "postgresql":
        return
    in_code_order = connection.exec_driver_sql(
        "SELECT 'B' < 'a' AND 'Z' < '[' AND '[' < 'a' AND ' z' < '0a'"
    ).scalar()
    if not in_code_order:
        # An ICU locale is in a column whose name changed between PostgreSQL versions.
        name, collation = connection.exec_driver_sql(
            "SELECT datname, coalesce(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> "
            "'datlocale', datcollate) FROM pg_database d WHERE datname = current_database()"
        ).one()
        raise DatabaseError(
            _(
                "The PostgreSQL database “{name}” sorts text by the rules of a language "
                "(“{collation}”), which would put Welsh names out of order. Create the database "
                "for cvcdesk with “createdb --template=template0 --locale=C.UTF-8 {name}” and "
                "open that one."
            ).format(name=name, collation=collation)
        )


def _open_server_database(url: str) -> Database:
    """Open a database on a server, upgrading its schema first if it is older.

    A server keeps its own backups (pg_dump); the upgrade runs in one transaction, which
    PostgreSQL undoes whole if any step fails, and under a lock, so coordinators starting
    the app at the same time upgrade it once.
    """
    engine = _server_engine(url)
    try:
        with engine.begin() as connection:
            _check_server_collation(connection)
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            current = (
                connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                if engine.dialect.has_table(connection, "alembic_version")
                else None
            )
            if current is not None and current not in known_revisions():
                raise DatabaseError(
                    _(
                        "The database was written by a newer version of cvcdesk (schema {found})."
                    ).format(found=current)
                )
            if current != head_revision():
                config = alembic_config()
                config.attributes["connection"] = connection
                from alembic import command

                command.upgrade(config, "head")
            # Still under the lock: two coordinators opening a new database get one identity.
            if connection.execute(select(Instance.id).limit(1)).first() is None:
                connection.execute(insert(Instance).values(uuid=str(uuid.uuid4()), clock=""))
        return _finish_open(url, engine)
    except DatabaseError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DatabaseError(
            _("Cannot open the database server: {reason}").format(reason=reason)
        ) from exc


def _finish_open(url: str, engine: Engine, *, read_only: bool = False) -> Database:
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        instance = session.scalar(select(Instance).limit(1))
        if instance is None:
            instance = Instance(uuid=str(uuid.uuid4()), clock="")
            if not read_only:
                session.add(instance)
                session.flush()
        instance_uuid, last = instance.uuid, instance.clock
    clock = HybridClock(instance_uuid, last or None)
    return Database(
        url=url,
        engine=engine,
        session_factory=factory,
        clock=clock,
        instance_uuid=instance_uuid,
    )


@contextlib.contextmanager
def opened(target: str | Path, **kwargs: Any) -> Iterator[Database]:
    database = open_database(target, **kwargs)
    try:
        yield database
    finally:
        database.close()
