"""Cell values into clean field values: each distinct raw value of a column is parsed once.

A column parser takes the raw cells (a pandas Series of object dtype: text, numbers, dates as
calamine or the CSV reader gave them) and returns one value and one error message (or None) per
row. Values are parsed per *distinct* raw value (`pd.factorize`), so a column of 100,000 cells
with many repeats costs one parse per distinct value, and the common shapes (a plain 11-digit CN
mobile) take a fast path.

What is recovered: phones stored as numbers (`13800138000.0`), with spaces, dashes, `+86`, or
full-width digits; genders 男/女/M/F/male/female; dates as real date cells, Excel serials,
`2020/1/2`, `2020-01-02`, `2020年1月2日`, `1990.05.06`; tags split on , ， ; 、; money to exact
Decimal. What is rejected with a reason, never guessed: a phone in scientific notation
(`1.38001E+10`, its last digits are gone), a date that does not exist (`1990-02-30`), a
fractional number of points.

Formula escaping: export puts a `'` before text a spreadsheet would run as a formula (starting
with = + - @ tab CR, after any quotes already there); `unescape` removes exactly that one quote,
so export -> import is exact.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd

from memberctl.domain import fields, money, phones
from memberctl.domain.tiers import TierNames
from memberctl.errors import InvalidInput
from memberctl.escaping import FORMULA_START, escape, unescape  # noqa: F401
from memberctl.i18n import _

_CN_MOBILE = phones.CN_MOBILE  # what phonenumbers accepts as a mainland mobile, exactly
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_FLOAT_TEXT = re.compile(r"(\d+)\.00?")
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31

Column = tuple[list[Any], list[str | None]]  # (value per row, error message or None per row)


def is_blank(raw: Any) -> bool:
    return raw is None or raw == "" or (isinstance(raw, float) and raw != raw)


def cell_text(raw: Any) -> str:
    """A cell as the text a person typed: numbers without `.0`, formula escapes removed."""
    if is_blank(raw):
        return ""
    if isinstance(raw, str):
        return unescape(raw.strip())
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


def by_value(series: pd.Series, parse: Callable[[Any], Any]) -> Column:
    """Apply `parse` once per distinct raw value; InvalidInput becomes that row's error."""
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    uniques = distinct.tolist()
    fast = getattr(parse, "bulk", None)
    values: list[Any] = fast(uniques) if fast is not None and len(uniques) > 100 else []
    values = values or [None] * len(uniques)
    errors: list[str | None] = [None] * len(uniques)
    for at in [at for at, done in enumerate(values) if done is None]:  # not done in bulk
        try:
            values[at] = parse(uniques[at])
        except InvalidInput as exc:
            errors[at] = str(exc)
    values.append(blank_value(parse))
    errors.append(None)
    positions = codes.tolist()  # code -1 (a missing cell) is the blank value appended last
    if not any(errors):
        return list(map(values.__getitem__, positions)), [None] * len(positions)
    return list(map(values.__getitem__, positions)), list(map(errors.__getitem__, positions))


def blank_value(parse: Callable[[Any], Any]) -> Any:
    try:
        return parse("")
    except InvalidInput:
        return None


# --- one raw value -> one field value (None when blank) --------------------------------------


def visible(value: str, what: str, free: bool = False) -> str:
    """`value` unless it holds a character that may not be stored (`fields.check_text`'s rule:
    control characters and text-direction marks; free text, an address, keeps tab and line
    breaks), which is refused naming it in the words of a cell."""
    found = fields.first_unstorable(value, multiline=free)
    if found is not None:
        raise InvalidInput(
            _("{what} contains the control character U+{code:04X}").format(
                what=what, code=ord(found[0])
            ),
            _("remove it from the cell (most programs do not show it)"),
        )
    return value


def text(limit: int, what: str, free: bool = False) -> Callable[[Any], str | None]:
    """Text of at most `limit` characters; `free` text (an address) may hold line breaks."""

    def parse(raw: Any) -> str | None:
        return fields.parse_text(visible(cell_text(raw), what, free), what, limit)

    return parse


def name(raw: Any) -> str | None:
    value = visible(cell_text(raw), _("the name"))
    return fields.parse_name(value) if value else None


def _bulk_names(uniques: Any) -> list[str | None]:
    """Names that `name` would return unchanged (text without spaces, quotes or characters NFKC
    changes, at most 100 long) in one pass; the rest (None) go through `name`."""
    normal = unicodedata.is_normalized
    return [
        raw
        if type(raw) is str
        and 0 < len(raw) <= 100
        and raw.isprintable()
        and " " not in raw
        and raw[0] != "'"
        and normal("NFKC", raw)
        else None
        for raw in uniques
    ]


name.bulk = _bulk_names  # type: ignore[attr-defined]


