"""The blank import template: the headers import expects, one example row, and cells set up so
that Excel keeps values as they are typed (phones as text, dates as dates, drop-down lists for
gender and tier). Written with openpyxl, which can add data validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from memberctl.atomic import atomic_output
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.spreadsheets.export import HEADERS

COLUMNS = (
    "name", "phone", "gender", "birthday", "email", "tier", "store", "tags", "points", "balance",
    "member_no", "joined_at", "referrer", "status", "address",
)  # fmt: skip
EXAMPLE = {
    "name": "张三", "phone": "13800138000", "gender": "男", "birthday": dt.date(1990, 5, 6),
    "email": "zhangsan@example.com", "tier": "basic", "store": "总店", "tags": "vip,新客",
    "points": 100, "balance": 50.0, "member_no": None, "joined_at": None, "referrer": None,
    "status": "active", "address": None,
}  # fmt: skip
FORMATS = {
    "phone": "@",
    "member_no": "@",
    "referrer": "@",
    "birthday": "yyyy-mm-dd",
    "joined_at": "yyyy-mm-dd hh:mm:ss",
    "balance": "0.00",
    "points": "0",
}
PREPARED_ROWS = 1000  # rows given the column formats and drop-downs


def write_template(path: Path, tiers: Sequence[str], lang: str = "zh") -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if path.suffix.lower() == ".ods":
        return _write_ods(path, tiers, lang)
    if path.suffix.lower() != ".xlsx":
        raise UsageProblem(
            _("cannot write a template to '{name}'").format(name=path.name),
            _("give a .xlsx or .ods file name"),
        )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "members"
    sheet.append([HEADERS[lang][name] for name in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([EXAMPLE[name] for name in COLUMNS])
    for col, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = 16 if name in FORMATS else 12
        if name in FORMATS:
            for row in range(2, PREPARED_ROWS + 2):
                sheet.cell(row=row, column=col).number_format = FORMATS[name]
    _validation(sheet, "gender", ["男", "女"] if lang == "zh" else ["male", "female"])
    _validation(sheet, "tier", list(tiers))
    _validation(sheet, "status", ["active", "frozen", "cancelled"])
    sheet.freeze_panes = "A2"
    with atomic_output(path) as stream:
        book.save(stream)
    return path


def _write_ods(path: Path, tiers: Sequence[str], lang: str) -> Path:
    """The .ods template: the headers, the example row, then rows prepared as in the .xlsx
    (phone and number columns as text, drop-downs for gender, tier and status)."""
    from memberctl.spreadsheets.ods import Prepared, write_ods

    header = [HEADERS[lang][name] for name in COLUMNS]
    example = [EXAMPLE[name] for name in COLUMNS]
    genders = ["男", "女"] if lang == "zh" else ["male", "female"]
    lists = {"gender": genders, "tier": list(tiers), "status": ["active", "frozen", "cancelled"]}
    prepared = Prepared(
        rows=PREPARED_ROWS,
        text=frozenset(COLUMNS.index(name) for name, fmt in FORMATS.items() if fmt == "@"),
        lists={COLUMNS.index(name): choices for name, choices in lists.items() if choices},
        message=_("choose one of: {choices}"),
    )
    with atomic_output(path) as stream:
        write_ods(stream, [("members", header, [example])], prepared)
    return path


def _validation(sheet: object, name: str, choices: list[str]) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(COLUMNS.index(name) + 1)
    rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
    rule.error = _("choose one of: {choices}").format(choices=", ".join(choices))
    rule.add(f"{letter}2:{letter}{PREPARED_ROWS + 1}")
    sheet.add_data_validation(rule)  # type: ignore[attr-defined]
