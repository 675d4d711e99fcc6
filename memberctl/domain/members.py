"""Members: enrol, find, list, edit, change status, and hand out member numbers.

Reads return `MemberRecord`s (plain data, safe after the session closes). Every write is recorded
in the audit log by field name, never by value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select, update

from memberctl import clock
from memberctl.domain import audit, fields, lifecycle, names, phones, refs, stores, tiers
from memberctl.domain.permissions import Identity
from memberctl.errors import RuleViolation, UsageProblem
from memberctl.i18n import _
from memberctl.models import Counter, Member, MemberTag, Tier

MEMBER_NO_COUNTER = "member_no"


@dataclass(frozen=True)
class MemberRecord:
    member_no: str
    name: str | None
    phone: str | None
    gender: str | None
    birthday: dt.date | None
    email: str | None
    tier: str
    status: str
    points: int
    balance: Decimal
    store: str | None
    tags: list[str]
    joined_at: dt.datetime
    referrer: str | None
    address: str | None = None
    forgotten_at: dt.datetime | None = None
    opt_out: bool = False  # no marketing messages (notify render)


@dataclass
class MemberInput:
    """What `member enroll` and `member edit` accept, already parsed and checked."""

    name: str | None = None
    phone: str | None = None
    gender: str | None = None
    birthday: dt.date | None = None
    email: str | None = None
    address: str | None = None
    store: str | None = None
    tier: str | None = None
    referrer: Member | None = None
    member_no: str | None = None
    joined_at: dt.datetime | None = None
    tags: list[str] = field(default_factory=list)
    region: str = "CN"  # how a member number that is all digits reads as a phone


def records(session: Session, members: list[Member]) -> list[MemberRecord]:
    """Public records for many members with two extra queries in all (tags, referrers)."""
    ids = [m.id for m in members]
    tags: dict[int, list[str]] = {}
    tag_rows = select(MemberTag).where(col(MemberTag.member_id).in_(ids))
    for row in session.exec(tag_rows):
        tags.setdefault(row.member_id, []).append(row.tag)
    for values in tags.values():
        values.sort()  # in Python: the same order on every database, whatever its collation
    referrer_ids = {m.referrer_id for m in members if m.referrer_id}
    referrers = dict(
        session.exec(
            select(Member.id, Member.member_no).where(col(Member.id).in_(referrer_ids))
        ).all()
    )
    return [_record(m, tags.get(m.id or 0, []), referrers.get(m.referrer_id)) for m in members]


def record(session: Session, member: Member) -> MemberRecord:
    return records(session, [member])[0]


# The record's fields that are the member's columns under the same name (all but these three).
_COPIED = tuple(
    f.name for f in dataclasses.fields(MemberRecord) if f.name not in ("tier", "tags", "referrer")
)


def _record(member: Member, tags: list[str], referrer: str | None) -> MemberRecord:
    copied = {name: getattr(member, name) for name in _COPIED}
    return MemberRecord(tier=member.tier_code, tags=tags, referrer=referrer, **copied)


def allocate_member_nos(
    session: Session, count: int, taken: AbstractSet[str] = frozenset()
) -> list[str]:
    """`count` free `M000001`-style numbers. The counter row is advanced once per call, which
    takes a row lock (PostgreSQL) inside the write transaction (SQLite), so two enrolments or
    imports never share one; numbers already used, or in `taken`, are passed over."""
    numbers: list[str] = []
    while len(numbers) < count:
        need = count - len(numbers)
        top = session.exec(
            update(Counter)
            .where(col(Counter.name) == MEMBER_NO_COUNTER)
            .values(value=Counter.value + need)
            .returning(col(Counter.value))
        ).scalar_one()
        candidates = [f"M{value:06d}" for value in range(top - need + 1, top + 1)]
        used = _used_numbers(session, candidates)
        numbers.extend(c for c in candidates if c not in used and c not in taken)
    return numbers


def _used_numbers(session: Session, candidates: list[str]) -> set[str]:
    """Which of `candidates` (consecutive `M000001`-style numbers) are taken: one range scan per
    length of number, not an IN list (100,000 bound values are slow to build)."""
    groups: dict[int, list[str]] = {}
    if len(candidates[0]) == len(candidates[-1]):  # the usual case: one length
        groups[0] = candidates
    else:
        for number in candidates:
            groups.setdefault(len(number), []).append(number)
    found: set[str] = set()
    for same in groups.values():
        member_no = col(Member.member_no)
        found.update(session.exec(select(member_no).where(member_no.between(same[0], same[-1]))))
    return found & set(candidates) if found else found


def next_member_no(session: Session) -> str:
    return allocate_member_nos(session, 1)[0]


def _member_no_taken(session: Session, member_no: str) -> bool:
    return session.exec(select(Member.id).where(Member.member_no == member_no)).first() is not None


def _ensure_phone_free(session: Session, phone: str, member: Member | None = None) -> None:
    query = select(Member.member_no).where(Member.phone == phone)
    if member is not None:
        query = query.where(Member.id != member.id)
    holder = session.exec(query).first()
    if holder is not None:
        # The phone masked: the line names another member, and stderr may end up in a log.
        raise RuleViolation(
            _("phone {national} already belongs to member {holder}").format(
                national=phones.mask(phone), holder=holder
            ),
            _("each member needs their own phone number"),
        )


def _ensure_keys_apart(session: Session, data: MemberInput, member: Member | None = None) -> None:
    """A member number that is another member's phone, or a phone that is another member's
    number, is refused (exit 4): a purchase for it would reach the wrong member."""
    number = data.member_no
    if number and (holder := refs.holder_of_phone_for(session, number, data.region, member)):
        raise RuleViolation(
            _("member number {member_no} is the phone of member {holder}").format(
                member_no=refs.shown(number), holder=refs.shown(holder.member_no)
            ),
            _("give another member number"),
        )
    if data.phone and refs.holder_of_number_for(session, data.phone, data.region, member):
        raise RuleViolation(
            _("phone {national} is another member's member number").format(
                national=phones.mask(data.phone)
            ),
            _("each member needs their own phone number"),
        )


def enroll(
    *,
    session: Session,
    data: MemberInput,
    operator: str,
    at: dt.datetime,
    tier_until: dt.date | None = None,
) -> MemberRecord:
    """A new member; a tier given by hand is kept until `tier_until` (default: the policy's)."""
    if data.name is None or data.phone is None:
        raise UsageProblem(_("a new member needs --name and --phone"))
    if tier_until is not None and not data.tier:
        raise UsageProblem(_("--tier-until goes with --tier"))
    _ensure_phone_free(session, data.phone)
    tier = tiers.get(session, data.tier) if data.tier else _lowest_tier(session)
    if data.member_no and _member_no_taken(session, data.member_no):
        raise RuleViolation(
            _("member number {member_no} is already used").format(member_no=data.member_no)
        )
    _ensure_keys_apart(session, data)
    member = Member(
        member_no=data.member_no or next_member_no(session),
        name=data.name,
        name_initials=names.initials(data.name),
        phone=data.phone,
        gender=data.gender,
        birthday=data.birthday,
        email=data.email,
        address=data.address,
        tier_code=tier.code,
        tier_kept_until=tiers.kept_for(session, tier.code, at.date(), tier_until),
        store=data.store,
        referrer_id=data.referrer.id if data.referrer else None,
        joined_at=data.joined_at or at,
        created_at=at,
        updated_at=at,
    )
    session.add(member)
    session.flush()
    _set_tags(session, member, add=data.tags)
    lifecycle.record_enrolment(session=session, member=member, operator=operator, at=at)
    audit.record(session=session, operator=operator, action="member.enroll", at=at, member=member)
    return record(session, member)


def _lowest_tier(session: Session) -> Tier:
    return tiers.get(session, tiers.list_tiers(session=session)[0].code)


def _set_tags(
    session: Session, member: Member, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> None:
    current = set(session.exec(select(MemberTag.tag).where(MemberTag.member_id == member.id)))
    for tag in add:
        if tag not in current:
            session.add(MemberTag(member_id=cast(int, member.id), tag=tag))
            current.add(tag)
    for tag in remove:
        if tag in current:
            row = session.get(MemberTag, (member.id, tag))
            session.delete(row)
    session.flush()


EDITABLE = ("name", "phone", "gender", "birthday", "email", "address", "store")


def edit(
    *,
    session: Session,
    member: Member,
    changes: MemberInput,
    given: set[str],
    remove_tags: list[str],
    operator: str,
    at: dt.datetime,
    opt_out: bool | None = None,
) -> MemberRecord:
    """Change the fields named in `given`; a field given as empty clears it (name and phone
    excepted). `opt_out` True/False records that the member does / does again accept marketing
    messages; None leaves it."""
    if not given and not changes.tags and not remove_tags and opt_out is None:
        raise UsageProblem(
            _("nothing to change"),
            _(
                "give at least one of --name, --phone, --gender, --birthday, "
                "--email, --address, --store, --add-tag, --remove-tag, --opt-out, --opt-in"
            ),
        )
    lifecycle.ensure_not_forgotten(member, "edit")
    if "phone" in given and changes.phone is not None:
        _ensure_phone_free(session, changes.phone, member)
        _ensure_keys_apart(session, MemberInput(phone=changes.phone, region=changes.region), member)
    changed = [name for name in EDITABLE if name in given]
    for name in changed:
        setattr(member, name, getattr(changes, name))
    if "name" in changed:
        member.name_initials = names.initials(member.name)
    if opt_out is not None:
        member.opt_out = opt_out
        changed.append("opt_out")
    member.updated_at = at
    session.add(member)
    _set_tags(session, member, add=changes.tags, remove=remove_tags)
    details = {"fields": changed, "tags_added": changes.tags, "tags_removed": remove_tags}
    audit.record(
        session=session,
        operator=operator,
        action="member.edit",
        at=at,
        member=member,
        details=details,
    )
    return record(session, member)


def change_status(
    *,
    session: Session,
    member: Member,
    action: str,
    reason: str | None,
    operator: str,
    at: dt.datetime,
) -> MemberRecord:
    lifecycle.transition(
        session=session, member=member, action=action, reason=reason, operator=operator, at=at
    )
    if action == "restore":  # back in the clerk's searches: initials as for a new member
        member.name_initials = names.initials(member.name)
    audit.record(
        session=session,
        operator=operator,
        action=f"member.{action}",
        at=at,
        member=member,
        details={"status": member.status},
    )
    return record(session, member)


def member_conditions(
    session: Session,
    *,
    status: str | None = None,
    tier: str | None = None,
    tag: str | None = None,
    store: str | None = None,
    where_clause: ColumnElement[bool] | None = None,
    staff: Identity | None = None,
) -> list[ColumnElement[bool]]:
    """The filters of `member list` (and `export members`) as conditions on the member table;
    `where_clause` is what `segments.resolve_filter` makes of `--where`/`--segment`. `staff`
    keeps them to the stores a manager or clerk works in (`stores.kept_to`)."""
    conditions: list[ColumnElement[bool]] = []
    if status is not None and status not in lifecycle.STATUSES:
        raise UsageProblem(
            _("--status '{status}' is not one of {STATUSES}").format(
                status=status, STATUSES=", ".join(lifecycle.STATUSES)
            ),
            _("see 'memberctl member list --help'"),
        )
    if where_clause is not None:
        conditions.append(where_clause)
    if status:
        conditions.append(col(Member.status) == status)
    if tier:
        conditions.append(col(Member.tier_code) == tiers.get(session, tier).code)
    tags = fields.parse_tags([tag] if tag else [])
    if tags:  # the same normalisation as when tags are written
        tagged = select(MemberTag.member_id).where(col(MemberTag.tag).in_(tags))
        conditions.append(col(Member.id).in_(tagged))
    code = stores.resolve(session, store)  # a store that is not registered: exit 3
    in_store = stores.kept_to(staff, code, Member.store)
    if in_store is not None:
        conditions.append(in_store)
    return conditions


def list_members(
    *,
    session: Session,
    status: str | None = None,
    tier: str | None = None,
    tag: str | None = None,
    store: str | None = None,
    limit: int | None = None,
    where_clause: ColumnElement[bool] | None = None,
    staff: Identity | None = None,
) -> list[MemberRecord]:
    """Members, newest first, filtered by the options of `member list`."""
    conditions = member_conditions(
        session,
        status=status,
        tier=tier,
        tag=tag,
        store=store,
        where_clause=where_clause,
        staff=staff,
    )
    query = select(Member).where(*conditions)
    query = query.order_by(col(Member.joined_at).desc(), col(Member.id).desc())
    if limit:
        query = query.limit(limit)
    return records(session, list(session.exec(query)))


def parse_input(
    session: Session,
    *,
    region: str,
    raw: dict[str, str | None],
    tags: Sequence[str] = (),
) -> tuple[MemberInput, set[str]]:
    """Check what a person typed. Returns the parsed input and the fields that were given
    (an empty string clears a field in `member edit`)."""
    given = {key for key, value in raw.items() if value is not None}
    data = MemberInput(tags=fields.parse_tags(list(tags)), region=region)
    for key in given:
        text = raw[key] or ""
        setattr(data, key, _parse_field(session, key, text, region))
    return data, given


def _parse_field(session: Session, key: str, text: str, region: str) -> object:
    if key in ("name", "phone") and not text.strip():
        raise UsageProblem(
            _("--{key} cannot be empty").format(key=key),
            _("give the member's {key}").format(key=key),
        )
    parsers: dict[str, Callable[[str], object]] = {
        "name": fields.parse_name,
        "phone": lambda t: phones.parse(t, region),
        "gender": fields.parse_gender,
        "birthday": lambda t: fields.parse_birthday(t, clock.today()),
        "email": fields.parse_email,
        "address": lambda t: fields.parse_free_text(t, _("the address"), 500, multiline=True),
        "store": lambda t: stores.resolve(session, t),  # '' clears it (member edit)
        "tier": lambda t: tiers.get(session, t).code,
        "referrer": lambda t: refs.resolve(session, t, region=region),
        "member_no": fields.parse_member_no,
        "joined_at": lambda t: fields.parse_datetime(t, "joined-at"),
    }
    return parsers[key](text)
