"""The counter menu's checkout (收银), driven in a real pseudo-terminal: the questions, the
preview receipt, nothing written on "no", the sale on "yes"."""

from __future__ import annotations

import pytest

from tests import ledgers
from tests.factories import enroll, snapshot
from tests.slow.test_menu_wizard import _menu, cli_json, finish, spawn

pytestmark = pytest.mark.slow

CHECKOUT, QUIT = "7", "8"


def _answer_checkout(child, *, points: str, wallet: str, pay: str) -> None:
    child.expect("Member")
    child.send("张三\r")
    child.expect("List total")
    child.send("300\r")
    child.expect("Coupon code")
    child.send("\r")
    child.expect("Points to use")
    child.send(f"{points}\r")
    child.expect("Stored value to use")
    child.send(f"{wallet}\r")
    child.expect("How is the rest paid")
    child.send(f"{pay}\r")


def test_checkout_previews_then_sells_on_yes(db_url, engine):
    m = enroll(engine, name="张三", phone="13800138000", tier="gold").member_no
    ledgers.add(engine, m, 1000)
    ledgers.topup(engine, m, "100")
    child = spawn(db_url)
    _menu(child, CHECKOUT)
    child.expect("Member")
    child.send("张三\r")
    child.expect("List total")
    child.send("300\r")
    child.expect("Coupon code")
    child.send("\r")
    child.expect("Points to use")
    child.send("abc\r")
    child.expect("give a whole number of points")  # the typo is caught under the prompt
    child.send("\x7f" * 3 + "max\r")
    child.expect("Stored value to use")
    child.send("50\r")
    child.expect("How is the rest paid")
    child.send("3\r")
    # 300.00 x 0.95 = 285.00; points max: 1,000 points = 10.00 (cap 142.50); wallet 50.00
    child.expect("preview of order")
    child.expect("225.00")
    child.expect("Complete this sale")
    child.send("y")
    child.expect("225.00 by WeChat Pay")
    _menu(child, QUIT)
    status, output = finish(child)
    assert status == 0, output
    member = cli_json(db_url, "member", "show", m)
    # earning on 50.00 + 225.00 = 275.00 x 1.50 = 412.5 -> 412
    assert (member["points"], member["balance"]) == (412, "50.00")


def test_checkout_writes_nothing_on_no(db_url, engine):
    enroll(engine, name="张三", phone="13800138000")
    before = snapshot(engine)
    child = spawn(db_url)
    _menu(child, CHECKOUT)
    _answer_checkout(child, points="", wallet="", pay="1")
    child.expect("preview of order")
    child.expect("Complete this sale")
    child.send("n")
    child.expect("Cancelled; nothing was changed")
    _menu(child, QUIT)
    status, output = finish(child)
    assert status == 0, output
    assert snapshot(engine) == before
