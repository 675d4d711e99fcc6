"""Tiers: their order by rank, loading them from TOML, and moving a member up or down.

A tier file is a list of `[[tier]]` tables (see templates/tiers.toml); loading upserts by code and
keeps tiers the file does not mention. Ranks must stay distinct.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from memberctl.domain import audit, lifecycle
from memberctl.errors import InvalidInput, NotFound, Problems, RuleViolation
from memberctl.models import Member, Tier

_CODE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_KNOWN_KEYS = {"code", "name", "rank", "multiplier", "discount", "threshold"}
# key: (default, largest value the column holds)
_NUMBERS = {
    "multiplier": ("1", Decimal("9999.99")),
    "discount": ("1", Decimal("1")),
    "threshold": ("0", Decimal("999999999999.99")),
}


@dataclass(frozen=True)
class TierRecord:
    rank: int
    code: str
    name: str
    multiplier: Decimal
    discount: Decimal
    threshold: Decimal


def _record(tier: Tier) -> TierRecord:
    return TierRecord(
        tier.rank, tier.code, tier.name, tier.multiplier, tier.discount, tier.threshold
    )


def list_tiers(*, session: Session) -> list[TierRecord]:
    return [_record(t) for t in session.exec(select(Tier).order_by(col(Tier.rank)))]


def get(session: Session, code: str) -> Tier:
    tier = session.exec(select(Tier).where(Tier.code == code.strip().lower())).first()
    if tier is None:
        codes = ", ".join(t.code for t in list_tiers(session=session))
        raise NotFound(f"no tier '{code}'", f"tiers are: {codes}")
    return tier


def neighbour(session: Session, tier_code: str, direction: str) -> Tier | None:
    """The next tier up (`up`) or down (`down`) by rank, or None at the end."""
    current = get(session, tier_code)
    query = select(Tier)
    if direction == "up":
        query = query.where(Tier.rank > current.rank).order_by(col(Tier.rank))
    else:
        query = query.where(Tier.rank < current.rank).order_by(col(Tier.rank).desc())
    return session.exec(query).first()


def change_tier(
    *,
    session: Session,
    member: Member,
    direction: str,
    to: str | None,
    reason: str | None,
    operator: str,
    at: dt.datetime,
) -> Tier:
    """`member upgrade` / `member downgrade`: the next tier by rank, or the named one."""
    action = "upgrade" if direction == "up" else "downgrade"
    lifecycle.ensure_not_forgotten(member, action)
    if member.status == lifecycle.CANCELLED:
        raise RuleViolation(
            f"cannot {action} {member.member_no}: the member is cancelled", "restore it first"
        )
    target = _target_tier(session, member, direction, to)
    lifecycle.record_tier_change(
        session=session,
        member=member,
        to_tier=target.code,
        action=action,
        reason=reason,
        operator=operator,
        at=at,
    )
    audit.record(
        session=session,
        operator=operator,
        action=f"member.{action}",
        at=at,
        member=member,
        details={"to": target.code},
    )
    return target


def _target_tier(session: Session, member: Member, direction: str, to: str | None) -> Tier:
    current = get(session, member.tier_code)
    action = "upgrade" if direction == "up" else "downgrade"
    if to is None:
        target = neighbour(session, member.tier_code, direction)
        if target is None:
            end = "highest" if direction == "up" else "lowest"
            raise RuleViolation(
                f"cannot {action} {member.member_no}: {current.code} is already the {end} tier"
            )
        return target
    target = get(session, to)
    if target.rank == current.rank:
        raise RuleViolation(f"cannot {action} {member.member_no}: it is already {target.code}")
    if (target.rank > current.rank) != (direction == "up"):
        other = "downgrade" if direction == "up" else "upgrade"
        raise RuleViolation(
            f"cannot {action} {member.member_no} from {current.code} to {target.code}: "
            f"{target.code} is {'below' if direction == 'up' else 'above'} {current.code}",
            f"use member {other}",
        )
    return target


def load(*, session: Session, path: Path, operator: str, at: dt.datetime) -> list[TierRecord]:
    """Upsert the tiers of a TOML file; all problems are reported at once (exit 5)."""
    rows = _read_tier_file(path)
    problems = Problems()
    parsed = [_parse_tier(i, row, problems) for i, row in enumerate(rows, start=1)]
    _check_distinct(parsed, problems)
    if problems:
        first = problems.errors[0]
        more = f" (and {len(problems.errors) - 1} more)" if len(problems.errors) > 1 else ""
        raise InvalidInput(f"{path.name}: {first.message}{more}", errors=problems.errors)
    existing = {t.code: t for t in session.exec(select(Tier))}
    for values in parsed:
        tier = existing.get(values["code"]) or Tier(code=values["code"], name="", rank=0)
        for key, value in values.items():
            setattr(tier, key, value)
        session.add(tier)
    session.flush()
    _check_ranks_distinct(session, path)
    audit.record(
        session=session,
        operator=operator,
        action="tier.load",
        at=at,
        details={"file": path.name, "codes": [v["code"] for v in parsed]},
    )
    return list_tiers(session=session)


def _read_tier_file(path: Path) -> list[Any]:
    if not path.is_file():
        raise NotFound(f"no file '{path}'", "check the path")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name} is not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"tier"})
    if unknown:
        raise InvalidInput(
            f"{path.name}: unknown key '{unknown[0]}'",
            "a tier file holds only [[tier]] tables; see templates/tiers.toml",
        )
    rows = document.get("tier")
    if not isinstance(rows, list) or not rows:
        raise InvalidInput(
            f"{path.name} has no [[tier]] tables", "see templates/tiers.toml for the layout"
        )
    return rows


def _parse_tier(index: int, row: Any, problems: Problems) -> dict[str, Any]:
    where = f"tier #{index}"
    if not isinstance(row, dict):
        problems.add(index, None, row, f"{where} is not a table")
        return {}
    for key in sorted(set(row) - _KNOWN_KEYS):
        problems.add(index, key, row[key], f"{where}: unknown key '{key}'")
    code = str(row.get("code", "")).strip().lower()
    if not _CODE.fullmatch(code):
        problems.add(index, "code", row.get("code"), f"{where}: code must be like 'gold'")
    name = str(row.get("name", "")).strip()
    if not name:
        problems.add(index, "name", None, f"{where} ({code}): name is missing")
    elif len(name) > 64:
        problems.add(index, "name", name, f"{where} ({code}): name is longer than 64 characters")
    rank = row.get("rank")
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
        problems.add(index, "rank", rank, f"{where} ({code}): rank must be a whole number >= 1")
    values: dict[str, Any] = {"code": code, "name": name, "rank": rank}
    for key, (default, limit) in _NUMBERS.items():
        value = _decimal(row.get(key, default), f"{where} ({code}): {key}", key, problems)
        if value is not None and value > limit:
            problems.add(index, key, row.get(key), f"{where} ({code}): {key} must be <= {limit}")
        values[key] = value if value is not None else Decimal(default)
    if values["discount"] == 0:
        problems.add(index, "discount", row.get("discount"), f"{where}: discount must be in (0, 1]")
    return values


def _decimal(raw: Any, where: str, key: str, problems: Problems) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        problems.add(None, key, raw, f"{where} must be a number >= 0")
        return None
    return value.quantize(Decimal("0.01"))


def _check_distinct(parsed: list[dict[str, Any]], problems: Problems) -> None:
    for key in ("code", "rank"):
        seen: set[Any] = set()
        for values in parsed:
            value = values.get(key)
            if value in seen:
                problems.add(None, key, value, f"{key} {value!r} appears twice")
            seen.add(value)


def _check_ranks_distinct(session: Session, path: Path) -> None:
    ranks: dict[int, str] = {}
    for tier in session.exec(select(Tier)):
        if tier.rank in ranks:
            raise InvalidInput(
                f"{path.name}: rank {tier.rank} is used by both {ranks[tier.rank]} and {tier.code}",
                "give every tier its own rank",
            )
        ranks[tier.rank] = tier.code
