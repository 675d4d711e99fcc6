"""Reports as `.xlsx` workbooks (openpyxl): one sheet per table, native Excel charts.

Every sheet has a bold, shaded header row that stays in view (frozen), columns sized to their
contents, money as numbers shown with two decimals, and dates as date cells. Charts: new members
per month (bars) and members in total (line) for `growth`; members per tier (bars) and per
status (pie) for `summary`; members per segment (bars) for `rfm`. Nested objects (`by_status`,
`previous`, ...) get sheets of their own; an object report is a two-column key/value sheet.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from memberctl.atomic import atomic_output
from memberctl.domain import reports
from memberctl.domain.reports import growth, rfm
from memberctl.escaping import RISKY_FIRST, xlsx_text
from memberctl.i18n import _, current, pgettext

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
FORMATS = {Decimal: "0.00", dt.datetime: "yyyy-mm-dd hh:mm:ss", dt.date: "yyyy-mm-dd"}
MAX_WIDTH = 50


@dataclass(frozen=True)
class Chart:
    kind: str  # bar, line, pie
    title: str
    values: int  # 1-based column holding the values; column 1 holds the categories
    y_title: str | None = None


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[list[Any]]
    charts: list[Chart] = field(default_factory=list)


def _records(items: Sequence[Any], row_type: type | None) -> Sheet:
    if row_type is not None:
        headers = [f.name for f in dataclasses.fields(row_type)]
    else:
        headers = list(_as_dict(items[0])) if items else []
    rows = [[_as_dict(item).get(h) for h in headers] for item in items]
    return Sheet("", headers, rows)


def _as_dict(item: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    return dict(item)


def _object_sheets(name: str, data: Any) -> list[Sheet]:
    """An object report: scalars on a key/value sheet, each nested object on a sheet of its own."""
    values = _as_dict(data)
    main = Sheet(name, ["key", "value"], [])
    sheets = [main]
    for key, value in values.items():
        if isinstance(value, dict) or dataclasses.is_dataclass(value):
            nested = _as_dict(value)
            sheets.append(Sheet(key, ["key", "value"], [[k, v] for k, v in nested.items()]))
        else:
            main.rows.append([key, value])
    return sheets


def _summary(data: Any) -> list[Sheet]:
    sheets = _object_sheets("summary", data)
    for sheet in sheets:
        if sheet.name == "by_tier":
            sheet.headers = ["tier", "members"]
            sheet.charts.append(Chart("bar", _("Members by tier (not cancelled)"), 2, _("members")))
        elif sheet.name == "by_status":
            sheet.headers = ["status", "members"]
            sheet.charts.append(Chart("pie", _("Members by status"), 2))
    return sheets


def _growth(data: Any) -> list[Sheet]:
    sheet = _records(data, growth.MonthRow)
    sheet.name = "growth"
    sheet.charts += [
        Chart("bar", _("New members per month"), 2, _("new members")),
        Chart("line", _("Members in total"), 3, _("members")),
    ]
    return [sheet]


def _rfm(data: Any) -> list[Sheet]:
    sheet = _records(data, rfm.RfmRow)
    sheet.name = "rfm"
    counts = [[c.segment, c.members] for c in rfm.segment_counts(list(data))]
    segments = Sheet("segments", ["segment", "members"], counts)
    segments.charts.append(Chart("bar", _("Members per RFM segment"), 2, _("members")))
    return [segments, sheet]


def _survey(data: Any) -> list[Sheet]:
    """An overview, every answer on one sheet, then a sheet (and a bar chart) per question."""
    from memberctl.domain.reports import survey

    keys = ("survey", "title", "as_of", "responses", "respondents")
    sheets = [Sheet("survey", ["key", "value"], [[k, getattr(data, k)] for k in keys])]
    answers = _records(survey.rows(data), survey.SurveyRow)
    answers.name = "answers"
    sheets.append(answers)
    for number, q in enumerate(data.questions, start=1):
        name = f"{number} {q.key}"
        if q.type == "text":
            rows = [[t.member_no, t.taken_at, t.text] for t in q.texts]
            sheets.append(Sheet(name, ["member_no", "taken_at", "text"], rows))
            continue
        rows = [[a.answer, a.count, a.share] for a in q.answers]
        sheet = Sheet(name, ["answer", "count", "share"], rows)
        sheet.charts.append(Chart("bar", q.text, 2, _("count")))
        sheets.append(sheet)
    return sheets


def _daily(data: Any) -> list[Sheet]:
    """Closing the till: every figure on one key/value sheet, nested ones by a dotted key
    (`tendered.cash`, `refunds.tendered_by_method.card`), as in its CSV."""

    def flat(value: Any, prefix: str) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for key, item in _as_dict(value).items():
            if isinstance(item, dict) or dataclasses.is_dataclass(item):
                rows += flat(item, f"{prefix}{key}.")
            else:
                rows.append([f"{prefix}{key}", item])
        return rows

    return [Sheet("daily", ["key", "value"], flat(data, ""))]


def _forecast(data: Any) -> list[Sheet]:
    """Members and value at risk per risk label (a bar chart of the value at risk), the members,
    and the models' parameters (null spend model: its cells empty)."""
    from memberctl.domain.reports import forecast

    totals = [[risk, count, value] for risk, (count, value) in data.by_risk.items()]
    risks = Sheet("risks", ["risk", "members", "value_at_risk"], totals)
    risks.charts.append(Chart("bar", _("Value at risk per risk label"), 3, _("value at risk")))
    members = _records(data.members, forecast.ForecastRow)
    members.name = "forecast"
    spend = _as_dict(data.spend_model) if data.spend_model is not None else {}
    figures = [
        ["as_of", data.as_of], ["forecast_days", data.days],
        *([k, v] for k, v in _as_dict(data.model).items()),
        *([k, spend.get(k)] for k in ("p", "q", "gamma")),
        ["buyers", data.buyers], ["repeat_buyers", data.repeat_buyers],
    ]  # fmt: skip
    return [risks, members, Sheet("model", ["key", "value"], figures)]


