"""`report upgrades`: active members close to the next tier (by rank) above their own.

Listed when spend over the last 12 months (as tier evaluation counts it: purchases not refunded,
the day after the same date a year before `as_of` through `as_of`) is at least
`threshold * (1 - within)` and still below `threshold`, the next tier's qualifying spend.
`within` defaults to 0.2: members at 80% or more of the way. Closest to the threshold (by share)
first. Only active members are listed, as only they are evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, and_, false, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.domain import lifecycle, money
from memberctl.domain.evaluation import spend_12m_query
from memberctl.domain.reports import Scope, cents
from memberctl.models import Member, Tier

DEFAULT_WITHIN = Decimal("0.2")


@dataclass(slots=True)  # not frozen: a report may hold 100,000s of them
class UpgradeRow:
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    next_tier: str
    spend_12m: Decimal
    threshold: Decimal
    gap: Decimal


def next_tiers(session: Session) -> dict[str, Tier]:
    """Each tier code -> the tier of the next rank up (the top tier has none)."""
    tiers = list(session.exec(select(Tier).order_by(col(Tier.rank))))
    return {low.code: high for low, high in zip(tiers, tiers[1:], strict=False)}


def lowest(threshold: Decimal, within: Decimal) -> Decimal:
    """The least spend listed for a tier of `threshold`."""
    return money.quantize(threshold * (1 - within))


def build(*, session: Session, scope: Scope, within: Decimal = DEFAULT_WITHIN) -> list[UpgradeRow]:
    above = next_tiers(session)
    spend = spend_12m_query(scope.as_of)
    spent = func.round(func.coalesce(spend.c.spend, 0), 2, type_=Numeric(16, 2))
    near = or_(
        false(),
        *(
            and_(
                col(Member.tier_code) == code,
                spent >= lowest(tier.threshold, within),
                spent < tier.threshold,
            )
            for code, tier in above.items()
        ),
    )
    query = (
        core_select(
            col(Member.member_no), col(Member.name), col(Member.phone), col(Member.tier_code), spent
        )
        .outerjoin(spend, spend.c.member_id == col(Member.id))
        .where(scope.members, col(Member.status) == lifecycle.ACTIVE, near)
    )
    rows = []
    for no, name, phone, tier, amount in session.execute(query):
        target = above[tier]
        spent_12m = cents(amount)
        rows.append(
            UpgradeRow(
                no,
                name,
                scope.phone(phone),
                tier,
                target.code,
                spent_12m,
                cents(target.threshold),
                cents(target.threshold - spent_12m),
            )
        )
    rows.sort(key=lambda r: (-(r.spend_12m / r.threshold) if r.threshold else 0, r.member_no))
    return rows
