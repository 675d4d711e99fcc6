"""Phone numbers: messy forms normalised to E.164, unrecoverable ones refused, never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memberctl.domain import phones
from memberctl.errors import InvalidInput
from memberctl.spreadsheets import normalize


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


# --- the fast path for mainland mobiles is phonenumbers' own answer --------------------------


def _by_phonenumbers(text: str, region: str = "CN") -> str | None:
    """What phonenumbers alone makes of `text`: E.164 for a valid number, else None."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_the_mobile_pattern_is_phonenumbers_own():
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert phones.CN_MOBILE.pattern == metadata.mobile.national_number_pattern


@pytest.mark.parametrize("region", ["CN", "US"])
def test_every_mobile_prefix_is_decided_as_phonenumbers_decides(region):
    """Every three-digit start 1xxx, then 0, 5, 6 or 9 (1740[0-5] is a mobile, 17406 is not), with
    two endings: the same E.164 or the same refusal as phonenumbers (14012345678 looks like a
    mobile and is not one)."""
    differ = []
    for start in range(1_000):
        for text in (f"1{start:03d}{d}{end}" for d in "0569" for end in ("000000", "999999")):
            ours = phones.try_parse(text, region) if region == "CN" else None
            plus = phones.try_parse("+86" + text, region)
            if ours != _by_phonenumbers(text) and region == "CN":
                differ.append(text)
            if plus != _by_phonenumbers("+86" + text, region):
                differ.append("+86" + text)
    assert differ == []
    assert phones.try_parse("14012345678") is None  # accepted before the pattern was exact
    assert phones.try_parse("17401234567") == "+8617401234567"
    assert phones.try_parse("17406234567") is None


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A(\+86|0086|86 ?)?1[0-9]{10}\Z"), st.sampled_from(["CN", "HK"]))
def test_mobile_like_text_is_decided_as_phonenumbers_decides(text, region):
    expected = _by_phonenumbers(phones._clean(text), region)
    assert phones.try_parse(text, region) == expected
    parse = normalize.phone(region)
    try:
        cell = parse(text)
    except InvalidInput:
        cell = None
    assert cell == expected
    if region == "CN":
        bulk = normalize.phone(region).bulk([text])[0]  # type: ignore[attr-defined]
        assert bulk in (None, expected)
