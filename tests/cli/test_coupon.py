"""`coupon list` and `coupon redeem`: validity days at their boundaries, weekdays, CN holidays,
minimum spend, frozen members, once only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import col, select

from memberctl.models import AuditEntry, Coupon
from tests.conftest import failure
from tests.factories import act, enroll, member_row, snapshot

CAMPAIGN = """\
code = "drop"
action = "issue_coupon"
coupon_value = "20.00"
coupon_min_spend = "100.00"
coupon_valid_days = {days}
weekdays_only = {weekdays}
no_holidays = {holidays}
where = "tag = vip"
period = "daily"
"""


def issue(run, tmp_path: Path, as_of: str, days: int = 30, weekdays=False, holidays=False) -> None:
    path = tmp_path / "drop.toml"
    text = CAMPAIGN.format(
        days=days, weekdays=str(weekdays).lower(), holidays=str(holidays).lower()
    )
    path.write_text(text, encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0
    data = run.json("campaign", "run", "drop", "--as-of", as_of)
    assert data["coupons"] >= 1


@pytest.fixture
def vip(engine):
    return enroll(engine, tags=["vip"])


def code_of(session, member_no: str) -> str:
    member = member_row(session, member_no)
    return session.exec(select(Coupon.code).where(Coupon.member_id == member.id)).one()


def redeem(run, code: str, at: str, *extra: str):
    return run("coupon", "redeem", code, "--at", at, *extra, "-f", "json")


def test_redeem_marks_the_coupon_used_once(run, engine, session, tmp_path, vip):
    issue(run, tmp_path, "2026-11-25")
    code = code_of(session, vip.member_no)

    data = run.json(
        "coupon",
        "redeem",
        code.lower(),
        "--at",
        "2026-11-26T10:30",
        "--order-no",
        "A1001",
        "--amount",
        "120",
    )

    assert data == data | {
        "code": code,
        "member_no": vip.member_no,
        "campaign": "drop",
        "value": "20.00",
        "min_spend": "100.00",
        "valid_from": "2026-11-25",
        "valid_to": "2026-12-24",
        "status": "used",
        "redeemed_at": "2026-11-26T10:30:00",
        "redeemed_order": "A1001",
    }
    session.rollback()
    row = session.exec(select(Coupon)).one()
    assert (row.redeemed_at, row.redeemed_order) == (dt.datetime(2026, 11, 26, 10, 30), "A1001")
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "coupon.redeem")).one()
    assert audit.details == {"coupon": code, "order_no": "A1001"}
    before = snapshot(engine)

    again = redeem(run, code, "2026-11-27T09:00", "--order-no", "A1002")

    failure(again, 4, f"coupon {code} was already used on 2026-11-26 10:30 (order A1001)")
    assert snapshot(engine) == before


def test_valid_to_day_is_inclusive_and_the_day_after_is_refused(run, session, tmp_path, vip):
    issue(run, tmp_path, "2026-11-25", days=30)
    code = code_of(session, vip.member_no)

    failure(redeem(run, code, "2026-12-25T00:00"), 4, f"coupon {code} expired on 2026-12-24")
    failure(redeem(run, code, "2026-11-24T23:59"), 4, "is valid only from 2026-11-25")
    assert redeem(run, code, "2026-12-24T23:59").exit_code == 0


# One-day coupons, Monday to Friday, CN public holidays: tests/domain/test_coupon_rules.py.


def test_minimum_spend_is_checked_when_an_amount_is_given(run, session, tmp_path, vip):
    issue(run, tmp_path, "2026-11-25")
    code = code_of(session, vip.member_no)

    failure(
        redeem(run, code, "2026-11-26T10:00", "--amount", "99.99"),
        4,
        "needs a spend of at least 100.00, not 99.99",
    )
    assert redeem(run, code, "2026-11-26T10:00", "--amount", "100.00").exit_code == 0


def test_a_frozen_members_coupon_is_refused(run, engine, session, tmp_path, vip):
    issue(run, tmp_path, "2026-11-25")
    code = code_of(session, vip.member_no)
    act(engine, vip.member_no, "freeze")

    failure(
        redeem(run, code, "2026-11-26T10:00"),
        4,
        f"belongs to {vip.member_no}, who is frozen",
        "unfreeze or restore",
    )
    act(engine, vip.member_no, "unfreeze")
    assert redeem(run, code, "2026-11-26T10:00").exit_code == 0


def test_unknown_code_is_3(run):
    failure(run("coupon", "redeem", "ZZZZ2222"), 3, "no coupon 'ZZZZ2222'")


def test_bad_amount_is_5(run, session, tmp_path, vip):
    issue(run, tmp_path, "2026-11-25")
    code = code_of(session, vip.member_no)
    failure(redeem(run, code, "2026-11-26T10:00", "--amount", "abc"), 5, "'abc'")


def test_list_by_member_and_status(run, engine, session, tmp_path, vip):
    other = enroll(engine, tags=["vip"])
    issue(run, tmp_path, "2026-11-25", days=10)
    used = code_of(session, vip.member_no)
    assert redeem(run, used, "2026-11-26T10:00").exit_code == 0

    everyone = run.json("coupon", "list", "--as-of", "2026-11-30")
    mine = run.json("coupon", "list", vip.member_no, "--as-of", "2026-11-30")
    unused_late = run.json("coupon", "list", "--status", "unused", "--as-of", "2026-12-05")
    expired = run.json("coupon", "list", "--status", "expired", "--as-of", "2026-12-05")

    assert sorted((c["member_no"], c["status"]) for c in everyone) == [
        (vip.member_no, "used"),
        (other.member_no, "unused"),
    ]
    assert [c["code"] for c in mine] == [used]
    assert unused_late == []
    assert [(c["member_no"], c["status"]) for c in expired] == [(other.member_no, "expired")]
    assert run.json("coupon", "list", "--status", "used")[0]["code"] == used
    failure(run("coupon", "list", "M999999"), 3, "no member 'M999999'")


def test_codes_are_unique_across_many_members(run, engine, session, tmp_path):
    for _ in range(40):
        enroll(engine, tags=["vip"])
    issue(run, tmp_path, "2026-11-25")

    codes = session.exec(select(Coupon.code).order_by(col(Coupon.id))).all()

    assert len(codes) == len(set(codes)) == 40
