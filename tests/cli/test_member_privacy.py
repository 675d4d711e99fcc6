"""`member forget` and `member export-data`: personal data erased, anonymous rows kept, and every
access audited."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from memberctl.models import AuditEntry, Interaction, LifecycleChange
from tests.conftest import failure
from tests.factories import act, enroll, forget, member_in, member_row, note, snapshot

PERSONAL = ("name", "phone", "email", "birthday", "address")


@pytest.fixture
def member(engine):
    record = enroll(
        engine,
        name="张三",
        phone="13800138000",
        gender="男",
        birthday="1990-05-06",
        email="zhang@example.com",
        address="北京市朝阳区",
        store="朝阳店",
        tags=["VIP"],
    )
    act(engine, record.member_no, "freeze")
    note(engine, record.member_no, "张三来电，手机 13800138000", kind="call")
    return record


def rows(session, model, member_id):
    session.rollback()
    query = select(model).where(model.member_id == member_id).order_by(col(model.id))
    return session.exec(query).all()  # by id: an UPDATE moves a row in a PostgreSQL heap


def test_forget_without_yes_and_without_a_terminal_is_refused(run, engine, member):
    before = snapshot(engine)
    failure(run("member", "forget", member.member_no), 2, "needs confirmation", "--yes")
    assert snapshot(engine) == before


def test_forget_erases_personal_data_and_keeps_the_anonymous_rows(run, engine, session, member):
    kept = snapshot(engine)
    data = run.json("member", "forget", "138 0013 8000", "--yes")
    assert {key: data[key] for key in PERSONAL} == dict.fromkeys(PERSONAL)
    assert (data["member_no"], data["status"]) == (member.member_no, "cancelled")
    assert data["forgotten_at"] is not None
    row = member_row(session, member.member_no)
    assert {key: getattr(row, key) for key in PERSONAL} == dict.fromkeys(PERSONAL)
    assert row.status == "cancelled" and row.forgotten_at is not None
    assert [n.text for n in rows(session, Interaction, row.id)] == [None]
    changes = rows(session, LifecycleChange, row.id)
    assert [(c.action, c.to_value) for c in changes] == [
        ("enroll", "active"),
        ("freeze", "frozen"),
        ("cancel", "cancelled"),
    ]
    assert changes[-1].reason == "forgotten" and changes[-1].operator == "tester"
    entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert len(entries) == len(kept["audit_entry"]) + 1
    assert (entries[-1].action, entries[-1].operator, entries[-1].member_id) == (
        "member.forget",
        "tester",
        row.id,
    )
    assert "13800138000" not in repr(snapshot(engine))
    assert "张三" not in repr(snapshot(engine))


def test_forgetting_a_cancelled_member_adds_no_status_change(run, engine, session):
    member_no = member_in(engine, "cancelled").member_no
    run.json("member", "forget", member_no, "--yes")
    row = member_row(session, member_no)
    assert [c.action for c in rows(session, LifecycleChange, row.id)] == ["enroll", "cancel"]


def test_the_phone_of_a_forgotten_member_is_free_again(run, engine, session, member):
    forget(engine, member.member_no)
    failure(run("member", "show", "13800138000"), 3)
    data = run.json("member", "enroll", "--name", "李四", "--phone", "13800138000")
    assert data["member_no"] == "M000002"
    assert member_row(session, "M000002").phone == "+8613800138000"
    assert member_row(session, member.member_no).phone is None


@pytest.mark.parametrize(
    ("args", "doing"),
    [
        (("edit", "{no}", "--name", "x"), "edit"),
        (("freeze", "{no}"), "freeze"),
        (("unfreeze", "{no}"), "unfreeze"),
        (("cancel", "{no}"), "cancel"),
        (("restore", "{no}"), "restore"),
        (("upgrade", "{no}"), "upgrade"),
        (("downgrade", "{no}"), "downgrade"),
        (("note", "{no}", "hi"), "add a note to"),
        (("forget", "{no}", "--yes"), "forget"),
    ],
)
def test_a_forgotten_member_can_no_longer_be_changed(run, engine, member, args, doing):
    forget(engine, member.member_no)
    before = snapshot(engine)
    result = run("member", *(a.format(no=member.member_no) for a in args))
    failure(result, 4, f"cannot {doing} {member.member_no}", "personal data was erased")
    assert snapshot(engine) == before


def test_export_data_holds_everything_and_is_audited(run, session, member):
    data = run.json("member", "export-data", member.member_no)
    assert set(data) >= {"member", "history", "audit"}
    assert data["member"] == data["member"] | {
        "member_no": member.member_no,
        "name": "张三",
        "phone": "+8613800138000",
        "email": "zhang@example.com",
        "birthday": "1990-05-06",
        "address": "北京市朝阳区",
        "status": "frozen",
        "balance": "0.00",
        "tags": ["VIP"],
    }
    assert [(e["kind"], e["action"]) for e in data["history"]] == [
        ("status", "enroll"),
        ("note", "call"),
        ("status", "freeze"),
    ]
    assert data["audit"][0] == data["audit"][0] | {
        "action": "member.export_data",
        "operator": "tester",
        "member_no": member.member_no,
    }
    assert {e["action"] for e in data["audit"]} == {
        "member.export_data",
        "member.enroll",
        "member.freeze",
        "member.note",
    }
    row = member_row(session, member.member_no)
    exports = session.exec(
        select(AuditEntry).where(AuditEntry.action == "member.export_data")
    ).all()
    assert [(e.member_id, e.operator) for e in exports] == [(row.id, "tester")]


def test_export_data_of_a_forgotten_member_holds_no_personal_data(run, engine, member):
    forget(engine, member.member_no)
    data = run.json("member", "export-data", member.member_no)
    assert {key: data["member"][key] for key in PERSONAL} == dict.fromkeys(PERSONAL)
    assert "张三" not in repr(data) and "13800138000" not in repr(data)


def test_export_data_is_json_even_without_format(run, member):
    result = run("member", "export-data", member.member_no)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["member"]["member_no"] == member.member_no


def test_export_data_in_a_table_is_a_usage_error(run, engine, member):
    before = snapshot(engine)
    failure(run("member", "export-data", member.member_no, "-f", "csv"), 2, "--format", "json")
    assert snapshot(engine) == before


def test_export_data_of_unknown_member_is_not_found(run, engine):
    before = snapshot(engine)
    failure(run("member", "export-data", "M000404"), 3, "no member 'M000404'")
    assert snapshot(engine) == before
