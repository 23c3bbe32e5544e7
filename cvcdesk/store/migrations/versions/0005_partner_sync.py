"""partner sync: what was last exchanged with each partner, pseudonymised partner volunteers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

`sync_state` holds, per partner and record, the version last sent or received (its clock value
and fields): the base of a three-way comparison when both sides changed a record, and how a
file already imported is recognised. `partner_volunteer` holds volunteers a partner shares
pseudonymised (skills, availability, postcode district and keyed hashes, never a name or a
contact detail). `partner.agreement_key` is the partner's X25519 public key, from which both
sides derive the per-partnership key of those hashes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_key", sa.LargeBinary(), nullable=True))
    op.create_table(
        "sync_state",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("changed_at", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_sync_state_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "partner_id", "record_type", "record_uuid", name=op.f("pk_sync_state")
        ),
    )
    op.create_table(
        "partner_volunteer",
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("availability", sa.Text(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("changed_at", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("replaced_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_volunteer_partner_id_partner"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_volunteer")),
        sa.UniqueConstraint("uuid", name=op.f("uq_partner_volunteer_uuid")),
    )
    with op.batch_alter_table("partner_volunteer", schema=None) as batch_op:
        for column in ("changed_at", "email_hash", "name_hash", "partner_id", "phone_hash"):
            batch_op.create_index(
                batch_op.f(f"ix_partner_volunteer_{column}"), [column], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("partner_volunteer", schema=None) as batch_op:
        for column in ("changed_at", "email_hash", "name_hash", "partner_id", "phone_hash"):
            batch_op.drop_index(batch_op.f(f"ix_partner_volunteer_{column}"))
    op.drop_table("partner_volunteer")
    op.drop_table("sync_state")
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_column("agreement_key")
