"""Field parsers (dates, genders, e-mail, tags, member numbers) and money: clean values back, or
InvalidInput (exit 5) saying what was wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from memberctl.domain import fields, money
from memberctl.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        ("2020-01-02", dt.date(2020, 1, 2)),
        ("2020/1/2", dt.date(2020, 1, 2)),
        ("2020年1月2日", dt.date(2020, 1, 2)),
        ("2020年1月2", dt.date(2020, 1, 2)),
        ("1990.05.06", dt.date(1990, 5, 6)),
        ("20200102", dt.date(2020, 1, 2)),
        ("２０２０－０１－０２", dt.date(2020, 1, 2)),
        (" 2000-02-29 ", dt.date(2000, 2, 29)),
    ],
)
def test_date_forms(raw, date):
    assert fields.parse_date(raw) == date


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1990-02-30", "birthday '1990-02-30' does not exist; check the day and month"),
        ("1900-02-29", "birthday '1900-02-29' does not exist; check the day and month"),
        ("2020-13-01", "birthday '2020-13-01' does not exist; check the day and month"),
        (
            "02/01/2020",
            "birthday '02/01/2020' is not a date; write it as YYYY-MM-DD, e.g. 1990-05-06",
        ),
        ("2020-01", "birthday '2020-01' is not a date; write it as YYYY-MM-DD, e.g. 1990-05-06"),
        ("", "birthday '' is not a date; write it as YYYY-MM-DD, e.g. 1990-05-06"),
        ("33000", "birthday '33000' is not a date; write it as YYYY-MM-DD, e.g. 1990-05-06"),
    ],
)
def test_dates_that_are_refused(raw, message):
    with pytest.raises(InvalidInput) as caught:
        fields.parse_date(raw, "birthday")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2026-01-02T10:30", dt.datetime(2026, 1, 2, 10, 30)),
        ("2026-01-02 10:30:05", dt.datetime(2026, 1, 2, 10, 30, 5)),
        ("2026-01-02", dt.datetime(2026, 1, 2)),
        ("2026/1/2", dt.datetime(2026, 1, 2)),
    ],
)
def test_datetimes(raw, value):
    assert fields.parse_datetime(raw) == value


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("男", "male"),
        ("女", "female"),
        ("M", "male"),
        ("F", "female"),
        ("male", "male"),
        ("FEMALE", "female"),
        (" 男性 ", "male"),
        ("女士", "female"),
        ("Ｍ", "male"),
        ("", None),
        (None, None),
    ],
)
def test_genders(raw, gender):
    assert fields.parse_gender(raw) == gender


@pytest.mark.parametrize("raw", ["x", "未知", "mf"])
def test_unknown_gender(raw):
    with pytest.raises(InvalidInput, match=f"gender '{raw}' is not understood"):
        fields.parse_gender(raw)


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("a@b.cn", "a@b.cn"),
        (" wang@example.com ", "wang@example.com"),
        ("ａ@ｂ.cn", "a@b.cn"),
        ("", None),
    ],
)
def test_emails(raw, email):
    assert fields.parse_email(raw) == email


@pytest.mark.parametrize("raw", ["a@b", "a b@c.cn", "@b.cn", "a@@b.cn"])
def test_bad_emails(raw):
    with pytest.raises(InvalidInput, match="is not an e-mail address"):
        fields.parse_email(raw)


@pytest.mark.parametrize(
    ("values", "tags"),
    [
        (["VIP"], ["VIP"]),
        (["VIP, 老客户，生日"], ["VIP", "老客户", "生日"]),
        (["a;b；c、d"], ["a", "b", "c", "d"]),
        (["VIP", " VIP ", "vip"], ["VIP", "vip"]),
        (["", " , ，"], []),
        ([], []),
        (None, []),
    ],
)
def test_tags(values, tags):
    assert fields.parse_tags(values) == tags


def test_too_long_tag():
    with pytest.raises(InvalidInput, match="longer than 64 characters"):
        fields.parse_tags(["x" * 65])


@pytest.mark.parametrize(("raw", "member_no"), [("m000123", "M000123"), (" vip-7 ", "VIP-7")])
def test_member_numbers(raw, member_no):
    assert fields.parse_member_no(raw) == member_no


@pytest.mark.parametrize("raw", ["", "-x", "会员1", "a" * 33, "M 1"])
def test_bad_member_numbers(raw):
    with pytest.raises(InvalidInput, match="is not valid"):
        fields.parse_member_no(raw)


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("12.5", "12.50"),
        ("12", "12.00"),
        ("¥12.50", "12.50"),
        ("￥1,200", "1200.00"),
        ("¥ 1,200.50", "1200.50"),
        ("1,200,000.5", "1200000.50"),
        ("12.5元", "12.50"),
        (" 7 ", "7.00"),
        ("０.５", "0.50"),
        (".5", "0.50"),
        ("12.340", "12.34"),
        ("1.0000", "1.00"),
        ("0", "0.00"),
        (5, "5.00"),
        (Decimal("2.350"), "2.35"),
        ("99999999.99", "99999999.99"),
    ],
)
def test_money_parse(raw, amount):
    assert money.parse(raw) == Decimal(amount)
    assert money.format(money.parse(raw)) == amount


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not an amount of money; write it like 12.50"),
        ("", "'' is not an amount of money; write it like 12.50"),
        ("NaN", "'NaN' is not an amount of money; write it like 12.50"),
        ("Infinity", "'Infinity' is not an amount of money; write it like 12.50"),
        ("1e3", "'1e3' is not an amount of money; write it like 12.50"),
        ("1_000", "'1_000' is not an amount of money; write it like 12.50"),
        ("12,50", "'12,50' is not an amount of money; write it like 12.50"),
        ("1,2,3", "'1,2,3' is not an amount of money; write it like 12.50"),
        ("-1", "'-1' is negative; give an amount of 0 or more"),
        ("100000000", "'100000000' is too large; one amount is at most 99,999,999.99"),
        ("12.345", "12.345 has more than two decimals; amounts are in whole cents, e.g. 12.35"),
        ("1.005", "1.005 has more than two decimals; amounts are in whole cents, e.g. 1.01"),
        ("0.001", "0.001 has more than two decimals; amounts are in whole cents, e.g. 0.00"),
        (
            Decimal("2.345"),
            "2.345 has more than two decimals; amounts are in whole cents, e.g. 2.35",
        ),
    ],
)
def test_money_refused(raw, message):
    with pytest.raises(InvalidInput) as caught:
        money.parse(raw)
    assert str(caught.value) == message


def test_money_negative_when_allowed():
    assert money.parse("-2.5", allow_negative=True) == Decimal("-2.50")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("3"), "3.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("0.005"), "0.01"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("1234567.891"), "1234567.89"),
        (None, None),
    ],
)
def test_money_format(amount, text):
    assert money.format(amount) == text
