"""Tiers: their order by rank, how one is written, loading them from TOML, and moving a member
up or down.

A tier is written by its code (any case), its name or its name without 会员 (gold = 金卡会员 =
金卡): `TierNames` resolves all of them, wherever a tier is given, and a load that would let two
tiers be written alike is refused.

A tier file is a list of `[[tier]]` tables (see templates/tiers.toml); loading upserts by code,
keeps tiers the file does not mention and, for a tier it updates, the keys its table leaves out.
Ranks are 1 to 99 and stay distinct, and thresholds rise strictly with rank, over the tiers the
load leaves (stored and loaded together), so evaluation can never put a small spender at the top.

A tier earns `points_per_unit` points per 1.00 (0 to 1000, two decimals) when it sets one, else
the shop's `points.per_unit` setting (NULL in `tier.points_per_unit`; `points_per_unit = "shop"`
in a file puts a tier back on the shop's rate). `TierRecord.earn_rate` is the rate it earns at.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from memberctl import tomlfile
from memberctl.domain import audit, fields, lifecycle, policy
from memberctl.errors import InvalidInput, NotFound, Problems, RuleViolation, UsageProblem
from memberctl.i18n import _, current
from memberctl.models import Member, Tier

_CODE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_KNOWN_KEYS = {"code", "name", "rank", "points_per_unit", "multiplier", "discount", "threshold"}
SHOP = "shop"  # points_per_unit = "shop": the tier earns at the shop's points.per_unit
MAX_RANK = 99
CENT = Decimal("0.01")
SUFFIX = "会员"  # 金卡会员 is also written 金卡
# key: (default for a new tier, lowest, highest)
_NUMBERS = {
    "multiplier": ("1", Decimal("0"), Decimal("100")),
    "discount": ("1", Decimal("0"), Decimal("1")),  # above 0
    "threshold": ("0", Decimal("0"), Decimal("999999999.99")),
}
PER_UNIT_LIMITS = (Decimal("0"), policy.MAX_PER_UNIT)
# A new tier's columns a file may leave out: the Tier model's defaults
_NEW_TIER = {
    "points_per_unit": None,
    "multiplier": Decimal("1.00"),
    "discount": Decimal("1.00"),
    "threshold": Decimal("0.00"),
}


@dataclass(frozen=True)
class TierRecord:
    rank: int
    code: str
    name: str
    multiplier: Decimal
    discount: Decimal
    threshold: Decimal
    points_per_unit: Decimal | None  # None: the tier earns at the shop's points.per_unit
    earn_rate: Decimal  # points per 1.00 the tier earns at: its own, else the shop's


def _record(tier: Tier, shop_rate: Decimal) -> TierRecord:
    own = tier.points_per_unit
    return TierRecord(
        tier.rank,
        tier.code,
        tier.name,
        tier.multiplier,
        tier.discount,
        tier.threshold,
        own,
        own if own is not None else shop_rate,
    )


def list_tiers(*, session: Session) -> list[TierRecord]:
    shop_rate = policy.shop_per_unit(session)
    return [_record(t, shop_rate) for t in session.exec(select(Tier).order_by(col(Tier.rank)))]


def spellings(code: str, name: str) -> list[str]:
    """The ways a tier may be written, folded as `fold` does: its code, its name and its name
    without the 会员 suffix (gold, 金卡会员, 金卡)."""
    found = [fold(code), fold(name)]
    short = fold(name).removesuffix(SUFFIX).strip()
    if short and short != found[1]:
        found.append(short)
    return [s for i, s in enumerate(found) if s and s not in found[:i]]


def fold(text: str) -> str:
    """NFKC (full-width letters), no surrounding spaces, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