def _bulk_cn_mobiles(uniques: Any) -> list[str | None]:
    """Plain 11-digit CN mobiles as text, in one pass (the rest, None, go through `phone`)."""
    mobile = _CN_MOBILE.fullmatch
    return ["+86" + raw if type(raw) is str and mobile(raw) else None for raw in uniques]


def phone(region: str) -> Callable[[Any], str | None]:
    def parse(raw: Any) -> str | None:
        if type(raw) is str and _CN_MOBILE.fullmatch(raw) and region == "CN":
            return "+86" + raw  # the common case, without normalising
        if isinstance(raw, float) and not raw.is_integer():
            raise InvalidInput(
                _("phone '{raw}' is not a whole number").format(raw=raw), _("type the phone again")
            )
        value = cell_text(raw)
        if not value:
            return None
        plain = unicodedata.normalize("NFKC", value)
        if _SCIENTIFIC.fullmatch(plain):
            raise InvalidInput(
                _("phone '{value}' is in scientific notation and its last digits are lost").format(
                    value=value
                ),
                _("format the column as text in Excel and type or export the numbers again"),
            )
        whole = _FLOAT_TEXT.fullmatch(plain)  # `13800138000.0`: a number column written as text
        return phones.parse(whole[1] if whole else value, region)

    if region == "CN":
        parse.bulk = _bulk_cn_mobiles  # type: ignore[attr-defined]
    return parse


def gender(raw: Any) -> str | None:
    return fields.parse_gender(cell_text(raw))


def email(raw: Any) -> str | None:
    return fields.parse_email(visible(cell_text(raw), _("the e-mail address")))


def tags(raw: Any) -> list[str]:
    value = visible(cell_text(raw), _("a tag"))
    return fields.parse_tags([value]) if value else []


def member_no(raw: Any) -> str | None:
    value = visible(cell_text(raw), _("the member number"))
    return fields.parse_member_no(value) if value else None


def amount(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        raise InvalidInput(
            _("'{raw}' is not an amount of money").format(raw=raw), _("write it like 12.50")
        )
    if isinstance(raw, float | int):
        # a float cell to Excel's own 15 significant digits: 0.1 + 0.2 is 0.3, not 0.3000...04
        exact = Decimal(f"{raw:.15g}") if isinstance(raw, float) else Decimal(raw)
        return money.parse(_whole_cents(exact, raw))
    value = cell_text(raw)
    if not value:
        return None
    return money.parse(value)  # not an amount, or not whole cents: refused


def _whole_cents(amount: Decimal, raw: Any) -> Decimal:
    if amount.is_finite() and amount != amount.quantize(money.CENT):
        raise _not_whole_cents(raw)
    return amount


def _not_whole_cents(raw: Any) -> InvalidInput:
    return InvalidInput(
        _("'{raw}' has more than two decimals").format(raw=raw),
        _("write whole cents, e.g. {example}").format(example=_cents_example(raw)),
    )


def _cents_example(raw: Any) -> str:
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    head, dot, tail = text.partition(".")
    return f"{head}.{tail[:2]}" if dot and head else "12.50"


def points(raw: Any) -> int | None:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    else:
        value = unicodedata.normalize("NFKC", cell_text(raw)).replace(",", "")
        if not value:
            return None
        if not re.fullmatch(r"[+-]?\d+(?:\.0+)?", value):
            raise InvalidInput(
                _("points '{value}' is not a whole number").format(value=value),
                _("write it like 120"),
            )
        number = int(Decimal(value))
    if number < 0:
        raise InvalidInput(
            _("points '{number}' is negative").format(number=number), _("give 0 or more")
        )
    return number


def date(raw: Any) -> dt.date | None:
    """A date cell, an Excel serial or date text; a time of day, if any, is dropped."""
    value = datetime(raw)
    return value.date() if value is not None else None


def birthday(today: dt.date) -> Callable[[Any], dt.date | None]:
    """A date that is a possible birthday (fields.check_birthday): others are rejected rows."""

    def parse(raw: Any) -> dt.date | None:
        return fields.check_birthday(date(raw), today)

    def bulk(uniques: Any) -> list[dt.date | None]:  # out of range: left to `parse` to reject
        days = _bulk_dates(uniques)
        return [d if d is None or fields.FIRST_BIRTHDAY <= d <= today else None for d in days]

    parse.bulk = bulk  # type: ignore[attr-defined]
    return parse


def datetime(raw: Any) -> dt.datetime | None:
    if isinstance(raw, pd.Timestamp):
        raw = raw.to_pydatetime(warn=False)
    if isinstance(raw, dt.datetime):
        return _whole_second(raw.replace(tzinfo=None))
    if isinstance(raw, dt.date):
        return dt.datetime.combine(raw, dt.time())
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _serial(raw)
    value = unicodedata.normalize("NFKC", cell_text(raw))
    if not value:
        return None
    if _SERIAL_TEXT.fullmatch(value):
        return _serial(float(value))
    return _date_time_text(value)


_ISO = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"


_ISO_TEXT = re.compile(_ISO)


def _bulk_datetimes(uniques: Any) -> list[dt.datetime | None]:
    """The common cases in one pass: naive date-time cells on a whole second, date cells and
    ISO text (`2020-01-02[ 10:30[:00]]`). Anything else, including ISO text of a day that does
    not exist, is left (None) to `datetime`."""
    return [_common_datetime(raw) for raw in uniques]


def _common_datetime(raw: Any) -> dt.datetime | None:
    kind = type(raw)
    if kind is str:
        if not _ISO_TEXT.fullmatch(raw):
            return None
        try:
            return dt.datetime.fromisoformat(raw)
        except ValueError:
            return None
    if kind is dt.datetime:
        return raw if raw.tzinfo is None and not raw.microsecond else None
    if kind is dt.date:
        return dt.datetime.combine(raw, dt.time())
    return None


def _bulk_dates(uniques: Any) -> list[dt.date | None]:
    return [None if v is None else v.date() for v in _bulk_datetimes(uniques)]


datetime.bulk = _bulk_datetimes  # type: ignore[attr-defined]
date.bulk = _bulk_dates  # type: ignore[attr-defined]


def _serial(number: float) -> dt.datetime:
    if not 1 <= number <= _MAX_SERIAL:
        raise InvalidInput(
            _("'{number}' is not a date").format(number=number),
            _("write it as YYYY-MM-DD, e.g. 1990-05-06"),
        )
    return _whole_second(_EXCEL_EPOCH + dt.timedelta(days=number))


def _whole_second(moment: dt.datetime) -> dt.datetime:
    """Excel keeps times as fractions of a day; round off the float noise."""
    extra = dt.timedelta(seconds=round(moment.microsecond / 1e6))
    return moment.replace(microsecond=0) + extra


# Dates as LibreOffice Calc and Excel write them into a CSV, in their locale's short form:
# with a two-digit year (`3/5/90` en-US, `90年3月5日` zh-CN, `05.03.90`) the century is a guess;
# with the year last (`03/05/1990`) the order of day and month is. Both refused, saying why.
_SHORT_YEAR = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}年\d{1,2}月\d{1,2}日?")
_YEAR_LAST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")


