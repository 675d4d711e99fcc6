"""money.parse and money.format: the one place amounts are read and written (milliseconds; the
CLI keeps one case per command for the wiring)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from memberctl.domain import money
from memberctl.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        ("12", "12.00"),
        ("0", "0.00"),
        (".5", "0.50"),
        ("¥12.50", "12.50"),
        ("12.5元", "12.50"),
        ("1,200", "1200.00"),
        ("1,200.50", "1200.50"),
        ("１２．５", "12.50"),
        (" 7 ", "7.00"),
        ("+3", "3.00"),
        ("12.500", "12.50"),
        (Decimal("1.1"), "1.10"),
        (5, "5.00"),
    ],
)
def test_amounts_in_the_forms_a_clerk_types(raw, expected):
    assert money.format(money.parse(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not an amount of money; write it like 12.50"),
        ("", "'' is not an amount of money; write it like 12.50"),
        ("12,50", "'12,50' is not an amount of money; write it like 12.50"),
        ("1e3", "'1e3' is not an amount of money; write it like 12.50"),
        ("1_000", "'1_000' is not an amount of money; write it like 12.50"),
        ("NaN", "'NaN' is not an amount of money; write it like 12.50"),
        ("-1", "'-1' is negative; give an amount of 0 or more"),
        ("12.345", "12.345 has more than two decimals; amounts are in whole cents, e.g. 12.35"),
        ("0.005", "0.005 has more than two decimals; amounts are in whole cents, e.g. 0.01"),
    ],
)
def test_what_is_not_an_amount_is_invalid_input_saying_why(raw, message):
    with pytest.raises(InvalidInput) as refused:
        money.parse(raw)
    assert (str(refused.value), refused.value.exit_code) == (message, 5)


def test_negative_only_where_allowed_and_never_past_the_limit():
    assert money.parse("-50.25", allow_negative=True) == Decimal("-50.25")
    assert money.parse("100", limit=Decimal(100)) == Decimal("100.00")
    with pytest.raises(InvalidInput, match=r"^'100.01' is too large; one amount is at most "):
        money.parse("100.01", limit=Decimal(100))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("2.005"), "2.01"),
        (Decimal("-0.125"), "-0.13"),
        (Decimal("1200"), "1200.00"),
        (None, None),
    ],
)
def test_format_rounds_half_up_to_cents(amount, shown):
    assert money.format(amount) == shown
