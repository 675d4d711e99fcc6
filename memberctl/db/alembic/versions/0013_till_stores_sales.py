"""The till (issue 17): stores as a list, sales with their receipts, the shop's earning rate.

- `store`: the shop's stores. The stores already named by members and purchases are registered,
  each under its own text as code and name, so nothing that worked before is refused after.
- `sale` and `sale_line`: one row per sale (`memberctl sale`), holding its receipt's figures,
  and its item lines.
- `tier.points_per_unit` may be NULL: the tier earns at the shop's `points.per_unit` setting.
  No tier could set it before (`tier load` refused the key), so 1.00, the old default, becomes
  NULL and the setting (default 1) gives the same points.

Revision ID: 0013
Revises: 0012
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

from memberctl.models._indexes import POINTS

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_MONEY = sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    op.create_table(
        "store",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_store_code", "store", ["code"], unique=True)
    op.create_table(
        "sale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("list_total", _MONEY, nullable=False),
        sa.Column("price_factor", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("tier_discount", _MONEY, nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=True),
        sa.Column("coupon_value", _MONEY, nullable=False),
        sa.Column("points_used", POINTS, nullable=False),
        sa.Column("points_value", _MONEY, nullable=False),
        sa.Column("wallet_paid", _MONEY, nullable=False),
        sa.Column("tendered", _MONEY, nullable=False),
        sa.Column("pay_method", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coupon_id"], ["coupon.id"]),
        sa.ForeignKeyConstraint(["purchase_id"], ["purchase.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sale_purchase_id", "sale", ["purchase_id"], unique=True)
    op.create_index("ix_sale_coupon_id", "sale", ["coupon_id"])
    op.create_table(
        "sale_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", _MONEY, nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.ForeignKeyConstraint(["sale_id"], ["sale.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sale_line_sale_id", "sale_line", ["sale_id"])
    _register_stores_in_use()
    with op.batch_alter_table("tier") as batch:
        batch.alter_column(
            "points_per_unit",
            existing_type=sa.Numeric(precision=8, scale=2),
            nullable=True,
            server_default=None,
        )
    tier = sa.table("tier", sa.column("points_per_unit", sa.Numeric(precision=8, scale=2)))
    op.execute(tier.update().where(tier.c.points_per_unit == 1).values(points_per_unit=None))


def _register_stores_in_use() -> None:
    connection = op.get_bind()
    member = sa.table("member", sa.column("store", sa.String))
    purchase = sa.table("purchase", sa.column("store", sa.String))
    in_use = sa.union(
        sa.select(member.c.store.label("code")).where(member.c.store.is_not(None)),
        sa.select(purchase.c.store.label("code")),
    ).subquery()
    codes = sorted(
        code for (code,) in connection.execute(sa.select(in_use.c.code)) if code and code.strip()
    )
    if not codes:
        return
    store = sa.table(
        "store",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    now = dt.datetime.now().replace(microsecond=0)
    connection.execute(
        store.insert(), [{"code": code, "name": code[:100], "created_at": now} for code in codes]
    )


def downgrade() -> None:
    tier = sa.table("tier", sa.column("points_per_unit", sa.Numeric(precision=8, scale=2)))
    op.execute(tier.update().where(tier.c.points_per_unit.is_(None)).values(points_per_unit=1))
    with op.batch_alter_table("tier") as batch:
        batch.alter_column(
            "points_per_unit",
            existing_type=sa.Numeric(precision=8, scale=2),
            nullable=False,
            server_default="1.00",
        )
    op.drop_index("ix_sale_line_sale_id", table_name="sale_line")
    op.drop_table("sale_line")
    op.drop_index("ix_sale_coupon_id", table_name="sale")
    op.drop_index("ix_sale_purchase_id", table_name="sale")
    op.drop_table("sale")
    op.drop_index("ix_store_code", table_name="store")
    op.drop_table("store")
