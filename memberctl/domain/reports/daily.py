"""`report daily`: closing the till, what one day's sales took and gave back (issue 17).

Figures for one day (`date`, midnight to midnight, the shop's wall-clock time), all summed in the
database in five aggregate queries:

- Sales: the sales (purchases with a `sale` row) made that day, refunded later or not, in the
  store where they were made (`purchase.store`): their count, list total, tier discount, coupons
  used and their value, points redeemed and their money value, stored value paid, and the money
  tendered by payment method (`tendered`, every method present) and in all (`tendered_total`).
- Refunds: the sales refunded that day (`purchase.refunded_at`), whichever day they were made,
  in the store where they were made: how many, the money tendered back (in all and by method),
  the stored value given back and the points returned (each whole: a refund is the whole sale).
- `net_takings`: `tendered_total - refunds.tendered`, the money the day's sales left in the till.
- `other_purchases`: purchases without a sale row made that day (`purchase record`, imports):
  no till figures, counted apart, refunded or not.
- `new_members`: members who joined that day, in their home store (`member.store`).
- `store_name`: the store's name beside its code (`store`), null for the whole shop.
- `topups`: stored value sold that day (wallet rows `topup`) and the bonus given with it
  (`bonus`): money received for a liability, not revenue. Wallet rows carry no store, so with a
  store the top-ups are still the whole shop's, and `topups.whole_shop` says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, true
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.domain import stores
from memberctl.domain.reports import Scope, cents, fetch, midnight
from memberctl.models import Member, Purchase, Sale, WalletEntry

METHODS = ("cash", "card", "wechat", "alipay", "other")


@dataclass(frozen=True)
class Refunds:
    count: int
    tendered: Decimal
    wallet: Decimal
    points_returned: int
    tendered_by_method: dict[str, Decimal]


@dataclass(frozen=True)
class OtherPurchases:
    count: int
    amount: Decimal


@dataclass(frozen=True)
class TopUps:
    count: int
    amount: Decimal
    bonus: Decimal
    whole_shop: bool  # True: asked for one store, but top-ups carry none (the whole shop's)


@dataclass(frozen=True)
class Daily:
    date: dt.date
    store: str | None
    store_name: str | None  # the store's name, for the reader (`store` is its code)
    sales: int
    list_total: Decimal
    tier_discount: Decimal
    coupons_used: int
    coupon_value: Decimal
    points_redeemed: int
    points_value: Decimal
    wallet_paid: Decimal
    tendered: dict[str, Decimal]
    tendered_total: Decimal
    refunds: Refunds
    net_takings: Decimal
    other_purchases: OtherPurchases
    new_members: int
    topups: TopUps


def _total(value: Any) -> Any:
    """SUM of a money column, 0 for no rows, rounded to the cent in the database (SQLite sums
    NUMERIC as binary floats)."""
    return func.round(func.coalesce(func.sum(value), 0), 2)


def _count(value: Any) -> Any:
    return func.coalesce(func.sum(value), 0)


def _by_method(method: str) -> Any:
    """Money tendered by `method`; a method the till does not know counts as `other`."""
    match: ColumnElement[bool]
    if method == "other":
        match = col(Sale.pay_method).is_(None) | col(Sale.pay_method).not_in(METHODS[:-1])
    else:
        match = col(Sale.pay_method) == method
    return _total(case((match, col(Sale.tendered)), else_=0))


def _methods(values: Any) -> dict[str, Decimal]:
    return {method: cents(value) for method, value in zip(METHODS, values, strict=True)}


def _sales(session: Session, day: ColumnElement[bool], store: ColumnElement[bool]) -> Any:
    return fetch(
        session,
        core_select(
            func.count(),
            _total(col(Sale.list_total)),
            _total(col(Sale.tier_discount)),
            func.count(col(Sale.coupon_id)),
            _total(col(Sale.coupon_value)),
            _count(col(Sale.points_used)),
            _total(col(Sale.points_value)),
            _total(col(Sale.wallet_paid)),
            _total(col(Sale.tendered)),
            *(_by_method(m) for m in METHODS),
        )
        .select_from(Sale)
        .join(Purchase, col(Purchase.id) == col(Sale.purchase_id))
        .where(day, store),
    ).one()


def _refunds(session: Session, day: ColumnElement[bool], store: ColumnElement[bool]) -> Refunds:
    count, tendered, wallet, points, *methods = fetch(
        session,
        core_select(
            func.count(),
            _total(col(Sale.tendered)),
            _total(col(Sale.wallet_paid)),
            _count(col(Sale.points_used)),
            *(_by_method(m) for m in METHODS),
        )
        .select_from(Sale)
        .join(Purchase, col(Purchase.id) == col(Sale.purchase_id))
        .where(day, store),
    ).one()
    return Refunds(int(count), cents(tendered), cents(wallet), int(points), _methods(methods))


def _other(session: Session, day: ColumnElement[bool], store: ColumnElement[bool]) -> Any:
    sold = select(col(Sale.purchase_id)).where(col(Sale.purchase_id) == col(Purchase.id))
    count, amount = session.exec(
        select(func.count(), _total(col(Purchase.amount))).where(day, store, ~sold.exists())
    ).one()
    return OtherPurchases(int(count), cents(amount))


def _topups(session: Session, low: dt.datetime, high: dt.datetime, whole_shop: bool) -> TopUps:
    kind = col(WalletEntry.kind)
    count, amount, bonus = session.exec(
        select(
            _count(case((kind == "topup", 1), else_=0)),
            _total(case((kind == "topup", col(WalletEntry.amount)), else_=0)),
            _total(case((kind == "bonus", col(WalletEntry.amount)), else_=0)),
        ).where(
            kind.in_(("topup", "bonus")), col(WalletEntry.at) >= low, col(WalletEntry.at) < high
        )
    ).one()
    return TopUps(int(count), cents(amount), cents(bonus), whole_shop)


def _between(column: Any, low: dt.datetime, high: dt.datetime) -> ColumnElement[bool]:
    return and_(column >= low, column < high)


def build(*, session: Session, scope: Scope, store: str | None = None) -> Daily:
    """The day `scope.as_of`, for the store `store` names (code or name; unknown: exit 3) or,
    with None, the whole shop; a manager or clerk's own store (`stores.one_for`)."""
    code = stores.resolve(session, store)  # the one lookup every --store goes through
    code = stores.one_for(scope.staff, code)
    found = stores.find(session, code) if code is not None else None
    low, high = midnight(scope.as_of), midnight(scope.as_of + dt.timedelta(days=1))
    everywhere = true()
    in_store = col(Purchase.store) == code if code is not None else everywhere
    sold = _sales(session, _between(col(Purchase.at), low, high), in_store)
    count, list_total, discount, coupons, coupon_value, points, points_value, wallet, *rest = sold
    total, *methods = rest
    refunds = _refunds(session, _between(col(Purchase.refunded_at), low, high), in_store)
    joined = _between(col(Member.joined_at), low, high)
    home = col(Member.store) == code if code is not None else everywhere
    new_members = session.exec(select(func.count()).select_from(Member).where(joined, home)).one()
    tendered_total = cents(total)
    return Daily(
        date=scope.as_of,
        store=code,
        store_name=found.name if found is not None else None,
        sales=int(count),
        list_total=cents(list_total),
        tier_discount=cents(discount),
        coupons_used=int(coupons),
        coupon_value=cents(coupon_value),
        points_redeemed=int(points),
        points_value=cents(points_value),
        wallet_paid=cents(wallet),
        tendered=_methods(methods),
        tendered_total=tendered_total,
        refunds=refunds,
        net_takings=tendered_total - refunds.tendered,
        other_purchases=_other(session, _between(col(Purchase.at), low, high), in_store),
        new_members=int(new_members),
        topups=_topups(session, low, high, whole_shop=code is not None),
    )
