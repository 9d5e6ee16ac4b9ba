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
PHOTOS = ("storefront", "cylinder_hose", "stove_hose", "surroundings")  # as at this revision
_CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photos", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("findings", sa.JSON(), nullable=True))
    _backfill_photos()
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


def _backfill_photos() -> None:
    """The photos and findings of the safety checks already logged (they were kept as a
    photos_complete flag only): each row from its own event, `safety_checks.seq = event_log.seq`,
    read in chunks of _CHUNK by seq so that a year of checks is never held in memory at once."""
    log = sa.table(
        "event_log",
        sa.column("seq", sa.BigInteger()),
        sa.column("type", sa.String()),
        sa.column("data", sa.JSON()),
    )
    checks = sa.table(
        "safety_checks",
        sa.column("seq", sa.BigInteger()),
        sa.column("photos", sa.JSON()),
        sa.column("findings", sa.JSON()),
    )
    update = (
        checks.update()
        .where(checks.c.seq == sa.bindparam("b_seq"))
        .values(photos=sa.bindparam("b_photos"), findings=sa.bindparam("b_findings"))
    )
    connection = op.get_bind()
    after = -1
    while True:
        chunk = connection.execute(
            sa.select(log.c.seq, log.c.data)
            .where(log.c.type == "delivery.safety_checked", log.c.seq > after)
            .order_by(log.c.seq)
            .limit(_CHUNK)
        ).all()
        if not chunk:
            return
        after = chunk[-1].seq
        values = [value for seq, data in chunk if (value := _photo_values(seq, data))]
        if values:
            connection.execute(update, values)


def _photo_values(seq: int, data: object) -> dict[str, object] | None:
    if not isinstance(data, dict) or not isinstance(data.get("photos"), dict):
        return None
    photos = {name: data["photos"].get(name) for name in PHOTOS}
    findings = data.get("findings")
    return {
        "b_seq": seq,
        "b_photos": photos,
        "b_findings": list(findings) if isinstance(findings, list) and findings else None,
    }


def downgrade() -> None:
    for column in DETENTION_INDEXES:
        op.drop_index(op.f(f"ix_cylinder_detentions_{column}"), table_name="cylinder_detentions")
    op.drop_table("cylinder_detentions")
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        batch_op.drop_column("findings")
        batch_op.drop_column("photos")
