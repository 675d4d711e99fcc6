"""Campaign rules without the CLI: period keys, the parsed definition, coupon codes, the CN
holiday calendar, message templates."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memberctl.domain import campaigns, coupons, notify
from memberctl.domain.campaign_runs import period_key
from memberctl.errors import InvalidInput, UsageProblem

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("period", "day", "key"),
    [
        ("once", "2026-11-25", "once"),
        ("daily", "2026-11-25", "2026-11-25"),
        ("weekly", "2026-11-25", "2026-W48"),
        ("weekly", "2026-11-23", "2026-W48"),  # Monday
        ("weekly", "2026-11-29", "2026-W48"),  # Sunday
        ("weekly", "2027-01-01", "2026-W53"),  # ISO week of the year before
        ("weekly", "2024-12-30", "2025-W01"),  # ISO week of the year after
        ("monthly", "2026-11-25", "2026-11"),
        ("monthly", "2026-01-31", "2026-01"),
        ("yearly", "2026-11-25", "2026"),
    ],
)
def test_period_key(period, day, key):
    assert period_key(period, D(day)) == key


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_period_keys_fit_the_column_and_change_only_at_a_boundary(day):
    for period in campaigns.PERIODS:
        assert len(period_key(period, day)) <= 16
    if day < dt.date(9999, 12, 31):
        after = day + dt.timedelta(days=1)
        assert (period_key("monthly", day) == period_key("monthly", after)) == (
            day.month == after.month
        )
        assert (period_key("weekly", day) == period_key("weekly", after)) == (after.weekday() != 0)


def test_definition_is_normalised_json():
    spec = campaigns.parse(
        {
            "code": "c",
            "action": "issue_coupon",
            "coupon_value": 20,
            "where": "tag = vip",
            "period": "daily",
            "starts": dt.date(2026, 1, 1),
            "weekdays_only": True,
        }
    )

    assert spec.definition() == {
        "code": "c",
        "name": "c",
        "action": "issue_coupon",
        "coupon_value": "20.00",
        "coupon_valid_days": 30,
        "weekdays_only": True,
        "where": "tag = vip",
        "period": "daily",
        "starts": "2026-01-01",
    }
    assert campaigns.parse(spec.definition()) == spec
    assert spec.coupon_value == Decimal("20.00")


def test_problems_are_collected():
    with pytest.raises(InvalidInput) as caught:
        campaigns.parse({"action": "award", "period": "never", "colour": "red"}, "x.toml")

    messages = [e.message for e in caught.value.errors]
    assert messages == [
        "unknown key 'colour' (keys are: code, name, action, points, coupon_value, "
        "coupon_min_spend, coupon_valid_days, weekdays_only, no_holidays, where, period, starts, "
        "ends)",
        "'code' is missing",
        "unknown action 'award' (actions are: award_points, issue_coupon)",
        "'where' is missing",
        "unknown period 'never' (periods are: once, daily, weekly, monthly, yearly)",
    ]
    assert str(caught.value) == (
        "x.toml: 5 problems, nothing was written; see templates/campaigns/"
    )
    assert caught.value.details == messages  # the error boundary prints one line each


def test_is_active_on_is_inclusive():
    spec = campaigns.parse(
        {
            "code": "c",
            "action": "award_points",
            "points": 1,
            "where": "x = 1",
            "period": "once",
            "starts": D("2026-11-01"),
            "ends": D("2026-11-30"),
        }
    )
    days = ("2026-10-31", "2026-11-01", "2026-11-30", "2026-12-01")
    assert [spec.is_active_on(D(d)) for d in days] == [False, True, True, False]


def test_codes_use_the_alphabet_evenly():
    codes = coupons.new_codes(20_000)

    assert len(codes) == 20_000 and {len(c) for c in codes} == {8}
    counts = Counter("".join(codes))
    assert set(counts) == set(coupons.ALPHABET)
    assert not set(counts) & set("01OI")
    expected = 20_000 * 8 / 32
    assert all(abs(n - expected) < expected * 0.1 for n in counts.values())


@pytest.mark.parametrize("typed", ["abcd-efgh", " ABCD EFGH ", "ＡＢＣＤ－ＥＦＧＨ"])
def test_codes_are_read_the_way_people_type_them(typed):
    assert coupons.normalize_code(typed.replace("－", "-")) == "ABCDEFGH"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2026-10-01", "National Day"),
        ("2026-01-01", "New Year's Day"),
        ("2026-10-09", None),
        ("2026-11-28", None),
    ],
)
def test_cn_holidays(day, name):
    assert coupons.holiday_name(D(day)) == name


def test_template_pieces():
    pieces = notify.parse_template("{name}: {{{points}}}")
    assert notify.fill(pieces, {"name": "张三", "points": "12"}) == "张三: {12}"
    with pytest.raises(UsageProblem, match=r"unknown placeholder \{nam\}"):
        notify.parse_template("{nam}")
