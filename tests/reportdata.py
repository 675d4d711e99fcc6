"""A small shop, hand-checked, for the report tests (tests/domain/test_reports.py and
tests/cli/test_report*.py). Members come from tests.factories; purchases and ledger rows are
inserted directly through the ORM, and the members' points/balance caches set to the ledger sums.

The report day is AS_OF = 2026-11-25 (tiers: basic 0, silver 1000, gold 5000, platinum 20000).

| no | status    | tier   | store | joined     | birthday   | purchases (R = refunded)         |
|----|-----------|--------|-------|------------|------------|----------------------------------|
| M1 | active    | silver | north | 2025-06-10 | 1990-11-30 | 11-01 300, 11-20 500, 11-24 1000 |
|    |           |        |       |            |            | 10-15 100 R                      |
| M2 | active    | basic  | north | 2026-11-03 | 1985-12-02 | 11-10 850, 11-12 200 R           |
| M3 | active    | basic  | south | 2026-01-15 | 2000-02-29 | 10-26 790, 11-26 100 (after)     |
| M4 | active    | silver | south | 2024-03-01 | -          | 2025-11-25 1000, 2025-12-01 4500 |
| M5 | frozen    | basic  | -     | 2026-02-20 | 1995-11-05 | 09-01 900                        |
| M6 | cancelled | basic  | -     | 2025-01-05 | -          | 2025-08-01 50                    |
| M7 | active    | basic  | -     | 2026-11-24 | 1999-11-25 | -                                |

(M1 is member M000001, and so on; dates without a year are in 2026.)
Points ledger: M1 +500 (11-20), M1 -100 (11-22), M2 +850 (11-10), M4 +300 (11-26, after AS_OF).
Wallet ledger: M1 +200.00 (11-02), M1 -50.25 (11-03), M5 +100.00 (09-01).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.models import Member, PointsEntry, Purchase, WalletEntry
from tests import factories

AS_OF = dt.date(2026, 11, 25)
_orders = itertools.count(1)

MEMBERS: list[dict[str, Any]] = [
    {
        "status": "active",
        "tier": "silver",
        "store": "north",
        "joined_at": "2025-06-10",
        "birthday": "1990-11-30",
    },
    {
        "status": "active",
        "tier": "basic",
        "store": "north",
        "joined_at": "2026-11-03",
        "birthday": "1985-12-02",
    },
    {
        "status": "active",
        "tier": "basic",
        "store": "south",
        "joined_at": "2026-01-15",
        "birthday": "2000-02-29",
    },
    {"status": "active", "tier": "silver", "store": "south", "joined_at": "2024-03-01"},
    {"status": "frozen", "tier": "basic", "joined_at": "2026-02-20", "birthday": "1995-11-05"},
    {"status": "cancelled", "tier": "basic", "joined_at": "2025-01-05"},
    {"status": "active", "tier": "basic", "joined_at": "2026-11-24", "birthday": "1999-11-25"},
]

# (member index from 1, at, amount, refunded)
PURCHASES = [
    (1, "2026-11-01 12:00", "300.00", False),
    (1, "2026-11-20 10:00", "500.00", False),
    (1, "2026-11-24 18:30", "1000.00", False),
    (1, "2026-10-15 11:00", "100.00", True),
    (2, "2026-11-10 15:00", "850.00", False),
    (2, "2026-11-12 15:00", "200.00", True),
    (3, "2026-10-26 18:00", "790.00", False),
    (3, "2026-11-26 09:00", "100.00", False),
    (4, "2025-11-25 10:00", "1000.00", False),
    (4, "2025-12-01 10:00", "4500.00", False),
    (5, "2026-09-01 10:00", "900.00", False),
    (6, "2025-08-01 10:00", "50.00", False),
]
POINTS = [
    (1, "2026-11-20 10:00", 500),
    (1, "2026-11-22 10:00", -100),
    (2, "2026-11-10 15:00", 850),
    (4, "2026-11-26 10:00", 300),
]
WALLET = [
    (1, "2026-11-02 10:00", "200.00"),
    (1, "2026-11-03 10:00", "-50.25"),
    (5, "2026-09-01 10:00", "100.00"),
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def seed(engine: Engine) -> dict[int, str]:
    """Build the shop; returns {index: member_no}."""
    numbers = {}
    for index, spec in enumerate(MEMBERS, start=1):
        raw = dict(spec)
        status = raw.pop("status")
        record = factories.member_in(engine, status, **raw)
        numbers[index] = record.member_no
    with transaction(engine) as session:
        ids = {
            i: session.exec(select(Member.id).where(Member.member_no == no)).one()
            for i, no in numbers.items()
        }
        add_purchases(session, ids, PURCHASES)
        for index, when, points in POINTS:
            session.add(
                PointsEntry(
                    member_id=ids[index], kind="adjust", points=points, operator="seed", at=at(when)
                )
            )
        for index, when, amount in WALLET:
            session.add(
                WalletEntry(
                    member_id=ids[index],
                    kind="adjust",
                    amount=Decimal(amount),
                    operator="seed",
                    at=at(when),
                )
            )
        session.flush()
        sync_caches(session)
    return numbers


def add_purchases(session: Any, ids: dict[int, int], rows: list[tuple[Any, ...]]) -> None:
    for index, when, amount, refunded in rows:
        moment = at(when)
        session.add(
            Purchase(
                member_id=ids[index],
                order_no=f"R{next(_orders):06d}",
                amount=Decimal(amount),
                at=moment,
                refunded_at=moment + dt.timedelta(days=1) if refunded else None,
                operator="seed",
                created_at=moment,
            )
        )
    session.flush()


def sync_caches(session: Any) -> None:
    """member.points / member.balance = the sums of their ledgers."""
    for member in session.exec(select(Member)):
        member.points = session.exec(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.member_id == member.id
            )
        ).one()
        balance = session.exec(
            select(func.coalesce(func.sum(WalletEntry.amount), 0)).where(
                WalletEntry.member_id == member.id
            )
        ).one()
        member.balance = Decimal(str(balance)).quantize(Decimal("0.01"))
        session.add(member)
