"""Rendering the reports: tables with unicode bars for the terminal, JSON, CSV, and files.

Imported only by `memberctl report ...` commands, after the report has been built. JSON and CSV
written with `--out` are the same text the command would print (UTF-8; a CSV file starts with a
BOM, stdout never does), written whole or not at all (memberctl.atomic); an object report
(summary, kpi, liability, campaign) is one CSV row, nested keys joined with a dot
(`by_status.active`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import math
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from operator import attrgetter, itemgetter
from pathlib import Path
from types import NoneType
from typing import Any, cast

from memberctl.cli._bars import bar
from memberctl.cli._output import Column, Format, emit, message, plain
from memberctl.i18n import _, pgettext

TABLE_ROWS = 200  # a terminal table shows this many rows; csv, json and xlsx hold them all
CHUNK_ROWS = 20_000  # JSON rows rendered and written at a time


def _cell_words() -> Callable[[str, str], str] | None:
    """Codes in a workbook's cells in words, for a reader of Chinese; None in English."""
    from memberctl.cli._output import _tier_names
    from memberctl.cli._words import in_words, sheet_names, workbook_keys
    from memberctl.i18n import current

    if current() == "en":
        return None
    tiers, keys, sheets = _tier_names(), workbook_keys(), sheet_names()

    def words(kind: str, code: str) -> str:
        if kind in ("key", "sheet"):
            return (keys if kind == "key" else sheets).get(code, code)
        return in_words(kind, code, tiers)

    return words


def deliver(name: str, data: Any, fmt: str, out: Path | None) -> None:
    if fmt == "xlsx":
        from memberctl.spreadsheets import workbook

        assert out is not None
        sheets = workbook.write_report(out, name, data, _cell_words())
        message(_("wrote {out} (sheets: {sheets})").format(out=out, sheets=", ".join(sheets)))
    elif fmt == "ods":
        from memberctl.spreadsheets import workbook

        assert out is not None
        sheets = workbook.write_report_ods(out, name, data, _cell_words())
        message(_("wrote {out} (sheets: {sheets})").format(out=out, sheets=", ".join(sheets)))
    elif fmt == "table":
        TABLES.get(name, _plain_table)(data)
    else:
        chunks = _json_chunks(name, data) if fmt == "json" else iter([_csv_text(name, data)])
        if out is None:
            # Data, not a message; a few large writes (a 200,000-row report is ~50 MB), rendered
            # here rather than through _output.emit's per-value walk, ~10x faster; no cyclic
            # garbage collection meanwhile (it would walk every row of the report, in no cycle).
            from memberctl import collector

            with collector.paused():
                sys.stdout.writelines(chunks)
        else:
            from memberctl.atomic import text_output

            with text_output(out, bom=fmt == "csv") as stream:  # a CSV file has a BOM for Excel
                stream.writelines(chunks)
            message(_("wrote {out}").format(out=out))


# -- JSON and CSV ----------------------------------------------------------------------------
def _json_chunks(name: str, data: Any) -> Iterator[str]:
    """`_json_text` in pieces of at most `CHUNK_ROWS` rows each."""
    if name in LONG_LISTS:  # an object holding long lists: each list one row per line
        head, lists = LONG_LISTS[name](data)
        yield from _object_json(head, lists)
        return
    row_type = _row_type(name) if isinstance(data, list) and data else None
    if row_type is not None and isinstance(data[0], row_type):
        yield from _json_lines(row_type, data)
    else:
        yield _json_text(name, data)


Lists = dict[str, tuple[type, list[Any]]]


def _object_json(head: dict[str, Any], lists: Lists) -> Iterator[str]:
    """`head` and `lists` as one object: indented as `_json_text` writes an object, each list's
    rows one per line as a list report's (200,000 forecast rows)."""
    text = json.dumps(plain({**head, **dict.fromkeys(lists, [])}), ensure_ascii=False, indent=2)
    for key, (row_type, rows) in lists.items():
        before, text = text.split(f"{_quote(key)}: []", 1)
        yield before + f"{_quote(key)}: "
        if not rows:
            yield "[]"
            continue
        *chunks, last = _json_lines(row_type, rows)
        yield from chunks
        yield last.rstrip("\n")
    yield text + "\n"


