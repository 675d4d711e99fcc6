"""A small shop, built through the domain (members) and the ORM (purchases, cached points and
balance: those domains are not the subject here), with every derived value worked out by hand
for AS_OF = 2026-11-25.

| no | tier     | status    | gender | birthday   | age | store  | tags      | joined     |
|----|----------|-----------|--------|------------|-----|--------|-----------|------------|
| A  | gold     | active    | female | 1990-11-30 | 35  | 旗舰店 | vip       | 2024-01-10 |
| B  | silver   | active    | male   | 2000-02-29 | 26  | 二店   | vip, 新客 | 2026-11-25 |
| C  | basic    | active    | -      | -          | -   | -      | -         | 2025-01-01 |
| D  | platinum | frozen    | male   | 1960-11-25 | 66  | 旗舰店 | VIP club  | 2020-05-05 |
| E  | basic    | cancelled | female | 2010-01-15 | 16  | 二店   | -         | 2026-10-26 |

| no | joined_days | spend_12m | visits_12m | inactive_days | points | balance | referrals |
|----|-------------|-----------|------------|---------------|--------|---------|-----------|
| A  | 1050        | 350.60    | 3          | 5             | 1200   | 100.00  | 2         |
| B  | 0           | 0         | 0          | 0             | 0      | 0.00    | 0         |
| C  | 693         | 0         | 0          | 542           | 0      | 0.00    | 0         |
| D  | 2395        | 0.30      | 3          | 0             | 0      | 0.00    | 0         |
| E  | 30          | 0         | 0          | 30            | 500    | 12.50   | 0         |

A referred B, C and E (E is cancelled, so A's referrals are 2; as of 2026-11-24, before B
joined, 1).

A's purchases: 100.00 (2026-11-20), 250.50
(2026-06-01), 0.10 (2025-11-26 00:00, the first moment of the window), 999.00 (2025-11-25 23:00,
just outside), 5000.00 (refunded), 7.00 (2026-11-26, after AS_OF). C bought 80.00 on 2025-06-01
only. D bought 0.10 three times, the last at 2026-11-25 23:59:59 (0.1 + 0.1 + 0.1 is not 0.3 in
binary floating point: spend_12m must still equal 0.30).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, update
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.models import Member, Purchase
from tests.factories import act, enroll

AS_OF = dt.date(2026, 11, 25)
T = dt.datetime

MEMBERS: dict[str, dict[str, object]] = {
    "A": {
        "tier": "gold",
        "gender": "女",
        "birthday": "1990-11-30",
        "store": "旗舰店",
        "tags": ["vip"],
        "joined_at": "2024-01-10T09:00",
    },
    "B": {
        "tier": "silver",
        "gender": "male",
        "birthday": "2000-02-29",
        "store": "二店",
        "tags": ["vip", "新客"],
        "joined_at": "2026-11-25T09:00",
        "referrer": "A",
    },
    "C": {"joined_at": "2025-01-01T12:00", "referrer": "A"},
    "D": {
        "tier": "platinum",
        "gender": "M",
        "birthday": "1960-11-25",
        "store": "旗舰店",
        "tags": ["VIP club"],
        "joined_at": "2020-05-05T10:00",
    },
    "E": {
        "gender": "female",
        "birthday": "2010-01-15",
        "store": "二店",
        "joined_at": "2026-10-26T18:30",
        "referrer": "A",
    },
}
STATUS_ACTIONS = {"D": ("freeze",), "E": ("cancel",)}
# (member, amount, at, refunded)
PURCHASES = [
    ("A", "100.00", T(2026, 11, 20, 15, 0), False),
    ("A", "250.50", T(2026, 6, 1, 11, 0), False),
    ("A", "0.10", T(2025, 11, 26, 0, 0), False),
    ("A", "999.00", T(2025, 11, 25, 23, 0), False),
    ("A", "5000.00", T(2026, 10, 1, 10, 0), True),
    ("A", "7.00", T(2026, 11, 26, 8, 0), False),
    ("C", "80.00", T(2025, 6, 1, 10, 0), False),
    ("D", "0.10", T(2026, 1, 5, 10, 0), False),
    ("D", "0.10", T(2026, 7, 5, 10, 0), False),
    ("D", "0.10", T(2026, 11, 25, 23, 59, 59), False),
]
CACHES = {"A": (1200, "100.00"), "E": (500, "12.50")}


def build(engine: Engine) -> dict[str, str]:
    """The shop above; returns {letter: member_no}."""
    numbers = {}
    for letter, spec in MEMBERS.items():
        raw = dict(spec)
        if "referrer" in raw:  # a letter above: its member number
            raw["referrer"] = numbers[str(raw["referrer"])]
        record = enroll(engine, name=f"Member {letter}", **raw)
        if letter in STATUS_ACTIONS:
            record = act(engine, record.member_no, *STATUS_ACTIONS[letter])
        numbers[letter] = record.member_no
    with transaction(engine) as session:
        ids = {m.member_no: m.id for m in session.exec(select(Member))}
        for index, (letter, amount, at, refunded) in enumerate(PURCHASES, start=1):
            session.add(
                Purchase(
                    member_id=ids[numbers[letter]],
                    order_no=f"O{index:04d}",
                    amount=Decimal(amount),
                    at=at,
                    operator="factory",
                    created_at=at,
                    refunded_at=at + dt.timedelta(days=1) if refunded else None,
                )
            )
        for letter, (points, balance) in CACHES.items():
            session.exec(
                update(Member)
                .where(Member.member_no == numbers[letter])
                .values(points=points, balance=Decimal(balance))
            )
    return numbers
