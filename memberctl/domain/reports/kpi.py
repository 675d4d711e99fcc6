"""`report kpi`: the few numbers that say how trade is going, beside the period before.

For the days `start` through `end` (default: the 30 days ending with `as_of`), over purchases
not refunded by members in scope:

- `active_members`: members with at least one purchase in the period;
- `repurchase_rate`: the share of those with two purchases or more (0-1, four places);
- `average_order_value`: spend / purchases (money);
- `purchase_frequency`: purchases per active member (four places);
- `new_members`: members who joined in the period; `purchases` and `revenue` besides.

`previous` holds the same numbers for the period of the same length just before, and `change`
the difference (this period minus the previous one); `change_pct` the change in per cent of the
previous value (one place), null when the previous value is zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.domain.reports import Scope, cents, counted, midnight, ratio
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Purchase

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class KpiValues:
    active_members: int
    repurchase_rate: float
    average_order_value: Decimal
    purchase_frequency: float
    new_members: int
    purchases: int
    revenue: Decimal


@dataclass(frozen=True)
class Kpi:
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    active_members: int
    repurchase_rate: float
    average_order_value: Decimal
    purchase_frequency: float
    new_members: int
    purchases: int
    revenue: Decimal
    previous: KpiValues
    change: KpiValues
    change_pct: dict[str, float | None]


def period(as_of: dt.date, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    end = end or as_of
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise UsageProblem(
            _("--from {start} is after --to {end}").format(start=start, end=end),
            _("give --from on or before --to"),
        )
    return start, end


def values(session: Session, scope: Scope, start: dt.date, end: dt.date) -> KpiValues:
    """The numbers for the days `start` through `end`."""
    low, high = midnight(start), midnight(end + dt.timedelta(days=1))
    bought = select(func.count().label("orders"), func.sum(col(Purchase.amount)).label("spend"))
    if scope.filtered:  # else every member counts: no row of theirs is looked up
        bought = bought.join(Member, col(Member.id) == col(Purchase.member_id))
        bought = bought.where(scope.members)
    per = (
        bought.where(counted(), col(Purchase.at) >= low, col(Purchase.at) < high)
        .group_by(col(Purchase.member_id))
        .subquery("per_member")
    )
    buyers, repeaters, orders, spend = session.exec(
        select(
            func.count(),
            func.count().filter(per.c.orders >= 2),
            func.coalesce(func.sum(per.c.orders), 0),
            func.round(func.sum(per.c.spend), 2),
        )
    ).one()
    joined = col(Member.joined_at)
    new = session.exec(
        select(func.count()).select_from(Member).where(scope.members, joined >= low, joined < high)
    ).one()
    revenue = cents(spend)
    aov = cents(revenue / orders) if orders else Decimal("0.00")
    return KpiValues(
        int(buyers),
        ratio(repeaters, buyers),
        aov,
        ratio(orders, buyers),
        int(new),
        int(orders),
        revenue,
    )


def _difference(now: Any, before: Any) -> Any:
    if isinstance(now, float):
        return round(now - before, 4)
    return now - before


def _percent(now: Any, before: Any) -> float | None:
    if not before:
        return None
    return float(round((Decimal(str(now)) - Decimal(str(before))) * 100 / Decimal(str(before)), 1))


def build(
    *, session: Session, scope: Scope, start: dt.date | None = None, end: dt.date | None = None
) -> Kpi:
    start, end = period(scope.as_of, start, end)
    length = (end - start).days + 1
    previous_end = start - dt.timedelta(days=1)
    previous_start = previous_end - dt.timedelta(days=length - 1)
    now = values(session, scope, start, end)
    before = values(session, scope, previous_start, previous_end)
    names = [f.name for f in fields(KpiValues)]
    change = KpiValues(*(_difference(getattr(now, n), getattr(before, n)) for n in names))
    pct = {n: _percent(getattr(now, n), getattr(before, n)) for n in names}
    return Kpi(
        start,
        end,
        previous_start,
        previous_end,
        **{n: getattr(now, n) for n in names},
        previous=before,
        change=change,
        change_pct=pct,
    )
