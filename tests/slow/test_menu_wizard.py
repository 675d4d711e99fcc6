"""The clerk's terminal, driven in a real pseudo-terminal: the menu `memberctl` opens, the enrol
wizard, and the pick list of `member search`. Nothing here mocks questionary."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pexpect
import pytest

from tests.factories import enroll, snapshot

pytestmark = pytest.mark.slow

DOWN = "\x1b[B"
BACKSPACE = "\x7f"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    return {
        **env,
        "MEMBERCTL_OPERATOR": "clerk",
        "TERM": "xterm",
        "COLUMNS": "100",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        **extra,
    }


def spawn(db_url: str, *args: str, **env: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "memberctl", "--db", db_url, *args],
        env=_env(**env),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def cli_json(db_url: str, *args: str) -> object:
    result = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", *args, "-f", "json"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def answer_wizard(child: pexpect.spawn, name: str, phone: str) -> None:
    """Name, a bad phone (re-asked), then the phone, gender female, a bad birthday (re-asked),
    the birthday, the second tier, a store and two tags."""
    child.expect("Name:")
    child.send(f"{name}\r")
    child.expect("Phone:")
    child.send("12345\r")
    child.expect("not a valid phone number")  # shown under the prompt, which stays
    child.send(BACKSPACE * 5 + f"{phone}\r")
    child.expect("Gender:")
    child.send(f"{DOWN}{DOWN}\r")
    child.expect("Birthday")
    child.send("1990-02-30\r")
    child.expect("does not exist")
    child.send(BACKSPACE * 10 + "1990-05-06\r")
    child.expect("Tier:")
    child.send(f"{DOWN}\r")
    child.expect("Store")
    child.send("朝阳店\r")
    child.expect("Tags")
    child.send("vip, 新客\r")
    child.expect("New member")


def test_wizard_asks_field_by_field_and_writes_on_yes(db_url, engine):  # noqa: ARG001
    child = spawn(db_url, "member", "enroll", "-f", "json")
    answer_wizard(child, "张三丰", "13800138000")
    child.expect("138 0013 8000")  # the preview, before anything is written
    child.expect("银卡会员")  # the tier by its name (issue 14), not its code
    child.expect("Enrol this member")
    child.send("y")
    status, output = finish(child)
    assert status == 0, output
    member = cli_json(db_url, "member", "show", "13800138000")
    assert (
        member
        | {
            "member_no": "M000001",
            "name": "张三丰",
            "gender": "female",
            "birthday": "1990-05-06",
            "tier": "silver",
            "store": "朝阳店",
            "tags": ["vip", "新客"],
            "status": "active",
        }
        == member
    )


def test_wizard_writes_nothing_on_no(db_url, engine):
    before = snapshot(engine)
    child = spawn(db_url, "member", "enroll")
    answer_wizard(child, "李四", "13900139000")
    child.expect("Enrol this member")
    child.send("n")
    status, output = finish(child)
    assert status == 1
    assert "cancelled; nothing was changed" in output
    assert snapshot(engine) == before


def test_with_an_option_given_only_the_missing_required_value_is_asked(db_url, engine):  # noqa: ARG001
    child = spawn(db_url, "member", "enroll", "--name", "王五", "-f", "json")
    child.expect("Phone:")
    child.send("13700137000\r")
    status, output = finish(child)
    assert status == 0, output
    assert "Gender" not in output and "Enrol this member" not in output
    assert cli_json(db_url, "member", "show", "13700137000")["name"] == "王五"


def _menu(child: pexpect.spawn, item: str) -> None:
    child.expect("What would you like to do")
    child.send(f"{item}\r")


def test_menu_enrols_finds_sells_and_quits(db_url, engine):  # noqa: ARG001
    child = spawn(db_url)
    _menu(child, "1")  # enrol a member: the wizard
    answer_wizard(child, "张三", "13800138000")
    child.expect("Enrol this member")
    child.send("y")
    child.expect("M000001")
    _menu(child, "2")  # find a member: by pinyin initials
    child.expect("Member")
    child.send("zs\r")
    child.expect("138 0013 8000")
    _menu(child, "3")  # record a purchase for the member found by the last 4 phone digits
    child.expect("Member")
    child.send("8000\r")
    child.expect("Amount paid")
    child.send("abc\r")
    child.expect("not an amount of money")
    child.send(BACKSPACE * 3 + "120\r")
    child.expect("Order number")
    child.send("A-1\r")
    child.expect("A-1")
    _menu(child, "4")  # redeem more points than earned: one error line, the menu comes back
    child.expect("Member")
    child.send("M000001\r")
    child.expect("Points to redeem")
    child.send("100000\r")
    child.expect("Reason")
    child.send("gift\r")
    child.expect("error: ")
    _menu(child, "8")  # quit
    status, output = finish(child)
    assert status == 0, output
    member = cli_json(db_url, "member", "show", "M000001")
    assert member["points"] > 0 and member["points"] < 100000
    purchases = cli_json(db_url, "member", "history", "M000001")
    assert purchases  # the purchase and the enrolment are on the member's timeline


def test_menu_reports_and_top_up(db_url, engine):
    enroll(engine, name="张三", phone="13800138000")
    child = spawn(db_url)
    _menu(child, "5")  # top up
    child.expect("Member")
    child.send("张三\r")
    child.expect("Amount to top up")
    child.send("100\r")
    child.expect("Bonus")
    child.send("20\r")
    child.expect("120.00")
    _menu(child, "6")  # reports: summary
    child.expect("Which report")
    child.send("1\r")
    child.expect("120.00")  # the balance owed, in the summary
    _menu(child, "8")  # quit
    status, output = finish(child)
    assert status == 0, output
    assert cli_json(db_url, "wallet", "balance", "M000001")["balance"] == "120.00"


def test_ctrl_c_at_the_menu_leaves(db_url, engine):  # noqa: ARG001
    child = spawn(db_url)
    child.expect("What would you like to do")
    child.sendcontrol("c")
    status, _output = finish(child)
    assert status == 0


def test_no_terminal_or_no_input_shows_help_instead_of_the_menu(db_url, engine):  # noqa: ARG001
    piped = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert piped.returncode == 2
    assert "What would you like to do" not in piped.stdout + piped.stderr
    assert "error: Missing command." in piped.stderr
    bare = subprocess.run(
        [sys.executable, "-m", "memberctl"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert bare.returncode == 2 and "Usage: " in bare.stdout
    child = spawn(db_url, MEMBERCTL_NO_INPUT="1")
    status, output = finish(child)
    assert status == 2
    assert "What would you like to do" not in output


def test_search_with_several_matches_gives_a_pick_list(db_url, engine):
    enroll(engine, name="张三", phone="13800138000")
    enroll(engine, name="张三丰", phone="13900139000")
    child = spawn(db_url, "member", "search", "zs")
    child.expect("Which member")
    child.expect("M000002")
    child.send("2\r")
    status, output = finish(child)
    assert status == 0, output
    assert "139 0013 9000" in output  # the chosen member, shown in full
    assert "Birthday" in output and "138 0013 8000" not in output
