"""Index points_entry.reverses_id: without it every deleted or checked ledger row scans the
whole ledger for rows that reverse it (a restore of a large database became quadratic).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.create_index("ix_points_entry_reverses_id", ["reverses_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_points_entry_reverses_id")
