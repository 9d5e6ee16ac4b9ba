"""incident desk: timeline, dispatched teams, notifications; closing summary on incidents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("en_route_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("casualties", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(length=64), nullable=True))
    op.create_table(
        "incident_timeline",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("incident_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=True),
        sa.Column("occurred_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_timeline_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_incident_timeline")),
    )
    op.create_index(
        op.f("ix_incident_timeline_incident_id"), "incident_timeline", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_dispatches",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=128), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("dispatched_at", WHEN, nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("eta_minutes", sa.Float(), nullable=True),
        sa.Column("en_route_at", WHEN, nullable=True),
        sa.Column("on_scene_at", WHEN, nullable=True),
        sa.Column("released_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_dispatches_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_incident_dispatches_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_dispatches")),
    )
    for column in ("incident_id", "team_id"):
        op.create_index(
            op.f(f"ix_incident_dispatches_{column}"), "incident_dispatches", [column], unique=False
        )
    op.create_table(
        "incident_notifications",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("incident_id", sa.String(length=128), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=12), nullable=True),
        sa.Column("occurred_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_notifications_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_incident_notifications")),
    )
    for column in ("incident_id", "district", "occurred_at"):
        op.create_index(
            op.f(f"ix_incident_notifications_{column}"),
            "incident_notifications",
            [column],
            unique=False,
        )


    op.create_index("ix_customers_lat", "customers", ["lat"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_customers_lat", table_name="customers")
    op.drop_table("incident_notifications")
    op.drop_table("incident_dispatches")
    op.drop_table("incident_timeline")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        for column in ("closed_by", "casualties", "summary", "en_route_at"):
            batch_op.drop_column(column)
