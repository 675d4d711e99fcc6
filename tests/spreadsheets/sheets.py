"""Small messy sheets written into tmp_path by the tests (CSV in any encoding, typed .xlsx)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path, rows: list[list[Any]], sheets: dict[str, list[list[Any]]] | None = None
) -> Path:
    """Cells keep their Python types: numbers stay numbers, dates become date cells."""
    book = Workbook()
    default = book.active
    for name, content in (sheets or {"Sheet1": rows}).items():
        sheet = book.create_sheet(name)
        for row in content:
            sheet.append(row)
    if default is not None:
        book.remove(default)
    book.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A legacy .xls (BIFF8, Excel 97-2003) as old POS systems export: numbers stay numbers,
    dates and date-times become date cells."""
    import datetime as dt

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    styles = {dt.date: xlwt.easyxf(num_format_str="yyyy-mm-dd"),
              dt.datetime: xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")}  # fmt: skip
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                style = styles.get(type(value))
                sheet.write(r, c, value, style) if style else sheet.write(r, c, value)
    book.save(str(path))
    return path


def read_rows(path: Path) -> list[list[Any]]:
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    book = load_workbook(path)
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
