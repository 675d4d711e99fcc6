"""Earning rules, refunds, and the bulk path the spreadsheet importer calls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlmodel import Session

from memberctl.db.session import transaction
from memberctl.domain import purchases
from memberctl.models import ImportRun, PointsEntry, Purchase
from tests import ledgers
from tests.factories import enroll, member_in, move_tier

DT = dt.datetime


@pytest.mark.parametrize(
    ("amount", "per_unit", "mult", "bonus", "expected"),
    [
        ("19.99", "1", "1.20", "1", 23),
        ("0.29", "1", "1", "1", 0),
        ("29.00", "0.01", "1", "1", 0),
        ("100.00", "0.01", "1", "1", 1),
        ("0.99", "1", "1", "2", 1),
        ("128.50", "1", "1.50", "2", 385),
        ("33.33", "3", "1", "1", 99),
    ],
)
def test_points_for_is_exact_and_rounds_down(amount, per_unit, mult, bonus, expected):
    d = Decimal
    assert purchases.points_for(d(amount), d(per_unit), d(mult), d(bonus)) == expected


@pytest.mark.parametrize(
    ("at", "earned"),
    [
        (DT(2026, 10, 31, 23, 59, 59), 100),
        (DT(2026, 11, 1, 0, 0, 0), 200),
        (DT(2026, 11, 30, 23, 59, 59), 200),
        (DT(2026, 12, 1, 0, 0, 0), 100),
    ],
)
def test_birthday_month_doubles_at_its_boundaries(engine, at, earned):
    m = enroll(engine, birthday="1990-11-15").member_no
    assert ledgers.buy(engine, m, "100.00", at=at).points_earned == earned


def test_tier_multiplier_and_per_unit_rule(engine):
    m = enroll(engine).member_no
    move_tier(engine, m, "up", to="gold")  # 1.50
    assert ledgers.buy(engine, m, "99.99").points_earned == 149


def test_refund_after_partial_redemption_reverses_only_what_is_left(engine):
    m = enroll(engine).member_no
    ledgers.add(engine, m, 50, expires_on=None)
    sale = ledgers.buy(engine, m, "100.00", order_no="R1")
    ledgers.deduct(engine, m, 130)  # the purchase lot expires first: 100 from it, 30 from the gift

    result = ledgers.refund(engine, "R1")

    assert (result.points_reversed, result.points_not_reversed, result.points) == (0, 100, 20)
    assert sale.points_earned == 100
    again = ledgers.refund(engine, "R1")
    assert again.duplicate is True and again.points == 20
    assert ledgers.problems(engine) == []


def test_refund_reverses_the_remainder_of_a_partly_spent_lot(engine):
    m = enroll(engine).member_no
    ledgers.buy(engine, m, "80.00", order_no="R2")
    ledgers.deduct(engine, m, 30)
    result = ledgers.refund(engine, "R2")
    assert (result.points_reversed, result.points_not_reversed, result.points) == (50, 30, 0)
    assert ledgers.kinds(engine, m) == [("earn", 80), ("redeem", -30), ("refund", -50)]


def _import_run(engine, rows):
    with transaction(engine) as session:
        run = ImportRun(
            kind="purchases",
            file_name="p.csv",
            file_sha256="0" * 64,
            operator="t",
            started_at=ledgers.NOW,
        )
        session.add(run)
        session.flush()
        values = [
            {
                "member_id": member_id,
                "order_no": f"I{run.id}-{i}",
                "store": "",
                "amount": amount,
                "at": at,
                "points_earned": 0,
                "import_run_id": run.id,
                "operator": "t",
                "created_at": ledgers.NOW,
            }
            for i, (member_id, amount, at) in enumerate(rows)
        ]
        session.execute(insert(Purchase), values)
        return run.id


def _member_id(engine, member_no):
    with Session(engine) as session:
        from memberctl.domain import refs

        return refs.resolve(session, member_no).id


def test_earn_for_import_run_matches_record_and_runs_once(engine):
    plain = enroll(engine).member_no
    bday = enroll(engine, birthday="1988-03-09").member_no
    silver = enroll(engine).member_no
    move_tier(engine, silver, "up", to="silver")
    frozen = member_in(engine, "frozen").member_no
    rows = [
        (_member_id(engine, plain), Decimal("19.99"), DT(2026, 3, 5)),
        (_member_id(engine, bday), Decimal("19.99"), DT(2026, 3, 5)),
        (_member_id(engine, bday), Decimal("10.00"), DT(2026, 4, 1)),
        (_member_id(engine, silver), Decimal("19.99"), DT(2025, 12, 31, 23, 59)),
        (_member_id(engine, silver), Decimal("0.50"), DT(2026, 1, 1)),
        (_member_id(engine, frozen), Decimal("50.00"), DT(2026, 3, 5)),
    ]
    run_id = _import_run(engine, rows)

    with transaction(engine) as session:
        total = purchases.earn_for_import_run(
            session=session, import_run_id=run_id, operator="importer", at=ledgers.NOW
        )
    with transaction(engine) as session:
        again = purchases.earn_for_import_run(
            session=session, import_run_id=run_id, operator="importer", at=ledgers.NOW
        )

    assert (total, again) == (19 + 39 + 10 + 23 + 0, 0)
    assert ledgers.cached_and_summed(engine, plain) == (19, 19)
    assert ledgers.cached_and_summed(engine, bday) == (49, 49)
    assert ledgers.cached_and_summed(engine, silver) == (23, 23)
    assert ledgers.cached_and_summed(engine, frozen) == (0, 0)
    with Session(engine) as session:
        expiry = dict(
            session.execute(
                select(PointsEntry.points, PointsEntry.expires_on).where(PointsEntry.kind == "earn")
            ).all()
        )
        assert expiry[23] == dt.date(2027, 12, 31) and expiry[10] == dt.date(2028, 4, 30)
        earned = sorted(session.execute(select(Purchase.points_earned)).scalars())
        assert earned == [0, 0, 10, 19, 23, 39]
    assert ledgers.problems(engine) == []
