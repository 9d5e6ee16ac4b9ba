"""detention notices: the outbox of cylinder.detained and cylinder.recall_escalated for the
delivery worker (dashboard/notifier.py)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
INDEXED = ("detention_id", "done_at")


def upgrade() -> None:
    op.create_table(
        "detention_notices",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("detention_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=True),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["detention_id"],
            ["cylinder_detentions.id"],
            name=op.f("fk_detention_notices_detention_id_cylinder_detentions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detention_notices")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_detention_notices_{column}"), "detention_notices", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_detention_notices_{column}"), table_name="detention_notices")
    op.drop_table("detention_notices")
