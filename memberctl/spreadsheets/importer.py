"""Importing members from a sheet: read, normalise, check, then write in bulk.

One import is one transaction (the caller's), recorded in `import_run` inside it: a failed,
refused or killed import leaves nothing behind, and running it again starts from scratch.
Rows are read in chunks; each chunk is normalised column by column, checked row by row (keys,
duplicates inside the file, existing members) and written with Core executemany. In strict mode
the first rejected row stops the writing (the transaction will be rolled back) but checking goes
on, so one run reports every problem.

Opening points and balance become ledger entries (kind `import`) for new members only, so
re-importing a file with `--on-existing skip` or `update` never adds them twice. A referrer may
name a member further down the file: such a row is held back until the file's end.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session

from memberctl import clock
from memberctl.domain import audit, bulk, fields, import_runs, phones, policy
from memberctl.domain.tiers import TierNames
from memberctl.errors import InvalidInput, RowError
from memberctl.i18n import _, pgettext
from memberctl.spreadsheets import headers, normalize, read, rounded, totals
from memberctl.spreadsheets.rejects import Rejects

ON_EXISTING = ("error", "skip", "update")
MEMBER_REQUIRED = ("name", "phone")
Progress = Callable[[int, int | None], None]


@dataclass
class Options:
    operator: str
    at: dt.datetime
    region: str = "CN"
    on_existing: str = "error"
    skip_invalid: bool = False
    dry_run: bool = False
    sheet: str | None = None
    header_row: int | None = None  # the sheet's header row (1-based); None: found by its names
    mapping: Path | None = None
    errors_path: Path | None = None
    tier_until: dt.date | None = None  # members: the last day an imported tier is kept
    warn: Callable[[str], None] = lambda _text: None
    progress: Progress | None = None


@dataclass
class Report:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    would_insert: int = 0  # what the checks allowed; inserted/updated stay 0 if nothing is written
    would_update: int = 0
    dry_run: bool = False
    discarded: bool = False  # a dry run or a strict refusal: nothing was written
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0
    errors_file: Path | None = None
    header_row: int = 1  # spreadsheet row of the headers
    total_rows: list[int] = field(default_factory=list)  # rows left out as totals (`totals`)

    def result(self) -> dict[str, Any]:
        """The contract's JSON result: exactly these keys. `inserted` and `updated` say what was
        written; `would_insert` and `would_update` what the rows checked would have written (the
        same numbers, unless a dry run or a strict refusal wrote nothing)."""
        return {
            "inserted": self.inserted, "updated": self.updated, "skipped": self.skipped,
            "rejected": self.rejected, "would_insert": self.would_insert,
            "would_update": self.would_update, "dry_run": self.dry_run,
            "errors": [
                {"row": e.row, "column": e.column, "value": e.value, "message": e.message}
                for e in self.errors
            ],
            "header_row": self.header_row, "total_rows": self.total_rows,
        }  # fmt: skip


class Discarded(Exception):  # noqa: N818  (not an error: a dry run or a strict refusal)
    """Raised out of the transaction so that it is rolled back; carries the report."""

    def __init__(self, report: Report) -> None:
        super().__init__(_("import discarded"))
        self.report = report


@contextmanager
def few_collections() -> Iterator[Callable[[], object]]:
    """Pause Python's cyclic garbage collector while rows are imported; the caller calls the
    function yielded after each chunk to collect what that chunk left. An import allocates
    millions of small objects that live for a chunk (and reference counting frees), and the
    collector would otherwise walk every live object again and again: about 12% of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def start(session: Session, kind: str, path: Path, options: Options) -> int:
    return bulk.start_run(
        session, kind=kind, file_name=path.name[:255], file_sha256=sha256(path),
        status="running", operator=options.operator, started_at=options.at,
        options={"on_existing": options.on_existing, "skip_invalid": options.skip_invalid,
                 "dry_run": options.dry_run, "sheet": options.sheet,
                 "header_row": options.header_row},
        marks=import_runs.starting_marks(session),
    )  # fmt: skip


def finish(
    *, session: Session, kind: str, run_id: int, report: Report, rejects: Rejects,
    path: Path, options: Options, began: float,
) -> Report:  # fmt: skip
    """Counts into the report and the run; the errors file; Discarded if nothing may stay."""
    report.rejected = len(rejects)
    report.errors = rejects.sorted_errors()
    report.dry_run = options.dry_run
    report.errors_file = rejects.write(options.errors_path or _default_errors(path, None))
    report.seconds = time.perf_counter() - began
    report.would_insert, report.would_update = report.inserted, report.updated
    if options.dry_run or (report.rejected and not options.skip_invalid):
        report.inserted = report.updated = 0  # the transaction is rolled back: nothing written
        report.discarded = True
        raise Discarded(report)
    bulk.finish_run(
        session, run_id, status="done", rows_total=report.rows, inserted=report.inserted,
        updated=report.updated, skipped=report.skipped, rejected=report.rejected,
        finished_at=options.at,
    )  # fmt: skip
    import_runs.finish_marks(session, run_id)  # what is newer than this import, for `import undo`
    audit.record(
        session=session, operator=options.operator, action=f"import.{kind}", at=options.at,
        details={"file": path.name, "import_run": run_id, "inserted": report.inserted,
                 "updated": report.updated, "skipped": report.skipped,
                 "rejected": report.rejected},
    )  # fmt: skip
    return report


