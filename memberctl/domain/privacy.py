"""Privacy: erase a member's personal data (`forget`) and hand over everything held (`export_data`).

Forgetting blanks name, phone, e-mail, birthday, address and note texts, cancels the member and
keeps the anonymous rows (ledgers, lifecycle, audit) so that the books still add up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlmodel import Session, col, update

from memberctl.domain import audit, history, lifecycle, members
from memberctl.models import Interaction, Member

FORGOTTEN_NAME = None


def forget(
    *, session: Session, member: Member, operator: str, at: dt.datetime
) -> members.MemberRecord:
    lifecycle.ensure_not_forgotten(member, "forget")
    if member.status != lifecycle.CANCELLED:
        lifecycle.transition(
            session=session, member=member, action="cancel", reason="forgotten",
            operator=operator, at=at,
        )  # fmt: skip
    for name in ("name", "phone", "email", "birthday", "address"):
        setattr(member, name, None)
    member.forgotten_at = at
    member.updated_at = at
    session.add(member)
    session.exec(
        update(Interaction).where(col(Interaction.member_id) == member.id).values(text=None)
    )
    audit.record(session=session, operator=operator, action="member.forget", at=at, member=member)
    return members.record(session, member)


def export_data(
    *, session: Session, member: Member, operator: str, at: dt.datetime
) -> dict[str, Any]:
    """Everything held about one member, as plain data. The access itself is audited."""
    audit.record(
        session=session, operator=operator, action="member.export_data", at=at, member=member
    )
    session.flush()
    return {
        "member": dataclasses.asdict(members.record(session, member)),
        "history": [
            dataclasses.asdict(e) for e in history.timeline(session=session, member=member)
        ],
        "audit": [
            dataclasses.asdict(entry)
            for entry in audit.list_entries(session=session, member=member)
        ],
    }
