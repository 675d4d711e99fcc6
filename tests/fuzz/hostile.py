"""Hostile .xlsx files built byte by byte: a zip bomb, an entry larger than its header says,
a billion-laughs entity bomb, a cell far out in the sheet. Shared by the tests and fuzz/."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"
ROW = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"


def laughs(levels: int = 9) -> bytes:
    """The classic billion laughs: 10**levels copies of "lol" from a few hundred bytes."""
    lines = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels + 1):
        lines.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n' + "\n".join(lines).encode() + b"\n]>\n"
        b"<worksheet "
        + NS
        + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + f"&lol{levels};".encode()
        + b"</t></is></c></row></sheetData></worksheet>"
    )


def sheet_xml(rows: bytes, dimension: str = "A1") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ' + NS + b">"
        b'<dimension ref="'
        + dimension.encode()
        + b'"/><sheetData>'
        + rows
        + b"</sheetData></worksheet>"
    )


def cell(ref: str, text: str, row: int | None = None) -> bytes:
    row_number = row if row is not None else int("".join(c for c in ref if c.isdigit()))
    return (
        f'<row r="{row_number}"><c t="inlineStr" r="{ref}"><is><t>{text}</t></is></c></row>'
    ).encode()


class Entry:
    """One zip member as raw deflate data, with the sizes and CRC its headers will claim."""

    def __init__(self, name: str, data: bytes = b"") -> None:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.name, self.raw = name, packer.compress(data) + packer.flush()
        self.crc, self.size = zlib.crc32(data), len(data)

    @classmethod
    def bomb(cls, name: str, prefix: bytes, repeat: bytes, times: int, suffix: bytes) -> Entry:
        """`prefix + repeat * times + suffix` deflated in a second, whatever the size: each
        piece ends in a full flush, so the compressed `repeat` can itself be repeated."""
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
        body = packer.compress(repeat) + packer.flush(zlib.Z_FULL_FLUSH)
        tail = packer.compress(suffix) + packer.flush()
        entry = cls(name)
        entry.raw = head + body * times + tail
        crc = zlib.crc32(prefix)
        for _ in range(times):
            crc = zlib.crc32(repeat, crc)
        entry.crc = zlib.crc32(suffix, crc)
        entry.size = len(prefix) + len(repeat) * times + len(suffix)
        return entry


def write_zip(path: Path, entries: list[Entry]) -> Path:
    """A plain (non-zip64) archive of already-deflated entries, headers exactly as given."""
    local, central = bytearray(), bytearray()
    for entry in entries:
        name = entry.name.encode()
        fields = (20, 0, 8, 0, 0x21, entry.crc, len(entry.raw), entry.size, len(name), 0)
        central += struct.pack("<IH", 0x02014B50, 20)
        central += struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, len(local)) + name
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + entry.raw
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def replace_sheet(
    good: Path, path: Path, sheet: Entry, other: dict[str, bytes] | None = None
) -> Path:
    """`good` (an .xlsx with one sheet) with its sheet, and optionally other members, replaced."""
    with zipfile.ZipFile(good) as book:
        entries = [
            sheet
            if info.filename == SHEET
            else Entry(info.filename, (other or {}).get(info.filename, book.read(info.filename)))
            for info in book.infolist()
        ]
    return write_zip(path, entries)
