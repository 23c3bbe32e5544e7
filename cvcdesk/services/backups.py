"""Automatic rotating backups: when a database opens, before big changes, kept for N days."""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from cvcdesk.domain.errors import CvcError, DatabaseError, FieldError, ValidationError
from cvcdesk.i18n import _
from cvcdesk.paths import backups_dir_for
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m
from cvcdesk.store.backup import backup_sqlite, integrity_problems
from cvcdesk.store.database import Database, inspect_sqlite_file

log = logging.getLogger(__name__)

DEFAULT_KEEP_DAYS = 30
DEFAULT_INTERVAL_HOURS = 24
# However old, the newest few are kept: after months away the last good copies still exist.
KEEP_AT_LEAST = 3

SETTING_BACKUP_KEEP_DAYS = "backups.keep_days"
SETTING_BACKUP_INTERVAL = "backups.interval_hours"
_STAMP = "%Y%m%d-%H%M%S"
_REASON = re.compile(r"^[a-z0-9][a-z0-9.-]{0,60}$")


def backup_settings_problems(keep_days: int | None, interval_hours: int | None) -> list[FieldError]:
    """What is wrong with these backup settings (None: left as they are)."""
    errors: list[FieldError] = []
    if keep_days is not None and not 1 <= keep_days <= 3650:
        errors.append(FieldError("keep_days", _("Keep backups for 1 to 3650 days."), _("Keep for")))
    if interval_hours is not None and not 0 <= interval_hours <= 24 * 366:
        errors.append(
            FieldError(
                "interval_hours",
                _("Give a number of hours from 0 (every time) to 8784 (a year)."),
                _("Back up every"),
            )
        )
    return errors


@dataclass(frozen=True)
class BackupSettings:
    keep_days: int = DEFAULT_KEEP_DAYS
    interval_hours: int = DEFAULT_INTERVAL_HOURS


@dataclass(frozen=True)
class BackupInfo:
    """One backup file in the database's backups folder."""

    path: Path
    taken_at: dt.datetime
    reason: str  # opened, before-merge, before-import, before-restore, before-upgrade-from-0003
    size: int

    @property
    def description(self) -> str:
        """Why it was taken, in words for the Restore dialog."""
        known = {
            "opened": _("When the database was opened"),
            "before-merge": _("Before merging two records"),
            "before-import": _("Before importing a spreadsheet"),
            "before-sync": _("Before importing a partner's sync file"),
            "before-restore": _("Before restoring another backup"),
            "before-demo": _("Before adding sample data"),
            "manual": _("Taken by hand"),
        }
        if self.reason in known:
            return known[self.reason]
        if self.reason.startswith("before-upgrade-from-"):
            return _("Before upgrading from schema {revision}").format(
                revision=self.reason.removeprefix("before-upgrade-from-")
            )
        return _("Before: {reason}").format(reason=self.reason.replace("-", " "))


