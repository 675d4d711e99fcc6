"""Taking an import back (`import undo`).

- `import_change`: one row per member an import inserted and per field it updated, with the old
  value as JSON text.
- `import_run.marks` (the highest id of each table referring to a member when the import
  finished), `undone_at`, `undone_by`.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["import_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_change_run_id", "import_change", ["run_id"])
    op.create_index("ix_import_change_member_id", "import_change", ["member_id"])
    with op.batch_alter_table("import_run") as batch:
        batch.add_column(sa.Column("marks", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("undone_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("undone_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_run") as batch:
        batch.drop_column("undone_by")
        batch.drop_column("undone_at")
        batch.drop_column("marks")
    op.drop_index("ix_import_change_member_id", table_name="import_change")
    op.drop_index("ix_import_change_run_id", table_name="import_change")
    op.drop_table("import_change")
