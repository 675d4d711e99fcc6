"""`memberctl sale REF ...` through the real CLI: the worked example of issue 17 computed by hand,
each step's rounding, every refusal (exit 4, nothing written) and every bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from memberctl.db.session import transaction
from memberctl.domain import policy, stores
from memberctl.models import AuditEntry, Coupon, PointsEntry, Purchase, Sale, SaleLine, WalletEntry
from tests import ledgers
from tests.conftest import failure
from tests.factories import NOW, act, enroll, member_row, snapshot

CAMPAIGN = """\
code = "drop"
action = "issue_coupon"
coupon_value = "20.00"
coupon_min_spend = "200.00"
coupon_valid_days = {days}
weekdays_only = {weekdays}
no_holidays = false
where = "tag = vip"
period = "daily"
"""
AT = "2026-11-26T10:30"  # a Thursday; the coupon is issued on 2026-11-25
RECEIPT_KEYS = {
    "member_no", "order_no", "store", "at", "lines", "list_total", "price_factor",
    "tier_discount", "price", "coupon", "coupon_value", "points_used", "points_value",
    "wallet_paid", "tendered", "pay_method", "amount", "earning_on", "points_earned", "points",
    "balance", "duplicate", "dry_run", "refunded_at",
}  # fmt: skip


def issue(run, tmp_path: Path, days: int = 30, weekdays: bool = False) -> None:
    path = tmp_path / "drop.toml"
    path.write_text(CAMPAIGN.format(days=days, weekdays=str(weekdays).lower()), encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run.json("campaign", "run", "drop", "--as-of", "2026-11-25")["coupons"] >= 1


def code_of(session, member_no: str) -> str:
    member = member_row(session, member_no)
    return session.exec(select(Coupon.code).where(Coupon.member_id == member.id)).one()


def settings(engine, **values: str) -> None:
    with transaction(engine) as session:
        for key, value in values.items():
            policy.set_value(session, key.replace("_", ".", 1), value)


def sale(run, *args: str):
    return run("sale", *args, "-f", "json")


def customer(engine, *, tier="gold", points=0, wallet="0", **raw):
    m = enroll(engine, tier=tier, tags=["vip"], **raw).member_no
    if points:
        ledgers.add(engine, m, points)
    if wallet != "0":
        ledgers.topup(engine, m, wallet)
    return m


@pytest.fixture
def gold(engine):
    """The worked example's member: gold (0.95, x1.50), 1,000 points, 100.00 stored value."""
    return customer(engine, points=1000, wallet="100")


def example(run, m: str, code: str, *extra: str):
    return sale(
        run, m, "--amount", "300", "--coupon", code, "--points", "1000", "--wallet", "50",
        "--pay", "wechat", "--order-no", "T-1", "--at", AT, *extra,
    )  # fmt: skip


def test_the_worked_example(run, session, tmp_path, gold):
    issue(run, tmp_path)
    code = code_of(session, gold)
    result = example(run, gold, code)
    assert result.exit_code == 0, result.stderr
    # list 300.00; gold price 300.00 x 0.95 = 285.00 (tier discount 15.00); coupon 20.00
    # (minimum 200 <= 285.00) -> 265.00; 1,000 points at 100 per 1.00 = 10.00 (cap 0.5 x 265.00
    # = 132.50) -> 255.00; wallet 50.00 -> 205.00 by WeChat; earning on 50.00 + 205.00 = 255.00:
    # 255 x 1.00 x 1.50 = 382.5 -> 382 points (down). Points after: 1000 - 1000 + 382 = 382;
    # balance after: 100.00 - 50.00 = 50.00.
    assert json.loads(result.stdout) == {
        "member_no": gold, "order_no": "T-1", "store": None, "at": "2026-11-26T10:30:00",
        "lines": [], "list_total": "300.00", "price_factor": "0.95", "tier_discount": "15.00",
        "price": "285.00", "coupon": code, "coupon_value": "20.00", "points_used": 1000,
        "points_value": "10.00", "wallet_paid": "50.00", "tendered": "205.00",
        "pay_method": "wechat", "amount": "265.00", "earning_on": "255.00",
        "points_earned": 382, "points": 382, "balance": "50.00", "duplicate": False,
        "dry_run": False, "refunded_at": None,
    }  # fmt: skip
    assert result.stderr == f"{gold}: order T-1, 205.00 by WeChat Pay, 382 points earned\n"
    history = run.json("points", "history", gold)
    assert [(e["kind"], e["points"], e["order_no"]) for e in history] == [
        ("adjust", 1000, None),
        ("redeem", -1000, "T-1"),
        ("earn", 382, "T-1"),
    ]
    assert history[2]["expires_on"] == "2028-11-30"
    wallet = run.json("wallet", "history", gold)
    assert [(e["kind"], e["amount"]) for e in wallet] == [("topup", "100.00"), ("pay", "-50.00")]
    coupon = run.json("coupon", "list", gold, "--as-of", "2026-11-26")[0]
    assert (coupon["status"], coupon["redeemed_order"]) == ("used", "T-1")
    member = run.json("member", "show", gold)
    assert (member["points"], member["balance"]) == (382, "50.00")
    session.rollback()
    purchase = session.exec(select(Purchase)).one()
    assert (purchase.amount, purchase.points_earned, purchase.category) == (265, 382, None)
    row = session.exec(select(Sale)).one()
    assert (row.purchase_id, row.tendered, row.pay_method) == (purchase.id, 205, "wechat")
    linked = session.exec(select(WalletEntry).where(WalletEntry.kind == "pay")).one()
    assert linked.purchase_id == purchase.id
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "sale.record")).one()
    assert (audit.details["points_earned"], audit.details["coupon"]) == (382, code)
    assert run.json("db", "check") == {"ok": True, "problems": []}


