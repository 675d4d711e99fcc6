"""The day of a stored timestamp, as SQL that gives the same number on SQLite and PostgreSQL.

`day_number(moment)` is the calendar day of a `DateTime` column (the shop's wall-clock time, as
stored: no time zone) counted in whole days from 1970-01-01, an integer. Reports that group
purchases by day (`report forecast`: same-day purchases are one visit) group by it and subtract
it; `day_number_of(date)` is the same number for a Python date; `next_midnight(moment)` ends a
timestamp's day.

- SQLite stores a DateTime as text (`2026-11-25 10:30:00.000000`): `julianday(date(at))` is the
  Julian day of that day's midnight (an exact .5), less 2440587.5, that of 1970-01-01.
- PostgreSQL: `CAST(at AS DATE) - DATE '1970-01-01'` (subtracting dates gives an integer).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

EPOCH = dt.date(1970, 1, 1)


class day_number(FunctionElement[int]):  # an SQL function, named as one
    """The day of a timestamp column as days since 1970-01-01 (see the module docstring)."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(julianday(date({moment})) - 2440587.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _postgresql(element: day_number, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"(CAST({moment} AS DATE) - DATE '1970-01-01')"


class next_midnight(FunctionElement[dt.datetime]):  # an SQL function, named as one
    """Midnight at the end of a timestamp's day (`moment < next_midnight(first)`: on or before
    the day of `first`): SQLite `date(at, '+1 day')` (text that sorts before every time of that
    day, as stored), PostgreSQL `CAST(at AS DATE) + 1`."""

    type = DateTime()
    inherit_cache = True


@compiles(next_midnight, "sqlite")
def _sqlite_midnight(element: next_midnight, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


@compiles(next_midnight, "postgresql")
def _postgresql_midnight(element: next_midnight, compiler: Any, **kw: Any) -> str:
    return f"(CAST({compiler.process(element.clauses, **kw)} AS DATE) + 1)"


def day_number_of(day: dt.date) -> int:
    """`day_number` of a Python date."""
    return (day - EPOCH).days
