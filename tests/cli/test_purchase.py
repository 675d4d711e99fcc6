"""`purchase record | refund` through the real CLI."""

from __future__ import annotations

import pytest
from sqlmodel import select

from memberctl.models import PointsEntry, Purchase
from tests import ledgers
from tests.conftest import failure
from tests.factories import add_store, enroll, member_in, member_row, move_tier, snapshot

KEYS = {"member_no", "order_no", "store", "amount", "at", "points_earned", "points", "duplicate"}


def test_record_earns_points_by_the_tier_rule(run, engine, session):
    m = enroll(engine).member_no
    move_tier(engine, m, "up", to="silver")  # x1.20
    data = run.json(
        "purchase", "record", m, "19.99", "--order-no", "A-1", "--at", "2026-11-02T15:30"
    )
    assert KEYS <= set(data)
    assert data | {"at": None} == {
        "member_no": m,
        "order_no": "A-1",
        "store": None,
        "amount": "19.99",
        "at": None,
        "points_earned": 23,
        "points": 23,
        "duplicate": False,
    }
    assert data["at"] == "2026-11-02T15:30:00"
    sale = session.exec(select(Purchase)).one()
    assert (sale.store, sale.points_earned) == ("", 23)
    lot = session.exec(select(PointsEntry)).one()
    assert (lot.kind, lot.points, lot.purchase_id, str(lot.expires_on)) == (
        "earn",
        23,
        sale.id,
        "2028-11-30",
    )


@pytest.mark.parametrize(
    ("at", "earned"),
    [
        ("2026-04-30T23:59:59", 50),
        ("2026-05-01T00:00:00", 100),
        ("2026-05-31T23:59:59", 100),
        ("2026-06-01", 50),
    ],
)
def test_birthday_month_doubles(run, engine, at, earned):
    m = enroll(engine, birthday="1990-05-06").member_no
    assert run.json("purchase", "record", m, "50", "--at", at)["points_earned"] == earned


def test_a_repeated_order_number_changes_nothing_and_says_so(run, engine):
    m = enroll(engine).member_no
    run.json("purchase", "record", m, "100", "--order-no", "X9")
    before = snapshot(engine)
    result = run("purchase", "record", m, "100", "--order-no", "X9", "-f", "json")
    assert result.exit_code == 0
    assert "already recorded" in result.stderr and "nothing changed" in result.stderr
    assert '"duplicate": true' in result.stdout
    assert snapshot(engine) == before
    add_store(engine, "north")
    other_store = run.json("purchase", "record", m, "100", "--order-no", "X9", "--store", "north")
    assert (other_store["duplicate"], other_store["store"], other_store["points"]) == (
        False,
        "north",
        200,
    )


def test_orders_without_a_number_get_one(run, engine):
    m = enroll(engine).member_no
    a = run.json("purchase", "record", m, "10")["order_no"]
    b = run.json("purchase", "record", m, "10")["order_no"]
    assert a and b and a != b


@pytest.mark.parametrize("status", ["frozen", "cancelled"])
def test_purchases_of_frozen_or_cancelled_members_are_refused(run, engine, status):
    m = member_in(engine, status).member_no
    before = snapshot(engine)
    failure(run("purchase", "record", m, "10"), 4, f"the member is {status}")
    assert snapshot(engine) == before


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1e3"])
def test_bad_amounts_are_invalid_input(run, engine, amount):
    m = enroll(engine).member_no
    assert run("purchase", "record", m, "--", amount).exit_code == 5


def test_refund_reverses_the_points_of_the_order(run, engine, session):
    m = enroll(engine).member_no
    run.json("purchase", "record", m, "88.80", "--order-no", "R-1")
    data = run.json("purchase", "refund", "R-1")
    assert {
        k: data[k]
        for k in (
            "member_no",
            "points_earned",
            "points_reversed",
            "points_not_reversed",
            "points",
            "duplicate",
        )
    } == {
        "member_no": m,
        "points_earned": 88,
        "points_reversed": 88,
        "points_not_reversed": 0,
        "points": 0,
        "duplicate": False,
    }
    assert session.exec(select(Purchase.refunded_at)).one() is not None


def test_refund_after_partial_redemption_keeps_what_was_spent(run, engine, session):
    m = enroll(engine).member_no
    ledgers.buy(engine, m, "100.00", order_no="R-2")
    ledgers.deduct(engine, m, 70)
    data = run.json("purchase", "refund", "R-2")
    assert (data["points_reversed"], data["points_not_reversed"], data["points"]) == (30, 70, 0)
    assert member_row(session, m).points == 0
    again = run("purchase", "refund", "R-2")
    assert again.exit_code == 0 and "already refunded" in again.stderr
    assert ledgers.problems(engine) == []


def test_refund_of_an_unknown_order_is_not_found(run, engine):
    enroll(engine)
    failure(run("purchase", "refund", "NOPE"), 3, "no order 'NOPE'")
    failure(run("purchase", "refund", "NOPE", "--store", "s1"), 3, "store 's1'")
