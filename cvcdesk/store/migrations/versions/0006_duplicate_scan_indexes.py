"""indexes for the incremental duplicate-volunteer scan

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

A rescan after a few edits looks for the records that could share a blocking key with the
changed ones: by second phone, e-mail address in lower case and date of birth, which had no
index, so every rescan read the whole volunteer table. The e-mail index holds only addresses
with capitals (nearly none): the rest are found by the index on `email` as they are. The names
index, with `deleted`, gives how many live records give each name without reading the table,
and finds the changed records' namesakes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMN_INDEXES = (
    ("ix_volunteer_date_of_birth", ["date_of_birth"]),
    ("ix_volunteer_phone_alt", ["phone_alt"]),
    ("ix_volunteer_names", ["first_name", "known_as", "last_name", "deleted"]),
)


def upgrade() -> None:
    for name, columns in COLUMN_INDEXES:
        op.create_index(name, "volunteer", columns)
    op.create_index(
        "ix_volunteer_email_mixed_case",
        "volunteer",
        ["email"],
        sqlite_where=sa.text("email != lower(email)"),
        postgresql_where=sa.text("email <> lower(email)"),
    )


def downgrade() -> None:
    op.drop_index("ix_volunteer_email_mixed_case", table_name="volunteer")
    for name, _columns in reversed(COLUMN_INDEXES):
        op.drop_index(name, table_name="volunteer")
