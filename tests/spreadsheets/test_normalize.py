"""Cell normalisation, one parser at a time: what is recovered and what is rejected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from memberctl.domain.tiers import TierNames
from memberctl.errors import InvalidInput
from memberctl.spreadsheets import normalize


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        13800138000,
        13800138000.0,
        "138 0013 8000",
        "138-0013-8000",
        "+86 138-0013-8000",
        "+8613800138000",
        "008613800138000",
        "１３８００１３８０００",
        " 13800138000 ",
        "'+8613800138000",
    ],
)
def test_phone_forms_are_recovered(raw):
    assert normalize.phone("CN")(raw) == "+8613800138000"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("1.38001E+10", "scientific notation"),
        ("1.38001e10", "scientific notation"),
        ("12345", "not a valid phone"),
        (13800138000.5, "not a whole number"),
        ("abc", "not a valid phone"),
    ],
)
def test_unrecoverable_phones_are_rejected(raw, why):
    with pytest.raises(InvalidInput, match=why):
        normalize.phone("CN")(raw)


def test_international_phone_keeps_its_country():
    assert normalize.phone("CN")("+852 9123 4567") == "+85291234567"


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("男", "male"),
        ("女", "female"),
        ("M", "male"),
        ("f", "female"),
        ("Male", "male"),
        ("FEMALE", "female"),
        ("", None),
    ],
)
def test_genders(raw, gender):
    assert normalize.gender(raw) == gender


def test_unknown_gender_is_rejected():
    with pytest.raises(InvalidInput, match="not understood"):
        normalize.gender("unknown")


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(2020, 1, 2),
        dt.datetime(2020, 1, 2),
        pd.Timestamp("2020-01-02"),
        43832,
        43832.0,
        "43832",
        "2020/1/2",
        "2020-01-02",
        "2020年1月2日",
        "2020.01.02",
        "20200102",
        "2020-01-02 00:00:00",
        "２０２０-０１-０２",
    ],
)
def test_date_forms_are_recovered(raw):
    assert normalize.date(raw) == dt.date(2020, 1, 2)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("1990-02-30", "does not exist"),
        ("2020-13-01", "does not exist"),
        ("yesterday", "not a date"),
        (0, "not a date"),
        ("2020-01-02 25:00", "not understood"),
    ],
)
def test_bad_dates_are_rejected(raw, why):
    with pytest.raises(InvalidInput, match=why):
        normalize.date(raw)


@pytest.mark.parametrize(
    ("raw", "moment"),
    [
        ("2020-01-02 10:30", dt.datetime(2020, 1, 2, 10, 30)),
        ("2020/1/2 9:05:07", dt.datetime(2020, 1, 2, 9, 5, 7)),
        ("2020-01-02T10:30:00", dt.datetime(2020, 1, 2, 10, 30)),
        (43832.4375, dt.datetime(2020, 1, 2, 10, 30)),
        (dt.datetime(2020, 1, 2, 10, 29, 59, 999_600), dt.datetime(2020, 1, 2, 10, 30)),
    ],
)
def test_date_times(raw, moment):
    assert normalize.datetime(raw) == moment


@pytest.mark.parametrize(
    ("raw", "tags"),
    [
        ("vip,新客", ["vip", "新客"]),
        ("vip，新客", ["vip", "新客"]),
        ("a;b；c、d", ["a", "b", "c", "d"]),
        (" vip , vip ", ["vip"]),
        ("", []),
    ],
)
def test_tags_are_split(raw, tags):
    assert normalize.tags(raw) == tags


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("12.5", "12.50"),
        (12.5, "12.50"),
        (0.1, "0.10"),
        (100, "100.00"),
        ("¥1,200", "1200.00"),
        ("", None),
    ],
)
def test_money_is_exact(raw, amount):
    value = normalize.amount(raw)
    assert value == (Decimal(amount) if amount else None)


def test_negative_money_is_rejected():
    with pytest.raises(InvalidInput, match="negative"):
        normalize.amount("-5")


@pytest.mark.parametrize(
    ("raw", "points"), [("120", 120), (120.0, 120), ("1,200", 1200), ("", None)]
)
def test_points(raw, points):
    assert normalize.points(raw) == points


@pytest.mark.parametrize("raw", ["12.5", 12.5, "-3", "many"])
def test_bad_points_are_rejected(raw):
    with pytest.raises(InvalidInput):
        normalize.points(raw)


def test_tier_by_code_or_name_and_unknown_rejected():
    parse = normalize.tier(TierNames([("gold", "金卡会员")]))
    assert parse("GOLD") == parse("金卡会员") == parse("金卡") == parse(" 金卡 ") == "gold"
    with pytest.raises(
        InvalidInput, match=r"tier 'diamond' does not exist; tiers are: gold \(金卡会员\)$"
    ):
        parse("diamond")


@pytest.mark.parametrize(
    ("raw", "status"),
    [("active", "active"), ("冻结", "frozen"), ("已注销", "cancelled"), ("", None)],
)
def test_status(raw, status):
    assert normalize.status(raw) == status


@pytest.mark.parametrize(
    "text", ["=1+1", "+86138", "-x", "@cmd", "\tx", "\rx", "'=x", "''+y", "plain", "'quoted"]
)
def test_formula_escape_round_trips(text):
    escaped = normalize.escape(text)
    assert normalize.unescape(escaped) == text
    assert not escaped.startswith(normalize.FORMULA_START)


def test_each_distinct_value_is_parsed_once():
    calls = []

    def parse(raw):
        calls.append(raw)
        return raw

    values, errors = normalize.by_value(pd.Series(["a", "b", "a", None, "a"], dtype=object), parse)
    assert values == ["a", "b", "a", "", "a"]
    assert errors == [None] * 5
    assert calls == ["a", "b", ""]
