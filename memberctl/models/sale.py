"""Sales at the till (`memberctl sale`): one purchase and how it was priced and paid.

A sale is a `purchase` (its order number, store, member, time, amount due and points earned)
with one `sale` row holding every figure of its receipt, and its `sale_line`s when it was rung up
item by item. The ledger rows it wrote (points spent and earned, stored value paid) carry the
purchase's id; the coupon it used is `coupon_id`. Rows are never updated except `refunded_at`
on the purchase, as for any purchase.
"""

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.campaign  # noqa: F401
import memberctl.models.purchase  # noqa: F401
from memberctl.models._indexes import POINTS


class Sale(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    purchase_id: int = Field(foreign_key="purchase.id", unique=True, index=True)
    list_total: Decimal = Field(max_digits=14, decimal_places=2)
    price_factor: Decimal = Field(max_digits=4, decimal_places=2)  # the tier's, at the sale
    tier_discount: Decimal = Field(max_digits=14, decimal_places=2)
    coupon_id: int | None = Field(default=None, foreign_key="coupon.id", index=True)
    coupon_value: Decimal = Field(default=Decimal("0.00"), max_digits=14, decimal_places=2)
    points_used: int = Field(default=0, sa_type=POINTS)
    points_value: Decimal = Field(default=Decimal("0.00"), max_digits=14, decimal_places=2)
    wallet_paid: Decimal = Field(default=Decimal("0.00"), max_digits=14, decimal_places=2)
    tendered: Decimal = Field(default=Decimal("0.00"), max_digits=14, decimal_places=2)
    pay_method: str | None = Field(default=None, max_length=16)  # cash, card, wechat, alipay, other
    created_at: dt.datetime = Field(sa_type=DateTime)


class SaleLine(SQLModel, table=True):
    __tablename__ = "sale_line"

    id: int | None = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    line_no: int
    sku: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=64)
    quantity: Decimal = Field(max_digits=12, decimal_places=3)
    unit_price: Decimal = Field(max_digits=14, decimal_places=2)
    amount: Decimal = Field(max_digits=14, decimal_places=2)
