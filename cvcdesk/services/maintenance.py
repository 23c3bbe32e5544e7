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
        """SQLite's integrity and foreign-key checks, and the schema against this version's.

        A file SQLite finds damaged is reported as such: the later checks would only fail on
        the same damage, so they are not run."""
        from sqlalchemy.exc import DBAPIError

        with self._db.engine.connect() as connection:
            integrity: list[str] = []
            foreign: list[str] = []
            try:
                revision = str(
                    connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                )
                if self._db.is_sqlite:
                    integrity = [
                        r[0]
                        for r in connection.exec_driver_sql("PRAGMA integrity_check")
                        if r[0] != "ok"
                    ]
                    if integrity:
                        integrity.append(_damaged_advice())
                        return CheckReport(
                            integrity=integrity, revision=revision, head=head_revision()
                        )
                    foreign = [
                        _("Row {row} of {table} points to a missing {parent}.").format(
                            row=r[1], table=r[0], parent=r[2]
                        )
                        for r in connection.exec_driver_sql("PRAGMA foreign_key_check")
                    ]
                from alembic.autogenerate import compare_metadata  # only for checks (0.3 s)
                from alembic.migration import MigrationContext

                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "render_as_batch": True}
                )
                diffs = compare_metadata(context, m.Base.metadata)
            except DBAPIError:
                damaged = _("SQLite could not read the whole file: it is damaged.")
                return CheckReport(
                    integrity=[*integrity, damaged, _damaged_advice()], head=head_revision()
                )
        schema = [_describe_difference(diff) for diff in diffs if not _is_search_index(diff)]
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


def _damaged_advice() -> str:
    return _(
        "Restore a backup: “cvcdesk backups list” shows them, “cvcdesk restore FILE” puts one back."
    )


def _describe_difference(diff: object) -> str:
    """One schema difference found by Alembic, in words."""
    if isinstance(diff, tuple) and diff and isinstance(diff[0], str):
        action = diff[0]
        thing = diff[1] if len(diff) > 1 else None
        if action in ("add_table", "remove_table") and thing is not None:
            name = getattr(thing, "name", thing)
            if action == "add_table":
                return _("Table “{table}” is missing.").format(table=name)
            return _("Table “{table}” is not part of cvcdesk.").format(table=name)
        if action in ("add_column", "remove_column") and len(diff) >= 4:
            column = getattr(diff[3], "name", diff[3])
            if action == "add_column":
                return _("Column “{column}” of table “{table}” is missing.").format(
                    column=column, table=diff[2]
                )
            return _("Column “{column}” of table “{table}” is not part of cvcdesk.").format(
                column=column, table=diff[2]
            )
        if action in ("add_index", "remove_index") and thing is not None:
            name = getattr(thing, "name", thing)
            if action == "add_index":
                return _("Index “{index}” is missing.").format(index=name)
            return _("Index “{index}” is not part of cvcdesk.").format(index=name)
    if isinstance(diff, list) and diff and isinstance(diff[0], tuple) and len(diff[0]) >= 4:
        # a change to a column: (action, schema, table, column, ...)
        return _("Column “{column}” of table “{table}” differs from this version's.").format(
            column=diff[0][3], table=diff[0][2]
        )
    return _("The schema differs from this version's: {difference}").format(difference=diff)


def _is_search_index(diff: object) -> bool:
    """The FTS5 tables are created by hand in a migration, not by the models."""
    text_form = str(diff)
    return "_fts" in text_form
