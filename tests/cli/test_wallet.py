"""`wallet topup | pay | refund | balance | history` through the real CLI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from memberctl.models import WalletEntry
from tests import ledgers
from tests.conftest import failure
from tests.factories import enroll, member_in, member_row, snapshot


def test_topup_with_bonus_writes_two_rows(run, engine, session):
    m = enroll(engine).member_no
    data = run.json("wallet", "topup", m, "200", "--bonus", "20.5", "--key", "t-1")
    assert {k: data[k] for k in ("member_no", "amount", "bonus", "balance", "duplicate")} == {
        "member_no": m,
        "amount": "200.00",
        "bonus": "20.50",
        "balance": "220.50",
        "duplicate": False,
    }
    rows = session.exec(select(WalletEntry.kind, WalletEntry.amount).order_by(WalletEntry.id)).all()
    assert rows == [("topup", Decimal("200.00")), ("bonus", Decimal("20.50"))]
    assert member_row(session, m).balance == Decimal("220.50")


def test_pay_and_exact_decimals(run, engine, session):
    m = enroll(engine).member_no
    for amount in ("0.10", "0.20", "0.70"):
        run.json("wallet", "topup", m, amount)
    data = run.json("wallet", "pay", m, "0.30")
    assert (data["amount"], data["balance"]) == ("0.30", "0.70")
    assert run.json("wallet", "balance", m) == {"member_no": m, "balance": "0.70", "paid": "0.30"}
    assert member_row(session, m).balance == Decimal("0.70")


def test_paying_more_than_the_balance_is_refused(run, engine):
    m = enroll(engine).member_no
    ledgers.topup(engine, m, "50.00")
    before = snapshot(engine)
    failure(run("wallet", "pay", m, "50.01"), 4, "has 50.00 in the wallet", "not 50.01")
    assert snapshot(engine) == before
    assert run.json("wallet", "pay", m, "50.00")["balance"] == "0.00"


@pytest.mark.parametrize("args", [["topup", "10", "--key", "K"], ["pay", "5", "--key", "P"]])
def test_every_write_is_idempotent_with_a_key(run, engine, args):
    m = enroll(engine).member_no
    ledgers.topup(engine, m, "20.00")
    run.json("wallet", args[0], m, *args[1:])
    before = snapshot(engine)
    result = run("wallet", args[0], m, *args[1:], "-f", "json")
    assert result.exit_code == 0 and "nothing changed" in result.stderr
    assert '"duplicate": true' in result.stdout
    assert snapshot(engine) == before


def test_a_key_reused_with_another_amount_is_refused(run, engine):
    m = enroll(engine).member_no
    run.json("wallet", "topup", m, "10", "--key", "K")
    failure(run("wallet", "topup", m, "11", "--key", "K"), 4, "key 'K'")


def test_refund_gives_back_at_most_what_was_paid(run, engine):
    m = enroll(engine).member_no
    ledgers.topup(engine, m, "100.00")
    run.json("wallet", "pay", m, "40")
    assert run.json("wallet", "refund", m, "25")["balance"] == "85.00"
    failure(run("wallet", "refund", m, "15.01"), 4, "paid 15.00")
    assert run.json("wallet", "refund", m, "15")["balance"] == "100.00"


@pytest.mark.parametrize("status", ["frozen", "cancelled"])
@pytest.mark.parametrize("verb", ["topup", "pay", "refund"])
def test_frozen_and_cancelled_wallets_are_closed(run, engine, status, verb):
    m = member_in(engine, status).member_no
    failure(run("wallet", verb, m, "1"), 4, f"the member is {status}")


# every form money.parse refuses is in tests/domain/test_money.py; "0" is the wallet's own rule
@pytest.mark.parametrize("amount", ["x", "0"])
def test_bad_amounts_are_invalid_input(run, engine, amount):
    m = enroll(engine).member_no
    assert run("wallet", "topup", m, "--", amount).exit_code == 5


def test_history_lists_the_rows(run, engine):
    m = enroll(engine).member_no
    ledgers.topup(engine, m, "30.00", bonus=Decimal("3.00"))
    rows = run.json("wallet", "history", m)
    assert [(r["kind"], r["amount"]) for r in rows] == [("topup", "30.00"), ("bonus", "3.00")]
    shown = run.json("member", "history", m)
    assert [(e["kind"], e["action"]) for e in shown][-2:] == [
        ("wallet", "topup"),
        ("wallet", "bonus"),
    ]
