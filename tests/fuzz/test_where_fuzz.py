"""`member list --where` on random text and on random sentences of its grammar: exit 0 with a
JSON array, or exit 2 with one `error:` line; never a traceback. The compiled SQL never holds
the text of a value: values travel as bind parameters only."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from memberctl.domain.where import FIELDS, member_filter
from memberctl.models import Member
from tests.conftest import AS_OF
from tests.factories import enroll
from tests.fuzz import fuzz_settings
from tests.fuzz.outcome import check_clean_outcome, table_counts

HOSTILE = [
    "'); DROP TABLE member; --",
    "1 OR 1=1",
    "x' OR 'a'='a",
    "%",
    "_",
    "\\",
    "\0",
    "𝔘",
    "会员",
    "\n",
    "''",
    '"',
    "NULL",
    "-- ",
    "/*",
    "*/",
    ";",
]
OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "in", "not in", "＝", "！＝"]


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


values = st.one_of(
    st.sampled_from(["gold", "active", "male", "女", "3", "-1", "0.5", "12", "vip", "''"]),
    st.integers(-(10**12), 10**12).map(str),
    st.text(max_size=12).map(quoted),
    st.sampled_from(HOSTILE).map(quoted),
)
comparisons = st.builds(
    lambda field, op, vals: (
        f"{field} {op} ({', '.join(vals)})" if "in" in op else f"{field} {op} {vals[0]}"
    ),
    st.sampled_from([*FIELDS, "TAG", "nope"]),
    st.sampled_from(OPERATORS),
    st.lists(values, min_size=1, max_size=3),
)
expressions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} and {b}", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        st.builds(lambda a: f"not {a}", inner),
        st.builds(lambda a: f"({a})", inner),
    ),
    max_leaves=6,
)
soup = st.lists(
    st.one_of(
        st.sampled_from([*FIELDS, "and", "or", "not", "in", "(", ")", ",", *OPERATORS]), values
    ),
    max_size=12,
).map(" ".join)


@pytest.fixture
def shop(run, engine):
    enroll(engine, name="Ann", tags=["vip"], store="旗舰店")
    enroll(engine, name="Bob", gender="male")
    return run


def _list(run, engine, expr: str) -> None:
    before = table_counts(engine)
    result = run("member", "list", f"--where={expr}", "--format", "json")
    check_clean_outcome(result, {0, 2})
    if result.exit_code == 0:
        assert isinstance(json.loads(result.stdout), list)
    else:
        assert "error: " in result.stderr and result.stdout == ""
    assert table_counts(engine) == before


@fuzz_settings(30)
@given(text=st.text(max_size=60))
def test_random_text(shop, engine, text):
    _list(shop, engine, text)


@fuzz_settings(30)
@given(expr=st.one_of(expressions, soup))
def test_random_sentences_of_the_grammar(shop, engine, expr):
    _list(shop, engine, expr)


def test_an_injection_attempt_is_just_a_value(shop):
    result = shop("member", "list", "--where", "tag = 'x''); DROP TABLE member; --'", "-f", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    assert shop.json("member", "list") != []


MARK = "Qzx"  # no SQL keyword, table or column holds it


@fuzz_settings(200)
@given(
    field=st.sampled_from(["tag", "store"]),
    op=st.sampled_from(["=", "!=", "in", "not in"]),
    payload=st.lists(st.one_of(st.text(max_size=10), st.sampled_from(HOSTILE)), max_size=3).map(
        "".join
    ),
    number=st.integers(10**7, 10**9),
)
def test_compiled_sql_holds_no_value_text(engine, field, op, payload, number):
    """The value is a bind parameter: neither the marked text nor an 8-digit number appears in
    the SQL, on this database's dialect."""
    value = quoted(MARK + payload)
    text_expr = f"{field} {op} ({value})" if "in" in op else f"{field} {op} {value}"
    expr = f"{text_expr} or points > {number} or spend_12m >= {number}.25"
    with Session(engine) as session:
        statement = select(Member).where(member_filter(session, expr, AS_OF))
        compiled = statement.compile(dialect=engine.dialect)
    sql = str(compiled)
    assert MARK.lower() not in sql.lower() and str(number) not in sql, sql
    shown = repr(compiled.params)
    assert MARK.lower() in shown.lower() and str(number) in shown
