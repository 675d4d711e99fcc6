"""Small messy sheets written into tmp_path by the tests (CSV in any encoding, typed .xlsx,
.xls and .ods)."""

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
    styles = {
        dt.date: xlwt.easyxf(num_format_str="yyyy-mm-dd"),
        dt.datetime: xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm"),
    }
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


def write_ods(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An .ods written by pandas' odf engine (odfpy), not by memberctl's own writer: numbers
    stay numbers, dates become date cells, text is string cells."""
    import pandas as pd

    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def read_ods(path: Path, sheet: str | int = 0) -> list[list[Any]]:
    """Every row of an .ods sheet as calamine reads it (the reader import uses)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    name = book.sheet_names[sheet] if isinstance(sheet, int) else sheet
    return book.get_sheet_by_name(name).to_python()