def test_the_worked_example_in_the_birthday_month(run, engine, session, tmp_path):
    m = customer(engine, points=1000, wallet="100", birthday="1990-11-03")
    issue(run, tmp_path)
    data = json.loads(example(run, m, code_of(session, m)).stdout)
    # the same bill; earning on 255.00 x 1.00 x 1.50 x 2 (birthday month) = 765 points
    assert (data["earning_on"], data["points_earned"], data["points"]) == ("255.00", 765, 765)


def test_items_make_the_list_total_and_their_lines(run, engine, session):
    m = customer(engine, tier="basic")
    data = json.loads(
        sale(
            run, m, "--item", "T-shirt:2:99.50:apparel", "--item", "Socks:0.5:10.01:apparel",
            "--pay", "cash",
        ).stdout
    )  # fmt: skip
    # 2 x 99.50 = 199.00; 0.5 x 10.01 = 5.005 -> 5.01 (half-up); list total 204.01
    assert data["lines"] == [
        {"name": "T-shirt", "sku": "T-shirt", "category": "apparel", "quantity": "2",
         "unit_price": "99.50", "amount": "199.00"},
        {"name": "Socks", "sku": "Socks", "category": "apparel", "quantity": "0.5",
         "unit_price": "10.01", "amount": "5.01"},
    ]  # fmt: skip
    assert (data["list_total"], data["price"], data["tendered"]) == ("204.01", "204.01", "204.01")
    session.rollback()
    assert session.exec(select(Purchase.category)).one() == "apparel"
    assert [line.line_no for line in session.exec(select(SaleLine))] == [1, 2]


def test_lines_of_several_categories_leave_the_purchase_without_one(run, engine, session):
    m = customer(engine, tier="basic")
    result = sale(run, m, "--item", "A:1:1.00:x", "--item", "B:1:1.00", "--pay", "cash")
    assert result.exit_code == 0, result.stderr
    session.rollback()
    assert session.exec(select(Purchase.category)).one() is None


@pytest.mark.parametrize(
    ("rounding", "amount", "price"),
    [
        ("half-up", "19.90", "18.91"),  # 19.90 x 0.95 = 18.905
        ("down", "19.90", "18.90"),
        ("up", "19.90", "18.91"),
        ("half-up", "19.99", "18.99"),  # 19.99 x 0.95 = 18.9905
        ("down", "19.99", "18.99"),
        ("up", "19.99", "19.00"),
    ],
)
def test_the_price_is_rounded_by_the_setting(run, engine, rounding, amount, price):
    settings(engine, price_rounding=rounding)
    m = customer(engine)
    data = json.loads(sale(run, m, "--amount", amount, "--pay", "cash").stdout)
    assert (data["price"], data["tendered"]) == (price, price)


def test_points_max_and_wallet_max(run, engine):
    m = customer(engine, tier="basic", points=1000, wallet="100")
    data = json.loads(
        sale(
            run, m, "--amount", "300", "--points", "max", "--wallet", "max", "--pay", "card"
        ).stdout
    )
    # cap 0.5 x 300.00 = 150.00; 1,000 points pay 10.00; wallet min(100.00, 290.00) = 100.00
    assert (data["points_used"], data["points_value"]) == (1000, "10.00")
    assert (data["wallet_paid"], data["tendered"], data["earning_on"]) == (
        "100.00",
        "190.00",
        "290.00",
    )
    assert (data["points"], data["balance"]) == (290, "0.00")


