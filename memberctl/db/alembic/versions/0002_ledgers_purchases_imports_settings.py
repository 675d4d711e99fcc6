"""Ledgers (points with allocations, wallet), purchases, import runs, settings; tier earning
rate and the downgrade grace-period marker on members.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_run_file_sha256"), ["file_sha256"], unique=False
        )

    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("store", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("points_earned", sa.Integer(), nullable=False),
        sa.Column("refunded_at", sa.DateTime(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store", "order_no", name="uq_purchase_store_order_no"),
    )
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchase_import_run_id"), ["import_run_id"], unique=False
        )
        batch_op.create_index("ix_purchase_member_at", ["member_id", "at"], unique=False)

    op.create_table(
        "points_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=True),
        sa.Column("purchase_id", sa.Integer(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("campaign_run_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchase.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["points_entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_points_entry_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_points_entry_campaign_run_id"), ["campaign_run_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_points_entry_import_run_id"), ["import_run_id"], unique=False
        )
        batch_op.create_index(
            "ix_points_entry_member_expires", ["member_id", "expires_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_points_entry_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_points_entry_purchase_id"), ["purchase_id"], unique=False
        )

    op.create_table(
        "wallet_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=True),
        sa.Column("purchase_id", sa.Integer(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchase.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("wallet_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wallet_entry_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_wallet_entry_import_run_id"), ["import_run_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_wallet_entry_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_wallet_entry_purchase_id"), ["purchase_id"], unique=False
        )

    op.create_table(
        "points_allocation",
        sa.Column("debit_id", sa.Integer(), nullable=False),
        sa.Column("credit_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_id"],
            ["points_entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debit_id"],
            ["points_entry.id"],
        ),
        sa.PrimaryKeyConstraint("debit_id", "credit_id"),
    )
    with op.batch_alter_table("points_allocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_allocation_credit_id"), ["credit_id"], unique=False
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("below_tier_since", sa.Date(), nullable=True))

    with op.batch_alter_table("tier", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "points_per_unit",
                sa.Numeric(precision=8, scale=2),
                nullable=False,
                server_default="1.00",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tier", schema=None) as batch_op:
        batch_op.drop_column("points_per_unit")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("below_tier_since")

    with op.batch_alter_table("points_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_allocation_credit_id"))

    op.drop_table("points_allocation")
    with op.batch_alter_table("wallet_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_entry_purchase_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_entry_member_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_entry_import_run_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_entry_at"))

    op.drop_table("wallet_entry")
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_entry_purchase_id"))
        batch_op.drop_index(batch_op.f("ix_points_entry_member_id"))
        batch_op.drop_index("ix_points_entry_member_expires")
        batch_op.drop_index(batch_op.f("ix_points_entry_import_run_id"))
        batch_op.drop_index(batch_op.f("ix_points_entry_campaign_run_id"))
        batch_op.drop_index(batch_op.f("ix_points_entry_at"))

    op.drop_table("points_entry")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_member_at")
        batch_op.drop_index(batch_op.f("ix_purchase_import_run_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_at"))

    op.drop_table("purchase")
    op.drop_table("setting")
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_run_file_sha256"))

    op.drop_table("import_run")
