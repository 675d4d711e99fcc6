"""The fields of the `--where` language: what each one means, which operators it takes and how
its values are read. Values are checked here, before any database is touched, so a saved segment
or a campaign file is refused at once when an expression cannot work; tiers alone need the
database and are checked when the expression is compiled.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from memberctl.domain import fields
from memberctl.domain.lifecycle import STATUSES
from memberctl.domain.where.lexer import ExpressionError, Token
from memberctl.i18n import _

EQUALITY = ("=", "!=", "in", "not in")
ORDERING = ("=", "!=", "<", "<=", ">", ">=", "in", "not in")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class Kind(enum.StrEnum):
    tier = "tier"  # a tier code; ordered by tier rank
    status = "status"
    gender = "gender"
    text = "text"  # store
    tag = "tag"  # has / has not the tag
    integer = "integer"
    money = "money"
    month = "month"  # 1-12


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    meaning: str

    @property
    def operators(self) -> tuple[str, ...]:
        return (
            EQUALITY if self.kind in (Kind.status, Kind.gender, Kind.text, Kind.tag) else ORDERING
        )


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("tier", Kind.tier, "tier code or name (gold, 金卡); < > compare by rank"),
        Field("status", Kind.status, "active, frozen or cancelled"),
        Field("tag", Kind.tag, "the member has the tag (!=: does not have it)"),
        Field("store", Kind.text, "store"),
        Field("gender", Kind.gender, "male or female (男/女)"),
        Field("age", Kind.integer, "whole years at --as-of"),
        Field("birthday_month", Kind.month, "1-12"),
        Field("joined_days", Kind.integer, "days since joining"),
        Field("inactive_days", Kind.integer, "days since the last purchase (or joining)"),
        Field("spend_12m", Kind.money, "spend in the 12 months up to --as-of"),
        Field("visits_12m", Kind.integer, "purchases in the 12 months up to --as-of"),
        Field("points", Kind.integer, "points balance"),
        Field("balance", Kind.money, "stored-value balance"),
        Field("referrals", Kind.integer, "members referred who joined by --as-of, not cancelled"),
    )
}
FIELD_NAMES = ", ".join(FIELDS)
# `report forecast`'s figures: not fields, because they need the BG/NBD model fitted on every
# member's history (and scipy's hyp2f1), which no SQL condition can express.
MODEL_FIELDS = ("p_alive", "expected_purchases", "expected_value", "value_at_risk", "risk")


def field(token: Token) -> Field:
    """The field a word names (any case), or a usage error listing the fields."""
    name = unicodedata.normalize("NFKC", token.text).lower()
    found = FIELDS.get(name)
    if found is None and name in MODEL_FIELDS:
        raise ExpressionError(
            _("{name} at column {value} is not a --where field").format(
                name=name, value=token.pos + 1
            ),
            token.pos + 1,
            _(
                "it comes from a model fitted on the whole shop's history; use 'memberctl report "
                "forecast' (sorted by value at risk) or 'memberctl report churn --model --below "
                "0.3'"
            ),
        )
    if found is None:
        raise ExpressionError(
            _("unknown field {shown} at column {value}").format(
                shown=token.shown(), value=token.pos + 1
            ),
            token.pos + 1,
            _("fields are: {FIELD_NAMES}").format(FIELD_NAMES=FIELD_NAMES),
        )
    return found


def value(spec: Field, token: Token) -> str | int | Decimal:
    """The value a token holds for `spec`, checked: a whole number, an amount, a month, a
    status or gender, or text (tier codes are lower-cased and checked later, against the tiers)."""
    text = unicodedata.normalize("NFKC", token.text).strip()
    if spec.kind in (Kind.integer, Kind.month):
        return _integer(spec, token, text)
    if spec.kind == Kind.money:
        if not _DECIMAL.fullmatch(text):
            raise _bad(spec, token, _("a number such as 1000 or 99.50"))
        return Decimal(text)
    if spec.kind == Kind.status:
        if text.lower() not in STATUSES:
            raise _bad(spec, token, " or ".join((", ".join(STATUSES[:-1]), STATUSES[-1])))
        return text.lower()
    if spec.kind == Kind.gender:
        gender = fields.GENDERS.get(text.lower()) if text else ""  # '': not recorded
        if gender is None:
            raise _bad(spec, token, _("male or female (男/女)"))
        return gender
    if spec.kind == Kind.tier:
        return text.lower()
    return text


def _integer(spec: Field, token: Token, text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise _bad(spec, token, _("a whole number"))
    number = int(text)
    if spec.kind == Kind.month and not 1 <= number <= 12:
        raise _bad(spec, token, _("a month from 1 to 12"))
    if abs(number) > 10**9:
        raise _bad(spec, token, _("a number of at most 9 digits"))
    return number


def _bad(spec: Field, token: Token, expected: str) -> ExpressionError:
    return ExpressionError(
        _("expected {expected} for {name} at column {value}, found {shown}").format(
            expected=expected, name=spec.name, value=token.pos + 1, shown=token.shown()
        ),
        token.pos + 1,
    )
