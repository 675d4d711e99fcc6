"""`report churn`: members who bought before but not in the last `days` days (default 30).

A member churns when their last purchase (not refunded) up to `as_of` was before the window of
`days` whole days ending with `as_of` (the same as `inactive_days >= days` in `--where`).
Members who never bought are not listed (they never started), nor are cancelled members (they
have left; forgotten members are cancelled). Most recently lapsed first: they are the easiest
to win back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.domain import lifecycle
from memberctl.domain.reports import Scope, cents, counted, fetch
from memberctl.models import Member, Purchase

DEFAULT_DAYS = 30


@dataclass(slots=True)  # not frozen: a report may hold 100,000s of them
class ChurnRow:
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    status: str
    last_purchase_at: dt.datetime
    inactive_days: int
    purchases: int
    spend: Decimal
    points: int


def build(*, session: Session, scope: Scope, days: int = DEFAULT_DAYS) -> list[ChurnRow]:
    last = func.max(col(Purchase.at))
    per = (
        select(
            col(Purchase.member_id).label("member_id"),
            last.label("last"),
            func.count().label("orders"),
            func.round(func.sum(col(Purchase.amount)), 2),
        )
        .where(counted(), col(Purchase.at) < scope.day_after)
        .group_by(col(Purchase.member_id))
        .having(last < scope.since(days))
        .subquery("per_member")
    )
    query = (
        core_select(
            col(Member.member_no),
            col(Member.name),
            col(Member.phone),
            col(Member.tier_code),
            col(Member.status),
            col(Member.points),
            *per.c[1:],
        )
        .join(per, per.c.member_id == col(Member.id))
        .where(scope.members, col(Member.status) != lifecycle.CANCELLED)
        .order_by(per.c.last.desc(), col(Member.member_no))
    )
    return [
        ChurnRow(
            no,
            name,
            scope.phone(phone),
            tier,
            status,
            at,
            (scope.as_of - at.date()).days,
            orders,
            cents(spend),
            points,
        )
        for no, name, phone, tier, status, points, at, orders, spend in fetch(session, query)
    ]
