"""Exporting members to `.xlsx` (xlsxwriter, constant memory), `.ods` (streamed, see
memberctl.spreadsheets.ods) or `.csv` (UTF-8 with BOM),
written whole or not at all (memberctl.atomic).

An export imports back unchanged: the columns are the import's own headers (Chinese or English),
text a spreadsheet would run as a formula is a quote-prefixed string cell in `.xlsx` and is
escaped with a leading `'` in `.csv` (import removes it), dates and times are real date cells in
`.xlsx`, phones are text (national digits for CN mobiles, E.164 otherwise: escaping.phone_cell),
money has two decimals. `--mask-phone` (138****8000) is for sharing, not for
importing back. Forgotten members are left out: they have no personal data left to export.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from memberctl import collector
from memberctl.atomic import atomic_output, scratch_folder, text_output
from memberctl.domain import money, phones
from memberctl.domain.exports import EXPORT_FIELDS, ExportRow
from memberctl.errors import UsageProblem
from memberctl.escaping import RISKY_FIRST, csv_phone, escape, phone_cell, xlsx_text
from memberctl.i18n import _

HEADERS = {
    "zh": {
        "member_no": "会员卡号", "name": "姓名", "phone": "手机号", "gender": "性别",
        "birthday": "生日", "email": "邮箱", "tier": "会员等级", "status": "状态", "points": "积分",
        "balance": "余额", "store": "门店", "tags": "标签", "joined_at": "注册时间",
        "referrer": "推荐人", "address": "地址",
    },
    "en": {name: name for name in EXPORT_FIELDS},
}  # fmt: skip
COLUMN = {name: col for col, name in enumerate(EXPORT_FIELDS)}  # an export field's column
GENDERS = {"zh": {"male": "男", "female": "女"}, "en": {"male": "male", "female": "female"}}


def phone_text(e164: str | None, mask: bool) -> str | None:
    if e164 is None:
        return None
    return phones.mask(e164) if mask else phone_cell(e164)


def export_members(
    *, rows: Iterable[ExportRow], path: Path, lang: str = "zh", mask_phone: bool = False
) -> int:
    """Write `rows` (domain.exports.export_rows, read as they are written) to `path`; returns
    how many."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".ods"):
        raise UsageProblem(
            _("cannot export to '{name}'").format(name=path.name),
            _("give a .xlsx, .ods or .csv file name"),
        )
    header = [HEADERS[lang][name] for name in EXPORT_FIELDS]
    if suffix == ".csv":
        return write_csv(path, header, (_shape(row, lang, mask_phone) for row in rows))
    if suffix == ".ods":
        return write_ods_members(path, header, rows, lang, mask_phone)
    return write_xlsx(path, header, rows, lang, mask_phone)


def _shape(row: ExportRow, lang: str, mask: bool) -> list[Any]:
    (
        member_no,
        name,
        phone,
        gender,
        birthday,
        email,
        tier,
        status,
        points,
        balance,
        store,
        tags,
        joined_at,
        referrer,
        address,
    ) = row
    return [
        escape(member_no),
        _text(name),
        phones.mask(phone) if mask else csv_phone(phone),
        GENDERS[lang].get(gender) if gender else None,
        birthday,
        _text(email),
        tier,
        status,
        points,
        Decimal(balance),
        _text(store),
        escape(",".join(tags)) if tags else None,
        joined_at,
        referrer,
        _text(address),
    ]


def _ods_shape(row: ExportRow, lang: str, mask: bool) -> list[Any]:
    """One member for an .ods: text as string cells (never run as formulas, so nothing is
    escaped: ods.cell adds a `'` only where import would remove one), dates as date cells."""
    (
        member_no,
        name,
        phone,
        gender,
        birthday,
        email,
        tier,
        status,
        points,
        balance,
        store,
        tags,
        joined_at,
        referrer,
        address,
    ) = row
    return [
        member_no,
        name,
        phone_text(phone, mask),
        GENDERS[lang].get(gender) if gender else None,
        birthday,
        email,
        tier,
        status,
        points,
        Decimal(balance),
        store,
        ",".join(tags) if tags else None,
        joined_at,
        referrer,
        address,
    ]


def write_ods_members(
    path: Path, header: list[str], rows: Iterable[ExportRow], lang: str, mask: bool
) -> int:
    """`rows` (ExportRow), streamed into an .ods (see spreadsheets.ods)."""
    from memberctl.spreadsheets.ods import write_ods

    shaped = (_ods_shape(row, lang, mask) for row in rows)
    with atomic_output(path) as stream:
        return write_ods(stream, [("members", header, shaped)])[0]


def _text(value: str | None) -> str | None:
    return _escaped(value) if value else None


