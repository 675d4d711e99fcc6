"""The points ledger: credits (lots), debits and what each debit consumed.

Every change is a `points_entry` row, never updated or deleted: credits (`adjust` from
`points add`, `earn` from purchases, `import`, `campaign`, `transfer`, `return`: points
spent on a sale given back by `sale refund`, with the expiry of the lot they came from) carry
an expiry date (`expires_on`, the last day they can be spent; NULL never expires); debits
(`redeem` from `points deduct` or a sale, `expire`, `refund`) record in `points_allocation`
which lots they consumed, so what is left of a lot is `points - sum(allocations)` and a
member's points are the sum of the ledger. `member.points` is a cache of that sum, written in
the same transaction (`db check` proves it).

Spending order: the soonest-expiring lot first, then the oldest, never-expiring lots last. Lots
past their expiry date are not spent; `expire` writes one `expire` row for what is left of each
such lot (its `reverses_id` names the lot), set-based, and running it again for the same day
finds nothing left to expire.

`key` makes a write idempotent: the same write again (member, kind, points, reason, and the
expiry when one is given) changes nothing; the key with anything different is refused (exit 4)
and an empty key is a usage error (exit 2), never "no key".

Concurrency: callers lock the member row (`refs.resolve(..., for_update=True)`; SQLite writers
hold the write lock already) before reading lots, so two spenders of the same last points are
serialised and the second sees what the first consumed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import and_, func, insert, literal, true, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.domain import audit, lifecycle, limits, locks, policy
from memberctl.errors import InvalidInput, RuleViolation, UsageProblem
from memberctl.i18n import _, pgettext
from memberctl.models import Member, PointsAllocation, PointsEntry

POLICY = "policy"  # `expires_on` default: follow the shop's expiry policy
CREDIT_KINDS = ("adjust", "earn", "import", "campaign", "transfer", "return")
MAX_POINTS = limits.MAX_ENTRY_POINTS
_WHOLE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_EXPIRE_LOCK_ID = 0x6D657870  # "mexp": one `points expire` at a time on PostgreSQL
EXPIRED = "points.expire"  # the audit action each expiry that read every lapsed lot is under
R = TypeVar("R")  # the result type of a keyed write (points or wallet)


@dataclass(frozen=True)
class EntryRecord:
    id: int
    kind: str
    points: int
    expires_on: dt.date | None
    reason: str | None
    operator: str
    at: dt.datetime
    key: str | None
    remaining: int | None = None  # credits: what is left of the lot
    order_no: str | None = None


@dataclass(frozen=True)
class PointsResult:
    member_no: str
    points: int  # the member's points after the write
    balance: Decimal  # the member's stored value (unchanged here)
    duplicate: bool  # a repeat of an earlier write with the same key: nothing changed
    entry: EntryRecord
    allocations: list[dict[str, Any]] | None = None

    @property
    def change(self) -> int:
        return self.entry.points

    @property
    def expires_on(self) -> dt.date | None:
        return self.entry.expires_on


@dataclass(frozen=True)
class BalanceRecord:
    member_no: str
    points: int
    available: int  # spendable now: lots not past their expiry date
    lapsed: int  # past their expiry date, written off by the next `points expire`
    next_expiry_on: dt.date | None
    next_expiry_points: int


@dataclass(frozen=True)
class ExpiryResult:
    as_of: dt.date
    entries: int
    points: int
    members: int


def ensure_active(member: Member, doing: str) -> None:
    """A frozen or cancelled member earns and spends nothing (exit 4)."""
    lifecycle.ensure_not_forgotten(member, doing)
    if member.status != lifecycle.ACTIVE:
        raise RuleViolation(
            _("cannot {doing} for {member_no}: the member is {status}").format(
                doing=doing, member_no=member.member_no, status=pgettext("status", member.status)
            ),
            _("unfreeze or restore the member first"),
        )


def parse_points(raw: str) -> int:
    """N as typed (`500`, `1,000`, full-width digits): a whole number from 1 to MAX_POINTS.
    Anything else, 0 and too many included, is invalid input (exit 5)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not _WHOLE.fullmatch(text):
        raise InvalidInput(
            _("'{raw}' is not a whole number of points").format(raw=raw),
            _("give 1 to {MAX_POINTS}").format(MAX_POINTS=limits.shown(MAX_POINTS)),
        )
    return check_points(int(text.replace(",", "")))


