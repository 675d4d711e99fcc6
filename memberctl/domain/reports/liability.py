"""`report liability`: what the shop owes its members at the end of `as_of`.

`points` is the sum of the points ledger (credits less redemptions and expiries) and `balance`
the sum of the stored-value ledger, over the ledger rows written by the end of `as_of`. Points
past their expiry date that `points expire` has not yet expired are still owed, as the ledger
says. Worked out as the members' cached totals less what was written after `as_of`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.domain.reports import Scope, cents
from memberctl.models import Member, PointsEntry, WalletEntry


@dataclass(frozen=True)
class Liability:
    as_of: dt.date
    points: int
    balance: Decimal


def _owed(session: Session, scope: Scope, cache: Any, amount: Any, member_id: Any, at: Any) -> Any:
    """The members' cached totals less the ledger rows written after `as_of`: the ledger's sum
    at the end of `as_of`, without reading every ledger row (the caches equal the ledgers'
    sums, which `db check` verifies; rows after `as_of` are usually none)."""
    total = session.exec(select(func.coalesce(func.sum(cache), 0)).where(scope.members)).one()
    later = select(func.coalesce(func.sum(amount), 0)).where(at >= scope.day_after)
    if scope.filtered:
        later = later.join(Member, col(Member.id) == member_id).where(scope.members)
    return total - session.exec(later).one()


def build(*, session: Session, scope: Scope) -> Liability:
    points = _owed(
        session,
        scope,
        col(Member.points),
        col(PointsEntry.points),
        col(PointsEntry.member_id),
        col(PointsEntry.at),
    )
    balance = _owed(
        session,
        scope,
        col(Member.balance),
        col(WalletEntry.amount),
        col(WalletEntry.member_id),
        col(WalletEntry.at),
    )
    return Liability(scope.as_of, int(points), cents(balance))
