"""Tokens and their offsets."""

from __future__ import annotations

import pytest

from memberctl.domain.where.lexer import ExpressionError, Kind, tokenize


def kinds_and_texts(text):
    return [(t.kind.value, t.text, t.pos) for t in tokenize(text)]


def test_words_operators_and_punctuation_with_offsets():
    assert kinds_and_texts("tier>=silver and tag in (a,b)") == [
        ("word", "tier", 0),
        ("op", ">=", 4),
        ("word", "silver", 6),
        ("word", "and", 13),
        ("word", "tag", 17),
        ("word", "in", 21),
        ("lparen", "(", 24),
        ("word", "a", 25),
        ("comma", ",", 26),
        ("word", "b", 27),
        ("rparen", ")", 28),
        ("end", "", 29),
    ]


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_each_operator_needs_no_spaces(op):
    assert [t.text for t in tokenize(f"points{op}5")] == ["points", op, "5", ""]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'VIP club'", "VIP club"),
        ('"VIP club"', "VIP club"),
        ("'会员 日'", "会员 日"),
        ("'O''Brien'", "O'Brien"),
        ('"say ""hi"""', 'say "hi"'),
        ("''", ""),
        ("'a=b (c), d'", "a=b (c), d"),
        ('"it\'s"', "it's"),
    ],
)
def test_quoted_strings(text, value):
    token = tokenize(f"tag = {text}")[2]
    assert (token.kind, token.text, token.pos, token.raw) == (Kind.string, value, 6, text)


def test_bare_words_hold_chinese_decimals_signs_and_dashes():
    texts = [t.text for t in tokenize("旗舰店 1000.50 -3 store-1 a.b_c")]
    assert texts == ["旗舰店", "1000.50", "-3", "store-1", "a.b_c", ""]


def test_full_width_punctuation_reads_as_ascii_and_keeps_offsets():
    tokens = tokenize("tag　in（“新客”，会员）")
    assert [(t.kind.value, t.text, t.pos) for t in tokens] == [
        ("word", "tag", 0),
        ("word", "in", 4),
        ("lparen", "(", 6),
        ("string", "新客", 7),
        ("comma", ",", 11),
        ("word", "会员", 12),
        ("rparen", ")", 14),
        ("end", "", 15),
    ]


def test_keywords_are_recognised_in_any_case():
    assert [t.keyword() for t in tokenize("AND Or nOt IN andy")][:5] == [
        "and",
        "or",
        "not",
        "in",
        None,
    ]


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        (
            "tag = 'vip",
            "expected a closing ' at column 11 for the string that starts at column 7",
            11,
        ),
        (
            'tag = "a""',
            'expected a closing " at column 11 for the string that starts at column 7',
            11,
        ),
        ("tier ! gold", "expected '!=' at column 6, found '!'", 6),
    ],
)
def test_lexical_errors_name_the_column(text, message, column):
    with pytest.raises(ExpressionError) as caught:
        tokenize(text)
    assert (str(caught.value), caught.value.column, caught.value.exit_code) == (message, column, 2)