def check_points(points: int) -> int:
    if points < 1:
        raise InvalidInput(
            _("{points} is not a number of points").format(points=points),
            _("give 1 to {MAX_POINTS}").format(MAX_POINTS=limits.shown(MAX_POINTS)),
        )
    if points > MAX_POINTS:
        raise InvalidInput(
            _("{points} points is more than one entry may hold").format(points=points),
            _("give 1 to {MAX_POINTS}").format(MAX_POINTS=limits.shown(MAX_POINTS)),
        )
    return points


def check_total(member: Member, adding: int) -> None:
    """A member holds at most `limits.MAX_MEMBER_POINTS` points (exit 5 past it)."""
    if member.points + adding > limits.MAX_MEMBER_POINTS:
        raise InvalidInput(
            _("{member_no} would have {total} points, more than a member may hold").format(
                member_no=member.member_no, total=member.points + adding
            ),
            _("a member holds at most {limit} points").format(
                limit=limits.shown(limits.MAX_MEMBER_POINTS)
            ),
        )


def check_key(key: str | None) -> str | None:
    """An idempotency key: up to 100 characters. None means no key; an empty or blank one is a
    usage error (exit 2), never taken as "no key", which would switch idempotency off."""
    if key is None:
        return None
    if not key.strip():
        raise UsageProblem(
            _("the --key is empty"),
            _("give the key of this write, or leave --key out for a write without one"),
        )
    if len(key.strip()) > 100:
        raise InvalidInput(_("the --key is longer than 100 characters"), _("use a shorter key"))
    return key.strip()


def open_write(
    member: Member, key: str | None, doing: str, repeat: Callable[[str], R | None]
) -> tuple[str | None, R | None]:
    """The opening every keyed points and wallet write shares, in this order: the key checked
    (`check_key`); a key used before gives `repeat(key)`, the earlier write's result (or
    RuleViolation when this write differs from it); otherwise the member must be active.
    Returns (the checked key, the earlier result or None)."""
    key = check_key(key)
    earlier = repeat(key) if key is not None else None
    if earlier is None:
        ensure_active(member, doing)
    return key, earlier


def record_of(entry: PointsEntry, remaining: int | None = None) -> EntryRecord:
    return EntryRecord(
        entry.id or 0,
        entry.kind,
        entry.points,
        entry.expires_on,
        entry.reason,
        entry.operator,
        entry.at,
        entry.key,
        remaining,
    )


def _used() -> Any:
    return func.coalesce(func.sum(PointsAllocation.points), 0)


def open_lots(session: Session, member_id: int) -> list[tuple[int, dt.date | None, int]]:
    """(credit id, expires_on, points left) of the member's lots with points left, in spending
    order: soonest expiry first, then oldest, never-expiring last."""
    left = PointsEntry.points - _used()
    query = (
        select(col(PointsEntry.id), col(PointsEntry.expires_on), left)
        .outerjoin(PointsAllocation, col(PointsAllocation.credit_id) == PointsEntry.id)
        .where(PointsEntry.member_id == member_id, PointsEntry.points > 0)
        .group_by(
            col(PointsEntry.id),
            col(PointsEntry.expires_on),
            col(PointsEntry.points),
            col(PointsEntry.at),
        )
        .having(left > 0)
        .order_by(
            col(PointsEntry.expires_on).is_(None),
            col(PointsEntry.expires_on),
            col(PointsEntry.at),
            col(PointsEntry.id),
        )
    )
    return [(cast(int, i), e, int(n)) for i, e, n in session.exec(query)]  # ids are never NULL


def lot_remaining(session: Session, credit_id: int) -> int:
    entry = session.get(PointsEntry, credit_id)
    used = session.exec(select(_used()).where(PointsAllocation.credit_id == credit_id)).one()
    return (entry.points if entry else 0) - int(used)


def ledger_sum(session: Session, member_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.member_id == member_id
        )
    ).one()
    return int(total)


def refresh_cache(session: Session, member: Member) -> int:
    """Set the member's cached points to the ledger sum (same transaction)."""
    session.flush()
    member.points = ledger_sum(session, member.id or 0)
    session.add(member)
    return member.points


def find_by_key(session: Session, key: str | None) -> PointsEntry | None:
    if not key:
        return None
    return session.exec(select(PointsEntry).where(PointsEntry.key == key)).first()


