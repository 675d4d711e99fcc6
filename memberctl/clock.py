"""The only module that reads the wall clock; everything else takes `as_of`/`now` as parameters.

Times are the shop's local wall-clock time, stored without a zone: a shop or a chain works in one
time zone, and "this month" or "birthday this week" mean the shop's month and week.
"""

from __future__ import annotations

import datetime as dt


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
