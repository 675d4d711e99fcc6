"""Stored value (the wallet): an append-only ledger of exact amounts.

Rows are `topup` (+), `bonus` (+, the extra a top-up promotion gives), `pay` (-), `refund`
(+, money paid from the wallet given back), and `import`/`adjust` from other paths. The balance is
the sum of the ledger and never goes below zero; `member.balance` caches it in the same
transaction. A refund cannot give back more than was paid from the wallet and not yet refunded.

`key` makes a write idempotent: a repeat with the same key, member, kind, amount, bonus and
reason changes nothing; the same key for anything else is refused (exit 4), and an empty key is a
usage error (exit 2), never "no key". Frozen and cancelled members' wallets are
closed (exit 4). Callers lock the member row first (`refs.resolve(..., for_update=True)`), so
two payments racing for the last of a balance are serialised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.domain import audit, limits, money, points
from memberctl.errors import InvalidInput, RuleViolation
from memberctl.i18n import _
from memberctl.models import Member, WalletEntry

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class WalletEntryRecord:
    id: int
    kind: str
    amount: Decimal
    reason: str | None
    operator: str
    at: dt.datetime
    key: str | None


@dataclass(frozen=True)
class WalletResult:
    member_no: str
    amount: Decimal  # the amount of this write (topped up, paid or refunded), bonus excluded
    bonus: Decimal
    balance: Decimal  # the balance after
    duplicate: bool
    entries: list[WalletEntryRecord]


@dataclass(frozen=True)
class WalletBalance:
    member_no: str
    balance: Decimal
    paid: Decimal  # paid from the wallet, refunds deducted: what a refund may give back


def _record(entry: WalletEntry) -> WalletEntryRecord:
    return WalletEntryRecord(
        entry.id or 0,
        entry.kind,
        money.quantize(entry.amount),
        entry.reason,
        entry.operator,
        entry.at,
        entry.key,
    )


def _sum(session: Session, member: Member, *kinds: str) -> Decimal:
    query = select(func.coalesce(func.sum(WalletEntry.amount), 0)).where(
        WalletEntry.member_id == member.id
    )
    if kinds:
        query = query.where(col(WalletEntry.kind).in_(kinds))
    return money.quantize(Decimal(session.exec(query).one()))


def bonus_key(key: str | None) -> str | None:
    """The bonus row of a keyed top-up carries the key with '#bonus' appended."""
    return f"{key}#bonus" if key else None


def _positive(amount: Decimal, what: str) -> Decimal:
    if amount <= 0:
        raise InvalidInput(
            _("{what} {amount} is not above 0").format(what=what, amount=money.format(amount)),
            _("give an amount like 50.00"),
        )
    return amount


def _repeat(
    session: Session, member: Member, key: str, write: tuple[str, Decimal, Decimal, str | None]
) -> WalletResult | None:
    """The earlier write with `key`, if any: the same write (kind, amount, bonus, reason, member)
    gives its result again; anything else is refused (exit 4) naming the key."""
    kind, amount, bonus_amount, reason = write
    entry = session.exec(select(WalletEntry).where(WalletEntry.key == key)).first()
    if entry is None:
        return None
    bonus = session.exec(select(WalletEntry).where(WalletEntry.key == bonus_key(key))).first()
    stored_bonus = money.quantize(bonus.amount) if bonus else ZERO
    checks = [
        (entry.member_id != member.id, _("member")),
        (entry.kind != kind or money.quantize(entry.amount) != amount, _("amount")),
        (stored_bonus != bonus_amount, _("bonus")),
        ((entry.reason or "") != (reason or ""), _("reason")),
    ]
    points.refuse_different(
        key,
        _("{kind} {amount} on entry {id}").format(
            kind=entry.kind, amount=money.format(entry.amount), id=entry.id
        ),
        [what for differs, what in checks if differs],
    )
    entries = [_record(e) for e in (entry, bonus) if e is not None]
    return WalletResult(member.member_no, abs(amount), stored_bonus, member.balance, True, entries)


def _check_balance(session: Session, member: Member, change: Decimal) -> None:
    """A balance is at most `limits.MAX_BALANCE` (what NUMERIC(14, 2) holds): exit 5 past it."""
    after = _sum(session, member) + change
    if after > limits.MAX_BALANCE:
        raise InvalidInput(
            _("{member_no}'s balance would be {after}, more than a wallet may hold").format(
                member_no=member.member_no, after=money.format(after)
            ),
            _("a balance is at most {limit}").format(limit=limits.shown(limits.MAX_BALANCE)),
        )


def _post(
    session: Session,
    member: Member,
    rows: list[tuple[str, Decimal, str | None]],
    operator: str,
    at: dt.datetime,
    reason: str | None,
) -> WalletResult:
    _check_balance(session, member, sum((amount for _kind, amount, _key in rows), ZERO))
    entries = []
    for kind, amount, key in rows:
        entry = WalletEntry(
            member_id=member.id or 0,
            kind=kind,
            amount=amount,
            reason=reason,
            operator=operator,
            at=at,
            key=key,
        )
        session.add(entry)
        entries.append(entry)
    session.flush()
    member.balance = _sum(session, member)
    session.add(member)
    kind, amount, key = rows[0]
    amount = abs(amount)
    bonus = rows[1][1] if len(rows) > 1 else ZERO
    audit.record(
        session=session,
        operator=operator,
        action=f"wallet.{kind}",
        at=at,
        member=member,
        details={"entry_id": entries[0].id, "amount": money.format(amount), "key": key},
    )
    return WalletResult(
        member.member_no, amount, bonus, member.balance, False, [_record(e) for e in entries]
    )


def topup(
    *,
    session: Session,
    member: Member,
    amount: Decimal,
    operator: str,
    at: dt.datetime,
    bonus: Decimal = ZERO,
    key: str | None = None,
    reason: str | None = None,
) -> WalletResult:
    """`wallet topup`: add `amount`, and `bonus` as a separate 'bonus' row."""
    _positive(amount, "top-up")
    if bonus < 0:
        raise InvalidInput(
            _("bonus {bonus} is negative").format(bonus=money.format(bonus)), _("give 0 or more")
        )
    write = ("topup", amount, bonus, reason)
    key, earlier = points.open_write(
        member, key, _("top up the wallet"), lambda k: _repeat(session, member, k, write)
    )
    if earlier is not None:
        return earlier
    rows: list[tuple[str, Decimal, str | None]] = [("topup", amount, key)]
    if bonus > 0:
        rows.append(("bonus", bonus, bonus_key(key)))
    return _post(session, member, rows, operator, at, reason)


def pay(
    *,
    session: Session,
    member: Member,
    amount: Decimal,
    operator: str,
    at: dt.datetime,
    key: str | None = None,
    reason: str | None = None,
) -> WalletResult:
    """`wallet pay`: take `amount`; not enough balance -> exit 4."""
    _positive(amount, "payment")
    write = ("pay", -amount, ZERO, reason)
    key, earlier = points.open_write(
        member, key, _("pay from the wallet"), lambda k: _repeat(session, member, k, write)
    )
    if earlier is not None:
        return earlier
    balance = _sum(session, member)
    if balance < amount:
        raise RuleViolation(
            _("{member_no} has {balance} in the wallet, not {amount}").format(
                member_no=member.member_no,
                balance=money.format(balance),
                amount=money.format(amount),
            ),
            _("pay at most the balance (see 'wallet balance')"),
        )
    return _post(session, member, [("pay", -amount, key)], operator, at, reason)


def refund(
    *,
    session: Session,
    member: Member,
    amount: Decimal,
    operator: str,
    at: dt.datetime,
    key: str | None = None,
    reason: str | None = None,
) -> WalletResult:
    """`wallet refund`: give back up to what was paid from the wallet and not yet refunded."""
    _positive(amount, "refund")
    write = ("refund", amount, ZERO, reason)
    key, earlier = points.open_write(
        member, key, _("refund to the wallet"), lambda k: _repeat(session, member, k, write)
    )
    if earlier is not None:
        return earlier
    refundable = -_sum(session, member, "pay", "refund")
    if refundable < amount:
        raise RuleViolation(
            _(
                "{member_no} paid {refundable} from the wallet that was not refunded "
                "yet, less than {amount}"
            ).format(
                member_no=member.member_no,
                refundable=money.format(refundable),
                amount=money.format(amount),
            ),
            _("refund at most what was paid"),
        )
    return _post(session, member, [("refund", amount, key)], operator, at, reason)


def balance_of(session: Session, member: Member) -> Decimal:
    """The member's stored value: the sum of the ledger (one query)."""
    return _sum(session, member)


def balance(*, session: Session, member: Member) -> WalletBalance:
    return WalletBalance(
        member.member_no, _sum(session, member), -_sum(session, member, "pay", "refund")
    )


def history(*, session: Session, member: Member) -> list[WalletEntryRecord]:
    query = (
        select(WalletEntry)
        .where(WalletEntry.member_id == member.id)
        .order_by(col(WalletEntry.at), col(WalletEntry.id))
    )
    return [_record(entry) for entry in session.exec(query)]
