"""Covering indexes on purchases for the reports (issue 6).

`report churn` groups every purchase by member (last purchase, count, spend): with
(member_id, at, amount, refunded_at) SQLite reads the index alone instead of looking up each of
millions of rows. `report rfm`, `upgrades`, `kpi` and `summary` (active in 90 days) read a range
of days: (at, member_id, amount, refunded_at) serves them the same way. Measured in
benchmarks/reports.py (README: Measured).

Revision ID: 0005
Revises: 0003
"""

from alembic import op


revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_purchase_member_at_amount": ["member_id", "at", "amount", "refunded_at"],
    "ix_purchase_at_member_amount": ["at", "member_id", "amount", "refunded_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "purchase", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="purchase")