LAYOUTS: dict[str, Callable[[Any], list[Sheet]]] = {
    "forecast": _forecast,
    "daily": _daily,
    "summary": _summary,
    "growth": _growth,
    "rfm": _rfm,
    "survey": _survey,
}


def sheets_for(report: str, data: Any) -> list[Sheet]:
    if report in LAYOUTS:
        return LAYOUTS[report](data)
    if isinstance(data, list):
        sheet = _records(data, reports.row_type(report))
        sheet.name = report
        return [sheet]
    return _object_sheets(report, data)


Words = Callable[[str, str], str]  # (vocabulary, code) -> how the reader says it

# Columns whose cells are codes of a vocabulary (see cli/_words.py); "key" is the first column
# of a key/value sheet (active_members, as_of, ...).
CELL_WORDS = {
    "tier": "tier", "next_tier": "tier", "status": "status", "segment": "segment",
    "type": "kind", "key": "key", "risk": "risk",
}  # fmt: skip


def write_report(path: Path, report: str, data: Any, words: Words | None = None) -> list[str]:
    """Write `data` (what the report's `build` returned) to `path`; returns the sheet names.
    `words`, given for a reader of another language than English, says codes in cells in words
    (金卡会员 for gold, 活跃会员 for active_members); English keeps the codes.

    The workbook is written in openpyxl's write-only (streaming) mode: about twice as fast and a
    fraction of the memory for a report of 100,000s of rows."""
    sheets = sheets_for(report, data)
    for sheet in sheets:
        if words is not None:
            sheet.name = words("sheet", sheet.name)  # 概览, 按状态; a question's sheet stays
            _in_words(sheet, words)
    with atomic_output(path) as stream:
        book = Workbook(write_only=True)
        try:
            for sheet in sheets:
                _write_sheet(book.create_sheet(sheet.name[:31]), sheet)
            book.save(stream)
        except BaseException:
            _close_sheets(book)
            raise
    return [s.name for s in sheets]


