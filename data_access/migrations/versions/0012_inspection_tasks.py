"""inspection tasks issued downward and their checklists (dashboard/domain/tasks.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "checklists",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("campaign", sa.Boolean(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklists")),
    )
    op.create_table(
        "inspection_tasks",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("checklist_id", sa.String(length=128), nullable=False),
        sa.Column("assignee", sa.String(length=12), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("target_types", sa.JSON(), nullable=False),
        sa.Column("customer_kinds", sa.JSON(), nullable=True),
        sa.Column("enterprise_ids", sa.JSON(), nullable=True),
        sa.Column("target_ids", sa.JSON(), nullable=True),
        sa.Column("deadline", WHEN, nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", WHEN, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_tasks")),
    )
    with op.batch_alter_table("inspection_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_tasks_assignee"), ["assignee"])
        batch_op.create_index(batch_op.f("ix_inspection_tasks_issued_at"), ["issued_at"])


def downgrade() -> None:
    with op.batch_alter_table("inspection_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_tasks_issued_at"))
        batch_op.drop_index(batch_op.f("ix_inspection_tasks_assignee"))
    op.drop_table("inspection_tasks")
    op.drop_table("checklists")
