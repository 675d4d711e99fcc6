"""A shop with enough history for `report forecast` (tests/cli/test_report_forecast.py and the
exact tables of tests/snapshots/test_forecast.py). The report day is AS_OF = 2026-11-25.

Members 会员01 .. 会员48 (M000001 .. M000048, phones 13800000001 ..), odd numbers in store north,
even in south; M000046 is frozen, M000047 cancelled, M000048 never bought. Member i's purchases:
at 10:00, of `20 + 13 i % 50 + 5 j` at visit j = 0, 1, ..., the first `30 + 7 i` days before
AS_OF. Every third member (i % 3 = 0) came `2 + i % 2` times, every `4 + i % 4` days, and
stopped; of the others, every fifth (i % 5 = 0) came once, the rest `3 + i % 7` times spread
evenly up to `1 + i % 9` days before AS_OF. Besides:
a second purchase on the first visit's day (15:00, 10.00) for every seventh member, a refunded
purchase (M000005, 999.00) and one after AS_OF (M000006, 2026-11-26, 999.00): neither counts.
That is 47 buyers, 41 of them on two days or more (x > 0).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.models import Member, Purchase
from tests import factories

AS_OF = dt.date(2026, 11, 25)
MEMBERS = 48


def visits(i: int) -> list[tuple[dt.datetime, Decimal]]:
    """Member i's purchases that count (before the extras), as (at, amount)."""
    first = dt.datetime.combine(AS_OF, dt.time(10)) - dt.timedelta(days=30 + 7 * i)
    count = 2 + i % 2 if i % 3 == 0 else 1 if i % 5 == 0 else 3 + i % 7
    if i % 3 == 0:  # came back once, soon after the first visit, then stopped
        gap = 4 + i % 4
    else:  # spread over their whole history, the last a few days before AS_OF
        gap = (30 + 7 * i - 1 - i % 9) // max(count - 1, 1)
    return [
        (first + dt.timedelta(days=j * gap), Decimal(20 + 13 * i % 50 + 5 * j))
        for j in range(count)
    ]


def purchases() -> list[tuple[int, dt.datetime, Decimal, bool]]:
    """(member i, at, amount, refunded) of every purchase."""
    rows: list[tuple[int, dt.datetime, Decimal, bool]] = []
    for i in range(1, MEMBERS):
        found = visits(i)
        rows += [(i, at, amount, False) for at, amount in found]
        if i % 7 == 0:
            rows.append((i, found[0][0].replace(hour=15), Decimal("10.00"), False))
    rows.append((5, dt.datetime(2026, 11, 1, 12), Decimal("999.00"), True))
    rows.append((6, dt.datetime(2026, 11, 26, 9), Decimal("999.00"), False))
    return rows


def seed(engine: Engine) -> list[str]:
    """Build the shop; returns the member numbers."""
    numbers = []
    for i in range(1, MEMBERS + 1):
        store = "north" if i % 2 else "south"
        record = factories.enroll(
            engine, name=f"会员{i:02d}", phone=f"138{i:08d}", store=store,
            joined_at="2025-01-01",
        )  # fmt: skip
        numbers.append(record.member_no)
    factories.act(engine, numbers[45], "freeze")
    factories.act(engine, numbers[46], "cancel")
    with transaction(engine) as session:
        ids = dict(enumerate(session.exec(select(Member.id).order_by(Member.id)).all(), start=1))
        for n, (i, at, amount, refunded) in enumerate(purchases(), start=1):
            session.add(purchase(ids[i], n, at, amount, refunded))
    return numbers


def purchase(member_id: int, n: int, at: dt.datetime, amount: Decimal, refunded: bool) -> Any:
    return Purchase(
        member_id=member_id, order_no=f"F{n:04d}", amount=amount, at=at,
        refunded_at=at + dt.timedelta(hours=1) if refunded else None, operator="seed",
        created_at=at,
    )  # fmt: skip
