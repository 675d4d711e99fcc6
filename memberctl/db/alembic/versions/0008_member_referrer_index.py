"""Index member.referrer_id: deleting or checking a member looks up who it referred, and
without an index PostgreSQL scanned every member for each one (the SIGKILL tests' cleanup of
30,000 members took 49 s).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index("ix_member_referrer_id", ["referrer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_referrer_id")
