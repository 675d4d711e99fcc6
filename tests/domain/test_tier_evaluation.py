"""evaluation.evaluate directly: which tier a 12-month spend reaches (default tiers: basic 0,
silver 1000, gold 5000, platinum 20000), and which days are "the last 12 months". The CLI
(tests/cli/test_tier_evaluate.py) checks --apply, the grace period and the records written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from memberctl.db.session import transaction
from memberctl.domain import evaluation
from tests import ledgers
from tests.factories import NOW, enroll

AS_OF = dt.date(2026, 11, 25)
DT = dt.datetime


def evaluate(engine) -> evaluation.Evaluation:
    with transaction(engine) as session:
        return evaluation.evaluate(session=session, as_of=AS_OF, apply=False, operator="t", at=NOW)


@pytest.mark.parametrize(
    ("tier", "spend", "change"),
    [
        ("basic", "999.99", None),
        ("basic", "1000.00", ("upgrade", "silver")),
        ("basic", "4999.99", ("upgrade", "silver")),
        ("basic", "5000.00", ("upgrade", "gold")),
        ("silver", "20000.00", ("upgrade", "platinum")),
        ("gold", "5000.00", None),
        ("platinum", "30000.00", None),
    ],
)
def test_the_tier_a_spend_reaches(engine, tier, spend, change):
    member_no = enroll(engine, tier=tier).member_no
    ledgers.buy(engine, member_no, spend, at=DT(2026, 6, 1))
    result = evaluate(engine)
    assert result.evaluated == 1
    assert [(c.action, c.to_tier) for c in result.changes] == ([change] if change else [])
    if change:
        assert (result.changes[0].from_tier, result.changes[0].spend_12m) == (tier, Decimal(spend))


def test_a_spend_below_the_tier_starts_the_grace_period_instead_of_a_downgrade(engine):
    ledgers.set_policy(engine, "tier.kept_months", "0")
    member_no = enroll(engine, tier="gold").member_no
    ledgers.buy(engine, member_no, "1500.00", at=DT(2026, 6, 1))
    result = evaluate(engine)
    assert result.changes == []
    [grace] = result.in_grace
    assert (grace.tier, grace.qualifies_for, grace.below_since) == ("gold", "silver", AS_OF)


@pytest.mark.parametrize(
    ("at", "counted"),
    [
        (DT(2025, 11, 25, 23, 59), False),
        (DT(2025, 11, 26, 0, 0), True),
        (DT(2026, 11, 25, 23, 59), True),
    ],
)
def test_the_window_is_the_twelve_months_ending_with_the_day(engine, at, counted):
    member_no = enroll(engine).member_no
    ledgers.buy(engine, member_no, "1000.00", at=at)
    assert len(evaluate(engine).changes) == int(counted)


@pytest.mark.parametrize(
    ("as_of", "start", "end"),
    [
        (dt.date(2026, 11, 25), DT(2025, 11, 26), DT(2026, 11, 26)),
        (dt.date(2028, 2, 29), DT(2027, 3, 1), DT(2028, 3, 1)),
        (dt.date(2026, 12, 31), DT(2026, 1, 1), DT(2027, 1, 1)),
    ],
)
def test_window_bounds(as_of, start, end):
    assert evaluation.window(as_of) == (start, end)
