"""Total rows: the `合计` / `总计` / `小计` / `Total` row a clerk adds below the data.

Such a row is not a member nor a purchase: it is left out of the import, reported by its
spreadsheet row (`total_rows` in the result), and neither counted nor rejected. A row is a total
row when its first cell or its name cell holds one of `WORDS` alone (as typed: Total, TOTAL,
total, 合计, 合 计, 合计：...) and its key cells (phone, member number) are empty or hold that
same word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

WORDS = ("合计", "总计", "小计", "總計", "合計", "total", "totals", "grand total", "subtotal")


def _forms() -> frozenset[str]:
    """The cell texts taken for a total: each word as typed in a sheet (Total, TOTAL, 合 计:)."""
    forms = set()
    for word in WORDS:
        for cased in {word, word.upper(), word.title(), word.capitalize()}:
            spaced = " ".join(cased) if not cased.isascii() else cased
            for text in (cased, spaced):
                for end in ("", ":", "："):
                    forms.add(text + end)
    return frozenset(forms)


FORMS = _forms()


def is_total(cell: Any) -> bool:
    return isinstance(cell, str) and cell in FORMS


def split(
    frame: pd.DataFrame, word_columns: Sequence[str], key_columns: Sequence[str]
) -> tuple[pd.DataFrame, list[int]]:
    """`frame` without its total rows, and their spreadsheet rows. `word_columns`: where the
    word may be (the first column, the name column); `key_columns`: cells a total row leaves
    empty. Cheap when there is none: one `isin` per word column."""
    if frame.empty:
        return frame, []
    first = frame.columns[0]
    places = [first, *(c for c in word_columns if c in frame.columns and c != first)]
    found: list[int] = []
    for row in _candidates(frame, places):
        word: object = next(frame.at[row, c] for c in places if is_total(frame.at[row, c]))
        keys = [frame.at[row, c] for c in key_columns if c in frame.columns]
        if all(_blank(cell) or cell == word for cell in keys):
            found.append(row)
    if not found:
        return frame, []
    kept = frame.drop(index=found)
    kept.attrs = {**frame.attrs}
    if "wide" in kept.attrs:
        kept.attrs["wide"] = {r: why for r, why in kept.attrs["wide"].items() if r not in found}
    return kept, found


def _candidates(frame: pd.DataFrame, places: list[str]) -> list[int]:
    """Rows holding a total word as typed (`FORMS`): `isin` hashes, a million rows in
    milliseconds, where a Python check per cell would take a good part of a second."""
    hits = pd.Series(False, index=frame.index)
    for column in places:
        hits |= frame[column].isin(FORMS)
    return hits[hits].index.tolist()


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == ""
