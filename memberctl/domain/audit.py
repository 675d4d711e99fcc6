"""The audit log: one append-only row per change, naming the operator, the action and the member.

`at` is always the real clock: when the thing was done. A command run for another day
(`--as-of`, `--taken-at`, a purchase's `--at`) passes that moment, and the entry keeps its date
apart as `business_date`; it is NULL when the work was for the day it was done.

Details hold identifiers and field names, never personal values, so the log can be kept after a
member is forgotten. An idempotency key (`--key`) is whatever the clerk typed, a receipt or phone
number as likely as not, so it is kept only as a short hash (`sha256:` and 12 hex digits of the
SHA-256 of the key): two entries of one key still match, and a ledger row's key can be matched
by hashing it (`key_hash`). Entries written before this was so are hashed when read.

`scrub` is the one exception to append-only: when a member is forgotten it blanks, in that
member's entries, every detail under a personal key (`PERSONAL_KEYS`) and every string holding
one of the member's personal values; action, operator and time stay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select, update

from memberctl import clock
from memberctl.models import AuditEntry, Member

# Detail keys whose values are personal (or free text that may be), whatever they hold.
PERSONAL_KEYS = frozenset({
    "name", "name_initials", "phone", "email", "birthday", "address", "text", "reason",
    "note", "tags", "tags_added", "tags_removed", "value", "answers", "old", "new", "ref",
})  # fmt: skip


HASHED_KEYS = frozenset({"key"})  # detail keys kept only as a hash of their value
_HASH_PREFIX = "sha256:"


def key_hash(value: str) -> str:
    """How the audit log holds an idempotency key: `sha256:` and the first 12 hex digits."""
    return _HASH_PREFIX + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def _hashed(details: dict[str, Any]) -> dict[str, Any]:
    """`details` with each value under a HASHED_KEYS key hashed (once: a hash stays as it is)."""
    if not HASHED_KEYS & details.keys():
        return details
    return {
        k: key_hash(v)
        if k in HASHED_KEYS and isinstance(v, str) and not v.startswith(_HASH_PREFIX)
        else v
        for k, v in details.items()
    }


@dataclass(frozen=True)
class AuditRecord:
    at: dt.datetime
    operator: str
    action: str
    member_no: str | None
    details: dict[str, Any]
    business_date: dt.date | None = None


def record(
    *,
    session: Session,
    operator: str,
    action: str,
    at: dt.datetime,
    member: Member | None = None,
    details: dict[str, Any] | None = None,
    recorded_at: dt.datetime | None = None,
) -> None:
    """`at` is the moment the work was done for; `recorded_at` (default: the clock now) when."""
    real = recorded_at or clock.now()
    session.add(
        AuditEntry(
            at=real,
            business_date=at.date() if at.date() != real.date() else None,
            operator=operator,
            action=action,
            member_id=member.id if member else None,
            details=_hashed(details or {}),
        )
    )


def latest(session: Session, action: str) -> tuple[int, dict[str, Any]] | None:
    """The id and details of the newest entry of `action`: what a job keeps of its last run
    (the nightly's tier evaluation, an expiry's pass over the lapsed lots)."""
    row = session.execute(
        select(col(AuditEntry.id), col(AuditEntry.details))
        .where(col(AuditEntry.action) == action)
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1] or {})


def record_show_pii(
    *, session: Session, command: str, operator: str, at: dt.datetime, member: Member | None = None
) -> None:
    """`--show-pii` on a list or an export is a disclosure, as on a report (`report.show_pii`):
    who saw unmasked phones in which command's output, and when."""
    record(
        session=session,
        operator=operator,
        action="pii.show",
        at=at,
        member=member,
        details={"command": command},
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
            (col(AuditEntry.action) == action)
            | col(AuditEntry.action).startswith(action + ".", autoescape=True)
        )
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if limit:
        query = query.limit(limit)
    return [
        AuditRecord(
            entry.at,
            entry.operator,
            entry.action,
            member_no,
            _hashed(entry.details),
            entry.business_date,
        )
        for entry, member_no in session.exec(query)
    ]


def scrub(*, session: Session, member: Member, personal: Sequence[str]) -> int:
    """Blank personal values in the details of `member`'s entries; how many entries changed."""
    needles = [value.casefold() for value in personal if value]
    query = select(AuditEntry.id, AuditEntry.details).where(AuditEntry.member_id == member.id)
    changed = 0
    for entry_id, details in session.exec(query).all():
        clean = _clean(details, needles)
        if clean != details:
            session.exec(
                update(AuditEntry).where(col(AuditEntry.id) == entry_id).values(details=clean)
            )
            changed += 1
    return changed


def _clean(value: Any, needles: Sequence[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: None if key in PERSONAL_KEYS else _clean(item, needles)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_clean(item, needles) for item in value]
    if isinstance(value, str) and any(needle in value.casefold() for needle in needles):
        return None
    return value
