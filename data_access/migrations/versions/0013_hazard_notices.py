"""escalation notices: the outbox of hazard.escalated for the delivery worker

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hazard_notices",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("hazard_id", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_hazard_notices_hazard_id_hazards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_notices")),
    )
    for column in ("hazard_id", "done_at"):
        op.create_index(op.f(f"ix_hazard_notices_{column}"), "hazard_notices", [column])


def downgrade() -> None:
    for column in ("hazard_id", "done_at"):
        op.drop_index(op.f(f"ix_hazard_notices_{column}"), table_name="hazard_notices")
    op.drop_table("hazard_notices")
