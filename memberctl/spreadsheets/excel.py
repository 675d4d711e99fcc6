"""Excel files read raw: the limits checked before a sheet is read, and the read itself, which
may start on a thread (`read_ahead`) while the rest of the program loads.

No pandas here: `memberctl import` calls `read_ahead` before it imports pandas and SQLAlchemy
(about half a second), and calamine, which lets go of the GIL while it unzips and parses,
reads the sheet in the meantime. `sheet_rows` then takes that result, or reads now.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from memberctl.errors import InvalidInput, NotFound, UsageProblem
from memberctl.i18n import _

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
ODS_SUFFIXES = (".ods",)  # LibreOffice's own format; calamine reads it like an .xlsx
SHEET_SUFFIXES = (*EXCEL_SUFFIXES, *ODS_SUFFIXES)  # read by calamine, ahead of time too
Rows = tuple[str, list[list[Any]]]  # the sheet's name and its cells, row by row


class _Ahead(threading.Thread):
    """One sheet read on a thread. Not a daemon: calamine must not be cut off mid-read when
    the interpreter exits (a command that fails early waits for the read to end)."""

    def __init__(self, key: tuple[Any, ...], path: Path, sheet: str | None) -> None:
        super().__init__(name="memberctl-read-ahead")
        self.key, self.path, self.sheet = key, path, sheet
        self.rows: Rows | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.rows = _read(self.path, self.sheet)
        except Exception as exc:  # noqa: BLE001  (handed to the caller of sheet_rows)
            self.error = exc


_ahead: _Ahead | None = None


def _key(path: Path, sheet: str | None) -> tuple[Any, ...] | None:
    """What the file is now: a read ahead is used only if the file has not changed since."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), sheet, info.st_ino, info.st_size, info.st_mtime_ns)


def read_ahead(path: Path, sheet: str | None) -> None:
    """Start reading an Excel file's sheet on a thread; anything else is left alone."""
    global _ahead
    if path.suffix.lower() not in SHEET_SUFFIXES or not path.is_file():
        return
    key = _key(path, sheet)
    if key is None:
        return
    _ahead = _Ahead(key, path, sheet)
    _ahead.start()


def sheet_rows(path: Path, sheet: str | None) -> Rows:
    """The sheet's name and rows (the named sheet, else the first with data): what
    `read_ahead` read if it was this file, unchanged, else read now. Errors as `_read`."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None:
        ahead.join()
        if ahead.key == _key(path, sheet):
            if ahead.error is not None:
                raise ahead.error
            assert ahead.rows is not None
            return ahead.rows
    return _read(path, sheet)


def _read(path: Path, sheet: str | None) -> Rows:
    from python_calamine import CalamineError, CalamineWorkbook

    suffix = path.suffix.lower()
    if suffix == ".xls":
        check_xls_limit(path)
    elif suffix in ODS_SUFFIXES:
        check_ods_limits(path)
    else:
        check_xlsx_limits(path)
    try:
        return _sheet_rows(CalamineWorkbook.from_path(str(path)), sheet)
    except CalamineError as exc:
        raise InvalidInput(
            _("cannot read '{name}': {exc}").format(name=path.name, exc=exc),
            _("is it really a spreadsheet?"),
        ) from None


# Limits that keep a hostile or broken .xlsx from exhausting memory: a zip bomb (a small file
# whose sheet XML expands to gigabytes) and a sparse sheet (a cell at XFD1048576 makes the reader
# allocate the whole rectangle, 17 billion cells). Both are checked before the sheet is read.
MAX_SHEET_MB_ENV, MAX_CELLS_ENV = "MEMBERCTL_MAX_SHEET_MB", "MEMBERCTL_MAX_CELLS"
MAX_SHEET_MB = 1024  # uncompressed size of everything in the .xlsx; the size of an .xls
MAX_CELLS = 20_000_000  # rows x columns of a sheet's used rectangle (1M rows x 20 columns)
# What zipfile raises on a damaged archive: bad headers or data, a CRC or size mismatch, an
# unsupported version or compression method (NotImplementedError), encryption (RuntimeError).
DAMAGED = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
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


def check_xls_limit(path: Path) -> None:
    """Refuse an .xls bigger than the limit: not compressed, the file is what gets read. Its
    rectangle is bounded by the format itself (65,536 rows x 256 columns)."""
    max_mb = _limit(MAX_SHEET_MB_ENV, MAX_SHEET_MB)
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise InvalidInput(
            _("'{file}' is {size} MB, over the limit of {limit} MB").format(
                file=path.name, size=size // (1024 * 1024), limit=max_mb
            ),
            _("save it as .xlsx or .csv and split it, or raise the limit with {env}").format(
                env=MAX_SHEET_MB_ENV
            ),
        )


def _check_unpacked(path: Path, infos: list[Any]) -> None:
    max_mb = _limit(MAX_SHEET_MB_ENV, MAX_SHEET_MB)
    size = sum(info.file_size for info in infos)
    if size > max_mb * 1024 * 1024:
        raise InvalidInput(
            _("'{file}' unpacks to {size} MB, over the limit of {limit} MB").format(
                file=path.name, size=size // (1024 * 1024), limit=max_mb
            ),
            _("split the sheet, or raise the limit with {env}").format(env=MAX_SHEET_MB_ENV),
        )


def check_xlsx_limits(path: Path) -> None:
    """Refuse an .xlsx whose uncompressed size or any sheet's used rectangle is over the limit."""
    for archive, info, max_cells in _zip_parts(path):
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            _check_cells(path, archive, info, max_cells)