def _forecast_lists(data: Any) -> tuple[dict[str, Any], Lists]:
    from memberctl.domain.reports import forecast

    head = {
        "as_of": data.as_of, "days": data.days, "model": data.model,
        "spend_model": data.spend_model,
    }  # fmt: skip
    return head, {"members": (forecast.ForecastRow, data.members)}


def _referrals_lists(data: Any) -> tuple[dict[str, Any], Lists]:
    from memberctl.domain.reports import referrals

    return {"start": data.start, "end": data.end}, {
        "referrers": (referrals.ReferrerRow, data.referrers),
        "referred": (referrals.ReferredRow, data.referred),
    }


# Object reports whose lists are long: their JSON is written list by list, a row per line.
LONG_LISTS: dict[str, Callable[[Any], tuple[dict[str, Any], Lists]]] = {
    "forecast": _forecast_lists,
    "referrals": _referrals_lists,
}


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


def _json_lines(row_type: type, data: list[Any]) -> Iterator[str]:
    """`_json_text` of dataclass rows, the same bytes, column by column: every value of a column
    is turned into JSON text by one converter picked from the field's annotation (C-level `map`
    when the whole column has the annotated type), then each row is one `%` of a line template
    (~4x faster than encoding a dict per row: 200,000 RFM rows)."""
    fields = dataclasses.fields(row_type)
    getters = [attrgetter(f.name) for f in fields]
    kinds = [str(f.type).replace(" | None", "") for f in fields]
    keys = [_quote(f.name).replace("%", "%%") for f in fields]
    yield "[\n"
    for start in range(0, len(data), CHUNK_ROWS):
        part = data[start : start + CHUNK_ROWS]
        slots, texts = [], []
        for get, kind in zip(getters, kinds, strict=True):
            slot, text = _json_column(kind, list(map(get, part)))
            slots.append(slot)
            texts.append(text)
        template = "  {" + ", ".join(f"{k}: {v}" for k, v in zip(keys, slots, strict=True)) + "}"
        lines = ",\n".join(template % row for row in zip(*texts, strict=True))
        yield ",\n" + lines if start else lines
    yield "\n]\n"


def _json_column(kind: str, values: list[Any]) -> tuple[str, list[str]]:
    """A column annotated `kind` as JSON texts, and the template slot they go in (`"%s"` when
    every text needs quotes around it), written as json.dumps writes them."""
    from memberctl.domain import money

    types = set(map(type, values))
    if NoneType in types and len(types) > 1:  # a column with gaps: the others, then the gaps
        slot, texts = _json_column(kind, [value for value in values if value is not None])
        given = iter(texts if slot == "%s" else ['"' + text + '"' for text in texts])
        return "%s", ["null" if value is None else next(given) for value in values]
    if kind == "float" and types == {float} and all(map(math.isfinite, values)):
        return "%s", list(map(float.__repr__, values))  # json.dumps's repr (NaN: below)
    if kind == "int" and types == {int}:
        return "%s", list(map(int.__repr__, values))
    if kind == "str" and types == {str}:
        return "%s", list(map(_quote, values))
    if kind == "Decimal" and types == {Decimal}:
        texts = list(map(str, values))
        if set(map(_THIRD_LAST, texts)) == {"."}:  # each to the cent already: what format gives
            return '"%s"', texts
        return '"%s"', list(map(money.format, values))
    if kind in ("dt.date", "dt.datetime") and types in ({dt.date}, {dt.datetime}):
        return '"%s"', list(map(cast(type[dt.date], types.pop()).isoformat, values))
    return "%s", [json.dumps(plain(value), ensure_ascii=False) for value in values]


# A str as JSON text, as json.dumps(ensure_ascii=False) writes it (the C function).
_quote: Callable[[str], str] = json.encoder.encode_basestring
_THIRD_LAST = itemgetter(slice(-3, -2))  # "12.50" -> "."; "1E+2" -> "E"; "12.5" -> "1"


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
    if name in CSV_ROWS:
        data = CSV_ROWS[name](data)
    if isinstance(data, list):
        keys, rows = _plain_rows(name, data)
    else:
        flat = _flatten(plain(data))
        keys, rows = list(flat), [list(flat.values())]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    from memberctl.escaping import csv_cells  # formulas never run when opened

    cells = csv_cells(keys)
    writer.writerows(cells([_text(value) for value in row]) for row in rows)
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


