"""Writing OpenDocument spreadsheets (`.ods`, LibreOffice Calc's own format), streamed.

An .ods is a zip: `mimetype` (stored first, uncompressed), a manifest, styles and
`content.xml`, which holds the cells. `content.xml` is written row by row straight into the
zip entry, so 100,000 members never exist as one document in memory (odfpy would build a tree
of ~1.5 million element objects first).

Cells are typed: text is a string cell (`office:value-type="string"`, never run as a formula,
so a phone or `=1+1` is written as it is, without a visible `'`), numbers are float cells,
dates and times date cells with a date style, booleans boolean cells. A template's blank rows
(`Prepared`) get text-formatted columns and drop-down lists (content validations), as Calc writes
them.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from memberctl.escaping import FORMULA_START

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_BATCH = 2_000  # rows joined into one write
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
    'office:version="1.2"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_STYLES = f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_NS}/>'
_AUTOMATIC = (
    "<office:automatic-styles>"
    '<number:date-style style:name="N_DAY"><number:year number:style="long"/><number:text>-'
    '</number:text><number:month number:style="long"/><number:text>-</number:text>'
    '<number:day number:style="long"/></number:date-style>'
    '<number:date-style style:name="N_TIME"><number:year number:style="long"/><number:text>-'
    '</number:text><number:month number:style="long"/><number:text>-</number:text>'
    '<number:day number:style="long"/><number:text> </number:text>'
    '<number:hours number:style="long"/><number:text>:</number:text>'
    '<number:minutes number:style="long"/><number:text>:</number:text>'
    '<number:seconds number:style="long"/></number:date-style>'
    '<number:text-style style:name="N_TEXT"><number:text-content/></number:text-style>'
    '<number:number-style style:name="N_MONEY"><number:number number:decimal-places="2" '
    'number:min-decimal-places="2" number:min-integer-digits="1"/></number:number-style>'
    '<style:style style:name="day" style:family="table-cell" style:data-style-name="N_DAY"/>'
    '<style:style style:name="text" style:family="table-cell" style:data-style-name="N_TEXT"/>'
    '<style:style style:name="money" style:family="table-cell" style:data-style-name="N_MONEY"/>'
    '<style:style style:name="time" style:family="table-cell" style:data-style-name="N_TIME"/>'
    '<style:style style:name="head" style:family="table-cell">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="wide" style:family="table-column">'
    '<style:table-column-properties style:column-width="1.2in"/></style:style>'
    "</office:automatic-styles>"
)
_EMPTY = "<table:table-cell/>"
_STRING = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
# XML 1.0 allows no control characters but tab, newline and carriage return
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile(r"[&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SPACES = re.compile(r"( {2,})|(\t)|(\r\n|\n|\r)")


Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # name, header, rows


@dataclass(frozen=True)
class Prepared:
    """Blank rows made ready for typing below the first sheet's data (a template): columns
    kept as text (a phone stays as typed) and columns with a drop-down list."""

    rows: int
    text: frozenset[int] = frozenset()
    lists: dict[int, list[str]] = field(default_factory=dict)
    message: str = ""


def write_ods(
    stream: IO[bytes], sheets: Iterable[Sheet], prepared: Prepared | None = None
) -> list[int]:
    """Write `sheets` as one .ods into `stream`; returns each sheet's number of data rows."""
    counts = []
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _MANIFEST)
        archive.writestr("styles.xml", _STYLES)
        with archive.open("content.xml", "w", force_zip64=True) as raw:

            def write(text: str) -> None:
                raw.write(text.encode("utf-8"))

            write(f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NS}>')
            write(_AUTOMATIC + "<office:body><office:spreadsheet>")
            for name, header, rows in sheets:
                if prepared is not None:
                    write(_validations(name, prepared))
                    rows = _with_lists(rows, prepared)
                counts.append(_write_table(write, name, header, rows, prepared))
                prepared = None
            write("</office:spreadsheet></office:body></office:document-content>")
    return counts


def _validations(table: str, prepared: Prepared) -> str:
    """The drop-down lists of `prepared`, one content validation per column."""
    if not prepared.lists:
        return ""
    parts = ["<table:content-validations>"]
    for column, choices in prepared.lists.items():
        listed = ";".join(f'"{choice}"' for choice in choices)
        parts.append(
            f'<table:content-validation table:name="list{column}" table:allow-empty-cell="true" '
            f'table:condition="{_attribute(f"of:cell-content-is-in-list({listed})")}" '
            f'table:display-list="unsorted" table:base-cell-address='
            f'"{_attribute(_address(table, column))}">'
            '<table:error-message table:message-type="stop" table:display="true">'
            f"<text:p>{_text(prepared.message.format(choices=', '.join(choices)))}</text:p>"
            "</table:error-message></table:content-validation>"
        )
    return "".join(parts) + "</table:content-validations>"


def _address(table: str, column: int) -> str:
    letters, number = "", column + 1
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"'{table}'.{letters}2"


