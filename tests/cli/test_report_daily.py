"""`memberctl report daily` (closing the till) through the real CLI, on SQLite or PostgreSQL.

The day is today (top-ups through `wallet topup` are stamped with the wall clock). Sales are
written as `memberctl sale` writes them (tests/sales.py); members, top-ups and the plain purchase
through the CLI. Stores: north (named North) and south.

| sale | who | store | at          | list   | factor | coupon | points (value) | wallet | paid     |
|------|-----|-------|-------------|--------|--------|--------|----------------|--------|----------|
| S0   | B   | south | DAY-3 16:00 | 80.00  | 1.00   |        | 500 (5.00)     | 20.00  | 55.00 c  |
| S9   | A   | north | DAY-1 23:59 | 10.00  | 1.00   |        |                |        | 10.00 $  |
| S1   | A   | north | DAY 09:30   | 120.00 | 0.95   |        |                |        | 114.00 $ |
| S2   | B   | south | DAY 10:15   | 88.00  | 1.00   |        |                |        | 88.00 w  |
| S3   | A   | north | DAY 14:00   | 300.00 | 0.95   | 20.00  | 1000 (10.00)   | 50.00  | 205.00 w |

Paid (tendered): $ cash, c card, w WeChat. S0 is refunded on DAY at 17:00. S3 is the issue's
worked example: 300.00 at gold's 0.95 is 285.00 (15.00 off), less the 20.00 coupon 265.00 (the
purchase's amount), 1,000 points at 100 = 1.00 pay 10.00, the wallet 50.00, WeChat the remaining
205.00.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from memberctl.db.session import transaction
from tests.conftest import failure
from tests.sales import add_sale, add_store, refund_sale


def _enrol(run, name: str, phone: str, store: str, joined: dt.datetime) -> str:
    data = run.json(
        "member", "enroll", "--name", name, "--phone", phone, "--store", store,
        "--joined-at", joined.isoformat(sep=" "),
    )  # fmt: skip
    return data["member_no"]


@pytest.fixture
def day(run, engine) -> dt.date:
    """The hand-computed day (today); returns it."""
    today = dt.date.today()
    at = dt.datetime.combine(today, dt.time())
    with transaction(engine) as session:
        add_store(session, "north", "North")
        add_store(session, "south", "South")
    a = _enrol(run, "甲", "13800000001", "north", at - dt.timedelta(days=30))
    b = _enrol(run, "乙", "13800000002", "south", at - dt.timedelta(days=30))
    _enrol(run, "丙", "13800000003", "north", at + dt.timedelta(hours=10))  # new today, north
    _enrol(run, "丁", "13800000004", "south", at + dt.timedelta(hours=11))  # new today, south
    _enrol(run, "戊", "13800000005", "north", at - dt.timedelta(seconds=1))  # yesterday
    assert run("points", "add", a, "1000", "--reason", "opening").exit_code == 0
    assert run("points", "add", b, "500", "--reason", "opening").exit_code == 0
    assert run("wallet", "topup", a, "100.00", "--bonus", "10.00").exit_code == 0
    assert run("wallet", "topup", b, "200.00").exit_code == 0
    plain = ("purchase", "record", "M000003", "45.50", "--store", "north")
    assert run(*plain, "--at", f"{today} 12:00:00").exit_code == 0
    assert run(*plain, "--at", f"{today - dt.timedelta(days=1)} 12:00:00").exit_code == 0
    with transaction(engine) as session:
        add_sale(
            session, member_no=b, order_no="S0", store="south", at=at - dt.timedelta(hours=56),
            list_total="80.00", points_used=500, points_value="5.00", wallet="20.00",
            pay_method="card", points_earned=55,
        )  # fmt: skip
        add_sale(
            session, member_no=a, order_no="S9", store="north", at=at - dt.timedelta(seconds=1),
            list_total="10.00", pay_method="cash", points_earned=10,
        )  # fmt: skip
        add_sale(
            session, member_no=a, order_no="S1", store="north", at=at + dt.timedelta(hours=9.5),
            list_total="120.00", price_factor="0.95", pay_method="cash", points_earned=114,
        )  # fmt: skip
        add_sale(
            session, member_no=b, order_no="S2", store="south",
            at=at + dt.timedelta(hours=10.25), list_total="88.00", pay_method="wechat",
            points_earned=88,
        )  # fmt: skip
        add_sale(
            session, member_no=a, order_no="S3", store="north", at=at + dt.timedelta(hours=14),
            list_total="300.00", price_factor="0.95", coupon="20.00", points_used=1000,
            points_value="10.00", wallet="50.00", pay_method="wechat", points_earned=255,
        )  # fmt: skip
        refund_sale(session, order_no="S0", store="south", at=at + dt.timedelta(hours=17))
    if dt.date.today() != today:
        pytest.skip("the day turned while the shop was arranged")
    return today


NO_MONEY = dict.fromkeys(("cash", "card", "wechat", "alipay", "other"), "0.00")


def test_the_day_by_hand(run, day):
    assert run.json("report", "daily", "--date", day.isoformat()) == {
        "date": day.isoformat(),
        "store": None,
        "store_name": None,
        "sales": 3,  # S1, S2, S3 (S9 was yesterday; S0 three days ago)
        "list_total": "508.00",  # 120.00 + 88.00 + 300.00
        "tier_discount": "21.00",  # 120.00 - 114.00 + 300.00 - 285.00
        "coupons_used": 1,  # S3
        "coupon_value": "20.00",
        "points_redeemed": 1000,  # S3
        "points_value": "10.00",  # 1,000 points at 100 = 1.00
        "wallet_paid": "50.00",  # S3
        # cash: S1 114.00; wechat: S2 88.00 + S3 205.00 = 293.00
        "tendered": {**NO_MONEY, "cash": "114.00", "wechat": "293.00"},
        "tendered_total": "407.00",  # 114.00 + 293.00
        "refunds": {  # S0 (made three days ago, refunded today)
            "count": 1,
            "tendered": "55.00",  # 80.00 - 5.00 points - 20.00 wallet
            "wallet": "20.00",
            "points_returned": 500,
            "tendered_by_method": {**NO_MONEY, "card": "55.00"},
        },
        "net_takings": "352.00",  # 407.00 - 55.00
        "other_purchases": {"count": 1, "amount": "45.50"},  # today's purchase record
        "new_members": 2,  # 丙 and 丁 (戊 joined a second before midnight)
        "topups": {"count": 2, "amount": "300.00", "bonus": "10.00", "whole_shop": False},
    }


def test_date_defaults_to_today_and_as_of_is_the_same_option(run, day):
    today = run.json("report", "daily")
    assert today == run.json("report", "daily", "--as-of", day.isoformat())
    assert today["date"] == day.isoformat() and today["sales"] == 3


def test_yesterday(run, day):
    data = run.json("report", "daily", "--date", (day - dt.timedelta(days=1)).isoformat())
    assert (data["sales"], data["tendered"]["cash"], data["tendered_total"]) == (
        1,
        "10.00",
        "10.00",
    )
    assert data["other_purchases"] == {"count": 1, "amount": "45.50"}
    assert (data["new_members"], data["refunds"]["count"], data["topups"]["count"]) == (1, 0, 0)


def test_one_store_counts_where_the_sale_was_made(run, day):
    north = run.json("report", "daily", "--date", day.isoformat(), "--store", "North")
    assert north == {
        "date": day.isoformat(),
        "store": "north",  # the store's code, named by its name
        "store_name": "North",
        "sales": 2,  # S1, S3
        "list_total": "420.00",  # 120.00 + 300.00
        "tier_discount": "21.00",
        "coupons_used": 1,
        "coupon_value": "20.00",
        "points_redeemed": 1000,
        "points_value": "10.00",
        "wallet_paid": "50.00",
        "tendered": {**NO_MONEY, "cash": "114.00", "wechat": "205.00"},
        "tendered_total": "319.00",
        "refunds": {  # S0 was a south sale
            "count": 0,
            "tendered": "0.00",
            "wallet": "0.00",
            "points_returned": 0,
            "tendered_by_method": NO_MONEY,
        },
        "net_takings": "319.00",
        "other_purchases": {"count": 1, "amount": "45.50"},
        "new_members": 1,  # 丙, whose home store is north
        "topups": {"count": 2, "amount": "300.00", "bonus": "10.00", "whole_shop": True},
    }
    south = run.json("report", "daily", "--date", day.isoformat(), "--store", "south")
    assert (south["sales"], south["tendered"]["wechat"], south["tendered_total"]) == (
        1,
        "88.00",
        "88.00",
    )
    assert south["refunds"]["count"] == 1 and south["refunds"]["tendered_by_method"]["card"] == (
        "55.00"
    )
    assert (south["net_takings"], south["new_members"]) == ("33.00", 1)  # 88.00 - 55.00; 丁
    assert south["other_purchases"] == {"count": 0, "amount": "0.00"}


def test_the_table_says_top_ups_are_the_whole_shops_with_a_store(run, day):
    result = run("report", "daily", "--date", day.isoformat(), "--store", "north")
    assert result.exit_code == 0
    assert "Stored value sold (a liability, not revenue)" in result.stdout
    assert result.stderr == "top-ups carry no store: they are the whole shop's\n"
    assert run("report", "daily", "--date", day.isoformat()).stderr == ""


def test_an_empty_day_is_all_zeros(run):
    assert run.json("report", "daily", "--date", "2026-01-05") == {
        "date": "2026-01-05",
        "store": None,
        "store_name": None,
        "sales": 0,
        "list_total": "0.00",
        "tier_discount": "0.00",
        "coupons_used": 0,
        "coupon_value": "0.00",
        "points_redeemed": 0,
        "points_value": "0.00",
        "wallet_paid": "0.00",
        "tendered": NO_MONEY,
        "tendered_total": "0.00",
        "refunds": {
            "count": 0,
            "tendered": "0.00",
            "wallet": "0.00",
            "points_returned": 0,
            "tendered_by_method": NO_MONEY,
        },
        "net_takings": "0.00",
        "other_purchases": {"count": 0, "amount": "0.00"},
        "new_members": 0,
        "topups": {"count": 0, "amount": "0.00", "bonus": "0.00", "whole_shop": False},
    }


def test_csv(run, day, tmp_path):
    result = run("report", "daily", "--date", day.isoformat(), "-f", "csv")
    assert result.exit_code == 0
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["date"] == day.isoformat() and row["store"] == ""
    assert (row["sales"], row["tendered.wechat"], row["tendered_total"]) == (
        "3",
        "293.00",
        "407.00",
    )
    assert (row["refunds.tendered_by_method.card"], row["net_takings"]) == ("55.00", "352.00")
    assert (row["topups.amount"], row["topups.bonus"]) == ("300.00", "10.00")
    out = tmp_path / "day.csv"
    assert run("report", "daily", "--date", day.isoformat(), "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == "\ufeff" + result.stdout


def test_xlsx(run, day, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "day.xlsx"
    result = run("report", "daily", "--date", day.isoformat(), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    book = load_workbook(out, read_only=True)
    try:
        cells = list(book["daily"].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()
    # A row whose value is empty (store: all stores) reads back as the key alone.
    rows = {row[0]: (*row, None)[1] for row in cells}
    assert rows["store"] is None and rows["store_name"] is None
    assert rows["date"] == dt.datetime.combine(day, dt.time())
    assert (rows["sales"], rows["list_total"], rows["tendered_total"]) == (3, 508.0, 407.0)
    assert (rows["tendered.cash"], rows["tendered.wechat"], rows["tendered.card"]) == (
        114.0,
        293.0,
        0.0,
    )
    assert (rows["refunds.count"], rows["refunds.tendered"], rows["refunds.wallet"]) == (1, 55, 20)
    assert (rows["refunds.tendered_by_method.card"], rows["net_takings"]) == (55.0, 352.0)
    assert (rows["other_purchases.count"], rows["other_purchases.amount"]) == (1, 45.5)
    assert (rows["new_members"], rows["topups.amount"], rows["topups.bonus"]) == (2, 300.0, 10.0)


def test_json_to_a_file(run, day, tmp_path):
    out = tmp_path / "day.json"
    result = run("report", "daily", "--date", day.isoformat(), "--out", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["net_takings"] == "352.00"


def test_an_unknown_store_is_not_found(run, engine):
    with transaction(engine) as session:
        add_store(session, "north", "North")
    result = run("report", "daily", "--store", "nroth")
    failure(result, 3, "no store 'nroth'", "north", "memberctl store add")


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "26-01-05", "0001-01-01"])
def test_a_bad_date_is_a_usage_error(run, bad):
    result = run("report", "daily", "--date", bad)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert "--date" in result.stderr


def test_a_sale_refunded_the_day_it_was_made_nets_to_nothing(run, engine):
    member = run.json("member", "enroll", "--name", "甲", "--phone", "13800000001")["member_no"]
    at = dt.datetime(2026, 3, 2, 10, 0)
    with transaction(engine) as session:
        add_sale(
            session, member_no=member, order_no="R1", at=at, list_total="99.90",
            pay_method="alipay", points_earned=99,
        )  # fmt: skip
        # a method the till does not know counts as other
        add_sale(
            session, member_no=member, order_no="R2", at=at, list_total="5.00",
            pay_method="voucher",
        )  # fmt: skip
        refund_sale(session, order_no="R1", at=at + dt.timedelta(hours=2))
    data = run.json("report", "daily", "--date", "2026-03-02")
    assert data["sales"] == 2
    assert data["tendered"] == {**NO_MONEY, "alipay": "99.90", "other": "5.00"}
    assert data["tendered_total"] == "104.90"
    assert data["refunds"]["count"] == 1
    assert data["refunds"]["tendered_by_method"] == {**NO_MONEY, "alipay": "99.90"}
    assert data["net_takings"] == "5.00"  # 104.90 - 99.90
    assert data["other_purchases"] == {"count": 0, "amount": "0.00"}  # sales are not "other"


def test_the_stores_add_up_to_the_whole_shop(run, day):
    """Every sale, refund, purchase and new member of the day is in exactly one store here."""
    date = ("--date", day.isoformat())
    whole = run.json("report", "daily", *date)
    parts = [run.json("report", "daily", *date, "--store", s) for s in ("north", "south")]

    def flat(data, prefix=""):
        out = {}
        for key, value in data.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            elif not isinstance(value, bool) and key not in ("date", "store", "store_name"):
                out[prefix + key] = value
        return out

    for key, value in flat(whole).items():
        if key.startswith("topups."):
            assert all(flat(p)[key] == value for p in parts), key  # the whole shop's in each
            continue
        added = sum(Decimal(str(flat(p)[key])) for p in parts)
        assert added == Decimal(str(value)), key


def test_the_day_as_the_real_till_wrote_it(run, session, tmp_path):
    """End to end: the sales are made by `memberctl sale` and refunded by `sale refund`, not by
    tests/sales.py, so the report and the till agree on how a sale is stored."""
    from tests.cli.test_sale import code_of, issue

    gold = run.json("member", "enroll", "--name", "王芳", "--phone", "13800138000",
                    "--tier", "gold", "--tag", "vip")["member_no"]  # fmt: skip
    issue(run, tmp_path)
    assert run("points", "add", gold, "1000", "--reason", "opening").exit_code == 0
    assert run("wallet", "topup", gold, "100").exit_code == 0  # today: not on 2026-11-26
    code = code_of(session, gold)
    sales = [
        ("T-1", "300", "--coupon", code, "--points", "1000", "--wallet", "50", "--pay", "wechat",
         "--at", "2026-11-26T10:30"),
        ("T-2", "100", "--pay", "cash", "--at", "2026-11-26T11:00"),
    ]  # fmt: skip
    for order_no, amount, *rest in sales:
        done = run("sale", gold, "--amount", amount, "--order-no", order_no, *rest)
        assert done.exit_code == 0, done.stderr
    assert run("sale", "refund", "T-2", "--at", "2026-11-26T12:00").exit_code == 0
    report = run.json("report", "daily", "--date", "2026-11-26")
    # T-1: the worked example (300.00 -> 285.00 -> coupon 265.00 -> points 10.00 -> wallet 50.00
    # -> 205.00 WeChat); T-2: 100.00 x 0.95 = 95.00 cash, refunded the same day.
    assert {k: report[k] for k in ("sales", "list_total", "tier_discount", "coupons_used",
                                   "coupon_value", "points_redeemed", "points_value",
                                   "wallet_paid", "tendered_total", "net_takings")} == {
        "sales": 2, "list_total": "400.00", "tier_discount": "20.00",  # 15.00 + 5.00
        "coupons_used": 1, "coupon_value": "20.00", "points_redeemed": 1000,
        "points_value": "10.00", "wallet_paid": "50.00",
        "tendered_total": "300.00",  # 205.00 + 95.00
        "net_takings": "205.00",  # 300.00 - 95.00 given back
    }  # fmt: skip
    assert (report["tendered"]["wechat"], report["tendered"]["cash"]) == ("205.00", "95.00")
    refunds = report["refunds"]
    assert (refunds["count"], refunds["tendered"], refunds["wallet"]) == (1, "95.00", "0.00")
    assert refunds["tendered_by_method"]["cash"] == "95.00"
    assert (report["new_members"], report["topups"]["count"]) == (0, 0)