def _counts_table(counts: dict[str, int], label: str, title: str, words: str | None = None) -> None:
    top = max(counts.values(), default=0)
    rows = [{"key": k, "count": v, "bar": bar(v, top)} for k, v in counts.items()]
    columns = [Column("key", label, words=words), _right("count", _("Members")), Column("bar", "")]
    emit(rows, Format.table, columns, title=title)


def _summary(data: Any) -> None:
    emit(
        data,
        Format.table,
        [
            Column("as_of", _("As of")),
            _right("members", _("Members")),
            _right("new_this_month", _("New this month")),
            _right("active_90d", _("Active (90 days)")),
            _right("points_liability", _("Points owed")),
            _right("balance_liability", _("Stored value owed")),
        ],
    )
    _counts_table(data.by_status, _("Status"), _("by status"), words="status")
    _counts_table(data.by_tier, _("Tier"), _("by tier (not cancelled)"), words="tier")


def _growth(rows: Any) -> None:
    top = max((r.new_members for r in rows), default=0)
    shown = [{**dataclasses.asdict(r), "bar": bar(r.new_members, top)} for r in rows]
    emit(
        shown,
        Format.table,
        [
            Column("month", _("Month")),
            _right("new_members", _("New")),
            _right("total_members", _("Total")),
            Column("bar", "", no_wrap=True),
        ],
        title=_("new members per month"),
    )


def _rfm(rows: Any) -> None:
    from memberctl.domain.reports import rfm

    counts = {c.segment: c.members for c in rfm.segment_counts(rows)}
    _counts_table(counts, _("Segment"), _("members per segment"), words="segment")
    _rows_table(
        rows,
        [
            Column("member_no", _("Member no"), no_wrap=True),
            Column("name", _("Name")),
            Column("phone", _("Phone"), no_wrap=True),
            Column("tier", _("Tier")),
            _right("recency", "R"),
            _right("frequency", "F"),
            _right("monetary", "M"),
            Column("segment", _("Segment")),
            _right("recency_days", _("Days since")),
            _right("purchases", _("Purchases")),
            _right("spend", _("Spend")),
        ],
    )


def _date(value: dt.date) -> str:
    return value.strftime("%Y-%m-%d")


MEMBER = [
    Column("member_no", _("Member no"), no_wrap=True),
    Column("name", _("Name")),
    Column("phone", _("Phone"), no_wrap=True),
    Column("tier", _("Tier")),
]
LIST_COLUMNS = {
    "churn": [
        *MEMBER, Column("status", _("Status")),
        Column("last_purchase_at", _("Last purchase"), show=_date, no_wrap=True),
        _right("inactive_days", _("Days")), _right("purchases", _("Purchases")),
        _right("spend", _("Spend")), _right("points", _("Points")),
    ],
    "upgrades": [
        *MEMBER, Column("next_tier", _("Next tier")), _right("spend_12m", _("12-month spend")),
        _right("threshold", _("Threshold")), _right("gap", _("To go")),
    ],
    "birthdays": [
        *MEMBER[:3], Column("birthday", _("Birthday")), Column("next_birthday", _("Next")),
        _right("age", _("Turns")), Column("tier", _("Tier")), Column("status", _("Status")),
        _right("points", _("Points")),
    ],
}  # fmt: skip


def _kpi(data: Any) -> None:
    names = [f.name for f in dataclasses.fields(data.previous)]
    before, change = data.previous, data.change
    rows = [
        {
            "metric": n,
            "current": getattr(data, n),
            "previous": getattr(before, n),
            "change": getattr(change, n),
            "pct": data.change_pct[n],
        }
        for n in names
    ]
    title = _("{start} to {end} against {previous_start} to {previous_end}").format(
        start=data.start,
        end=data.end,
        previous_start=data.previous_start,
        previous_end=data.previous_end,
    )
    emit(
        rows,
        Format.table,
        [
            Column("metric", _("Metric"), words="metric"),
            _right("current", _("This period")),
            _right("previous", _("Before")),
            _right("change", _("Change")),
            Column("pct", "%", show=lambda p: f"{p:+.1f}%", justify="right"),
        ],
        title=title,
    )


