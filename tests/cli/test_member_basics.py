from __future__ import annotations

from sqlmodel import select

from memberctl.models import AuditEntry, Member
from tests.conftest import error_line
from tests.factories import enroll

MEMBER_KEYS = {
    "member_no", "name", "phone", "gender", "birthday", "email", "tier", "status", "points",
    "balance", "store", "tags", "joined_at", "referrer",
}  # fmt: skip


def test_enroll_returns_member_with_contract_defaults(run, session):
    data = run.json("member", "enroll", "--name", "张三", "--phone", "138 0013 8000")
    assert MEMBER_KEYS <= set(data)
    assert data["member_no"] == "M000001"
    assert data["phone"] == "+8613800138000"
    assert (data["tier"], data["status"], data["points"], data["balance"], data["tags"]) == (
        "basic",
        "active",
        0,
        "0.00",
        [],
    )
    assert session.exec(select(Member.name)).all() == ["张三"]
    assert [e.action for e in session.exec(select(AuditEntry))] == ["member.enroll"]


def test_duplicate_phone_is_refused_with_exit_4(run, engine, session):
    enroll(engine, phone="13800138000")
    result = run("member", "enroll", "--name", "李四", "--phone", "+86 138-0013-8000")
    assert result.exit_code == 4
    assert "already belongs to member M000001" in error_line(result)
    assert len(session.exec(select(Member)).all()) == 1
