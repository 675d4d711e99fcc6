"""`db check`: prove the ledgers' invariants, each with one set-based query.

- `points_cache` / `balance_cache`: `member.points` and `member.balance` equal their ledger sums;
- `negative_points` / `negative_balance`: no ledger sums below zero;
- `over_allocated`: no credit lot is consumed beyond its points;
- `unallocated_debit`: every points debit records exactly which lots it consumed;
- `bad_allocation`: allocations link a credit and a debit of the same member, with points > 0;
- `purchase_points`: a purchase's `points_earned` equals its earn entry;
- `orphan`: no row refers to a member, tier, purchase or ledger entry that does not exist;
- `search_key`: every named member has the search key its name begins with (migration 0017's
  triggers make it; a dropped trigger or an emptied `member_name_position` leaves names that
  `member search` cannot find by a part of the name).

Each failure is a `Problem` naming the check, the member (when there is one) and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from memberctl.db import statistics
from memberctl.domain import money
from memberctl.models import (
    Member,
    MemberSearchKey,
    PointsAllocation,
    PointsEntry,
    Purchase,
    Tier,
    WalletEntry,
)
from memberctl.models.member import NAME_KEY_LENGTH

LIMIT = 1000  # problems reported per check


@dataclass(frozen=True)
class Problem:
    check: str
    member_no: str | None
    detail: str

    def __str__(self) -> str:
        who = f"{self.member_no}: " if self.member_no else ""
        return f"{self.check}: {who}{self.detail}"


def _points_sums() -> Any:
    return (
        select(PointsEntry.member_id, func.sum(PointsEntry.points).label("total"))
        .group_by(col(PointsEntry.member_id))
        .subquery("points_sum")
    )


def _wallet_sums() -> Any:
    return (
        select(WalletEntry.member_id, func.sum(WalletEntry.amount).label("total"))
        .group_by(col(WalletEntry.member_id))
        .subquery("wallet_sum")
    )


def _points_cache(session: Session) -> list[Problem]:
    sums = _points_sums()
    total = func.coalesce(sums.c.total, 0)
    rows = session.exec(
        select(Member.member_no, Member.points, total)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(Member.points != total)
        .order_by(col(Member.member_no))
        .limit(LIMIT)
    )
    return [
        Problem("points_cache", no, f"member.points is {cached} but the ledger sums to {real}")
        for no, cached, real in rows
    ]


def _balance_cache(session: Session) -> list[Problem]:
    sums = _wallet_sums()
    total = func.coalesce(sums.c.total, 0)
    rows = session.exec(
        select(col(Member.member_no), col(Member.balance), total)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(func.abs(Member.balance - total) >= money.CENT / 2)
        .order_by(col(Member.member_no))
        .limit(LIMIT)
    )
    return [
        Problem(
            "balance_cache",
            no,
            f"member.balance is {money.format(cached)} but the wallet ledger sums to "
            f"{money.format(real)}",
        )
        for no, cached, real in rows
    ]


def _negative(session: Session) -> list[Problem]:
    problems = []
    for name, sums, show in (
        ("negative_points", _points_sums(), str),
        ("negative_balance", _wallet_sums(), money.format),
    ):
        rows = session.exec(
            select(Member.member_no, sums.c.total)
            .join(sums, sums.c.member_id == Member.id)
            .where(sums.c.total <= -money.CENT / 2)
            .limit(LIMIT)
        )
        problems += [Problem(name, no, f"the ledger sums to {show(total)}") for no, total in rows]
    return problems


def _allocation_totals(key: Any) -> Any:
    return (
        select(key.label("entry_id"), func.sum(PointsAllocation.points).label("used"))
        .group_by(key)
        .subquery()
    )


def _over_allocated(session: Session) -> list[Problem]:
    used = _allocation_totals(PointsAllocation.credit_id)
    rows = session.exec(
        select(Member.member_no, PointsEntry.id, PointsEntry.points, used.c.used)
        .join(used, used.c.entry_id == PointsEntry.id)
        .join(Member, col(Member.id) == PointsEntry.member_id)
        .where(used.c.used > PointsEntry.points)
        .limit(LIMIT)
    )
    return [
        Problem("over_allocated", no, f"lot {lot} of {pts} points has {spent} consumed")
        for no, lot, pts, spent in rows
    ]


def _unallocated(session: Session) -> list[Problem]:
    used = _allocation_totals(PointsAllocation.debit_id)
    taken = func.coalesce(used.c.used, 0)
    rows = session.exec(
        select(Member.member_no, PointsEntry.id, PointsEntry.points, taken)
        .outerjoin(used, used.c.entry_id == PointsEntry.id)
        .join(Member, col(Member.id) == PointsEntry.member_id)
        .where(PointsEntry.points < 0, taken != -col(PointsEntry.points))
        .limit(LIMIT)
    )
    return [
        Problem("unallocated_debit", no, f"debit {entry} of {pts} points allocates {taken_}")
        for no, entry, pts, taken_ in rows
    ]


def _bad_allocations(session: Session) -> list[Problem]:
    credit, debit = aliased(PointsEntry), aliased(PointsEntry)
    rows = session.exec(
        select(PointsAllocation.debit_id, PointsAllocation.credit_id)
        .join(credit, col(credit.id) == PointsAllocation.credit_id)
        .join(debit, col(debit.id) == PointsAllocation.debit_id)
        .where(
            or_(
                col(credit.points) <= 0,
                col(debit.points) >= 0,
                col(credit.member_id) != debit.member_id,
                col(PointsAllocation.points) <= 0,
            )
        )
        .limit(LIMIT)
    )
    return [
        Problem("bad_allocation", None, f"allocation debit {d} -> credit {c} is not valid")
        for d, c in rows
    ]


def _purchase_points(session: Session) -> list[Problem]:
    earned = (
        select(PointsEntry.purchase_id, func.sum(PointsEntry.points).label("pts"))
        .where(PointsEntry.kind == "earn", col(PointsEntry.purchase_id).is_not(None))
        .group_by(col(PointsEntry.purchase_id))
        .subquery()
    )
    total = func.coalesce(earned.c.pts, 0)
    rows = session.exec(
        select(Member.member_no, Purchase.order_no, Purchase.points_earned, total)
        .join(Member, col(Member.id) == Purchase.member_id)
        .outerjoin(earned, earned.c.purchase_id == Purchase.id)
        .where(Purchase.points_earned != total)
        .limit(LIMIT)
    )
    return [
        Problem("purchase_points", no, f"order {order} says {says} points, the ledger {real}")
        for no, order, says, real in rows
    ]


ORPHAN_LINKS: list[tuple[Any, Any, str]] = [
    (PointsEntry.__table__.c.member_id, Member.__table__.c.id, "points entry member"),  # type: ignore[attr-defined]
    (WalletEntry.__table__.c.member_id, Member.__table__.c.id, "wallet entry member"),  # type: ignore[attr-defined]
    (Purchase.__table__.c.member_id, Member.__table__.c.id, "purchase member"),  # type: ignore[attr-defined]
    (PointsEntry.__table__.c.purchase_id, Purchase.__table__.c.id, "points entry purchase"),  # type: ignore[attr-defined]
    (PointsEntry.__table__.c.reverses_id, PointsEntry.__table__.c.id, "points entry reverses"),  # type: ignore[attr-defined]
    (PointsAllocation.__table__.c.debit_id, PointsEntry.__table__.c.id, "allocation debit"),  # type: ignore[attr-defined]
    (PointsAllocation.__table__.c.credit_id, PointsEntry.__table__.c.id, "allocation credit"),  # type: ignore[attr-defined]
    (Member.__table__.c.tier_code, Tier.__table__.c.code, "member tier"),  # type: ignore[attr-defined]
]


def _orphans(session: Session) -> list[Problem]:
    problems = []
    for child, parent, what in ORPHAN_LINKS:
        alias = parent.table.alias() if parent.table is child.table else None
        target = alias.c[parent.name] if alias is not None else parent
        query = (
            select(child)
            .select_from(child.table.outerjoin(target.table, target == child))
            .where(and_(child.is_not(None), target.is_(None)))
            .limit(LIMIT)
        )
        problems += [
            Problem("orphan", None, f"{what} {value} does not exist")
            for value in session.execute(query).scalars()
        ]
    return problems


def _search_keys(session: Session) -> list[Problem]:
    """Named members without the key of their name's start: one primary-key look-up each."""
    first = func.lower(func.substr(col(Member.name), 1, NAME_KEY_LENGTH))
    keyed = select(MemberSearchKey.member_id).where(
        col(MemberSearchKey.kind) == "n",
        col(MemberSearchKey.piece) == first,
        col(MemberSearchKey.member_id) == col(Member.id),
    )
    query = (
        select(Member.member_no)
        .where(col(Member.name).is_not(None), col(Member.name) != "", ~keyed.exists())
        .order_by(col(Member.member_no))
        .limit(LIMIT)
    )
    return [
        Problem("search_key", member_no, "its name has no search key (search cannot find it)")
        for member_no in session.exec(query)
    ]


CHECKS: list[Callable[[Session], list[Problem]]] = [
    _points_cache,
    _balance_cache,
    _negative,
    _over_allocated,
    _unallocated,
    _bad_allocations,
    _purchase_points,
    _orphans,
    _search_keys,
]


# The checks join every ledger row; with stale statistics PostgreSQL chose nested loops over
# the allocations and a check after a large import ran for minutes.
_ANALYZE = (
    "ANALYZE member", "ANALYZE points_entry", "ANALYZE points_allocation",
    "ANALYZE wallet_entry", "ANALYZE purchase",
)  # fmt: skip


def check(*, session: Session) -> list[Problem]:
    """Every invariant that does not hold; an empty list means the database is sound."""
    statistics.refresh(session, _ANALYZE)
    return [problem for run in CHECKS for problem in run(session)]
