"""Phone numbers: parse any common form into E.164, and format them for people.

Accepted: `13800138000`, `138 0013 8000`, `138-0013-8000`, `+86 138-0013-8000`, `008613800138000`,
full-width digits (`１３８…`). Validation is phonenumbers'; the region defaults to CN.
"""

from __future__ import annotations

import re
import unicodedata

from memberctl.errors import InvalidInput
from memberctl.i18n import _

# A mainland mobile number exactly as phonenumbers validates one (its metadata's CN `mobile`
# pattern, phonenumbers 9.0): the fast path below, without phonenumbers' cost. Numbers that only
# look like one (`14012345678`: 1, then 3-9, then 9 digits) go to phonenumbers, which refuses
# them. tests/domain/test_phones.py checks the pattern against the metadata of the installed
# phonenumbers and the fast path against phonenumbers itself.
CN_MOBILE = re.compile(
    r"1(?:610\d|740[0-5])\d{6}|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8}"
)
_SEPARATORS = re.compile(r"[\s\-().]")
# After separators are removed only digits, with one leading '+', may be left: phonenumbers would
# read letters as a keypad (`138OO138OOO`) and drop an extension (`...x5`), which is guessing.
_DIGITS = re.compile(r"\+?\d+")


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _SEPARATORS.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def parse(raw: str, region: str = "CN") -> str:
    """E.164 for a valid number; InvalidInput (exit 5) saying why otherwise."""
    text = _clean(str(raw))
    if region == "CN" and CN_MOBILE.fullmatch(text):
        return "+86" + text  # the common case, without phonenumbers' cost
    if text.startswith("+86") and CN_MOBILE.fullmatch(text[3:]):
        return text
    return _parse_slow(raw, text, region)


def _parse_slow(raw: str, text: str, region: str) -> str:
    import phonenumbers

    number = None
    if _DIGITS.fullmatch(text):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            _("'{raw}' is not a valid phone number").format(raw=raw),
            _("give a mobile such as 13800138000 or an international number such as +85291234567"),
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_parse(raw: str, region: str = "CN") -> str | None:
    try:
        return parse(raw, region)
    except InvalidInput:
        return None


def national(e164: str | None, region: str = "CN") -> str | None:
    """`+8613800138000` -> `138 0013 8000` in the default region; other numbers international."""
    if e164 is None:
        return None
    if region == "CN" and e164.startswith("+86") and CN_MOBILE.fullmatch(e164[3:]):
        digits = e164[3:]
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    import phonenumbers

    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str | None) -> str | None:
    """`+8613800138000` -> `138****8000`."""
    if e164 is None:
        return None
    digits = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
