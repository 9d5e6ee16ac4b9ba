"""complaints: who holds each one, its time limit, escalations, the reply and what it became

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:50:00
"""

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

from data_access.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
INDEXED = ("enterprise_id", "due_at")
_CHUNK = 2000
# The time limits of dashboard/domain/complaints.py CATEGORIES as this revision knew them
# (hours), frozen here so that the migration fills the same due times whenever it runs.
_LIMIT_HOURS = {
    "燃气异味": 12, "检验超期": 24, "企业信息不符": 48, "企业不符": 48, "送气工信息不符": 48,
    "配送人员不符": 48, "送气不及时": 24, "安检问题": 72, "气量不足": 72,
}  # fmt: skip
_GENERAL_HOURS = 120


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("handler", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("due_at", WHEN, nullable=True))
        batch_op.add_column(
            sa.Column("escalations", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("replied_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("hazard_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", WHEN, nullable=True))
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_complaints_{column}"), [column])
    _backfill_complaints()


_LOG = sa.table(
    "event_log",
    sa.column("seq", sa.BigInteger()),
    sa.column("type", sa.String()),
    sa.column("occurred_at", UTCDateTime()),
    sa.column("data", sa.JSON()),
)
_COMPLAINTS = sa.table(
    "complaints",
    sa.column("id", sa.String()),
    sa.column("category", sa.String()),
    sa.column("code", sa.String()),
    sa.column("received_at", UTCDateTime()),
    *(sa.column(name) for name in ("enterprise_id", "handler", "reply", "hazard_id")),
    *(sa.column(name) for name in ("incident_id", "lat", "lon", "escalations")),
    sa.column("due_at", UTCDateTime()),
    sa.column("replied_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
_CYLINDERS = sa.table("cylinders", sa.column("code", sa.String()), sa.column("enterprise_id"))


def _backfill_complaints() -> None:
    """The workflow columns of the complaints already projected, from the event log: due time
    by category, the enterprise (named, or the cylinder's), who holds it (the city unless an
    update passed it down), escalations, the reply, position and last change."""
    connection = op.get_bind()
    rows: dict[str, dict[str, Any]] = {
        row.id: {"b_id": row.id, "due_at": row.received_at + _limit(row.category),
                 "enterprise_id": None, "code": row.code, "handler": "city", "escalations": 0,
                 "reply": None, "replied_at": None, "hazard_id": None, "incident_id": None,
                 "lat": None, "lon": None, "updated_at": row.received_at}
        for row in connection.execute(
            sa.select(_COMPLAINTS.c.id, _COMPLAINTS.c.category, _COMPLAINTS.c.code,
                      _COMPLAINTS.c.received_at)
        )
    }  # fmt: skip
    if not rows:
        return
    events = connection.execute(  # streamed, a chunk at a time
        sa.select(_LOG.c.type, _LOG.c.occurred_at, _LOG.c.data)
        .where(_LOG.c.type.in_(("complaint.received", "complaint.updated")))
        .order_by(_LOG.c.seq)
        .execution_options(yield_per=_CHUNK)
    )
    for kind, occurred_at, data in events:
        row = rows.get(data.get("complaint_id")) if isinstance(data, dict) else None
        if row is not None:
            _apply(row, kind, occurred_at, data)
    owners = _cylinder_owners(connection, {r["code"] for r in rows.values() if r["code"]})
    for row in rows.values():
        row["enterprise_id"] = row["enterprise_id"] or owners.get(row.pop("code"))
    update = (
        _COMPLAINTS.update()
        .where(_COMPLAINTS.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in _FILLED})
    )
    values = list(rows.values())
    for start in range(0, len(values), _CHUNK):
        connection.execute(update, values[start : start + _CHUNK])


_FILLED = ("due_at", "enterprise_id", "handler", "escalations", "reply", "replied_at",
           "hazard_id", "incident_id", "lat", "lon", "updated_at")  # fmt: skip


def _limit(category: str) -> timedelta:
    return timedelta(hours=_LIMIT_HOURS.get(category, _GENERAL_HOURS))


def _apply(row: dict[str, Any], kind: str, occurred_at: Any, data: dict[str, Any]) -> None:
    if kind == "complaint.received":
        row["enterprise_id"] = data.get("enterprise_id")
        row["lat"], row["lon"] = data.get("lat"), data.get("lon")
        return
    row["escalations"] += int(data.get("status") == "escalated")
    for key in ("handler", "enterprise_id", "hazard_id", "incident_id"):
        row[key] = data.get(key) or row[key]
    if data.get("status") == "replied":
        row["reply"], row["replied_at"] = data.get("note"), occurred_at
    row["updated_at"] = max(row["updated_at"], occurred_at)


def _cylinder_owners(connection: Any, codes: set[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        query = sa.select(_CYLINDERS.c.code, _CYLINDERS.c.enterprise_id).where(
            _CYLINDERS.c.code.in_(ordered[start : start + _CHUNK])
        )
        owners.update({code: owner for code, owner in connection.execute(query)})
    return owners


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_complaints_{column}"))
        for column in (
            "updated_at",
            "lon",
            "lat",
            "incident_id",
            "hazard_id",
            "reply",
            "replied_at",
            "escalations",
            "due_at",
            "handler",
            "enterprise_id",
        ):
            batch_op.drop_column(column)