def _prepared_cell(column: int, prepared: Prepared) -> str:
    attributes = ""
    if column in prepared.text:
        attributes += ' table:style-name="text"'
    if column in prepared.lists:
        attributes += f' table:content-validation-name="list{column}"'
    return f"<table:table-cell{attributes}/>"


def _with_lists(rows: Iterable[Sequence[Any]], prepared: Prepared) -> Iterable[list[str]]:
    """The rows as cell XML, with the drop-downs and text style on the prepared columns."""
    for row in rows:
        cells = []
        for column, value in enumerate(row):
            xml = cell(value)
            extra = _prepared_cell(column, prepared)[len("<table:table-cell") : -2]
            cells.append(xml.replace("<table:table-cell", "<table:table-cell" + extra, 1))
        yield [_Raw(c) for c in cells]


class _Raw(str):
    """Cell XML already made."""

    __slots__ = ()


def _write_table(
    write: Any,
    name: str,
    header: Sequence[str],
    rows: Iterable[Any],
    prepared: Prepared | None = None,
) -> int:
    write(f'<table:table table:name="{_attribute(name)}">')
    write(
        f'<table:table-column table:style-name="wide" '
        f'table:number-columns-repeated="{max(len(header), 1)}"/>'
    )
    head = "".join(
        f'<table:table-cell table:style-name="head" office:value-type="string">'
        f"<text:p>{_text(str(cell))}</text:p></table:table-cell>"
        for cell in header
    )
    write(f"<table:table-row>{head}</table:table-row>")
    count, batch = 0, []
    for row in rows:
        batch.append("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>")
        count += 1
        if len(batch) == _BATCH:
            write("".join(batch))
            batch = []
    if prepared is not None and prepared.rows > count:
        width = max(len(header), 1)
        blank = "".join(_prepared_cell(column, prepared) for column in range(width))
        batch.append(
            f'<table:table-row table:number-rows-repeated="{prepared.rows - count}">'
            f"{blank}</table:table-row>"
        )
    write("".join(batch) + "</table:table>")
    return count


def cell(value: Any) -> str:
    """One `<table:table-cell>` for a value of any of the types written."""
    if type(value) is _Raw:
        return value
    if value is None or value == "":
        return _EMPTY
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        word = "true" if value else "false"
        return (
            f'<table:table-cell office:value-type="boolean" office:boolean-value="{word}">'
            f"<text:p>{word.upper()}</text:p></table:table-cell>"
        )
    if isinstance(value, Decimal):  # money: shown with two decimals, as workbook.FORMATS
        return (
            f'<table:table-cell table:style-name="money" office:value-type="float" '
            f'office:value="{value}"><text:p>{value:.2f}</text:p></table:table-cell>'
        )
    if isinstance(value, int | float):
        text = str(value)
        return (
            f'<table:table-cell office:value-type="float" office:value="{text}">'
            f"<text:p>{text}</text:p></table:table-cell>"
        )
    if isinstance(value, dt.datetime):
        stamp = value.replace(tzinfo=None).isoformat(timespec="seconds")
        return (
            f'<table:table-cell table:style-name="time" office:value-type="date" '
            f'office:date-value="{stamp}"><text:p>{stamp.replace("T", " ")}</text:p>'
            "</table:table-cell>"
        )
    if isinstance(value, dt.date):
        day = value.isoformat()
        return (
            f'<table:table-cell table:style-name="day" office:value-type="date" '
            f'office:date-value="{day}"><text:p>{day}</text:p></table:table-cell>'
        )
    return _string(str(value))


def _string(value: str) -> str:
    """A string cell: never a formula, so no `'` is added; only text that already starts with
    `'` before a formula character gets one more (import removes exactly one, as for .xlsx)."""
    if value[:1] == "'" and value.lstrip("'").startswith(FORMULA_START):
        value = "'" + value
    return _STRING.format(_text(value))


def _text(value: str) -> str:
    """Text for a `<text:p>`: escaped, and the white space ODF would collapse kept (runs of
    spaces as `<text:s>`, tabs; each line its own paragraph); a leading space too."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    if _SPECIAL.search(value):
        value = _SPECIAL.sub(lambda m: _ENTITIES[m.group()], value)
    if value[:1] == " ":
        value = "<text:s/>" + value[1:]
    if "  " in value or "\t" in value or "\n" in value or "\r" in value:
        value = _SPACES.sub(_space, value)
    return value


def _space(match: re.Match[str]) -> str:
    spaces, tab, _newline = match.groups()
    if spaces:
        return f' <text:s text:c="{len(spaces) - 1}"/>'
    return "<text:tab/>" if tab else "</text:p><text:p>"  # a line per paragraph, as Calc does


def _attribute(value: str) -> str:
    value = _SPECIAL.sub(lambda m: _ENTITIES[m.group()], _CONTROL.sub("", value))
    return value.replace('"', "&quot;")
