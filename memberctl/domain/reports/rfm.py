"""`report rfm`: recency, frequency and monetary scores, and the segment they put a member in.

Over the last 12 months up to `as_of` (the same window as tier evaluation and `spend_12m`),
the members in scope with at least one purchase (not refunded) are ranked three ways with
`NTILE(5)` window functions, so each score from 1 to 5 is a quintile of those members:

- recency: the time of the last purchase; 5 = the most recent fifth;
- frequency: the number of purchases; 5 = the most frequent fifth;
- monetary: the amount spent; 5 = the fifth who spent most.

Members tied on a measure are put in order by member number, so a run is repeatable (NTILE may
put equal values in neighbouring quintiles). The segment comes from R and FM = F + M (2-10):

| segment         | rule                         | what to do                      |
|-----------------|------------------------------|---------------------------------|
| champions       | R >= 4 and FM >= 8           | reward, ask for referrals       |
| potential       | R >= 4 and FM < 8            | recent: invite back, upsell     |
| loyal           | R = 3 and FM >= 8            | keep them close                 |
| needs_attention | R = 3 and FM < 8             | a reason to come back soon      |
| at_risk         | R <= 2 and FM >= 6           | were good customers: win back   |
| hibernating     | R = 2 and FM < 6             | low-cost reminder               |
| lost            | R = 1 and FM < 6             | leave out of paid campaigns     |
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.domain.evaluation import window
from memberctl.domain.reports import Scope, cents, counted, fetch
from memberctl.models import Member, Purchase

SEGMENTS = (
    "champions", "loyal", "potential", "needs_attention", "at_risk", "hibernating", "lost",
)  # fmt: skip


@dataclass(slots=True)  # not frozen: a report may hold 100,000s of them
class RfmRow:
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    recency: int
    frequency: int
    monetary: int
    segment: str
    last_purchase_at: dt.datetime
    recency_days: int
    purchases: int
    spend: Decimal


@dataclass(frozen=True)
class SegmentCount:
    segment: str
    members: int


def segment_of(recency: int, frequency: int, monetary: int) -> str:
    """The segment for the scores (see the module docstring)."""
    value = frequency + monetary
    if recency >= 4:
        return "champions" if value >= 8 else "potential"
    if recency == 3:
        return "loyal" if value >= 8 else "needs_attention"
    if value >= 6:
        return "at_risk"
    return "hibernating" if recency == 2 else "lost"


def build(*, session: Session, scope: Scope) -> list[RfmRow]:
    """Best customers first (R + F + M, then member number)."""
    start, end = window(scope.as_of)
    spend = func.round(func.sum(col(Purchase.amount)), 2)
    per = (
        select(col(Purchase.member_id).label("member_id"), func.max(col(Purchase.at)).label("last"),
               func.count().label("orders"), spend.label("spend"))
        .where(counted(), col(Purchase.at) >= start, col(Purchase.at) < end)
        .group_by(col(Purchase.member_id))
        .subquery("per_member")
    )  # fmt: skip
    member_no = col(Member.member_no)
    scored = (
        select(member_no, Member.name, Member.phone, Member.tier_code, per.c.last,
               per.c.orders, per.c.spend,
               func.ntile(5).over(order_by=(per.c.last, member_no)),
               func.ntile(5).over(order_by=(per.c.orders, member_no)),
               func.ntile(5).over(order_by=(per.c.spend, member_no)))
        .join(per, per.c.member_id == col(Member.id))
        .where(scope.members)
    )  # fmt: skip
    found = fetch(session, scored).all()
    # Best first: sorting the plain tuples here is several times faster than an outer ORDER BY.
    found.sort(key=lambda t: (-(t[7] + t[8] + t[9]), t[0]))
    return [
        RfmRow(no, name, scope.phone(phone), tier, r, f, m, segment_of(r, f, m), last,
               (scope.as_of - last.date()).days, orders, cents(amount))
        for no, name, phone, tier, last, orders, amount, r, f, m in found
    ]  # fmt: skip


def segment_counts(rows: list[RfmRow]) -> list[SegmentCount]:
    """Members per segment, every segment listed in the order of SEGMENTS."""
    counts = Counter(row.segment for row in rows)
    return [SegmentCount(name, counts.get(name, 0)) for name in SEGMENTS]
