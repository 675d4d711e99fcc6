"""`tier simulate`: what loading a tier file would do to the members and to the points they
earn, with nothing written.

The tiers are the ones `tier load` would leave (`tiers.preview`: the same checks, the same
errors); every active member is evaluated under them by `evaluation.decide`, the code `tier
evaluate` runs, so the moves are exactly those `tier load` followed by `tier evaluate` would make
on the same day: upgrades and downgrades at once, members below their tier who enter (or are
in) the grace period, members below a kept tier. Moves the stored tiers already call for are
counted too (`tier evaluate` alone shows them).

Points at the current pace: each purchase of the last 12 months that counts toward tier spend
(not refunded, the tier evaluation window) by an active member, priced in points the way a
purchase earns (`purchases.earned_sql`: the tier's rate and multiplier, the birthday month,
rounded down per purchase), three times: `now` at the member's tier and its stored rates;
`after` at the tier the member holds after the load and evaluation, at the file's rates; and
`settled` at the tier the spend qualifies for (where every member ends once grace periods and
kept tiers run out, if they keep spending as they did). Summed per member in SQL (one column per
tier of the new set), then per move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Subquery, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from memberctl.domain import evaluation, lifecycle, permissions, policy, purchases, stores, tiers
from memberctl.domain.evaluation import DOWNGRADE, GRACE, KEPT, STAY, UPGRADE
from memberctl.domain.tiers import TierRecord
from memberctl.models import Member, Purchase, Tier

ACTIONS = (UPGRADE, DOWNGRADE, GRACE, KEPT, STAY)  # the order of the moves of one pair


@dataclass(slots=True)
class MoveRow:
    """Active members now in `from_tier` whose spend qualifies for `to_tier` under the file,
    and what `tier evaluate` does with them (`action`, as `evaluation.Decision`)."""

    from_tier: str
    to_tier: str
    action: str  # upgrade, downgrade (at once), grace (after the grace period), kept, stay
    members: int = 0
    spend_12m: Decimal = Decimal("0.00")
    points_now: int = 0
    points_after: int = 0
    points_settled: int = 0


@dataclass(frozen=True)
class PointsPace:
    """Points a year at the current pace (the last 12 months' purchases), see the module."""

    now: int
    after: int
    settled: int


@dataclass
class Simulation:
    as_of: dt.date
    file: str
    written: bool  # always False: nothing is written
    evaluated: int
    upgrades: int
    downgrades: int
    in_grace: int
    kept: int
    points: PointsPace
    moves: list[MoveRow] = field(default_factory=list)
    tiers: list[TierRecord] = field(default_factory=list)
    stores: list[str] | None = None  # a staff member's stores the figures keep to; None: all


def simulate(
    *, session: Session, path: Path, as_of: dt.date, staff: permissions.Identity | None = None
) -> Simulation:
    """The moves and points of loading `path` and evaluating on `as_of`; reads only."""
    after = tiers.preview(session=session, path=path)
    position = {t.code: i for i, t in enumerate(after)}
    rank = {t.code: t.rank for t in after}
    moves: dict[tuple[str, str, str], MoveRow] = {}
    decisions = evaluation.decide(
        session=session,
        tiers=after,
        as_of=as_of,
        members=stores.kept_to(staff, None, Member.store),
        extra=_points_query(session, as_of, after),
    )
    for d in decisions:
        now, *under = (int(p or 0) for p in d.extra)
        row = moves.setdefault((d.tier, d.target, d.action), MoveRow(d.tier, d.target, d.action))
        row.members += 1
        row.spend_12m += d.spend
        row.points_now += now
        row.points_after += under[position[d.after]]
        row.points_settled += under[position[d.target]]
    rows = sorted(
        moves.values(),
        key=lambda r: (rank[r.from_tier], rank[r.to_tier], ACTIONS.index(r.action)),
    )
    return Simulation(
        as_of=as_of,
        file=path.name,
        written=False,
        evaluated=sum(r.members for r in rows),
        upgrades=_count(rows, UPGRADE),
        downgrades=_count(rows, DOWNGRADE),
        in_grace=_count(rows, GRACE),
        kept=_count(rows, KEPT),
        points=PointsPace(
            sum(r.points_now for r in rows),
            sum(r.points_after for r in rows),
            sum(r.points_settled for r in rows),
        ),
        moves=rows,
        tiers=after,
        stores=_staff_stores(staff),
    )


def _count(rows: list[MoveRow], action: str) -> int:
    return sum(r.members for r in rows if r.action == action)


def _staff_stores(staff: permissions.Identity | None) -> list[str] | None:
    allowed = permissions.within(staff) if staff is not None else None
    return sorted(allowed) if allowed is not None else None


def _points_query(session: Session, as_of: dt.date, after: list[TierRecord]) -> Subquery:
    """Per active member with purchases in the window: the points they earn now (their tier,
    stored rates), then under each tier of `after` (`t0`, `t1`, ... in its order).

    `purchases.earned_sql` factored: each purchase's amount times its birthday multiplier, and
    the rate times the multiplier of its member's tier now, all in hundredths, are worked out
    once (a MATERIALIZED CTE, else SQLite works them out again for every sum: 2x slower); a
    tier's points are then that product times the tier's rate and multiplier, rounded down."""
    rules = policy.load(session)
    start, end = evaluation.window(as_of)
    rate = purchases.sql_hundredths(func.coalesce(col(Tier.points_per_unit), rules.per_unit))
    per_purchase = (
        core_select(
            col(Purchase.member_id).label("member_id"),
            (purchases.sql_hundredths(col(Purchase.amount)) * purchases.bonus_sql(rules)).label(
                "paid"
            ),
            (rate * purchases.sql_hundredths(col(Tier.multiplier))).label("rate"),
        )
        .join(Member, col(Member.id) == Purchase.member_id)
        .join(Tier, col(Tier.code) == Member.tier_code)
        .where(
            col(Purchase.at) >= start,
            col(Purchase.at) < end,
            col(Purchase.refunded_at).is_(None),
            col(Member.status) == lifecycle.ACTIVE,
        )
        .cte("pace_purchase")
        .prefix_with("MATERIALIZED")
    )
    paid = per_purchase.c.paid
    under: list[Any] = [
        func.sum(
            paid
            * (purchases.hundredths(t.earn_rate) * purchases.hundredths(t.multiplier))
            // purchases.SCALE
        ).label(f"t{i}")
        for i, t in enumerate(after)
    ]
    return (
        core_select(
            per_purchase.c.member_id,
            func.sum(paid * per_purchase.c.rate // purchases.SCALE).label("now"),
            *under,
        )
        .group_by(per_purchase.c.member_id)
        .subquery("pace")
    )
