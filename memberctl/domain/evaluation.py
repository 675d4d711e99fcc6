"""Tier evaluation: which tier each active member's spend over the last 12 months qualifies for.

Spend is the sum of purchases not refunded, from the day after the same date a year before
`as_of` through `as_of`. A member qualifies for the highest tier whose threshold that spend
reaches. Upgrades take effect at once. A member below their tier's threshold is marked
(`member.below_tier_since`) and downgraded to the tier they qualify for only once the grace period
(`tier.grace_days`, default 30) has passed since then, so one quiet month does not cost a tier;
reaching the threshold again clears the mark. A member whose tier was set by hand or imported
from another system is kept at it through `member.tier_kept_until` (see `policy`): until then
evaluation only upgrades them, with no grace period and no downgrade, because the spend that
earned the tier elsewhere is not here. Only active members are evaluated. Every change is a
lifecycle tier change with reason 'evaluation' and an audit entry.

One aggregate query computes every member's spend; the decisions are made over its rows
(`decide`, under any set of tiers: `tier simulate` runs it under the tiers a file would leave).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Subquery, bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.domain import audit, lifecycle, policy
from memberctl.models import Member, Purchase, Tier

REASON = "evaluation"
CHUNK = 1000


@dataclass(frozen=True)
class TierChange:
    member_no: str
    action: str  # upgrade, downgrade
    from_tier: str
    to_tier: str
    spend_12m: Decimal
    below_since: dt.date | None = None


@dataclass(frozen=True)
class GraceRecord:
    member_no: str
    tier: str
    qualifies_for: str
    spend_12m: Decimal
    below_since: dt.date
    downgrade_on: dt.date


@dataclass(frozen=True)
class KeptRecord:
    """A member below their tier's threshold who keeps the tier until `kept_until`."""

    member_no: str
    tier: str
    qualifies_for: str
    spend_12m: Decimal
    kept_until: dt.date


@dataclass
class Evaluation:
    as_of: dt.date
    applied: bool
    evaluated: int = 0
    upgrades: int = 0
    downgrades: int = 0
    changes: list[TierChange] = field(default_factory=list)
    in_grace: list[GraceRecord] = field(default_factory=list)
    kept: list[KeptRecord] = field(default_factory=list)


