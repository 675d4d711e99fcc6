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
import itertools
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from memberctl.errors import InvalidInput, NotFound, UsageProblem
from memberctl.i18n import _

CHUNK_ROWS = 50_000
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
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
    from python_calamine import CalamineError, CalamineWorkbook

    if path.suffix.lower() != ".xls":
        check_xlsx_limits(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        name, rows = _sheet_rows(book, sheet)
    except CalamineError as exc:
        raise InvalidInput(
            _("cannot read '{name}': {exc}").format(name=path.name, exc=exc),
            _("is it really a spreadsheet?"),
        ) from None
    header_at = next((i for i, row in enumerate(rows) if _filled(row)), None)
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


# Limits that keep a hostile or broken .xlsx from exhausting memory: a zip bomb (a small file
# whose sheet XML expands to gigabytes) and a sparse sheet (a cell at XFD1048576 makes the reader
# allocate the whole rectangle, 17 billion cells). Both are checked before the sheet is read.
MAX_SHEET_MB_ENV, MAX_CELLS_ENV = "MEMBERCTL_MAX_SHEET_MB", "MEMBERCTL_MAX_CELLS"
MAX_SHEET_MB = 1024  # uncompressed size of everything in the .xlsx
MAX_CELLS = 20_000_000  # rows x columns of a sheet's used rectangle (1M rows x 20 columns)
# What zipfile raises on a damaged archive: bad headers or data, a CRC or size mismatch, an
# unsupported version or compression method (NotImplementedError), encryption (RuntimeError).
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError,
            ValueError)  # fmt: skip
_HEAD = 256 * 1024  # the extent of this much of a sheet is read exactly; the rest is searched
_REF = re.compile(rb'r="([A-Z]{0,3})([0-9]{1,9})"')  # r="B12" on <row> and <c> elements


def _limit(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) == 0:
        raise UsageProblem(
            _("{name} must be a positive whole number, not '{value}'").format(
                name=name, value=value
            )
        )
    return int(value)


def check_xlsx_limits(path: Path) -> None:
    """Refuse an .xlsx whose uncompressed size or any sheet's used rectangle is over the limit."""
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGED:
        return  # not a zip at all: calamine says so in its own words
    with archive:
        infos = archive.infolist()
        max_mb = _limit(MAX_SHEET_MB_ENV, MAX_SHEET_MB)
        size = sum(info.file_size for info in infos)
        if size > max_mb * 1024 * 1024:
            raise InvalidInput(
                _("'{file}' unpacks to {size} MB, over the limit of {limit} MB").format(
                    file=path.name, size=size // (1024 * 1024), limit=max_mb
                ),
                _("split the sheet, or raise the limit with {env}").format(env=MAX_SHEET_MB_ENV),
            )
        max_cells = _limit(MAX_CELLS_ENV, MAX_CELLS)
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _check_cells(path, archive, info, max_cells)


def _check_cells(path: Path, archive: Any, info: Any, max_cells: int) -> None:
    try:
        rows, columns = _used_rectangle(archive, info, max_cells)
    except _DAMAGED as exc:
        raise InvalidInput(
            _("cannot read '{file}': {entry} is damaged ({exc})").format(
                file=path.name, entry=info.filename, exc=exc
            ),
            _("is it really a spreadsheet?"),
        ) from None
    if rows * columns > max_cells:
        raise InvalidInput(
            _("'{file}' has a sheet of {rows} rows x {columns} columns, over the limit of "
              "{limit} cells").format(file=path.name, rows=rows, columns=columns, limit=max_cells),
            _("delete the unused rows and columns, or raise the limit with {env}").format(
                env=MAX_CELLS_ENV
            ),
        )  # fmt: skip


def _chunks(archive: Any, info: Any) -> Iterator[bytes]:
    """The entry's bytes in pieces that overlap by 32 bytes, so no reference is cut in two.
    A damaged entry, or one longer than its header says (a forged zip bomb), raises."""
    tail, size = b"", 0
    with archive.open(info) as stream:
        while chunk := stream.read(4 * 1024 * 1024):
            size += len(chunk)
            if size > info.file_size:
                raise zipfile.BadZipFile(_("longer than its header says"))
            yield tail + chunk
            tail = chunk[-32:]


def _used_rectangle(archive: Any, info: Any, max_cells: int) -> tuple[int, int]:
    """The highest row and column any `r="..."` names (the rectangle the reader allocates).

    Fast path: the extent of the first piece, then one `search` of the rest for a reference
    beyond it (none in an ordinary sheet, so no match objects are made). Only a sheet that
    has one is scanned reference by reference."""
    pieces = _chunks(archive, info)
    first = next(pieces, b"")
    rows, columns = _extent(first[:_HEAD])
    row_limit = max_cells // max(columns, 1)
    if rows > row_limit:
        return rows, columns
    beyond = re.compile(
        rb'r="(?:' + _above(_column_letters(columns), "A", "Z") + rb"[0-9]"
        rb"|[A-Z]{0,3}" + _above(str(row_limit), "0", "9") + rb'")'
    )  # fmt: skip
    for piece in itertools.chain([first[_HEAD - 32 :]], pieces):
        if beyond.search(piece):
            exact = [_extent(part) for part in _chunks(archive, info)]
            return max(r for r, _c in exact), max(c for _r, c in exact)
    return rows, columns


def _extent(text: bytes) -> tuple[int, int]:
    found = _REF.findall(text)
    if not found:
        return 0, 0
    letters, numbers = zip(*found, strict=True)
    return max(map(int, numbers)), max(map(_column_number, set(letters)))


def _above(value: str, low: str, high: str) -> bytes:
    """A regex matching every string over [low-high] that counts higher than `value`."""
    width, options = len(value), [f"[{low}-{high}]{{{len(value) + 1},}}"]
    for i, digit in enumerate(value):
        if digit != high:
            rest = width - i - 1
            options.append(f"{value[:i]}[{chr(ord(digit) + 1)}-{high}][{low}-{high}]{{{rest}}}")
    return ("(?:" + "|".join(options) + ")").encode()


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _sheet_rows(book: Any, sheet: str | None) -> tuple[str, list[list[Any]]]:
    names = list(book.sheet_names)
    if sheet is not None:
        if sheet not in names:
            raise NotFound(
                _("no sheet '{sheet}'").format(sheet=sheet),
                _("sheets are: {names}").format(names=", ".join(names)),
            )
        return sheet, book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    for name in names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if any(_filled(row) for row in rows):
            return name, rows
    return (names[0] if names else "?"), []


def _filled(row: list[Any]) -> bool:
    return any(cell not in ("", None) for cell in row)


def _fit(row: list[Any], width: int) -> list[Any]:
    if len(row) == width:
        return row
    return (row + [""] * width)[:width]


def _excel_chunks(
    data: list[list[Any]], columns: list[str], start: int, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    for offset in range(0, len(data), chunk_rows):
        part = data[offset : offset + chunk_rows]
        index = pd.RangeIndex(start + offset, start + offset + len(part))
        frame = pd.DataFrame(part, columns=columns, index=index, dtype=object)
        yield _drop_empty(frame)


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