class TierNames:
    """Every spelling of the tiers -> code: the code (any case), the name, the name without
    the 会员 suffix. Built from (code, name) pairs in rank order; the one resolver used
    wherever a tier is given (options, imports, `--where`, segments)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = list(pairs)
        self.codes: dict[str, str] = {}
        for code, name in self.pairs:
            for spelling in spellings(code, name):
                self.codes.setdefault(spelling, code)

    @classmethod
    def of(cls, session: Session) -> TierNames:
        return cls(session.exec(select(Tier.code, Tier.name).order_by(col(Tier.rank))).all())

    def resolve(self, text: str) -> str | None:
        return self.codes.get(fold(text))

    def describe(self) -> str:
        """`basic (普通会员), silver (银卡会员)`; in Chinese names first: `普通会员 (basic)、…`."""
        if current() == "zh":
            return "、".join(f"{name} ({code})" for code, name in self.pairs)
        return ", ".join(f"{code} ({name})" for code, name in self.pairs)

    def hint(self) -> str:
        return _("tiers are: {codes}").format(codes=self.describe())

    def get(self, text: str) -> str:
        """The code of the tier written `text`; NotFound (exit 3) naming every tier."""
        code = self.resolve(text)
        if code is None:
            raise NotFound(_("no tier '{code}'").format(code=text.strip()), self.hint())
        return code


def get(session: Session, code: str) -> Tier:
    """The tier written `code` (its code, name or short name)."""
    found = TierNames.of(session).get(code)
    return session.exec(select(Tier).where(Tier.code == found)).one()


def neighbour(session: Session, tier_code: str, direction: str) -> Tier | None:
    """The next tier up (`up`) or down (`down`) by rank, or None at the end."""
    current = get(session, tier_code)
    query = select(Tier)
    if direction == "up":
        query = query.where(Tier.rank > current.rank).order_by(col(Tier.rank))
    else:
        query = query.where(Tier.rank < current.rank).order_by(col(Tier.rank).desc())
    return session.exec(query).first()


def keep_until(session: Session, day: dt.date, given: dt.date | None) -> dt.date | None:
    """The last day a tier set by hand or imported on `day` is kept (evaluation only upgrades
    the member until then): `given` (--tier-until), else the policy's default (`tier.kept_months`
    after `day`), None when the policy keeps nothing. A given day before `day` is a usage error."""
    if given is None:
        return policy.load(session).kept_until(day)
    if given < day:
        raise UsageProblem(
            _("--tier-until {date} is before today ({day})").format(date=given, day=day),
            _("give the last day the tier is kept"),
        )
    return given


def lowest_code(session: Session) -> str:
    """The lowest tier, which a member cannot be downgraded from: nothing to keep there."""
    return list_tiers(session=session)[0].code


def kept_for(
    session: Session, tier_code: str, day: dt.date, given: dt.date | None
) -> dt.date | None:
    """`member.tier_kept_until` for a member given `tier_code` by hand on `day`."""
    kept = keep_until(session, day, given)
    return None if tier_code == lowest_code(session) else kept


def change_tier(
    *,
    session: Session,
    member: Member,
    direction: str,
    to: str | None,
    reason: str | None,
    operator: str,
    at: dt.datetime,
    until: dt.date | None = None,
) -> Tier:
    """`member upgrade` / `member downgrade`: the next tier by rank, or the named one. The tier
    is kept until `until` (default: the policy's) unless it is the lowest, and the grace-period
    mark of the old tier goes."""
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
    member.tier_kept_until = kept_for(session, target.code, at.date(), until)
    member.below_tier_since = None
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
    """Upsert the tiers of a TOML file; all problems are reported at once (exit 5).

    A tier already stored keeps the keys its table leaves out; a new one needs code, name and
    rank. The tiers there will be afterwards (stored and loaded) are checked together: every
    rank its own, and thresholds rising strictly with rank."""
    existing, parsed = _checked(session, path)
    for values in parsed:
        tier = existing.get(values["code"]) or Tier(code=values["code"], name="", rank=0)
        for key, value in values.items():
            setattr(tier, key, value)
        session.add(tier)
    session.flush()
    audit.record(
        session=session,
        operator=operator,
        action="tier.load",
        at=at,
        details={"file": path.name, "codes": [v["code"] for v in parsed]},
    )
    return list_tiers(session=session)


def preview(*, session: Session, path: Path) -> list[TierRecord]:
    """The tiers there would be after `load` of `path`, in rank order, with nothing written:
    the same checks, so the same errors (`tier simulate`)."""
    existing, parsed = _checked(session, path)
    fields = ("code", "name", "rank", "points_per_unit", "multiplier", "discount", "threshold")
    merged = {code: {f: getattr(t, f) for f in fields} for code, t in existing.items()}
    for values in parsed:
        merged.setdefault(values["code"], dict(_NEW_TIER)).update(values)
    shop_rate = policy.shop_per_unit(session)
    records = [
        TierRecord(
            v["rank"],
            v["code"],
            v["name"],
            v["multiplier"],
            v["discount"],
            v["threshold"],
            v["points_per_unit"],
            v["points_per_unit"] if v["points_per_unit"] is not None else shop_rate,
        )
        for v in merged.values()
    ]
    return sorted(records, key=lambda r: r.rank)


def _checked(session: Session, path: Path) -> tuple[dict[str, Tier], list[dict[str, Any]]]:
    """The stored tiers by code, and the file's tables parsed; every problem at once (exit 5)."""
    rows = _read_tier_file(path)
    existing = {t.code: t for t in session.exec(select(Tier))}
    problems = Problems()
    parsed = [_parse_tier(i, row, existing, problems) for i, row in enumerate(rows, start=1)]
    _check_codes_distinct(parsed, problems)
    _check_resulting_set(existing, parsed, problems)
    _check_spellings_distinct(existing, parsed, problems)
    problems.check(path.name, _("see templates/tiers.toml"))
    return existing, parsed


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


def _parse_tier(
    index: int, row: Any, existing: dict[str, Tier], problems: Problems
) -> dict[str, Any]:
    """The keys of one [[tier]] table that are valid: only those given for a stored tier (the
    others keep their values), every key for a new one (the numbers' defaults filled in)."""
    where = _("tier #{index}").format(index=index)
    if not isinstance(row, dict):
        problems.add(index, None, row, _("{where} is not a table").format(where=where))
        return {"code": ""}
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
    if code:
        where = _("{where} ({code})").format(where=where, code=code)
    new = code not in existing
    values: dict[str, Any] = {"code": code}
    name = _name(index, row, where, new, problems)
    if name is not None:
        values["name"] = name
    rank = _rank(index, row, where, new, problems)
    if rank is not None:
        values["rank"] = rank
    _numbers(index, row, where, new, problems, values)
    return values


def _numbers(
    index: int,
    row: dict[str, Any],
    where: str,
    new: bool,
    problems: Problems,
    values: dict[str, Any],
) -> None:
    """The numbers of one [[tier]] table into `values`: those given, and for a new tier the
    defaults of the others (points_per_unit's is NULL, the column's own)."""
    for key, (default, low, high) in _NUMBERS.items():
        if key in row or new:
            value = _number(index, row.get(key, default), key, (low, high), where, problems)
            if value is not None:
                values[key] = value
    if "points_per_unit" in row:
        _per_unit(index, row["points_per_unit"], where, problems, values)


def _per_unit(index: int, raw: Any, where: str, problems: Problems, values: dict[str, Any]) -> None:
    """`points_per_unit`: a number like `multiplier`'s (0 to 1000, two decimals), or "shop"
    (the tier follows the shop's points.per_unit again: NULL). A new tier without it follows
    the shop (the column's default)."""
    if isinstance(raw, str) and fold(raw) == SHOP:
        values["points_per_unit"] = None
        return
    value = _number(index, raw, "points_per_unit", PER_UNIT_LIMITS, where, problems)
    if value is not None:
        values["points_per_unit"] = value


def _name(index: int, row: dict[str, Any], where: str, new: bool, problems: Problems) -> Any:
    if "name" not in row and not new:
        return None
    name = str(row.get("name", "")).strip()
    if not name:
        problems.add(index, "name", None, _("{where}: name is missing").format(where=where))
    elif (control := _control_problem(name, where)) is not None:
        problems.add(index, "name", name, control)
    elif len(name) > 64:
        problems.add(
            index,
            "name",
            name,
            _("{where}: name is longer than 64 characters").format(where=where),
        )
    else:
        return name
    return None


def _control_problem(name: str, where: str) -> str | None:
    """A control or text-direction character in a tier's name, as `fields.check_text` says it."""
    try:
        fields.check_text(name, _("{where}: name").format(where=where))
    except InvalidInput as error:
        return error.message
    return None


def _rank(index: int, row: dict[str, Any], where: str, new: bool, problems: Problems) -> Any:
    if "rank" not in row and not new:
        return None
    rank = row.get("rank")
    if not isinstance(rank, int) or isinstance(rank, bool) or not 1 <= rank <= MAX_RANK:
        problems.add(
            index,
            "rank",
            rank,
            _("{where}: rank must be a whole number from 1 to {top}").format(
                where=where, top=MAX_RANK
            ),
        )
        return None
    return rank


def _number(
    index: int,
    raw: Any,
    key: str,
    limits: tuple[Decimal, Decimal],
    where: str,
    problems: Problems,
) -> Decimal | None:
    """A multiplier, discount, threshold or points_per_unit: a number (or a string of one)
    within `limits` (the discount's low end excluded), with at most two decimals, never
    rounded."""
    low, high = limits
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise InvalidOperation
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    finite = value.is_finite()  # NaN cannot be compared
    above_low = finite and (value > low if key == "discount" else value >= low)
    if not above_low or value > high:
        message = (
            _("{where}: discount must be more than 0 and at most 1")
            if key == "discount"
            else _(
                '{where}: points_per_unit must be a number from {low} to {high}, or "shop" to '
                "earn at the shop's points.per_unit"
            )
            if key == "points_per_unit"
            else _("{where}: {key} must be a number from {low} to {high}")
        )
        problems.add(index, key, raw, message.format(where=where, key=key, low=low, high=high))
        return None
    if value != value.quantize(CENT):
        problems.add(
            index,
            key,
            raw,
            _("{where}: {key} has more than 2 decimals").format(where=where, key=key),
        )
        return None
    return value.quantize(CENT)


def _check_codes_distinct(parsed: list[dict[str, Any]], problems: Problems) -> None:
    seen: set[str] = set()
    for values in parsed:
        code = values["code"]
        if code and code in seen:
            problems.add(None, "code", code, _("code {value!r} appears twice").format(value=code))
        seen.add(code)


def _check_resulting_set(
    existing: dict[str, Tier], parsed: list[dict[str, Any]], problems: Problems
) -> None:
    """The tiers after the load (stored ones updated by the file, new ones added): each rank
    used once, and each tier's threshold above the one of the tier ranked next below it (a
    threshold that is itself a problem is left out)."""
    result: dict[str, dict[str, Any]] = {
        code: {"rank": t.rank, "threshold": t.threshold} for code, t in existing.items()
    }
    for values in parsed:
        if _CODE.fullmatch(values["code"]):
            merged = {**result.get(values["code"], {}), **values}
            result[values["code"]] = merged
    ranked = sorted(
        (v["rank"], code, v.get("threshold"))
        for code, v in result.items()
        if v.get("rank") is not None
    )
    for (rank, code, threshold), (rank2, code2, threshold2) in pairwise(ranked):
        if rank == rank2:
            problems.add(
                None,
                "rank",
                rank,
                _(
                    "rank {rank} is used by both {code} and {code2}; give every tier its own rank"
                ).format(rank=rank, code=code, code2=code2),
            )
        elif threshold is not None and threshold2 is not None and threshold2 <= threshold:
            problems.add(
                None,
                "threshold",
                threshold2,
                _(
                    "{code2} (rank {rank2}): threshold {threshold2} is not above {code}'s "
                    "{threshold} (rank {rank}); thresholds must rise with rank"
                ).format(
                    code2=code2,
                    rank2=rank2,
                    threshold2=threshold2,
                    code=code,
                    threshold=threshold,
                    rank=rank,
                ),
            )


def _check_spellings_distinct(
    existing: dict[str, Tier], parsed: list[dict[str, Any]], problems: Problems
) -> None:
    """No two tiers after the load may be written the same way (a code, a name or a name
    without 会员): `金卡` must name one tier."""
    names = {code: t.name for code, t in existing.items()}
    for values in parsed:
        if _CODE.fullmatch(values["code"]) and values.get("name"):
            names[values["code"]] = values["name"]
        elif _CODE.fullmatch(values["code"]):
            names.setdefault(values["code"], "")
    owner: dict[str, str] = {}
    told: set[tuple[str, str]] = set()
    for code, name in names.items():
        for spelling in spellings(code, name):
            other = owner.setdefault(spelling, code)
            if other != code and (other, code) not in told:
                told.add((other, code))
                problems.add(
                    None,
                    "name",
                    spelling,
                    _(
                        "'{spelling}' would name both {code} and {code2}; give every tier "
                        "its own code and name (a name is also read without '会员')"
                    ).format(spelling=spelling, code=other, code2=code),
                )
