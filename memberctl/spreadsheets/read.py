"""Reading sheets: `.xlsx`/`.xls`/`.ods` through calamine, `.csv` in whatever encoding it came in.

`open_sheet` returns a `Sheet`: its header row and the data as pandas DataFrames of raw cell
values (object dtype), indexed by spreadsheet row number (the first row = 1). CSV is streamed in
chunks, so a file of millions of rows is never held whole; an Excel sheet is read at once
(calamine is fast, and a sheet has at most about a million rows). Entirely empty rows are dropped.

The header row is chosen the same way for every format (`choose_header`): the row asked for
(`--header-row N`), else the first of the first `HEADER_SEARCH` non-empty rows that `pick`
recognises as column names, else the first non-empty row. Rows above it (a title such as
`2024年会员名单`, merged or not) are skipped.

CSV encodings are tried in the order UTF-8 (with or without BOM; UTF-16 with a BOM) and
GB18030 (a superset of GBK and GB2312, what Chinese Excel and WPS save); text in none of them
is refused, never guessed.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from memberctl.errors import InvalidInput, NotFound, UsageProblem
from memberctl.i18n import _
from memberctl.spreadsheets import excel
from memberctl.spreadsheets.excel import EXCEL_SUFFIXES, ODS_SUFFIXES, filled

CHUNK_ROWS = 50_000
ENCODINGS = ("utf-8", "gb18030")  # tried in this order, after a BOM
_SNIFF_WHOLE = 32 * 1024 * 1024  # detect on the whole file below this size, else on a sample
_SAMPLE = 4 * 1024 * 1024
MAX_FIELDS = 1_000  # fields in a CSV row, the header's or a data row's: more refuses the file
_TOO_MANY = re.compile(r"Expected \d+ fields in line \d+, saw \d+")
HEADER_SEARCH = 10  # non-empty rows searched for the header row
Pick = Callable[[list[Any]], bool]  # True for cells that are the sheet's column names


@dataclass
class Sheet:
    path: Path
    columns: list[str]
    chunks: Iterator[pd.DataFrame]
    total: int | None  # data rows, when known before reading them
    is_csv: bool
    encoding: str | None = None
    sheet_name: str | None = None
    header_row: int = 1  # spreadsheet row of the header


def open_sheet(
    path: Path,
    sheet: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    *,
    pick: Pick | None = None,
    header_row: int | None = None,
) -> Sheet:
    """The sheet with its header row chosen by `choose_header` (`pick`, `header_row`)."""
    if not path.is_file():
        raise NotFound(
            _("no file '{path}'").format(path=path), _("check the path and the file name")
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _open_csv(path, chunk_rows, pick, header_row)
    if suffix in EXCEL_SUFFIXES:
        return _open_excel(path, sheet, chunk_rows, pick, header_row)
    if suffix in ODS_SUFFIXES:
        return _open_ods(path, sheet, chunk_rows, pick, header_row)
    if suffix == ".fods":
        raise UsageProblem(
            _("cannot read '{name}': flat OpenDocument (.fods) is not read").format(name=path.name),
            _("save it as .ods or .xlsx in LibreOffice (File > Save As)"),
        )
    raise UsageProblem(
        _("cannot read '{name}': unknown file type '{suffix}'").format(
            name=path.name, suffix=suffix
        ),
        _("give a .xlsx, .xls, .ods or .csv file"),
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


def choose_header(
    rows: Iterator[list[Any]], path: Path, pick: Pick | None, header_row: int | None
) -> int | None:
    """The 0-based index of the header among `rows` (the sheet's first rows, empty ones
    included, as lists of cells): row `header_row` (1-based) if given, else the first of the
    first HEADER_SEARCH non-empty rows that `pick` accepts, else the first non-empty row; None
    for a sheet without any. A `header_row` beyond the sheet or on an empty row: InvalidInput."""
    first = None
    seen = count = 0
    for at, cells in enumerate(rows):
        count = at + 1
        if header_row is not None:
            if count == header_row:
                if not filled(cells):
                    raise _no_header_row(path, header_row, _("it is empty"))
                return at
            continue
        if not filled(cells):
            continue
        if first is None:
            first = at
        if pick is None or pick(cells):
            return at
        seen += 1
        if seen == HEADER_SEARCH:
            break
    if header_row is not None:
        why = _("the sheet ends at row {count}").format(count=count)
        raise _no_header_row(path, header_row, why)
    return first


def _no_header_row(path: Path, row: int, why: str) -> InvalidInput:
    return InvalidInput(
        _("--header-row {row}: row {row} of '{name}' cannot be the header row: {why}").format(
            row=row, name=path.name, why=why
        ),
        _("give the number of the row that holds the column names, as the spreadsheet shows it"),
    )


# --- Excel -----------------------------------------------------------------------------------


def _open_excel(
    path: Path, sheet: str | None, chunk_rows: int, pick: Pick | None, header_row: int | None
) -> Sheet:
    name, rows = excel.sheet_rows(path, sheet)
    header_at = choose_header(iter(rows), path, pick, header_row)
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
    return Sheet(
        path,
        columns,
        _excel_chunks(data, columns, start, chunk_rows),
        total,
        False,
        sheet_name=name,
        header_row=header_at + 1,
    )


def _open_ods(
    path: Path, sheet: str | None, chunk_rows: int, pick: Pick | None, header_row: int | None
) -> Sheet:
    """An .ods (LibreOffice Calc): calamine reads it as it reads an .xlsx, after the limits
    of `excel.check_ods_limits`; the sheet, the header row and the chunks go the same way."""
    return _open_excel(path, sheet, chunk_rows, pick, header_row)


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
        empty = [
            first + i for i, row in enumerate(part) if row.count("") + row.count(None) == width
        ]
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
    for encoding in ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
            return encoding
        except UnicodeDecodeError:
            continue
    # Nothing else is guessed: a guess on a few bytes (cp1250, latin-1...) imports garbage.
    raise InvalidInput(
        _("'{name}' is not text in any of the encodings tried: {encodings}").format(
            name=path.name, encodings=", ".join(["UTF-8", "GB18030 (GBK)"])
        ),
        _("save it again as 'CSV UTF-8' (or GBK) in Excel or WPS"),
    )


def _open_csv(path: Path, chunk_rows: int, pick: Pick | None, header_row: int | None) -> Sheet:
    encoding = detect_encoding(path)
    at, header_width, first_width = _find_header(path, encoding, pick, header_row)
    _check_width(path, header_width, None)  # before pandas makes a column of each field
    try:
        header = pd.read_csv(
            path, encoding=encoding, dtype=str, keep_default_na=False, nrows=0, skiprows=at
        )
    except pd.errors.EmptyDataError:
        raise InvalidInput(
            _("'{name}' is empty").format(name=path.name), _("put a header row first")
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _bad_csv(path, encoding, exc) from None
    columns = unique_columns(list(header.columns))
    start = at + 2  # the first data row
    if first_width > len(columns):  # pandas would spend minutes on a very long first row
        chunks = _exact_chunks(path, encoding, columns, chunk_rows, start)
    else:
        chunks = _csv_chunks(path, encoding, columns, chunk_rows, start)
    return Sheet(path, columns, chunks, None, True, encoding=encoding, header_row=at + 1)


def _csv_chunks(
    path: Path, encoding: str, columns: list[str], chunk_rows: int, start: int
) -> Iterator[pd.DataFrame]:
    """pandas' C parser while every row has at most the header's number of fields (a shorter
    row is filled with empty cells); from the chunk holding a longer row on, `_exact_chunks`,
    which counts each row's fields. `index_col=False`: pandas would otherwise take a first row
    with one field too many for an index column, and shift every cell of the file by one."""
    reader = pd.read_csv(
        path,
        encoding=encoding,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        header=None,
        skiprows=start - 1,
        names=columns,
        skip_blank_lines=False,
        chunksize=chunk_rows,
        on_bad_lines="error",
        index_col=False,
    )
    try:
        with reader:
            while (frame := _next_chunk(reader)) is not None:
                frame.index = pd.RangeIndex(start, start + len(frame))
                start += len(frame)
                yield _drop_empty(frame.astype(object))
            return
    except pd.errors.ParserWarning:  # a first row with one field too many, cut by pandas
        pass
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        if not _TOO_MANY.search(str(exc)):
            raise _bad_csv(path, encoding, exc, near=start) from None
    yield from _exact_chunks(path, encoding, columns, chunk_rows, start)


def _next_chunk(reader: Any) -> pd.DataFrame | None:
    """The next chunk, pandas' warnings raised as errors (they mean data would be lost)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return next(reader, None)


