"""A small shop of referrals, hand-checked, for `report referrals` and `--where referrals`
(tests/cli/test_report_referrals.py, tests/snapshots/test_report_referrals.py).

The report day is AS_OF = 2026-11-25. Members come from tests.factories (through the domain),
purchases are inserted through the ORM. Dates without a year are in 2026.

| no | name | status    | store | joined     | referrer | purchases (R = refunded)             |
|----|------|-----------|-------|------------|----------|--------------------------------------|
| A  | 张三 | active    | north | 2025-01-10 | -        | 01-05 200.00, 11-01 100.00           |
| B  | 李四 | active    | north | 2025-06-01 | A        | 2025-07-01 300.00, 04-10 150.00,     |
|    |      |           |       |            |          | 09-09 80.00 R                        |
| C  | 王五 | active    | south | 03-15      | A        | 03-20 500.00, 06-30 250.00           |
| D  | 赵六 | active    | south | 10-20      | B        | 10-25 60.00, 11-26 40.00 (after)     |
| E  | 钱七 | cancelled | -     | 05-01      | A        | 05-02 90.00                          |
| F  | 孙八 | active    | north | 02-01      | -        | 02-02 1000.00                        |
| G  | 周九 | active    | -     | 11-26      | B        | 11-26 70.00 (joined after AS_OF)     |

Worked out by hand, all time up to AS_OF (G has not joined yet):

| referrer | referred | cancelled | their purchases | their spend | own purchases | own spend |
|----------|----------|-----------|-----------------|-------------|---------------|-----------|
| A        | 3 (B C E)| 1 (E)     | 5               | 1290.00     | 2             | 300.00    |
| B        | 1 (D)    | 0         | 1               | 60.00       | 2             | 450.00    |

`--from 2026-03-01 --to 2026-10-31`: A referred C and E in it (3 purchases, 840.00; own 0),
B referred D (1, 60.00; own 1, 150.00: the 80.00 was refunded). `referrals` (not cancelled,
joined by the day): A 2, B 1 on AS_OF, B 2 on 2026-11-26.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.models import Member, Purchase
from tests import factories

AS_OF = dt.date(2026, 11, 25)

# letter: (name, phone, status, store, joined, referrer)
MEMBERS = {
    "A": ("张三", "13800138001", "active", "north", "2025-01-10", None),
    "B": ("李四", "13800138002", "active", "north", "2025-06-01", "A"),
    "C": ("王五", "13800138003", "active", "south", "2026-03-15", "A"),
    "D": ("赵六", "13800138004", "active", "south", "2026-10-20", "B"),
    "E": ("钱七", "13800138005", "cancelled", None, "2026-05-01", "A"),
    "F": ("孙八", "13800138006", "active", "north", "2026-02-01", None),
    "G": ("周九", "13800138007", "active", None, "2026-11-26", "B"),
}
# (letter, at, amount, refunded)
PURCHASES = [
    ("A", "2026-01-05 12:00", "200.00", False),
    ("A", "2026-11-01 12:00", "100.00", False),
    ("B", "2025-07-01 12:00", "300.00", False),
    ("B", "2026-04-10 12:00", "150.00", False),
    ("B", "2026-09-09 12:00", "80.00", True),
    ("C", "2026-03-20 12:00", "500.00", False),
    ("C", "2026-06-30 12:00", "250.00", False),
    ("D", "2026-10-25 12:00", "60.00", False),
    ("D", "2026-11-26 12:00", "40.00", False),
    ("E", "2026-05-02 12:00", "90.00", False),
    ("F", "2026-02-02 12:00", "1000.00", False),
    ("G", "2026-11-26 15:00", "70.00", False),
]


def seed(engine: Engine) -> dict[str, str]:
    """Build the shop; returns {letter: member_no} (A is M000001, and so on)."""
    numbers: dict[str, str] = {}
    for letter, (name, phone, status, store, joined, referrer) in MEMBERS.items():
        raw: dict[str, str] = {"joined_at": f"{joined} 10:00"}
        if store:
            raw["store"] = store
        if referrer:
            raw["referrer"] = numbers[referrer]
        record = factories.member_in(engine, status, name=name, phone=phone, **raw)
        numbers[letter] = record.member_no
    orders = itertools.count(1)
    with transaction(engine) as session:
        ids = {
            letter: session.exec(select(Member.id).where(Member.member_no == no)).one()
            for letter, no in numbers.items()
        }
        for letter, when, amount, refunded in PURCHASES:
            moment = dt.datetime.fromisoformat(when)
            session.add(
                Purchase(
                    member_id=ids[letter],
                    order_no=f"F{next(orders):04d}",
                    amount=Decimal(amount),
                    at=moment,
                    refunded_at=moment + dt.timedelta(days=1) if refunded else None,
                    operator="seed",
                    created_at=moment,
                )
            )
    return numbers
