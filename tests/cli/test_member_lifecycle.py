"""Status transitions (driven by lifecycle.TRANSITIONS) and tier moves: what is allowed is
recorded, what is not is refused with exit 4 and leaves the database as it was."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from memberctl.domain.lifecycle import TRANSITIONS, allowed_from
from memberctl.models import AuditEntry, LifecycleChange
from tests.conftest import failure
from tests.factories import enroll, load_tiers, member_in, member_row, move_tier, snapshot


def last_change(session, member_id: int) -> LifecycleChange:
    query = select(LifecycleChange).where(LifecycleChange.member_id == member_id)
    return session.exec(query.order_by(col(LifecycleChange.id).desc())).first()


def last_audit(session) -> AuditEntry:
    return session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()


# The whole table, move by move, is tests/domain/test_lifecycle.py; here one allowed and one
# forbidden move check the wiring: the command, the database, the audit, the error line.
@pytest.mark.parametrize(("start", "action"), [("frozen", "cancel")], ids="-".join)
def test_allowed_transition_is_applied_and_recorded(run, engine, session, start, action):
    to = TRANSITIONS[(start, action)]
    member_no = member_in(engine, start).member_no
    data = run.json("member", action, member_no, "--reason", "客户要求")
    assert (data["member_no"], data["status"]) == (member_no, to)
    row = member_row(session, member_no)
    assert row.status == to
    change = last_change(session, row.id)
    assert (change.kind, change.action, change.from_value, change.to_value) == (
        "status",
        action,
        start,
        to,
    )
    assert (change.reason, change.operator) == ("客户要求", "tester")
    entry = last_audit(session)
    assert (entry.action, entry.operator, entry.member_id) == (f"member.{action}", "tester", row.id)
    assert entry.details == {"status": to}


@pytest.mark.parametrize(("start", "action"), [("cancelled", "freeze")], ids="-".join)
def test_forbidden_transition_is_refused_and_changes_nothing(run, engine, start, action):
    member_no = member_in(engine, start).member_no
    before = snapshot(engine)
    allowed = " or ".join(allowed_from(action))
    result = run("member", action, member_no, "--reason", "x")
    failure(
        result,
        4,
        f"cannot {action} {member_no}",
        f"the member is {start}",
        f"{action} is allowed only for {allowed} members",
    )
    assert snapshot(engine) == before


def test_transition_of_unknown_member_is_not_found(run, engine):
    before = snapshot(engine)
    failure(run("member", "freeze", "M000404"), 3, "no member 'M000404'")
    assert snapshot(engine) == before


def test_transition_by_phone(run, engine, session):
    enroll(engine, phone="13800138000")
    assert run.json("member", "freeze", "138 0013 8000")["status"] == "frozen"
    assert member_row(session, "M000001").status == "frozen"


# Every move and refusal is in tests/domain/test_tier_moves.py; these check the wiring.
@pytest.mark.parametrize(
    ("command", "start", "to", "expected"),
    [("downgrade", "platinum", None, "gold"), ("upgrade", "silver", "GOLD", "gold")],
)
def test_tier_move(run, engine, session, command, start, to, expected):
    member_no = enroll(engine, tier=start).member_no
    args = ["--to", to] if to else []
    data = run.json("member", command, member_no, *args, "--reason", "年度评定")
    assert data["tier"] == expected
    row = member_row(session, member_no)
    assert row.tier_code == expected
    change = last_change(session, row.id)
    assert (change.kind, change.action, change.from_value, change.to_value, change.reason) == (
        "tier",
        command,
        start,
        expected,
        "年度评定",
    )
    assert change.operator == "tester"
    entry = last_audit(session)
    assert (entry.action, entry.details) == (f"member.{command}", {"to": expected})


def test_frozen_member_can_still_change_tier(run, engine, session):
    member_no = member_in(engine, "frozen").member_no
    assert run.json("member", "upgrade", member_no)["tier"] == "silver"
    assert member_row(session, member_no).tier_code == "silver"


@pytest.mark.parametrize(
    ("command", "start", "to", "fragments"),
    [
        (
            "upgrade",
            "gold",
            "silver",
            ("from 金卡会员 to 银卡会员", "银卡会员 is below 金卡会员", "use member downgrade"),
        )
    ],
)
def test_impossible_tier_move_is_refused(run, engine, command, start, to, fragments):
    member_no = enroll(engine, tier=start).member_no
    before = snapshot(engine)
    args = ["--to", to] if to else []
    failure(run("member", command, member_no, *args), 4, *fragments)
    assert snapshot(engine) == before


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_tier_move_to_unknown_tier_is_not_found(run, engine, command):
    member_no = enroll(engine, tier="silver").member_no
    before = snapshot(engine)
    failure(run("member", command, member_no, "--to", "diamond"), 3, "no tier 'diamond'")
    assert snapshot(engine) == before


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_cancelled_member_cannot_change_tier(run, engine, command):
    member_no = member_in(engine, "cancelled", tier="silver").member_no
    before = snapshot(engine)
    failure(run("member", command, member_no), 4, "the member is cancelled", "restore it first")
    assert snapshot(engine) == before


def test_upgrade_follows_rank_across_gaps(run, engine, session, tmp_path):
    (tmp_path / "t.toml").write_text(
        '[[tier]]\ncode = "diamond"\nname = "钻石会员"\nrank = 10\nthreshold = 90000\n',
        encoding="utf-8",
    )
    load_tiers(engine, tmp_path / "t.toml")
    member_no = enroll(engine, tier="gold").member_no
    move_tier(engine, member_no, "up")
    assert run.json("member", "upgrade", member_no)["tier"] == "diamond"
    assert member_row(session, member_no).tier_code == "diamond"
