"""Rendering the reports: tables with unicode bars for the terminal, JSON, CSV, and files.

Imported only by `memberctl report ...` commands, after the report has been built. JSON and CSV
written with `--out` are the same bytes the command would print (UTF-8); an object report
(summary, kpi, liability, campaign) is one CSV row, nested keys joined with a dot
(`by_status.active`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import Any

from memberctl.cli._output import Column, Format, emit, message, plain

BLOCKS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 30
TABLE_ROWS = 200  # a terminal table shows this many rows; csv, json and xlsx hold them all


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """`value` as a unicode bar, `top` filling `width` characters."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def deliver(name: str, data: Any, fmt: str, out: Path | None) -> None:
    if fmt == "xlsx":
        from memberctl.spreadsheets import workbook

        assert out is not None
        sheets = workbook.write_report(out, name, data)
        message(f"wrote {out} (sheets: {', '.join(sheets)})")
    elif fmt == "table":
        TABLES.get(name, _plain_table)(data)
    else:
        text = _json_text(name, data) if fmt == "json" else _csv_text(name, data)
        if out is None:
            # Data, not a message; one write, like _output.emit's JSON (large reports are
            # rendered here rather than through emit's per-value walk, ~10x faster).
            sys.stdout.write(text)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            message(f"wrote {out}")


# -- JSON and CSV ----------------------------------------------------------------------------
def _json_text(name: str, data: Any) -> str:
    """An object indented; a list with one row per line (compact for long reports)."""
    if not isinstance(data, list):
        return json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n"
    keys, rows = _plain_rows(name, data)
    if not rows:
        return "[]\n"
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = ",\n".join("  " + encode(dict(zip(keys, row, strict=True))) for row in rows)
    return "[\n" + lines + "\n]\n"


