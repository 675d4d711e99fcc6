"""The till's rules on plain values: item lines, rounding of the price, the points step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from memberctl.domain import sales
from memberctl.errors import InvalidInput, UsageProblem


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        ("T-shirt:2:99.50:apparel", ("T-shirt", "apparel", "2", "99.50", "199.00")),
        ("Socks:0.5:10.01", ("Socks", None, "0.5", "10.01", "5.01")),  # 5.005 half-up
        ("Tea:1.125:8.00", ("Tea", None, "1.125", "8.00", "9.00")),
        ("Rice:10:¥5", ("Rice", None, "10", "5.00", "50.00")),  # never 1E+1
        ("  牛奶 ：３：４.５０ ", ("牛奶", None, "3", "4.50", "13.50")),  # full-width
    ],
)
def test_an_item_line(spec, line):
    parsed = sales.parse_item(spec)
    name, category, quantity, unit, amount = line
    assert (parsed.name, parsed.sku, parsed.category) == (name, name, category)
    assert sales.quantity_text(parsed.quantity) == quantity
    assert (str(parsed.unit_price), str(parsed.amount)) == (unit, amount)


@pytest.mark.parametrize(
    "spec",
    ["T-shirt", "T-shirt:2", ":2:9.90", "A:-1:9.90", "A:0:9.90", "A:1.0001:9", "A:x:9",
     "A:1:9.999", "A:1:-9", "A:1:2:3:4"],
)  # fmt: skip
def test_a_bad_item_is_invalid_input(spec):
    with pytest.raises(InvalidInput):
        sales.parse_item(spec)


@pytest.mark.parametrize(
    ("value", "rounding", "cents"),
    [
        ("18.905", "half-up", "18.91"),
        ("18.905", "down", "18.90"),
        ("18.905", "up", "18.91"),
        ("18.9905", "half-up", "18.99"),
        ("18.9905", "up", "19.00"),
        ("18.90", "up", "18.90"),  # already whole cents: nothing moves
    ],
)
def test_the_price_rounding(value, rounding, cents):
    assert str(sales.to_cent(Decimal(value), rounding)) == cents


@pytest.mark.parametrize(("rate", "step"), [(100, 1), (1000, 10), (150, 3), (50, 1), (1, 1)])
def test_the_fewest_points_that_pay_whole_cents(rate, step):
    assert sales.step(rate) == step
    assert (step * 100) % rate == 0


def test_amount_and_items_are_one_or_the_other():
    line = sales.parse_item("A:1:1")
    with pytest.raises(UsageProblem):
        sales.list_total(sales.SaleRequest(amount=Decimal("1"), lines=(line,)))
    with pytest.raises(UsageProblem):
        sales.list_total(sales.SaleRequest())
    two = sales.SaleRequest(lines=(line, sales.parse_item("B:2:0.50")))
    assert sales.list_total(two) == Decimal("2.00")


@pytest.mark.parametrize(
    ("raw", "value"), [(None, None), ("max", "max"), (" MAX ", "max"), ("1,000", 1000)]
)
def test_points_and_wallet_take_max(raw, value):
    assert sales.parse_points(raw) == value
    if raw is not None and value == "max":
        assert sales.parse_wallet(raw) == "max"
