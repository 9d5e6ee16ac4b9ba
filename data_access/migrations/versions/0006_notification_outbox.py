"""notification outbox: notify requests as a projection, each delivery naming its request

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_requests",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("incident_id", sa.String(length=128), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_notification_requests_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_requests")),
    )
    for column in ("incident_id", "done_at"):
        op.create_index(
            op.f(f"ix_notification_requests_{column}"),
            "notification_requests",
            [column],
            unique=False,
        )
    with op.batch_alter_table("incident_notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_incident_notifications_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_notifications_request_id"))
        batch_op.drop_column("request_id")
    for column in ("incident_id", "done_at"):
        op.drop_index(op.f(f"ix_notification_requests_{column}"), table_name="notification_requests")
    op.drop_table("notification_requests")
