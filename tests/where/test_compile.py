"""`member_filter` against a real database (SQLite, or PostgreSQL with MEMBERCTL_TEST_DB): every
field and operator on the hand-computed shop of tests/where/dataset.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from memberctl.domain.where import ExpressionError, member_filter
from memberctl.domain.where.compile import months_back
from memberctl.models import Member
from tests.where.dataset import AS_OF, build

CASES = {
    # tier: by code, and by rank for < > (basic 1, silver 2, gold 3, platinum 4)
    "tier = gold": "A",
    "TIER = GOLD": "A",
    "tier >= silver": "ABD",
    "tier > gold": "D",
    "tier < silver": "CE",
    "tier <= basic": "CE",
    "tier != basic": "ABD",
    "tier in (gold, platinum)": "AD",
    "tier not in (basic)": "ABD",
    # plain text fields; '' means "not recorded", and != includes members without a value
    "status = active": "ABC",
    "status != active": "DE",
    "status in (frozen, cancelled)": "DE",
    "gender = 女": "AE",
    "gender = male": "BD",
    "gender != male": "ACE",
    "gender = ''": "C",
    "gender not in (male, female)": "C",
    "store = 旗舰店": "AD",
    "store != 旗舰店": "BCE",
    "store = ''": "C",
    "store in ('二店', \"旗舰店\")": "ABDE",
    # tags: has / has not
    "tag = vip": "AB",
    "tag != vip": "CDE",
    "tag = 'VIP club'": "D",
    "tag in (新客, 'VIP club')": "BD",
    "tag not in (vip, 'VIP club')": "CE",
    "tag = VIP": "",
    # age in whole years; no birthday never matches a comparison
    "age >= 35": "AD",
    "age > 35": "D",
    "age = 35": "A",
    "age = 66": "D",
    "age < 30": "BE",
    "age <= 26": "BE",
    "age != 35": "BDE",
    "age in (16, 26)": "BE",
    "age not in (16, 26)": "AD",
    "not age > 30": "BCE",
    "birthday_month = 11": "AD",
    "birthday_month = 2": "B",
    "birthday_month != 11": "BE",
    "birthday_month in (1, 2)": "BE",
    "birthday_month >= 2": "ABD",
    "birthday_month < 2": "E",
    # days since joining / since the last purchase up to AS_OF (else since joining)
    "joined_days = 0": "B",
    "joined_days > 365": "ACD",
    "joined_days <= 30": "BE",
    "joined_days = 30": "E",
    "joined_days < 30": "B",
    "joined_days >= 1050": "AD",
    "joined_days > 1050": "D",
    "inactive_days = 0": "BD",
    "inactive_days > 30": "C",
    "inactive_days >= 30": "CE",
    "inactive_days = 5": "A",
    "inactive_days < 5": "BD",
    "inactive_days in (5, 542)": "AC",
    # 12-month purchases: (2025-11-25, 2026-11-25], refunds left out
    "spend_12m > 0": "AD",
    "spend_12m = 350.60": "A",
    "spend_12m = 350.6": "A",
    "spend_12m > 350.59": "A",
    "spend_12m >= 350.61": "",
    "spend_12m = 0.3": "D",
    "spend_12m = 0": "BCE",
    "spend_12m < 100": "BCDE",
    "visits_12m = 3": "AD",
    "visits_12m = 0": "BCE",
    "visits_12m >= 1": "AD",
    # cached balances
    "points > 0": "AE",
    "points >= 1200": "A",
    "points = 500": "E",
    "balance > 0": "AE",
    "balance = 12.5": "E",
    "balance >= 100": "A",
    "balance < 12.50": "BCD",
    # members referred, joined by AS_OF, not cancelled (A referred B, C and cancelled E)
    "referrals = 2": "A",
    "referrals >= 1": "A",
    "referrals = 0": "BCDE",
    "referrals in (1, 3)": "",
    "referrals < 2": "BCDE",
    # combinations: not > and > or
    "tag = vip and not tier = gold": "B",
    "tier = basic or tag = vip and age > 30": "ACE",
    "(tier = basic or tag = vip) and age > 20": "AB",
    "not (status = active or tag = vip)": "DE",
    "not not tag = vip": "AB",
    "status = active and inactive_days > 3 and spend_12m < 1000": "AC",
}


@pytest.fixture
def shop(engine):
    return {no: letter for letter, no in build(engine).items()}


def matching(session, shop, expr, as_of=AS_OF):
    clause = member_filter(session, expr, as_of)
    rows = session.exec(select(Member.member_no).where(clause).order_by(col(Member.member_no)))
    return "".join(sorted(shop[no] for no in rows))


def test_every_field_and_operator(session, shop):
    got = {expr: matching(session, shop, expr) for expr in CASES}
    assert got == CASES


def test_not_is_the_exact_complement(session, shop):
    for expr, letters in CASES.items():
        complement = "".join(x for x in "ABCDE" if x not in letters)
        assert matching(session, shop, f"not ({expr})") == complement, expr


@pytest.mark.parametrize(
    ("as_of", "expr", "letters"),
    [
        (dt.date(2026, 11, 30), "age >= 36", "AD"),  # A's birthday
        (dt.date(2026, 11, 29), "age >= 36", "D"),
        (dt.date(2027, 2, 28), "age = 26", "B"),  # born 29 February: 27 on 1 March
        (dt.date(2027, 3, 1), "age = 27", "B"),
        (dt.date(2028, 2, 29), "age = 28", "B"),
        (dt.date(2026, 11, 30), "inactive_days = 4", "A"),  # the 7.00 of 2026-11-26
        # the window moves: A's 7.00 comes in, the 0.10 of 2025-11-26 drops out
        (dt.date(2026, 11, 26), "spend_12m = 357.50", "A"),
        (dt.date(2026, 11, 26), "visits_12m = 3", "AD"),
        (dt.date(2026, 11, 26), "inactive_days = 0", "A"),
        (dt.date(2025, 12, 1), "spend_12m = 999.10 and visits_12m = 2", "A"),
        (dt.date(2026, 11, 24), "referrals = 1", "A"),  # B joins on 2026-11-25
        (dt.date(2024, 12, 31), "referrals = 0", "ABCDE"),  # C joins on 2025-01-01
        (dt.date(2020, 1, 1), "joined_days < 0", "ABCDE"),
    ],
)
def test_derived_fields_follow_as_of(session, shop, as_of, expr, letters):
    assert matching(session, shop, expr, as_of) == letters


def test_an_unknown_tier_is_a_usage_error_with_its_column(session):
    with pytest.raises(ExpressionError) as caught:
        member_filter(session, "tier >= diamond", AS_OF)
    assert str(caught.value) == (
        "no tier 'diamond' at column 9; tiers are: basic (普通会员), silver (银卡会员), "
        "gold (金卡会员), platinum (白金会员)"
    )
    assert caught.value.exit_code == 2


def test_huge_numbers_do_not_overflow_the_calendar(session, shop):
    for expr in ("age > 999999999", "joined_days > 999999999", "inactive_days < -999999999"):
        assert matching(session, shop, expr) == ""
    assert matching(session, shop, "age > -999999999") == "ABDE"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 11, 25), 12, dt.date(2025, 11, 25)),
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 31), 2, dt.date(2025, 11, 30)),
        (dt.date(2026, 1, 15), -1, dt.date(2026, 2, 15)),
        (dt.date(2026, 1, 15), 10**7, dt.date.min),
        (dt.date(2026, 1, 15), -(10**7), dt.date.max),
    ],
)
def test_months_back(day, months, expected):
    assert months_back(day, months) == expected
