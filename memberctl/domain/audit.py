"""The audit log: one append-only row per change, naming the operator, the action and the member.

Details hold identifiers and field names, never personal values, so the log can be kept after a
member is forgotten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from memberctl.models import AuditEntry, Member


@dataclass(frozen=True)
class AuditRecord:
    at: dt.datetime
    operator: str
    action: str
    member_no: str | None
    details: dict[str, Any]


def record(
    *,
    session: Session,
    operator: str,
    action: str,
    at: dt.datetime,
    member: Member | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            operator=operator,
            action=action,
            member_id=member.id if member else None,
            details=details or {},
        )
    )


def list_entries(
    *,
    session: Session,
    member: Member | None = None,
    since: dt.date | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[AuditRecord]:
    """Newest first. `action` matches exactly or as a group prefix
    (`member` matches `member.freeze`)."""
    query = select(AuditEntry, Member.member_no).join(Member, isouter=True)
    if member is not None:
        query = query.where(AuditEntry.member_id == member.id)
    if since is not None:
        query = query.where(AuditEntry.at >= dt.datetime.combine(since, dt.time()))
    if action:
        query = query.where(
            (AuditEntry.action == action)
            | col(AuditEntry.action).startswith(action + ".", autoescape=True)
        )
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if limit:
        query = query.limit(limit)
    return [
        AuditRecord(entry.at, entry.operator, entry.action, member_no, entry.details)
        for entry, member_no in session.exec(query)
    ]