def refuse_different(key: str, entry: str, differs: list[str]) -> None:
    """A key's repeat must be the same write: RuleViolation (exit 4) naming the key, the entry it
    wrote and what differs (`differs`: translated field names)."""
    if differs:
        raise RuleViolation(
            _(
                "key '{key}' was already used for another write ({entry}); this one differs "
                "in {differs}"
            ).format(key=key, entry=entry, differs=", ".join(differs)),
            _("use a new --key for a different write"),
        )


def _repeat(
    session: Session, member: Member, key: str, write: tuple[str, int, str, Any]
) -> PointsResult | None:
    """The entry written earlier with `key`, if any, again: the same write (kind, points, reason,
    expiry), or RuleViolation. The expiry is compared only when given (not POLICY): the policy
    may have changed since."""
    entry = find_by_key(session, key)
    if entry is None:
        return None
    kind, points, reason, expires_on = write
    checks = [
        (entry.member_id != member.id, _("member")),
        (entry.kind != kind or entry.points != points, _("points")),
        ((entry.reason or "") != (reason or ""), _("reason")),
        (expires_on != POLICY and entry.expires_on != expires_on, _("expiry date")),
    ]
    refuse_different(
        entry.key or "",
        _("{kind} {points:+d} on entry {id}").format(
            kind=entry.kind, points=entry.points, id=entry.id
        ),
        [what for differs, what in checks if differs],
    )
    return PointsResult(member.member_no, member.points, member.balance, True, record_of(entry))


def _expiry(raw: dt.date | None | str, at: dt.datetime, session: Session) -> dt.date | None:
    if raw == POLICY:
        return policy.load(session).expiry_for(at.date())
    if isinstance(raw, dt.date) and raw < at.date():
        raise InvalidInput(
            _("expiry date {isoformat} is in the past").format(isoformat=raw.isoformat()),
            _("give a later date, or 'never'"),
        )
    return raw if isinstance(raw, dt.date) else None


def add(
    *,
    session: Session,
    member: Member,
    points: int,
    reason: str,
    operator: str,
    at: dt.datetime,
    key: str | None = None,
    expires_on: dt.date | None | str = POLICY,
    kind: str = "adjust",
) -> PointsResult:
    """`points add`: credit a new lot; `expires_on` a date, None (never) or POLICY."""
    check_points(points)
    write = (kind, points, reason, expires_on)
    key, earlier = open_write(
        member, key, _("add points"), lambda k: _repeat(session, member, k, write)
    )
    if earlier is not None:
        return earlier
    check_total(member, points)
    entry = PointsEntry(
        member_id=member.id or 0,
        kind=kind,
        points=points,
        reason=reason,
        operator=operator,
        at=at,
        key=key,
        expires_on=_expiry(expires_on, at, session),
    )
    session.add(entry)
    total = refresh_cache(session, member)
    audit.record(
        session=session,
        operator=operator,
        action="points.add",
        at=at,
        member=member,
        details={"entry_id": entry.id, "points": points, "key": key},
    )
    return PointsResult(member.member_no, total, member.balance, False, record_of(entry, points))


def post_debit(
    session: Session,
    member: Member,
    spend: list[tuple[int, int]],
    **fields: Any,
) -> PointsEntry:
    """Write one debit row for `spend` [(credit id, points)] and its allocations."""
    total = sum(points for _, points in spend)
    entry = PointsEntry(member_id=member.id or 0, points=-total, **fields)
    session.add(entry)
    session.flush()
    session.execute(
        insert(PointsAllocation),
        [{"debit_id": entry.id, "credit_id": cid, "points": n} for cid, n in spend],
    )
    return entry


def spendable(session: Session, member: Member, on: dt.date) -> list[tuple[int, int]]:
    """(credit id, points left) of the lots that can be spent on `on`, in spending order."""
    return [
        (cid, left)
        for cid, exp, left in open_lots(session, member.id or 0)
        if exp is None or exp >= on
    ]


