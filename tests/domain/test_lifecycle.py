"""The member status machine (lifecycle.TRANSITIONS) applied directly: every allowed move is
recorded, every other is a RuleViolation naming what is allowed. tests/cli keeps one case of
each through `member freeze` etc."""

from __future__ import annotations

import pytest

from memberctl.db.session import transaction
from memberctl.domain import lifecycle, refs
from memberctl.domain.lifecycle import ACTIONS, STATUSES, TRANSITIONS
from memberctl.errors import RuleViolation
from tests.factories import NOW, member_in

FORBIDDEN = [(s, a) for s in STATUSES for a in ACTIONS if (s, a) not in TRANSITIONS]


def test_the_table_covers_the_contract():
    assert set(TRANSITIONS.items()) == {
        (("active", "freeze"), "frozen"),
        (("frozen", "unfreeze"), "active"),
        (("active", "cancel"), "cancelled"),
        (("frozen", "cancel"), "cancelled"),
        (("cancelled", "restore"), "active"),
    }
    assert len(FORBIDDEN) == 7


@pytest.mark.parametrize(("start", "action"), list(TRANSITIONS), ids="-".join)
def test_an_allowed_move_changes_the_status_and_is_recorded(engine, start, action):
    member_no = member_in(engine, start).member_no
    with transaction(engine) as session:
        member = refs.resolve(session, member_no)
        change = lifecycle.transition(
            session=session,
            member=member,
            action=action,
            reason="  客户要求 ",
            operator="clerk",
            at=NOW,
        )
        assert member.status == TRANSITIONS[start, action]
        assert (change.kind, change.action, change.from_value, change.to_value) == (
            "status",
            action,
            start,
            TRANSITIONS[start, action],
        )
        assert (change.reason, change.operator, change.at) == ("客户要求", "clerk", NOW)


@pytest.mark.parametrize(("start", "action"), FORBIDDEN, ids="-".join)
def test_a_forbidden_move_is_refused_naming_what_is_allowed(engine, start, action):
    member_no = member_in(engine, start).member_no
    with transaction(engine) as session:
        member = refs.resolve(session, member_no)
        with pytest.raises(RuleViolation) as refused:
            lifecycle.transition(
                session=session, member=member, action=action, reason=None, operator="clerk", at=NOW
            )
        assert member.status == start
    allowed = " or ".join(lifecycle.allowed_from(action))
    assert refused.value.exit_code == 4
    assert str(refused.value) == (
        f"cannot {action} {member_no}: the member is {start}; "
        f"{action} is allowed only for {allowed} members"
    )


def test_allowed_from_is_read_off_the_table():
    assert lifecycle.allowed_from("cancel") == ["active", "frozen"]
    assert lifecycle.allowed_from("restore") == ["cancelled"]
