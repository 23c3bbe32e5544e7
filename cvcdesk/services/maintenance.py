"""Whole-database checks, counts and backups."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import ScalarSelect, func, select, text

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.i18n import _
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m
from cvcdesk.store.backup import backup_sqlite
from cvcdesk.store.database import head_revision


@dataclass(frozen=True)
class Counts:
    volunteers: int
    groups: int
    activities: int
    shifts: int
    open_alerts: int


@dataclass(frozen=True)
class CheckReport:
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    schema: list[str] = field(default_factory=list)
    revision: str = ""
    head: str = ""

    @property
    def ok(self) -> bool:
        return (
            not (self.integrity or self.foreign_keys or self.schema) and self.revision == self.head
        )


class MaintenanceService(ServiceBase):
    def counts(self) -> Counts:
        def live(model: type[m.Shareable]) -> ScalarSelect[int]:
            return (
                select(func.count())
                .select_from(model)
                .where(model.deleted.is_(False))
                .scalar_subquery()
            )

        with self._read() as session:
            row = session.execute(
                select(
                    live(m.Volunteer),
                    live(m.Organisation),
                    live(m.Activity),
                    live(m.Shift),
                    select(func.count())
                    .select_from(m.Alert)
                    .where(m.Alert.status == "open", m.Alert.deleted.is_(False))
                    .scalar_subquery(),
                )
            ).one()
        return Counts(*(int(value) for value in row))

    def check(self) -> CheckReport:
        """SQLite's integrity and foreign-key checks, and the schema against this version's."""
        with self._db.engine.connect() as connection:
            integrity: list[str] = []
            foreign: list[str] = []
            if self._db.is_sqlite:
                integrity = [
                    r[0]
                    for r in connection.exec_driver_sql("PRAGMA integrity_check")
                    if r[0] != "ok"
                ]
                foreign = [
                    _("Row {row} of {table} points to a missing {parent}.").format(
                        row=r[1], table=r[0], parent=r[2]
                    )
                    for r in connection.exec_driver_sql("PRAGMA foreign_key_check")
                ]
            revision = str(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            )
            from alembic.autogenerate import compare_metadata  # only for checks (0.3 s)
            from alembic.migration import MigrationContext

            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            diffs = compare_metadata(context, m.Base.metadata)
        schema = [str(diff) for diff in diffs if not _is_search_index(diff)]
        return CheckReport(
            integrity=integrity,
            foreign_keys=foreign,
            schema=schema,
            revision=revision,
            head=head_revision(),
        )

    def backup(self, destination: Path) -> Path:
        if not self._db.is_sqlite or self._db.path is None:
            raise DatabaseError(_("Backups to a file are for SQLite databases only."))
        return backup_sqlite(self._db.path, destination)


def _is_search_index(diff: object) -> bool:
    """The FTS5 tables are created by hand in a migration, not by the models."""
    text_form = str(diff)
    return "_fts" in text_form
