"""Rejected rows: the row errors of an import and the errors file written next to the input.

The errors file holds the rejected rows exactly as they were read (same headers, same cells,
dates and numbers kept as such in `.xlsx`) plus one reason column, so that the rows can be fixed
in place and the file imported again as it is; the reason column is ignored on import.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from memberctl.atomic import atomic_output, scratch_folder, text_output
from memberctl.errors import RowError, RuleViolation, UsageProblem
from memberctl.escaping import escape, unescape, xlsx_text
from memberctl.i18n import _, current
from memberctl.spreadsheets.headers import ColumnMap
from memberctl.spreadsheets.normalize import cell_text, is_blank

_CJK = re.compile(r"[\u4e00-\u9fff]")


REASONS = ("reason", "错误原因")  # the last header of every errors file we write


def default_path(source: Path) -> Path:
    """Named after the whole input name, so that `m.xlsx` and `m.xls` in one folder do not
    share one: `m.csv` -> `m.csv.errors.csv`, `m.ods` -> `m.ods.errors.ods`, `m.xlsx` ->
    `m.xlsx.errors.xlsx`, `m.xls` -> `m.xls.errors.xlsx` (.xls is not written)."""
    suffix = source.suffix.lower()
    kind = suffix if suffix in (".csv", ".ods") else ".xlsx"
    return source.with_name(f"{source.name}.errors{kind}")


def target(source: Path, chosen: Path | None) -> Path:
    """Where the errors file of an import of `source` goes: `chosen` (--errors), else the
    default path, checked before anything is read. The input itself is refused as its own
    errors file (exit 2); a file at the default path is replaced only if it is an errors file
    memberctl wrote (its last header is the reason column), else the import is refused (exit 4)
    before it starts, naming the file and --errors."""
    path = chosen or default_path(source)
    if path.suffix.lower() not in (".csv", ".xlsx", ".ods"):
        raise UsageProblem(
            _("cannot write the errors file '{name}'").format(name=path.name),
            _("give a .xlsx, .ods or .csv file name"),
        )
    if not source.is_file():
        return path  # reading it says what is wrong
    if path.exists() and path.resolve() == source.resolve():
        raise UsageProblem(
            _("'{name}' is the file being imported; it cannot be its errors file too").format(
                name=path.name
            ),
            _("give another file name with --errors"),
        )
    if chosen is None and path.exists() and not _is_ours(path):
        raise RuleViolation(
            _("'{name}' exists and is not an errors file of memberctl; it is left as it is").format(
                name=path
            ),
            _("move it away, or choose the errors file with --errors FILE"),
        )
    return path


def _is_ours(path: Path) -> bool:
    """True when the first row of `path` ends with the reason column of an errors file."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), [])
        else:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            rows = book.get_sheet_by_name(book.sheet_names[0]).to_python(nrows=1)
            header = [str(cell) for cell in rows[0]] if rows else []
    except Exception:  # noqa: BLE001  (unreadable: not one we wrote)
        return False
    return bool(header) and header[-1] in REASONS


@dataclass
class Rejects:
    columns: list[str]
    errors: list[RowError] = field(default_factory=list)
    rows: dict[int, tuple[list[Any], list[str]]] = field(default_factory=dict)

    def add(self, frame: pd.DataFrame, row: int, column: str | None, message: str) -> None:
        """Reject spreadsheet row `row` of `frame` because of `column` (None: the whole row)."""
        value = cell_text(frame.at[row, column]) if column is not None else None
        self.errors.append(RowError(row, column, value, message))
        if row not in self.rows:
            self.rows[row] = ([frame.at[row, c] for c in self.columns], [])
        self.rows[row][1].append(f"{column}: {message}" if column else message)

    def add_raw(self, raw: list[Any], row: int, column: str | None, message: str) -> None:
        """Reject a row whose cells were kept aside (a row held back until the file's end)."""
        frame = pd.DataFrame([raw], columns=self.columns, index=[row], dtype=object)
        self.add(frame, row, column, message)

    def raw(self, frame: pd.DataFrame, row: int) -> list[Any]:
        return [frame.at[row, c] for c in self.columns]

    def __contains__(self, row: int) -> bool:
        return row in self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.row or 0)

    def write(self, path: Path) -> Path | None:
        """The rejected rows to `path` (.csv, .ods or .xlsx); nothing when none were rejected."""
        if not self.rows:
            return None
        chinese = current() == "zh" or any(_CJK.search(c) for c in self.columns)
        reason = "错误原因" if chinese else "reason"  # both are ignored when it is imported again
        header = [*self.columns, reason]
        rows = [[*cells, "; ".join(why)] for _row, (cells, why) in sorted(self.rows.items())]
        if path.suffix.lower() == ".csv":
            _write_csv(path, header, rows)
        elif path.suffix.lower() == ".ods":
            _write_ods(path, header, rows)
        else:
            _write_xlsx(path, header, rows)
        return path


