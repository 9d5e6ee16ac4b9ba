"""ingest tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ingest_tokens_token_hash")),
    )
    with op.batch_alter_table("ingest_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_tokens_source"), ["source"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_tokens_source"))
    op.drop_table("ingest_tokens")
