"""Phones the spreadsheet rounded: refused, never stored.

Calc and Excel turn the text `1.38E+10` typed into a General cell into the number 13800000000,
shown as `1.38E+10` (number format `0.00E+00`): the last digits are gone and nothing in the
value says so. In an .xlsx the cell's number format is read (styles.xml, then only the phone
column's cells of the sheet, and only when the workbook has a scientific format at all, so an
ordinary sheet costs one small read); a numeric phone cell in a scientific format is rejected.
Where formats cannot be read (.xls, .ods, an .xlsx we cannot parse), a numeric phone of seven
or more digits ending in 0000 is rejected instead. CSV cells are text: `1.38E+10` there is
refused by `normalize.phone`.
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import ParseError

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from memberctl.i18n import _
from memberctl.spreadsheets.excel import DAMAGED
from memberctl.spreadsheets.read import Sheet
from memberctl.spreadsheets.rejects import Rejects

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_SCIENTIFIC = {11, 48}  # 0.00E+00, ##0.0E+0
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_SCIENTIFIC_CODE = re.compile(r"E[+-]", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb'\b([st])="([^"]*)"')
_PIECE = 4 * 1024 * 1024
# A damaged or unusual file (see excel.DAMAGED): the rule without formats; calamine judges it.
_UNREADABLE = (*DAMAGED, KeyError, ParseError, DefusedXmlException)


def message(value: float) -> str:
    return _(
        "the spreadsheet rounded this phone (shown as {shown}); format the column as Text "
        "and type it again"
    ).format(shown=f"{value:.2E}")


class Guard:
    """For one import: which phone cells to refuse. `rows` is the set of spreadsheet rows whose
    phone cell is numeric in a scientific format (an .xlsx), or None where formats are not
    known (then the trailing-zeros rule applies); `column` is None when there is nothing to do
    (no phone column, or a CSV)."""

    def __init__(self, sheet: Sheet, column: str | None, *, blank: bool = False) -> None:
        self.column = None if sheet.is_csv or column not in sheet.columns else column
        self.blank = blank
        self.rows: set[int] | None = None
        if self.column is not None and sheet.path.suffix.lower() in (".xlsx", ".xlsm"):
            letters = _letters(sheet.columns.index(self.column) + 1)
            try:
                self.rows = scientific_rows(sheet.path, sheet.sheet_name, letters)
            except _UNREADABLE:
                self.rows = None  # not readable as we expect: the rule without formats

    def reject(self, frame: pd.DataFrame, rejects: Rejects) -> None:
        """Add a rejected row for every rounded phone of `frame` (spreadsheet rows as index).
        With `blank` (members) the cell is then emptied in `frame` (the errors file keeps it as
        read): a rounded phone is nobody's key, so the next rounded one is not its duplicate."""
        if self.column is None:
            return
        cells = frame[self.column]
        for row, value in zip(cells.index.tolist(), cells.tolist(), strict=True):
            if type(value) is not float and type(value) is not int:
                continue  # text, empty, a date: not a number the sheet could have rounded
            if self._rounded(row, value):
                rejects.add(frame, row, self.column, message(value))
                if self.blank:
                    frame.at[row, self.column] = ""

    def _rounded(self, row: int, value: float) -> bool:
        if self.rows is not None:
            return row in self.rows
        if not math.isfinite(value) or value != int(value):
            return False
        whole = abs(int(value))
        return whole >= 1_000_000 and whole % 10_000 == 0


def scientific_rows(path: Path, sheet: str | None, letters: str) -> set[int]:
    """The rows of column `letters` of `sheet` (None: the first) whose cell is a number in a
    scientific number format."""
    with zipfile.ZipFile(path) as archive:
        styles = _scientific_styles(archive)
        if not styles:
            return set()
        entry = _sheet_entry(archive, sheet)
        cell = re.compile(rb'<c\b[^>]*?\br="' + letters.encode() + rb'([0-9]+)"[^>]*>')
        found: set[int] = set()
        tail = b""
        with archive.open(entry) as stream:
            while piece := stream.read(_PIECE):
                text = tail + piece
                cut = text.rfind(b"<")
                text, tail = text[:cut], text[cut:]
                for match in cell.finditer(text):
                    attributes = dict(_ATTRIBUTE.findall(match[0]))
                    if attributes.get(b"s") in styles and attributes.get(b"t", b"n") == b"n":
                        found.add(int(match[1]))
        return found


def _scientific_styles(archive: zipfile.ZipFile) -> set[bytes]:
    """The cell style indexes (`s="..."`) whose number format is scientific."""
    try:
        root = fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return set()
    scientific = set(_BUILTIN_SCIENTIFIC)
    for fmt in root.iter(f"{_MAIN}numFmt"):
        code = _QUOTED.sub("", fmt.get("formatCode", ""))
        if _SCIENTIFIC_CODE.search(code):
            scientific.add(int(fmt.get("numFmtId", "-1")))
    xfs = root.find(f"{_MAIN}cellXfs")
    if xfs is None:
        return set()
    return {
        str(i).encode()
        for i, xf in enumerate(xfs.findall(f"{_MAIN}xf"))
        if int(xf.get("numFmtId", "0")) in scientific
    }


def _sheet_entry(archive: zipfile.ZipFile, name: str | None) -> str:
    """The zip entry of the sheet called `name` (None: the first one)."""
    book = fromstring(archive.read("xl/workbook.xml"))
    sheets = book.findall(f"{_MAIN}sheets/{_MAIN}sheet")
    chosen = [s for s in sheets if name is None or s.get("name") == name][:1]
    if not chosen:
        raise KeyError(name)
    rid = chosen[0].get(f"{_REL}id")
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    raise KeyError(rid)


def _letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
