"""Tiers: their order by rank, loading them from TOML, and moving a member up or down.

A tier file is a list of `[[tier]]` tables (see templates/tiers.toml); loading upserts by code and
keeps tiers the file does not mention. Ranks must stay distinct.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from memberctl import tomlfile
from memberctl.domain import audit, lifecycle
from memberctl.errors import InvalidInput, NotFound, Problems, RuleViolation
from memberctl.i18n import _
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
        raise NotFound(
            _("no tier '{code}'").format(code=code), _("tiers are: {codes}").format(codes=codes)
        )
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
    doing = _("upgrade") if direction == "up" else _("downgrade")
    lifecycle.ensure_not_forgotten(member, doing)
    if member.status == lifecycle.CANCELLED:
        raise RuleViolation(
            _("cannot {action} {member_no}: the member is cancelled").format(
                action=doing, member_no=member.member_no
            ),
            _("restore it first"),
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
    doing = _("upgrade") if direction == "up" else _("downgrade")
    if to is None:
        target = neighbour(session, member.tier_code, direction)
        if target is None:
            end = _("highest") if direction == "up" else _("lowest")
            raise RuleViolation(
                _("cannot {action} {member_no}: {code} is already the {end} tier").format(
                    action=doing, member_no=member.member_no, code=current.name, end=end
                )
            )
        return target
    target = get(session, to)
    if target.rank == current.rank:
        raise RuleViolation(
            _("cannot {action} {member_no}: it is already {code}").format(
                action=doing, member_no=member.member_no, code=target.name
            )
        )
    if (target.rank > current.rank) != (direction == "up"):
        other = "downgrade" if direction == "up" else "upgrade"
        raise RuleViolation(
            (
                _("cannot {action} {member_no} from {code} to {code2}: {code2} is below {code}")
                if direction == "up"
                else _(
                    "cannot {action} {member_no} from {code} to {code2}: {code2} is above {code}"
                )
            ).format(
                action=doing, member_no=member.member_no, code=current.name, code2=target.name
            ),
            _("use member {other}").format(other=other),
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
        more = (
            _(" (and {value} more)").format(value=len(problems.errors) - 1)
            if len(problems.errors) > 1
            else ""
        )
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
    document = tomlfile.read(path)
    unknown = sorted(set(document) - {"tier"})
    if unknown:
        raise InvalidInput(
            _("{name}: unknown key '{unknown}'").format(name=path.name, unknown=unknown[0]),
            _("a tier file holds only [[tier]] tables; see templates/tiers.toml"),
        )
    rows = document.get("tier")
    if not isinstance(rows, list) or not rows:
        raise InvalidInput(
            _("{name} has no [[tier]] tables").format(name=path.name),
            _("see templates/tiers.toml for the layout"),
        )
    return rows


def _parse_tier(index: int, row: Any, problems: Problems) -> dict[str, Any]:
    where = _("tier #{index}").format(index=index)
    if not isinstance(row, dict):
        problems.add(index, None, row, _("{where} is not a table").format(where=where))
        return {}
    for key in sorted(set(row) - _KNOWN_KEYS):
        problems.add(
            index, key, row[key], _("{where}: unknown key '{key}'").format(where=where, key=key)
        )
    code = str(row.get("code", "")).strip().lower()
    if not _CODE.fullmatch(code):
        problems.add(
            index,
            "code",
            row.get("code"),
            _("{where}: code must be like 'gold'").format(where=where),
        )
    name = str(row.get("name", "")).strip()
    if not name:
        problems.add(
            index,
            "name",
            None,
            _("{where} ({code}): name is missing").format(where=where, code=code),
        )
    elif len(name) > 64:
        problems.add(
            index,
            "name",
            name,
            _("{where} ({code}): name is longer than 64 characters").format(where=where, code=code),
        )
    rank = row.get("rank")
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
        problems.add(
            index,
            "rank",
            rank,
            _("{where} ({code}): rank must be a whole number >= 1").format(where=where, code=code),
        )
    values: dict[str, Any] = {"code": code, "name": name, "rank": rank}
    for key, (default, limit) in _NUMBERS.items():
        value = _decimal(row.get(key, default), f"{where} ({code}): {key}", key, problems)
        if value is not None and value > limit:
            problems.add(
                index,
                key,
                row.get(key),
                _("{where} ({code}): {key} must be <= {limit}").format(
                    where=where, code=code, key=key, limit=limit
                ),
            )
        values[key] = value if value is not None else Decimal(default)
    if values["discount"] == 0:
        problems.add(
            index,
            "discount",
            row.get("discount"),
            _("{where}: discount must be in (0, 1]").format(where=where),
        )
    return values


def _decimal(raw: Any, where: str, key: str, problems: Problems) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        problems.add(None, key, raw, _("{where} must be a number >= 0").format(where=where))
        return None
    return value.quantize(Decimal("0.01"))


def _check_distinct(parsed: list[dict[str, Any]], problems: Problems) -> None:
    for key in ("code", "rank"):
        seen: set[Any] = set()
        for values in parsed:
            value = values.get(key)
            if value in seen:
                problems.add(
                    None,
                    key,
                    value,
                    _("{key} {value!r} appears twice").format(key=key, value=value),
                )
            seen.add(value)


def _check_ranks_distinct(session: Session, path: Path) -> None:
    ranks: dict[int, str] = {}
    for tier in session.exec(select(Tier)):
        if tier.rank in ranks:
            raise InvalidInput(
                _("{name}: rank {rank} is used by both {ranks} and {code}").format(
                    name=path.name, rank=tier.rank, ranks=ranks[tier.rank], code=tier.code
                ),
                _("give every tier its own rank"),
            )
        ranks[tier.rank] = tier.code
