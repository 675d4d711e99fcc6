"""The largest values memberctl accepts, defined once so that SQLite and PostgreSQL behave alike.

Each limit fits what both databases hold (money as NUMERIC(14, 2): less than 10^12; points as
64-bit integers) with room left for sums, and each is checked in the domain before anything is
written, so a value past one is invalid input (exit 5) with a sentence naming the limit, never a
database error on one engine and a silent success on the other.
"""

from __future__ import annotations

from decimal import Decimal

# One amount of money typed or read: a purchase, a top-up, a payment, a refund, a bonus, a coupon.
MAX_AMOUNT = Decimal("99999999.99")
# A member's stored-value balance: the most NUMERIC(14, 2) holds.
MAX_BALANCE = Decimal("999999999999.99")
# One points entry: `points add`, `points deduct`, a purchase's earning, a campaign award.
MAX_ENTRY_POINTS = 1_000_000_000
# A member's points in total: far inside a 64-bit integer, so sums over many members fit too.
MAX_MEMBER_POINTS = 1_000_000_000_000


def shown(value: int | Decimal) -> str:
    """A limit as people read it: `1,000,000,000`, `99,999,999.99`."""
    return f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"
