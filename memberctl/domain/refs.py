"""Finding a member from what a person types: a member number or a phone number in any form.

Shops often print the phone number on the card as its member number, so a member number may
read as a phone number. That is fine for the member who owns both; a member number that is
another member's phone (or a phone that is another member's number) would send purchases to the
wrong person, so enrolment, edits and imports refuse it (`phone_of_number`, `numbers_for_phone`)
and a reference that still names two members (older data) is refused (exit 4) naming both.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlmodel import Session, col, select

from memberctl.domain import permissions, phones
from memberctl.domain.permissions import Identity
from memberctl.errors import NotFound, RuleViolation
from memberctl.i18n import _
from memberctl.models import Member


def resolve(
    session: Session,
    ref: str,
    *,
    region: str = "CN",
    for_update: bool = False,
    staff: Identity | None = None,
) -> Member:
    """The member `ref` names; NotFound (exit 3) otherwise, RuleViolation (exit 4) when it is one
    member's number and another member's phone. With `staff`, a member of a store they do not
    work in is NotPermitted (exit 6); members of no store are everyone's.

    `for_update` locks the row (PostgreSQL) for a read-modify-write; SQLite writers already hold
    the database's write lock.
    """
    text = unicodedata.normalize("NFKC", ref).strip()  # as member numbers are stored
    by_number = _first(session, Member.member_no == text.upper(), for_update)
    phone = phones.try_parse(text, region) if _may_be_phone(text) else None
    by_phone = _first(session, Member.phone == phone, for_update) if phone else None
    if by_number is not None and by_phone is not None and by_number.id != by_phone.id:
        raise RuleViolation(
            _(
                "{ref} is both member {number_holder}'s number and member {phone_holder}'s phone"
            ).format(
                ref=phones.mask(phone),
                number_holder=shown(by_number.member_no),
                phone_holder=shown(by_phone.member_no),
            ),
            _("use {phone_holder} for that member, or the other member's phone").format(
                phone_holder=shown(by_phone.member_no)
            ),
        )
    member = by_number or by_phone
    if member is None:
        raise NotFound(
            _("no member '{ref}'").format(ref=_masked(ref, phone)),
            _("give a member number such as M000001 or the member's phone number"),
        )
    if staff is not None:
        permissions.require_store(staff, member.store)
    return member


def _may_be_phone(text: str) -> bool:
    """Phones never hold letters: `M000123` is not parsed (nor phonenumbers imported)."""
    return not any(char.isalpha() for char in text)


def shown(member_no: str) -> str:
    """A member number as a message may show it: one that reads as a phone number (a card that
    carries the phone) is masked, as phones are on stderr."""
    phone = phone_of_number(member_no)
    return (phones.mask(phone) or member_no) if phone else member_no


def phone_of_number(member_no: str | None, region: str = "CN") -> str | None:
    """The phone (E.164) that member number `member_no` also reads as, or None."""
    if not member_no or not member_no.isdigit():
        return None
    return phones.try_parse(member_no, region)


def numbers_for_phone(phone: str, region: str = "CN") -> list[str]:
    """The member numbers that read as `phone`: its national number with and without the trunk
    prefix 0, and the country code in front with and without 00."""
    if phone.startswith("+86"):
        country, national = "86", phone[3:]
        # A Chinese mobile (its national form parses without phonenumbers): all four forms read
        # as it, so 100,000 imported phones are not each parsed four times.
        if region == "CN" and phones.try_parse(national, region) == phone:
            return [national, "0" + national, country + national, "00" + country + national]
    else:
        import phonenumbers

        number = phonenumbers.parse(phone, None)
        country, national = str(number.country_code), str(number.national_number)
    forms = (national, "0" + national, country + national, "00" + country + national)
    return [form for form in forms if phones.try_parse(form, region) == phone]


def holder_of_number_for(
    session: Session, phone: str, region: str, member: Member | None = None
) -> Member | None:
    """Another member (not `member`) whose member number reads as `phone`."""
    query = select(Member).where(col(Member.member_no).in_(numbers_for_phone(phone, region)))
    if member is not None and member.id is not None:
        query = query.where(Member.id != member.id)
    return session.exec(query).first()


def holder_of_phone_for(
    session: Session, member_no: str, region: str, member: Member | None = None
) -> Member | None:
    """Another member (not `member`) whose phone is what `member_no` reads as."""
    phone = phone_of_number(member_no, region)
    if phone is None:
        return None
    query = select(Member).where(Member.phone == phone)
    if member is not None and member.id is not None:
        query = query.where(Member.id != member.id)
    return session.exec(query).first()


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


def numbers_may_read_as_phones(session: Session) -> bool:
    """Whether any member number starts with a digit (one range probe of the unique index):
    without one, no member number can be read as a phone."""
    digit_first = col(Member.member_no) >= "0", col(Member.member_no) < ":"
    return session.exec(select(Member.id).where(*digit_first).limit(1)).first() is not None