def _zip_parts(path: Path) -> Iterator[tuple[zipfile.ZipFile, zipfile.ZipInfo, int]]:
    """Each part of the zip at `path` with the cell limit, once its unpacked size is checked;
    nothing when it is not a zip at all (calamine says so in its own words)."""
    try:
        archive = zipfile.ZipFile(path)
    except DAMAGED:
        return
    with archive:
        infos = archive.infolist()
        _check_unpacked(path, infos)
        max_cells = _limit(MAX_CELLS_ENV, MAX_CELLS)
        for info in infos:
            yield archive, info, max_cells


# An .ods repeats a row or cell with table:number-rows-repeated / number-columns-repeated: a
# few bytes can declare a million rows. Only a file with a large repeat is walked tag by tag.
_BIG_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="[0-9]{3,}"')
_ODS_TAG = re.compile(
    rb"<table:(table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>|</table:(table-row|table)>"
)
_ROW_END = re.compile(rb"(</table:table-row>|</table:table>)")
_REPEATS = re.compile(rb'number-(?:rows|columns)-repeated="([0-9]{1,12})"')


def check_ods_limits(path: Path) -> None:
    """Refuse an .ods whose uncompressed size or any sheet's used rectangle (up to its last
    cell holding a value, repeats counted) is over the limit, as `check_xlsx_limits`."""
    for archive, info, max_cells in _zip_parts(path):
        if info.filename == "content.xml":
            try:
                rows, columns = _ods_rectangle(archive, info)
            except DAMAGED as exc:
                raise _damaged(path, info, exc) from None
            _check_rectangle(path, rows, columns, max_cells)


def _ods_rectangle(archive: Any, info: Any) -> tuple[int, int]:
    """The largest used rows x columns of any table in content.xml (to its last cell holding
    a value); (0, 0) when no repeat is large: a dense sheet is bounded by the size limit.

    Row by row: a row without repeats is counted with `bytes.count` (its cells, if any holds
    a value: at most a few trailing empty cells too many); only a row with a repeat, and
    anything between rows, is walked tag by tag."""
    if not any(_BIG_REPEAT.search(piece) for piece in _chunks(archive, info)):
        return 0, 0
    walk = _OdsWalk()
    rest = b""
    for at, piece in enumerate(_chunks(archive, info)):
        text = rest + (piece[32:] if at else piece)  # _chunks' pieces overlap by 32 bytes
        parts = _ROW_END.split(text)
        rest = parts.pop()  # after the last row or table end: read with the next piece
        for segment, end in zip(parts[::2], parts[1::2], strict=True):
            _walk_segment(walk, segment, end)
    return walk.result()


