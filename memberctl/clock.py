"""The only module that reads the wall clock; everything else takes `as_of`/`now` as parameters.

Times are the shop's local wall-clock time, stored without a zone: a shop or a chain works in one
time zone, and "this month" or "birthday this week" mean the shop's month and week.
"""

from __future__ import annotations

import datetime as dt

# The days an `--as-of` may name. Reports look a year and more back and ledgers reach years
# ahead (points expire after N months, a coupon is valid up to 3,660 days), so a day near the
# ends of Python's calendar (0001-01-01, 9999-12-31) would overflow half-way through a command.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9899, 12, 31)


def in_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def today(as_of: dt.date | None = None) -> dt.date:
    """`as_of` when a command was given `--as-of`, else today's date."""
    return as_of if as_of is not None else dt.date.today()


def moment(as_of: dt.date | None = None) -> dt.datetime:
    """The time to stamp a write with: now, or the end of the `--as-of` day for a re-run."""
    if as_of is None:
        return now()
    return dt.datetime.combine(as_of, dt.time(23, 59, 59))


def writing_day(as_of: dt.date | None, *, allow_future: bool) -> dt.date:
    """The day a writing command acts on. A day after today is refused unless `allow_future`:
    `points expire --as-of` a year ahead would destroy points that are still valid, with no
    undo. Dry runs and reports do not come here; they may look ahead freely."""
    from memberctl.errors import UsageProblem
    from memberctl.i18n import _

    real = dt.date.today()
    if as_of is None:
        return real
    if as_of > real and not allow_future:
        raise UsageProblem(
            _(
                "--as-of {day} is after today ({today}), and this command writes what it does "
                "for that day now, with no undo"
            ).format(day=as_of, today=real),
            _("give --allow-future if that is what you mean"),
        )
    return as_of