def test_points_max_stops_at_the_cap(run, engine):
    m = customer(engine, tier="basic", points=20000)
    data = json.loads(sale(run, m, "--amount", "99.99", "--points", "max", "--pay", "cash").stdout)
    # cap 0.5 x 99.99 = 49.995 -> 49.99 (down) = 4,999 points
    assert (data["points_used"], data["points_value"], data["tendered"]) == (4999, "49.99", "50.00")


def test_max_of_nothing_uses_nothing_and_wallet_max_can_pay_it_all(run, engine, session):
    m = customer(engine, tier="basic", wallet="500")
    data = json.loads(sale(run, m, "--amount", "300", "--points", "max", "--wallet", "max").stdout)
    assert (data["points_used"], data["wallet_paid"], data["tendered"]) == (0, "300.00", "0.00")
    assert data["pay_method"] is None
    session.rollback()
    assert session.exec(select(PointsEntry).where(PointsEntry.kind == "redeem")).first() is None


def test_a_redeem_rate_of_1000_takes_multiples_of_10(run, engine):
    settings(engine, points_redeem_rate="1000")
    m = customer(engine, tier="basic", points=1000)
    failure(
        sale(run, m, "--amount", "100", "--points", "15", "--pay", "cash"),
        5,
        "15 points do not pay whole cents at 1000 points per 1.00",
        "use a multiple of 10",
    )
    data = json.loads(sale(run, m, "--amount", "100", "--points", "20", "--pay", "cash").stdout)
    assert (data["points_used"], data["points_value"], data["tendered"]) == (20, "0.02", "99.98")


def test_points_over_the_cap_are_refused(run, engine):
    m = customer(engine, tier="basic", points=20000)
    before = snapshot(engine)
    failure(
        sale(run, m, "--amount", "300", "--points", "15001", "--pay", "cash"),
        4,
        "points may pay at most 150.00 of this bill (15000 points), not 150.01",
    )
    assert snapshot(engine) == before


def test_a_share_of_0_switches_paying_with_points_off(run, engine):
    settings(engine, points_redeem_max_share="0")
    m = customer(engine, tier="basic", points=100)
    failure(
        sale(run, m, "--amount", "30", "--points", "1", "--pay", "cash"),
        4,
        "points may pay at most 0.00 of this bill (0 points)",
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--amount", "300", "--points", "1001", "--pay", "cash"],
            "has 1000 points to spend, not 1001",
        ),
        (
            ["--amount", "300", "--wallet", "100.01", "--pay", "cash"],
            "has 100.00 in the wallet, not 100.01",
        ),
        # 100.00 x 0.95 = 95.00; points 10.00 -> 85.00 left; 86.00 is more
        (
            ["--amount", "100", "--points", "1000", "--wallet", "86"],
            "the wallet would pay 86.00, more than the 85.00 left to pay",
        ),
    ],
)
def test_refusals_write_nothing(run, engine, gold, args, fragment):
    before = snapshot(engine)
    failure(sale(run, gold, *args), 4, fragment)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("actions", "status"), [(("freeze",), "frozen"), (("cancel",), "cancelled")]
)
def test_a_frozen_or_cancelled_member_buys_nothing(run, engine, gold, actions, status):
    act(engine, gold, *actions)
    before = snapshot(engine)
    failure(sale(run, gold, "--amount", "10", "--pay", "cash"), 4, f"the member is {status}")
    assert snapshot(engine) == before


def test_coupon_refusals(run, engine, session, tmp_path, gold):
    other = customer(engine)
    issue(run, tmp_path)
    code, others = code_of(session, gold), code_of(session, other)
    before = snapshot(engine)
    # 200.00 x 0.95 = 190.00, below the minimum of 200.00
    failure(
        sale(run, gold, "--amount", "200", "--coupon", code, "--pay", "cash", "--at", AT),
        4,
        f"coupon {code} needs a spend of at least 200.00, not 190.00",
    )
    failure(
        sale(run, gold, "--amount", "300", "--coupon", others, "--pay", "cash", "--at", AT),
        4,
        f"coupon {others} belongs to another member, not {gold}",
    )
    failure(
        sale(run, gold, "--amount", "300", "--coupon", code, "--pay", "cash", "--at", "2026-12-25"),
        4,
        f"coupon {code} expired on 2026-12-24",
    )
    assert snapshot(engine) == before
    assert (
        sale(run, gold, "--amount", "300", "--coupon", code, "--pay", "cash", "--at", AT).exit_code
        == 0
    )
    failure(
        sale(run, gold, "--amount", "300", "--coupon", code, "--pay", "cash", "--at", AT),
        4,
        f"coupon {code} was already used on 2026-11-26 10:30",
    )


