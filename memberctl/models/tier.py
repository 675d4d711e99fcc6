"""Membership tiers: rank order, earning rate and multiplier, discount, qualifying spend."""

from decimal import Decimal

from sqlmodel import Field, SQLModel


class Tier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    rank: int = Field(index=True)
    # Points earned per 1.00 spent (before the multiplier); NULL: the shop's `points.per_unit`.
    points_per_unit: Decimal | None = Field(default=None, max_digits=8, decimal_places=2)
    # Points earned per 1.00 spent are multiplied by this.
    multiplier: Decimal = Field(default=Decimal("1.00"), max_digits=6, decimal_places=2)
    # Price factor: 0.95 means members of this tier pay 95% (9.5 折).
    discount: Decimal = Field(default=Decimal("1.00"), max_digits=4, decimal_places=2)
    # Spend over the last 12 months that qualifies for this tier.
    threshold: Decimal = Field(default=Decimal("0.00"), max_digits=14, decimal_places=2)