def _csv_date(problem: str) -> InvalidInput:
    return InvalidInput(
        problem,
        _("save the file as .xlsx, or format the column as YYYY-MM-DD before saving the CSV"),
    )


def _date_time_text(value: str) -> dt.datetime:
    day_text, _sep, time_text = value.replace("T", " ").partition(" ")
    if _SHORT_YEAR.fullmatch(day_text):
        raise _csv_date(
            _(
                "date '{value}' has a two-digit year, as LibreOffice and Excel write short dates "
                "in a CSV file"
            ).format(value=value)
        )
    if _YEAR_LAST.fullmatch(day_text):
        raise _csv_date(
            _(
                "date '{value}' may be day first or month first, as LibreOffice and Excel write "
                "dates in a CSV file"
            ).format(value=value)
        )
    day = fields.parse_date(day_text)
    time_text = time_text.strip()
    if not time_text:
        return dt.datetime.combine(day, dt.time())
    match = _TIME.fullmatch(time_text)
    try:
        if match is None:
            raise ValueError(time_text)
        hour, minute, second = (int(part or 0) for part in match.groups())
        return dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError:
        raise InvalidInput(
            _("time '{value}' is not understood").format(value=value),
            _("write it like 2026-01-02 10:30:00"),
        ) from None


STATUSES = {
    "active": "active", "正常": "active", "有效": "active", "活跃": "active", "启用": "active",
    "frozen": "frozen", "冻结": "frozen", "已冻结": "frozen",
    "cancelled": "cancelled", "canceled": "cancelled", "注销": "cancelled",
    "已注销": "cancelled", "取消": "cancelled", "已取消": "cancelled",
}  # fmt: skip


def status(raw: Any) -> str | None:
    value = cell_text(raw)
    if not value:
        return None
    found = STATUSES.get(unicodedata.normalize("NFKC", value).strip().lower())
    if found is None:
        raise InvalidInput(
            _("status '{value}' is not understood").format(value=value),
            _("use active, frozen or cancelled (正常/冻结/注销)"),
        )
    return found


def tier(names: TierNames) -> Callable[[Any], str | None]:
    """A tier's code, name or name without 会员 (gold, 金卡会员, 金卡) -> its code."""

    def parse(raw: Any) -> str | None:
        value = cell_text(raw)
        if not value:
            return None
        found = names.resolve(value)
        if found is None:
            raise InvalidInput(_("tier '{value}' does not exist").format(value=value), names.hint())
        return found

    return parse