def _find_header(
    path: Path, encoding: str, pick: Pick | None, header_row: int | None
) -> tuple[int, int, int]:
    """The header's 0-based record number (`choose_header`; 0 when the file has no row), its
    number of fields and that of the record after it; widths (0, 0) when the records cannot be
    read (pandas then says why)."""
    try:
        with path.open(encoding=encoding, newline="") as handle:
            head: list[list[str]] = []
            records = csv.reader(handle)

            def kept() -> Iterator[list[str]]:
                for record in records:
                    head.append(record)
                    yield record

            at = choose_header(kept(), path, pick, header_row)
            if at is None:
                return 0, 0, 0
            return at, len(head[at]), len(next(records, []))
    except (UnicodeDecodeError, csv.Error):
        return header_row - 1 if header_row else 0, 0, 0


def _exact_chunks(
    path: Path, encoding: str, columns: list[str], chunk_rows: int, start: int
) -> Iterator[pd.DataFrame]:
    """The rows from spreadsheet row `start` on, read by Python's csv module: a row with more
    fields than the header is marked (`frame.attrs["wide"]`: row -> reason) for the import to
    reject it as it was, never shifted nor cut; one of more than MAX_FIELDS refuses the file."""
    width = len(columns)
    row = start
    try:
        with path.open(encoding=encoding, newline="") as handle:
            records = csv.reader(handle)
            deque(islice(records, start - 1), maxlen=0)  # the header and the rows already read
            while part := list(islice(records, chunk_rows)):
                cells, wide = _fit_fields(path, part, width, row)
                frame = pd.DataFrame(
                    cells, columns=columns, dtype=object, index=pd.RangeIndex(row, row + len(part))
                )
                blank = (frame.isna() | frame.isin(["", None])).all(axis=1)
                frame = frame[~blank | frame.index.isin(list(wide))]
                frame.attrs["wide"] = wide
                row += len(part)
                yield frame
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _bad_csv(path, encoding, exc, near=row) from None


