"""Phone numbers: messy forms normalised to E.164, unrecoverable ones refused, never guessed."""

from __future__ import annotations

import pytest

from memberctl.domain import phones
from memberctl.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("138.0013.8000", "+8613800138000"),
        ("(138) 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("86 13800138000", "+8613800138000"),
        ("+86 (0)138 0013 8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("＋８６ １３８－００１３－８０００", "+8613800138000"),
        (" 13800138000\t", "+8613800138000"),
        ("19912345678", "+8619912345678"),
        ("010-12345678", "+861012345678"),
        ("+852 9123 4567", "+85291234567"),
        ("+1 202 555 0143", "+12025550143"),
    ],
)
def test_messy_forms_are_normalised(raw, e164):
    assert phones.parse(raw) == e164
    assert phones.try_parse(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "+",
        "0",
        "12345",
        "1380013800",
        "138001380001",
        "12800138000",
        "23800138000",
        "abc",
        "1.38001E+10",
        "1.3800138E10",
        "13800138000.0",
        "138OO138OOO",
        "1-800-FLOWERS",
        "13800138000 ext 5",
        "13800138000x",
        "M000001",
    ],
)
def test_unrecoverable_numbers_are_refused(raw):
    with pytest.raises(InvalidInput) as caught:
        phones.parse(raw)
    assert str(caught.value) == (
        f"'{raw}' is not a valid phone number; give a mobile such as 13800138000 or an "
        "international number such as +85291234567"
    )
    assert caught.value.exit_code == 5
    assert phones.try_parse(raw) is None


def test_region_decides_numbers_without_a_country_code():
    assert phones.parse("2025550143", "US") == "+12025550143"
    assert phones.parse("+8613800138000", "US") == "+8613800138000"


@pytest.mark.parametrize(
    ("e164", "region", "shown"),
    [
        ("+8613800138000", "CN", "138 0013 8000"),
        ("+861012345678", "CN", "010 1234 5678"),
        ("+85291234567", "CN", "+852 9123 4567"),
        ("+12025550143", "US", "(202) 555-0143"),
        (None, "CN", None),
    ],
)
def test_national_format(e164, region, shown):
    assert phones.national(e164, region) == shown


@pytest.mark.parametrize(
    ("e164", "masked"),
    [("+8613800138000", "138****8000"), ("+85291234567", "852****4567"), (None, None)],
)
def test_mask(e164, masked):
    assert phones.mask(e164) == masked
