"""skills an activity asks for; volunteers on an activity's whole pattern

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

`activity.skills_required` holds the skill codes an activity asks for (space-separated), so
suggestions can rank volunteers by them. `activity_regular` records a volunteer put on an
activity's whole recurring pattern: shifts generated later, as the planning horizon rolls on,
get the volunteer booked too.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("skills_required", sa.String(length=400), nullable=False, server_default="")
        )
    op.create_table(
        "activity_regular",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("changed_at", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("replaced_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_regular_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_activity_regular_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_regular")),
        sa.UniqueConstraint("uuid", name=op.f("uq_activity_regular_uuid")),
        sa.UniqueConstraint(
            "activity_id", "volunteer_id", name=op.f("uq_activity_regular_activity_id")
        ),
    )
    with op.batch_alter_table("activity_regular", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_regular_changed_at"), ["changed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_regular_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_regular_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("activity_regular")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("skills_required")
