"""`memberctl login`, `logout`, `whoami` (issue 18) through the CLI: the session file, the
lockout after wrong passwords, the idle timeout and the end of the day."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest
from sqlalchemy import select, update

from memberctl import session_file
from memberctl.models import AuditEntry, Staff, StaffSession
from tests.conftest import error_line, failure

pytestmark = pytest.mark.usefixtures("cheap_hashes")
PASSWORD = "correct horse battery"
WRONG_OR_UNKNOWN = (
    "error: wrong name or password; check both and try again; 5 wrong passwords in a row lock "
    "the account"
)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """The session file under tmp_path; no --operator (refused once staff exist)."""
    monkeypatch.setenv("MEMBERCTL_STATE_DIR", str(tmp_path / "state"))
    return {"MEMBERCTL_OPERATOR": "", "MEMBERCTL_STATE_DIR": str(tmp_path / "state")}


@pytest.fixture
def shop(run, env):
    """The owner boss and the clerk amy."""
    for name, role in (("boss", "owner"), ("amy", "clerk")):
        if role == "clerk":
            assert login(run, env, "boss").exit_code == 0
        made = run(
            "staff", "add", name, "--role", role, "--password-stdin",
            input=PASSWORD + "\n", env=env,
        )  # fmt: skip
        assert made.exit_code == 0, made.stderr
    assert run("logout", env=env).exit_code == 0
    return env


def login(run, env, name, password=PASSWORD, *more):
    return run("login", name, "--password-stdin", *more, input=password + "\n", env=env)


def audit_actions(session):
    session.rollback()  # a fresh snapshot
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    return [(a.operator, a.action, a.details) for a in rows if a.action.startswith("staff.")]


def staff_row(session, name):
    session.rollback()  # a fresh snapshot
    return session.exec(select(Staff).where(Staff.name == name)).scalars().one()


def test_login_whoami_logout(run, db_url, session, shop):
    env = shop
    result = login(run, env, "amy")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("logged in as amy until ")
    path = session_file.path_for(db_url)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    held = path.read_text(encoding="ascii")
    assert held.startswith("mct_") and PASSWORD not in held
    who = json.loads(run("whoami", "-f", "json", env=env).stdout)
    until = who.pop("until")
    assert who == {"name": "amy", "role": "clerk", "stores": [], "how": "session"}
    assert until.endswith("T23:59:00")
    enrolled = run("member", "enroll", "--name", "张三", "--phone", "13800138000", env=env)
    assert enrolled.exit_code == 0, enrolled.stderr
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "member.enroll")).one()
    assert entry[0].operator == "amy"  # the logged-in staff member, not a typed name
    out = run("logout", env=env)
    assert out.exit_code == 0 and out.stderr.strip() == "amy is logged out"
    assert not path.exists()
    assert failure(run("member", "list", env=env), 6) == (
        "error: not logged in; log in with 'memberctl login', or give a job's token in "
        "MEMBERCTL_TOKEN"
    )
    assert run("logout", env=env).stderr.strip() == "nobody was logged in"
    actions = [(op, action) for op, action, _ in audit_actions(session)][-2:]
    assert actions == [("amy", "staff.login"), ("amy", "staff.logout")]


def test_whoami_when_not_logged_in(run, shop):
    del shop
    assert failure(run("whoami", env={"MEMBERCTL_OPERATOR": ""}), 6, "not logged in")


def test_whoami_with_no_staff_yet(run, env):
    del env
    who = json.loads(run("whoami", "-f", "json").stdout)  # MEMBERCTL_OPERATOR=tester
    assert who == {
        "name": "tester", "role": None, "stores": [], "how": "no staff yet", "until": None,
    }  # fmt: skip


def test_unknown_disabled_and_wrong_password_read_alike(run, session, shop):
    env = shop
    for name, password in (("nobody", PASSWORD), ("amy", "wrong password")):
        assert failure(login(run, env, name, password), 6) == WRONG_OR_UNKNOWN
    assert login(run, env, "boss").exit_code == 0
    assert run("staff", "disable", "amy", env=env).exit_code == 0
    assert failure(login(run, env, "amy"), 6) == WRONG_OR_UNKNOWN
    zh = run("--lang", "zh", "login", "nobody", "--password-stdin", input="x\n", env=env)
    assert zh.exit_code == 6
    assert error_line(zh) == "错误：姓名或密码错误；请检查后重试；连续 5 次密码错误将锁定账号"
    failed = [d for _, action, d in audit_actions(session) if action == "staff.login_failed"]
    assert failed[:2] == [
        {"staff": None, "reason": "unknown"},  # a typed name that is nobody's is not kept
        {"staff": "amy", "reason": "password"},
    ]
    assert {"staff": "amy", "reason": "disabled"} in failed


def test_five_wrong_passwords_lock_the_account(run, engine, session, shop):
    env = shop
    for attempt in range(1, 5):
        assert failure(login(run, env, "amy", "wrong password"), 6) == WRONG_OR_UNKNOWN
        assert staff_row(session, "amy").failed_logins == attempt
    fifth = failure(login(run, env, "amy", "wrong password"), 6)
    row = staff_row(session, "amy")
    until = row.locked_until
    assert until is not None and row.failed_logins == 0
    expected = (
        f"error: amy is locked after 5 wrong passwords in a row, until "
        f"{until:%Y-%m-%d %H:%M}; wait until then, or ask the owner for a new password "
        f"(memberctl staff password)"
    )
    assert fifth == expected
    assert abs(until - dt.datetime.now() - dt.timedelta(minutes=15)) < dt.timedelta(minutes=1)
    assert failure(login(run, env, "amy"), 6) == expected  # the right one, refused
    assert staff_row(session, "amy").failed_logins == 0  # not even checked
    listed = json.loads(run("staff", "list", "-f", "json", env=env | _owner(run, env)).stdout)
    assert {r["name"]: r["status"] for r in listed}["amy"] == "locked"
    actions = [a for _, a, _ in audit_actions(session)]
    assert actions.count("staff.locked") == 1
    assert actions[-2:] == ["staff.login_failed", "staff.login"]  # ... then the owner's login
    with engine.begin() as connection:  # the lock is over
        connection.execute(
            update(Staff)
            .where(Staff.name == "amy")
            .values(locked_until=dt.datetime.now() - dt.timedelta(minutes=1))
        )
    assert login(run, env, "amy").exit_code == 0
    assert staff_row(session, "amy").locked_until is None


def _owner(run, env):
    assert login(run, env, "boss").exit_code == 0
    return {}


def test_lockout_minutes_follow_the_setting(run, session, shop):
    env = shop
    assert login(run, env, "boss").exit_code == 0
    assert run("settings", "set", "staff.lockout_minutes", "60", env=env).exit_code == 0
    for _ in range(5):
        login(run, env, "amy", "wrong password")
    until = staff_row(session, "amy").locked_until
    assert abs(until - dt.datetime.now() - dt.timedelta(minutes=60)) < dt.timedelta(minutes=1)


def test_idle_timeout(run, engine, shop):
    env = shop
    assert login(run, env, "amy").exit_code == 0

    def idle(minutes):
        with engine.begin() as connection:
            connection.execute(
                update(StaffSession).values(
                    last_used_at=dt.datetime.now() - dt.timedelta(minutes=minutes)
                )
            )

    idle(29)
    assert run("member", "list", env=env).exit_code == 0
    idle(31)
    assert failure(run("member", "list", env=env), 6) == (
        "error: the session has ended or the token is not valid; log in again with "
        "'memberctl login'"
    )
    # a longer idle time set by the owner lets the same session through again
    assert login(run, env, "boss").exit_code == 0
    assert run("settings", "set", "staff.idle_minutes", "60", env=env).exit_code == 0
    assert login(run, env, "amy").exit_code == 0
    idle(31)
    assert run("member", "list", env=env).exit_code == 0


def test_the_session_ends_at_the_end_of_the_day(run, engine, session, shop):
    env = shop
    assert login(run, env, "boss").exit_code == 0
    assert run("settings", "set", "staff.session_end", "6:30", env=env).exit_code == 0
    before = dt.datetime.now().replace(microsecond=0)
    assert login(run, env, "amy").exit_code == 0
    session.rollback()
    expires = session.exec(
        select(StaffSession.expires_at).order_by(StaffSession.id.desc())
    ).first()[0]
    today = dt.datetime.combine(before.date(), dt.time(6, 30))
    assert expires == (today if before < today else today + dt.timedelta(days=1))
    assert run("member", "list", env=env).exit_code == 0
    with engine.begin() as connection:
        connection.execute(
            update(StaffSession).values(expires_at=dt.datetime.now() - dt.timedelta(seconds=1))
        )
    failure(run("member", "list", env=env), 6, "the session has ended")


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("staff.session_end", "24:00", "a time of day from 00:00 to 23:59"),
        ("staff.idle_minutes", "0", "from 1 to 1440"),
        ("staff.lockout_minutes", "1441", "from 1 to 1440"),
    ],
)
def test_staff_settings_are_checked(run, key, value, rule):
    failure(run("settings", "set", key, value), 5, rule)


def test_login_needs_a_password_and_a_name_without_a_terminal(run, shop):
    env = shop
    assert failure(run("login", "amy", env=env), 2) == (
        "error: a password is needed and prompts need a terminal; give --password-stdin and "
        "the password as one line on stdin"
    )
    failure(run("login", "--password-stdin", input=PASSWORD + "\n", env=env), 2, "NAME")
