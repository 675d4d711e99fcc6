"""Everything memberctl prints goes through here.

stdout carries data only (a table, one JSON document, or CSV); messages, warnings and progress
go to stderr.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from memberctl.i18n import _, current

console = Console(soft_wrap=False)
err_console = Console(stderr=True)


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # How a value reads in a table (national phone numbers, joined tags); JSON and CSV keep data.
    show: Callable[[Any], str] | None = None
    justify: str = "left"
    no_wrap: bool = False
    min_width: int | None = None
    # "status", "tier", "gender", "kind" or "segment": in a Chinese table the value is shown in
    # the shop's words (正常, 金卡会员, 男; cli/_words.py); None: by the key (`WORDS_BY_KEY`).
    # English tables, JSON and CSV show the codes.
    words: str | None = None


WORDS_BY_KEY = {
    "status": "status", "state": "status", "gender": "gender", "tier": "tier",
    "tier_code": "tier", "from_tier": "tier", "to_tier": "tier", "next_tier": "tier",
    "kind": "kind", "action": "kind", "type": "kind", "segment": "segment",
}  # fmt: skip


def plain(value: Any) -> Any:
    """JSON-ready data: money as "12.50", dates as ISO strings, dataclasses as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        from memberctl.domain import money

        return money.format(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def emit(
    data: Any,
    fmt: Format,
    columns: Sequence[Column] | None = None,
    *,
    title: str | None = None,
) -> None:
    """Print a record (dict or dataclass) or a list of them in the chosen format."""
    if fmt == Format.json:
        sys.stdout.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")
    elif fmt == Format.csv:
        _emit_csv(data, columns)
    elif isinstance(data, list):
        _emit_table(data, columns, title)
    else:
        _emit_record(data, columns, title)


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def _keys(items: list[Any], columns: Sequence[Column] | None) -> list[str]:
    if columns:
        return [c.key for c in columns]
    if not items:
        return []
    first = plain(items[0])
    return list(first) if isinstance(first, dict) else []


def _show(column: Column, item: Any) -> str:
    raw = _get(item, column.key)
    if column.show is not None and raw is not None:
        return column.show(raw)
    if current() == "en" and column.words != "metric":  # a metric reads as words in English too
        return _cell(plain(raw))
    if isinstance(raw, bool):
        return _("yes") if raw else _("no")
    text = _cell(plain(raw))
    kind = column.words or WORDS_BY_KEY.get(column.key)
    if not text or kind is None:
        return text
    from memberctl.cli._words import in_words

    return in_words(kind, text, _tier_names() if kind == "tier" else {})


def _tier_names() -> dict[str, str]:
    """Tier code -> name from this invocation's database (AppContext caches it)."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    names = getattr(ctx.find_root().obj, "tier_names", None) if ctx is not None else None
    return names() if names is not None else {}


def _emit_csv(data: Any, columns: Sequence[Column] | None) -> None:
    from memberctl.spreadsheets.escaping import escape_cell  # formulas never run when opened

    items = data if isinstance(data, list) else [data]
    keys = _keys(items, columns)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(keys)
    for item in items:
        writer.writerow([escape_cell(_cell(plain(_get(item, k)))) for k in keys])


def _unnamed(keys: list[str]) -> list[Column]:
    """Columns for data shown without named ones: the keys in words ("Points balance", 积分)."""
    from memberctl.cli._words import key_labels

    labels = key_labels()
    words = {k: labels.get(k, k.replace("_", " ")) for k in keys}
    return [Column(k, words[k][:1].upper() + words[k][1:]) for k in keys]


def _emit_table(items: list[Any], columns: Sequence[Column] | None, title: str | None) -> None:
    cols = list(columns) if columns else _unnamed(_keys(items, None))
    table = Table(
        title=title,
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        # one space between columns on a narrow (80-column) terminal, two on a wider one
        padding=(0, 0) if console.width < 100 else (0, 1),
    )
    for column in cols:
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.no_wrap,
            min_width=column.min_width,
        )  # type: ignore[arg-type]
    for item in items:
        table.add_row(*(_show(c, item) for c in cols))
    console.print(table)
    if not items:
        err_console.print(_("(none)"))


def _emit_record(item: Any, columns: Sequence[Column] | None, title: str | None) -> None:
    cols = list(columns) if columns else _unnamed(_keys([item], None))
    table = Table(title=title, show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    for column in cols:
        table.add_row(column.header, _show(column, item))
    console.print(table)


def message(text: str) -> None:
    """A human message (never data): stderr, so stdout stays machine-readable."""
    err_console.print(text, highlight=False)
