"""Sales at the till written as `memberctl sale` writes them (memberctl/models/sale.py), for the
tests of `report daily` until the `sale` command exists: one `purchase`, one `sale` row, the
ledger rows carrying the purchase's id (points `redeem` and `earn`, wallet `pay`), the coupon
marked used; and a whole refund (`purchase.refunded_at`, wallet `refund`, points `return` and
`refund`). The members' cached points and balance follow their ledgers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import Session, select

from memberctl.domain import money, stores
from memberctl.models import Coupon, Member, PointsEntry, Purchase, Sale, WalletEntry

ZERO = Decimal("0.00")


def add_store(session: Session, code: str, name: str | None = None) -> None:
    stores.add(
        session=session, code=code, name=name, operator="factory", at=dt.datetime(2026, 1, 1)
    )


def _member(session: Session, member_no: str) -> Member:
    return session.exec(select(Member).where(Member.member_no == member_no)).one()


def _coupon(
    session: Session, member: Member, value: Decimal, order_no: str, at: dt.datetime
) -> int:
    coupon = Coupon(
        code=f"C{order_no}"[:16],
        member_id=member.id,
        value=value,
        valid_from=at.date() - dt.timedelta(days=30),
        valid_to=at.date() + dt.timedelta(days=30),
        redeemed_at=at,
        redeemed_order=order_no,
        created_at=at - dt.timedelta(days=30),
    )
    session.add(coupon)
    session.flush()
    assert coupon.id is not None
    return coupon.id


def add_sale(
    session: Session,
    *,
    member_no: str,
    order_no: str,
    at: dt.datetime,
    list_total: str,
    price_factor: str = "1.00",
    store: str = "",
    coupon: str = "0.00",
    points_used: int = 0,
    points_value: str = "0.00",
    wallet: str = "0.00",
    pay_method: str | None = None,
    points_earned: int = 0,
) -> Purchase:
    """A sale: the price after the tier's factor (to the cent, half up) and the coupon is paid by
    points, stored value and the rest tendered by `pay_method`."""
    member = _member(session, member_no)
    listed = Decimal(list_total)
    discount = listed - money.quantize(listed * Decimal(price_factor))
    coupon_value, points_money, wallet_paid = (
        Decimal(coupon),
        Decimal(points_value),
        Decimal(wallet),
    )
    amount = listed - discount - coupon_value
    tendered = amount - points_money - wallet_paid
    assert tendered >= 0 and (pay_method is None) == (tendered == 0)
    purchase = Purchase(
        member_id=member.id,
        order_no=order_no,
        store=store,
        amount=amount,
        at=at,
        points_earned=points_earned,
        operator="till",
        created_at=at,
    )
    session.add(purchase)
    session.flush()
    coupon_id = _coupon(session, member, coupon_value, order_no, at) if coupon_value else None
    session.add(
        Sale(
            purchase_id=purchase.id,
            list_total=listed,
            price_factor=Decimal(price_factor),
            tier_discount=discount,
            coupon_id=coupon_id,
            coupon_value=coupon_value,
            points_used=points_used,
            points_value=points_money,
            wallet_paid=wallet_paid,
            tendered=tendered,
            pay_method=pay_method,
            created_at=at,
        )
    )
    points = [("redeem", -points_used), ("earn", points_earned)]
    _ledgers(session, member, purchase, at, points, [("pay", -wallet_paid)])
    return purchase


def refund_sale(session: Session, *, order_no: str, at: dt.datetime, store: str = "") -> Purchase:
    """The whole sale back: stored value, the points spent returned, the points earned taken."""
    purchase = session.exec(
        select(Purchase).where(Purchase.order_no == order_no, Purchase.store == store)
    ).one()
    sale = session.exec(select(Sale).where(Sale.purchase_id == purchase.id)).one()
    member = session.get(Member, purchase.member_id)
    assert member is not None and purchase.refunded_at is None
    purchase.refunded_at = at
    session.add(purchase)
    points = [("return", sale.points_used), ("refund", -purchase.points_earned)]
    _ledgers(session, member, purchase, at, points, [("refund", sale.wallet_paid)])
    return purchase


def _ledgers(
    session: Session,
    member: Member,
    purchase: Purchase,
    at: dt.datetime,
    points: list[tuple[str, int]],
    wallet: list[tuple[str, Decimal]],
) -> None:
    for kind, change in points:
        if change:
            session.add(
                PointsEntry(
                    member_id=member.id,
                    kind=kind,
                    points=change,
                    operator="till",
                    at=at,
                    purchase_id=purchase.id,
                )
            )
            member.points += change
    for kind, amount in wallet:
        if amount:
            session.add(
                WalletEntry(
                    member_id=member.id,
                    kind=kind,
                    amount=amount,
                    operator="till",
                    at=at,
                    purchase_id=purchase.id,
                )
            )
            member.balance += amount
    session.add(member)
    session.flush()
