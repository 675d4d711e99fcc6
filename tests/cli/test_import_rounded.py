"""A phone the spreadsheet rounded is never stored (issue 15, item 4): Calc turns the text
1.38E+10 into the number 13800000000 shown as 0.00E+00. In an .xlsx the cell's number format
says so; where formats are not read (.xls), a number of seven or more digits ending in 0000 is
refused; in a CSV the text 1.38E+10 is refused by the phone rule."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from memberctl.models import ImportRun, Member, Purchase
from tests.factories import enroll
from tests.spreadsheets.sheets import read_rows, write_csv, write_xls

ROUNDED = (
    "the spreadsheet rounded this phone (shown as 1.38E+10); format the column as Text and "
    "type it again"
)
ROUNDED_ZH = "表格把这个手机号四舍五入了（显示为 1.38E+10）；请把该列设为文本格式后重新输入"


def write_formatted(path: Path, rows: list[list[object]], formats: dict[int, str]) -> Path:
    """An .xlsx whose column B cells of the given sheet rows get a number format."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for number, code in formats.items():
        sheet.cell(row=number, column=2).number_format = code
    book.save(path)
    return path


def _import(run, path, *options, kind="members"):
    result = run("import", kind, str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


MEMBERS = [
    ["姓名", "手机号"],
    ["Good", 13912345678],
    ["Rounded", 13800000000],
    ["Typed", 13700000000],
    ["Text", "13600000000"],
]


def test_an_xlsx_phone_in_scientific_format_is_rejected_and_nothing_written(run, tmp_path, session):
    path = write_formatted(tmp_path / "m.xlsx", MEMBERS, {3: "0.00E+00"})
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert (data["rejected"], data["inserted"], data["would_insert"]) == (1, 0, 3)
    assert data["errors"] == [
        {"row": 3, "column": "手机号", "value": "13800000000", "message": ROUNDED}
    ]
    assert _count(session, Member) == 0
    assert _count(session, ImportRun) == 0
    errors_file = tmp_path / "m.xlsx.errors.xlsx"
    assert read_rows(errors_file)[1][:2] == ["Rounded", 13800000000]


def test_skip_invalid_stores_the_others_and_never_the_rounded_phone(run, tmp_path, session):
    rows = [*MEMBERS, ["Rounded too", 13800000000]]
    path = write_formatted(tmp_path / "m.xlsx", rows, {3: "0.00E+00", 2: "General", 6: "0.0E+0"})
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (3, 2)
    # one error each: the second rounded phone is not called a duplicate of the first
    assert [(e["row"], e["message"]) for e in data["errors"]] == [(3, ROUNDED), (6, ROUNDED)]
    phones = sorted(session.exec(select(Member.phone)).all())
    # 13700000000 in a General cell was typed as it is: only the format tells them apart
    assert phones == ["+8613600000000", "+8613700000000", "+8613912345678"]


@pytest.mark.parametrize("code", ["0.00E+00", "##0.0E+0", "0.000E+00", "0E+0"])
def test_every_scientific_format_is_caught(run, tmp_path, session, code):
    path = write_formatted(tmp_path / "m.xlsx", MEMBERS[:3], {3: code})
    result, data = _import(run, path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (1, 1), result.stderr
    assert data["errors"][0]["row"] == 3
    assert _count(session, Member) == 1


def test_the_chosen_sheet_s_formats_are_read(run, tmp_path):
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "other"
    first.append(["x"])
    sheet = book.create_sheet("members")
    for row in MEMBERS[:3]:
        sheet.append(row)
    sheet.cell(row=3, column=2).number_format = "0.00E+00"
    book.save(tmp_path / "m.xlsx")
    result, data = _import(run, tmp_path / "m.xlsx", "--sheet", "members", "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (1, 1), result.stderr


def test_the_message_is_in_the_clerk_s_language(run, tmp_path):
    path = write_formatted(tmp_path / "m.xlsx", MEMBERS[:3], {3: "0.00E+00"})
    result = run("--lang", "zh", "import", "members", str(path), "--format", "json")
    assert json.loads(result.stdout)["errors"][0]["message"] == ROUNDED_ZH


def test_an_xls_number_ending_in_0000_is_rejected(run, tmp_path, session):
    rows = [
        ["姓名", "手机号"],
        ["Good", 13912345678],
        ["Rounded", 13800000000.0],
        ["Text", "13600000000"],
        ["Short", "+8613500001234"],
    ]
    path = write_xls(tmp_path / "m.xls", {"Sheet1": rows})
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (3, 1)
    assert data["errors"] == [
        {"row": 3, "column": "手机号", "value": "13800000000", "message": ROUNDED}
    ]
    assert "+8613800000000" not in session.exec(select(Member.phone)).all()


def test_a_csv_phone_in_scientific_notation_stays_rejected(run, tmp_path, session):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["Rounded", "1.38E+10"]])
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert "scientific notation" in data["errors"][0]["message"]
    assert _count(session, Member) == 0


def test_a_purchase_with_a_rounded_phone_is_rejected(run, engine, tmp_path, session):
    enroll(engine, phone="13800000000")  # a member whose phone it might have been
    path = write_formatted(
        tmp_path / "p.xlsx",
        [["订单号", "手机号", "金额", "时间"], ["A1", 13800000000, "10.00", "2026-11-01 10:00"]],
        {2: "0.00E+00"},
    )
    result, data = _import(run, path, kind="purchases")
    assert result.exit_code == 5
    assert data["errors"] == [
        {"row": 2, "column": "手机号", "value": "13800000000", "message": ROUNDED}
    ]
    assert _count(session, Purchase) == 0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_an_xlsx_saved_by_libreoffice_with_a_rounded_phone(run, tmp_path, session):
    """The file as a Calc user has it: written by openpyxl, opened and saved by LibreOffice."""
    (tmp_path / "src").mkdir()
    source = write_formatted(tmp_path / "src" / "m.xlsx", MEMBERS[:3], {3: "0.00E+00"})
    out = tmp_path / "out"
    profile = f"file://{tmp_path}/lo-profile-rounded-{os.getpid()}"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out / "m.xlsx"
    assert converted.is_file()
    result, data = _import(run, converted)
    assert result.exit_code == 5, result.stderr
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (3, "手机号", ROUNDED)
    ]
    assert _count(session, Member) == 0
    session.rollback()  # a fresh read after the second import
    result, data = _import(run, converted, "--skip-invalid")
    assert (result.exit_code, data["inserted"], data["rejected"]) == (0, 1, 1)
    assert session.exec(select(Member.phone)).all() == ["+8613912345678"]
