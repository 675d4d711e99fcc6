"""The clerk's menu once staff exist (issue 18), in a real pseudo-terminal: it offers only the
items the role may use (permissions.MATRIX), asks a clerk no question whose answer only a
manager may give (tier, top-up bonus: permissions.OPTION_RULES), and a job's token cannot
open it at all."""

from __future__ import annotations

import os
import sys

import pexpect
import pytest
from sqlalchemy import insert, select

from memberctl.domain import sessions
from memberctl.domain.permissions import Role
from memberctl.models import Staff
from tests.conftest import NOW
from tests.factories import enroll

pytestmark = pytest.mark.slow


def _token(engine, name: str, role: Role) -> str:
    table = Staff.__table__
    with engine.begin() as connection:
        connection.execute(
            insert(table).values(
                name=name, role=role.value, password_hash="not-a-real-hash", created_at=NOW
            )
        )
        staff_id = connection.execute(select(table.c.id).where(table.c.name == name)).scalar_one()
        return sessions.issue(connection, staff_id=staff_id, kind="login")


def spawn(db_url: str, token: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.update(
        {"MEMBERCTL_TOKEN": token, "MEMBERCTL_LANG": "en", "TERM": "xterm", "COLUMNS": "100",
         "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    )  # fmt: skip
    return pexpect.spawn(
        sys.executable,
        ["-m", "memberctl", "--db", db_url],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )


def _menu_shown(child: pexpect.spawn) -> str:
    child.expect("What would you like to do")
    child.expect("Quit")
    return child.before


def test_a_clerk_is_offered_only_a_clerks_items_and_questions(db_url, engine):
    enroll(engine, name="张三", phone="13800138000")
    child = spawn(db_url, _token(engine, "clerk", Role.clerk))
    shown = _menu_shown(child)
    for item in ("Enrol a member", "Find a member", "Record a purchase", "Top up stored value",
                 "Checkout"):  # fmt: skip
        assert item in shown
    assert "Redeem points" not in shown  # points deduct: a manager's
    assert "Reports" not in shown  # the menu's reports are a manager's
    child.send("4\r")  # top up: no bonus asked
    child.expect("Member")
    child.send("张三\r")
    child.expect("Amount to top up")
    child.send("100\r")
    child.expect("100.00")
    assert "Bonus" not in child.before
    _menu_shown(child)
    child.send("1\r")  # enrol: no tier asked
    child.expect("Name:")
    child.send("李四\r")
    child.expect("Phone:")
    child.send("13900139000\r")
    child.expect("Gender:")
    child.send("\r")
    child.expect("Birthday")
    child.send("\r")
    child.expect("Tags")
    assert "Tier:" not in child.before
    child.send("\r")
    child.expect("Enrol this member")
    child.send("y")
    child.expect("M000002")
    _menu_shown(child)
    child.send("6\r")  # quit
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_manager_is_offered_redeem_and_reports(db_url, engine):  # noqa: ARG001
    child = spawn(db_url, _token(engine, "mgr", Role.manager))
    shown = _menu_shown(child)
    assert "Redeem points" in shown and "Reports" in shown
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_job_token_cannot_open_the_menu(db_url, engine):  # noqa: ARG001
    child = spawn(db_url, _token(engine, "nightly", Role.job))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 6
    assert child.before.strip() == (
        "error: 'memberctl' needs a clerk, a manager or the owner; nightly is a job token; "
        "ask someone with that role, or log in as them with 'memberctl login'"
    )
