"""Everything memberctl prints goes through here.

stdout carries data only (a table, one JSON document, or CSV); messages, warnings and progress
go to stderr.

Stored text reaches the terminal literally and harmlessly: table cells, titles and messages are
never read as rich markup (a member named `Bob [/]` is shown as typed), and control characters,
line separators and bidi controls are shown as escapes (`\x1b`, `\n`, `\u202e`) by `visible`,
so a name cannot clear the screen, forge a line or reverse the text after it. JSON and CSV keep
the data as stored. A table too wide for the terminal wraps its text columns and, if that is not
enough, leaves out its least important columns (saying so on stderr); identifiers, dates and
numbers are never cut.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from memberctl.i18n import _, current, pgettext

# Nothing printed is read as rich markup or emoji codes (`[/]`, `:smile:`), nor highlighted: what
# is printed is data or a message quoting data; `visible` escapes what would act on the terminal.
console = Console(soft_wrap=False, markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False)


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
    # Left out when the table does not fit the terminal: the highest number first; 0 never.
    drop: int = 0


WORDS_BY_KEY = {
    "status": "status", "state": "status", "gender": "gender", "tier": "tier",
    "tier_code": "tier", "from_tier": "tier", "to_tier": "tier", "next_tier": "tier",
    "kind": "kind", "action": "kind", "type": "kind", "segment": "segment",
}  # fmt: skip


# Characters that would act on the terminal instead of being shown: C0/C1 controls (ESC starts
# the escape sequences), DEL, line and paragraph separators, bidi marks, embeddings, overrides and
# isolates, and lone surrogates (undecodable bytes).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in "\t\n\r":
        return repr(char)[1:-1]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` as the terminal should show it: every character that would act on the terminal
    written as an escape (`\x1b`, `\n`, `\u202e`), everything else as it is."""
    return _UNSAFE.sub(_escape, text)


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
    if isinstance(raw, bool):
        return _("yes") if raw else _("no")
    if current() == "en" and column.words != "metric":  # a metric reads as words in English too
        return _cell(plain(raw))
    text = _cell(plain(raw))
    kind = column.words or WORDS_BY_KEY.get(column.key)
    if not text or kind is None:
        return text
    from memberctl.cli._words import in_words

    return in_words(kind, text, _tier_names() if kind == "tier" else {})


def _tier_names() -> dict[str, str]:
    """Tier code -> name from this invocation's database (AppContext caches it)."""
    from memberctl.cli._framework import current_context

    ctx = current_context()
    names = getattr(ctx.find_root().obj, "tier_names", None) if ctx is not None else None
    return names() if names is not None else {}


def _emit_csv(data: Any, columns: Sequence[Column] | None) -> None:
    from memberctl.escaping import csv_cells  # formulas never run when opened

    items = data if isinstance(data, list) else [data]
    keys = _keys(items, columns)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(keys)
    cells = csv_cells(keys)
    for item in items:
        writer.writerow(cells([_cell(plain(_get(item, k))) for k in keys]))


def _unnamed(keys: list[str]) -> list[Column]:
    """Columns for data shown without named ones: the keys in words ("Points balance", 积分)."""
    from memberctl.cli._words import key_labels

    labels = key_labels()
    words = {k: labels.get(k, k.replace("_", " ")) for k in keys}
    return [Column(k, words[k][:1].upper() + words[k][1:]) for k in keys]


_IDENTIFIERS = frozenset({"member_no", "code", "campaign", "coupon", "survey", "order_no"})
WRAP_FLOOR = 8  # a text column is not squeezed narrower than this before columns are dropped


def _whole(column: Column, items: list[Any]) -> bool:
    """Shown whole, never wrapped or cut: identifiers, dates, numbers, yes/no."""
    if column.no_wrap or column.key in _IDENTIFIERS or column.key.endswith("_no"):
        return True
    sample = next((v for i in items if (v := _get(i, column.key)) is not None), None)
    return isinstance(sample, dt.date | Decimal | int | float)