class BackupService(ServiceBase):
    """Backups of a SQLite database file into the `backups` folder beside it.

    On a database server (PostgreSQL) the server's own backups (pg_dump) do this job: the
    methods then do nothing and list nothing.
    """

    def __init__(
        self,
        database: Database,
        *,
        actor: str | None = None,
        folder: Path | None = None,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        super().__init__(database, actor=actor)
        self._folder = folder
        self._now = now
        self.problem = ""  # why the last automatic backup failed, for the UI to show

    # ---- where and how long --------------------------------------------------------------

    @property
    def available(self) -> bool:
        """Backups to files are possible: a SQLite database file."""
        return self._db.is_sqlite and self._db.path is not None

    @property
    def folder(self) -> Path | None:
        if not self.available:
            return None
        assert self._db.path is not None
        return self._folder or backups_dir_for(self._db.path)

    def settings(self) -> BackupSettings:
        with self._read() as session:
            stored = dict(
                session.execute(
                    select(m.Setting.key, m.Setting.value).where(
                        m.Setting.key.in_([SETTING_BACKUP_KEEP_DAYS, SETTING_BACKUP_INTERVAL])
                    )
                ).all()
            )

        def number(key: str, default: int) -> int:
            try:
                return int(stored.get(key, default))
            except ValueError:
                return default

        return BackupSettings(
            keep_days=max(1, number(SETTING_BACKUP_KEEP_DAYS, DEFAULT_KEEP_DAYS)),
            interval_hours=max(0, number(SETTING_BACKUP_INTERVAL, DEFAULT_INTERVAL_HOURS)),
        )

    def configure(
        self, *, keep_days: int | None = None, interval_hours: int | None = None
    ) -> BackupSettings:
        """Keep backups for `keep_days` (1-3650); back up on opening every `interval_hours`
        at most (0: every time the database opens)."""
        errors = backup_settings_problems(keep_days, interval_hours)
        if errors:
            raise ValidationError(errors)
        with self._unit() as session:
            for key, value in (
                (SETTING_BACKUP_KEEP_DAYS, keep_days),
                (SETTING_BACKUP_INTERVAL, interval_hours),
            ):
                if value is not None:
                    session.merge(m.Setting(key=key, value=str(value)))
        return self.settings()

    # ---- taking them ---------------------------------------------------------------------

    def before(self, reason: str) -> BackupInfo | None:
        """Back up now, before a big change (`reason`: merge, import, sync, restore, ...).

        Raises DatabaseError when the copy cannot be written or fails its check: the caller
        should then not go ahead with the change. Returns None where there is nothing to
        back up to a file (a database server).
        """
        code = reason if reason in ("opened", "manual") else f"before-{reason}"
        if not _REASON.match(code):
            raise ValueError(f"a backup reason is a short lower-case code, not {reason!r}")
        if not self.available:
            return None
        folder = self.folder
        assert folder is not None and self._db.path is not None
        taken = self._now()
        path = self._free_name(folder, taken, code)
        backup_sqlite(self._db.path, path)
        log.info("backed up the database (%s) to %s", code, path)
        self._prune_quietly(taken)
        return self._info(path) or BackupInfo(path, taken, code, path.stat().st_size)

    def on_open(self) -> BackupInfo | None:
        """The automatic backup when a database opens: at most once per interval.

        A new, empty or read-only database is not backed up. A failure does not stop the
        database opening; `problem` then says what went wrong.
        """
        self.problem = ""
        if not self.available or self._db.created or self._db.read_only:
            return None
        try:
            interval = dt.timedelta(hours=self.settings().interval_hours)
            now = self._now()
            recent = [
                info
                for info in self.list()
                # A stamp in the future (the PC's clock was wrong) does not count as recent.
                if now - interval < info.taken_at <= now + dt.timedelta(minutes=5)
            ]
            if interval and recent:
                self._prune_quietly(now)
                return None
            return self.before("opened")
        except CvcError as exc:
            self.problem = _(
                "The automatic backup of the database could not be made: {reason}"
            ).format(reason=str(exc))
            log.warning("automatic backup failed: %s", exc)
            return None

    # ---- looking after them --------------------------------------------------------------

    def list(self) -> builtins.list[BackupInfo]:
        """This database's backups, newest first."""
        folder = self.folder
        if folder is None or not folder.is_dir():
            return []
        found = [info for path in folder.glob("*.db") if (info := self._info(path)) is not None]
        return sorted(found, key=lambda info: (info.taken_at, info.path.name), reverse=True)

    def prune(self) -> builtins.list[Path]:
        """Delete backups older than the days to keep (the newest few always stay)."""
        return self._prune(self._now())

    def verify(self, backup: Path) -> BackupInfo:
        """Check a backup can be restored: a cvcdesk database that passes integrity_check."""
        if not backup.is_file():
            raise DatabaseError(_("There is no backup file at “{path}”.").format(path=backup))
        if inspect_sqlite_file(backup).fresh:
            raise DatabaseError(
                _("“{path}” is not a cvcdesk backup: it holds no cvcdesk data.").format(path=backup)
            )
        problems = integrity_problems(backup)
        if problems:
            raise DatabaseError(
                _("“{path}” is damaged and cannot be restored: {problem}").format(
                    path=backup, problem=problems[0]
                )
            )
        return self._info(backup) or BackupInfo(
            backup,
            dt.datetime.fromtimestamp(backup.stat().st_mtime),
            "manual",
            backup.stat().st_size,
        )

    # ---- helpers -------------------------------------------------------------------------

    def _pattern(self) -> re.Pattern[str]:
        assert self._db.path is not None
        return re.compile(
            re.escape(self._db.path.stem) + r"-(\d{8}-\d{6})(?:-(\d+))?-([a-z0-9][a-z0-9.-]*)\.db"
        )

    def _info(self, path: Path) -> BackupInfo | None:
        if self._db.path is None:
            return None
        match = self._pattern().fullmatch(path.name)
        if match is None:
            return None
        try:
            taken = dt.datetime.strptime(match.group(1), _STAMP)
            size = path.stat().st_size
        except (ValueError, OSError):
            return None
        return BackupInfo(path=path, taken_at=taken, reason=match.group(3), size=size)

    def _free_name(self, folder: Path, taken: dt.datetime, code: str) -> Path:
        assert self._db.path is not None
        stamp = taken.strftime(_STAMP)
        path = folder / f"{self._db.path.stem}-{stamp}-{code}.db"
        number = 1
        while path.exists():  # two backups in one second: never overwrite the first
            number += 1
            path = folder / f"{self._db.path.stem}-{stamp}-{number}-{code}.db"
        return path

    def _prune(self, now: dt.datetime) -> builtins.list[Path]:
        keep_for = dt.timedelta(days=self.settings().keep_days)
        removed = []
        for info in self.list()[KEEP_AT_LEAST:]:
            if now - info.taken_at > keep_for:
                info.path.unlink(missing_ok=True)
                removed.append(info.path)
        if removed:
            log.info("removed %d old backups", len(removed))
        return removed

    def _prune_quietly(self, now: dt.datetime) -> None:
        # Old copies left behind are no reason to refuse a new one.
        with contextlib.suppress(OSError):
            self._prune(now)
