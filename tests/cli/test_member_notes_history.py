"""`member note` and `member history`: interaction records and one timeline in time order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from memberctl.domain.interactions import KINDS
from memberctl.models import AuditEntry, Interaction
from tests.conftest import error_line, failure
from tests.factories import (
    NOW,
    act,
    enroll,
    forget,
    member_in,
    member_row,
    move_tier,
    note,
    snapshot,
)


@pytest.mark.parametrize("kind", KINDS)
def test_note_of_each_kind_is_recorded(run, engine, session, kind):
    member_no = enroll(engine).member_no
    data = run.json("member", "note", member_no, "客户来电询问积分", "--kind", kind)
    assert data == data | {
        "member_no": member_no,
        "kind": kind,
        "text": "客户来电询问积分",
        "operator": "tester",
    }
    row = member_row(session, member_no)
    saved = session.exec(select(Interaction)).one()
    assert (saved.member_id, saved.kind, saved.text, saved.operator) == (
        row.id,
        kind,
        "客户来电询问积分",
        "tester",
    )
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
    failure(
        run("member", "note", member_no, "x", "--kind", "gossip"),
        2,
        "--kind",
        "'gossip' is not one of",
        "complaint",
    )
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


# -- complaints: open until resolved -----------------------------------------------------------
def _complaint(run, member_no: str, text: str = "商品有破损") -> int:
    return run.json("member", "note", member_no, text, "--kind", "complaint")["id"]


def test_a_complaint_is_open_until_resolved(run, engine, session):
    member_no = enroll(engine).member_no
    note_id = _complaint(run, member_no)
    assert run.json("member", "notes", "--open") == [
        run.json("member", "notes", "--member", member_no)[0]
    ]

    data = run.json("member", "notes", "resolve", str(note_id), "--text", "已换货")

    assert data == data | {
        "id": note_id,
        "member_no": member_no,
        "kind": "complaint",
        "text": "商品有破损",
        "status": "resolved",
        "resolved_by": "tester",
        "resolution": "已换货",
    }
    session.rollback()
    complaint = session.get(Interaction, note_id)
    assert complaint.resolved_at is not None
    assert data["resolved_at"] == complaint.resolved_at.isoformat()
    resolution = session.exec(select(Interaction).where(Interaction.kind == "resolution")).one()
    assert (resolution.text, resolution.operator, resolution.at) == (
        "已换货",
        "tester",
        complaint.resolved_at,
    )
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "member.note.resolve")).one()
    assert (entry.operator, entry.details) == (
        "tester",
        {"note_id": note_id, "resolution_id": resolution.id},
    )
    assert run.json("member", "notes", "--open") == []
    listed = run.json("member", "notes", "--kind", "complaint")
    assert [(n["id"], n["status"], n["resolved_by"], n["resolution"]) for n in listed] == [
        (note_id, "resolved", "tester", "已换货")
    ]


def test_resolve_without_text_still_records_who_and_when(run, engine, session):
    member_no = enroll(engine).member_no
    note_id = _complaint(run, member_no)
    data = run.json("member", "notes", "resolve", str(note_id))
    assert (data["status"], data["resolved_by"], data["resolution"]) == ("resolved", "tester", None)
    session.rollback()
    resolution = session.exec(select(Interaction).where(Interaction.kind == "resolution")).one()
    assert resolution.text is None and resolution.operator == "tester"


def test_resolving_twice_or_a_non_complaint_is_refused(run, engine):
    member_no = enroll(engine).member_no
    note_id = _complaint(run, member_no)
    call = run.json("member", "note", member_no, "来电", "--kind", "call")["id"]
    assert run("member", "notes", "resolve", str(note_id)).exit_code == 0
    before = snapshot(engine)
    failure(
        run("member", "notes", "resolve", str(note_id)),
        4,
        f"complaint #{note_id} was already resolved on",
    )
    failure(
        run("member", "notes", "resolve", str(call), "--text", "x"),
        4,
        f"note #{call} is a call, not a complaint",
    )
    assert snapshot(engine) == before


def test_resolving_an_unknown_note_is_not_found(run, engine):
    member_no = enroll(engine).member_no
    note_id = _complaint(run, member_no)
    run.json("member", "notes", "resolve", str(note_id))
    resolution_id = note_id + 1  # the resolution note is not a complaint to resolve
    failure(run("member", "notes", "resolve", "999"), 3, "no note #999")
    failure(run("member", "notes", "resolve", str(resolution_id)), 3, f"no note #{resolution_id}")
    result = run("member", "notes", "resolve", "abc")
    assert result.exit_code == 2 and "NOTE_ID" in result.stderr


def test_member_note_with_the_text_resolve_is_still_a_note(run, engine):
    member_no = enroll(engine).member_no
    data = run.json("member", "note", member_no, "resolve")
    assert (data["member_no"], data["text"], data["kind"]) == (member_no, "resolve", "note")
    data = run.json("member", "note", "--kind", "visit", member_no, "resolve it")
    assert (data["kind"], data["text"]) == ("visit", "resolve it")


def test_history_shows_note_ids_and_complaint_state(run, engine):
    member_no = enroll(engine, at=NOW).member_no
    note(engine, member_no, "投诉一", kind="complaint", at=NOW + dt.timedelta(minutes=1))
    note(engine, member_no, "投诉二", kind="complaint", at=NOW + dt.timedelta(minutes=2))
    notes = run.json("member", "notes", "--member", member_no)
    first, second = sorted(n["id"] for n in notes)
    run.json("member", "notes", "resolve", str(first), "--text", "已道歉")

    events = run.json("member", "history", member_no)

    shown = [(e["action"], e["note_id"], e["state"], e["detail"]) for e in events]
    assert shown == [
        ("enroll", None, None, "active"),
        ("complaint", first, "resolved", "投诉一"),
        ("complaint", second, "open", "投诉二"),
        ("resolution", first, None, "已道歉"),
    ]
    table = run("member", "history", member_no)
    assert f"#{second}" in table.stdout and "open" in table.stdout
    assert "resolved" in table.stdout


def test_notes_filters(run, engine):
    a = enroll(engine).member_no
    b = enroll(engine).member_no
    note(engine, a, "来电", kind="call", at=NOW)
    note(engine, b, "投诉", kind="complaint", at=NOW + dt.timedelta(minutes=1))
    assert [n["kind"] for n in run.json("member", "notes")] == ["complaint", "call"]
    assert [n["member_no"] for n in run.json("member", "notes", "--kind", "call")] == [a]
    assert [n["member_no"] for n in run.json("member", "notes", "--open")] == [b]
    assert run.json("member", "notes", "--member", a, "--open") == []
    assert len(run.json("member", "notes", "--limit", "1")) == 1
    failure(run("member", "notes", "--kind", "gossip"), 2, "'gossip' is not one of")
    failure(run("member", "notes", "--open", "--kind", "call"), 2, "--open lists complaints only")
    failure(run("member", "notes", "--member", "M000404"), 3, "no member 'M000404'")
    table = run("member", "notes")
    assert "#1" in table.stdout and "#2" in table.stdout and "open" in table.stdout


def test_a_forgotten_members_complaint_can_be_closed_but_not_written_to(run, engine):
    member_no = enroll(engine).member_no
    note_id = _complaint(run, member_no)
    forget(engine, member_no)
    failure(
        run("member", "notes", "resolve", str(note_id), "--text", "x"),
        4,
        "personal data was erased",
    )
    assert run.json("member", "notes", "resolve", str(note_id))["status"] == "resolved"


def test_the_old_member_note_resolve_points_to_member_notes_resolve(run, engine):
    """`member note resolve NOTE_ID` was routed by a hidden override; it now lives in the
    `member notes` group, and the old form says where instead of looking up member 'resolve'."""
    member_no = enroll(engine).member_no
    note(engine, member_no, "投诉", kind="complaint")
    before = snapshot(engine)

    result = run("member", "note", "resolve", "1")

    assert result.exit_code == 2
    assert error_line(result) == (
        "error: Invalid value for REF: to resolve a complaint use "
        "`member notes resolve NOTE_ID` (see 'memberctl member note --help')"
    )
    assert snapshot(engine) == before
    assert run.json("member", "notes", "resolve", "1")["status"] == "resolved"


def test_a_note_reads_as_labelled_rows(run, engine):
    member_no = enroll(engine).member_no

    result = run("member", "note", member_no, "来电", "--kind", "call")

    assert result.exit_code == 0, result.stderr
    labels = [line.split("  ")[0] for line in result.stdout.splitlines()]
    assert labels == [
        "Note",
        "Member no",
        "Kind",
        "State",
        "When",
        "Text",
        "By",
        "Resolved",
        "Resolved by",
        "Resolution",
    ]
