"""`memberctl staff add | list | disable | password` and `staff token add | list | revoke`
(issue 18), through the CLI, on a real database.

Once a staff member exists every command needs a login: these tests act with a session token
in MEMBERCTL_TOKEN (no --operator: it is refused then)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from memberctl.domain import sessions, staff
from memberctl.models import AuditEntry, Staff, StaffSession
from tests.conftest import error_line, failure
from tests.factories import add_store, snapshot

pytestmark = pytest.mark.usefixtures("cheap_hashes")
PASSWORD = "correct horse battery"
FAR = dt.datetime(2999, 1, 1)
REAL_HASHER = staff.hasher
NOBODY = {"MEMBERCTL_OPERATOR": ""}  # staff exist: --operator / MEMBERCTL_OPERATOR is refused


def as_(token: str) -> dict[str, str]:
    return {**NOBODY, "MEMBERCTL_TOKEN": token}


def add(run, name, role, *more, token=None, password=PASSWORD):
    env = as_(token) if token else None
    return run(
        "staff", "add", name, "--role", role, "--password-stdin", *more,
        input=password + "\n", env=env,
    )  # fmt: skip


def session_for(engine, name: str, kind: str = "login") -> str:
    with engine.begin() as connection:
        staff_id = connection.execute(select(Staff.id).where(Staff.name == name)).scalar_one()
        return sessions.issue(connection, staff_id=staff_id, kind=kind)


@pytest.fixture
def owner(run, engine) -> str:
    """The owner `boss` exists; their session token."""
    result = add(run, "boss", "owner")
    assert result.exit_code == 0, result.stderr
    return session_for(engine, "boss")


def audit_rows(session, prefix="staff."):
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    return [(a.operator, a.action, a.details) for a in rows if a.action.startswith(prefix)]


# -- staff add ---------------------------------------------------------------------------------


def test_the_first_staff_member_must_be_the_owner(run, engine):
    before = snapshot(engine)
    failure(
        add(run, "amy", "clerk"),
        4,
        "error: the first staff member must be the owner; add the owner first: "
        "memberctl staff add NAME --role owner",
    )
    zh = run(
        "--lang", "zh", "staff", "add", "amy", "--role", "clerk", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert zh.exit_code == 4
    assert (
        error_line(zh)
        == "错误：第一位员工必须是店主；请先添加店主：memberctl staff add 姓名 --role owner"
    )
    assert snapshot(engine) == before


def test_add_hashes_the_password_with_argon2id_and_audits_without_it(run, session, monkeypatch):
    monkeypatch.setattr(staff, "hasher", REAL_HASHER)  # the library's defaults, not the tests'
    result = add(run, "boss", "owner", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "staff member boss added"
    record = json.loads(result.stdout)
    assert {k: v for k, v in record.items() if k not in ("created", "db_role")} == {
        "name": "boss", "role": "owner", "stores": [], "status": "active",
    }  # fmt: skip
    if run.db_url.startswith("postgresql"):  # its own login role (domain/db_roles.py)
        assert record["db_role"].startswith("mc_boss_")
    else:
        assert record["db_role"] is None
    row = session.exec(select(Staff)).scalars().one()
    assert row.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert row.password_hash != PASSWORD and PASSWORD not in row.password_hash
    assert audit_rows(session) == [
        ("tester", "staff.add", {"staff": "boss", "role": "owner", "stores": []})
    ]
    every_detail = str([a.details for a in session.exec(select(AuditEntry)).scalars()])
    assert PASSWORD not in every_detail and "argon2" not in every_detail


def test_a_clerk_with_stores_is_added_by_the_logged_in_owner(run, engine, session, owner):
    add_store(engine, "S01", "旗舰店")
    result = add(run, "amy", "clerk", "--store", "旗舰店", "-f", "json", token=owner)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["stores"] == ["S01"]
    assert audit_rows(session)[-1] == (
        "boss", "staff.add", {"staff": "amy", "role": "clerk", "stores": ["S01"]}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "password", "code", "line"),
    [
        (["amy", "clerk"], "short", 5,
         "error: a password needs at least 8 characters (this one has 5); choose a longer "
         "password; a short sentence is easy to remember"),
        (["boss", "manager"], PASSWORD, 4,
         "error: there is already a staff member 'boss'; choose another name"),
        (["a\tb", "clerk"], PASSWORD, 5,
         "error: a staff name cannot hold control characters such as tabs or line breaks; "
         "type the name again"),
        (["amy", "clerk", "--store", "XX"], PASSWORD, 3,
         "error: no store 'XX' (no store is registered); check the spelling, or add it: "
         "memberctl store add CODE --name NAME"),
    ],
)  # fmt: skip
def test_add_refusals(run, engine, owner, args, password, code, line):
    before = snapshot(engine)
    result = add(run, *args[:2], *args[2:], token=owner, password=password)
    assert failure(result, code) == line
    assert snapshot(engine) == before


def test_add_refusals_in_chinese(run, owner):
    result = run(
        "--lang", "zh", "staff", "add", "amy", "--role", "clerk", "--password-stdin",
        input="short\n", env=as_(owner),
    )  # fmt: skip
    assert result.exit_code == 5
    assert error_line(result) == (
        "错误：密码至少需要 8 个字符（这个有 5 个）；请选择更长的密码；一句短话就容易记住"
    )


def test_no_password_without_a_terminal_is_a_usage_error(run, engine):
    before = snapshot(engine)
    result = run("staff", "add", "boss", "--role", "owner")
    assert failure(result, 2) == (
        "error: a password is needed and prompts need a terminal; give --password-stdin and "
        "the password as one line on stdin"
    )
    assert snapshot(engine) == before


# -- who may: --operator, roles, job tokens ----------------------------------------------------


def test_operator_is_refused_once_staff_exist(run, owner):
    del owner
    result = run("member", "list")  # TEST_ENV gives MEMBERCTL_OPERATOR=tester
    assert failure(result, 6) == (
        "error: --operator cannot say who is acting once staff exist; log in with 'memberctl "
        "login', or give a job's token in MEMBERCTL_TOKEN"
    )
    failure(run("member", "list", env=NOBODY), 6, "not logged in")


def test_a_clerk_may_not_add_staff(run, engine, owner):
    assert add(run, "amy", "clerk", token=owner).exit_code == 0
    clerk = session_for(engine, "amy")
    assert failure(add(run, "bob", "clerk", token=clerk), 6) == (
        "error: 'memberctl staff add' needs the owner; amy is a clerk; ask someone with that "
        "role, or log in as them with 'memberctl login'"
    )


def test_a_job_token_runs_nightly_but_not_member_list(run, session, owner):
    made = run("staff", "token", "add", "nightly", "-f", "json", env=as_(owner))
    assert made.exit_code == 0, made.stderr
    new = json.loads(made.stdout)
    assert new["name"] == "nightly" and new["role"] == "job" and new["token"].startswith("mct_")
    stored = session.exec(select(StaffSession.token_hash)).scalars().all()
    assert new["token"] not in stored and sessions.token_hash(new["token"]) in stored
    job = as_(new["token"])
    ran = run("nightly", "--as-of", "2026-11-25", env=job)
    assert ran.exit_code == 0, ran.stderr
    assert failure(run("member", "list", env=job), 6) == (
        "error: 'memberctl member list' needs a clerk, a manager or the owner; nightly is a job "
        "token; ask someone with that role, or log in as them with 'memberctl login'"
    )
    zh = run("--lang", "zh", "member", "list", env=job)
    assert zh.exit_code == 6
    assert error_line(zh) == (
        "错误：'memberctl member list' 需要店员、店长或店主权限；nightly 是任务令牌；"
        "请找有此权限的人操作，或用 'memberctl login' 以其身份登录"
    )


def test_token_list_and_revoke(run, session, owner):
    token = json.loads(
        run("staff", "token", "add", "nightly", "-f", "json", env=as_(owner)).stdout
    )["token"]
    rows = json.loads(run("staff", "token", "list", "-f", "json", env=as_(owner)).stdout)
    assert [(r["name"], r["role"], r["status"]) for r in rows] == [("nightly", "job", "active")]
    revoked = run("staff", "token", "revoke", "nightly", env=as_(owner))
    assert revoked.exit_code == 0 and revoked.stderr.strip() == "the token of nightly is revoked"
    failure(
        run("db", "check", env=as_(token)), 6, "the session has ended or the token is not valid"
    )
    again = run("staff", "token", "revoke", "nightly", env=as_(owner))
    assert again.exit_code == 0  # nothing changed
    rows = json.loads(run("staff", "token", "list", "-f", "json", env=as_(owner)).stdout)
    assert [r["status"] for r in rows] == ["revoked"]
    assert failure(run("staff", "token", "revoke", "boss", env=as_(owner)), 3) == (
        "error: 'boss' is a person, not a job; disable a person with 'memberctl staff disable'"
    )
    assert [a[1] for a in audit_rows(session)] == [
        "staff.add", "staff.token_add", "staff.token_revoke",
    ]  # fmt: skip


# -- staff list / disable / password -----------------------------------------------------------


def test_list_shows_status_active_locked_disabled(run, engine, owner):
    for name in ("amy", "bob"):
        assert add(run, name, "clerk", token=owner).exit_code == 0
    with engine.begin() as connection:
        connection.execute(update(Staff).where(Staff.name == "amy").values(locked_until=FAR))
    assert run("staff", "disable", "bob", env=as_(owner)).exit_code == 0
    rows = json.loads(run("staff", "list", "-f", "json", env=as_(owner)).stdout)
    assert [(r["name"], r["role"], r["status"]) for r in rows] == [
        ("amy", "clerk", "locked"), ("bob", "clerk", "disabled"), ("boss", "owner", "active"),
    ]  # fmt: skip
    assert set(rows[0]) == {"name", "role", "stores", "status", "db_role", "created"}
    csv = run("staff", "list", "-f", "csv", env=as_(owner)).stdout.splitlines()
    assert csv[0] == "name,role,stores,status,db_role,created"


def test_disable_ends_the_sessions_at_once_and_the_last_owner_stays(run, engine, session, owner):
    assert add(run, "amy", "clerk", token=owner).exit_code == 0
    clerk = session_for(engine, "amy")
    assert run("member", "list", env=as_(clerk)).exit_code == 0
    result = run("staff", "disable", "amy", env=as_(owner))
    assert result.exit_code == 0 and result.stderr.strip() == "amy is disabled"
    failure(run("member", "list", env=as_(clerk)), 6, "the session has ended")
    ended = session.exec(select(StaffSession.ended_at)).scalars().all()
    assert None not in ended[1:]  # amy's session is ended, not only refused
    assert failure(run("staff", "disable", "boss", env=as_(owner)), 4) == (
        "error: boss is the last owner and cannot be disabled; add another owner first: "
        "memberctl staff add NAME --role owner"
    )
    zh = run("--lang", "zh", "staff", "disable", "boss", env=as_(owner))
    assert zh.exit_code == 4
    assert error_line(zh) == (
        "错误：boss 是最后一位店主，不能停用；请先添加另一位店主：memberctl staff add 姓名 "
        "--role owner"
    )
    assert failure(run("staff", "disable", "nobody", env=as_(owner)), 3) == (
        "error: no staff member 'nobody'; see them with 'memberctl staff list'"
    )
    assert audit_rows(session)[-1] == (
        "boss", "staff.disable", {"staff": "amy", "role": "clerk"}
    )  # fmt: skip


def test_password_rehashes_lifts_a_lockout_and_ends_sessions(run, engine, session, owner):
    assert add(run, "amy", "clerk", token=owner).exit_code == 0
    clerk = session_for(engine, "amy")
    with engine.begin() as connection:
        connection.execute(
            update(Staff).where(Staff.name == "amy").values(failed_logins=3, locked_until=FAR)
        )
    old = session.exec(select(Staff.password_hash).where(Staff.name == "amy")).scalar_one()
    result = run(
        "staff", "password", "amy", "--password-stdin", input="another long one\n",
        env=as_(owner),
    )  # fmt: skip
    assert result.exit_code == 0 and result.stderr.strip() == "amy has a new password"
    session.rollback()  # a new snapshot
    row = session.exec(select(Staff).where(Staff.name == "amy")).scalars().one()
    assert row.password_hash.startswith("$argon2id$") and row.password_hash != old
    assert (row.failed_logins, row.locked_until) == (0, None)
    failure(run("member", "list", env=as_(clerk)), 6, "the session has ended")
    short = run("staff", "password", "amy", "--password-stdin", input="x\n", env=as_(owner))
    failure(short, 5, "a password needs at least 8 characters")
    assert audit_rows(session)[-1] == ("boss", "staff.password", {"staff": "amy"})
