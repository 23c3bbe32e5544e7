"""search indexes hold live records only; indexes for counting live members

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

The full-text indexes now leave deleted (tombstoned) records out, so the number of matches
for what a coordinator types is the index's own count: search as you type no longer reads
every matching row to skip the deleted ones.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FTS_TABLES = (
    ("volunteer", "first_name, last_name, known_as, email, reference, search_text"),
    ("organisation", "name_en, name_cy, email, postcode, charity_number"),
)


def _live_only_triggers(table: str, columns: str) -> None:
    cols = [c.strip() for c in columns.split(",")]
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
    op.execute(
        f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} WHEN new.deleted = 0 BEGIN "
        f"INSERT INTO {table}_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} WHEN old.deleted = 0 BEGIN "
        f"INSERT INTO {table}_fts({table}_fts, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_fts_au AFTER UPDATE ON {table} BEGIN "
        f"INSERT INTO {table}_fts({table}_fts, rowid, {columns}) "
        f"SELECT 'delete', old.id, {old} WHERE old.deleted = 0; "
        f"INSERT INTO {table}_fts(rowid, {columns}) SELECT new.id, {new} WHERE new.deleted = 0; "
        "END"
    )
    op.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('delete-all')")
    op.execute(
        f"INSERT INTO {table}_fts(rowid, {columns}) "
        f"SELECT id, {columns} FROM {table} WHERE deleted = 0"
    )


def upgrade() -> None:
    op.create_index(
        "ix_membership_org_live", "membership", ["organisation_id", "deleted", "volunteer_id"]
    )
    op.create_index(
        "ix_volunteer_deleted",
        "volunteer",
        ["id"],
        sqlite_where=sa.text("deleted = 1"),
        postgresql_where=sa.text("deleted"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in FTS_TABLES:
            _live_only_triggers(table, columns)


def downgrade() -> None:
    op.drop_index("ix_volunteer_deleted", table_name="volunteer")
    op.drop_index("ix_membership_org_live", table_name="membership")
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in FTS_TABLES:
            cols = [c.strip() for c in columns.split(",")]
            new = ", ".join(f"new.{c}" for c in cols)
            old = ", ".join(f"old.{c}" for c in cols)
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(
                f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {table}_fts(rowid, {columns}) VALUES (new.id, {new}); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {table}_fts({table}_fts, rowid, {columns}) "
                f"VALUES ('delete', old.id, {old}); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_fts_au AFTER UPDATE ON {table} BEGIN "
                f"INSERT INTO {table}_fts({table}_fts, rowid, {columns}) "
                f"VALUES ('delete', old.id, {old}); "
                f"INSERT INTO {table}_fts(rowid, {columns}) VALUES (new.id, {new}); END"
            )
            op.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