def _rows_table(rows: list[Any], columns: list[Column]) -> None:
    emit(rows[:TABLE_ROWS], Format.table, columns)
    if len(rows) > TABLE_ROWS:
        message(
            _(
                "showing {TABLE_ROWS} of {count:,} rows; all of them with --format csv, "
                "json or xlsx --out FILE"
            ).format(TABLE_ROWS=TABLE_ROWS, count=len(rows))
        )


def _plain_table(data: Any) -> None:
    emit(data, Format.table)


def _survey_table(data: Any) -> None:
    from memberctl.cli import _survey_report

    _survey_report.table(data)


def _daily_sections(methods: list[str]) -> dict[str, list[str]]:
    """The figures of `report daily`'s table by section, by their (dotted) keys."""
    return {
        "sales": [
            "sales", "list_total", "tier_discount", "coupons_used", "coupon_value",
            "points_redeemed", "points_value", "wallet_paid",
        ],
        "payments": [*(f"tendered.{m}" for m in methods), "tendered_total"],
        "refunds": [
            "refunds.count", *(f"refunds.tendered_by_method.{m}" for m in methods),
            "refunds.tendered", "refunds.wallet", "refunds.points_returned",
        ],
        "net": ["net_takings", "other_purchases.count", "other_purchases.amount"],
        "members": ["new_members", "topups.count", "topups.amount", "topups.bonus"],
    }  # fmt: skip


def _daily(data: Any) -> None:
    """Closing the till: one table, section by section (a refund's methods only when used); the
    stored value sold is shown apart from the takings (a liability, not revenue)."""
    from memberctl.cli._words import daily_keys

    labels, figures = daily_keys(), _flatten(dataclasses.asdict(data))
    sections = {
        "sales": pgettext("daily", "Sales"),
        "payments": pgettext("daily", "Payments"),
        "refunds": pgettext("daily", "Refunds"),
        "net": pgettext("daily", "Net"),
        "members": pgettext("daily", "Members and stored value"),
    }
    rows = []
    for section, keys in _daily_sections(list(data.tendered)).items():
        shown = [k for k in keys if not k.startswith("refunds.tendered_by_method.") or figures[k]]
        rows += [
            {"section": "" if i else sections[section], "figure": labels[k], "value": figures[k]}
            for i, k in enumerate(shown)
        ]
    where = data.store_name if data.store_name is not None else _("all stores")
    columns = [
        Column("section", pgettext("daily", "Section")),
        Column("figure", pgettext("daily", "Figure")),
        _right("value", pgettext("daily", "Amount")),
    ]
    title = _("Till for {date}, {where}").format(date=data.date, where=where)
    emit(rows, Format.table, columns, title=title)
    if data.topups.whole_shop:
        message(_("top-ups carry no store: they are the whole shop's"))


def _whole_percent(share: float) -> str:
    return f"{share:.0%}"


def _visits(value: float) -> str:
    return f"{value:.2f}"


# Left out first on a narrow terminal: status, phone, name, last visit, tier (`drop`).
FORECAST_COLUMNS = [
    MEMBER[0], Column("name", _("Name"), drop=3), Column("phone", _("Phone"), no_wrap=True, drop=4),
    Column("tier", _("Tier"), drop=1), Column("status", _("Status"), drop=5),
    _right("purchase_days", _("Visits")),
    Column("last_purchase_at", _("Last visit"), show=_date, no_wrap=True, drop=2),
    Column("p_alive", _("Alive"), show=_whole_percent, justify="right"),
    Column("expected_purchases", _("Exp. visits"), show=_visits, justify="right"),
    _right("expected_value", _("Exp. spend")), _right("value_at_risk", _("At risk")),
    Column("risk", _("Risk"), words="risk", no_wrap=True),
]  # fmt: skip


def _forecast_table(data: Any) -> None:
    """Members per risk label, the members, and on stderr what the models were fitted on."""
    title = _("members per risk, the next {days} days from {as_of}").format(
        days=data.days, as_of=data.as_of
    )
    counts = {risk: count for risk, (count, _value) in data.by_risk.items()}
    _counts_table(counts, _("Risk"), title, words="risk")
    _rows_table(data.members, FORECAST_COLUMNS)
    message(
        _(
            "fitted on the whole shop: {buyers:,} members who bought, {repeat:,} of them on two "
            "days or more"
        ).format(buyers=data.buyers, repeat=data.repeat_buyers)
    )


