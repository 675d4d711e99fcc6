"""tiers.change_tier (`member upgrade` / `member downgrade`) applied directly: the next tier by
rank or the named one, and the moves that are refused. tests/cli keeps one case of each."""

from __future__ import annotations

import pytest

from memberctl.db.session import transaction
from memberctl.domain import refs, tiers
from memberctl.errors import NotFound, RuleViolation
from tests.factories import NOW, enroll, member_in


def move(engine, member_no: str, command: str, to: str | None) -> str:
    """`command` is upgrade or downgrade, as the clerk types it."""
    direction = {"upgrade": "up", "downgrade": "down"}[command]
    with transaction(engine) as session:
        member = refs.resolve(session, member_no)
        tier = tiers.change_tier(
            session=session,
            member=member,
            direction=direction,
            to=to,
            reason="年度评定",
            operator="clerk",
            at=NOW,
        )
        assert member.tier_code == tier.code
        return tier.code


@pytest.mark.parametrize(
    ("direction", "start", "to", "expected"),
    [
        ("upgrade", "basic", None, "silver"),
        ("upgrade", "silver", None, "gold"),
        ("upgrade", "gold", None, "platinum"),
        ("downgrade", "platinum", None, "gold"),
        ("downgrade", "silver", None, "basic"),
        ("upgrade", "basic", "platinum", "platinum"),
        ("upgrade", "silver", "GOLD", "gold"),
        ("downgrade", "platinum", "basic", "basic"),
    ],
)
def test_a_move_goes_to_the_next_tier_by_rank_or_the_named_one(
    engine, direction, start, to, expected
):
    member_no = enroll(engine, tier=start).member_no
    assert move(engine, member_no, direction, to) == expected


@pytest.mark.parametrize(
    ("direction", "start", "to", "message"),
    [
        (
            "upgrade",
            "platinum",
            None,
            "cannot upgrade M000001: 白金会员 is already the highest tier",
        ),
        (
            "downgrade",
            "basic",
            None,
            "cannot downgrade M000001: 普通会员 is already the lowest tier",
        ),
        ("upgrade", "gold", "gold", "cannot upgrade M000001: it is already 金卡会员"),
        ("downgrade", "gold", "gold", "cannot downgrade M000001: it is already 金卡会员"),
        (
            "upgrade",
            "gold",
            "silver",
            "cannot upgrade M000001 from 金卡会员 to 银卡会员: 银卡会员 is below 金卡会员; "
            "use member downgrade",
        ),
        (
            "downgrade",
            "silver",
            "platinum",
            "cannot downgrade M000001 from 银卡会员 to 白金会员: 白金会员 is above 银卡会员; "
            "use member upgrade",
        ),
    ],
)
def test_an_impossible_move_is_refused_saying_why(engine, direction, start, to, message):
    member_no = enroll(engine, tier=start).member_no
    with pytest.raises(RuleViolation) as refused:
        move(engine, member_no, direction, to)
    assert str(refused.value) == message


def test_a_frozen_member_moves_and_a_cancelled_one_does_not(engine):
    assert move(engine, member_in(engine, "frozen").member_no, "upgrade", None) == "silver"
    cancelled = member_in(engine, "cancelled", tier="silver").member_no
    with pytest.raises(RuleViolation, match="the member is cancelled.*restore it first"):
        move(engine, cancelled, "downgrade", None)


def test_an_unknown_tier_is_not_found(engine):
    member_no = enroll(engine, tier="silver").member_no
    with pytest.raises(NotFound, match="^no tier 'diamond'"):
        move(engine, member_no, "upgrade", "diamond")