def test_a_weekday_coupon_on_a_saturday(run, session, tmp_path, gold):
    issue(run, tmp_path, weekdays=True)
    code = code_of(session, gold)
    failure(
        sale(
            run,
            gold,
            "--amount",
            "300",
            "--coupon",
            code,
            "--pay",
            "cash",
            "--at",
            "2026-11-28T10:00",
        ),
        4,
        "is valid Monday to Friday only, and 2026-11-28 is a Saturday",
    )


def test_a_coupon_worth_more_than_the_price_takes_the_price(run, engine, session, tmp_path):
    settings(engine, points_redeem_max_share="1")
    m = customer(engine, tier="basic")
    path = tmp_path / "big.toml"
    text = CAMPAIGN.format(days=30, weekdays="false").replace('"20.00"', '"500.00"')
    path.write_text(text.replace('"200.00"', '"1.00"'), encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0
    run.json("campaign", "run", "drop", "--as-of", "2026-11-25")
    data = json.loads(
        sale(run, m, "--amount", "30", "--coupon", code_of(session, m), "--at", AT).stdout
    )
    assert (data["coupon_value"], data["amount"], data["tendered"], data["pay_method"]) == (
        "30.00", "0.00", "0.00", None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ["--amount", "300", "--item", "A:1:1.00", "--pay", "cash"],
            2,
            "give --amount or --item, not both",
        ),
        (["--pay", "cash"], 2, "give the sale's --amount or its --item lines"),
        (["--amount", "300"], 2, "285.00 is left to pay: say how with --pay"),
        (["--amount", "300", "--pay", "bitcoin"], 2, "bitcoin"),
        (["--amount", "-5", "--pay", "cash"], 5, "'-5' is negative"),
        (["--amount=-5", "--pay", "cash"], 5, "'-5' is negative"),
        (["--amount", "1.005", "--pay", "cash"], 5, "has more than two decimals"),
        (["--amount", "0", "--pay", "cash"], 5, "amount 0.00 is not a sale"),
        (["--item", "T-shirt:2", "--pay", "cash"], 5, "is not NAME:QUANTITY:UNIT_PRICE[:CATEGORY]"),
        (["--item", "T-shirt:0:9.90", "--pay", "cash"], 5, "quantity '0' is not a positive number"),
        (["--item", "T-shirt:1.2345:9.90", "--pay", "cash"], 5, "quantity '1.2345'"),
        (["--item", "T-shirt:1:abc", "--pay", "cash"], 5, "'abc' is not an amount of money"),
        (
            ["--amount", "300", "--points", "abc", "--pay", "cash"],
            5,
            "'abc' is not a whole number of points",
        ),
        (["--amount", "300", "--wallet", "-1", "--pay", "cash"], 5, "'-1' is negative"),
        (["--amount", "300", "--coupon", "NOSUCH22", "--pay", "cash"], 3, "no coupon 'NOSUCH22'"),
        (["--amount", "300", "--store", "nowhere", "--pay", "cash"], 3, "no store 'nowhere'"),
        (["--amount", "300", "--order-no", " ", "--pay", "cash"], 2, "the --order-no is empty"),
    ],
)
def test_bad_input(run, engine, gold, args, code, fragment):
    before = snapshot(engine)
    failure(sale(run, gold, *args), code, fragment)
    assert snapshot(engine) == before


def test_an_unknown_member_is_not_found(run):
    failure(sale(run, "M999999", "--amount", "1", "--pay", "cash"), 3, "no member 'M999999'")


def test_a_known_store_is_stored_by_its_code(run, engine, session, gold):
    with transaction(engine) as s:
        stores.add(session=s, code="S01", name="Main street", operator="t", at=NOW)
    data = json.loads(
        sale(run, gold, "--amount", "10", "--pay", "cash", "--store", "main street").stdout
    )
    assert data["store"] == "S01"
    session.rollback()
    assert session.exec(select(Purchase.store)).one() == "S01"