LIST_COLUMNS["churn_model"] = [
    *MEMBER, Column("status", _("Status")),
    Column("last_purchase_at", _("Last purchase"), show=_date, no_wrap=True),
    _right("inactive_days", _("Days")), _right("purchase_days", _("Visits")),
    Column("p_alive", _("Alive"), show=_whole_percent, justify="right"),
    _right("value_at_risk", _("At risk")),
]  # fmt: skip


# The rows an object report's CSV holds (the rest is in its JSON and workbook).
CSV_ROWS: dict[str, Callable[[Any], Any]] = {
    "survey": lambda data: _survey_rows(data),  # nested per question: a row per answer
    "referrals": lambda data: data.referrers,  # who each one referred: json, xlsx
    "stores": lambda data: _stores_rows(data),  # a row per store, then the total
    "products": lambda data: data.sellers,  # the best sellers
    "forecast": lambda data: data.members,  # the models' parameters: json, xlsx, ods
}


TABLES: dict[str, Callable[[Any], None]] = {
    "daily": _daily,
    "summary": _summary,
    "growth": _growth,
    "rfm": _rfm,
    "kpi": _kpi,
    "survey": _survey_table,
    "forecast": _forecast_table,
    **{
        name: functools.partial(_rows_table, columns=columns)
        for name, columns in LIST_COLUMNS.items()
    },
}


# -- report referrals ------------------------------------------------------------------------
REFERRER_COLUMNS = [  # tier, status and own purchases: in json, csv and the workbook
    *MEMBER[:3], _right("referred", _("Referred")), _right("cancelled", _("Since left")),
    _right("referred_purchases", _("Their purchases")), _right("referred_spend", _("Their spend")),
    _right("own_spend", _("Own spend")),
]  # fmt: skip


def _referrals(data: Any) -> None:
    """The referrers; who each one referred is in json, csv --out... and the workbook."""
    if data.start is None:
        title = _("referrals up to {end}").format(end=data.end)
    else:
        title = _("referrals {start} to {end}").format(start=data.start, end=data.end)
    emit(data.referrers[:TABLE_ROWS], Format.table, REFERRER_COLUMNS, title=title)
    if len(data.referrers) > TABLE_ROWS:
        message(
            _(
                "showing {TABLE_ROWS} of {count:,} rows; all of them with --format csv, "
                "json or xlsx --out FILE"
            ).format(TABLE_ROWS=TABLE_ROWS, count=len(data.referrers))
        )
    if data.referred:
        message(_("who each one referred: --format json, or xlsx or ods with --out FILE"))


TABLES["referrals"] = _referrals


# -- report stores ---------------------------------------------------------------------------
def _survey_rows(data: Any) -> Any:
    from memberctl.domain.reports import survey

    return survey.rows(data)


def _stores_rows(data: Any) -> list[dict[str, Any]]:
    """The CSV of `report stores`: `row` says which row it is (store, no_store or total), then
    the period and the figures."""
    period = {"start": data.start, "end": data.end}
    return [
        {"row": "no_store" if row.store is None else "store", **period, **dataclasses.asdict(row)}
        for row in data.stores
    ] + [{"row": "total", **period, **dataclasses.asdict(data.total)}]


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _stores(data: Any) -> None:
    """One line per store, the total last; sales where made, members by home store (the title
    says so)."""
    shown = [
        {**dataclasses.asdict(row), "store": row.store or pgettext("stores", "(no store)")}
        for row in data.stores
    ]
    shown.append({**dataclasses.asdict(data.total), "store": pgettext("stores", "Total")})
    columns = [
        Column("store", pgettext("stores", "Store"), no_wrap=True),
        Column("name", pgettext("stores", "Name"), drop=1),
        _right("revenue", pgettext("stores", "Revenue")),
        _right("purchases", pgettext("stores", "Purchases")),
        _right("buyers", pgettext("stores", "Buyers")),
        _right("average_order", pgettext("stores", "Avg order")),
        Column("repurchase_rate", pgettext("stores", "Repeat"), show=_percent, justify="right"),
        Column("visitor_share", pgettext("stores", "Visitors"), show=_percent, justify="right"),
        _right("new_home_members", pgettext("stores", "New members")),
        _right("home_members", pgettext("stores", "Members")),
    ]
    title = _(
        "{start} to {end}: sales in the store where made, members in their home store"
    ).format(start=data.start, end=data.end)
    emit(shown, Format.table, columns, title=title)


