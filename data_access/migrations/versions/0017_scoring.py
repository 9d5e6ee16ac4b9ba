"""scoring: the versions of the weights and thresholds (scoring.changed), and the daily tallies of
scans and safety checks the rankings sum (dashboard/domain/scoring.py)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scoring_versions",
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("previous_version", sa.String(length=32), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_scoring_versions")),
    )
    op.create_index(op.f("ix_scoring_versions_seq"), "scoring_versions", ["seq"])
    op.create_table(
        "daily_tallies",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district", sa.String(length=12), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "district", "enterprise_id", "measure", name=op.f("pk_daily_tallies")
        ),
    )
    op.create_index("ix_daily_tallies_measure_day", "daily_tallies", ["measure", "day"])


def downgrade() -> None:
    op.drop_index("ix_daily_tallies_measure_day", table_name="daily_tallies")
    op.drop_table("daily_tallies")
    op.drop_index(op.f("ix_scoring_versions_seq"), table_name="scoring_versions")
    op.drop_table("scoring_versions")
