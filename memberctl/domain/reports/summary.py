"""`report summary`: the state of the membership on one page.

- `by_status`: members by status (every status, zeros included);
- `by_tier`: members not cancelled, by tier (every tier in rank order, zeros included);
- `new_this_month`: members who joined in the month of `as_of`, up to `as_of`;
- `active_90d`: members with at least one purchase (not refunded) in the 90 days ending with
  `as_of`, whatever their status;
- `points_liability` / `balance_liability`: as `report liability`.

Status and tier are the members' current ones; members who joined after `as_of` are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from memberctl.domain import lifecycle
from memberctl.domain.reports import ACTIVE_DAYS, Scope, counted, liability, midnight
from memberctl.models import Member, Purchase, Tier


@dataclass(frozen=True)
class Summary:
    as_of: dt.date
    by_status: dict[str, int]
    by_tier: dict[str, int]
    new_this_month: int
    active_90d: int
    points_liability: int
    balance_liability: Decimal
    members: int


def build(*, session: Session, scope: Scope) -> Summary:
    by_status = dict.fromkeys(lifecycle.STATUSES, 0)
    tiers = session.exec(select(Tier.code).order_by(col(Tier.rank))).all()
    by_tier = dict.fromkeys(tiers, 0)
    month_start = midnight(scope.as_of.replace(day=1))
    rows = session.exec(
        select(
            Member.status,
            Member.tier_code,
            func.count(),
            func.count().filter(col(Member.joined_at) >= month_start),
        )
        .where(scope.members, col(Member.joined_at) < scope.day_after)
        .group_by(Member.status, Member.tier_code)
    ).all()
    new = 0
    for status, tier, count, joined in rows:
        by_status[status] = by_status.get(status, 0) + count
        if status != lifecycle.CANCELLED:
            by_tier[tier] = by_tier.get(tier, 0) + count
        new += joined
    owed = liability.build(session=session, scope=scope)
    return Summary(
        scope.as_of,
        by_status,
        by_tier,
        new,
        active_members(session, scope),
        owed.points,
        owed.balance,
        sum(by_status.values()),
    )


def active_members(session: Session, scope: Scope, days: int = ACTIVE_DAYS) -> int:
    """Members with a purchase (not refunded) in the `days` days ending with `as_of`."""
    query = select(func.count(distinct(col(Purchase.member_id)))).where(
        counted(), col(Purchase.at) >= scope.since(days), col(Purchase.at) < scope.day_after
    )
    if scope.filtered:
        query = query.join(Member, col(Member.id) == col(Purchase.member_id)).where(scope.members)
    return int(session.exec(query).one())