def _default_errors(path: Path, chosen: Path | None) -> Path:
    from memberctl.spreadsheets.rejects import target

    return target(path, chosen)


def check_errors_file(path: Path, options: Options) -> None:
    """Decide the errors file before the sheet is read (rejects.target: exit 2 or 4)."""
    options.errors_path = _default_errors(path, options.errors_path)


def parse_columns(
    frame: pd.DataFrame, columns: headers.ColumnMap, parsers: dict[str, Callable[[Any], Any]],
    rejects: Rejects,
) -> dict[str, list[Any]]:  # fmt: skip
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
    frame: pd.DataFrame, values: dict[str, list[Any]], columns: headers.ColumnMap,
    names: Iterable[str], rejects: Rejects,
) -> None:  # fmt: skip
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
        "name": pgettext("field", "name"), "phone": pgettext("field", "phone"),
        "order_no": pgettext("field", "order no"), "amount": pgettext("field", "amount"),
        "at": pgettext("field", "at"),
    }  # fmt: skip
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


class FirstSeen:
    """Spreadsheet row of each key's first occurrence, to reject duplicates inside a file."""

    def __init__(self) -> None:
        self.rows: dict[Any, int] = {}

    def claim(self, key: Any, row: int) -> int | None:
        """None for a first occurrence, else the row where `key` was first seen."""
        if key is None:
            return None
        first = self.rows.setdefault(key, row)
        return None if first == row else first


# --- members ---------------------------------------------------------------------------------


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


def member_parsers(names: TierNames, region: str) -> dict[str, Callable[[Any], Any]]:
    return {
        "name": normalize.name, "phone": normalize.phone(region), "gender": normalize.gender,
        "birthday": normalize.birthday(clock.today()), "email": normalize.email,
        "address": normalize.text(500, _("the address"), free=True), "tier": normalize.tier(names),
        "points": normalize.points, "balance": normalize.amount,
        "member_no": normalize.member_no, "joined_at": normalize.datetime,
        "store": normalize.text(64, _("the store")), "tags": normalize.tags,
        "referrer": referrer, "status": normalize.status,
    }  # fmt: skip


def import_members(*, session: Session, path: Path, options: Options) -> Report:
    """Import the members of `path`; see the module docstring for the rules."""
    from memberctl.spreadsheets.members import MemberJob

    began = time.perf_counter()
    check_errors_file(path, options)
    mapping = headers.load_mapping(options.mapping, "members")
    sheet = open_sheet(path, options, "members", mapping, MEMBER_REQUIRED)
    columns = headers.resolve(sheet.columns, "members", mapping, MEMBER_REQUIRED,
                              options.header_row)  # fmt: skip
    if columns.unknown:
        options.warn(
            _("ignoring unknown columns: {unknown}").format(unknown=", ".join(columns.unknown))
        )
    run_id = start(session, "members", path, options)
    rejects = Rejects(sheet.columns)
    job = MemberJob(session, options, columns, rejects, run_id, path)
    guard = rounded.Guard(sheet, columns.fields.get("phone"), blank=True)
    job.report.header_row = sheet.header_row
    places, keys = [columns.column("name")], [columns.column("phone"), columns.column("member_no")]
    with few_collections() as collect:
        for chunk in sheet.chunks:
            frame, total_rows = totals.split(chunk, places, keys)
            job.report.total_rows += total_rows
            guard.reject(frame, rejects)
            job.add(frame)
            collect()
            if options.progress:
                options.progress(job.report.rows, sheet.total)
        job.finish()
    return finish(
        session=session, kind="members", run_id=run_id, report=job.report, rejects=rejects,
        path=path, options=options, began=began,
    )  # fmt: skip


def open_sheet(
    path: Path, options: Options, kind: str, mapping: dict[str, str], required: tuple[str, ...]
) -> read.Sheet:
    """The sheet, its header row the one asked for or the first that names `required`."""
    pick = headers.picker(kind, mapping, required)
    return read.open_sheet(path, options.sheet, read.CHUNK_ROWS, pick=pick,
                           header_row=options.header_row)  # fmt: skip


def opening(session: Session, run_id: int, options: Options, path: Path) -> bulk.Opening:
    """How opening points and balance of new members are booked (expiry per the shop policy)."""
    expires = policy.load(session).expiry_for(options.at.date())
    return bulk.Opening(run_id, options.operator, options.at, expires, f"import {path.name}"[:200])
