"""Reading sheets: `.xlsx`/`.xls` through calamine, `.csv` in whatever encoding it came in.

`open_sheet` returns a `Sheet`: its header row and the data as pandas DataFrames of raw cell
values (object dtype), indexed by spreadsheet row number (header = 1). CSV is streamed in chunks,
so a file of millions of rows is never held whole; an Excel sheet is read at once (calamine is
fast, and a sheet has at most about a million rows). Entirely empty rows are dropped.

CSV encodings are tried in the order UTF-8 (with or without BOM), GB18030 (a superset of GBK
and GB2312, what Chinese Excel and WPS save), then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from memberctl.errors import InvalidInput, NotFound, UsageProblem
from memberctl.i18n import _
from memberctl.spreadsheets import excel
from memberctl.spreadsheets.excel import EXCEL_SUFFIXES, filled

CHUNK_ROWS = 50_000
_SNIFF_WHOLE = 32 * 1024 * 1024  # detect on the whole file below this size, else on a sample
_SAMPLE = 4 * 1024 * 1024


@dataclass
class Sheet:
    path: Path
    columns: list[str]
    chunks: Iterator[pd.DataFrame]
    total: int | None  # data rows, when known before reading them
    is_csv: bool
    encoding: str | None = None
    sheet_name: str | None = None


def open_sheet(path: Path, sheet: str | None = None, chunk_rows: int = CHUNK_ROWS) -> Sheet:
    if not path.is_file():
        raise NotFound(
            _("no file '{path}'").format(path=path), _("check the path and the file name")
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _open_csv(path, chunk_rows)
    if suffix in EXCEL_SUFFIXES:
        return _open_excel(path, sheet, chunk_rows)
    raise UsageProblem(
        _("cannot read '{name}': unknown file type '{suffix}'").format(
            name=path.name, suffix=suffix
        ),
        _("give a .xlsx, .xls or .csv file"),
    )


def unique_columns(header: list[Any]) -> list[str]:
    """Header cells as text; repeats get ' (2)', ' (3)' so every column has its own name."""
    seen: dict[str, int] = {}
    names = []
    for cell in header:
        name = "" if cell is None else str(cell).strip()
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


# --- Excel -----------------------------------------------------------------------------------


def _open_excel(path: Path, sheet: str | None, chunk_rows: int) -> Sheet:
    name, rows = excel.sheet_rows(path, sheet)
    header_at = next((i for i, row in enumerate(rows) if filled(row)), None)
    if header_at is None:
        raise InvalidInput(
            _("'{name}' (sheet {name2}) is empty").format(name=path.name, name2=name),
            _("put a header row first"),
        )
    columns = unique_columns(rows[header_at])
    width = len(columns)
    data = [row if len(row) == width else _fit(row, width) for row in rows[header_at + 1 :]]
    start = header_at + 2  # spreadsheet rows count from 1, and the header takes one
    del rows
    total = len(data)
    return Sheet(path, columns, _excel_chunks(data, columns, start, chunk_rows), total, False,
                 sheet_name=name)  # fmt: skip


def _fit(row: list[Any], width: int) -> list[Any]:
    if len(row) == width:
        return row
    return (row + [""] * width)[:width]


def _excel_chunks(
    data: list[list[Any]], columns: list[str], start: int, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    width = len(columns)
    for offset in range(0, len(data), chunk_rows):
        part = data[offset : offset + chunk_rows]
        first = start + offset
        index = pd.RangeIndex(first, first + len(part))
        frame = pd.DataFrame(part, columns=columns, index=index, dtype=object)
        # calamine gives "" for an empty cell; list.count runs in C (a third of _drop_empty)
        empty = [first + i for i, row in enumerate(part)
                 if row.count("") + row.count(None) == width]  # fmt: skip
        yield frame.drop(index=empty) if empty else frame


def _drop_empty(frame: pd.DataFrame) -> pd.DataFrame:
    blank = frame.isna() | frame.isin(["", None])
    return frame[~blank.all(axis=1)]


# --- CSV -------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(size if size <= _SNIFF_WHOLE else _SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    final = size <= _SNIFF_WHOLE
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
            return encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise InvalidInput(
            _("cannot tell the text encoding of '{name}'").format(name=path.name),
            _("save it as UTF-8 CSV and try again"),
        )
    return str(best.encoding)


def _open_csv(path: Path, chunk_rows: int) -> Sheet:
    encoding = detect_encoding(path)
    try:
        header = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False, nrows=0)
    except pd.errors.EmptyDataError:
        raise InvalidInput(
            _("'{name}' is empty").format(name=path.name), _("put a header row first")
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _bad_csv(path, encoding, exc) from None
    columns = unique_columns(list(header.columns))
    return Sheet(path, columns, _csv_chunks(path, encoding, columns, chunk_rows), None, True,
                 encoding=encoding)  # fmt: skip


def _csv_chunks(
    path: Path, encoding: str, columns: list[str], chunk_rows: int
) -> Iterator[pd.DataFrame]:
    reader = pd.read_csv(
        path, encoding=encoding, dtype=str, keep_default_na=False, na_filter=False, header=None,
        skiprows=1, names=columns, skip_blank_lines=False, chunksize=chunk_rows,
        on_bad_lines="error",
    )  # fmt: skip
    start = 2
    try:
        with reader:
            for frame in reader:
                frame.index = pd.RangeIndex(start, start + len(frame))
                start += len(frame)
                yield _drop_empty(frame.astype(object))
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _bad_csv(path, encoding, exc, near=start) from None


def _bad_csv(path: Path, encoding: str, exc: Exception, near: int | None = None) -> InvalidInput:
    where = _(" near row {near}").format(near=near) if near else ""
    if isinstance(exc, UnicodeDecodeError):
        return InvalidInput(
            _("'{name}' is not valid {encoding} text{where}").format(
                name=path.name, encoding=encoding, where=where
            ),
            _("save it again as 'CSV UTF-8' (or GBK) in Excel or WPS"),
        )
    return InvalidInput(
        _("cannot read '{name}'{where}: {exc}").format(name=path.name, where=where, exc=exc),
        _("check the CSV quoting"),
    )
