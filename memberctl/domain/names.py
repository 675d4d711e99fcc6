"""Names in pinyin: the initials a member's name is found by, and its full pinyin.

`initials` gives the value of `member.name_initials` ("张三丰" -> "zsf", "Amy Wang" -> "aw"),
which enrolment, edits, restores (domain/members.py) and imports (the bulk writers) set, and
migration 0012 filled for rows earlier imports left without it; `full_pinyin` is what a typed
"zhangsan" is compared with. A leaf: it reads no table, so the member and search modules both
use it without importing each other.

pypinyin is imported only when a name is converted (its dictionary takes ~0.2 s to load).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"([{_HAN}])|([^\W_{_HAN}]+)")  # one Chinese character, or a word


@cache
def _syllable(han: str) -> str:
    """One Chinese character's pinyin without tones ("张" -> "zhang"); "" if pypinyin does not
    know it. Names are converted character by character (no phrase guessing), through this
    cache: a backfill of 100,000 names meets a few thousand distinct characters."""
    from pypinyin import lazy_pinyin

    reading = lazy_pinyin(han)[0].lower()  # an unknown character comes back as itself
    return reading if reading.isascii() and reading.isalpha() else ""


def _syllables(name: str) -> list[str]:
    """Pinyin and words: "张三丰" -> ["zhang", "san", "feng"]; "Amy 王" -> ["amy", "wang"].
    Names are stored as typed; full-width letters count as their plain forms here ("Ａｍｙ")."""
    text = unicodedata.normalize("NFKC", name).lower()
    pieces = (_syllable(han) if han else word for han, word in _TOKEN.findall(text))
    return [piece for piece in pieces if piece]


def initials(name: str | None) -> str | None:
    """The value of `member.name_initials` for a name: "张三丰" -> "zsf", "Amy 王" -> "aw"."""
    if not name:
        return None
    return "".join(piece[0] for piece in _syllables(name))[:100] or None


def full_pinyin(name: str) -> str:
    """The full pinyin: "张三丰" -> "zhangsanfeng"; other letters and digits kept, lower-case."""
    return "".join(_syllables(name))
