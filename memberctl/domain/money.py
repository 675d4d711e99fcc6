"""Money as Decimal with two places: parsing, rounding and formatting live here and nowhere else.

Rounding is half-up to the cent (the way a till rounds). Formatting is always two decimals,
`"12.50"`, never `str(Decimal)`.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from memberctl.errors import InvalidInput

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse(raw: str | int | Decimal, *, allow_negative: bool = False) -> Decimal:
    """`"12.5"`, `"¥12.50"`, `"1,200"` -> Decimal('12.50'); InvalidInput otherwise."""
    if isinstance(raw, Decimal | int):
        amount = Decimal(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().lstrip("¥￥").replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
    if not amount.is_finite():
        raise InvalidInput(f"'{raw}' is not an amount of money", "write it like 12.50")
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"'{raw}' is negative", "give an amount of 0 or more")
    return quantize(amount)


def format(amount: Decimal | None) -> str | None:  # noqa: A001  (the module's public name)
    if amount is None:
        return None
    return f"{quantize(Decimal(amount)):.2f}"
