"""full-text search, service types and skills

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Reference data has the same uuid in every database so partners agree on it.
_NAMESPACE = uuid.UUID("6f1c9a52-5d0e-4c55-9a43-0f3c8f1e2b10")
_ORIGIN = str(_NAMESPACE)
_CLOCK = f"{0:015d}-{0:06d}-{_ORIGIN}"

SERVICE_TYPES = [
    ("food_parcels", "Food parcels", "Parseli bwyd"),
    ("shopping", "Shopping", "Siopa"),
    ("prescriptions", "Prescription collection", "Casglu presgripsiynau"),
    ("hot_meals", "Hot meals", "Prydau poeth"),
    ("befriending_phone", "Befriending by phone", "Cyfeillio dros y ffôn"),
    ("befriending_in_person", "Befriending in person", "Cyfeillio wyneb yn wyneb"),
    ("transport", "Transport", "Trafnidiaeth"),
    ("dog_walking", "Dog walking", "Mynd â chŵn am dro"),
    ("digital_help", "Digital help", "Help digidol"),
    ("advice", "Advice", "Cyngor"),
]

SKILLS = [
    ("driving", "Driving", "Gyrru"),
    ("cooking", "Cooking", "Coginio"),
    ("first_aid", "First aid", "Cymorth cyntaf"),
    ("welsh_speaker", "Welsh speaker", "Siaradwr Cymraeg"),
    ("befriending", "Befriending", "Cyfeillio"),
    ("it_support", "IT support", "Cymorth TG"),
    ("gardening", "Gardening", "Garddio"),
    ("admin", "Office and admin", "Swyddfa a gweinyddu"),
    ("lifting", "Lifting and carrying", "Codi a chario"),
    ("food_hygiene", "Food hygiene certificate", "Tystysgrif hylendid bwyd"),
    ("mental_health_first_aid", "Mental health first aid", "Cymorth cyntaf iechyd meddwl"),
    ("bsl", "British Sign Language", "Iaith Arwyddion Prydain"),
]


def upgrade() -> None:
    bind = op.get_bind()
    service = sa.table(
        "service_type",
        sa.column("uuid", sa.String),
        sa.column("origin", sa.String),
        sa.column("changed_at", sa.String),
        sa.column("deleted", sa.Boolean),
        sa.column("version", sa.Integer),
        sa.column("code", sa.String),
        sa.column("label_en", sa.String),
        sa.column("label_cy", sa.String),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(
        service,
        [
            {
                "uuid": str(uuid.uuid5(_NAMESPACE, f"service:{code}")),
                "origin": _ORIGIN,
                "changed_at": _CLOCK,
                "deleted": False,
                "version": 1,
                "code": code,
                "label_en": en,
                "label_cy": cy,
                "sort_order": index,
            }
            for index, (code, en, cy) in enumerate(SERVICE_TYPES)
        ],
    )
    skill = sa.table(
        "skill",
        sa.column("code", sa.String),
        sa.column("label_en", sa.String),
        sa.column("label_cy", sa.String),
    )
    op.bulk_insert(skill, [{"code": c, "label_en": e, "label_cy": w} for c, e, w in SKILLS])

    if bind.dialect.name != "sqlite":
        return
    # External-content FTS5 indexes kept in step by triggers; diacritics folded so Sian finds Siân.
    for table, columns in (
        ("volunteer", "first_name, last_name, known_as, email, reference, search_text"),
        ("organisation", "name_en, name_cy, email, postcode, charity_number"),
    ):
        cols = [c.strip() for c in columns.split(",")]
        new = ", ".join(f"new.{c}" for c in cols)
        old = ", ".join(f"old.{c}" for c in cols)
        op.execute(
            f"CREATE VIRTUAL TABLE {table}_fts USING fts5({columns}, content='{table}', "
            f"content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
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
        # Rows written before this revision become searchable too.
        op.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in ("volunteer", "organisation"):
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    op.execute("DELETE FROM skill")
    op.execute("DELETE FROM service_type")
