"""Finding a member from what a person types: a member number or a phone number in any form."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from memberctl.domain import phones
from memberctl.errors import NotFound
from memberctl.i18n import _
from memberctl.models import Member


def resolve(session: Session, ref: str, *, region: str = "CN", for_update: bool = False) -> Member:
    """The member `ref` names; NotFound (exit 3) otherwise.

    A member number wins over a phone number: cards carried over from an older system often use a
    phone number as their number, and that may be another member's phone now.
    `for_update` locks the row (PostgreSQL) for a read-modify-write; SQLite writers already hold
    the database's write lock.
    """
    text = ref.strip()
    member = _first(session, Member.member_no == text.upper(), for_update)
    phone = phones.try_parse(text, region) if member is None else None
    if phone is not None:
        member = _first(session, Member.phone == phone, for_update)
    if member is None:
        raise NotFound(
            _("no member '{ref}'").format(ref=_masked(ref, phone)),
            _("give a member number such as M000001 or the member's phone number"),
        )
    return member


def _first(session: Session, condition: Any, for_update: bool) -> Member | None:
    query = select(Member).where(condition)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def _masked(ref: str, phone: str | None) -> str:
    """The reference as an error may quote it: a phone number masked as tables show it
    (`139****6666`); any other run of 7 or more digits keeps only its first 3 and last 4."""
    if phone is not None:
        return phones.mask(phone) or ""
    count = sum(c.isdigit() for c in ref)
    if count < 7:
        return ref
    shown, seen = [], 0
    for char in ref:
        if char.isdigit():
            seen += 1
            shown.append("*" if 3 < seen <= count - 4 else char)
        else:
            shown.append(char)
    return "".join(shown)
