"""`report forecast`: who is still a customer, what each member will buy in the next `days` days,
and what the shop stands to lose from the ones slipping away.

The history: each member's purchases (not refunded) up to the end of `as_of`, counted by DAY
(two purchases on one day are one visit, their amounts added), summed in the database: purchase
days, first and last purchase day, the spend of the first day and of all days. In weeks (days /
7): frequency x = purchase days - 1 (repeat days), recency t_x = last - first day, age T =
`as_of` - first day; spend m = the average of the repeat days' totals.

The models (memberctl/domain/forecast/) are fitted on the WHOLE shop's history: every member who
bought up to `as_of`, whatever their status (cancelled members too: their history is part of the
shop's), store or `--where`; the report then lists the members in scope, cancelled ones left out
(they left by choice). BG/NBD gives p_alive and expected_purchases (purchase days in the next
`days` days); the Gamma-Gamma model a member's expected spend per purchase day.

- Too little history: fewer than `MIN_REPEAT_BUYERS` members who bought on two days or more, or
  a BG/NBD fit that does not converge, is refused (exit 4), never shown as numbers.
- `spend_model` is null when the Gamma-Gamma fit is not possible (fewer than
  `MIN_REPEAT_BUYERS` repeat buyers with a spend, no convergence, or q <= 1); a member's spend
  per purchase day is then their own average day total (all their days).
- expected_value = expected_purchases * spend per purchase day.
- value_at_risk = what the member would bring in the next `days` days if still a customer
  (expected_purchases / p_alive * spend per day) times the chance they are gone (1 - p_alive).
  Members are listed by it, highest first (then by member number).
- risk (the rule, first match): `new` when the first purchase was within the last `NEW_DAYS`
  days (as_of and the 89 days before: too little to judge); `one_off` when they bought on one day
  only (the model cannot tell: its p_alive is 1); `likely_gone` when p_alive < `GONE_BELOW`;
  `slipping` when p_alive < `STEADY_FROM`; else `steady`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import Float, String, and_, case, cast, distinct, func, type_coerce
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from memberctl.db.calendar import day_number, day_number_of, day_of, next_midnight
from memberctl.domain import lifecycle
from memberctl.domain.forecast import FitError, bgnbd, gammagamma
from memberctl.domain.reports import Scope, counted, fetch
from memberctl.errors import RuleViolation
from memberctl.i18n import _
from memberctl.models import Member, Purchase

DEFAULT_DAYS = 90
MIN_REPEAT_BUYERS = 30
NEW_DAYS = 90
GONE_BELOW = 0.5
STEADY_FROM = 0.8
WEEK = 7.0
RISKS = ("likely_gone", "slipping", "steady", "new", "one_off")


@dataclass(slots=True)  # not frozen: a report may hold 100,000s of them
class ForecastRow:
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    status: str
    purchase_days: int
    last_purchase_at: dt.datetime
    p_alive: float
    expected_purchases: float
    expected_value: Decimal
    value_at_risk: Decimal
    risk: str


@dataclass(frozen=True)
class Model:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    time_unit: str = "week"


@dataclass(frozen=True)
class SpendModel:
    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class Forecast:
    as_of: dt.date
    days: int
    model: Model
    spend_model: SpendModel | None
    members: list[ForecastRow]
    buyers: int  # the members the models were fitted on (not in the JSON)
    repeat_buyers: int
    # per risk label: the members in scope and their value at risk, before --limit (the table's
    # and the workbook's summary; not in the JSON)
    by_risk: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class History:
    """The whole shop's summarised purchases, one entry per member who bought (numpy arrays)."""

    rows: list[Any]  # member_no, name, phone, tier, status, in scope, last purchase
    x: np.ndarray[Any, np.dtype[np.float64]]
    t_x: np.ndarray[Any, np.dtype[np.float64]]
    T: np.ndarray[Any, np.dtype[np.float64]]  # the paper's name
    m: np.ndarray[Any, np.dtype[np.float64]]  # average repeat-day spend (0 where x = 0)
    day_spend: np.ndarray[Any, np.dtype[np.float64]]  # average spend of all purchase days


