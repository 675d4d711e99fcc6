"""`report birthdays`: members whose birthday falls in a month, or in the next days.

By default the month of `as_of`; `month` picks another (a month already past this year means
next year's). With `days` N: `as_of` and the N days after it. Someone born on 29 February
celebrates on the 28th in other years. Cancelled members are left out (forgotten members have
no birthday left). Listed in the order the birthdays come; `age` is the age they turn.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, extract, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from memberctl.domain import lifecycle
from memberctl.domain.reports import Scope
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member

MAX_DAYS = 366


@dataclass(slots=True)  # not frozen: a report may hold 100,000s of them
class BirthdayRow:
    member_no: str
    name: str | None
    phone: str | None
    birthday: dt.date
    next_birthday: dt.date
    age: int
    tier: str
    status: str
    points: int


def birthday_in(born: dt.date, year: int) -> dt.date:
    """The day the birthday is kept in `year` (29 February -> 28 February)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def _next(born: dt.date, since: dt.date) -> dt.date:
    day = birthday_in(born, since.year)
    return day if day >= since else birthday_in(born, since.year + 1)


def _days_clause(as_of: dt.date, days: int) -> ColumnElement[bool]:
    """Birthdays kept on a day in [as_of, as_of + days] as (month, day) conditions."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for offset in range(days + 1):
        day = as_of + dt.timedelta(days=offset)
        wanted[day.month].add(day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            wanted[2].add(29)
    born = col(Member.birthday)
    return or_(
        *(
            and_(extract("month", born) == month, extract("day", born).in_(sorted(dates)))
            for month, dates in wanted.items()
        )
    )


def build(
    *, session: Session, scope: Scope, month: int | None = None, days: int | None = None
) -> list[BirthdayRow]:
    if month is not None and days is not None:
        raise UsageProblem(_("--month and --days cannot be used together"), _("give one of them"))
    if days is not None and not 0 <= days <= MAX_DAYS:
        raise UsageProblem(
            _("--days {days} is out of range").format(days=days),
            _("give 0 to {MAX_DAYS}").format(MAX_DAYS=MAX_DAYS),
        )
    born = col(Member.birthday)
    if days is not None:
        which = _days_clause(scope.as_of, days)
        since = scope.as_of
    else:
        month = month or scope.as_of.month
        which = extract("month", born) == month
        since = scope.as_of.replace(day=1) if month == scope.as_of.month else scope.as_of
    query = core_select(
        col(Member.member_no),
        col(Member.name),
        col(Member.phone),
        born,
        col(Member.tier_code),
        col(Member.status),
        col(Member.points),
    ).where(scope.members, born.is_not(None), col(Member.status) != lifecycle.CANCELLED, which)
    rows = []
    for no, name, phone, birthday, tier, status, points in session.execute(query):
        coming = _next(birthday, since)
        rows.append(
            BirthdayRow(
                no,
                name,
                scope.phone(phone),
                birthday,
                coming,
                coming.year - birthday.year,
                tier,
                status,
                points,
            )
        )
    rows.sort(key=lambda r: (r.next_birthday, r.member_no))
    return rows
