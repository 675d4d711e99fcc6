"""`member forget` on a member with a row in every table that refers to a member: personal data
is gone from every table, the anonymous rows stay and still add up, all in one transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from memberctl.domain import privacy
from memberctl.models import (
    AuditEntry,
    CampaignAward,
    Coupon,
    Interaction,
    LifecycleChange,
    Member,
    MemberTag,
    PointsEntry,
    Purchase,
    SurveyAnswer,
    WalletEntry,
)
from tests.conftest import failure
from tests.factories import snapshot
from tests.privacydata import E164, PHONE, PII, populate

ANONYMOUS = (
    PointsEntry,
    WalletEntry,
    Purchase,
    Coupon,
    CampaignAward,
    LifecycleChange,
    Interaction,
)


@pytest.fixture
def member(run, engine, tmp_path):
    return populate(run, engine, tmp_path)


def counts(session, member_id: int) -> dict[str, int]:
    session.rollback()
    return {
        model.__name__: session.exec(
            select(func.count()).select_from(model).where(model.member_id == member_id)
        ).one()
        for model in ANONYMOUS
    }


def sums(session, member_id: int) -> tuple[int, str]:
    session.rollback()
    points = session.exec(
        select(func.sum(PointsEntry.points)).where(PointsEntry.member_id == member_id)
    ).one()
    balance = session.exec(
        select(func.sum(WalletEntry.amount)).where(WalletEntry.member_id == member_id)
    ).one()
    return points, f"{balance:.2f}"


def test_every_table_that_refers_to_a_member_has_a_retention_rule():
    # A new table with a member.id foreign key fails here until RETENTION says what forget does.
    assert privacy.member_tables() == sorted(privacy.RETENTION)


def test_forget_leaves_no_personal_value_anywhere_in_the_database(run, engine, member):
    before = repr(snapshot(engine))
    assert all(value in before for value in PII[:4])  # the fixture did put them there
    result = run("member", "forget", member.member_no, "--yes", "-f", "json")
    assert result.exit_code == 0, result.stderr
    after = repr(snapshot(engine))
    assert [value for value in PII if value in after] == []
    assert "oynn" not in after and "NANA.OUYANG" not in after.upper()


def test_forget_keeps_the_anonymous_rows_and_they_still_add_up(run, session, member):
    kept, totals = counts(session, member.member_id), sums(session, member.member_id)
    run.json("member", "forget", member.member_no, "--yes")
    after = counts(session, member.member_id)
    assert after == kept | {"LifecycleChange": kept["LifecycleChange"] + 1}
    assert sums(session, member.member_id) == totals and totals[1] == "50.00"
    row = session.get(Member, member.member_id)
    assert (row.points, f"{row.balance:.2f}") == totals
    assert (row.gender, row.tier_code, row.status) == ("female", "basic", "cancelled")
    checked = run("db", "check")
    assert checked.exit_code == 0, checked.stdout + checked.stderr


def test_forget_erases_every_free_text_field(run, session, member):
    run.json("member", "forget", member.member_no, "--yes")
    session.rollback()
    mid = member.member_id
    row = session.get(Member, mid)
    assert [getattr(row, f) for f in privacy.PERSONAL_FIELDS] == [None] * 6
    assert session.exec(select(MemberTag).where(MemberTag.member_id == mid)).all() == []
    assert {
        n.text for n in session.exec(select(Interaction).where(Interaction.member_id == mid))
    } == {None}
    reasons = session.exec(
        select(LifecycleChange.action, LifecycleChange.reason)
        .where(LifecycleChange.member_id == mid)
        .order_by(col(LifecycleChange.id))
    ).all()
    assert reasons[-2:] == [("freeze", None), ("cancel", "forgotten")]
    assert {r for _, r in reasons[:-1]} == {None}
    for ledger in (PointsEntry, WalletEntry):
        assert set(session.exec(select(ledger.reason).where(ledger.member_id == mid))) == {None}


def test_forget_erases_free_text_survey_answers_and_keeps_choices_and_ratings(run, session, member):
    run.json("member", "forget", member.member_no, "--yes")
    session.rollback()
    answers = session.exec(
        select(SurveyAnswer.question, SurveyAnswer.value).order_by(col(SurveyAnswer.id))
    ).all()
    assert answers == [
        ("visit", "每周"),
        ("like", "咖啡"),
        ("like", "蛋糕"),
        ("score", "5"),
        ("say", None),
    ]


def test_forget_scrubs_audit_details_and_keeps_action_operator_and_time(run, session, member):
    run.json("member", "forget", member.member_no, "--yes")
    session.rollback()
    entries = session.exec(
        select(AuditEntry)
        .where(AuditEntry.member_id == member.member_id)
        .order_by(col(AuditEntry.id))
    ).all()
    legacy = next(e for e in entries if e.operator == "legacy")
    assert (legacy.action, legacy.at) == ("member.edit", dt.datetime(2026, 11, 25, 10, 0))
    assert legacy.details == {
        "phone": None,
        "fields": ["phone"],
        "comment": None,
        "nested": [{"email": None}],
        "points": 100,
    }
    edit = next(e for e in entries if e.action == "member.edit" and e.operator == "tester")
    assert edit.details == {"fields": [], "tags_added": None, "tags_removed": None}
    last = entries[-1]
    assert (last.action, last.operator) == ("member.forget", "tester")
    assert last.details["erased"] == {
        "notes": 1,
        "points_reasons": 3,
        "wallet_reasons": 1,
        "tags": 3,
        "import_changes": 2,
        "survey_answers": 1,
        "audit_entries": 3,
    }


def test_a_forgotten_member_is_found_by_member_number_only(run, member):
    run.json("member", "forget", member.member_no, "--yes")
    for ref in (PHONE, E164, "138 0013 8000"):
        failure(run("member", "show", ref), 3, "no member")
    shown = run.json("member", "show", member.member_no)
    assert (shown["member_no"], shown["phone"], shown["name"]) == (member.member_no, None, None)
    failure(run("member", "forget", member.member_no, "--yes"), 4, "personal data was erased")


def test_forget_is_one_transaction(run, engine, member, monkeypatch):
    before = snapshot(engine)

    def broken(**_):
        raise RuntimeError("disk full")

    monkeypatch.setattr("memberctl.domain.audit.scrub", broken)
    failure(run("member", "forget", member.member_no, "--yes"), 1, "disk full")
    assert snapshot(engine) == before


def test_forget_on_a_survey_taken_through_the_cli_erases_only_the_free_text(run, session):
    from pathlib import Path

    template = Path(__file__).parents[2] / "templates" / "surveys" / "satisfaction.toml"
    no = run.json("member", "enroll", "--name", "王五", "--phone", "13700137000")["member_no"]
    assert run("survey", "load", str(template)).exit_code == 0
    code = run.json("survey", "list")[0]["code"]
    result = run(
        "survey",
        "take",
        code,
        no,
        "-a",
        "overall=4",
        "-a",
        "visit_reason=1",
        "-a",
        "liked=1,3",
        "-a",
        "recommend=5",
        "-a",
        "comments=王五说电话13700137000",
    )
    assert result.exit_code == 0, result.stderr
    run.json("member", "forget", no, "--yes")
    session.rollback()
    answers = session.exec(
        select(SurveyAnswer.question, SurveyAnswer.value).order_by(col(SurveyAnswer.id))
    ).all()
    assert sorted(answers, key=lambda a: (a[0], a[1] or "")) == [
        ("comments", None),
        ("liked", "商品质量"),
        ("liked", "服务态度"),
        ("overall", "4"),
        ("recommend", "5"),
        ("visit_reason", "日常购物"),
    ]
