"""Restoring a database file from a backup, keeping a copy of what it replaces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from filelock import FileLock, Timeout

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.i18n import _
from cvcdesk.store.backup import backup_sqlite, restore_sqlite
from cvcdesk.store.database import inspect_sqlite_file


def restore_database(database: Path, backup: Path) -> Path | None:
    """Replace `database` with `backup`; the replaced file is kept in the backups folder first.

    Returns where the replaced database was kept (None when there was none).
    """
    if not backup.is_file():
        raise DatabaseError(_("There is no backup file at “{path}”.").format(path=backup))
    # Refuses anything that is not a cvcdesk database we can read; an empty file or one with
    # no cvcdesk data in it would silently replace every record with nothing.
    if inspect_sqlite_file(backup).fresh:
        raise DatabaseError(
            _("“{path}” is not a cvcdesk backup: it holds no cvcdesk data.").format(path=backup)
        )
    lock = FileLock(str(database) + ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseError(
            _("“{path}” is open in cvcdesk. Close it before restoring.").format(path=database)
        ) from None
    try:
        kept = None
        if database.exists() and database.stat().st_size > 0:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            folder = database.parent / "backups"
            kept = folder / f"{database.stem}-{stamp}-before-restore.db"
            number = 1
            while kept.exists():  # never overwrite a copy kept by an earlier restore
                number += 1
                kept = folder / f"{database.stem}-{stamp}-{number}-before-restore.db"
            backup_sqlite(database, kept)
        restore_sqlite(backup, database)
        return kept
    finally:
        lock.release()