def plan_spend(
    session: Session,
    member: Member,
    points: int,
    on: dt.date,
    usable: list[tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """Which lots `points` come from (FIFO by expiry); RuleViolation when not enough.
    `usable`: `spendable(...)` when the caller has read it already."""
    usable = spendable(session, member, on) if usable is None else usable
    available = sum(left for _, left in usable)
    if available < points:
        raise RuleViolation(
            _("{member_no} has {available} points to spend, not {points}").format(
                member_no=member.member_no, available=available, points=points
            ),
            _("deduct at most the points available (see 'points balance')"),
        )
    spend, need = [], points
    for cid, left in usable:
        take = min(left, need)
        spend.append((cid, take))
        need -= take
        if need == 0:
            break
    return spend


def deduct(
    *,
    session: Session,
    member: Member,
    points: int,
    reason: str,
    operator: str,
    at: dt.datetime,
    key: str | None = None,
) -> PointsResult:
    """`points deduct`: spend `points`, soonest-expiring first; not enough -> exit 4."""
    check_points(points)
    write = ("redeem", -points, reason, POLICY)
    key, earlier = open_write(
        member, key, _("deduct points"), lambda k: _repeat(session, member, k, write)
    )
    if earlier is not None:
        return earlier
    spend = plan_spend(session, member, points, at.date())
    entry = post_debit(
        session, member, spend, kind="redeem", reason=reason, operator=operator, at=at, key=key
    )
    total = refresh_cache(session, member)
    audit.record(
        session=session,
        operator=operator,
        action="points.deduct",
        at=at,
        member=member,
        details={"entry_id": entry.id, "points": points, "key": key},
    )
    allocations = [{"lot": cid, "points": n} for cid, n in spend]
    return PointsResult(
        member.member_no, total, member.balance, False, record_of(entry), allocations
    )


def balance(*, session: Session, member: Member, as_of: dt.date) -> BalanceRecord:
    lots = open_lots(session, member.id or 0)
    lapsed = sum(left for _, exp, left in lots if exp is not None and exp < as_of)
    upcoming = sorted((exp, left) for _, exp, left in lots if exp is not None and exp >= as_of)
    next_on = upcoming[0][0] if upcoming else None
    next_points = sum(left for exp, left in upcoming if exp == next_on)
    total = ledger_sum(session, member.id or 0)
    return BalanceRecord(member.member_no, total, total - lapsed, lapsed, next_on, next_points)


def history(*, session: Session, member: Member, limit: int | None = None) -> list[EntryRecord]:
    """The member's ledger, oldest first; credits show what is left of them. With `limit`, the
    newest `limit` entries: the database returns only those (newest first, turned round here)
    rather than the whole ledger being read and cut."""
    from memberctl.models import Purchase

    used = select(_used()).where(PointsAllocation.credit_id == PointsEntry.id).scalar_subquery()
    query = (
        select(PointsEntry, used, Purchase.order_no)
        .outerjoin(Purchase, col(Purchase.id) == PointsEntry.purchase_id)
        .where(PointsEntry.member_id == member.id)
    )
    if limit:
        newest = query.order_by(col(PointsEntry.at).desc(), col(PointsEntry.id).desc())
        rows = list(session.exec(newest.limit(limit)))[::-1]
    else:
        rows = list(session.exec(query.order_by(col(PointsEntry.at), col(PointsEntry.id))))
    out = []
    for entry, spent, order_no in rows:
        remaining = entry.points - int(spent) if entry.points > 0 else None
        out.append(dataclasses.replace(record_of(entry, remaining), order_no=order_no))
    return out


def expire(
    *,
    session: Session,
    as_of: dt.date,
    operator: str,
    at: dt.datetime,
) -> ExpiryResult:
    """Write off what is left of every lot whose expiry date is before `as_of`, set-based:
    one INSERT ... SELECT of `expire` rows, one of their allocations, one UPDATE of the caches.
    A second run for the same day finds nothing left and changes nothing.

    Each run that reads every lapsed lot is recorded (audit entry `points.expire`, with the
    newest ledger entry after its writes), even when it wrote nothing off: a later run for the
    same day then looks only at the lots written since (see below)."""
    _lock_expiry(session)
    lapsed = _lapsed_lots(as_of)
    known = _newest_expired_entry(session, as_of)
    # A second run for the same day looks only at the lots written since the last expiry as of
    # that day (`known`, the newest ledger entry after its writes): every lot lapsed by then was
    # written off by it, and a lot only ever loses points afterwards (an allocation consumes; a
    # refund's points come back as a new `return` lot with the old lot's expiry). One pass over
    # every lapsed lot took 5 s at a million members; this is one range of the primary key. As
    # with the tier evaluation (domain/nightly.py), on PostgreSQL a lot committed while that
    # expiry ran, with a lower id, is written off by the next day's run, which reads them all.
    candidates = lapsed if known is None else _lapsed_lots(as_of, col(PointsEntry.id) > known)
    if session.exec(select(candidates.c.id).limit(1)).first() is None:
        if known is None:
            _record(session, as_of, operator, at, entries=0, points=0)
        return ExpiryResult(as_of, 0, 0, 0)
    locks.lock_members(session, select(lapsed.c.member_id))
    watermark = _newest_entry(session)
    table = PointsEntry.__table__  # type: ignore[attr-defined]
    session.execute(
        insert(table).from_select(
            ["member_id", "kind", "points", "reason", "operator", "at", "reverses_id"],
            core_select(
                lapsed.c.member_id,
                literal("expire"),
                -lapsed.c.left,
                literal(f"expired as of {as_of.isoformat()}"),
                literal(operator),
                literal(at, type_=table.c.at.type),
                lapsed.c.id,
            ),
        )
    )
    new = and_(col(PointsEntry.id) > watermark, col(PointsEntry.kind) == "expire")
    session.execute(
        insert(PointsAllocation).from_select(
            ["debit_id", "credit_id", "points"],
            select(PointsEntry.id, PointsEntry.reverses_id, -col(PointsEntry.points)).where(new),
        )
    )
    count, total, members = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(PointsEntry.points), 0),
            func.count(func.distinct(PointsEntry.member_id)),
        ).where(new)
    ).one()
    bump_caches(session, new)
    if count >= ANALYZE_FROM:
        _refresh_statistics(session)
    _record(session, as_of, operator, at, entries=int(count), points=-int(total))
    return ExpiryResult(as_of, int(count), -int(total), int(members))