def window(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of "the last 12 months" ending with the day `as_of`."""
    try:
        year_before = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_before = as_of.replace(year=as_of.year - 1, day=28)
    start = dt.datetime.combine(year_before + dt.timedelta(days=1), dt.time())
    return start, dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


def spend_12m_query(as_of: dt.date) -> Any:
    """Subquery (member_id, spend) of spend over the last 12 months, refunds excluded."""
    start, end = window(as_of)
    return (
        select(Purchase.member_id, func.sum(Purchase.amount).label("spend"))
        .where(
            col(Purchase.at) >= start, col(Purchase.at) < end, col(Purchase.refunded_at).is_(None)
        )
        .group_by(col(Purchase.member_id))
        .subquery("spend")
    )


# What evaluation does with a member (Decision.action)
UPGRADE, DOWNGRADE, GRACE, KEPT, STAY = "upgrade", "downgrade", "grace", "kept", "stay"


class TierRule(Protocol):
    """What evaluation reads of a tier: a stored `Tier`, or a `TierRecord` of `tier simulate`."""

    @property
    def code(self) -> str: ...
    @property
    def rank(self) -> int: ...
    @property
    def threshold(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class Decision:
    """What evaluation makes of one active member: `action` is upgrade or downgrade (to
    `target`, now), grace (below the tier, `target` after the grace period), kept (below a
    kept tier) or stay. `extra` holds the columns a caller added to the query."""

    member_id: int
    member_no: str
    tier: str
    target: str  # the tier the spend qualifies for
    action: str
    spend: Decimal
    since: dt.date | None  # member.below_tier_since as stored
    kept_until: dt.date | None
    extra: tuple[Any, ...] = ()

    @property
    def after(self) -> str:
        """The member's tier once the changes are applied."""
        return self.target if self.action in (UPGRADE, DOWNGRADE) else self.tier


def _qualified(tiers: Sequence[TierRule], spend: Decimal) -> TierRule:
    reached = [t for t in tiers if t.threshold <= spend]
    return reached[-1] if reached else tiers[0]


def decide(
    *,
    session: Session,
    tiers: Sequence[TierRule],
    as_of: dt.date,
    members: ColumnElement[bool] | None = None,
    extra: Subquery | None = None,
) -> Iterator[Decision]:
    """One `Decision` per active member (within `members`), by member id, under `tiers` (in rank
    order): one aggregate query of spend, the rules applied to its rows. `extra`, a subquery
    with a `member_id` column, is outer-joined to it and its other columns handed back in
    `Decision.extra` (None where it has no row for the member)."""
    rank = {t.code: t.rank for t in tiers}
    grace = dt.timedelta(days=policy.load(session).grace_days)
    spend = spend_12m_query(as_of)
    more = [c for c in extra.c if c.name != "member_id"] if extra is not None else []
    query = (
        core_select(
            col(Member.id),
            col(Member.member_no),
            col(Member.tier_code),
            col(Member.below_tier_since),
            col(Member.tier_kept_until),
            func.coalesce(spend.c.spend, 0),
            *more,
        )
        .outerjoin(spend, spend.c.member_id == Member.id)
        .where(col(Member.status) == lifecycle.ACTIVE)
        .order_by(col(Member.id))
    )
    if extra is not None:
        query = query.outerjoin(extra, extra.c.member_id == Member.id)
    if members is not None:
        query = query.where(members)
    for member_id, member_no, tier_code, since, kept_until, amount, *more in session.execute(
        query
    ).all():
        spent = money_of(amount)
        target = _qualified(tiers, spent).code
        if rank[target] < rank[tier_code] and kept_until is not None and as_of <= kept_until:
            action = KEPT
        elif rank[target] > rank[tier_code]:
            action = UPGRADE
        elif rank[target] < rank[tier_code] and since is not None and as_of - since >= grace:
            action = DOWNGRADE
        elif rank[target] < rank[tier_code]:
            action = GRACE
        else:
            action = STAY
        yield Decision(
            member_id, member_no, tier_code, target, action, spent, since, kept_until, tuple(more)
        )


def evaluate(
    *, session: Session, as_of: dt.date, apply: bool, operator: str, at: dt.datetime
) -> Evaluation:
    """The tier changes `as_of` calls for; written only when `apply` is true."""
    tiers = list(session.exec(select(Tier).order_by(col(Tier.rank))))
    grace = dt.timedelta(days=policy.load(session).grace_days)
    result = Evaluation(as_of, apply)
    marks: dict[int, dt.date | None] = {}
    moves: dict[int, TierChange] = {}
    for d in decide(session=session, tiers=tiers, as_of=as_of):
        result.evaluated += 1
        if d.action in (UPGRADE, DOWNGRADE):
            since = d.since if d.action == DOWNGRADE else None
            moves[d.member_id] = TierChange(d.member_no, d.action, d.tier, d.target, d.spend, since)
        elif d.action == KEPT and d.kept_until is not None:
            result.kept.append(KeptRecord(d.member_no, d.tier, d.target, d.spend, d.kept_until))
        elif d.action == GRACE:
            start = d.since or as_of
            result.in_grace.append(
                GraceRecord(d.member_no, d.tier, d.target, d.spend, start, start + grace)
            )
        if d.action == GRACE:
            if d.since is None:  # the grace period starts
                marks[d.member_id] = as_of
        elif d.since is not None:  # kept, changed tier, or back at the threshold: the mark goes
            marks[d.member_id] = None
    result.changes = list(moves.values())
    result.upgrades = sum(c.action == UPGRADE for c in result.changes)
    result.downgrades = len(result.changes) - result.upgrades
    if apply:
        _apply(session, moves, marks, operator, at)
    return result


def money_of(amount: Any) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def _apply(
    session: Session,
    moves: dict[int, TierChange],
    marks: dict[int, dt.date | None],
    operator: str,
    at: dt.datetime,
) -> None:
    members = Member.__table__  # type: ignore[attr-defined]
    if marks:
        session.execute(
            update(members)
            .where(members.c.id == bindparam("member_id"))
            .values(below_tier_since=bindparam("since")),
            [{"member_id": k, "since": v} for k, v in marks.items()],
        )
    if not moves:
        return
    ids = list(moves)
    changed = [
        member
        for start in range(0, len(ids), CHUNK)
        for member in session.exec(
            select(Member).where(col(Member.id).in_(ids[start : start + CHUNK]))
        )
    ]
    for member in changed:
        move = moves[member.id or 0]
        lifecycle.record_tier_change(
            session=session,
            member=member,
            to_tier=move.to_tier,
            action=move.action,
            reason=REASON,
            operator=operator,
            at=at,
        )
        audit.record(
            session=session,
            operator=operator,
            action=f"member.{move.action}",
            at=at,
            member=member,
            details={"to": move.to_tier, "by": REASON},
        )
