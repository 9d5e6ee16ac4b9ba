"""hazard closed loop: responsible enterprise and number of each hazard; photos and new due
dates in the hazard history; the indexes the hazard board filters on

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from data_access.models import UTCDateTime
from dashboard.domain.hazards import hazard_number, number_series

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CHUNK = 2000
# target_type -> the registry table and its enterprise column (as data_access/projections).
_OWNERS = {
    "site": ("sites", "enterprise_id"),
    "customer": ("customers", "enterprise_id"),
    "pipeline": ("pipeline_segments", "enterprise_id"),
}


def upgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("number", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_hazards_enterprise_id"), ["enterprise_id"])
        batch_op.create_index(batch_op.f("ix_hazards_reported_at"), ["reported_at"])
        batch_op.create_index("ix_hazards_district_status", ["district", "status"])
        # a unique index, not a constraint: SQLite would rebuild the table for a constraint, and
        # the history's foreign key forbids dropping it
        batch_op.create_index(batch_op.f("ix_hazards_number"), ["number"], unique=True)
    with op.batch_alter_table("hazard_status_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photos", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    _backfill_enterprises()
    _backfill_numbers()
    _backfill_photos()


def _backfill_enterprises() -> None:
    """The responsible enterprise of the hazards already stored (new ones get it when reported)."""
    hazards = sa.table(
        "hazards",
        sa.column("target_type", sa.String()),
        sa.column("target_id", sa.String()),
        sa.column("enterprise_id", sa.String()),
    )
    connection = op.get_bind()
    connection.execute(
        hazards.update()
        .where(hazards.c.target_type == "enterprise")
        .values(enterprise_id=hazards.c.target_id)
    )
    for target_type, (table_name, column) in _OWNERS.items():
        owner = sa.table(table_name, sa.column("id", sa.String()), sa.column(column, sa.String()))
        connection.execute(
            hazards.update()
            .where(hazards.c.target_type == target_type)
            .values(
                enterprise_id=sa.select(owner.c[column])
                .where(owner.c.id == hazards.c.target_id)
                .scalar_subquery()
            )
        )


def _backfill_numbers() -> None:
    """Numbers in the order the log holds the reports (each hazard's "reported" history row)."""
    hazards = sa.table(
        "hazards",
        sa.column("id", sa.String()),
        sa.column("district", sa.String()),
        sa.column("reported_at", UTCDateTime()),
        sa.column("number", sa.String()),
    )
    history = sa.table(
        "hazard_status_history",
        sa.column("hazard_id", sa.String()),
        sa.column("status", sa.String()),
        sa.column("seq", sa.BigInteger()),
    )
    connection = op.get_bind()
    first_seq = (
        sa.select(history.c.hazard_id, sa.func.min(history.c.seq).label("seq"))
        .where(history.c.status == "reported")
        .group_by(history.c.hazard_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(hazards.c.id, hazards.c.district, hazards.c.reported_at)
        .outerjoin(first_seq, first_seq.c.hazard_id == hazards.c.id)
        .order_by(first_seq.c.seq, hazards.c.reported_at, hazards.c.id)
    ).all()
    last: dict[str, int] = {}
    numbers = []
    for hazard_id, district, reported_at in rows:
        series = number_series(district, reported_at.astimezone(UTC))
        last[series] = last.get(series, 0) + 1
        numbers.append({"b_id": hazard_id, "b_number": hazard_number(series, last[series])})
    update = (
        hazards.update()
        .where(hazards.c.id == sa.bindparam("b_id"))
        .values(number=sa.bindparam("b_number"))
    )
    for start in range(0, len(numbers), _CHUNK):
        connection.execute(update, numbers[start : start + _CHUNK])


def _backfill_photos() -> None:
    """The photos of the hazard.updated events already logged (they were not kept before)."""
    log = sa.table(
        "event_log",
        sa.column("seq", sa.BigInteger()),
        sa.column("type", sa.String()),
        sa.column("data", sa.JSON()),
    )
    history = sa.table(
        "hazard_status_history", sa.column("seq", sa.BigInteger()), sa.column("photos", sa.JSON())
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(log.c.seq, log.c.data).where(log.c.type == "hazard.updated").order_by(log.c.seq)
    )
    photos = [
        {"b_seq": seq, "b_photos": data["photos"]}
        for seq, data in rows
        if isinstance(data, dict) and data.get("photos")
    ]
    update = (
        history.update()
        .where(history.c.seq == sa.bindparam("b_seq"))
        .values(photos=sa.bindparam("b_photos"))
    )
    for start in range(0, len(photos), _CHUNK):
        connection.execute(update, photos[start : start + _CHUNK])


def downgrade() -> None:
    with op.batch_alter_table("hazard_status_history", schema=None) as batch_op:
        batch_op.drop_column("due_at")
        batch_op.drop_column("photos")
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazards_number"))
        batch_op.drop_index(batch_op.f("ix_hazards_reported_at"))
        batch_op.drop_index("ix_hazards_district_status")
        batch_op.drop_index(batch_op.f("ix_hazards_enterprise_id"))
        batch_op.drop_column("number")
        batch_op.drop_column("enterprise_id")
