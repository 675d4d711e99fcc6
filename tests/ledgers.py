"""Ledger test helpers: points, purchases and wallet writes through the domain layer, each in its
own committed transaction, and read-backs of the ledgers for assertions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from memberctl.db.session import transaction
from memberctl.domain import dbcheck, points, policy, purchases, refs, wallet
from memberctl.models import Member, PointsEntry

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)


def add(engine: Engine, member_no: str, n: int, *, at: dt.datetime = NOW, **kw: Any) -> Any:
    kw.setdefault("reason", "test")
    with transaction(engine) as session:
        member = refs.resolve(session, member_no, for_update=True)
        return points.add(session=session, member=member, points=n, operator="t", at=at, **kw)


def deduct(engine: Engine, member_no: str, n: int, *, at: dt.datetime = NOW, **kw: Any) -> Any:
    kw.setdefault("reason", "test")
    with transaction(engine) as session:
        member = refs.resolve(session, member_no, for_update=True)
        return points.deduct(session=session, member=member, points=n, operator="t", at=at, **kw)


def expire(engine: Engine, as_of: dt.date) -> points.ExpiryResult:
    with transaction(engine) as session:
        return points.expire(
            session=session, as_of=as_of, operator="t", at=dt.datetime.combine(as_of, dt.time())
        )


def buy(
    engine: Engine, member_no: str, amount: str, *, at: dt.datetime = NOW, **kw: Any
) -> purchases.PurchaseResult:
    with transaction(engine) as session:
        member = refs.resolve(session, member_no, for_update=True)
        return purchases.record(
            session=session,
            member=member,
            amount=Decimal(amount),
            operator="t",
            at=at,
            now=at,
            **kw,
        )


def refund(engine: Engine, order_no: str, *, at: dt.datetime = NOW) -> purchases.RefundResult:
    with transaction(engine) as session:
        return purchases.refund(session=session, order_no=order_no, store=None, operator="t", at=at)


def topup(engine: Engine, member_no: str, amount: str, **kw: Any) -> wallet.WalletResult:
    with transaction(engine) as session:
        member = refs.resolve(session, member_no, for_update=True)
        return wallet.topup(
            session=session, member=member, amount=Decimal(amount), operator="t", at=NOW, **kw
        )


def set_policy(engine: Engine, key: str, value: str) -> None:
    with transaction(engine) as session:
        policy.set_value(session, key, value)


def problems(engine: Engine) -> list[str]:
    with transaction(engine, write=False) as session:
        return [str(p) for p in dbcheck.check(session=session)]


def lots(engine: Engine, member_no: str) -> dict[int, int]:
    """{credit id: points left} of the member's lots that have points left."""
    with Session(engine) as session:
        member = refs.resolve(session, member_no)
        return {cid: left for cid, _, left in points.open_lots(session, member.id or 0)}


def cached_and_summed(engine: Engine, member_no: str) -> tuple[int, int]:
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.member_no == member_no)).one()
        total = session.exec(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.member_id == member.id
            )
        ).one()
        return member.points, int(total)


def kinds(engine: Engine, member_no: str) -> list[tuple[str, int]]:
    with Session(engine) as session:
        member = refs.resolve(session, member_no)
        rows = session.exec(
            select(PointsEntry.kind, PointsEntry.points)
            .where(PointsEntry.member_id == member.id)
            .order_by(PointsEntry.id)
        )
        return [(k, p) for k, p in rows]
