"""`member note` and `member history`: interaction records and one timeline in time order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from memberctl.domain.interactions import KINDS
from memberctl.models import AuditEntry, Interaction
from tests.conftest import failure
from tests.factories import NOW, act, enroll, member_in, member_row, move_tier, note, snapshot


@pytest.mark.parametrize("kind", KINDS)
def test_note_of_each_kind_is_recorded(run, engine, session, kind):
    member_no = enroll(engine).member_no
    data = run.json("member", "note", member_no, "客户来电询问积分", "--kind", kind)
    assert data == data | {
        "member_no": member_no, "kind": kind, "text": "客户来电询问积分", "operator": "tester",
    }  # fmt: skip
    row = member_row(session, member_no)
    saved = session.exec(select(Interaction)).one()
    assert (saved.member_id, saved.kind, saved.text, saved.operator) == (
        row.id, kind, "客户来电询问积分", "tester",
    )  # fmt: skip
    assert data["id"] == saved.id
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "member.note")).one()
    assert entry.details == {"kind": kind, "note_id": saved.id}


def test_note_kind_defaults_to_note_and_works_for_any_status(run, engine, session):
    member_no = member_in(engine, "cancelled", phone="13800138000").member_no
    assert run.json("member", "note", "138 0013 8000", "  退卡后回访  ")["kind"] == "note"
    saved = session.exec(select(Interaction)).one()
    assert (saved.kind, saved.text) == ("note", "退卡后回访")
    assert member_row(session, member_no).id == saved.member_id


def test_unknown_kind_is_a_usage_error(run, engine):
    member_no = enroll(engine).member_no
    before = snapshot(engine)
    failure(run("member", "note", member_no, "x", "--kind", "gossip"), 2, "--kind",
            "'gossip' is not one of", "complaint")  # fmt: skip
    assert snapshot(engine) == before


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_empty_note_is_invalid(run, engine, text):
    member_no = enroll(engine).member_no
    before = snapshot(engine)
    failure(run("member", "note", member_no, text), 5, "the note is empty")
    assert snapshot(engine) == before


def test_note_for_unknown_member_is_not_found(run, engine):
    before = snapshot(engine)
    failure(run("member", "note", "M000404", "hello"), 3, "no member 'M000404'")
    assert snapshot(engine) == before


def test_history_is_one_timeline_in_time_order(run, engine):
    member_no = enroll(engine, at=NOW).member_no
    other = enroll(engine, at=NOW).member_no
    note(engine, other, "someone else's note", at=NOW + dt.timedelta(minutes=5))
    act(engine, member_no, "freeze", at=NOW)  # at NOW + 1 minute
    note(engine, member_no, "第一次来电", kind="call", at=NOW + dt.timedelta(seconds=30))
    move_tier(engine, member_no, "up", at=NOW + dt.timedelta(minutes=2))
    act(engine, member_no, "unfreeze", at=NOW + dt.timedelta(minutes=2))  # at NOW + 3 minutes
    note(engine, member_no, "投诉已处理", kind="complaint", at=NOW + dt.timedelta(minutes=4))

    events = run.json("member", "history", member_no)
    assert [(e["kind"], e["action"], e["detail"]) for e in events] == [
        ("status", "enroll", "active"),
        ("note", "call", "第一次来电"),
        ("status", "freeze", "active -> frozen (step 1)"),
        ("tier", "upgrade", "basic -> silver"),
        ("status", "unfreeze", "frozen -> active (step 1)"),
        ("note", "complaint", "投诉已处理"),
    ]
    times = [dt.datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times) and times[0] == NOW
    assert {e["operator"] for e in events} == {"factory"}


def test_history_of_unknown_member_is_not_found(run):
    failure(run("member", "history", "M000404"), 3, "no member 'M000404'")


def test_history_table_names_the_member(run, engine):
    member_no = enroll(engine).member_no
    note(engine, member_no, "到店", kind="visit")
    result = run("member", "history", member_no)
    assert result.exit_code == 0, result.stderr
    assert member_no in result.stdout and "到店" in result.stdout and "enroll" in result.stdout
