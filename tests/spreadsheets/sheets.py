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


def read_rows(path: Path) -> list[list[Any]]:
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    book = load_workbook(path)
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
