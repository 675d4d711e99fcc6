"""A parsed `--where` expression turned into one SQLAlchemy boolean over `Member`, so the
filtering happens in the database (SQLite or PostgreSQL alike).

Every comparison compiles to a two-valued condition (a missing store, gender or birthday gives
false, never NULL), so `not` is always the exact complement. Dates are worked out in Python from
`as_of` and compared with the stored dates and times, so no database date function is needed:

- `age` is in whole years on `as_of`; `age >= N` means born on or before `as_of` minus N years.
- `joined_days` / `inactive_days` are `as_of` minus the day of joining / of the last purchase
  (up to `as_of`; members who never bought count from joining).
- `spend_12m` / `visits_12m` sum / count the purchases not refunded with `at` in
  (as_of - 12 months, as_of], day by day.
- `referrals` counts the members whose referrer is this member, who had joined by the end of
  `as_of` and are not cancelled now (a referred member who left, or was forgotten, no longer
  counts); one lookup per member on the partial index on `member.referrer_id`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    SQLColumnExpression,
    and_,
    exists,
    extract,
    false,
    func,
    not_,
    or_,
)
from sqlmodel import Session, col, select

from memberctl.domain.lifecycle import CANCELLED
from memberctl.domain.tiers import TierNames
from memberctl.domain.where.lexer import ExpressionError
from memberctl.domain.where.parser import And, Compare, Node, Not, Or
from memberctl.i18n import _
from memberctl.models import Member, MemberTag, Purchase, Tier

Clause = ColumnElement[bool]
_MEMBER = Member.__table__  # type: ignore[attr-defined]
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NEGATIVE = ("!=", "not in")


class _Compiler:
    def __init__(self, session: Session, as_of: dt.date) -> None:
        self.as_of = as_of
        self.session = session
        self._ranks: dict[str, int] | None = None
        self._names: TierNames | None = None

    @property
    def ranks(self) -> dict[str, int]:
        if self._ranks is None:
            rows = self.session.exec(select(Tier.code, Tier.rank).order_by(col(Tier.rank)))
            self._ranks = dict(rows.all())
        return self._ranks

    @property
    def names(self) -> TierNames:
        if self._names is None:
            self._names = TierNames.of(self.session)
        return self._names

    def node(self, node: Node) -> Clause:
        if isinstance(node, Not):
            return not_(self.node(node.operand))
        if isinstance(node, And):
            return and_(*(self.node(n) for n in node.operands))
        if isinstance(node, Or):
            return or_(*(self.node(n) for n in node.operands))
        return self.compare(node)

    def compare(self, node: Compare) -> Clause:
        name = node.field.name
        if name in _THRESHOLDS:
            at_least = _THRESHOLDS[name](self)
            return _by_threshold(at_least, node, guard=_GUARDS.get(name))
        handlers: dict[str, Callable[[Compare], Clause]] = {
            "tier": self.tier,
            "tag": _tag,
            "status": lambda n: _text(col(Member.status), n),
            "store": lambda n: _text(col(Member.store), n),
            "gender": lambda n: _text(col(Member.gender), n),
            "birthday_month": _month,
            "spend_12m": lambda n: _ordered(self.spend_12m(), n),
            "visits_12m": lambda n: _ordered(self.visits_12m(), n),
            "points": lambda n: _ordered(col(Member.points), n),
            "balance": lambda n: _ordered(col(Member.balance), n),
            "referrals": lambda n: _ordered(self.referrals(), n),
        }
        return handlers[name](node)

    def tier(self, node: Compare) -> Clause:
        """Compared by rank: the codes that qualify are worked out here, against the tiers
        (a tier written by its code, its name or its name without 会员)."""
        ranks = self.ranks
        wanted: list[int] = []
        for value in node.values:
            code = self.names.resolve(str(value.value))
            if code is None:
                column = value.token.pos + 1
                raise ExpressionError(
                    _("no tier {shown} at column {column}").format(
                        shown=value.token.shown(), column=column
                    ),
                    column,
                    self.names.hint(),
                )
            wanted.append(ranks[code])
        if node.op in ("in", "not in", "=", "!="):
            matched = [c for c, r in ranks.items() if (r in wanted) != (node.op in _NEGATIVE)]
        else:
            matched = [c for c, r in ranks.items() if _ORDER[node.op](r, wanted[0])]
        return col(Member.tier_code).in_(matched)

    # -- purchases -------------------------------------------------------------------------
    def _purchases(self) -> list[Clause]:
        """Purchases of the member, not refunded, in (as_of - 12 months, as_of]."""
        start = _midnight(_add_days(months_back(self.as_of, 12), 1))
        return [
            col(Purchase.member_id) == col(Member.id),
            col(Purchase.refunded_at).is_(None),
            col(Purchase.at) >= start,
            col(Purchase.at) < self.day_after,
        ]

    @property
    def day_after(self) -> dt.datetime:
        return _midnight(_add_days(self.as_of, 1))

    def spend_12m(self) -> ColumnElement[Any]:
        total = func.coalesce(func.sum(col(Purchase.amount)), 0)
        # Rounded to cents: SQLite adds amounts as binary floats.
        rounded = func.round(total, 2, type_=Numeric(16, 2))
        query = select(rounded).where(*self._purchases())
        return query.correlate(Member).scalar_subquery()

    def visits_12m(self) -> ColumnElement[Any]:
        query = select(func.count(col(Purchase.id))).where(*self._purchases())
        return query.correlate(Member).scalar_subquery()

    def referrals(self) -> ColumnElement[Any]:
        referred = _MEMBER.alias("referred")
        query = select(func.count()).where(
            referred.c.referrer_id == col(Member.id),
            referred.c.status != CANCELLED,
            referred.c.joined_at < self.day_after,
        )
        return query.correlate(Member).scalar_subquery()

    def last_seen(self) -> ColumnElement[Any]:
        """The last purchase up to `as_of` (not refunded), else the day of joining."""
        last = (
            select(func.max(col(Purchase.at)))
            .where(
                col(Purchase.member_id) == col(Member.id),
                col(Purchase.refunded_at).is_(None),
                col(Purchase.at) < self.day_after,
            )
            .correlate(Member)
            .scalar_subquery()
        )
        return func.coalesce(last, col(Member.joined_at))

    # -- "at least N" conditions for the fields measured in years or days -------------------
    def age_at_least(self, years: int) -> Clause:
        return col(Member.birthday) <= _years_back(self.as_of, years)

    def days_at_least(self, moment: SQLColumnExpression[Any]) -> Callable[[int], Clause]:
        """`as_of - day(moment) >= N` is `moment < midnight of as_of - N + 1 days`."""
        return lambda days: moment < _midnight(_add_days(self.as_of, 1 - days))


_THRESHOLDS: dict[str, Callable[[_Compiler], Callable[[int], Clause]]] = {
    "age": lambda c: c.age_at_least,
    "joined_days": lambda c: c.days_at_least(col(Member.joined_at)),
    "inactive_days": lambda c: c.days_at_least(c.last_seen()),
}
_GUARDS: dict[str, Clause] = {"age": col(Member.birthday).is_not(None)}


def _ints(node: Compare) -> list[int]:
    return [int(v.value) for v in node.values]


def _by_threshold(at_least: Callable[[int], Clause], node: Compare, guard: Clause | None) -> Clause:
    """A whole-number field known only through `field >= N` conditions."""

    def equal(n: int) -> Clause:
        return and_(at_least(n), not_(at_least(n + 1)))

    first = _ints(node)[0]
    build: dict[str, Callable[[], Clause]] = {
        ">=": lambda: at_least(first),
        ">": lambda: at_least(first + 1),
        "<": lambda: not_(at_least(first)),
        "<=": lambda: not_(at_least(first + 1)),
        "=": lambda: equal(first),
        "!=": lambda: not_(equal(first)),
        "in": lambda: or_(*(equal(n) for n in _ints(node))),
        "not in": lambda: not_(or_(*(equal(n) for n in _ints(node)))),
    }
    clause = build[node.op]()
    return clause if guard is None else and_(guard, clause)


def _ordered(expr: SQLColumnExpression[Any], node: Compare) -> Clause:
    values: Sequence[Any] = [v.value for v in node.values]
    if node.op == "in":
        return expr.in_(values)
    if node.op == "not in":
        return expr.not_in(values)
    return _ORDER[node.op](expr, values[0])  # type: ignore[no-any-return]


def _month(node: Compare) -> Clause:
    birthday = col(Member.birthday)
    return and_(birthday.is_not(None), _ordered(extract("month", birthday), node))


def _text(column: SQLColumnExpression[Any], node: Compare) -> Clause:
    """`=`/`in` on a text column; an empty value ('') stands for "not recorded"."""
    given = [str(v.value) for v in node.values]
    named = [v for v in given if v]
    parts: list[Clause] = []
    if named:
        parts.append(and_(column.is_not(None), column.in_(named)))
    if len(named) < len(given):
        parts.append(column.is_(None))
    matched = or_(*parts) if parts else false()
    return not_(matched) if node.op in _NEGATIVE else matched


def _tag(node: Compare) -> Clause:
    """`tag = vip`: has the tag; `tag in (a, b)`: has any of them; `!=`/`not in`: has none."""
    tags = [str(v.value) for v in node.values]
    has = exists(
        select(col(MemberTag.member_id)).where(
            col(MemberTag.member_id) == col(Member.id), col(MemberTag.tag).in_(tags)
        )
    ).correlate(Member)
    return not_(has) if node.op in _NEGATIVE else has


# -- calendar arithmetic, clamped to the dates Python and the databases can hold --------------
def months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier, or the month's last day (29 Feb -> 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _years_back(day: dt.date, years: int) -> dt.date:
    return months_back(day, years * 12)


def _far(past: bool) -> dt.date:
    return dt.date.min if past else dt.date.max


def _add_days(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return _far(days < 0)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def to_clause(node: Node, *, session: Session, as_of: dt.date) -> Clause:
    """The condition `node` puts on a `Member` row, with derived fields measured at `as_of`."""
    return _Compiler(session, as_of).node(node)
