"""`report referrals`: who brought whom, and what the members they brought spend.

The period is the days `start` through `end`; with neither given, all time up to the end of
`as_of` (`end` defaults to `as_of`, `start` to the beginning). A referral counts in the period
when the referred member joined in it; spend is over purchases not refunded made in it.

- `referrers`: one row per member in scope (`--where`, `--segment`, `--store` select the
  referrers) who referred at least one member who joined in the period: `referred` (those
  members, whatever their status now), `cancelled` (of them, cancelled or forgotten since;
  `--where 'referrals ...'` counts the others), `referred_purchases` and `referred_spend` (their
  purchases in the period), `own_purchases` and `own_spend` (the referrer's). Most referred
  spend first, then most referred, then by member number.
- `referred`: one row per referred member of those referrers (referrer -> member, joined,
  purchases and spend in the period), in the referrers' order, most spend first.

A manager or clerk sees only referred members of their stores (and of none), as everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, true
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from memberctl.domain import lifecycle, stores
from memberctl.domain.reports import Scope, cents, counted, fetch, midnight
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Purchase

_MEMBER = Member.__table__  # type: ignore[attr-defined]


@dataclass(slots=True)
class ReferrerRow:
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    status: str
    referred: int
    cancelled: int
    referred_purchases: int
    referred_spend: Decimal
    own_purchases: int
    own_spend: Decimal


@dataclass(slots=True)
class ReferredRow:
    referrer_no: str
    referrer_name: str | None
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    status: str
    joined_at: dt.datetime
    purchases: int
    spend: Decimal


@dataclass(frozen=True)
class ReferralReport:
    start: dt.date | None  # None: from the beginning
    end: dt.date
    referrers: list[ReferrerRow]
    referred: list[ReferredRow]


def period(
    as_of: dt.date, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date | None, dt.date]:
    """(start, end): `end` defaults to `as_of`, `start` to no limit (all time)."""
    end = end or as_of
    if start is not None and start > end:
        raise UsageProblem(
            _("--from {start} is after --to {end}").format(start=start, end=end),
            _("give --from on or before --to"),
        )
    return start, end


class _Query:
    """The pieces both queries share: the referred members who joined in the period, and the
    purchases of a set of members in the period, summed per member."""

    def __init__(self, scope: Scope, start: dt.date | None, end: dt.date) -> None:
        self.scope = scope
        self.low = midnight(start) if start is not None else None
        self.high = midnight(end + dt.timedelta(days=1))
        self.referred = _MEMBER.alias("referred")

    def _in_period(self, column: Any) -> ColumnElement[bool]:
        low = column >= self.low if self.low is not None else true()
        return and_(low, column < self.high)

    def joined(self) -> list[ColumnElement[bool]]:
        """Referred members who joined in the period and whom the staff member may see."""
        r = self.referred.c
        conditions = [r.referrer_id.is_not(None), self._in_period(r.joined_at)]
        visible = stores.kept_to(self.scope.staff, None, r.store)
        return conditions if visible is None else [*conditions, visible]

    def spend(self, members: Select[Any], name: str) -> Any:
        """(member_id, orders, spend) in the period for the members `members` selects."""
        return (
            core_select(
                col(Purchase.member_id).label("member_id"),
                func.count().label("orders"),
                func.round(func.sum(col(Purchase.amount)), 2).label("spend"),
            )
            .where(
                counted(),
                self._in_period(col(Purchase.at)),
                col(Purchase.member_id).in_(members),
            )
            .group_by(col(Purchase.member_id))
            .subquery(name)
        )

    def referred_spend(self) -> Any:
        return self.spend(core_select(self.referred.c.id).where(*self.joined()), "referred_spend")


def _referrers(session: Session, q: _Query) -> list[ReferrerRow]:
    r = q.referred.c
    bought = q.referred_spend()
    per = (
        core_select(
            r.referrer_id.label("referrer_id"),
            func.count().label("referred"),
            func.count().filter(r.status == lifecycle.CANCELLED).label("cancelled"),
            func.coalesce(func.sum(bought.c.orders), 0).label("orders"),
            func.round(func.sum(bought.c.spend), 2).label("spend"),
        )
        .select_from(q.referred)
        .outerjoin(bought, bought.c.member_id == r.id)
        .where(*q.joined())
        .group_by(r.referrer_id)
        .subquery("per_referrer")
    )
    own = q.spend(core_select(r.referrer_id).where(*q.joined()), "own_spend")
    spend = func.coalesce(per.c.spend, literal(0))
    query = (
        core_select(
            col(Member.member_no),
            col(Member.name),
            col(Member.phone),
            col(Member.tier_code),
            col(Member.status),
            per.c.referred,
            per.c.cancelled,
            per.c.orders,
            per.c.spend,
            func.coalesce(own.c.orders, 0),
            own.c.spend,
        )
        .join(per, per.c.referrer_id == col(Member.id))
        .outerjoin(own, own.c.member_id == col(Member.id))
        .where(q.scope.members)
        .order_by(spend.desc(), per.c.referred.desc(), col(Member.member_no))
    )
    rows = []
    for no, name, phone, tier, status, *figures in fetch(session, query):
        referred, cancelled, orders, spent, own_orders, own_spent = figures
        rows.append(
            ReferrerRow(
                no,
                name,
                q.scope.phone(phone),
                tier,
                status,
                int(referred),
                int(cancelled),
                int(orders),
                cents(spent),
                int(own_orders),
                cents(own_spent),
            )
        )
    return rows


def _referred(session: Session, q: _Query, numbers: list[str]) -> list[ReferredRow]:
    """The referred members of the referrers `numbers`, in that order, most spend first."""
    if not numbers:
        return []
    r = q.referred.c
    bought = q.referred_spend()
    query = (
        core_select(
            col(Member.member_no),
            col(Member.name),
            r.member_no,
            r.name,
            r.phone,
            r.tier_code,
            r.status,
            r.joined_at,
            func.coalesce(bought.c.orders, 0),
            bought.c.spend,
        )
        .select_from(q.referred)
        .join(Member, col(Member.id) == r.referrer_id)
        .outerjoin(bought, bought.c.member_id == r.id)
        .where(*q.joined(), q.scope.members)
    )
    rows = [
        ReferredRow(
            ref_no,
            ref_name,
            no,
            name,
            q.scope.phone(phone),
            tier,
            status,
            joined,
            int(orders),
            cents(spent),
        )
        for ref_no, ref_name, no, name, phone, tier, status, joined, orders, spent in fetch(
            session, query
        )
    ]
    rank = {no: i for i, no in enumerate(numbers)}
    kept = [row for row in rows if row.referrer_no in rank]
    kept.sort(key=lambda row: (rank[row.referrer_no], -row.spend, row.member_no))
    return kept


def build(
    *,
    session: Session,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
) -> ReferralReport:
    start, end = period(scope.as_of, start, end)
    q = _Query(scope, start, end)
    referrers = _referrers(session, q)[:limit]
    referred = _referred(session, q, [row.member_no for row in referrers])
    return ReferralReport(start, end, referrers, referred)