def write_report_ods(path: Path, report: str, data: Any, words: Words | None = None) -> list[str]:
    """`write_report` to an .ods: the same sheets, headers and cells, tables only (no charts),
    text as string cells (never run as formulas, so none gets a `'`)."""
    from memberctl.spreadsheets.ods import write_ods

    sheets = sheets_for(report, data)
    for sheet in sheets:
        if words is not None:
            sheet.name = words("sheet", sheet.name)
            _in_words(sheet, words)
    labels = header_labels()
    tables = [
        (
            sheet.name[:31],
            [labels.get(h, h) for h in sheet.headers],
            ([_ods_value(raw) for raw in row] for row in sheet.rows),
        )
        for sheet in sheets
    ]
    with atomic_output(path) as stream:
        write_ods(stream, tables)
    return [s.name for s in sheets]


def _ods_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _close_sheets(book: Any) -> None:
    """After a failure: finish each streaming sheet's temporary file now, while it is open;
    left to the garbage collector, its row writer would fail at exit with a traceback."""
    for sheet in book.worksheets:
        if not sheet.closed:
            with contextlib.suppress(Exception):
                sheet.close()


def _in_words(sheet: Sheet, words: Words) -> None:
    """The codes in the vocabulary columns, and a key/value sheet's `action` value, in words."""
    kinds = [CELL_WORDS.get(header) for header in sheet.headers]
    if not any(kinds):
        return
    for row in sheet.rows:
        for c, kind in enumerate(kinds):
            if kind is not None and isinstance(row[c], str):
                row[c] = words(kind, row[c])
        if sheet.headers == ["key", "value"] and row[0] == words("key", "action"):
            row[1] = words("kind", str(row[1]))


def _cell_value(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, Decimal):
        return float(value), FORMATS[Decimal]
    if isinstance(value, dt.datetime):
        return value, FORMATS[dt.datetime]
    if isinstance(value, dt.date):
        return value, FORMATS[dt.date]
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str), None
    return value, None


def _widths(sheet: Sheet) -> list[int]:
    widths = [len(h) for h in sheet.headers]
    for row in sheet.rows:
        for c, raw in enumerate(row):
            if raw is not None:
                widths[c] = max(widths[c], len(str(raw)))
    return [min(w + 2, MAX_WIDTH) for w in widths]


