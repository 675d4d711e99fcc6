"""`report growth`: new members month by month, the last `months` months up to `as_of`.

Every month is listed, zeros included, oldest first; the month of `as_of` counts up to `as_of`.
`total_members` is how many members (in scope, any status) had joined by the end of the month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import extract, func
from sqlmodel import Session, col, select

from memberctl.domain.reports import Scope, midnight
from memberctl.models import Member

DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    new_members: int
    total_members: int


def month_starts(as_of: dt.date, months: int) -> list[dt.date]:
    """The first days of the `months` months ending with the month of `as_of`, oldest first."""
    index = as_of.year * 12 + as_of.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def build(*, session: Session, scope: Scope, months: int = DEFAULT_MONTHS) -> list[MonthRow]:
    starts = month_starts(scope.as_of, months)
    first = midnight(starts[0])
    joined = col(Member.joined_at)
    year, month = extract("year", joined), extract("month", joined)
    counts = {
        (int(y), int(m)): int(n)
        for y, m, n in session.exec(
            select(year, month, func.count())
            .where(scope.members, joined >= first, joined < scope.day_after)
            .group_by(year, month)
        )
    }
    total = session.exec(
        select(func.count()).select_from(Member).where(scope.members, joined < first)
    ).one()
    rows = []
    for start in starts:
        new = counts.get((start.year, start.month), 0)
        total += new
        rows.append(MonthRow(f"{start:%Y-%m}", new, total))
    return rows
