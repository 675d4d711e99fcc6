"""`report campaign CODE`: what a campaign reached and what the members it reached did.

- `members_reached`: members awarded by the campaign's runs up to `as_of` (once each, however
  many periods they were awarded in); `runs`: those runs;
- `points_given`: points credited by those runs (the `campaign` ledger rows);
- `coupons_issued` / `coupons_redeemed`: coupons of the campaign, and those redeemed by `as_of`;
- purchases (not refunded) by the reached members in the `days` days from the moment of their
  first award (cut off at the end of `as_of`) against the `days` days before that moment:
  `purchases_*`, `buyers_*` (members who bought) and `spend_*`. The split is by the award's
  time, not its date: a purchase made earlier on the day of the award is `before`. (A run given
  `--as-of` is stamped at the end of that day, so all of that day is `before` it.)

A code that names no campaign is exit 3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, distinct, func, literal, union_all
from sqlmodel import Session, col, select

from memberctl.domain import campaigns
from memberctl.domain.reports import Scope, cents, counted, ratio
from memberctl.models import (
    Campaign,
    CampaignAward,
    CampaignRun,
    Coupon,
    Member,
    PointsEntry,
    Purchase,
)

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class CampaignReport:
    campaign: str
    name: str
    action: str
    as_of: dt.date
    days: int
    runs: int
    first_run: dt.date | None
    last_run: dt.date | None
    members_reached: int
    points_given: int
    coupons_issued: int
    coupons_redeemed: int
    redemption_rate: float
    purchases_before: int
    purchases_after: int
    buyers_before: int
    buyers_after: int
    spend_before: Decimal
    spend_after: Decimal


def _reached(campaign: Campaign, scope: Scope) -> Any:
    """(member_id, time of the first award) for members in scope awarded up to `as_of`."""
    return (
        select(
            col(CampaignAward.member_id).label("member_id"),
            func.min(col(CampaignRun.at)).label("first"),
        )
        .join(CampaignRun, col(CampaignRun.id) == col(CampaignAward.run_id))
        .join(Member, col(Member.id) == col(CampaignAward.member_id))
        .where(
            col(CampaignAward.campaign_id) == campaign.id,
            col(CampaignRun.as_of) <= scope.as_of,
            scope.members,
        )
        .group_by(col(CampaignAward.member_id))
        .subquery("reached")
    )


def _windows(session: Session, reached: Any, days: int, after: bool) -> Any:
    """(first, low, high): for each first-award time, the window of purchases to count. Built
    from the few distinct times in Python, so no database date arithmetic is needed."""
    firsts = session.exec(select(reached.c.first).distinct()).all()
    if not firsts:
        return None
    span = dt.timedelta(days=days)
    selects = []
    for first in firsts:
        low, high = (first, first + span) if after else (first - span, first)
        selects.append(
            select(
                literal(first, DateTime).label("first"),
                literal(low, DateTime).label("low"),
                literal(high, DateTime).label("high"),
            )
        )
    table = union_all(*selects) if len(selects) > 1 else selects[0]
    return table.subquery("windows")


def _purchases(
    session: Session, scope: Scope, reached: Any, days: int, after: bool
) -> tuple[int, int, Decimal]:
    """(purchases, buyers, spend) of the reached members in the window before or after."""
    windows = _windows(session, reached, days, after)
    if windows is None:
        return 0, 0, Decimal("0.00")
    at = col(Purchase.at)
    count, buyers, spend = session.exec(
        select(
            func.count(),
            func.count(distinct(col(Purchase.member_id))),
            func.round(func.sum(col(Purchase.amount)), 2),
        )
        .join(reached, reached.c.member_id == col(Purchase.member_id))
        .join(windows, windows.c.first == reached.c.first)
        .where(counted(), at < scope.day_after, at >= windows.c.low, at < windows.c.high)
    ).one()
    return int(count), int(buyers), cents(spend)


def build(*, session: Session, scope: Scope, code: str, days: int = DEFAULT_DAYS) -> CampaignReport:
    campaign = campaigns.get(session, code)
    runs = session.exec(
        select(
            func.count(), func.min(col(CampaignRun.as_of)), func.max(col(CampaignRun.as_of))
        ).where(col(CampaignRun.campaign_id) == campaign.id, col(CampaignRun.as_of) <= scope.as_of)
    ).one()
    reached = _reached(campaign, scope)
    members = session.exec(select(func.count()).select_from(reached)).one()
    points = session.exec(
        select(func.coalesce(func.sum(col(PointsEntry.points)), 0))
        .join(CampaignRun, col(CampaignRun.id) == col(PointsEntry.campaign_run_id))
        .join(reached, reached.c.member_id == col(PointsEntry.member_id))
        .where(
            col(CampaignRun.campaign_id) == campaign.id,
            col(PointsEntry.kind) == "campaign",
            col(CampaignRun.as_of) <= scope.as_of,
        )
    ).one()
    redeemed = col(Coupon.redeemed_at)
    issued, used = session.exec(
        select(func.count(), func.count().filter(redeemed < scope.day_after))
        .join(reached, reached.c.member_id == col(Coupon.member_id))
        .join(CampaignRun, col(CampaignRun.id) == col(Coupon.run_id))
        .where(col(Coupon.campaign_id) == campaign.id, col(CampaignRun.as_of) <= scope.as_of)
    ).one()
    before = _purchases(session, scope, reached, days, after=False)
    after = _purchases(session, scope, reached, days, after=True)
    return CampaignReport(
        campaign.code,
        campaign.name,
        campaign.action,
        scope.as_of,
        days,
        int(runs[0]),
        runs[1],
        runs[2],
        int(members),
        int(points),
        int(issued),
        int(used),
        ratio(used, issued),
        before[0],
        after[0],
        before[1],
        after[1],
        before[2],
        after[2],
    )