def history(session: Session, scope: Scope) -> History:
    """Per member who bought up to `as_of`: purchase days, first and last day, spend (see the
    module docstring), and whether the member is one the report lists. One pass over the
    purchases in (member, time) order, grouped by member (SQLite streams it from the covering
    index, no sort), and the first day's spend looked up per member (an index range)."""
    at = col(Purchase.at)
    per = (
        core_select(
            col(Purchase.member_id).label("member_id"),
            func.count(distinct(day_of(at))).label("days"),  # one visit a day
            func.min(at).label("first_at"),
            func.max(at).label("last_at"),
            cast(func.sum(col(Purchase.amount)), Float).label("spend"),
        )
        .where(counted(), at < scope.day_after)
        .group_by(col(Purchase.member_id))
        .subquery("per_member")
    )
    again = aliased(Purchase, name="first_day")
    first_spend = (
        core_select(cast(func.sum(col(again.amount)), Float))
        .where(
            col(again.member_id) == per.c.member_id,
            col(again.refunded_at).is_(None),
            col(again.at) < next_midnight(per.c.first_at),
        )
        .scalar_subquery()
    )
    listed = and_(scope.members, col(Member.status) != lifecycle.CANCELLED)
    query = core_select(
        col(Member.member_no),
        col(Member.name),
        col(Member.phone),
        col(Member.tier_code),
        col(Member.status),
        case((listed, 1), else_=0),
        type_coerce(per.c.last_at, String),  # SQLite: the stored text, parsed in _rows (faster)
        per.c.days,
        day_number(per.c.first_at),
        day_number(per.c.last_at),
        per.c.spend,
        first_spend,
    ).join(per, per.c.member_id == col(Member.id))
    rows = fetch(session, query).all()
    numbers = np.array([row[7:] for row in rows], dtype=np.float64).reshape(-1, 5)
    days, first_day, last_day, total, first_total = numbers.T
    x = days - 1
    repeat = x > 0
    return History(
        rows=rows,
        x=x,
        t_x=(last_day - first_day) / WEEK,
        T=(day_number_of(scope.as_of) - first_day) / WEEK,
        m=np.where(repeat, (total - first_total) / np.where(repeat, x, 1.0), 0.0),
        day_spend=total / np.maximum(days, 1.0),
    )


def build(
    *, session: Session, scope: Scope, days: int = DEFAULT_DAYS, limit: int | None = None
) -> Forecast:
    """Fit the models on the whole shop, score the members in scope, highest value at risk first
    (at most `limit` of them)."""
    seen = history(session, scope)
    repeat_buyers = int((seen.x > 0).sum())
    model = _fit(seen, repeat_buyers, scope.as_of)
    spend_model = _fit_spend(seen)
    listed = np.flatnonzero(np.array([row[5] for row in seen.rows], dtype=bool))
    x, t_x, T = seen.x[listed], seen.t_x[listed], seen.T[listed]
    alive = bgnbd.p_alive(model, x, t_x, T)
    if_alive = bgnbd.expected_if_alive(model, days / WEEK, x, T)
    if spend_model is None:
        per_day = seen.day_spend[listed]
    else:
        per_day = gammagamma.expected_spend(spend_model, x, seen.m[listed])
    figures = np.stack([alive, if_alive * alive, if_alive * alive * per_day])
    at_risk = if_alive * per_day * (1.0 - alive)
    _check_finite(np.vstack([figures, at_risk]))
    rows, by_risk = _rows(seen, listed, figures, at_risk, scope)
    return Forecast(
        as_of=scope.as_of,
        days=days,
        model=Model(
            round(model.r, 6),
            round(model.alpha, 6),
            round(model.a, 6),
            round(model.b, 6),
            round(model.log_likelihood, 4),
        ),  # fmt: skip
        spend_model=None if spend_model is None else _spend(spend_model),
        members=rows[:limit],
        buyers=len(seen.rows),
        repeat_buyers=repeat_buyers,
        by_risk=by_risk,
    )


def _fit(seen: History, repeat_buyers: int, as_of: dt.date) -> bgnbd.BgNbd:
    hint = _(
        "the model learns from members who come back; until then use "
        "'memberctl report churn --days 60'"
    )
    if repeat_buyers < MIN_REPEAT_BUYERS:
        raise RuleViolation(
            _(
                "too little purchase history to forecast: {count} members bought on two days "
                "or more up to {as_of}, {needed} are needed"
            ).format(count=repeat_buyers, as_of=as_of.isoformat(), needed=MIN_REPEAT_BUYERS),
            hint,
        )
    try:
        return bgnbd.fit(seen.x, seen.t_x, seen.T)
    except FitError:
        raise RuleViolation(
            _(
                "the forecast model found no stable fit for the purchase history up to {as_of}"
            ).format(as_of=as_of.isoformat()),
            hint,
        ) from None


