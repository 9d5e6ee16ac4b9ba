"""ingest tokens bound to one enterprise

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_tokens", schema=None) as batch_op:
        batch_op.drop_column("enterprise_id")
