"""The member status machine: which actions move a member from which status to which.

`TRANSITIONS` is the only place the rules live; refusals and help text are generated from it.
Every move is recorded as a LifecycleChange with its reason, operator and time.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlmodel import Session

from memberctl.domain import fields
from memberctl.errors import RuleViolation
from memberctl.i18n import _, pgettext
from memberctl.models import LifecycleChange, Member

ACTIVE, FROZEN, CANCELLED = "active", "frozen", "cancelled"
STATUSES = (ACTIVE, FROZEN, CANCELLED)

# (from_status, action) -> to_status
TRANSITIONS: dict[tuple[str, str], str] = {
    (ACTIVE, "freeze"): FROZEN,
    (FROZEN, "unfreeze"): ACTIVE,
    (ACTIVE, "cancel"): CANCELLED,
    (FROZEN, "cancel"): CANCELLED,
    (CANCELLED, "restore"): ACTIVE,
}
ACTIONS = tuple(dict.fromkeys(action for _, action in TRANSITIONS))


def allowed_from(action: str) -> list[str]:
    return [status for (status, act), _ in TRANSITIONS.items() if act == action]


def describe(action: str) -> str:
    """`freeze`: "active -> frozen"; used in help text."""
    return ", ".join(
        f"{status} -> {to}" for (status, act), to in TRANSITIONS.items() if act == action
    )


def ensure_not_forgotten(member: Member, doing: str) -> None:
    if member.forgotten_at is not None:
        raise RuleViolation(
            _("cannot {doing} {member_no}: its personal data was erased on {isoformat}").format(
                doing=doing,
                member_no=member.member_no,
                isoformat=member.forgotten_at.date().isoformat(),
            ),
            _("a forgotten member can no longer be changed"),
        )


def refusal(member: Member, action: str) -> RuleViolation:
    """Action and statuses in words: "无法解冻 M000004：该会员状态为已注销" in Chinese."""
    word = pgettext("kind", action)
    statuses = [pgettext("status", status) for status in allowed_from(action)]
    allowed = statuses[-1]
    if len(statuses) > 1:
        allowed = _("{some} or {last}").format(some=", ".join(statuses[:-1]), last=allowed)
    return RuleViolation(
        _("cannot {action} {member_no}: the member is {status}").format(
            action=word, member_no=member.member_no, status=pgettext("status", member.status)
        ),
        _("{action} is allowed only for {allowed} members").format(action=word, allowed=allowed),
    )


def clean_reason(reason: str | None) -> str | None:
    """A reason as typed, on one line, at most 500 characters (exit 5 otherwise)."""
    return fields.parse_free_text(reason, _("the reason"), 500)


def _record(
    session: Session,
    member: Member,
    kind: str,
    action: str,
    values: tuple[str | None, str],
    reason: str | None,
    operator: str,
    at: dt.datetime,
) -> LifecycleChange:
    """The one place a LifecycleChange row is built: `values` is (from, to)."""
    from_value, to_value = values
    change = LifecycleChange(
        member_id=cast(int, member.id),
        kind=kind,
        action=action,
        from_value=from_value,
        to_value=to_value,
        reason=reason,
        operator=operator,
        at=at,
    )
    session.add(change)
    return change


def transition(
    *,
    session: Session,
    member: Member,
    action: str,
    reason: str | None,
    operator: str,
    at: dt.datetime,
) -> LifecycleChange:
    """Apply `action` or raise RuleViolation (exit 4) saying why and what is allowed."""
    ensure_not_forgotten(member, action)
    to_status = TRANSITIONS.get((member.status, action))
    if to_status is None:
        raise refusal(member, action)
    values, why = (member.status, to_status), clean_reason(reason)  # refused before any change
    member.status = to_status
    member.updated_at = at
    session.add(member)
    return _record(session, member, "status", action, values, why, operator, at)


def record_tier_change(
    *,
    session: Session,
    member: Member,
    to_tier: str,
    action: str,
    reason: str | None,
    operator: str,
    at: dt.datetime,
) -> LifecycleChange:
    values, why = (member.tier_code, to_tier), clean_reason(reason)  # refused before any change
    member.tier_code = to_tier
    member.updated_at = at
    session.add(member)
    return _record(session, member, "tier", action, values, why, operator, at)


def record_enrolment(
    *, session: Session, member: Member, operator: str, at: dt.datetime
) -> LifecycleChange:
    values = (None, member.status)
    return _record(session, member, "status", "enroll", values, None, operator, at)
