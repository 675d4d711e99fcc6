"""The grammar: precedence, parentheses, lists, values, and an exact message for every error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memberctl.domain.where import ExpressionError, parse
from memberctl.domain.where.catalog import FIELDS
from memberctl.domain.where.parser import Compare, render

FIELD_LIST = (
    "tier, status, tag, store, gender, age, birthday_month, joined_days, inactive_days, "
    "spend_12m, visits_12m, points, balance, referrals"
)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("tier = gold", "(tier = gold)"),
        ("tier=gold", "(tier = gold)"),
        ("  tier   =   gold  ", "(tier = gold)"),
        # not > and > or
        ("tag = a or tag = b and tag = c", "(or (tag = a) (and (tag = b) (tag = c)))"),
        ("tag = a and tag = b or tag = c", "(or (and (tag = a) (tag = b)) (tag = c))"),
        ("not tag = a and tag = b", "(and (not (tag = a)) (tag = b))"),
        ("not tag = a or not tag = b", "(or (not (tag = a)) (not (tag = b)))"),
        ("not not tag = a", "(not (not (tag = a)))"),
        ("tag = a or tag = b or tag = c", "(or (tag = a) (tag = b) (tag = c))"),
        # parentheses override it
        ("(tag = a or tag = b) and tag = c", "(and (or (tag = a) (tag = b)) (tag = c))"),
        ("not (tag = a and tag = b)", "(not (and (tag = a) (tag = b)))"),
        ("((tier = gold))", "(tier = gold)"),
        (
            "tag = a and (tag = b or (tag = c and not tag = d))",
            "(and (tag = a) (or (tag = b) (and (tag = c) (not (tag = d)))))",
        ),
        # lists
        ("tier in (gold, platinum)", "(tier in (gold, platinum))"),
        ("tier in (gold)", "(tier in (gold))"),
        ("tier not in (basic,silver)", "(tier not in (basic, silver))"),
        ("age not in (18, 19, 20)", "(age not in (18, 19, 20))"),
        # quoted strings, spaces, Chinese, keywords as quoted values
        ("tag = 'VIP club'", "(tag = VIP club)"),
        ('store = "北京 朝阳店"', "(store = 北京 朝阳店)"),
        ("tag = 会员日", "(tag = 会员日)"),
        ("tag in ('a b', \"c, d\", 新客)", "(tag in (a b, c, d, 新客))"),
        ("tag = 'and'", "(tag = and)"),
        ("tag = 'not in'", "(tag = not in)"),
        ("tag = tier", "(tag = tier)"),
        # field names and keywords in any case; values as the field reads them
        ("TIER = GOLD AND Not Tag In (x)", "(and (tier = gold) (not (tag in (x))))"),
        ("Status = ACTIVE", "(status = active)"),
        ("gender = 男", "(gender = male)"),
        ("gender = F", "(gender = female)"),
        ("spend_12m >= 1000.50", "(spend_12m >= 1000.50)"),
        ("balance < .5", "(balance < 0.5)"),
        ("points > -3", "(points > -3)"),
        ("age >= ２０", "(age >= 20)"),
        ("birthday_month = '11'", "(birthday_month = 11)"),
        # full-width punctuation from a Chinese keyboard
        ("tag in（新客，“VIP club”）", "(tag in (新客, VIP club))"),
    ],
)
def test_valid_expressions(text, tree):
    assert render(parse(text)) == tree


def test_values_are_typed_and_keep_their_positions():
    node = parse("spend_12m > 99.5 and age in (1, 2)")
    first, second = node.operands
    assert isinstance(first, Compare) and isinstance(second, Compare)
    assert (first.values[0].value, first.values[0].token.pos, first.pos) == (Decimal("99.5"), 12, 0)
    assert [(v.value, v.token.pos) for v in second.values] == [(1, 29), (2, 32)]


INVALID = [
    # (expression, exact message, column)
    ("tier = gold and", "expected a field after 'and' at column 16", 16),
    ("tier = gold or", "expected a field after 'or' at column 15", 15),
    ("not", "expected a field after 'not' at column 4", 4),
    ("", "expected a field at column 1; e.g. tier = gold", 1),
    ("   ", "expected a field at column 4; e.g. tier = gold", 4),
    ("and tier = gold", "expected a field at column 1, found 'and'; e.g. tier = gold", 1),
    ("= gold", "expected a field at column 1, found '='; e.g. tier = gold", 1),
    ("'tier' = gold", "expected a field at column 1, found 'tier'; e.g. tier = gold", 1),
    ("tier = gold and = 3", "expected a field after 'and' at column 17, found '='", 17),
    ("()", "expected a field after '(' at column 2, found ')'", 2),
    ("tier", "expected an operator (=, !=, <, <=, >, >=, in, not in) after 'tier' at column 5", 5),
    (
        "tier gold",
        "expected an operator (=, !=, <, <=, >, >=, in, not in) after 'tier' at column 6, "
        "found 'gold'",
        6,
    ),
    ("tier not gold", "expected 'in' after 'not' at column 10, found 'gold'", 10),
    ("tier =", "expected a value after '=' at column 7", 7),
    ("tier = = gold", "expected a value after '=' at column 8, found '='", 8),
    (
        "tier = and",
        "expected a value after '=' at column 8, found 'and'; "
        "quote a value that is a keyword: 'and'",
        8,
    ),
    (
        "tier = gold silver",
        "expected 'and', 'or' or the end after 'gold' at column 13, found 'silver'",
        13,
    ),
    ("tier = gold)", "unmatched ')' at column 12", 12),
    ("(tier = gold", "expected ')' to close the '(' at column 1 after 'gold' at column 13", 13),
    (
        "(tier = gold or (tag = a)",
        "expected ')' to close the '(' at column 1 after ')' at column 26",
        26,
    ),
    (
        "tier in gold",
        "expected '(' after 'in' at column 9, found 'gold'; write a list as (a, b, c)",
        9,
    ),
    ("tier in", "expected '(' after 'in' at column 8; write a list as (a, b, c)", 8),
    ("tier in ()", "expected a value after '(' at column 10, found ')'", 10),
    ("tier in (gold", "expected ',' or ')' after 'gold' at column 14", 14),
    ("tier in (gold silver)", "expected ',' or ')' after 'gold' at column 15, found 'silver'", 15),
    ("tier in (gold,)", "expected a value after ',' at column 15, found ')'", 15),
    ("tier in (gold,,silver)", "expected a value after ',' at column 15, found ','", 15),
    ("foo = 1", f"unknown field 'foo' at column 1; fields are: {FIELD_LIST}", 1),
    (
        "tier = gold and Spend = 3",
        f"unknown field 'Spend' at column 17; fields are: {FIELD_LIST}",
        17,
    ),
    ("age = abc", "expected a whole number for age at column 7, found 'abc'", 7),
    ("age > 30.5", "expected a whole number for age at column 7, found '30.5'", 7),
    ("points in (1, x)", "expected a whole number for points at column 15, found 'x'", 15),
    ("spend_12m > 1,000", "expected 'and', 'or' or the end after '1' at column 14, found ','", 14),
    (
        "spend_12m > 10元",
        "expected a number such as 1000 or 99.50 for spend_12m at column 13, found '10元'",
        13,
    ),
    (
        "balance = 1e3",
        "expected a number such as 1000 or 99.50 for balance at column 11, found '1e3'",
        11,
    ),
    (
        "birthday_month = 13",
        "expected a month from 1 to 12 for birthday_month at column 18, found '13'",
        18,
    ),
    (
        "birthday_month = 0",
        "expected a month from 1 to 12 for birthday_month at column 18, found '0'",
        18,
    ),
    (
        "age > 12345678901",
        "expected a number of at most 9 digits for age at column 7, found '12345678901'",
        7,
    ),
    (
        "status = gone",
        "expected active, frozen or cancelled for status at column 10, found 'gone'",
        10,
    ),
    ("gender = x", "expected male or female (男/女) for gender at column 10, found 'x'", 10),
    (
        "store > a",
        "store cannot be compared with '>' at column 7; store takes =, !=, in or not in",
        7,
    ),
    ("tag <= a", "tag cannot be compared with '<=' at column 5; tag takes =, !=, in or not in", 5),
    (
        "status >= active",
        "status cannot be compared with '>=' at column 8; status takes =, !=, in or not in",
        8,
    ),
    ("tag = 'vip", "expected a closing ' at column 11 for the string that starts at column 7", 11),
    ("tier ! gold", "expected '!=' at column 6, found '!'", 6),
    ("tier = gold\nx", "expected 'and', 'or' or the end after 'gold' at column 13, found 'x'", 13),
    ("tag = 'a\nb' x", "expected 'and', 'or' or the end after 'a\\nb' at column 13, found 'x'", 13),
    (
        "tag = a " + "x" * 50,
        f"expected 'and', 'or' or the end after 'a' at column 9, found '{'x' * 39}…'",
        9,
    ),
    ("tag == vip", "expected a value after '=' at column 6, found '='", 6),
    ("not " * 70 + "tag = a", "the expression nests deeper than 24 levels at column 97", 97),
    (
        "(" * 70 + "tag = a" + ")" * 70,
        "the expression nests deeper than 24 levels at column 25",
        25,
    ),
    (
        " or ".join(["age<5"] * 201),
        "the expression has more than 200 comparisons (at column 1801); use 'in (...)' for a list "
        "of values, or save parts of it as segments",
        1801,
    ),
    (
        "tag = " + "x" * 1995,
        "the expression is longer than 2000 characters at column 2001; shorten it, or save parts "
        "of it as segments",
        2001,
    ),
]


@pytest.mark.parametrize(("text", "message", "column"), INVALID, ids=[c[0][:40] for c in INVALID])
def test_invalid_expressions_say_where_and_what_was_expected(text, message, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert (str(caught.value), caught.value.column, caught.value.exit_code) == (
        message,
        column,
        2,
    )
    assert f"column {column}" in caught.value.message


def _check(text):
    """The parser either returns a tree or raises a usage error that points into the text."""
    try:
        parse(text)
    except ExpressionError as exc:
        assert 1 <= exc.column <= len(text) + 1
        assert f"at column {exc.column}" in exc.message
        assert str(exc).isprintable()  # one line, whatever the text held
        assert len(exc.message) < 200


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_random_text_never_crashes_the_parser(text):
    _check(text)


PIECES = st.sampled_from(
    [*FIELDS, "TIER", "foo", "and", "or", "not", "in", "AND", "(", ")", ",", "=", "!=", "<",
     "<=", ">", ">=", "!", "'", '"', "'a b'", '"x"', "gold", "vip", "3", "-1", "0.5", "13",
     "男", "（", "）", "，", "''", " "]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(PIECES, max_size=14))
def test_random_token_soup_never_crashes_the_parser(pieces):
    _check(" ".join(pieces))
    _check("".join(pieces))
