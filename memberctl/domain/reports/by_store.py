"""`report stores` (this module is not `stores.py`: `reports.stores` is the domain module of
the shop's stores, which a submodule of that name would shadow): what each store sold and the
members it holds (issue 19).

For the days `start` through `end` (as `report kpi`: `--to` defaults to `as_of`, `--from` to the
29 days before it), one row per registered store (by code), a row for a store code found in the
data but not registered (a database written around the CLI), then one for no store when there is
anything of no store, and the total. Two kinds of figure, counted in two places:

- **Sales: where the purchase was made** (`purchase.store`; a sale at the till is a purchase in
  the till's store), purchases not refunded, in the period:
  `revenue` (their amounts summed), `purchases`, `buyers` (distinct members), `average_order`
  (revenue / purchases, to the cent), `repeat_buyers` (buyers with two purchases or more *there*
  in the period) and `repurchase_rate` (repeat_buyers / buyers: the share of the period's buyers
  who came back, the "repeat customer rate" of retail analytics and `report kpi`'s
  `repurchase_rate`, per store), `visitors` (buyers whose home store is another store) and
  `visitor_share` (visitors / buyers). A member of no home store is never a visitor; the no-store
  row has no visitors (null).
- **Members: where they belong** (`member.store`, their home store): `new_home_members` (joined
  in the period) and `home_members` (joined by the period's end, whatever their status).

`total` is the figures over the rows shown, each member counted once: `buyers` is the members
who bought anywhere shown (not the rows' sum: a member buying in two stores is one buyer),
`repeat_buyers` those with two purchases or more in all (so the whole shop's `repurchase_rate` is
`report kpi`'s), `visitors` those who bought at least once in a store other than their home store.

`--where`/`--segment` keep the figures to the members matching (as buyers and as members).
`--store` (code or name) keeps the report to that store's row. A manager works in some stores:
they see those stores' rows and the no-store row (`stores.kept_to`: what is of no store is
everyone's), with every buyer there, visitors included (the member scope of other reports, by
home store, would hide the visitors). Ratios have four places, 0.0 when nobody bought.

Two aggregate queries, whatever the number of stores: sales grouped by store and in all (one
statement: the period's purchases summed per store and buyer, read twice), and members grouped
by home store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, null, or_, true, union_all
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.domain import permissions, segments, stores
from memberctl.domain.reports import Scope, cents, counted, fetch, midnight, ratio
from memberctl.domain.reports.kpi import period
from memberctl.models import Member, Purchase, Store

NO_STORE = ""  # `purchase.store` of a purchase made in no store (`member.store` is NULL)


@dataclass(frozen=True)
class StoreRow:
    store: str | None  # the store's code; None: no store
    name: str | None  # its registered name; None: no store, or a code not registered
    # made in the store (purchase.store), not refunded, in the period
    revenue: Decimal
    purchases: int
    buyers: int
    average_order: Decimal
    repeat_buyers: int
    repurchase_rate: float
    visitors: int | None  # None: the no-store row
    visitor_share: float | None
    # members whose home store it is (member.store)
    new_home_members: int
    home_members: int


@dataclass(frozen=True)
class StoresReport:
    start: dt.date
    end: dt.date
    stores: list[StoreRow]
    total: StoreRow  # store and name None


@dataclass(frozen=True)
class _Sales:
    revenue: Decimal = Decimal("0.00")
    purchases: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    visitors: int = 0


@dataclass(frozen=True)
class _Filters:
    sold_in: ColumnElement[bool]  # on Purchase.store
    home_in: ColumnElement[bool]  # on Member.store
    members: ColumnElement[bool]  # --where / --segment
    only: str | None  # --store's code
    allowed: tuple[str, ...] | None  # the stores a manager works in


def _filters(
    session: Session, scope: Scope, store: str | None, where: str | None, segment: str | None
) -> _Filters:
    """The rows the caller may see and the members counted. `scope.members` is not used: for
    staff it holds their members by home store, and this report is kept to stores instead."""
    code = stores.resolve(session, store)  # not registered: exit 3
    staff = scope.staff
    if staff is not None:
        permissions.require_store(staff, code)  # a store they do not work in: exit 6
    allowed = permissions.within(staff) if staff is not None else None
    sold_in: ColumnElement[bool] = true()
    home_in: ColumnElement[bool] = true()
    if code is not None:
        sold_in, home_in = col(Purchase.store) == code, col(Member.store) == code
    elif allowed is not None:
        sold_in = col(Purchase.store).in_((*allowed, NO_STORE))
        home_in = or_(col(Member.store).in_(allowed), col(Member.store).is_(None))
    members = segments.resolve_filter(session, where, segment, scope.as_of)
    return _Filters(sold_in, home_in, members if members is not None else true(), code, allowed)


def _per_buyer(f: _Filters, low: dt.datetime, high: dt.datetime) -> Any:
    """One row per store sold in and buyer: (store, member_id, orders, spend, visitor). The
    period's purchases are summed first (the covering index on `at` holds every column read)
    and the buyer is joined after, once per store rather than once per purchase."""
    bought = (
        core_select(
            col(Purchase.store).label("store"),
            col(Purchase.member_id).label("member_id"),
            func.count().label("orders"),
            func.sum(col(Purchase.amount)).label("spend"),
        )
        .where(counted(), col(Purchase.at) >= low, col(Purchase.at) < high, f.sold_in)
        .group_by(col(Purchase.store), col(Purchase.member_id))
        .subquery("bought")
    )
    home = col(Member.store)
    # a purchase made in a store other than the buyer's home store
    visit = and_(home.is_not(None), bought.c.store != NO_STORE, bought.c.store != home)
    return (
        core_select(
            bought.c.store,
            bought.c.member_id,
            bought.c.orders,
            bought.c.spend,
            case((visit, 1), else_=0).label("visitor"),
        )
        .join_from(bought, Member, col(Member.id) == bought.c.member_id)
        .where(f.members)
        .cte("per_buyer")
    )


def _sales(
    session: Session, f: _Filters, low: dt.datetime, high: dt.datetime
) -> tuple[dict[str, _Sales], _Sales]:
    """The sales per store sold in, and in all (each member once), in one statement over
    `_per_buyer` (a CTE read twice, which the database materialises once)."""
    per = _per_buyer(f, low, high)
    per_member = (
        core_select(
            func.sum(per.c.orders).label("orders"),
            func.sum(per.c.spend).label("spend"),
            func.max(per.c.visitor).label("visitor"),
        )
        .group_by(per.c.member_id)
        .subquery("per_member")
    )

    def sums(rows: Any, store: Any) -> Any:
        return core_select(
            store,
            func.round(func.sum(rows.c.spend), 2),
            func.coalesce(func.sum(rows.c.orders), 0),
            func.count(),
            func.count().filter(rows.c.orders >= 2),
            func.coalesce(func.sum(rows.c.visitor), 0),
        )

    by_store = sums(per, per.c.store).group_by(per.c.store)
    whole = sums(per_member, null())
    stores_sold, total = {}, _Sales()
    for code, revenue, orders, buyers, repeaters, visitors in fetch(
        session, union_all(by_store, whole)
    ):
        sales = _Sales(cents(revenue), int(orders), int(buyers), int(repeaters), int(visitors))
        if code is None:
            total = sales
        else:
            stores_sold[code] = sales
    return stores_sold, total


def _members(
    session: Session, f: _Filters, low: dt.datetime, high: dt.datetime
) -> dict[str, tuple[int, int]]:
    """Home store (NO_STORE for none) -> (joined in the period, joined by its end)."""
    joined = col(Member.joined_at)
    rows = session.exec(
        select(Member.store, func.count().filter(joined >= low), func.count())
        .where(joined < high, f.home_in, f.members)
        .group_by(col(Member.store))
    ).all()
    return {store or NO_STORE: (int(new), int(every)) for store, new, every in rows}


def _row(
    code: str | None, name: str | None, sales: _Sales, members: tuple[int, int], visits: bool
) -> StoreRow:
    average = cents(sales.revenue / sales.purchases) if sales.purchases else Decimal("0.00")
    visitors = sales.visitors if visits else None
    return StoreRow(
        store=code,
        name=name,
        revenue=sales.revenue,
        purchases=sales.purchases,
        buyers=sales.buyers,
        average_order=average,
        repeat_buyers=sales.repeat_buyers,
        repurchase_rate=ratio(sales.repeat_buyers, sales.buyers),
        visitors=visitors,
        visitor_share=None if visitors is None else ratio(visitors, sales.buyers),
        new_home_members=members[0],
        home_members=members[1],
    )


def _registered(session: Session, f: _Filters) -> dict[str, str]:
    """Code -> name of the registered stores the report shows, by code."""
    query = select(Store.code, Store.name).order_by(col(Store.code))
    if f.only is not None:
        query = query.where(col(Store.code) == f.only)
    elif f.allowed is not None:
        query = query.where(col(Store.code).in_(f.allowed))
    return dict(session.exec(query).all())


def build(
    *,
    session: Session,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store: str | None = None,
    where: str | None = None,
    segment: str | None = None,
) -> StoresReport:
    start, end = period(scope.as_of, start, end)  # --from after --to: exit 2
    low, high = midnight(start), midnight(end + dt.timedelta(days=1))
    f = _filters(session, scope, store, where, segment)
    sold, everyone = _sales(session, f, low, high)
    homed = _members(session, f, low, high)
    names = _registered(session, f)
    found = sorted((set(sold) | set(homed)) - set(names) - {NO_STORE})
    rows = [
        _row(code, names.get(code), sold.get(code, _Sales()), homed.get(code, (0, 0)), visits=True)
        for code in [*names, *found]
    ]
    if NO_STORE in sold or NO_STORE in homed:
        none = sold.get(NO_STORE, _Sales()), homed.get(NO_STORE, (0, 0))
        rows.append(_row(None, None, *none, visits=False))
    members = (sum(r.new_home_members for r in rows), sum(r.home_members for r in rows))
    total = _row(None, None, everyone, members, visits=True)
    return StoresReport(start, end, rows, total)
