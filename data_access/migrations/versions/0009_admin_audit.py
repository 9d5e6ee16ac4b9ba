"""administration: ingest token usage; the audit trail's indexes on the event log

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
# As data_access/models.py EVENT_SUBJECT_SQL at this revision (dashboard/domain/audit.py).
SUBJECT_KEYS = (
    "username",
    "token_id",
    "alarm_id",
    "hazard_id",
    "complaint_id",
    "violation_id",
    "inspection_id",
    "permit_id",
    "resource_id",
    "team_id",
    "incident_id",
    "code",
    "sensor_id",
    "segment_id",
    "customer_id",
    "worker_id",
    "site_id",
    "enterprise_id",
)
SUBJECT_SQL = "CAST(COALESCE({}) AS TEXT)".format(
    ", ".join(f"data ->> '{key}'" for key in SUBJECT_KEYS)
)


def upgrade() -> None:
    op.create_table(
        "ingest_token_usage",
        sa.Column("token_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_used_at", WHEN, nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["ingest_tokens.id"],
            name=op.f("fk_ingest_token_usage_token_id_ingest_tokens"),
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_ingest_token_usage")),
    )
    op.create_index("ix_event_log_actor_seq", "event_log", ["actor", "seq"], unique=False)
    op.create_index(
        "ix_event_log_subject_seq", "event_log", [sa.text(SUBJECT_SQL), "seq"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_event_log_subject_seq", table_name="event_log")
    op.drop_index("ix_event_log_actor_seq", table_name="event_log")
    op.drop_table("ingest_token_usage")
