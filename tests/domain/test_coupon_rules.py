"""When a coupon may be used (coupons.redeem directly): its validity days at both ends,
Monday-to-Friday coupons, no CN public holidays, minimum spend, active members only, once only.
tests/cli/test_coupon.py keeps the wiring (redeem once, the last valid day, --amount)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.domain import coupons
from memberctl.errors import NotFound, RuleViolation
from memberctl.models import Coupon, Member
from tests.factories import NOW, enroll, member_in

CODE = "TESTC0DE"


def coupon_for(engine, member_no: str, **fields: Any) -> None:
    """A 20.00 coupon valid 2026-11-25 to 2026-12-24 (a Wednesday to a Thursday), or as given."""
    values = {
        "value": Decimal("20.00"),
        "valid_from": dt.date(2026, 11, 25),
        "valid_to": dt.date(2026, 12, 24),
        **fields,
    }
    with transaction(engine) as session:
        member_id = session.exec(select(Member.id).where(Member.member_no == member_no)).one()
        session.add(Coupon(code=CODE, member_id=member_id, created_at=NOW, **values))


def redeem(engine, at: str, amount: str | None = None) -> str:
    """ "used", or the refusal as the clerk reads it."""
    try:
        with transaction(engine) as session:
            record = coupons.redeem(
                session=session,
                code=CODE.lower(),
                operator="clerk",
                at=dt.datetime.fromisoformat(at),
                order_no="A1",
                amount=Decimal(amount) if amount else None,
            )
            return record.status
    except RuleViolation as refused:
        assert refused.exit_code == 4
        return str(refused)


@pytest.mark.parametrize(
    ("fields", "at", "amount", "outcome"),
    [
        ({}, "2026-11-25T00:00", None, "used"),
        ({}, "2026-12-24T23:59", None, "used"),
        ({}, "2026-11-24T23:59", None, "coupon TESTC0DE is valid only from 2026-11-25"),
        ({}, "2026-12-25T00:00", None, "coupon TESTC0DE expired on 2026-12-24"),
        ({"valid_to": dt.date(2026, 11, 25)}, "2026-11-25T20:00", None, "used"),
        (
            {"valid_to": dt.date(2026, 11, 25)},
            "2026-11-26T08:00",
            None,
            "coupon TESTC0DE expired on 2026-11-25",
        ),
        ({"weekdays_only": True}, "2026-11-27T10:00", None, "used"),
        (
            {"weekdays_only": True},
            "2026-11-28T10:00",
            None,
            "coupon TESTC0DE is valid Monday to Friday only, and 2026-11-28 is a Saturday; "
            "use it on a weekday",
        ),
        (
            {"weekdays_only": True},
            "2026-11-29T10:00",
            None,
            "coupon TESTC0DE is valid Monday to Friday only, and 2026-11-29 is a Sunday; "
            "use it on a weekday",
        ),
        ({"no_holidays": True}, "2026-11-28T10:00", None, "used"),
        (
            {"no_holidays": True, "valid_from": dt.date(2026, 9, 25)},
            "2026-10-01T10:00",
            None,
            "coupon TESTC0DE is not valid on public holidays, and 2026-10-01 is National Day; "
            "use it on another day",
        ),
        (
            {"no_holidays": True, "valid_from": dt.date(2026, 9, 25)},
            "2026-10-09T10:00",
            None,
            "used",
        ),
        ({"min_spend": Decimal("100.00")}, "2026-11-26T10:00", "100.00", "used"),
        ({"min_spend": Decimal("100.00")}, "2026-11-26T10:00", None, "used"),
        (
            {"min_spend": Decimal("100.00")},
            "2026-11-26T10:00",
            "99.99",
            "coupon TESTC0DE needs a spend of at least 100.00, not 99.99",
        ),
    ],
)
def test_when_a_coupon_may_be_used(engine, fields, at, amount, outcome):
    coupon_for(engine, enroll(engine).member_no, **fields)
    assert redeem(engine, at, amount) == outcome


def test_a_coupon_is_used_once(engine):
    coupon_for(engine, enroll(engine).member_no)
    assert redeem(engine, "2026-11-26T10:30") == "used"
    assert redeem(engine, "2026-11-27T09:00") == (
        "coupon TESTC0DE was already used on 2026-11-26 10:30 (order A1); a coupon can be used once"
    )


@pytest.mark.parametrize("status", ["frozen", "cancelled"])
def test_only_an_active_members_coupon_may_be_used(engine, status):
    member_no = member_in(engine, status).member_no
    coupon_for(engine, member_no)
    assert redeem(engine, "2026-11-26T10:00") == (
        f"coupon TESTC0DE belongs to {member_no}, who is {status}; "
        "unfreeze or restore the member first"
    )


def test_an_unknown_code_is_not_found(engine):
    with transaction(engine) as session, pytest.raises(NotFound, match="^no coupon 'NOPE2345'"):
        coupons.redeem(session=session, code="NOPE2345", operator="clerk", at=NOW)
