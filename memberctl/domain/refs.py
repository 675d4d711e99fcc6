"""Finding a member from what a person types: a member number or a phone number in any form."""

from __future__ import annotations

from sqlmodel import Session, select

from memberctl.domain import phones
from memberctl.errors import NotFound
from memberctl.models import Member


def resolve(session: Session, ref: str, *, region: str = "CN", for_update: bool = False) -> Member:
    """The member `ref` names; NotFound (exit 3) otherwise.

    `for_update` locks the row (PostgreSQL) for a read-modify-write; SQLite writers already hold
    the database's write lock.
    """
    text = ref.strip()
    query = select(Member).where(Member.member_no == text.upper())
    phone = phones.try_parse(text, region)
    if phone is not None:
        query = select(Member).where((Member.member_no == text.upper()) | (Member.phone == phone))
    if for_update:
        query = query.with_for_update()
    member = session.exec(query).first()
    if member is None:
        raise NotFound(
            f"no member '{ref}'",
            "give a member number such as M000001 or the member's phone number",
        )
    return member