def _spend(fitted: gammagamma.GammaGamma) -> SpendModel:
    return SpendModel(round(fitted.p, 6), round(fitted.q, 6), round(fitted.gamma, 6))


def _fit_spend(seen: History) -> gammagamma.GammaGamma | None:
    if int(((seen.x > 0) & (seen.m > 0)).sum()) < MIN_REPEAT_BUYERS:
        return None
    try:
        return gammagamma.fit(seen.x, seen.m)
    except FitError:
        return None


def _check_finite(figures: np.ndarray[Any, np.dtype[np.float64]]) -> None:
    """Never a wrong number: a member's figures that the special functions could not compute
    (an extreme history) refuse the report rather than show nonsense."""
    if not np.all(np.isfinite(figures)) or np.any(figures < -1e-9):
        raise RuleViolation(
            _("the forecast could not be computed for every member"),
            _("report it with the output of 'memberctl db info'"),
        )


def risk_labels(
    first_days_ago: np.ndarray[Any, np.dtype[np.int64]],
    purchase_days: np.ndarray[Any, np.dtype[np.int64]],
    p_alive: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Each member's risk label as its place in `RISKS` (the rule in the module docstring,
    first match)."""
    rule = [
        first_days_ago < NEW_DAYS,
        purchase_days == 1,
        p_alive < GONE_BELOW,
        p_alive < STEADY_FROM,
    ]
    matched = [RISKS.index(risk) for risk in ("new", "one_off", "likely_gone", "slipping")]
    return np.asarray(np.select(rule, matched, RISKS.index("steady")), dtype=np.int64)


def _rows(
    seen: History,
    listed: np.ndarray[Any, np.dtype[np.intp]],
    figures: np.ndarray[Any, np.dtype[np.float64]],
    at_risk: np.ndarray[Any, np.dtype[np.float64]],
    scope: Scope,
) -> tuple[list[ForecastRow], dict[str, tuple[int, Decimal]]]:
    """The members' rows, highest value at risk (in cents, as shown) first, then by member
    number, and per risk label the members and their value at risk. The order is worked out
    with numpy, each column put in it, and the rows made from the columns."""
    texts = _cent_texts(at_risk)
    in_cents = np.array([int(t.replace(".", "")) for t in texts], dtype=np.int64)
    candidates = list(map(seen.rows.__getitem__, listed.tolist()))
    order = np.lexsort((np.array(list(map(itemgetter(0), candidates))), -in_cents))
    places = order.tolist()
    members = list(map(candidates.__getitem__, places))
    no, name, phone, tier, status, _listed, last_at, days = (
        list(map(itemgetter(i), members)) for i in range(8)
    )
    if last_at and last_at[0].__class__ is str:  # SQLite: the stored text
        last_at = list(map(dt.datetime.fromisoformat, last_at))
    alive = np.round(figures[0][order], 4)
    ages = np.rint(seen.T[listed][order] * WEEK).astype(np.int64)
    labels = risk_labels(ages, np.array(days, dtype=np.int64), alive)
    rows = list(
        map(
            ForecastRow, no, name, scope.phone_column(phone), tier, status, days, last_at,
            alive.tolist(), np.round(figures[1][order], 3).tolist(), _cents(figures[2][order]),
            list(map(Decimal, map(texts.__getitem__, places))),
            list(map(RISKS.__getitem__, labels.tolist())),
        )
    )  # fmt: skip
    return rows, _by_risk(labels, in_cents[order])


def _by_risk(
    labels: np.ndarray[Any, np.dtype[np.int64]], cents: np.ndarray[Any, np.dtype[np.int64]]
) -> dict[str, tuple[int, Decimal]]:
    """Per risk label: how many members, and their value at risk (summed in whole cents)."""
    counts = np.bincount(labels, minlength=len(RISKS)).tolist()
    sums = np.bincount(labels, weights=cents, minlength=len(RISKS)).tolist()  # exact < 2**53
    return {risk: (counts[i], Decimal(int(sums[i])).scaleb(-2)) for i, risk in enumerate(RISKS)}


def _cent_texts(values: np.ndarray[Any, np.dtype[np.float64]]) -> list[str]:
    """Amounts the models worked out (floats, never below 0) to the cent, as text."""
    return [f"{v:.2f}" for v in np.maximum(values, 0.0).tolist()]


def _cents(values: np.ndarray[Any, np.dtype[np.float64]]) -> list[Decimal]:
    """Amounts the models worked out as money, to the cent."""
    return list(map(Decimal, _cent_texts(values)))
