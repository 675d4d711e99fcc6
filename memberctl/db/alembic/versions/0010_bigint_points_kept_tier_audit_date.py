"""64-bit points, a kept tier, and the audit's business date.

- Points columns become BIGINT on PostgreSQL (SQLite's INTEGER is 64-bit already, so its tables
  are left as they are): one limit for points on both databases, enforced in the domain.
- `member.tier_kept_until`: a tier brought from another system or set by hand is kept until this
  day; evaluation only upgrades the member before then.
- `audit_entry.business_date`: the day an action was done for (`--as-of`, `--taken-at`), apart
  from `at`, which is always the real clock.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

POINTS_COLUMNS = [  # (table, column)
    ("member", "points"),
    ("points_entry", "points"),
    ("points_allocation", "points"),
    ("purchase", "points_earned"),
    ("campaign_run", "points"),
]


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _is_postgresql():
        for table, column in POINTS_COLUMNS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())
    op.add_column("member", sa.Column("tier_kept_until", sa.Date(), nullable=True))
    op.add_column("audit_entry", sa.Column("business_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("business_date")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("tier_kept_until")
    if _is_postgresql():
        for table, column in POINTS_COLUMNS:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
