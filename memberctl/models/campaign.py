"""Campaigns (points awards and coupon drops), their versions, runs and per-period awards.

`campaign_award` has one row per (campaign, period, member): the unique constraint, not a check in
Python, is what makes "at most once per period" hold under re-runs and concurrency.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.member  # noqa: F401
from memberctl.models._indexes import POINTS


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    action: str = Field(max_length=16)  # award_points, issue_coupon
    period: str = Field(max_length=16)  # once, daily, weekly, monthly, yearly
    where_expr: str = Field(max_length=2000)
    starts: dt.date | None = None
    ends: dt.date | None = None
    version: int = 1
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(sa_type=DateTime)
    updated_at: dt.datetime = Field(sa_type=DateTime)


class CampaignVersion(SQLModel, table=True):
    """A previous definition of a campaign, kept when `campaign add` replaces it."""

    __tablename__ = "campaign_version"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    version: int
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    operator: str = Field(max_length=100)
    replaced_at: dt.datetime = Field(sa_type=DateTime)


class CampaignRun(SQLModel, table=True):
    __tablename__ = "campaign_run"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    period_key: str = Field(max_length=16)  # 2026-11, 2026-W48, 2026-11-25, 2026, once
    as_of: dt.date
    targeted: int = 0
    awarded: int = 0
    already_awarded: int = 0
    points: int = Field(default=0, sa_type=POINTS)
    coupons: int = 0
    operator: str = Field(max_length=100)
    at: dt.datetime = Field(sa_type=DateTime)


class CampaignAward(SQLModel, table=True):
    __tablename__ = "campaign_award"
    __table_args__ = (
        UniqueConstraint("campaign_id", "period_key", "member_id", name="uq_campaign_award"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    period_key: str = Field(max_length=16)
    member_id: int = Field(foreign_key="member.id", index=True)
    run_id: int = Field(foreign_key="campaign_run.id", index=True)


class Coupon(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="campaign_run.id")
    value: Decimal = Field(max_digits=14, decimal_places=2)
    min_spend: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    valid_from: dt.date
    valid_to: dt.date
    weekdays_only: bool = False
    no_holidays: bool = False
    redeemed_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    redeemed_order: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(sa_type=DateTime)
