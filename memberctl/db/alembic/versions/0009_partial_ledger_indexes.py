"""Leaner ledger indexes: every index is written on every insert, and an import writes a
points and a wallet entry per member.

- `ix_points_entry_member_id` goes: `ix_points_entry_member_expires` (member_id, expires_on)
  serves every lookup by member as well.
- Indexes on columns that are NULL for most rows become partial (`WHERE col IS NOT NULL`):
  the entry's purchase, campaign run and reversed entry, the wallet entry's purchase, the
  member's referrer. A lookup `col = ?` (or a foreign-key check) still uses them, on SQLite and
  PostgreSQL alike, and the many rows without a value cost nothing to insert.

Revision ID: 0009
Revises: 0008
"""

from typing import TypedDict

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PARTIAL = [  # (table, column)
    ("points_entry", "purchase_id"),
    ("points_entry", "campaign_run_id"),
    ("points_entry", "reverses_id"),
    ("wallet_entry", "purchase_id"),
    ("member", "referrer_id"),
]


class _Where(TypedDict):
    sqlite_where: sa.ColumnElement[bool]
    postgresql_where: sa.ColumnElement[bool]


def _where(column: str) -> _Where:
    clause = sa.column(column).is_not(None)
    return {"sqlite_where": clause, "postgresql_where": clause}


def upgrade() -> None:
    op.drop_index("ix_points_entry_member_id", table_name="points_entry")
    for table, column in PARTIAL:
        name = f"ix_{table}_{column}"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], **_where(column))


def downgrade() -> None:
    for table, column in PARTIAL:
        name = f"ix_{table}_{column}"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
    op.create_index("ix_points_entry_member_id", "points_entry", ["member_id"])