def _escaped(text: str) -> str:
    """`escape`, with the common case (a first character no formula starts with) cheap."""
    return escape(text) if text[:1] in RISKY_FIRST else text


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
    with text_output(path, bom=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
    return count


def write_xlsx(
    path: Path,
    header: list[str],
    rows: Iterable[ExportRow],
    lang: str = "zh",
    mask: bool = False,
) -> int:
    """`rows` (ExportRow). The hot loop goes straight to xlsxwriter's cell
    writers (what `write_row` does after dispatching on each value's type), with dates turned
    into Excel serial numbers here: 100,000 members write faster than a bare `write_row`."""
    with atomic_output(path) as stream, scratch_folder("memberctl-") as work:
        return _write_book(stream, str(work), header, rows, lang, mask)


def _write_book(
    stream: IO[bytes],
    work: str,
    header: list[str],
    rows: Iterable[ExportRow],
    lang: str,
    mask: bool,
) -> int:
    """The workbook into `stream`, xlsxwriter's row files in the folder `work` (removed after,
    whatever happens)."""
    import xlsxwriter

    options = {
        "constant_memory": True,
        "strings_to_numbers": False,
        "tmpdir": work,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    book = xlsxwriter.Workbook(stream, options)
    sheet = book.add_worksheet("members")
    widths = {"phone": 14, "birthday": 11, "joined_at": 19, "email": 24, "address": 30}
    for col, name in enumerate(EXPORT_FIELDS):
        sheet.set_column(col, col, widths.get(name, 10))
    sheet.write_row(0, 0, header, book.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    write_texts, write_values = _row_writers(book, sheet, lang, mask)
    reopen = _write_only_rows(sheet)
    count = 0
    with collector.paused():  # ~10 tuples per row, none in a cycle: its passes cost ~2%
        for count, row in enumerate(rows, start=1):
            write_texts(count, row)
            write_values(count, row)
    if reopen:
        sheet._opt_close()  # book.close() reopens it readable, then copies the rows out
    book.close()
    return count


def _write_only_rows(sheet: Any) -> bool:
    """xlsxwriter keeps constant-memory rows in a temp file opened "w+", and Python resets the
    text decoder of a read-write file on every write (one write per cell: ~5% of an export).
    While rows are written, use a write-only handle on the same file; True when swapped."""
    name, handle = getattr(sheet, "row_data_filename", None), getattr(sheet, "row_data_fh", None)
    if not name or handle is None or handle.tell() or not hasattr(sheet, "_opt_close"):
        return False  # another xlsxwriter layout: keep its own handle
    handle.close()
    sheet.fh = sheet.row_data_fh = open(name, "w", encoding="utf-8")  # noqa: SIM115
    return True


_EPOCH = dt.datetime(1899, 12, 31)  # xlsxwriter's epoch for Excel's 1900 date system
_EPOCH_DAY = _EPOCH.toordinal()
_LEAP_BUG = dt.datetime(1900, 3, 1)  # Excel counts a 29 February 1900: +1 from here on
_LEAP_BUG_DAY = _LEAP_BUG.date()


def _row_writers(book: Any, sheet: Any, lang: str, mask: bool) -> tuple[Callable[..., None], ...]:
    """Two writers of one member row (columns of `EXPORT_FIELDS`): its text cells, and its
    gender, number and date cells. Empty values leave the cell empty."""
    # The cell-level writers behind write_string/write_number (no argument conversion layer);
    # the public ones if a future xlsxwriter renames them.
    text = getattr(sheet, "_write_string", sheet.write_string)
    number = getattr(sheet, "_write_number", sheet.write_number)
    return _text_writer(book, text, mask), _value_writer(book, sheet, text, number, lang)


def _quoting_writer(book: Any, text: Callable[..., Any]) -> Callable[[int, int, str], None]:
    quoted = book.add_format({"quote_prefix": True})

    def put(r: int, col: int, value: str) -> None:
        """Formula-like text as it is, in a quote-prefixed string cell (escaping.xlsx_text)."""
        if value[:1] in RISKY_FIRST:
            value, prefix = xlsx_text(value)
            text(r, col, value, quoted if prefix else None)
        else:
            text(r, col, value)

    return put


def _text_writer(book: Any, text: Callable[..., Any], mask: bool) -> Callable[..., None]:
    put = _quoting_writer(book, text)
    c = COLUMN  # the columns looked up once, not per row
    no_col, name_col, email_col, store_col = c["member_no"], c["name"], c["email"], c["store"]
    address_col, phone_col, tags_col, ref_col = c["address"], c["phone"], c["tags"], c["referrer"]

    def write_texts(r: int, row: ExportRow) -> None:
        put(r, no_col, row.member_no)
        if row.name:
            put(r, name_col, row.name)
        if row.email:
            put(r, email_col, row.email)
        if row.store:
            put(r, store_col, row.store)
        if row.address:
            put(r, address_col, row.address)
        if row.phone:
            put(r, phone_col, phone_text(row.phone, mask))  # type: ignore[arg-type]
        if row.tags:
            put(r, tags_col, ",".join(row.tags))
        if row.referrer:
            text(r, ref_col, row.referrer)

    return write_texts


def _value_writer(
    book: Any, sheet: Any, text: Callable[..., Any], number: Callable[..., Any], lang: str
) -> Callable[..., None]:
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    cash = book.add_format({"num_format": "0.00"})
    genders = GENDERS[lang]
    c = COLUMN
    gender_col, birthday_col, tier_col = c["gender"], c["birthday"], c["tier"]
    status_col = c["status"]
    points_col, balance_col, joined_col = c["points"], c["balance"], c["joined_at"]

    def write_values(r: int, row: ExportRow) -> None:
        gender = genders.get(row.gender) if row.gender else None
        if gender:
            text(r, gender_col, gender)
        if row.birthday is not None:
            number(r, birthday_col, _day_serial(row.birthday), date)
        text(r, tier_col, row.tier)
        text(r, status_col, row.status)
        number(r, points_col, row.points)
        number(r, balance_col, float(row.balance), cash)
        joined = row.joined_at
        if joined.tzinfo is None and joined >= _LEAP_BUG:
            number(r, joined_col, _moment_serial(joined), moment)
        else:
            sheet.write_datetime(r, joined_col, joined, moment)

    return write_values


def _moment_serial(moment: dt.datetime) -> float:
    """Excel's serial number of a naive time from 1 March 1900 on, as write_datetime has it."""
    delta = moment - _EPOCH
    return delta.days + 1 + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400


def _day_serial(day: dt.date) -> float:
    """Excel's serial number of a date, as xlsxwriter's write_datetime computes it."""
    return float(day.toordinal() - _EPOCH_DAY + (day >= _LEAP_BUG_DAY))
