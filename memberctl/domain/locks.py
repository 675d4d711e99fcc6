"""Row locks for set-based writes over many members.

A one-member write locks its row as it finds it (`refs.resolve(..., for_update=True)`). A
set-based write (`points expire`, a campaign run) changes many members in one statement, so it
locks all their rows first, in id order: two such writers over overlapping members then queue
instead of deadlocking. PostgreSQL only; an SQLite writer already holds the database's write lock.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from memberctl.models import Member


def lock_members(session: Session, member_ids: Any) -> None:
    """Lock the rows of the members `member_ids` names (a list or a subquery), in id order."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        select(Member.id)
        .where(col(Member.id).in_(member_ids))
        .order_by(col(Member.id))
        .with_for_update()
    )
