"""What an import is asked (`Options`), what it answers (`Report`), and the shapes it reads.

The import rules work on plain rows: `(row number, {field: value})`, the values already
normalised (a phone in E.164, an amount as Decimal...). Where the rows come from is a `Source`
(memberctl.spreadsheets reads them from a file); rejected rows go to its `Rejections`, named by
row and field. `RowErrors` is the plain `Rejections` the domain tests use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from memberctl.domain.tiers import TierNames
from memberctl.errors import RowError
from memberctl.i18n import _

ON_EXISTING = ("error", "skip", "update")
Row = tuple[int, dict[str, Any]]  # (row number in the source, normalised fields)


@dataclass
class Options:
    operator: str
    at: dt.datetime
    region: str = "CN"
    on_existing: str = "error"
    skip_invalid: bool = False
    dry_run: bool = False
    tier_until: dt.date | None = None  # members: the last day an imported tier is kept
    add_stores: bool = False  # register the stores the file names that are not registered


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
    total_rows: list[int] = field(default_factory=list)  # rows left out as totals
    stores_added: list[str] = field(default_factory=list)  # --add-stores: the codes registered

    def result(self) -> dict[str, Any]:
        """The contract's JSON result: exactly these keys. `inserted` and `updated` say what was
        written; `would_insert` and `would_update` what the rows checked would have written (the
        same numbers, unless a dry run or a strict refusal wrote nothing)."""
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "would_insert": self.would_insert,
            "would_update": self.would_update,
            "dry_run": self.dry_run,
            "errors": [
                {"row": e.row, "column": e.column, "value": e.value, "message": e.message}
                for e in self.errors
            ],
            "header_row": self.header_row,
            "total_rows": self.total_rows,
        }


class Discarded(Exception):  # noqa: N818  (not an error: a dry run or a strict refusal)
    """Raised out of the transaction so that it is rolled back; carries the report."""

    def __init__(self, report: Report) -> None:
        super().__init__(_("import discarded"))
        self.report = report


class Rejections(Protocol):
    """Where rejected rows go. `field` names the field at fault (None: the whole row)."""

    def reject(self, row: int, field: str | None, message: str) -> None: ...

    def hold(self, row: int) -> None:
        """The row waits past its batch (a referrer further down); it may be rejected later."""

    def sorted_errors(self) -> list[RowError]: ...

    def __contains__(self, row: object) -> bool: ...

    def __len__(self) -> int: ...


class Source(Protocol):
    """Rows to import, batch by batch, and what the run records about where they came from."""

    name: str  # the file name
    sha256: str
    fields: frozenset[str]  # the fields the source has a column for
    settings: dict[str, Any]  # how it was read (sheet, header row), recorded with the run
    header_row: int
    total_rows: list[int]

    @property
    def rejections(self) -> Rejections: ...

    def batches(self, tiers: TierNames | None) -> Iterator[list[Row]]:
        """Normalised rows, a batch at a time; cells that do not parse are already rejected.
        `tiers` names the tiers a tier cell may give (members)."""

    def write_errors(self) -> Path | None:
        """The rejected rows written out beside the source, if any."""


@dataclass
class RowErrors:
    """Rejections kept as RowError(row, field, None, message): rows without a file."""

    errors: list[RowError] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)

    def reject(self, row: int, field: str | None, message: str) -> None:
        self.errors.append(RowError(row, field, None, message))
        self.rows.add(row)

    def hold(self, row: int) -> None:
        self.held.add(row)

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.row or 0)

    def __contains__(self, row: object) -> bool:
        return row in self.rows

    def __len__(self) -> int:
        return len(self.rows)


class FirstSeen:
    """Row of each key's first occurrence, to reject duplicates inside a source."""

    def __init__(self) -> None:
        self.rows: dict[Any, int] = {}

    def claim(self, key: Any, row: int) -> int | None:
        """None for a first occurrence, else the row where `key` was first seen."""
        if key is None:
            return None
        first = self.rows.setdefault(key, row)
        return None if first == row else first
