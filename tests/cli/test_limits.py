"""Money exact to the cent and the limits of `domain/limits.py`, through the real CLI, the same on
SQLite and PostgreSQL: at each limit the write succeeds, one past it is exit 5 naming the limit
and nothing is written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from memberctl.db.session import transaction
from memberctl.domain import dbcheck, limits, points, refs
from memberctl.models import PointsEntry, WalletEntry
from tests.conftest import failure
from tests.factories import NOW, enroll, member_row, snapshot
from tests.spreadsheets.sheets import write_csv

CENTS = "has more than two decimals; amounts are in whole cents, e.g."


def holding(engine, member_no: str, *, pts: int = 0, balance: str = "0") -> None:
    """Arrange a member holding more than single writes may add: one opening (`import`) entry
    per ledger, as an import of old data writes them, caches in step (db check passes)."""
    with transaction(engine) as session:
        member = refs.resolve(session, member_no, for_update=True)
        if pts:
            session.add(
                PointsEntry(member_id=member.id, kind="import", points=pts, operator="t", at=NOW)
            )
        if Decimal(balance):
            session.add(
                WalletEntry(
                    member_id=member.id,
                    kind="import",
                    amount=Decimal(balance),
                    operator="t",
                    at=NOW,
                )
            )
        session.flush()
        points.refresh_cache(session, member)
        member.balance = Decimal(balance)


def check_clean(engine) -> None:
    with transaction(engine) as session:
        assert dbcheck.check(session=session) == []


# 1. Money is exact to the cent --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "raw", "cents"),
    [
        (["wallet", "topup", "{m}", "12.345"], "12.345", "12.35"),
        (["wallet", "topup", "{m}", "10", "--bonus", "1.005"], "1.005", "1.01"),
        (["wallet", "pay", "{m}", "12.345"], "12.345", "12.35"),
        (["wallet", "refund", "{m}", "0.001"], "0.001", "0.00"),
        (["purchase", "record", "{m}", "10.005"], "10.005", "10.01"),
        (["purchase", "record", "{m}", "¥1,200.505"], "¥1,200.505", "1200.51"),
    ],
)
def test_more_than_two_decimals_is_invalid_not_rounded(run, engine, args, raw, cents):
    m = enroll(engine).member_no
    run.json("wallet", "topup", m, "50")
    before = snapshot(engine)
    line = failure(run(*[a.format(m=m) for a in args]), 5)
    assert line == f"error: {raw} {CENTS} {cents}"
    assert snapshot(engine) == before


def test_trailing_zeros_are_whole_cents(run, engine, session):
    m = enroll(engine).member_no
    assert run.json("wallet", "topup", m, "12.340", "--bonus", "0.500")["balance"] == "12.84"
    assert run.json("purchase", "record", m, "10.000", "--order-no", "A1")["amount"] == "10.00"
    assert member_row(session, m).balance == Decimal("12.84")


def test_coupon_value_with_more_than_two_decimals_is_refused(run, engine, tmp_path: Path):
    path = tmp_path / "drop.toml"
    path.write_text(
        'code = "drop"\naction = "issue_coupon"\ncoupon_value = "20.005"\n'
        'where = "tier >= gold"\nperiod = "monthly"\n',
        encoding="utf-8",
    )
    before = snapshot(engine)
    line = failure(run("campaign", "add", str(path)), 5)
    assert (
        line == f"error: drop.toml: 'coupon_value': 20.005 {CENTS} 20.01; see templates/campaigns/"
    )
    assert snapshot(engine) == before


def test_tier_threshold_with_more_than_two_decimals_is_refused(run, engine, tmp_path: Path):
    path = tmp_path / "tiers.toml"
    path.write_text(
        '[[tier]]\ncode = "gold"\nname = "金卡"\nrank = 3\nthreshold = 5000.001\n', encoding="utf-8"
    )
    before = snapshot(engine)
    line = failure(run("tier", "load", str(path)), 5)
    assert line == (
        "error: tiers.toml: tier #1 (gold): threshold has more than 2 decimals; "
        "see templates/tiers.toml"
    )
    assert snapshot(engine) == before


# 2. Limits, and one rule for bad numbers: exit 5 -------------------------------------------


@pytest.mark.parametrize(
    ("n", "message"),
    [
        ("0", "0 is not a number of points"),
        ("1000000001", "1000000001 points is more than one entry may hold"),
        ("1" + "0" * 30, f"1{'0' * 30} points is more than one entry may hold"),
        ("abc", "'abc' is not a whole number of points"),
        ("1.5", "'1.5' is not a whole number of points"),
    ],
)
@pytest.mark.parametrize("command", ["add", "deduct"])
def test_bad_points_are_invalid_input(run, engine, command, n, message):
    m = enroll(engine).member_no
    before = snapshot(engine)
    line = failure(run("points", command, m, n, "--reason", "r"), 5)
    assert line == f"error: {message}; give 1 to 1,000,000,000"
    assert snapshot(engine) == before


def test_points_add_at_the_entry_limit_and_full_width(run, engine, session):
    m = enroll(engine).member_no
    assert run.json("points", "add", m, "1,000,000,000", "--reason", "r")["points"] == 10**9
    assert run.json("points", "add", m, "１２", "--reason", "r")["points"] == 10**9 + 12
    assert member_row(session, m).points == 10**9 + 12


def test_a_members_points_stop_at_the_member_limit(run, engine, session):
    m = enroll(engine).member_no
    holding(engine, m, pts=limits.MAX_MEMBER_POINTS - 10)
    assert run.json("points", "add", m, "10", "--reason", "r")["points"] == 10**12
    before = snapshot(engine)
    line = failure(run("points", "add", m, "1", "--reason", "r"), 5)
    assert line == (
        f"error: {m} would have 1000000000001 points, more than a member may hold; "
        "a member holds at most 1,000,000,000,000 points"
    )
    assert snapshot(engine) == before
    assert member_row(session, m).points == 10**12
    check_clean(engine)


def test_a_purchase_earns_at_most_one_entry_limit(run, engine, tmp_path: Path):
    m = enroll(engine).member_no
    path = tmp_path / "tiers.toml"
    path.write_text('[[tier]]\ncode = "basic"\nname = "普通"\nrank = 1\nmultiplier = 100\n')
    run.json("tier", "load", str(path))
    data = run.json("purchase", "record", m, "10000000.00", "--order-no", "A1")
    assert (data["points_earned"], data["points"]) == (10**9, 10**9)
    before = snapshot(engine)
    line = failure(run("purchase", "record", m, "10000000.01", "--order-no", "A2"), 5)
    assert line == (
        "error: order A2 would earn 1000000001 points, more than one entry may hold; "
        "one entry holds at most 1,000,000,000 points"
    )
    assert snapshot(engine) == before
    check_clean(engine)


def test_a_purchase_may_not_take_a_member_past_the_member_limit(run, engine):
    m = enroll(engine).member_no
    holding(engine, m, pts=limits.MAX_MEMBER_POINTS - 100)
    assert run.json("purchase", "record", m, "100", "--order-no", "A1")["points"] == 10**12
    before = snapshot(engine)
    failure(
        run("purchase", "record", m, "1", "--order-no", "A2"),
        5,
        f"{m} would have 1000000000001 points",
        "at most 1,000,000,000,000 points",
    )
    assert snapshot(engine) == before


@pytest.mark.parametrize("command", [["purchase", "record"], ["wallet", "topup"]])
def test_one_amount_is_at_most_the_amount_limit(run, engine, command):
    m = enroll(engine).member_no
    assert run.json(*command, m, "99999999.99")["amount"] == "99999999.99"
    before = snapshot(engine)
    line = failure(run(*command, m, "100000000.00"), 5)
    assert line == "error: '100000000.00' is too large; one amount is at most 99,999,999.99"
    assert snapshot(engine) == before


def test_a_wallet_holds_at_most_the_balance_limit(run, engine, session):
    m = enroll(engine).member_no
    holding(engine, m, balance="999999999900.00")
    data = run.json("wallet", "topup", m, "90", "--bonus", "9.99")
    assert data["balance"] == "999999999999.99"
    before = snapshot(engine)
    line = failure(run("wallet", "topup", m, "0.01"), 5)
    assert line == (
        f"error: {m}'s balance would be 1000000000000.00, more than a wallet may hold; "
        "a balance is at most 999,999,999,999.99"
    )
    assert snapshot(engine) == before
    assert member_row(session, m).balance == Decimal("999999999999.99")
    check_clean(engine)


AWARD = """\
code = "thanks"
action = "award_points"
points = 100
where = "tier = basic"
period = "once"
"""


def test_a_campaign_award_may_take_a_member_up_to_the_member_limit(run, engine, tmp_path):
    full = enroll(engine).member_no
    enroll(engine)
    holding(engine, full, pts=limits.MAX_MEMBER_POINTS - 100)
    path = tmp_path / "thanks.toml"
    path.write_text(AWARD, encoding="utf-8")
    run.json("campaign", "add", str(path))
    data = run.json("campaign", "run", "thanks", "--as-of", "2026-11-25")
    assert (data["awarded"], data["points"]) == (2, 200)
    with transaction(engine) as session:
        assert member_row(session, full).points == 10**12
    check_clean(engine)


def test_a_campaign_award_may_not_take_a_member_past_the_member_limit(run, engine, tmp_path):
    full = enroll(engine).member_no
    enroll(engine)
    holding(engine, full, pts=limits.MAX_MEMBER_POINTS - 99)
    path = tmp_path / "thanks.toml"
    path.write_text(AWARD, encoding="utf-8")
    run.json("campaign", "add", str(path))
    before = snapshot(engine)
    line = failure(run("campaign", "run", "thanks", "--as-of", "2026-11-25"), 5)
    assert line == (
        f"error: campaign thanks would give {full} 1000000000001 points, more than a member may "
        "hold; a member holds at most 1,000,000,000,000 points"
    )
    assert snapshot(engine) == before


def test_an_import_of_purchases_keeps_the_points_limits(run, engine, tmp_path: Path):
    m = enroll(engine, phone="13800138000").member_no
    path = tmp_path / "tiers.toml"
    path.write_text('[[tier]]\ncode = "basic"\nname = "普通"\nrank = 1\nmultiplier = 100\n')
    run.json("tier", "load", str(path))
    header = ["手机号", "订单号", "金额", "时间"]
    at_limit = write_csv(
        tmp_path / "a.csv", [header, ["13800138000", "A1", "10000000.00", "2026-11-01"]]
    )
    assert run("import", "purchases", str(at_limit)).exit_code == 0
    assert run.json("member", "show", m)["points"] == 10**9
    past = write_csv(
        tmp_path / "b.csv", [header, ["13800138000", "A2", "10000000.01", "2026-11-02"]]
    )
    before = snapshot(engine)
    line = failure(run("import", "purchases", str(past)), 5)
    assert line == (
        "error: order A2 would earn 1000000001 points, more than one entry may hold; "
        "one entry holds at most 1,000,000,000 points"
    )
    assert snapshot(engine) == before


def test_an_import_of_purchases_keeps_the_member_limit(run, engine, tmp_path: Path):
    m = enroll(engine, phone="13800138000").member_no
    holding(engine, m, pts=limits.MAX_MEMBER_POINTS - 30)
    rows = [["13800138000", f"A{i}", "10", "2026-11-01"] for i in range(4)]
    path = write_csv(tmp_path / "p.csv", [["手机号", "订单号", "金额", "时间"], *rows])
    before = snapshot(engine)
    line = failure(run("import", "purchases", str(path)), 5)
    assert line == (
        f"error: {m} would have 1000000000010 points, more than a member may hold; "
        "a member holds at most 1,000,000,000,000 points"
    )
    assert snapshot(engine) == before
    path = write_csv(tmp_path / "q.csv", [["手机号", "订单号", "金额", "时间"], *rows[:3]])
    assert run("import", "purchases", str(path)).exit_code == 0
    assert run.json("member", "show", m)["points"] == 10**12
    check_clean(engine)
