"""Idempotency that cannot be switched off (issue 13.8) and order numbers that refuse a different
purchase (issue 13.2), through the real CLI: an empty key or order number is a usage error (2),
the same key or order number for a different write is refused (4) and changes nothing, and only
an exact repeat is a duplicate (0)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import error_line
from tests.factories import add_store, enroll, snapshot

EMPTY_KEY = (
    "error: the --key is empty; give the key of this write, or leave --key out for a write "
    "without one"
)
NEW_KEY = "use a new --key for a different write"

KEYED_WRITES = [
    ["points", "add", "{m}", "5", "--reason", "r"],
    ["points", "deduct", "{m}", "5", "--reason", "r"],
    ["wallet", "topup", "{m}", "10"],
    ["wallet", "pay", "{m}", "5"],
    ["wallet", "refund", "{m}", "5"],
]


def _funded(run, engine) -> str:
    m = enroll(engine).member_no
    run.json("points", "add", m, "100", "--reason", "opening", "--key", "open-p")
    run.json("wallet", "topup", m, "100", "--key", "open-w")
    run.json("wallet", "pay", m, "50", "--key", "open-pay")
    return m


@pytest.mark.parametrize("key", ["", "   ", "\t"])
@pytest.mark.parametrize("args", KEYED_WRITES, ids=lambda a: " ".join(a[:2]))
def test_an_empty_key_is_a_usage_error_and_writes_nothing(run, engine, args, key):
    m = _funded(run, engine)
    before = snapshot(engine)
    result = run(*[a.format(m=m) for a in args], "--key", key)
    assert (result.exit_code, error_line(result)) == (2, EMPTY_KEY)
    assert snapshot(engine) == before


def test_an_empty_key_never_charges_twice(run, engine):
    m = _funded(run, engine)
    for _ in range(2):
        assert run("wallet", "pay", m, "10", "--key", "").exit_code == 2
    assert run.json("wallet", "balance", m)["balance"] == "50.00"


def test_a_repeated_topup_with_an_added_bonus_is_refused(run, engine):
    m = enroll(engine).member_no
    run.json("wallet", "topup", m, "10", "--key", "W1")
    before = snapshot(engine)
    result = run("wallet", "topup", m, "10", "--key", "W1", "--bonus", "5")
    assert result.exit_code == 4
    assert error_line(result) == (
        "error: key 'W1' was already used for another write (topup 10.00 on entry 1); this one "
        f"differs in bonus; {NEW_KEY}"
    )
    assert snapshot(engine) == before
    again = run.json("wallet", "topup", m, "10", "--key", "W1")
    assert (again["duplicate"], again["bonus"], again["balance"]) == (True, "0.00", "10.00")


def test_a_repeated_topup_with_its_bonus_is_a_duplicate(run, engine):
    m = enroll(engine).member_no
    run.json("wallet", "topup", m, "10", "--key", "W2", "--bonus", "5")
    before = snapshot(engine)
    again = run.json("wallet", "topup", m, "10.00", "--key", "W2", "--bonus", "5.00")
    assert (again["duplicate"], again["bonus"], again["balance"]) == (True, "5.00", "15.00")
    assert snapshot(engine) == before
    failure = run("wallet", "topup", m, "10", "--key", "W2")  # the bonus left out
    assert failure.exit_code == 4 and "differs in bonus" in error_line(failure)


@pytest.mark.parametrize(
    ("first", "second", "differs"),
    [
        (["wallet", "topup", "{m}", "10"], ["wallet", "topup", "{m}", "11"], "amount"),
        (["wallet", "topup", "{m}", "10"], ["wallet", "topup", "{o}", "10"], "member"),
        (
            ["wallet", "topup", "{m}", "10", "--reason", "a"],
            ["wallet", "topup", "{m}", "10", "--reason", "b"],
            "reason",
        ),
        (
            ["wallet", "topup", "{m}", "10"],
            ["wallet", "topup", "{m}", "10", "--reason", "b"],
            "reason",
        ),
        (["wallet", "topup", "{m}", "10"], ["wallet", "pay", "{m}", "10"], "amount"),
        (
            ["wallet", "topup", "{m}", "10", "--bonus", "2"],
            ["wallet", "topup", "{o}", "12", "--bonus", "3"],
            "member, amount, bonus",
        ),
        (
            ["points", "add", "{m}", "5", "--reason", "r"],
            ["points", "add", "{m}", "6", "--reason", "r"],
            "points",
        ),
        (
            ["points", "add", "{m}", "5", "--reason", "r"],
            ["points", "add", "{m}", "5", "--reason", "s"],
            "reason",
        ),
        (
            ["points", "add", "{m}", "5", "--reason", "r", "--expires", "2027-06-30"],
            ["points", "add", "{m}", "5", "--reason", "r", "--expires", "never"],
            "expiry date",
        ),
        (
            ["points", "add", "{m}", "5", "--reason", "r"],
            ["points", "add", "{o}", "5", "--reason", "r"],
            "member",
        ),
        (
            ["points", "add", "{m}", "5", "--reason", "r"],
            ["points", "deduct", "{m}", "5", "--reason", "r"],
            "points",
        ),
    ],
)
def test_the_same_key_for_a_different_write_is_refused(run, engine, first, second, differs):
    m, o = enroll(engine).member_no, enroll(engine).member_no
    run.json("points", "add", o, "50", "--reason", "opening")
    run.json(*[a.format(m=m, o=o) for a in first], "--key", "K1")
    before = snapshot(engine)
    result = run(*[a.format(m=m, o=o) for a in second], "--key", "K1")
    assert result.exit_code == 4, result.stderr
    line = error_line(result)
    assert line.startswith("error: key 'K1' was already used for another write (")
    assert line.endswith(f"); this one differs in {differs}; {NEW_KEY}")
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "args",
    [
        ["points", "add", "{m}", "5", "--reason", "r", "--expires", "2027-06-30"],
        ["points", "add", "{m}", "5", "--reason", "r"],
        ["points", "deduct", "{m}", "5", "--reason", "r"],
        ["wallet", "topup", "{m}", "10", "--bonus", "1", "--reason", "r"],
        ["wallet", "pay", "{m}", "5", "--reason", "r"],
        ["wallet", "refund", "{m}", "5"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_an_exact_repeat_is_a_duplicate_that_changes_nothing(run, engine, args):
    m = _funded(run, engine)
    argv = [a.format(m=m) for a in args]
    assert run.json(*argv, "--key", "  R1 ")["duplicate"] is False
    before = snapshot(engine)
    again = run(*argv, "--key", "R1", "-f", "json")
    assert again.exit_code == 0 and '"duplicate": true' in again.stdout
    assert again.stderr == f"{m}: key 'R1' was used before; nothing changed\n"
    assert snapshot(engine) == before


# -- order numbers (13.2) ---------------------------------------------------------------------

ONE_PURCHASE = "an order number names one purchase: check it, or leave --order-no out"
EMPTY_ORDER = "error: the --order-no is empty; give the order's number, or leave --order-no out"


def _sold(run, engine) -> tuple[str, str]:
    m, o = enroll(engine).member_no, enroll(engine).member_no
    run.json("purchase", "record", m, "100", "--order-no", "A1", "--at", "2026-11-02T10:00")
    return m, o


@pytest.mark.parametrize(
    ("who", "amount", "at", "differs"),
    [
        ("o", "100", [], "member"),
        ("m", "999", [], "amount"),
        ("m", "100", ["--at", "2026-11-02T10:01"], "time"),
        ("o", "999", ["--at", "2026-11-03"], "member, amount, time"),
    ],
)
def test_the_same_order_number_for_another_purchase_is_refused(
    run, engine, who, amount, at, differs
):
    m, o = _sold(run, engine)
    before = snapshot(engine)
    result = run("purchase", "record", {"m": m, "o": o}[who], amount, "--order-no", "A1", *at)
    assert result.exit_code == 4
    assert error_line(result) == (
        f"error: order A1 is already recorded for {m} (100.00 at 2026-11-02 10:00:00); "
        f"this one differs in {differs}; {ONE_PURCHASE}"
    )
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "args",
    [["100"], ["100.00", "--at", "2026-11-02T10:00:00"], ["100", "--at", "2026-11-02T10:00"]],
)
def test_only_an_exact_repeat_of_an_order_is_a_duplicate(run, engine, args):
    m, _o = _sold(run, engine)
    before = snapshot(engine)
    data = run.json("purchase", "record", m, *args, "--order-no", " A1 ")
    assert (data["duplicate"], data["member_no"], data["amount"], data["points"]) == (
        True,
        m,
        "100.00",
        100,
    )
    assert snapshot(engine) == before


def test_the_order_numbers_store_is_named_and_a_phone_shaped_member_number_masked(run, engine):
    m = enroll(engine, member_no="13800138000").member_no
    o = enroll(engine).member_no
    add_store(engine, "north")
    run.json("purchase", "record", m, "10", "--order-no", "B7", "--store", "north")
    result = run("purchase", "record", o, "10", "--order-no", "B7", "--store", "north")
    assert result.exit_code == 4
    line = error_line(result)
    assert line.startswith("error: order B7 of store north is already recorded for 138****8000 (")
    assert "13800138000" not in line and line.endswith(f"differs in member; {ONE_PURCHASE}")


@pytest.mark.parametrize("order_no", ["", "   "])
def test_an_empty_order_number_is_a_usage_error_not_a_generated_one(run, engine, order_no):
    m = enroll(engine).member_no
    before = snapshot(engine)
    for args in (["purchase", "record", m, "10"], ["coupon", "redeem", "ABCD2345"]):
        result = run(*args, "--order-no", order_no)
        assert (result.exit_code, error_line(result)) == (2, EMPTY_ORDER)
    assert snapshot(engine) == before


def test_an_import_rejects_an_order_number_stored_for_another_purchase(run, engine, tmp_path):
    from tests.spreadsheets.sheets import write_csv

    m, o = _sold(run, engine)
    run.json("purchase", "record", m, "20", "--order-no", "A2", "--at", "2026-11-02T11:00")
    run.json("purchase", "record", m, "40", "--order-no", "A4", "--at", "2026-11-02T11:30")
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["会员卡号", "订单号", "金额", "时间"],
            [m, "A1", "100.00", "2026-11-02 10:00"],  # exactly the stored purchase: skipped
            [m, "A2", "25", "2026-11-02 11:00"],  # another amount
            [o, "A4", "40", "2026-11-02 11:30"],  # another member
            [m, "A3", "30", "2026-11-02 12:00"],  # new
        ],
    )
    before = snapshot(engine)
    result = run("import", "purchases", str(path), "-f", "json")
    assert result.exit_code == 5
    data = json.loads(result.stdout)
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (
            3,
            "订单号",
            f"order A2 is already recorded for {m} (20.00 at 2026-11-02 11:00:00); "
            "this one differs in amount",
        ),
        (
            4,
            "订单号",
            f"order A4 is already recorded for {m} (40.00 at 2026-11-02 11:30:00); "
            "this one differs in member",
        ),
    ]
    assert data["rejected"] == 2
    assert snapshot(engine) == before
    data = run.json("import", "purchases", str(path), "--skip-invalid")
    assert (data["inserted"], data["skipped"], data["rejected"]) == (1, 1, 2)
    assert run.json("member", "show", m)["points"] == 190
