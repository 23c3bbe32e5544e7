"""Backups with SQLite's online backup API, verified after writing; restore by atomic rename."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.i18n import _


def integrity_problems(path: Path) -> list[str]:
    """The rows of PRAGMA integrity_check other than 'ok' (an empty list is a healthy file)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    # SQLite may pack many findings into one row under a "*** in database main ***" heading;
    # one finding per line keeps the message shown to the user short.
    lines = [line.strip() for row in rows for line in str(row).splitlines()]
    problems = [line for line in lines if line and line != "ok" and not line.startswith("***")]
    return problems or [str(row) for row in rows if row != "ok"]


def backup_sqlite(source: Path, destination: Path) -> Path:
    """Copy a live database consistently to `destination`, check it, then move it into place."""
    partial = destination.with_name(destination.name + ".partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        problems = integrity_problems(partial)
        if problems:
            raise DatabaseError(
                _("The backup of “{path}” failed its check: {problem}").format(
                    path=source, problem=problems[0]
                )
            )
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise DatabaseError(
            _("Could not back up “{path}”: {reason}").format(path=source, reason=str(exc))
        ) from None
    except OSError as exc:
        raise DatabaseError(
            _("Could not write the backup “{path}”: {reason}").format(
                path=destination, reason=exc.strerror
            )
        ) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return destination


def restore_sqlite(backup: Path, destination: Path) -> None:
    """Replace `destination` with a checked copy of `backup` (the caller holds the lock)."""
    problems = integrity_problems(backup)
    if problems:
        raise DatabaseError(
            _("“{path}” is damaged and was not restored: {problem}").format(
                path=backup, problem=problems[0]
            )
        )
    staged = destination.with_name(destination.name + ".restoring")
    backup_sqlite(backup, staged)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(destination) + suffix).unlink(missing_ok=True)
    os.replace(staged, destination)