def _walk_segment(walk: _OdsWalk, segment: bytes, end: bytes) -> None:
    """What comes before one `</table:table-row>` (or `</table:table>`), then that end tag."""
    start = max(segment.rfind(b"<table:table-row "), segment.rfind(b"<table:table-row>"))
    if end == b"</table:table>" or start < 0:
        for match in _ODS_TAG.finditer(segment):
            walk.tag(*match.groups())
        walk.tag(None, None, end[8:-1])
        return
    head, row = segment[:start], segment[start:]
    if b"<table:table-row" in head:  # self-closing rows before this one
        for match in _ODS_TAG.finditer(head):
            walk.tag(*match.groups())
    if b"repeated=" in row:
        for match in _ODS_TAG.finditer(row):
            walk.tag(*match.groups())
    else:
        walk.tag(b"table-row", b"", None)
        if b"value-type=" in row or b"<text:p" in row:
            walk.column = row.count(b"<table:table-cell") + row.count(b"<table:covered-table-cell")
            walk.used_columns = max(walk.used_columns, walk.column)
            walk.filled = True
    walk.tag(None, None, b"table-row")


class _OdsWalk:
    """Rows and cells of content.xml counted with their repeats, table by table."""

    def __init__(self) -> None:
        self.best = (0, 0)
        self.row = self.used_rows = self.used_columns = 0
        self.repeat, self.column, self.filled = 1, 0, False

    def tag(self, kind: bytes | None, attributes: bytes | None, closing: bytes | None) -> None:
        if closing == b"table":
            self.best = self.result()
            self.row = self.used_rows = self.used_columns = 0
        elif closing == b"table-row":
            self._end_row()
        else:
            found = _REPEATS.search(attributes or b"")
            count = int(found.group(1)) if found else 1
            empty = (attributes or b"").endswith(b"/")
            if kind == b"table-row":
                self.repeat, self.column, self.filled = count, 0, False
                if empty:
                    self._end_row()
            else:
                self.column += count
                if not empty or b"value-type=" in (attributes or b""):
                    self.used_columns = max(self.used_columns, self.column)
                    self.filled = True

    def _end_row(self) -> None:
        self.row += self.repeat
        if self.filled:
            self.used_rows = self.row
        self.repeat, self.filled = 1, False

    def result(self) -> tuple[int, int]:
        rows, columns = self.best
        return max(rows, self.used_rows), max(columns, self.used_columns)


def _check_cells(path: Path, archive: Any, info: Any, max_cells: int) -> None:
    try:
        rows, columns = _used_rectangle(archive, info, max_cells)
    except DAMAGED as exc:
        raise _damaged(path, info, exc) from None
    _check_rectangle(path, rows, columns, max_cells)


def _damaged(path: Path, info: Any, exc: Exception) -> InvalidInput:
    return InvalidInput(
        _("cannot read '{file}': {entry} is damaged ({exc})").format(
            file=path.name, entry=info.filename, exc=exc
        ),
        _("is it really a spreadsheet?"),
    )


def _check_rectangle(path: Path, rows: int, columns: int, max_cells: int) -> None:
    if rows * columns > max_cells:
        raise InvalidInput(
            _(
                "'{file}' has a sheet of {rows} rows x {columns} columns, over the limit of "
                "{limit} cells"
            ).format(file=path.name, rows=rows, columns=columns, limit=max_cells),
            _("delete the unused rows and columns, or raise the limit with {env}").format(
                env=MAX_CELLS_ENV
            ),
        )


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
    )
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
        if any(filled(row) for row in rows):
            return name, rows
    return (names[0] if names else "?"), []


def filled(row: list[Any]) -> bool:
    return any(cell not in ("", None) for cell in row)