def _fit_fields(
    path: Path, records: list[list[str]], width: int, first: int
) -> tuple[list[list[str]], dict[int, str]]:
    """Each record as `width` cells (a short one filled with empty cells) and the reasons for
    the rows that have more fields than the header (unless all their fields are empty: an
    empty row, dropped like any other)."""
    wide: dict[int, str] = {}
    cells = []
    for at, record in enumerate(records, start=first):
        count = len(record)
        if count > width:
            _check_width(path, count, at)
            if any(record):
                wide[at] = _wide_reason(at, record, width)
            record = record[:width]
        elif count < width:
            record = record + [""] * (width - count)
        cells.append(record)
    return cells, wide


def _wide_reason(row: int, record: list[str], width: int) -> str:
    reason = _("row {row} has {count} fields, the header has {width}").format(
        row=row, count=len(record), width=width
    )
    extra = [cell[:40] for cell in record[width:] if cell]
    if extra:
        reason += _(" (beyond the header: {cells})").format(cells=", ".join(extra[:5]))
    return reason


def _check_width(path: Path, count: int, row: int | None) -> None:
    if count > MAX_FIELDS:
        where = _("row {row}").format(row=row) if row else _("the header row")
        raise InvalidInput(
            _("{where} of '{name}' has {count} fields; at most {limit} are read").format(
                where=where, name=path.name, count=count, limit=MAX_FIELDS
            ),
            _("check that it is a CSV of members or purchases, one row per line"),
        )


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
