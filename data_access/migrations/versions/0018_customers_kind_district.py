"""customers by kind, then district: the supervised customers (commercial, industrial: a few
percent of them) are counted per district without reading every household's index entry
(the rankings' and the coverage's objects due; docs/benchmarks.md, "Rankings")

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 16:45:00
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_kind_district", "customers", ["kind", "district"])


def downgrade() -> None:
    op.drop_index("ix_customers_kind_district", table_name="customers")