def _plain_rows(name: str, data: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """The rows of a list report as lists of JSON-ready values, and their keys (known even when
    there are no rows). One converter per column, chosen from the row type's annotations."""
    from memberctl.domain import money

    row_type = _row_type(name)
    if row_type is None:
        rows = [plain(item) for item in data]
        keys = list(rows[0]) if rows else []
        return keys, [[row[k] for k in keys] for row in rows]
    fields = dataclasses.fields(row_type)
    keys = [f.name for f in fields]

    def convert(kind: str) -> Callable[[Any], Any] | None:
        if "Decimal" in kind:
            return lambda v: None if v is None else money.format(v)
        if "date" in kind:  # dt.date and dt.datetime
            return lambda v: None if v is None else v.isoformat()
        return None

    converters = [(i, c) for i, f in enumerate(fields) if (c := convert(str(f.type)))]
    get = attrgetter(*keys)
    rows = [list(get(item)) for item in data]
    for row in rows:
        for i, change in converters:
            row[i] = change(row[i])
    return keys, rows


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            flat.update(_flatten(item, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = item
    return flat


def _row_type(name: str) -> type | None:
    from memberctl.domain import reports

    return reports.row_type(name)


def _csv_text(name: str, data: Any) -> str:
    if isinstance(data, list):
        keys, rows = _plain_rows(name, data)
    else:
        flat = _flatten(plain(data))
        keys, rows = list(flat), [list(flat.values())]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    writer.writerows([_text(value) for value in row] for row in rows)
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- tables ----------------------------------------------------------------------------------
def _right(key: str, header: str) -> Column:
    return Column(key, header, justify="right")


def _counts_table(counts: dict[str, int], label: str, title: str) -> None:
    top = max(counts.values(), default=0)
    rows = [{"key": k, "count": v, "bar": bar(v, top)} for k, v in counts.items()]
    columns = [Column("key", label), _right("count", "Members"), Column("bar", "")]
    emit(rows, Format.table, columns, title=title)


def _summary(data: Any) -> None:
    emit(data, Format.table, [
        Column("as_of", "As of"), _right("members", "Members"),
        _right("new_this_month", "New this month"), _right("active_90d", "Active (90 days)"),
        _right("points_liability", "Points owed"), _right("balance_liability", "Stored value owed"),
    ])  # fmt: skip
    _counts_table(data.by_status, "Status", "by status")
    _counts_table(data.by_tier, "Tier", "by tier (not cancelled)")


def _growth(rows: Any) -> None:
    top = max((r.new_members for r in rows), default=0)
    shown = [{**dataclasses.asdict(r), "bar": bar(r.new_members, top)} for r in rows]
    emit(shown, Format.table, [
        Column("month", "Month"), _right("new_members", "New"),
        _right("total_members", "Total"), Column("bar", "", no_wrap=True),
    ], title="new members per month")  # fmt: skip


def _rfm(rows: Any) -> None:
    from memberctl.domain.reports import rfm

    counts = {c.segment: c.members for c in rfm.segment_counts(rows)}
    _counts_table(counts, "Segment", "members per segment")
    _rows_table(rows, [
        Column("member_no", "Member no", no_wrap=True), Column("name", "Name"),
        Column("phone", "Phone", no_wrap=True), Column("tier", "Tier"),
        _right("recency", "R"), _right("frequency", "F"), _right("monetary", "M"),
        Column("segment", "Segment"), _right("recency_days", "Days since"),
        _right("purchases", "Purchases"), _right("spend", "Spend"),
    ])  # fmt: skip


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d")


MEMBER = [
    Column("member_no", "Member no", no_wrap=True),
    Column("name", "Name"),
    Column("phone", "Phone", no_wrap=True),
    Column("tier", "Tier"),
]
LIST_COLUMNS = {
    "churn": [
        *MEMBER, Column("status", "Status"),
        Column("last_purchase_at", "Last purchase", show=_date, no_wrap=True),
        _right("inactive_days", "Days"), _right("purchases", "Purchases"),
        _right("spend", "Spend"), _right("points", "Points"),
    ],
    "upgrades": [
        *MEMBER, Column("next_tier", "Next tier"), _right("spend_12m", "12-month spend"),
        _right("threshold", "Threshold"), _right("gap", "To go"),
    ],
    "birthdays": [
        *MEMBER[:3], Column("birthday", "Birthday"), Column("next_birthday", "Next"),
        _right("age", "Turns"), Column("tier", "Tier"), Column("status", "Status"),
        _right("points", "Points"),
    ],
}  # fmt: skip


def _kpi(data: Any) -> None:
    names = [f.name for f in dataclasses.fields(data.previous)]
    before, change = data.previous, data.change
    rows = [
        {"metric": n, "current": getattr(data, n), "previous": getattr(before, n),
         "change": getattr(change, n), "pct": data.change_pct[n]}
        for n in names
    ]  # fmt: skip
    title = f"{data.start} to {data.end} against {data.previous_start} to {data.previous_end}"
    emit(rows, Format.table, [
        Column("metric", "Metric"), _right("current", "This period"),
        _right("previous", "Before"), _right("change", "Change"),
        Column("pct", "%", show=lambda p: f"{p:+.1f}%", justify="right"),
    ], title=title)  # fmt: skip


def _rows_table(rows: list[Any], columns: list[Column]) -> None:
    emit(rows[:TABLE_ROWS], Format.table, columns)
    if len(rows) > TABLE_ROWS:
        message(
            f"showing {TABLE_ROWS} of {len(rows):,} rows; all of them with --format csv, json "
            "or xlsx --out FILE"
        )


def _plain_table(data: Any) -> None:
    emit(data, Format.table)


TABLES: dict[str, Callable[[Any], None]] = {
    "summary": _summary,
    "growth": _growth,
    "rfm": _rfm,
    "kpi": _kpi,
    **{
        name: lambda data, columns=columns: _rows_table(data, columns)
        for name, columns in LIST_COLUMNS.items()
    },
}