def _record(
    session: Session, as_of: dt.date, operator: str, at: dt.datetime, *, entries: int, points: int
) -> None:
    details = {"as_of": as_of.isoformat(), "entries": entries, "points": points}
    audit.record(
        session=session,
        operator=operator,
        action=EXPIRED,
        at=at,
        details=details | {"newest_entry": _newest_entry(session)},
    )


def _newest_entry(session: Session) -> int:
    return session.exec(select(func.max(PointsEntry.id))).one() or 0


def _newest_expired_entry(session: Session, as_of: dt.date) -> int | None:
    """The newest ledger entry when the last expiry was done, if that was as of `as_of`."""
    entry = audit.latest(session, EXPIRED)
    if entry is None or entry[1].get("as_of") != as_of.isoformat():
        return None
    newest = entry[1].get("newest_entry")
    return newest if isinstance(newest, int) else None


# From this many lots written off in one run, PostgreSQL is told at once (ANALYZE) how the
# ledger tables changed: a first nightly that expires years of lots writes millions of
# allocations, and until the statistics knew of them (autovacuum lags, or is off) every sale's
# look-up of its member's lots read all of them (a hash join, +0.5 s a sale at a million members).
ANALYZE_FROM = 10_000


def _refresh_statistics(session: Session) -> None:
    from memberctl.db import statistics

    statistics.refresh(session, ("ANALYZE points_entry", "ANALYZE points_allocation"))


def _lapsed_lots(as_of: dt.date, among: Any = None) -> Any:
    left = PointsEntry.points - _used()
    return (
        select(PointsEntry.id, PointsEntry.member_id, left.label("left"))
        .outerjoin(PointsAllocation, col(PointsAllocation.credit_id) == PointsEntry.id)
        .where(PointsEntry.points > 0, col(PointsEntry.expires_on) < as_of)
        .where(true() if among is None else among)
        .group_by(col(PointsEntry.id), col(PointsEntry.member_id), col(PointsEntry.points))
        .having(left > 0)
        .subquery("lapsed")
    )


def bump_caches(session: Session, new_entries: Any) -> None:
    """Add the points of the entries matching `new_entries` to their members' caches: one
    grouped pass over the new rows, one UPDATE ... FROM."""
    members = Member.__table__  # type: ignore[attr-defined]
    delta = (
        select(PointsEntry.member_id, func.sum(PointsEntry.points).label("delta"))
        .where(new_entries)
        .group_by(col(PointsEntry.member_id))
        .subquery("delta")
    )
    session.execute(
        update(members)
        .where(members.c.id == delta.c.member_id)
        .values(points=members.c.points + delta.c.delta)
    )
    session.expire_all()


def _lock_expiry(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_EXPIRE_LOCK_ID)))