def test_the_same_order_again_gives_the_same_receipt(run, engine, session, tmp_path, gold):
    issue(run, tmp_path)
    code = code_of(session, gold)
    first = json.loads(example(run, gold, code).stdout)
    before = snapshot(engine)
    again = example(run, gold, code)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout) == first | {"duplicate": True}
    assert again.stderr == f"order T-1 was already sold to {gold}; nothing changed\n"
    # the same number and total without the payment options: still the same sale
    bare = sale(run, gold, "--amount", "300", "--order-no", "T-1")
    assert json.loads(bare.stdout) == first | {"duplicate": True}
    assert snapshot(engine) == before


def test_an_order_number_taken_by_something_else_is_refused(run, engine, gold):
    other = customer(engine)
    assert sale(run, gold, "--amount", "300", "--pay", "cash", "--order-no", "T-9").exit_code == 0
    assert run("purchase", "record", gold, "50", "--order-no", "P-1").exit_code == 0
    before = snapshot(engine)
    failure(
        sale(run, gold, "--amount", "301", "--pay", "cash", "--order-no", "T-9"),
        4,
        "order T-9 is already recorded for", "this one differs in amount",
    )  # fmt: skip
    failure(
        sale(run, other, "--amount", "300", "--pay", "cash", "--order-no", "T-9"),
        4,
        "differs in member",
    )
    failure(
        sale(run, gold, "--amount", "50", "--pay", "cash", "--order-no", "P-1"),
        4,
        f"order P-1 is already recorded as a purchase for {gold}, not a sale",
    )
    assert snapshot(engine) == before


def test_a_dry_run_writes_nothing(run, engine, session, tmp_path, gold):
    issue(run, tmp_path)
    code = code_of(session, gold)
    before = snapshot(engine)
    result = example(run, gold, code, "--dry-run")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["dry_run"], data["duplicate"], data["tendered"]) == (True, False, "205.00")
    assert (data["points_earned"], data["points"], data["balance"]) == (382, 382, "50.00")
    assert result.stderr == f"{gold}: preview of order T-1; nothing written\n"
    assert snapshot(engine) == before
    without_number = json.loads(
        sale(run, gold, "--amount", "10", "--pay", "cash", "--dry-run").stdout
    )
    assert without_number["order_no"] is None
    assert snapshot(engine) == before


def test_orders_without_a_number_get_one(run, gold):
    data = json.loads(sale(run, gold, "--amount", "10", "--pay", "cash").stdout)
    assert data["order_no"].startswith("A2")
    assert RECEIPT_KEYS == set(data)


def test_help_shows_both_forms(run):
    result = run("sale", "--help")
    assert result.exit_code == 0
    assert "memberctl sale REF --amount 300" in result.stdout
    assert "memberctl sale refund ORDER" in result.stdout
    assert "refund" in run("sale", "refund", "--help").stdout


def test_time_is_kept(run, session, gold):
    data = json.loads(
        sale(run, gold, "--amount", "10", "--pay", "cash", "--at", "2026-11-20T09:15").stdout
    )
    assert data["at"] == "2026-11-20T09:15:00"
    session.rollback()
    assert session.exec(select(Purchase.at)).one() == dt.datetime(2026, 11, 20, 9, 15)
    assert [e.kind for e in session.exec(select(PointsEntry).order_by(col(PointsEntry.id)))] == [
        "adjust",
        "earn",
    ]


def test_csv_is_one_row_of_the_receipt(run, gold):
    result = run("sale", gold, "--item", "A:2:5.00:x", "--pay", "cash", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert set(header.split(",")) == RECEIPT_KEYS
    assert ",10.00,0.95,0.50,9.50," in row


def test_points_refused_for_want_of_points_name_the_till_remedy(run, gold):
    failure(
        sale(run, gold, "--amount", "300", "--points", "5000", "--pay", "cash"),
        4,
        f"{gold} has 1000 points to spend, not 5000; use fewer points, or --points max",
    )


def test_a_no_holidays_coupon_on_national_day(run, engine, session, tmp_path, gold):
    path = tmp_path / "drop.toml"
    text = CAMPAIGN.format(days=30, weekdays="false").replace(
        "no_holidays = false", "no_holidays = true"
    )
    path.write_text(text, encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run.json("campaign", "run", "drop", "--as-of", "2026-09-28")["coupons"] == 1
    code = code_of(session, gold)
    before = snapshot(engine)
    failure(
        sale(
            run,
            gold,
            "--amount",
            "300",
            "--coupon",
            code,
            "--pay",
            "cash",
            "--at",
            "2026-10-01T10:00",
        ),
        4,
        f"coupon {code} is not valid on public holidays, and 2026-10-01 is",
    )
    assert snapshot(engine) == before