def _write_sheet(ws: Any, sheet: Sheet) -> None:
    """Widths and the frozen header first: a streaming sheet takes them before any row."""
    for c, width in enumerate(_widths(sheet), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    header = []
    labels = header_labels()
    for title in sheet.headers:
        cell = WriteOnlyCell(ws, value=labels.get(title, title))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    ws.append(header)
    for row in sheet.rows:
        ws.append([_cell(ws, raw) for raw in row])
    for index, chart in enumerate(sheet.charts):
        anchor = f"{get_column_letter(len(sheet.headers) + 2)}{2 + index * 16}"
        ws.add_chart(_chart(ws, chart, len(sheet.rows)), anchor)


def header_labels() -> dict[str, str]:
    """Column names as a Chinese reader calls them; English keeps the field names (scripts read
    them), and so does any field not listed here."""
    if current() == "en":
        return {}
    return {
        "key": pgettext("column", "key"),
        "value": pgettext("column", "value"),
        "month": pgettext("column", "month"),
        "new_members": pgettext("column", "new members"),
        "total_members": pgettext("column", "members in total"),
        "member_no": pgettext("column", "member no"),
        "name": pgettext("column", "name"),
        "phone": pgettext("column", "phone"),
        "tier": pgettext("column", "tier"),
        "status": pgettext("column", "status"),
        "members": pgettext("column", "members"),
        "recency": pgettext("column", "recency"),
        "frequency": pgettext("column", "frequency"),
        "monetary": pgettext("column", "monetary"),
        "segment": pgettext("column", "segment"),
        "last_purchase_at": pgettext("column", "last purchase"),
        "recency_days": pgettext("column", "days since"),
        "purchases": pgettext("column", "purchases"),
        "spend": pgettext("column", "spend"),
        "inactive_days": pgettext("column", "inactive days"),
        "points": pgettext("column", "points"),
        "next_tier": pgettext("column", "next tier"),
        "spend_12m": pgettext("column", "12-month spend"),
        "threshold": pgettext("column", "threshold"),
        "gap": pgettext("column", "to go"),
        "birthday": pgettext("column", "birthday"),
        "next_birthday": pgettext("column", "next birthday"),
        "age": pgettext("column", "turns"),
        "question": pgettext("column", "question"),
        "type": pgettext("column", "type"),
        "answer": pgettext("column", "answer"),
        "count": pgettext("column", "count"),
        "share": pgettext("column", "share"),
        "mean": pgettext("column", "mean"),
        "taken_at": pgettext("column", "taken at"),
        "text": pgettext("column", "text"),
        "referred": pgettext("column", "referred"),
        "cancelled": pgettext("column", "since cancelled"),
        "referred_purchases": pgettext("column", "their purchases"),
        "referred_spend": pgettext("column", "their spend"),
        "own_purchases": pgettext("column", "own purchases"),
        "own_spend": pgettext("column", "own spend"),
        "referrer_no": pgettext("column", "referrer no"),
        "referrer_name": pgettext("column", "referrer name"),
        "joined_at": pgettext("column", "joined"),
        # report stores
        "store": pgettext("column", "store"),
        "revenue": pgettext("column", "revenue"),
        "buyers": pgettext("column", "buyers"),
        "average_order": pgettext("column", "average order"),
        "repeat_buyers": pgettext("column", "repeat buyers"),
        "repurchase_rate": pgettext("column", "repurchase rate"),
        "visitors": pgettext("column", "visitors"),
        "visitor_share": pgettext("column", "visitor share"),
        "new_home_members": pgettext("column", "new members (home store)"),
        "home_members": pgettext("column", "members (home store)"),
        # report products ("revenue" and "buyers": above)
        "category": pgettext("column", "category"),
        "item": pgettext("column", "item"),
        "revenue_share": pgettext("column", "share of revenue"),
        "buyer_share": pgettext("column", "share of buyers"),
        "rank": pgettext("column", "rank by revenue"),
        "buyers_rank": pgettext("column", "rank by buyers"),
        "shop_share": pgettext("column", "shop's share"),
        "index": pgettext("column", "index"),
        "a": pgettext("column", "A"),
        "b": pgettext("column", "B"),
        "baskets": pgettext("column", "baskets with both"),
        "a_baskets": pgettext("column", "baskets with A"),
        "b_baskets": pgettext("column", "baskets with B"),
        "support": pgettext("column", "support"),
        "confidence_ab": pgettext("column", "confidence A to B"),
        "confidence_ba": pgettext("column", "confidence B to A"),
        "lift": pgettext("column", "lift"),
        "purchase_days": pgettext("column", "days bought"),
        "p_alive": pgettext("column", "still a customer"),
        "expected_purchases": pgettext("column", "expected visits"),
        "expected_value": pgettext("column", "expected spend"),
        "value_at_risk": pgettext("column", "value at risk"),
        "risk": pgettext("column", "risk"),
    }


def _cell(ws: Any, raw: Any) -> Any:
    if isinstance(raw, str) and raw[:1] in RISKY_FIRST:
        return _text_cell(ws, raw)
    value, number_format = _cell_value(raw)
    if number_format is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _text_cell(ws: Any, raw: str) -> Any:
    """Text a spreadsheet could run as a formula: a string cell with the quote-prefix style,
    never a formula cell (openpyxl makes one of any text starting with `=`)."""
    value, prefix = xlsx_text(raw)
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if prefix:
        cell.quotePrefix = True
    return cell


def _chart(ws: Any, spec: Chart, count: int) -> Any:
    chart: Any = {"bar": BarChart, "line": LineChart, "pie": PieChart}[spec.kind]()
    chart.title = spec.title
    last = max(count, 1) + 1
    data = Reference(ws, min_col=spec.values, min_row=1, max_row=last)
    categories = Reference(ws, min_col=1, min_row=2, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    if spec.kind == "line":  # LibreOffice draws a line series as a smoothed curve unless told
        for series in chart.series:
            series.smooth = False
    if spec.kind != "pie":
        chart.y_axis.title = spec.y_title
        chart.legend = None
    chart.width, chart.height = 18, 8
    return chart


def _referrals(data: Any) -> list[Sheet]:
    """The period, the referrers, and who each one referred (referrer -> member)."""
    from memberctl.domain.reports import referrals

    period = Sheet("referrals", ["key", "value"], [["start", data.start], ["end", data.end]])
    referrers = _records(data.referrers, referrals.ReferrerRow)
    referrers.name = "referrers"
    referred = _records(data.referred, referrals.ReferredRow)
    referred.name = "referred"
    return [period, referrers, referred]


LAYOUTS["referrals"] = _referrals


def _stores(data: Any) -> list[Sheet]:
    """`report stores`: a row per store (no store labelled) with a bar chart of revenue per
    store, then the total and the period on a key/value sheet."""
    from memberctl.domain.reports import by_store

    sheet = _records(data.stores, by_store.StoreRow)
    sheet.name = "stores"
    for row in sheet.rows:
        row[0] = row[0] if row[0] is not None else pgettext("stores", "(no store)")
    revenue = sheet.headers.index("revenue") + 1
    sheet.charts.append(Chart("bar", _("Revenue by store"), revenue, _("revenue")))
    total = Sheet("total", ["key", "value"], [["start", data.start], ["end", data.end]])
    total.rows += [[k, v] for k, v in _as_dict(data.total).items() if k not in ("store", "name")]
    return [sheet, total]


LAYOUTS["stores"] = _stores


def _products(data: Any) -> list[Sheet]:
    """`report products`: its figures, the best sellers (a bar chart of their revenue), the
    group against the shop (with --member, --segment or --where), the pairs bought together."""
    from memberctl.domain.reports import products
    from memberctl.domain.reports.products import label as product_label

    keys = ["start", "end", "store", "revenue", "purchases", "buyers", "baskets", "min_baskets"]
    overview = Sheet("products", ["key", "value"], [[k, getattr(data, k)] for k in keys])
    by_item = data.by == "item"
    first = ["item", "category"] if by_item else ["category"]
    figures = ["revenue", "revenue_share", "buyers", "buyer_share", "purchases", "rank"]
    sellers = Sheet(
        "sellers",
        [*first, *figures, "buyers_rank"],
        [
            [product_label(r), *([r.category] if by_item else [])]
            + [getattr(r, f) for f in [*figures, "buyers_rank"]]
            for r in data.sellers
        ],
    )
    title = _("Revenue by item") if by_item else _("Revenue by category")
    sellers.charts.append(Chart("bar", title, len(first) + 1, _("revenue")))
    sheets = [overview, sellers]
    group = data.member
    if group is not None:
        for key in ("member_no", "segment", "where"):
            if getattr(group, key) is not None:
                overview.rows.append([key, getattr(group, key)])
        overview.rows += [
            ["member_revenue", group.revenue],
            ["member_purchases", group.purchases],
            ["member_buyers", group.buyers],
        ]
        shares = ["revenue", "share", "shop_share", "index", "purchases"]
        rows = [[product_label(r)] + [getattr(r, f) for f in shares] for r in group.rows]
        sheets.append(Sheet("member", [first[0], *shares], rows))
    pairs = _records(data.pairs, products.PairRow)
    pairs.name = "pairs"
    return [*sheets, pairs]


LAYOUTS["products"] = _products
