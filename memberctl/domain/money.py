"""Money as Decimal with two places: parsing, rounding and formatting live here and nowhere else.

An amount typed or read is exact to the cent: `12.345` is refused (invalid input), never rounded;
`12.340` is 12.34. Rounding, half-up to the cent (the way a till rounds), is only for amounts
memberctl computes itself. Formatting is always two decimals, `"12.50"`, never `str(Decimal)`.
One amount is at most `limits.MAX_AMOUNT`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import overload

from memberctl.domain import limits
from memberctl.errors import InvalidInput
from memberctl.i18n import _

CENT = Decimal("0.01")
# Plain digits, or thousands groups of three (`1,200`); no exponent, no `_`, no decimal comma:
# `12,50` is refused rather than read as 1250.
_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse(
    raw: str | int | Decimal, *, allow_negative: bool = False, limit: Decimal = limits.MAX_AMOUNT
) -> Decimal:
    """`"12.5"`, `"¥12.50"`, `"1,200"` -> Decimal('12.50'); InvalidInput otherwise: not an
    amount, negative, more than `limit`, or not a whole number of cents (`12.345`)."""
    amount = Decimal(raw) if isinstance(raw, Decimal | int) else _from_text(str(raw))
    if not amount.is_finite():
        raise InvalidInput(
            _("'{raw}' is not an amount of money").format(raw=raw), _("write it like 12.50")
        )
    if amount < 0 and not allow_negative:
        raise InvalidInput(
            _("'{raw}' is negative").format(raw=raw), _("give an amount of 0 or more")
        )
    if abs(amount) > limit:
        raise InvalidInput(
            _("'{raw}' is too large").format(raw=raw),
            _("one amount is at most {limit}").format(limit=limits.shown(limit)),
        )
    if amount != quantize(amount):
        raise InvalidInput(
            _("{raw} has more than two decimals").format(raw=raw),
            _("amounts are in whole cents, e.g. {cents}").format(cents=format(amount)),
        )
    return quantize(amount)


def _from_text(raw: str) -> Decimal:
    """`¥1,200.50`, `12.5元` -> Decimal; NaN for anything that is not plainly an amount."""
    text = unicodedata.normalize("NFKC", raw).strip()
    text = text.removesuffix("元").strip().lstrip("¥").strip()
    if not _AMOUNT.fullmatch(text):
        return Decimal("NaN")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return Decimal("NaN")


@overload
def format(amount: Decimal) -> str: ...  # noqa: A001
@overload
def format(amount: None) -> None: ...  # noqa: A001
@overload
def format(amount: Decimal | None) -> str | None: ...  # noqa: A001
def format(amount: Decimal | None) -> str | None:  # noqa: A001  (the module's public name)
    if amount is None:
        return None
    return f"{quantize(Decimal(amount)):.2f}"
