"""cylinder supervision: the four photos of each safety check; online detention (在线扣瓶)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
DETENTION_INDEXES = ("code", "enterprise_id", "district", "status", "recall_by")


def upgrade() -> None:
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photos", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("findings", sa.JSON(), nullable=True))
    op.create_table(
        "cylinder_detentions",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recall_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detained_by", sa.String(length=64), nullable=False),
        sa.Column("detained_at", WHEN, nullable=False),
        sa.Column("recalled_site_id", sa.String(length=64), nullable=True),
        sa.Column("recalled_by", sa.String(length=64), nullable=True),
        sa.Column("recalled_at", WHEN, nullable=True),
        sa.Column("recall_note", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("escalated_at", WHEN, nullable=True),
        sa.Column("seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cylinder_detentions")),
    )
    for column in DETENTION_INDEXES:
        op.create_index(op.f(f"ix_cylinder_detentions_{column}"), "cylinder_detentions", [column])


def downgrade() -> None:
    for column in DETENTION_INDEXES:
        op.drop_index(op.f(f"ix_cylinder_detentions_{column}"), table_name="cylinder_detentions")
    op.drop_table("cylinder_detentions")
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        batch_op.drop_column("findings")
        batch_op.drop_column("photos")
