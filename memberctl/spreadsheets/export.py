"""Exporting members to `.xlsx` (xlsxwriter, constant memory) or `.csv` (UTF-8 with BOM).

An export imports back unchanged: the columns are the import's own headers (Chinese or English),
text a spreadsheet would run as a formula is escaped with a leading `'` (import removes it),
dates and times are real date cells in `.xlsx`, phones are text (national digits for CN mobiles,
E.164 otherwise), money has two decimals. `--mask-phone` (138****8000) is for sharing, not for
importing back. Forgotten members are left out: they have no personal data left to export.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from memberctl.domain import bulk, money, phones
from memberctl.errors import UsageProblem
from memberctl.spreadsheets.normalize import escape

HEADERS = {
    "zh": {
        "member_no": "会员卡号", "name": "姓名", "phone": "手机号", "gender": "性别",
        "birthday": "生日", "email": "邮箱", "tier": "会员等级", "status": "状态", "points": "积分",
        "balance": "余额", "store": "门店", "tags": "标签", "joined_at": "注册时间",
        "referrer": "推荐人", "address": "地址",
    },
    "en": {name: name for name in bulk.EXPORT_FIELDS},
}  # fmt: skip
GENDERS = {"zh": {"male": "男", "female": "女"}, "en": {"male": "male", "female": "female"}}


def phone_text(e164: str | None, mask: bool) -> str | None:
    if e164 is None:
        return None
    if mask:
        return phones.mask(e164)
    return e164[3:] if e164.startswith("+861") and len(e164) == 14 else e164


def export_members(
    *, session: Session, path: Path, lang: str = "zh", mask_phone: bool = False,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> int:  # fmt: skip
    """Write the members matching `conditions` (members.member_conditions) to `path`; returns
    how many."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UsageProblem(f"cannot export to '{path.name}'", "give a .xlsx or .csv file name")
    rows = bulk.export_rows(session, conditions=conditions)
    header = [HEADERS[lang][name] for name in bulk.EXPORT_FIELDS]
    shaped = (_shape(row, lang, mask_phone) for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        return write_csv(path, header, shaped)
    return write_xlsx(path, header, shaped)


def _shape(row: tuple[Any, ...], lang: str, mask: bool) -> list[Any]:
    (member_no, name, phone, gender, birthday, email, tier, status, points, balance, store, tags,
     joined_at, referrer, address) = row  # fmt: skip
    return [
        escape(member_no), _text(name), _text(phone_text(phone, mask)),
        GENDERS[lang].get(gender) if gender else None, birthday, _text(email), tier, status,
        points, Decimal(balance), _text(store), escape(",".join(tags)) if tags else None,
        joined_at, referrer, _text(address),
    ]  # fmt: skip


def _text(value: str | None) -> str | None:
    return escape(value) if value else None


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return money.format(value) or ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
    return count


def write_xlsx(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_numbers": False,
               "strings_to_formulas": False, "strings_to_urls": False}  # fmt: skip
    book = xlsxwriter.Workbook(str(path), options)
    sheet = book.add_worksheet("members")
    writers = _cell_writers(book, sheet)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is not None:
                writers[col](count, col, value)
    book.close()
    return count


def _cell_writers(book: Any, sheet: Any) -> list[Callable[[int, int, Any], Any]]:
    """One writer per export column: text stays text, dates are date cells, money 0.00."""
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    cash = book.add_format({"num_format": "0.00"})
    text = sheet.write_string
    kinds: dict[str, Callable[[int, int, Any], Any]] = {
        "birthday": lambda r, c, v: sheet.write_datetime(r, c, v, date),
        "joined_at": lambda r, c, v: sheet.write_datetime(r, c, v, moment),
        "points": sheet.write_number,
        "balance": lambda r, c, v: sheet.write_number(r, c, float(v), cash),
    }
    widths = {"phone": 14, "birthday": 11, "joined_at": 19, "email": 24, "address": 30}
    for col, name in enumerate(bulk.EXPORT_FIELDS):
        sheet.set_column(col, col, widths.get(name, 10))
    return [kinds.get(name, text) for name in bulk.EXPORT_FIELDS]