class SheetRejections:
    """The import rules' rejections (by row and field) as rows of the sheet: the field named by
    its column, the row's cells kept for the errors file. `frame` is the chunk being checked;
    a row held past its chunk (`hold`) keeps its cells until it is settled."""

    def __init__(self, rejects: Rejects, columns: ColumnMap) -> None:
        self.rejects, self.columns = rejects, columns
        self.frame: pd.DataFrame | None = None
        self.held: dict[int, list[Any]] = {}

    def reject(self, row: int, field: str | None, message: str) -> None:
        column = self.columns.fields.get(field) if field is not None else None
        raw = self.held.pop(row, None)
        if raw is not None:
            self.rejects.add_raw(raw, row, column, message)
        else:
            assert self.frame is not None  # rows are rejected while their chunk is checked
            self.rejects.add(self.frame, row, column, message)

    def hold(self, row: int) -> None:
        assert self.frame is not None
        self.held[row] = self.rejects.raw(self.frame, row)

    def sorted_errors(self) -> list[RowError]:
        return self.rejects.sorted_errors()

    def __contains__(self, row: object) -> bool:
        return row in self.rejects.rows

    def __len__(self) -> int:
        return len(self.rejects)


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with text_output(path, bom=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if is_blank(c) else _csv_cell(c) for c in row] for row in rows])


def _csv_cell(cell: Any) -> str:
    # A text cell as import reads it (its own escape removed), escaped again: import unescapes it
    return escape(unescape(cell)) if isinstance(cell, str) else cell_text(cell)


def _write_ods(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    from memberctl.spreadsheets.ods import write_ods

    # A text cell as import reads it (its own `'` escape removed): a string cell needs none
    cells = ([unescape(c) if isinstance(c, str) else c for c in row] for row in rows)
    with atomic_output(path) as stream:
        write_ods(stream, [("errors", header, cells)])


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    import xlsxwriter

    with atomic_output(path) as stream, scratch_folder("memberctl-") as work:
        book = xlsxwriter.Workbook(stream, {"constant_memory": True, "tmpdir": str(work)})
        _fill(book, header, rows)
        book.close()


def _fill(book: Any, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.add_worksheet("errors")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    for col, name in enumerate(header):
        sheet.write_string(0, col, name, bold)
    for r, row in enumerate(rows, start=1):
        for col, cell in enumerate(row):
            _write_cell(sheet, r, col, cell, (date_format, time_format, quoted))


def _write_cell(sheet: Any, r: int, col: int, cell: Any, formats: tuple[Any, ...]) -> None:
    date_format, time_format, quoted = formats
    if is_blank(cell):
        return
    if isinstance(cell, bool):
        sheet.write_boolean(r, col, cell)
    elif isinstance(cell, int | float):
        sheet.write_number(r, col, cell)
    elif isinstance(cell, dt.datetime):
        sheet.write_datetime(r, col, cell, time_format)
    elif isinstance(cell, dt.date):
        sheet.write_datetime(r, col, dt.datetime.combine(cell, dt.time()), date_format)
    else:  # formula-like text as it is, quote-prefixed (as import reads it: escaping.xlsx_text)
        text, prefix = xlsx_text(unescape(str(cell)))
        sheet.write_string(r, col, text, quoted if prefix else None)
