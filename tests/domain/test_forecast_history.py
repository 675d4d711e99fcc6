"""What `report forecast` feeds its models, summarised in SQL, checked by hand on the small shop of
tests/reportdata.py (SQLite or PostgreSQL alike); the day of a timestamp; the risk rule at its
edges; value at risk from the model's figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import literal, select

from memberctl.db.calendar import day_number, day_number_of
from memberctl.db.session import transaction
from memberctl.domain import reports
from memberctl.domain.reports import forecast
from memberctl.models import Member
from tests.reportdata import AS_OF, add_purchases, seed


def summary(session, as_of=AS_OF) -> dict[str, tuple]:
    """member_no -> (listed, purchase days, x, t_x * 7, T * 7, m, day spend)."""
    seen = forecast.history(session, reports.scope(session, as_of=as_of))
    return {
        row[0]: (
            bool(row[5]), row[7], seen.x[i], round(seen.t_x[i] * 7, 9), round(seen.T[i] * 7, 9),
            round(seen.m[i], 6), round(seen.day_spend[i], 6),
        )
        for i, row in enumerate(seen.rows)
    }  # fmt: skip


def test_each_members_history_by_hand(engine, session):
    numbers = seed(engine)
    with transaction(engine) as s:
        ids = {
            i: s.exec(select(Member.id).where(Member.member_no == no)).one()[0]
            for i, no in numbers.items()
        }
        # M1 again on 2026-11-24 (a second purchase that day: one visit of 1000 + 20)
        add_purchases(s, ids, [(1, "2026-11-24 09:00", "20.00", False)])
    assert summary(session) == {
        # M1: days 11-01 (300), 11-20 (500), 11-24 (1000 + 20); 10-15 refunded
        "M000001": (True, 3, 2, 23, 24, 760, 606.666667),
        # M2: 11-10 (850); 11-12 refunded
        "M000002": (True, 1, 0, 0, 15, 0, 850),
        # M3: 10-26 (790); 11-26 is after AS_OF
        "M000003": (True, 1, 0, 0, 30, 0, 790),
        # M4: 2025-11-25 (1000), 2025-12-01 (4500)
        "M000004": (True, 2, 1, 6, 365, 4500, 2750),
        "M000005": (True, 1, 0, 0, 85, 0, 900),  # frozen: listed
        "M000006": (False, 1, 0, 0, 481, 0, 50),  # cancelled: fitted on, not listed
    }  # M7 never bought


def test_an_earlier_as_of_sees_less(engine, session):
    seed(engine)
    seen = summary(session, dt.date(2026, 11, 20))
    assert seen["M000001"] == (True, 2, 1, 19, 19, 500, 400)  # 11-24 not yet
    seen = summary(session, dt.date(2026, 11, 5))
    assert seen["M000001"] == (True, 1, 0, 0, 4, 0, 300)
    assert "M000002" not in seen  # first bought on 11-10


@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-25 00:00:00",
        "2026-11-25 23:59:59.999999",
        "1970-01-01 00:00:00",
        "2000-02-29 12:00",
    ],
)
def test_day_number_is_the_same_in_the_database_as_in_python(session, moment):
    at = dt.datetime.fromisoformat(moment)
    from sqlalchemy import DateTime

    got = session.connection().execute(select(day_number(literal(at, DateTime)))).scalar_one()
    assert got == day_number_of(at.date())


@pytest.mark.parametrize(
    ("first_days_ago", "days", "p_alive", "risk"),
    [
        (0, 1, 1.0, "new"),
        (89, 5, 0.1, "new"),  # the 90th day of the window: still new
        (90, 1, 1.0, "one_off"),
        (90, 2, 0.4999, "likely_gone"),
        (90, 2, 0.5, "slipping"),
        (400, 9, 0.7999, "slipping"),
        (400, 9, 0.8, "steady"),
        (400, 9, 1.0, "steady"),
    ],
)
def test_risk_rule_at_its_edges(first_days_ago, days, p_alive, risk):
    label = forecast.risk_labels(np.array([first_days_ago]), np.array([days]), np.array([p_alive]))
    assert forecast.RISKS[int(label[0])] == risk


def test_too_few_repeat_buyers_is_refused(engine, session):
    seed(engine)
    from memberctl.errors import RuleViolation

    with pytest.raises(RuleViolation) as refused:
        forecast.build(session=session, scope=reports.scope(session, as_of=AS_OF))
    assert refused.value.exit_code == 4
    assert "2 members bought on two days or more" in str(refused.value)


def test_money_is_cents():
    import numpy as np

    assert forecast._cents(np.array([12.3456, -1e-12, 0.004])) == [
        Decimal("12.35"), Decimal("0.00"), Decimal("0.00")
    ]  # fmt: skip
