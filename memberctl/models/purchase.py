"""Purchases. An order number is unique per store (`store` is '' when the shop has one)."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.import_run  # noqa: F401
import memberctl.models.member  # noqa: F401
from memberctl.models._indexes import POINTS


class Purchase(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("store", "order_no", name="uq_purchase_store_order_no"),
        # Covering indexes for the reports (migrations 0005 and 0015): per-member and per-day
        # aggregates read the index alone; each also serves lookups by its leading columns
        # (member_id; at), which had indexes of their own until 0015. On PostgreSQL 0015 also
        # INCLUDEs id, declared there only (a `postgresql_include` here would import the
        # PostgreSQL dialect in every SQLite command, see `where_not_null`).
        Index("ix_purchase_member_at_amount", "member_id", "at", "amount", "refunded_at"),
        Index(
            "ix_purchase_at_reports",
            *("at", "member_id", "amount", "refunded_at", "store", "category"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    order_no: str = Field(max_length=64)
    store: str = Field(default="", max_length=64)
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    at: dt.datetime = Field(sa_type=DateTime)
    category: str | None = Field(default=None, max_length=64)
    points_earned: int = Field(default=0, sa_type=POINTS)
    refunded_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    import_run_id: int | None = Field(default=None, foreign_key="import_run.id", index=True)
    operator: str = Field(max_length=100)
    created_at: dt.datetime = Field(sa_type=DateTime)
