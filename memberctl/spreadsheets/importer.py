"""A sheet as the rows of an import: read, find the headers, normalise cells into plain rows.

`member_sheet(path, options, region)` and `purchase_sheet(...)` open the file (its headers found
by their names, or on the row asked), check where the errors file goes before anything is read,
and return a `SheetSource`: what memberctl.domain.imports reads its rows from. Rows come in
chunks; each chunk has its total rows left out (`totals`), its phone cells that a spreadsheet
rounded refused (`rounded`), and its columns normalised once per distinct value
(`normalize.by_value`); a cell that does not parse, or an empty required field, rejects the row
here. The import rules (keys, duplicates, existing members, statuses) are the domain's.

Rejected rows keep their cells as they were read, for the errors file (`rejects`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from memberctl import clock, collector
from memberctl.domain import fields, phones
from memberctl.domain.tiers import TierNames
from memberctl.errors import InvalidInput
from memberctl.i18n import _, pgettext
from memberctl.spreadsheets import headers, normalize, read, rounded, totals
from memberctl.spreadsheets.rejects import Rejects, SheetRejections, target

MEMBER_REQUIRED = ("name", "phone")
PURCHASE_REQUIRED = ("order_no", "amount", "at")
Progress = Callable[[int, int | None], None]
Parsers = dict[str, Callable[[Any], Any]]
Row = tuple[int, dict[str, Any]]


@dataclass
class SheetOptions:
    sheet: str | None = None
    header_row: int | None = None  # the sheet's header row (1-based); None: found by its names
    mapping: Path | None = None
    errors_path: Path | None = None
    warn: Callable[[str], None] = lambda _text: None
    progress: Progress | None = None


class SheetSource:
    """One sheet's rows for an import (memberctl.domain.imports.report.Source)."""

    def __init__(
        self,
        path: Path,
        sheet: read.Sheet,
        columns: headers.ColumnMap,
        options: SheetOptions,
        parsers: Callable[[TierNames | None], Parsers],
        kind: str,
    ) -> None:
        self.path, self.sheet, self.columns, self.options = path, sheet, columns, options
        self.kind, self._parsers = kind, parsers
        self.name = path.name
        self.sha256 = sha256(path)
        self.fields = frozenset(columns.fields)
        self.settings = {"sheet": options.sheet, "header_row": options.header_row}
        self.header_row = sheet.header_row
        self.total_rows: list[int] = []
        self.rejects = Rejects(sheet.columns)
        self.rejections = SheetRejections(self.rejects, columns)
        self.required = MEMBER_REQUIRED if kind == "members" else PURCHASE_REQUIRED

    def batches(self, tiers: TierNames | None) -> Iterator[list[Row]]:
        parsers = self._parsers(tiers)
        members = self.kind == "members"
        guard = rounded.Guard(self.sheet, self.columns.fields.get("phone"), blank=members)
        places = [self.columns.column("name")] if members else []
        keys = [self.columns.column("phone"), self.columns.column("member_no")]
        done = 0
        with collector.paused() as collect:
            for chunk in self.sheet.chunks:
                frame, total_rows = totals.split(chunk, places, keys)
                self.total_rows += total_rows
                guard.reject(frame, self.rejects)
                self.rejections.frame = frame
                yield self._rows(frame, parsers)
                collect()
                done += len(frame)
                if self.options.progress:
                    self.options.progress(done, self.sheet.total)

    def _rows(self, frame: pd.DataFrame, parsers: Parsers) -> list[Row]:
        values = parse_columns(frame, self.columns, parsers, self.rejects)
        require(frame, values, self.columns, self.required, self.rejects)
        keys = list(values)
        records = [
            dict(zip(keys, cells, strict=True)) for cells in zip(*values.values(), strict=True)
        ]
        return list(zip(frame.index.tolist(), records, strict=True))

    def write_errors(self) -> Path | None:
        return self.rejects.write(self.options.errors_path or target(self.path, None))


def member_sheet(path: Path, options: SheetOptions, region: str) -> SheetSource:
    """The members sheet of `path` (name and phone columns required)."""

    def parsers(tiers: TierNames | None) -> Parsers:
        return member_parsers(tiers or TierNames(()), region)

    return _source(path, options, "members", MEMBER_REQUIRED, parsers)


def purchase_sheet(path: Path, options: SheetOptions, region: str) -> SheetSource:
    """The purchases sheet of `path`: order number, amount, time, and a member column."""

    def parsers(_tiers: TierNames | None) -> Parsers:
        return purchase_parsers(region)

    return _source(path, options, "purchases", PURCHASE_REQUIRED, parsers)


