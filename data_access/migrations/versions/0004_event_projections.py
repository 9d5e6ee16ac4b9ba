"""projections of safety checks, excavations, violations and notifications; resolved findings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BACKFILL_CHUNK = 2000


def upgrade() -> None:
    op.create_table(
        "safety_checks",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("photos_complete", sa.Boolean(), nullable=False),
        sa.Column("district", sa.String(length=12), nullable=True),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_safety_checks")),
    )
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        for column in ("code", "customer_id", "district", "enterprise_id", "occurred_at"):
            batch_op.create_index(batch_op.f(f"ix_safety_checks_{column}"), [column], unique=False)

    op.create_table(
        "excavations",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("contractor", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=12), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("agreement_signed", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_excavations")),
    )
    with op.batch_alter_table("excavations", schema=None) as batch_op:
        for column in ("district", "ends_on"):
            batch_op.create_index(batch_op.f(f"ix_excavations_{column}"), [column], unique=False)

    op.create_table(
        "violations",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=12), nullable=True),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violations")),
    )
    with op.batch_alter_table("violations", schema=None) as batch_op:
        for column in ("district", "enterprise_id", "occurred_at", "subject_id"):
            batch_op.create_index(batch_op.f(f"ix_violations_{column}"), [column], unique=False)

    op.create_table(
        "violation_points",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("district", sa.String(length=12), nullable=True),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation_points")),
    )
    with op.batch_alter_table("violation_points", schema=None) as batch_op:
        for column in ("district", "enterprise_id", "subject_id", "year"):
            name = batch_op.f(f"ix_violation_points_{column}")
            batch_op.create_index(name, [column], unique=False)

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_seq", SEQ, nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_findings_subject_id_kind", ["subject_id", "kind"], unique=False)

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("all_notified_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("pipeline_segments", schema=None) as batch_op:
        for column in ("min_lat", "min_lon", "max_lat", "max_lon"):
            batch_op.add_column(sa.Column(column, sa.Float(), nullable=True))
    _backfill_segment_boxes()


def _backfill_segment_boxes() -> None:
    """Bounding boxes of the segments already stored (new writes fill them themselves)."""
    segments = sa.table(
        "pipeline_segments",
        sa.column("id", sa.String()),
        sa.column("coords", sa.JSON()),
        *(sa.column(name, sa.Float()) for name in ("min_lat", "min_lon", "max_lat", "max_lon")),
    )
    connection = op.get_bind()
    after = ""
    while True:
        rows = connection.execute(
            sa.select(segments.c.id, segments.c.coords)
            .where(segments.c.id > after)
            .order_by(segments.c.id)
            .limit(_BACKFILL_CHUNK)
        ).all()
        if not rows:
            return
        boxes = []
        for segment_id, coords in rows:
            lats = [point[0] for point in coords]
            lons = [point[1] for point in coords]
            boxes.append(
                {
                    "b_id": segment_id,
                    "b_min_lat": min(lats),
                    "b_min_lon": min(lons),
                    "b_max_lat": max(lats),
                    "b_max_lon": max(lons),
                }
            )
        connection.execute(
            segments.update()
            .where(segments.c.id == sa.bindparam("b_id"))
            .values(
                min_lat=sa.bindparam("b_min_lat"),
                min_lon=sa.bindparam("b_min_lon"),
                max_lat=sa.bindparam("b_max_lat"),
                max_lon=sa.bindparam("b_max_lon"),
            ),
            boxes,
        )
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("pipeline_segments", schema=None) as batch_op:
        for column in ("max_lon", "max_lat", "min_lon", "min_lat"):
            batch_op.drop_column(column)
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("all_notified_at")
        batch_op.drop_column("notified")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_subject_id_kind")
        batch_op.drop_column("resolution")
        batch_op.drop_column("resolved_seq")
        batch_op.drop_column("resolved_at")
    for table in ("violation_points", "violations", "excavations", "safety_checks"):
        op.drop_table(table)
