"""Formula escaping for text cells: a leaf module (the standard library only) used by the
spreadsheet files (export, import, errors files), the CLI's `-f csv` output and the domain's
notify lists, so none of them reaches into another layer for it.

A CSV export puts a `'` before text a spreadsheet would run as a formula (starting with
= + - @ tab CR, or full-width ＝ ＋ － ＠, after any quotes already there); `unescape` removes
exactly that one quote, so export -> import is exact. An .xlsx export writes such text as it is,
in a string cell with the quote-prefix style (`xlsx_text`): Excel and LibreOffice show no `'` and
keep it text when the cell is edited. Phones are written by `phone_cell` (.xlsx) and `csv_phone`
(every CSV), so a spreadsheet never reads one as a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

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


def xlsx_text(text: str) -> tuple[str, bool]:
    """What an .xlsx text cell holds, and whether it needs the quote-prefix style: formula-like
    text as it is, quote-prefixed. Text that already starts with a quote is not formula-like to a
    spreadsheet; it gets the escape's visible quote as in CSV (import removes exactly that one)."""
    escaped = escape(text)
    if escaped == text:
        return text, False
    if text.startswith("'"):
        return escaped, False
    return text, True


def phone_cell(e164: str) -> str:
    """A phone as export writes it: a mainland mobile as its 11 national digits (13800138000),
    anything else as E.164 (+861062345678); not escaped."""
    return e164[3:] if e164.startswith("+861") and len(e164) == 14 else e164


def csv_phone(phone: str | None) -> str | None:
    """A phone in any CSV (export, lists, reports): `phone_cell`, with `'+E.164` escaped so that
    a spreadsheet keeps it text (LibreOffice reads `+8617000000054` as a number); import removes
    the quote. A masked phone (138****8000) stays as it is."""
    return None if phone is None else escape(phone_cell(phone))


PHONE_KEYS = frozenset({"phone"})  # the columns of list, show and report output holding phones


def csv_cells(keys: Sequence[str]) -> Callable[[list[object]], list[object]]:
    """The cells of one CSV row under `keys`, as text a spreadsheet opens safely: `escape_cell`,
    and `csv_phone` in a phone column."""
    phones = frozenset(i for i, key in enumerate(keys) if key in PHONE_KEYS)

    def cells(row: list[object]) -> list[object]:
        return [
            csv_phone(v or None) or "" if i in phones and isinstance(v, str) else escape_cell(v)
            for i, v in enumerate(row)
        ]

    return cells
