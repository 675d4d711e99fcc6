"""`member list --where/--segment/--as-of` through the CLI, on the shop of tests/where/dataset.py
(A gold vip 35y, B silver vip new, C basic lapsed, D platinum frozen, E cancelled); newest
first is B E C A D."""

from __future__ import annotations

import pytest

from memberctl.domain.where.catalog import FIELD_NAMES
from tests.conftest import failure
from tests.where.dataset import build

AS_OF = ("--as-of", "2026-11-25")


@pytest.fixture
def shop(engine):
    numbers = build(engine)
    return numbers, {no: letter for letter, no in numbers.items()}


def listed(run, shop, *args):
    """The letters `member list ... -f json` prints, in its order (newest first)."""
    _, letters = shop
    return "".join(letters[m["member_no"]] for m in run.json("member", "list", *args))


@pytest.mark.parametrize(
    ("expr", "letters"),
    [
        ("tier >= gold", "AD"),
        ("tag = vip", "BA"),
        ("tag != vip", "ECD"),
        ("tag in (新客, 'VIP club')", "BD"),
        ("gender = 女", "EA"),
        ("age > 30 and spend_12m > 0", "AD"),
        ("inactive_days > 30 or joined_days = 0", "BC"),
        ("spend_12m = 350.60 and visits_12m = 3", "A"),
        ("not (status = active)", "ED"),
        ("birthday_month = 11 and store = 旗舰店", "AD"),
        ("points > 0 or balance >= 100", "EA"),
        ("STATUS = Active AND Tier In (Basic, Silver)", "BC"),
        ("referrals >= 2", "A"),  # A referred B, C and E (cancelled: not counted)
        ("referrals = 0 and status = active", "BC"),
    ],
)
def test_where_filters_in_the_database(run, shop, expr, letters):
    assert listed(run, shop, "--where", expr, *AS_OF) == letters


def test_where_combines_with_the_other_filters_and_the_limit(run, shop):
    assert listed(run, shop, "--where", "tag = vip or tier = platinum", *AS_OF) == "BAD"
    assert (
        listed(run, shop, "--where", "tag = vip or tier = platinum", "--status", "active") == "BA"
    )
    assert listed(run, shop, "--where", "age >= 30", "--store", "旗舰店", *AS_OF) == "AD"
    assert listed(run, shop, "--where", "age >= 30", "--tag", "vip", *AS_OF) == "A"
    assert listed(run, shop, "--where", "age >= 16", "--limit", "2", *AS_OF) == "BE"


def test_derived_fields_are_measured_at_as_of(run, shop):
    assert listed(run, shop, "--where", "age >= 36", "--as-of", "2026-11-29") == "D"
    assert listed(run, shop, "--where", "age >= 36", "--as-of", "2026-11-30") == "AD"
    # on 2026-11-26 A's purchase of 7.00 is in the window and the 0.10 of 2025-11-26 is out
    assert listed(run, shop, "--where", "spend_12m = 357.50", "--as-of", "2026-11-26") == "A"


def test_segment_and_where_are_combined_with_and(run, shop):
    assert run("segment", "save", "vip", "tag = vip").exit_code == 0
    assert listed(run, shop, "--segment", "vip") == "BA"
    assert listed(run, shop, "--segment", "vip", "--where", "age > 30", *AS_OF) == "A"
    assert listed(run, shop, "--segment", "vip", "--tier", "silver") == "B"


def test_table_output_lists_the_matching_members(run, shop):
    numbers, _ = shop
    result = run("member", "list", "--where", "tier = gold")
    assert result.exit_code == 0, result.stderr
    assert numbers["A"] in result.stdout
    assert all(numbers[x] not in result.stdout for x in "BCDE")


@pytest.mark.parametrize(
    ("expr", "line"),
    [
        ("tier = gold and", "error: expected a field after 'and' at column 16"),
        ("tier = gold and (", "error: expected a field after '(' at column 18"),
        ("foo > 1", f"error: unknown field 'foo' at column 1; fields are: {FIELD_NAMES}"),
        ("age = abc", "error: expected a whole number for age at column 7, found 'abc'"),
        (
            "tier >= diamond",
            "error: no tier 'diamond' at column 9; tiers are: basic (普通会员), silver (银卡会员), "
            "gold (金卡会员), platinum (白金会员)",
        ),
        (
            "store < x",
            "error: store cannot be compared with '<' at column 7; store takes =, !=, in or not in",
        ),
        (
            "tag = 'vip",
            "error: expected a closing ' at column 11 for the string that starts at column 7",
        ),
    ],
)
@pytest.mark.usefixtures("shop")
def test_a_bad_expression_is_a_usage_error_pointing_at_the_column(run, expr, line):
    result = run("member", "list", "--where", expr, "-f", "json")
    assert failure(result, 2) == line


@pytest.mark.usefixtures("shop")
def test_an_unknown_segment_is_not_found(run):
    run("segment", "save", "vip", "tag = vip")
    result = run("member", "list", "--segment", "vips", "-f", "json")
    assert failure(result, 3) == "error: no segment 'vips'; segments are: vip"


@pytest.mark.usefixtures("shop")
def test_a_bad_as_of_is_a_usage_error(run):
    result = run("member", "list", "--where", "age > 1", "--as-of", "25/11/2026")
    assert result.exit_code == 2
    assert "--as-of" in result.stderr
