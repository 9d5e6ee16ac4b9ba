"""complaints: who holds each one, its time limit, escalations, the reply and what it became

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
INDEXED = ("enterprise_id", "due_at")


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("handler", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("due_at", WHEN, nullable=True))
        batch_op.add_column(
            sa.Column("escalations", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("replied_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("hazard_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", WHEN, nullable=True))
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_complaints_{column}"), [column])


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_complaints_{column}"))
        for column in (
            "updated_at",
            "lon",
            "lat",
            "incident_id",
            "hazard_id",
            "reply",
            "replied_at",
            "escalations",
            "due_at",
            "handler",
            "enterprise_id",
        ):
            batch_op.drop_column(column)
