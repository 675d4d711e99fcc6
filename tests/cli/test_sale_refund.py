"""`memberctl sale refund ORDER`: the whole sale reversed exactly, once; `purchase refund` and
`sale refund` each refuse the other's orders."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import col, select

from memberctl.models import AuditEntry, PointsEntry
from tests import ledgers
from tests.cli.test_sale import AT, code_of, customer, example, issue, sale
from tests.conftest import failure
from tests.factories import snapshot


def refund(run, order: str, *extra: str):
    return run("sale", "refund", order, *extra, "-f", "json")


def test_the_worked_example_refunded_twice(run, engine, session, tmp_path):
    m = customer(engine, points=1000, wallet="100")
    issue(run, tmp_path)
    code = code_of(session, m)
    assert example(run, m, code).exit_code == 0
    result = refund(run, "T-1", "--at", "2026-11-27T12:00")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # 205.00 back by WeChat, 50.00 back to stored value, 1,000 points returned, the 382 earned
    # reversed (none spent since), the coupon (valid to 2026-12-24) returned.
    assert data == {
        "member_no": m, "order_no": "T-1", "store": None, "refunded_at": "2026-11-27T12:00:00",
        "tendered_back": "205.00", "pay_method": "wechat", "wallet_back": "50.00",
        "points_returned": 1000, "points_earned": 382, "points_reversed": 382,
        "points_not_reversed": 0, "coupon": code, "coupon_returned": True, "points": 1000,
        "balance": "100.00", "duplicate": False,
    }  # fmt: skip
    assert result.stderr == (
        f"{m}: order T-1 refunded, 205.00 back, 50.00 to stored value, 1000 points returned, "
        "382 points reversed\n"
    )
    session.rollback()  # a fresh read after the refund
    history = run.json("points", "history", m)
    assert [(e["kind"], e["points"]) for e in history] == [
        ("adjust", 1000),
        ("redeem", -1000),
        ("earn", 382),
        ("return", 1000),
        ("refund", -382),
    ]
    assert history[3]["expires_on"] == history[0]["expires_on"] == "2028-11-30"
    returned = session.exec(select(PointsEntry).where(PointsEntry.kind == "return")).one()
    redeem = session.exec(select(PointsEntry).where(PointsEntry.kind == "redeem")).one()
    assert (returned.reverses_id, returned.purchase_id) == (redeem.id, redeem.purchase_id)
    wallet = run.json("wallet", "history", m)
    assert [(e["kind"], e["amount"]) for e in wallet][-1] == ("refund", "50.00")
    coupon = run.json("coupon", "list", m, "--as-of", "2026-11-27")[0]
    assert (coupon["status"], coupon["redeemed_order"]) == ("unused", None)
    assert run.json("db", "check") == {"ok": True, "problems": []}
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "sale.refund")).one()
    before = snapshot(engine)

    again = refund(run, "T-1")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout) == data | {"duplicate": True}
    assert again.stderr == "order T-1 was already refunded; nothing changed\n"
    assert snapshot(engine) == before
    # the coupon can pay for another sale now
    assert (
        sale(run, m, "--amount", "300", "--coupon", code, "--pay", "cash", "--at", AT).exit_code
        == 0
    )


def test_a_coupon_expired_by_the_refund_day_stays_used(run, engine, session, tmp_path):
    m = customer(engine, points=1000, wallet="100")
    issue(run, tmp_path, days=2)  # valid 2026-11-25 .. 2026-11-26
    code = code_of(session, m)
    assert example(run, m, code).exit_code == 0
    data = json.loads(refund(run, "T-1", "--at", "2026-11-27T09:00").stdout)
    assert (data["coupon"], data["coupon_returned"]) == (code, False)
    coupon = run.json("coupon", "list", m, "--as-of", "2026-11-27")[0]
    assert (coupon["status"], coupon["redeemed_order"]) == ("used", "T-1")
    assert json.loads(refund(run, "T-1").stdout)["coupon_returned"] is False


def test_returned_points_keep_their_lots_expiry_and_lapse(run, engine, session):
    m = customer(engine, tier="basic")
    ledgers.add(engine, m, 300, expires_on=dt.date(2026, 12, 31))
    ledgers.add(engine, m, 500, expires_on=None)
    sold = sale(run, m, "--amount", "100", "--points", "400", "--pay", "cash", "--order-no", "E-1")
    assert sold.exit_code == 0, sold.stderr
    # 400 points: 300 from the lot expiring 2026-12-31 first, then 100 never-expiring
    data = json.loads(refund(run, "E-1", "--at", "2027-01-05T10:00").stdout)
    assert data["points_returned"] == 400
    session.rollback()
    returns = session.exec(
        select(PointsEntry.points, PointsEntry.expires_on)
        .where(PointsEntry.kind == "return")
        .order_by(col(PointsEntry.id))
    ).all()
    assert sorted(returns, key=lambda r: r[0]) == [(100, None), (300, dt.date(2026, 12, 31))]
    # 96.00 earned 96 points, all reversed; the 300 returned points lapse at the next expiry
    expired = run.json("points", "expire", "--as-of", "2027-01-05", "--allow-future")
    assert expired["points"] == 300
    assert run.json("points", "balance", m)["points"] == 500
    assert run.json("db", "check") == {"ok": True, "problems": []}


def test_earned_points_already_spent_are_not_reversed(run, engine):
    m = customer(engine, tier="basic")
    assert sale(run, m, "--amount", "100", "--pay", "cash", "--order-no", "S-1").exit_code == 0
    ledgers.deduct(engine, m, 60)
    data = json.loads(refund(run, "S-1").stdout)
    assert (data["points_earned"], data["points_reversed"], data["points_not_reversed"]) == (
        100,
        40,
        60,
    )
    assert (data["tendered_back"], data["pay_method"], data["wallet_back"]) == (
        "100.00",
        "cash",
        "0.00",
    )
    assert data["points"] == 0


def test_each_refund_refuses_the_others_orders(run, engine):
    m = customer(engine, tier="basic")
    assert sale(run, m, "--amount", "10", "--pay", "cash", "--order-no", "S-1").exit_code == 0
    assert run("purchase", "record", m, "10", "--order-no", "P-1").exit_code == 0
    before = snapshot(engine)
    failure(
        run("purchase", "refund", "S-1"),
        4,
        "order S-1 is a sale from the till: refund it as a sale",
        "memberctl sale refund S-1",
    )
    failure(
        refund(run, "P-1"),
        4,
        "order P-1 is a purchase, not a sale from the till",
        "memberctl purchase refund P-1",
    )
    failure(refund(run, "NOPE"), 3, "no order 'NOPE'")
    failure(refund(run, "S-1", "--store", "nowhere"), 3, "no store 'nowhere'")
    assert snapshot(engine) == before


def test_a_sale_in_a_store_is_refunded_by_its_store(run, engine):
    from memberctl.db.session import transaction
    from memberctl.domain import stores
    from tests.factories import NOW

    with transaction(engine) as session:
        stores.add(session=session, code="S01", name="Main street", operator="t", at=NOW)
    m = customer(engine, tier="basic")
    sold = sale(run, m, "--amount", "10", "--pay", "cash", "--order-no", "X-1", "--store", "S01")
    assert sold.exit_code == 0, sold.stderr
    failure(refund(run, "X-1"), 3, "no order 'X-1'")  # the number is the store's
    data = json.loads(refund(run, "X-1", "--store", "main street").stdout)
    assert (data["store"], data["tendered_back"], data["duplicate"]) == ("S01", "10.00", False)


def test_selling_a_refunded_order_again_says_it_was_refunded_and_changes_nothing(
    run, engine, session, tmp_path
):
    m = customer(engine, points=1000, wallet="100")
    issue(run, tmp_path)
    code = code_of(session, m)
    first = json.loads(example(run, m, code).stdout)
    assert first["refunded_at"] is None
    assert refund(run, "T-1", "--at", "2026-11-27T12:00").exit_code == 0
    before = snapshot(engine)
    again = example(run, m, code)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["refunded_at"] == "2026-11-27T12:00:00"
    assert again.stderr == (
        f"order T-1 was already sold to {m} and refunded on 2026-11-27; nothing changed\n"
    )
    zh = run(
        "--lang", "zh", "sale", m, "--amount", "300", "--order-no", "T-1", "-f", "json",
    )  # fmt: skip
    assert zh.stderr == f"订单 T-1 已售给 {m}，并已于 2026-11-27 退款；未做任何更改\n"
    assert snapshot(engine) == before
