"""Formula escaping for text cells, shared by export and import (no pandas here: export of
100,000 members should not pay for importing it).

Export puts a `'` before text a spreadsheet would run as a formula (starting with = + - @ tab CR,
or full-width ＝ ＋ － ＠, after any quotes already there); `unescape` removes exactly that one
quote, so export -> import is exact.
"""

from __future__ import annotations

import re

# OWASP's CSV-injection list, plus the full-width forms as a precaution: some spreadsheet set-ups
# (a CJK input method's auto-conversion, WPS) may read `＝SUM(...)` as a formula, and escaping
# costs one quote that import removes again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# First characters after which `escape` has to look closer; any other text is returned as is.
RISKY_FIRST = frozenset((*FORMULA_START, "'"))
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def escape(text: str) -> str:
    """What export writes for a text cell: a leading `'` when a spreadsheet could run it."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_START) else text


def escape_cell(value: object) -> object:
    """`escape` for one cell of any output a spreadsheet may open (`-f csv`, report files,
    notify lists): text only, and a plain signed number such as `-12.50` or `+8613800138000`
    stays as it is (a spreadsheet reads it as a number, which runs nothing)."""
    if isinstance(value, str) and value[:1] in RISKY_FIRST and not _NUMBER.fullmatch(value):
        return escape(value)
    return value


def unescape(text: str) -> str:
    """The inverse of `escape`: drop the one quote export added."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_START):
        return text[1:]
    return text