def _title(title: str | None) -> dict[str, Any]:
    """A table's title and a width that keeps it on one line (rich wraps a title to the table's
    width: a narrow dry-run record split 试运行：未做任何 / 修改 over two lines)."""
    if not title:
        return {"title": None}
    text = Text(visible(title))
    return {"title": text, "min_width": min(text.cell_len, console.width)}


def _new_table(title: str | None) -> Table:
    return Table(
        **_title(title),
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        # one space between columns on a narrow (80-column) terminal, two on a wider one
        padding=(0, 0) if console.width < 100 else (0, 1),
    )


def _build(
    cols: list[Column], whole: list[bool], rows: list[list[str]], title: str | None, probe: bool
) -> Table:
    """The table; a `probe` squeezes each text column to WRAP_FLOOR to measure the least width."""
    table = _new_table(title)
    for column, keep in zip(cols, whole, strict=True):
        table.add_column(
            Text(column.header),
            justify=column.justify,  # type: ignore[arg-type]
            no_wrap=keep,
            overflow="fold",  # a long word breaks across lines rather than losing its end
            min_width=column.min_width,
            max_width=WRAP_FLOOR if probe and not keep else None,
        )
    for row in rows:
        table.add_row(*row)
    return table


def _fits(table: Table) -> bool:
    unbounded = console.options.update_width(1_000_000)  # the width it takes, not squeezed
    return Measurement.get(console, unbounded, table).maximum <= console.width


def _fit(cols: list[Column], whole: list[bool], rows: list[list[str]], title: str | None) -> Table:
    """Leave out the least important columns (highest `drop`, then the last ones) until the rest
    fit the terminal with their identifiers, dates and numbers whole. Measured on one row made of
    each column's widest cell: the same widths as every row, at a fraction of the cost."""
    keep = list(range(len(cols)))
    order = sorted(keep, key=lambda i: (-cols[i].drop, -i))
    order = [i for i in order if i > 0]  # the first column identifies the row: always shown
    widest = [max((r[i] for r in rows), key=cell_len, default="") for i in keep]

    def pick(
        index: list[int], table: list[list[str]]
    ) -> tuple[list[Column], list[bool], list[list[str]]]:
        return (
            [cols[i] for i in index],
            [whole[i] for i in index],
            [[r[i] for i in index] for r in table],
        )

    while order and not _fits(_build(*pick(keep, [widest]), title, probe=True)):
        keep.remove(order.pop(0))
    left_out = [cols[i].header for i in range(len(cols)) if i not in keep]
    if left_out:
        message(
            _(
                "columns left out to fit {width} columns: {names} (see them all with a wider "
                "terminal or --format csv)"
            ).format(width=console.width, names=pgettext("list", ", ").join(left_out))
        )
    return _build(*pick(keep, rows), title, probe=False)


def _emit_table(items: list[Any], columns: Sequence[Column] | None, title: str | None) -> None:
    cols = list(columns) if columns else _unnamed(_keys(items, None))
    rows = [[visible(_show(c, item)) for c in cols] for item in items]
    whole = [_whole(c, items) for c in cols]
    console.print(_fit(cols, whole, rows, title))
    if not items:
        err_console.print(_("(none)"))


def _emit_record(item: Any, columns: Sequence[Column] | None, title: str | None) -> None:
    cols = list(columns) if columns else _unnamed(_keys([item], None))
    table = Table(
        **_title(title),
        show_header=False,
        box=None,
        padding=(0, 2, 0, 0),
    )
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for column in cols:
        table.add_row(Text(column.header), Text(visible(_show(column, item))))
    console.print(table)


def message(text: str) -> None:
    """A human message (never data): stderr, so stdout stays machine-readable. It may quote
    stored text, so it is never read as markup and its control characters are escaped.
    Never wrapped: a message naming a file path stays one line."""
    err_console.print(visible(text), markup=False, highlight=False, soft_wrap=True)
