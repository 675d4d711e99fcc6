"""Refunding a sale from the till (`sale refund ORDER`): the whole sale, reversed exactly.

There are no partial refunds. In one transaction: the money tendered is recorded as given back
(the purchase's `refunded_at`; the figures come from the `sale` row), the stored value paid comes
back as a wallet `refund`, the points spent come back as `return` credits (one per lot the sale's
`redeem` consumed, each with that lot's expiry date: "as if never spent", so points whose lot has
expired since lapse at the next `points expire`), what is left of the points earned is reversed
as `purchase refund` does, and the coupon is unused again while it is still valid on the refund
day. A second refund changes nothing and gives the same result (`duplicate`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.domain import audit, coupons, money, purchases
from memberctl.domain.sales import refresh_caches
from memberctl.errors import RuleViolation
from memberctl.i18n import _
from memberctl.models import (
    Coupon,
    Member,
    PointsAllocation,
    PointsEntry,
    Purchase,
    Sale,
    WalletEntry,
)


@dataclass(frozen=True)
class SaleRefund:
    member_no: str
    order_no: str
    store: str | None
    refunded_at: dt.datetime
    tendered_back: Decimal
    pay_method: str | None
    wallet_back: Decimal
    points_returned: int
    points_earned: int
    points_reversed: int
    points_not_reversed: int
    coupon: str | None
    coupon_returned: bool
    points: int
    balance: Decimal
    duplicate: bool


def refund(
    *, session: Session, order_no: str, store: str | None, operator: str, at: dt.datetime
) -> SaleRefund:
    """`sale refund`: reverse the whole sale in one transaction; a second time changes nothing."""
    purchase = purchases.order_to_refund(session, order_no, store)
    sale = session.exec(select(Sale).where(Sale.purchase_id == purchase.id)).first()
    if sale is None:
        raise RuleViolation(
            _("order {order_no} is a purchase, not a sale from the till").format(
                order_no=purchase.order_no
            ),
            _("memberctl purchase refund {order_no}").format(order_no=purchase.order_no),
        )
    member = purchases.lock_buyer(session, purchase)
    coupon = session.get(Coupon, sale.coupon_id) if sale.coupon_id else None
    if purchase.refunded_at is not None:
        return _refund_result(session, purchase, sale, member, coupon, True)
    _return_points(session, member, purchase, operator, at)
    purchases.reverse_earning(session, member, purchase, operator, at)
    if sale.wallet_paid:
        session.add(
            WalletEntry(
                member_id=member.id or 0, kind="refund", amount=sale.wallet_paid,
                reason=f"refund of sale {purchase.order_no}", operator=operator, at=at,
                purchase_id=purchase.id,
            )
        )  # fmt: skip
    if coupon is not None and coupon.valid_to >= at.date() and _used_by(coupon, purchase):
        coupons.give_back(session, coupon)
    purchase.refunded_at = at
    session.add(purchase)
    refresh_caches(session, member)
    result = _refund_result(session, purchase, sale, member, coupon, False)
    audit.record(
        session=session,
        operator=operator,
        action="sale.refund",
        at=at,
        member=member,
        details={
            "purchase_id": purchase.id,
            "order_no": purchase.order_no,
            "tendered_back": money.format(result.tendered_back),
            "wallet_back": money.format(result.wallet_back),
            "points_returned": result.points_returned,
            "points_reversed": result.points_reversed,
            "coupon_returned": result.coupon_returned,
        },
    )
    return result


def _used_by(coupon: Coupon, purchase: Purchase) -> bool:
    return coupon.redeemed_at == purchase.at and coupon.redeemed_order == purchase.order_no


def _return_points(
    session: Session, member: Member, purchase: Purchase, operator: str, at: dt.datetime
) -> None:
    """One `return` credit per lot the sale's redeem consumed, with that lot's expiry."""
    debit = session.exec(
        select(PointsEntry).where(
            PointsEntry.purchase_id == purchase.id, PointsEntry.kind == "redeem"
        )
    ).first()
    if debit is None:
        return
    used = session.exec(
        select(col(PointsAllocation.points), col(PointsEntry.expires_on))
        .join(PointsEntry, col(PointsEntry.id) == PointsAllocation.credit_id)
        .where(PointsAllocation.debit_id == debit.id)
        .order_by(col(PointsAllocation.credit_id))
    ).all()
    for spent, expires_on in used:
        session.add(
            PointsEntry(
                member_id=member.id or 0, kind="return", points=spent, expires_on=expires_on,
                reason=f"refund of sale {purchase.order_no}", operator=operator, at=at,
                purchase_id=purchase.id, reverses_id=debit.id,
            )
        )  # fmt: skip


def _refund_result(
    session: Session,
    purchase: Purchase,
    sale: Sale,
    member: Member,
    coupon: Coupon | None,
    duplicate: bool,
) -> SaleRefund:
    session.flush()
    returned = session.exec(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.purchase_id == purchase.id, PointsEntry.kind == "return"
        )
    ).one()
    reversed_ = purchases.refunded_points(session, purchase)
    assert purchase.refunded_at is not None
    return SaleRefund(
        member.member_no, purchase.order_no, purchase.store or None, purchase.refunded_at,
        money.quantize(sale.tendered), sale.pay_method, money.quantize(sale.wallet_paid),
        int(returned), purchase.points_earned, reversed_, purchase.points_earned - reversed_,
        coupon.code if coupon else None,
        coupon is not None and not _used_by(coupon, purchase),
        member.points, money.quantize(member.balance), duplicate,
    )  # fmt: skip
