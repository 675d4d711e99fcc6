"""Purchase indexes for reports over a year (issue 20), paid for by dropping two that duplicated
others.

- `ix_purchase_at_member_amount` (at, member_id, amount, refunded_at) becomes
  `ix_purchase_at_reports` (the same, then store and category): `report stores` and
  `report products` over a range of days read the index alone, as `rfm`, `kpi` and `summary`
  already did, instead of looking up each purchase's row for its store or category (at 200,000
  members a year is 660,000 look-ups). On PostgreSQL the index also INCLUDEs id, which
  `report products` joins the till's sales on, so that its scan is index-only too.
- `ix_purchase_at` (at) and `ix_purchase_member_at` (member_id, at) go: each is the leading part
  of a covering index above, which serves every lookup they served. Every index is written on
  every insert: the till and imports now write four purchase indexes (and the unique order
  number) instead of five.

Measured in benchmarks/reports.py (`--from`, `--write-cost`; README: Measured).

Revision ID: 0015
Revises: 0014
"""

from typing import Any

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# name -> (columns, keyword arguments)
CREATED: dict[str, tuple[list[str], dict[str, Any]]] = {
    "ix_purchase_at_reports": (
        ["at", "member_id", "amount", "refunded_at", "store", "category"],
        {"postgresql_include": ["id"]},
    ),
}
DROPPED: dict[str, tuple[list[str], dict[str, Any]]] = {
    "ix_purchase_at_member_amount": (["at", "member_id", "amount", "refunded_at"], {}),
    "ix_purchase_at": (["at"], {}),
    "ix_purchase_member_at": (["member_id", "at"], {}),
}


def upgrade() -> None:
    for name, (columns, options) in CREATED.items():
        op.create_index(name, "purchase", columns, **options)
    for name in DROPPED:
        op.drop_index(name, table_name="purchase")


def downgrade() -> None:
    for name, (columns, options) in DROPPED.items():
        op.create_index(name, "purchase", columns, **options)
    for name in CREATED:
        op.drop_index(name, table_name="purchase")