def _source(
    path: Path,
    options: SheetOptions,
    kind: str,
    required: tuple[str, ...],
    parsers: Callable[[TierNames | None], Parsers],
) -> SheetSource:
    options.errors_path = target(path, options.errors_path)  # exit 2 or 4 before reading
    mapping = headers.load_mapping(options.mapping, kind)
    pick = headers.picker(kind, mapping, required)
    sheet = read.open_sheet(
        path, options.sheet, read.CHUNK_ROWS, pick=pick, header_row=options.header_row
    )
    columns = headers.resolve(sheet.columns, kind, mapping, required, options.header_row)
    if kind == "purchases" and not {"phone", "member_no"} & set(columns.fields):
        raise InvalidInput(
            _("no column for the member: give a phone (手机号) or member number (会员卡号) column"),
            _("or map one with --mapping FILE.toml"),
        )
    if columns.unknown:
        options.warn(
            _("ignoring unknown columns: {unknown}").format(unknown=", ".join(columns.unknown))
        )
    return SheetSource(path, sheet, columns, options, parsers, kind)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_columns(
    frame: pd.DataFrame, columns: headers.ColumnMap, parsers: Parsers, rejects: Rejects
) -> dict[str, list[Any]]:
    """Every mapped column parsed once per distinct value; bad cells are rejected, and so are
    the rows the reader found with more fields than the header (`read._exact_chunks`)."""
    for row, reason in frame.attrs.get("wide", {}).items():
        rejects.add(frame, row, None, reason)
    index = frame.index.tolist()
    values: dict[str, list[Any]] = {}
    for name, parse in parsers.items():
        source = columns.fields.get(name)
        if source is None:
            values[name] = [normalize.blank_value(parse)] * len(index)
            continue
        values[name], problems = normalize.by_value(frame[source], parse)
        for position in [i for i, p in enumerate(problems) if p is not None]:
            rejects.add(frame, index[position], source, problems[position] or "")
    return values


def require(
    frame: pd.DataFrame,
    values: dict[str, list[Any]],
    columns: headers.ColumnMap,
    names: Iterable[str],
    rejects: Rejects,
) -> None:
    """Reject rows where a required field is empty (and was not already rejected for it)."""
    index = frame.index.tolist()
    flagged = _flagged(rejects, set(index))
    for name in names:
        source = columns.column(name)
        message = _("{replace} is empty").format(replace=field_label(name))  # once per column
        for position, value in enumerate(values[name]):
            row = index[position]
            if value is None and (row, source) not in flagged:
                rejects.add(frame, row, source, message)


def field_label(name: str) -> str:
    """A required field as a person calls it: `order_no` -> "order no" (订单号)."""
    labels = {
        "name": pgettext("field", "name"),
        "phone": pgettext("field", "phone"),
        "order_no": pgettext("field", "order no"),
        "amount": pgettext("field", "amount"),
        "at": pgettext("field", "at"),
    }
    return labels.get(name, name.replace("_", " "))


def _flagged(rejects: Rejects, rows: set[int]) -> set[tuple[int, str | None]]:
    """(row, column) of every error already given to `rows`, the rows of the chunk at hand:
    their errors are the last ones added (a chunk is checked whole before the next is read)."""
    flagged = set()
    for error in reversed(rejects.errors):
        if error.row not in rows:
            break
        flagged.add((error.row, error.column))
    return flagged


def referrer(raw: Any) -> tuple[str | None, str | None] | None:
    """A referrer cell as (member number, E.164 phone) candidates; either may be None."""
    text = normalize.cell_text(raw)
    if not text:
        return None
    number = _try(fields.parse_member_no, text)
    phone = phones.try_parse(text)
    if number is None and phone is None:
        raise InvalidInput(
            _("referrer '{text}' is neither a member number nor a phone number").format(text=text),
            _("give the referring member's number (M000001) or phone, or leave it empty"),
        )
    return number, phone


def _try(parse: Callable[[str], Any], text: str) -> Any:
    try:
        return parse(text)
    except InvalidInput:
        return None


def member_parsers(names: TierNames, region: str) -> Parsers:
    return {
        "name": normalize.name,
        "phone": normalize.phone(region),
        "gender": normalize.gender,
        "birthday": normalize.birthday(clock.today()),
        "email": normalize.email,
        "address": normalize.text(500, _("the address"), free=True),
        "tier": normalize.tier(names),
        "points": normalize.points,
        "balance": normalize.amount,
        "member_no": normalize.member_no,
        "joined_at": normalize.datetime,
        "store": normalize.text(64, _("the store")),
        "tags": normalize.tags,
        "referrer": referrer,
        "status": normalize.status,
    }


def purchase_parsers(region: str) -> Parsers:
    return {
        "phone": normalize.phone(region),
        "member_no": normalize.member_no,
        "order_no": normalize.text(64, _("the order number")),
        "amount": normalize.amount,
        "at": normalize.datetime,
        "store": normalize.text(64, _("the store")),
        "category": normalize.text(64, _("the category")),
    }