TABLES["stores"] = _stores


# -- report products (shares as _percent, above) -----------------------------------------------
def _hundredths(value: float) -> str:
    return f"{value:.2f}"


def _products_overview(data: Any) -> None:
    period = _("{start} to {end}").format(start=data.start, end=data.end)
    record = {
        "period": period,
        "store": data.store if data.store is not None else _("all stores"),
        "revenue": data.revenue,
        "purchases": data.purchases,
        "buyers": data.buyers,
    }
    columns = [
        Column("period", pgettext("report", "Period")),
        Column("store", pgettext("daily", "Store")),
        _right("revenue", pgettext("metric", "Revenue")),
        _right("purchases", pgettext("metric", "Purchases")),
        _right("buyers", _("Buyers")),
    ]
    emit(record, Format.table, columns)


def _products_sellers(data: Any) -> None:
    """The best sellers; by category with a bar of their revenue (12 characters: the table fits
    100 columns), by item without (its category takes the room)."""
    from memberctl.domain.reports import products

    by_item = data.by == "item"
    top = float(max((r.revenue for r in data.sellers), default=Decimal(0)))
    rows = [
        {**dataclasses.asdict(r), "name": products.label(r), "bar": bar(float(r.revenue), top, 12)}
        for r in data.sellers
    ]
    columns = [
        _right("rank", "#"),
        Column("name", _("Item") if by_item else _("Category"), no_wrap=True),
        *([Column("category", _("Category"))] if by_item else []),
        _right("revenue", pgettext("metric", "Revenue")),
        Column("revenue_share", _("Share"), show=_percent, justify="right"),
        _right("buyers", _("Buyers")),
        Column("buyer_share", _("Of buyers"), show=_percent, justify="right"),
        _right("buyers_rank", _("# by buyers")),
        _right("purchases", pgettext("metric", "Purchases")),
        *([] if by_item else [Column("bar", "", no_wrap=True)]),
    ]
    title = _("Best sellers by item") if by_item else _("Best sellers by category")
    emit(rows, Format.table, columns, title=title)


def _products_group(data: Any) -> None:
    group = data.member
    if group is None:
        return
    if group.member_no is not None:
        who = group.member_no
    elif group.segment is not None and group.where is not None:
        who = _("segment {segment} and {where}").format(segment=group.segment, where=group.where)
    else:
        who = group.segment if group.segment is not None else group.where
    from memberctl.domain.reports import products

    rows = [{**dataclasses.asdict(r), "name": products.label(r)} for r in group.rows]
    columns = [
        Column("name", _("Item") if data.by == "item" else _("Category"), no_wrap=True),
        _right("revenue", pgettext("metric", "Revenue")),
        Column("share", _("Share"), show=_percent, justify="right"),
        Column("shop_share", _("Shop's share"), show=_percent, justify="right"),
        Column("index", _("Index"), show=_hundredths, justify="right"),
        _right("purchases", pgettext("metric", "Purchases")),
    ]
    title = _(
        "{who} against the shop (revenue {revenue}, purchases {purchases}, buyers {buyers})"
    ).format(who=who, revenue=group.revenue, purchases=group.purchases, buyers=group.buyers)
    emit(rows, Format.table, columns, title=title)


def _products_pairs(data: Any) -> None:
    columns = [
        Column("a", pgettext("pair", "A")),
        Column("b", pgettext("pair", "B")),
        _right("baskets", _("Baskets")),
        Column("support", _("Support"), show=_percent, justify="right"),
        Column("confidence_ab", _("A then B"), show=_percent, justify="right"),
        Column("confidence_ba", _("B then A"), show=_percent, justify="right"),
        Column("lift", _("Lift"), show=_hundredths, justify="right"),
    ]
    title = _("Bought together: of {baskets} baskets, pairs in at least {least}").format(
        baskets=data.baskets, least=data.min_baskets
    )
    emit(data.pairs, Format.table, columns, title=title)


def _products(data: Any) -> None:
    """`report products`: the period's figures, the best sellers, the group against the shop,
    the pairs bought together, one table after another."""
    _products_overview(data)
    _products_sellers(data)
    _products_group(data)
    _products_pairs(data)


TABLES["products"] = _products
