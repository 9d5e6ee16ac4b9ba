"""inspection work: the items and the task of each inspection; how each hazard was found

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_CHUNK = 2000


def upgrade() -> None:
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("items", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("task_id", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_inspections_task_id"), ["task_id"])
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="manual")
        )
    hazards = sa.table(
        "hazards", sa.column("inspection_id", sa.String()), sa.column("origin", sa.String())
    )
    # Before this revision no inspection was an enterprise's own check (kind self_check).
    op.get_bind().execute(
        hazards.update().where(hazards.c.inspection_id.is_not(None)).values(origin="inspection")
    )
    _backfill_items()


def _backfill_items() -> None:
    """The items of the inspections already logged (they were kept as passed/failed only)."""
    log = sa.table(
        "event_log",
        sa.column("seq", sa.BigInteger()),
        sa.column("type", sa.String()),
        sa.column("data", sa.JSON()),
    )
    inspections = sa.table(
        "inspections", sa.column("id", sa.String()), sa.column("items", sa.JSON())
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(log.c.data).where(log.c.type == "inspection.completed").order_by(log.c.seq)
    )
    latest: dict[str, list[dict]] = {}
    for (data,) in rows:
        if isinstance(data, dict) and data.get("inspection_id") and data.get("items"):
            latest[data["inspection_id"]] = data["items"]
    items = [{"b_id": key, "b_items": value} for key, value in latest.items()]
    update = (
        inspections.update()
        .where(inspections.c.id == sa.bindparam("b_id"))
        .values(items=sa.bindparam("b_items"))
    )
    for start in range(0, len(items), _CHUNK):
        connection.execute(update, items[start : start + _CHUNK])


def downgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_column("origin")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_task_id"))
        batch_op.drop_column("task_id")
        batch_op.drop_column("items")
