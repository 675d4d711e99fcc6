"""The append-only ledgers: points and stored value (wallet).

A member's points are the sum of `points_entry.points`; stored value the sum of
`wallet_entry.amount`. Rows are never updated or deleted. Which credit lot a debit (redeem, expire)
consumed is recorded in `points_allocation`, so what is left of each lot is a sum too.
"""

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.import_run  # noqa: F401
import memberctl.models.member  # noqa: F401
import memberctl.models.purchase  # noqa: F401
from memberctl.models._indexes import POINTS, where_not_null


class PointsEntry(SQLModel, table=True):
    __tablename__ = "points_entry"
    # By member: (member_id, expires_on) serves both. The purchase, campaign run and reversed
    # entry are NULL for most rows: partial indexes (schema 0009).
    __table_args__ = (
        Index("ix_points_entry_member_expires", "member_id", "expires_on"),
        where_not_null("points_entry", "purchase_id"),
        where_not_null("points_entry", "campaign_run_id"),
        where_not_null("points_entry", "reverses_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    # earn, redeem, adjust, expire, import, campaign, transfer, refund
    kind: str = Field(max_length=16)
    points: int = Field(sa_type=POINTS)  # + credit, - debit
    expires_on: dt.date | None = None  # credits only; NULL never expires
    reason: str | None = Field(default=None, max_length=200)
    operator: str = Field(max_length=100)
    at: dt.datetime = Field(sa_type=DateTime, index=True)
    key: str | None = Field(default=None, max_length=128, unique=True)  # idempotency key
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id")
    import_run_id: int | None = Field(default=None, foreign_key="import_run.id", index=True)
    campaign_run_id: int | None = None
    reverses_id: int | None = Field(default=None, foreign_key="points_entry.id")


class PointsAllocation(SQLModel, table=True):
    """`points` of credit lot `credit_id` were consumed by debit `debit_id`."""

    __tablename__ = "points_allocation"

    debit_id: int = Field(foreign_key="points_entry.id", primary_key=True)
    credit_id: int = Field(foreign_key="points_entry.id", primary_key=True, index=True)
    points: int = Field(sa_type=POINTS)


class WalletEntry(SQLModel, table=True):
    __tablename__ = "wallet_entry"
    __table_args__ = (where_not_null("wallet_entry", "purchase_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=16)  # topup, bonus, pay, refund, import, adjust
    amount: Decimal = Field(max_digits=14, decimal_places=2)  # + credit, - debit
    reason: str | None = Field(default=None, max_length=200)
    operator: str = Field(max_length=100)
    at: dt.datetime = Field(sa_type=DateTime, index=True)
    key: str | None = Field(default=None, max_length=128, unique=True)
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id", index=True)
    import_run_id: int | None = Field(default=None, foreign_key="import_run.id", index=True)
