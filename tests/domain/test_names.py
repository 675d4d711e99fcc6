"""Pinyin initials (`member.name_initials`): the fast `initials` is the first letter of each
piece `_syllables` gives, for any name."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memberctl.domain import names


def _reference(name: str | None) -> str | None:
    """The definition: the first letter of each pinyin syllable or word, at most 100."""
    if not name:
        return None
    return "".join(piece[0] for piece in names._syllables(name))[:100] or None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三丰", "zsf"),
        ("Amy 王", "aw"),
        ("欧阳娜娜", "oynn"),
        ("Ａｍｙ", "a"),
        ("a王b", "awb"),
        ("王_x", "wx"),
        ("会员12345", "hy1"),
        ("  ", None),
        ("", None),
        (None, None),
    ],
)
def test_initials(name, expected):
    assert names.initials(name) == expected


# Chinese characters (common, rare, compatibility forms), letters of other scripts, digits,
# full-width forms, separators and underscores: every way a piece may start or end.
_pieces = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from(list("aZ9_ -·.'İßǅ")),
    st.characters(codec="utf-8"),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_pieces, max_size=120).map("".join))
def test_initials_are_the_first_letters_of_the_syllables(name):
    assert names.initials(name) == _reference(name)


def test_every_character_reads_as_pypinyin_reads_it():
    """The table read from pypinyin's data file gives, for every character it holds (and for
    characters it does not), what `lazy_pinyin` gives: pypinyin itself is not imported."""
    from pypinyin import lazy_pinyin

    readings = names._readings()
    assert readings is not None and len(readings) > 40_000
    codes = [*readings, *[c for c in range(0x3400, 0xA000) if c not in readings][:200]]
    differ = []
    for code in codes:
        han = chr(code)
        expected = lazy_pinyin(han)[0].lower()
        expected = expected if expected.isascii() and expected.isalpha() else ""
        if names._syllable(han) != expected:
            differ.append((han, names._syllable(han), expected))
    assert differ == []
    assert names._syllable("吕") == "lv"  # ü as pypinyin writes it


def test_names_convert_without_importing_pypinyin():
    code = "from memberctl.domain import names; import sys; "
    code += "print(names.initials('张三丰'), 'pypinyin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["zsf", "False"]
