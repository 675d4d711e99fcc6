"""Names in pinyin: the initials a member's name is found by, and its full pinyin.

`initials` gives the value of `member.name_initials` ("张三丰" -> "zsf", "Amy Wang" -> "aw"),
which enrolment, edits, restores (domain/members.py) and imports (the bulk writers) set, and
migration 0012 filled for rows earlier imports left without it; `full_pinyin` is what a typed
"zhangsan" is compared with. A leaf: it reads no table, so the member and search modules both
use it without importing each other.

Readings come from pypinyin's table of single characters, read when a name is first converted
(`_readings`); pypinyin itself is not imported (its phrases cost 0.16 s and ~60 MiB).
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"([{_HAN}])|([^\W_{_HAN}]+)")  # one Chinese character, or a word


@cache
def _syllable(han: str) -> str:
    """One Chinese character's pinyin without tones ("张" -> "zhang"); "" if pypinyin does not
    know it. Names are converted character by character (no phrase guessing), through this
    cache: a backfill of 100,000 names meets a few thousand distinct characters."""
    readings = _readings()
    if readings is None:  # pypinyin's table not where it was: ask pypinyin itself
        from pypinyin import lazy_pinyin

        reading = lazy_pinyin(han)[0].lower()  # an unknown character comes back as itself
    else:
        found = readings.get(ord(han))
        reading = "" if found is None else _toneless(found.split(",", 1)[0]).lower()
    return reading if reading.isascii() and reading.isalpha() else ""


_U_WITH_DIAERESIS = str.maketrans(dict.fromkeys("üǖǘǚǜ", "v"))  # as pypinyin writes it: lv


def _toneless(reading: str) -> str:
    """A reading of pypinyin's table in its NORMAL style: "zhāng" -> "zhang", "lǜ" -> "lv"."""
    spelled = unicodedata.normalize("NFKD", reading.translate(_U_WITH_DIAERESIS))
    return "".join(ch for ch in spelled if not unicodedata.combining(ch))


@cache
def _readings() -> dict[int, str] | None:
    """pypinyin's table of single characters (code point -> readings, the first the usual one),
    read from its data file: `import pypinyin` also loads its ~400,000 phrases and trains its
    segmenter, 0.16 s of CPU and about 60 MiB that a conversion character by character never
    uses (an import of 100,000 members peaked 60 MiB higher for it). The readings give exactly
    what `lazy_pinyin(character)` gives (tests/domain/test_names.py checks every character of
    the installed pypinyin); None when the file is not found."""
    spec = importlib.util.find_spec("pypinyin")  # finds the package without running it
    places = list(spec.submodule_search_locations or []) if spec is not None else []
    for place in places:
        table = Path(place) / "pinyin_dict.json"
        if table.is_file():
            with table.open(encoding="utf-8") as handle:
                return {int(code): reading for code, reading in json.load(handle).items()}
    return None


def _syllables(name: str) -> list[str]:
    """Pinyin and words: "张三丰" -> ["zhang", "san", "feng"]; "Amy 王" -> ["amy", "wang"].
    Names are stored as typed; full-width letters count as their plain forms here ("Ａｍｙ")."""
    text = unicodedata.normalize("NFKC", name).lower()
    pieces = (_syllable(han) if han else word for han, word in _TOKEN.findall(text))
    return [piece for piece in pieces if piece]


_WORD = rf"[^\W_{_HAN}]"  # a letter or digit that is not a Chinese character
# Where each piece of `_syllables` starts: a Chinese character, or a word's first character.
_STARTS = re.compile(rf"[{_HAN}]|(?<!{_WORD}){_WORD}")
_ONE_HAN = re.compile(rf"[{_HAN}]")


class _Letters(dict[str, str]):
    """A piece's first character -> its initial: a Chinese character's pinyin's first letter
    ("" if pypinyin does not know it), any other character itself; filled as names meet them."""

    def __missing__(self, start: str) -> str:
        letter = _syllable(start)[:1] if _ONE_HAN.fullmatch(start) else start
        self[start] = letter
        return letter


_LETTERS = _Letters()


def initials(name: str | None) -> str | None:
    """The value of `member.name_initials` for a name: "张三丰" -> "zsf", "Amy 王" -> "aw".
    The first letter of each of `_syllables(name)` (a test checks it is), found without
    building the syllables: an import computes it for every row (100,000 names: 0.23 s ->
    0.10 s of CPU)."""
    if not name:
        return None
    starts = _STARTS.findall(unicodedata.normalize("NFKC", name).lower())
    return "".join(map(_LETTERS.__getitem__, starts))[:100] or None


def full_pinyin(name: str) -> str:
    """The full pinyin: "张三丰" -> "zhangsanfeng"; other letters and digits kept, lower-case."""
    return "".join(_syllables(name))
