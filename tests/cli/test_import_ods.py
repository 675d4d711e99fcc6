"""`memberctl import` of .ods (LibreOffice Calc's own format): typed cells, the sheet choice, the
errors file (an .ods beside the input), the size and cell limits checked before the sheet is
read, purchases, a file saved by LibreOffice itself, and .fods refused with the fix."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from sqlmodel import select

from memberctl.models import Member, PointsEntry, Purchase, WalletEntry
from tests.conftest import error_line
from tests.spreadsheets.sheets import read_ods, write_csv, write_ods

HEADER = ["姓名", "手机号", "性别", "生日", "积分", "余额", "标签", "注册时间"]


def _import(run, path, *options, kind="members", env=None):
    result = run("import", kind, str(path), *options, "--format", "json", env=env)
    return result, json.loads(result.stdout) if result.stdout else None


def test_typed_ods_cells_are_read_as_calc_wrote_them(run, session, tmp_path):
    path = write_ods(
        tmp_path / "会员.ods",
        {
            "会员": [
                HEADER,
                [
                    "张三",
                    13800138000,
                    "男",
                    dt.date(1990, 5, 6),
                    120,
                    50.5,
                    "vip，新客",
                    dt.datetime(2021, 3, 4, 9, 30),
                ],
                ["李四", "139 0013 9000", "F", "1985/1/2", None, None, None, None],
            ]
        },
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (2, 0)
    members = {m.name: m for m in session.exec(select(Member))}
    ann, bob = members["张三"], members["李四"]
    assert (ann.phone, ann.gender, ann.birthday) == ("+8613800138000", "male", dt.date(1990, 5, 6))
    assert (ann.points, ann.balance, ann.joined_at) == (
        120,
        Decimal("50.50"),
        dt.datetime(2021, 3, 4, 9, 30),
    )
    assert (bob.phone, bob.gender) == ("+8613900139000", "female")
    assert bob.birthday == dt.date(1985, 1, 2)
    assert [e.points for e in session.exec(select(PointsEntry))] == [120]
    assert [e.amount for e in session.exec(select(WalletEntry))] == [Decimal("50.50")]


def test_the_sheet_option_picks_an_ods_sheet_and_the_default_is_the_first_with_data(run, tmp_path):
    path = write_ods(
        tmp_path / "m.ods",
        {
            "空": [[None]],
            "说明": [["导出自 POS"]],
            "会员": [HEADER[:2], ["张三", "13800138000"]],
        },
    )
    result = run("import", "members", str(path))
    assert result.exit_code == 5  # the first sheet with data is 说明, which has no name column
    result, data = _import(run, path, "--sheet", "会员")
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 1
    result = run("import", "members", str(path), "--sheet", "nope")
    assert result.exit_code == 3
    assert error_line(result) == "error: no sheet 'nope'; sheets are: 空, 说明, 会员"


def test_rejected_ods_rows_go_to_an_ods_errors_file_that_imports_after_fixing(
    run, session, tmp_path
):
    path = write_ods(
        tmp_path / "m.ods",
        {
            "Sheet1": [
                HEADER[:4],
                ["张三", "13800138000", "男", dt.date(1990, 1, 1)],
                ["Bad", "1.38001E+10", "女", "1990-02-30"],
            ]
        },
    )
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert (data["inserted"], data["would_insert"], data["rejected"]) == (0, 1, 1)
    assert session.exec(select(Member)).all() == []
    errors_file = tmp_path / "m.ods.errors.ods"
    rows = read_ods(errors_file)
    assert rows[0] == [*HEADER[:4], "错误原因"]
    assert rows[1][:4] == ["Bad", "1.38001E+10", "女", "1990-02-30"]
    assert "scientific notation" in rows[1][4] and "does not exist" in rows[1][4]
    fixed = [rows[0], ["Bad", "13900139000", "女", dt.date(1990, 2, 28), rows[1][4]]]
    result, data = _import(run, write_ods(errors_file, {"errors": fixed}))
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (1, 0)


def test_purchases_from_an_ods(run, session, tmp_path):
    run("member", "enroll", "--name", "张三", "--phone", "13800138000")
    path = write_ods(
        tmp_path / "p.ods",
        {
            "Sheet1": [
                ["手机号", "订单号", "金额", "时间", "门店"],
                [13800138000, "A1", 88.8, dt.datetime(2026, 1, 2, 10, 0), "总店"],
            ]
        },
    )
    result, data = _import(run, path, "--add-stores", kind="purchases")
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 1
    purchase = session.exec(select(Purchase)).one()
    assert (purchase.order_no, purchase.amount, purchase.at) == (
        "A1",
        Decimal("88.80"),
        dt.datetime(2026, 1, 2, 10, 0),
    )


def test_an_ods_over_the_unpacked_size_limit_is_refused_before_it_is_read(run, session, tmp_path):
    rows = [HEADER[:2]] + [[f"会员{i}", f"138{i:08d}"] for i in range(5_000)]
    path = write_ods(tmp_path / "big.ods", {"Sheet1": rows})
    unpacked = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert unpacked > 1024 * 1024
    result, data = _import(run, path, env={"MEMBERCTL_MAX_SHEET_MB": "1"})
    assert result.exit_code == 5 and data is None
    line = error_line(result)
    assert f"'big.ods' unpacks to {unpacked // (1024 * 1024)} MB, over the limit of 1 MB" in line
    assert "MEMBERCTL_MAX_SHEET_MB" in line
    assert session.exec(select(Member)).first() is None


_HEAD_ROW = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p>'
    '</table:table-cell><table:table-cell office:value-type="string"><text:p>手机号</text:p>'
    "</table:table-cell></table:table-row>"
)
_MEMBER_ROW = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>张三</text:p>'
    '</table:table-cell><table:table-cell office:value-type="string"><text:p>13800138000'
    "</text:p></table:table-cell></table:table-row>"
)


def _ods(path, rows_xml: str):
    """An .ods written by hand: one sheet of the header row then `rows_xml`."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{_HEAD_ROW}'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        mimetype = "application/vnd.oasis.opendocument.spreadsheet"
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def test_an_ods_declaring_too_many_cells_is_refused_before_it_is_read(run, session, tmp_path):
    """A few hundred bytes declaring one value a million rows down, a thousand columns right."""
    path = _ods(
        tmp_path / "sparse.ods",
        (
            '<table:table-row table:number-rows-repeated="999998"><table:table-cell/>'
            "</table:table-row><table:table-row><table:table-cell "
            'table:number-columns-repeated="1000"/><table:table-cell office:value-type="string">'
            "<text:p>x</text:p></table:table-cell></table:table-row>"
        ),
    )
    assert path.stat().st_size < 2_000
    result, data = _import(run, path)
    assert result.exit_code == 5 and data is None
    assert error_line(result) == (
        "error: 'sparse.ods' has a sheet of 1000000 rows x 1001 columns, over the limit of "
        "20000000 cells; delete the unused rows and columns, or raise the limit with "
        "MEMBERCTL_MAX_CELLS"
    )
    assert session.exec(select(Member)).first() is None


def test_trailing_empty_repeated_rows_and_columns_do_not_count(run, tmp_path):
    """What Calc writes below the data when whole columns are formatted: a million empty rows
    of a thousand empty cells; they hold no value, so the sheet is 2 rows x 2 columns."""
    path = _ods(
        tmp_path / "ok.ods",
        _MEMBER_ROW
        + (
            '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
            'table:number-columns-repeated="1024"/></table:table-row>'
        ),
    )
    result, data = _import(run, path, env={"MEMBERCTL_MAX_CELLS": "4"})
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 1


def test_a_flat_ods_is_refused_with_the_fix(run, tmp_path):
    path = tmp_path / "m.fods"
    path.write_text('<?xml version="1.0"?><office:document/>', encoding="utf-8")
    result = run("import", "members", str(path))
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: cannot read 'm.fods': flat OpenDocument (.fods) is not read; "
        "save it as .ods or .xlsx in LibreOffice (File > Save As)"
    )
    result = run("--lang", "zh", "import", "members", str(path))
    assert result.exit_code == 2
    assert error_line(result) == (
        "错误：无法读取“m.fods”：不读取平面 OpenDocument（.fods）文件；"
        "请在 LibreOffice 中另存为 .ods 或 .xlsx（文件 > 另存为）"
    )


def test_an_unknown_type_names_ods_among_the_formats(run, tmp_path):
    path = tmp_path / "m.numbers"
    path.write_bytes(b"x")
    result = run("import", "members", str(path))
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: cannot read 'm.numbers': unknown file type '.numbers'; "
        "give a .xlsx, .xls, .ods or .csv file"
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_an_ods_saved_by_libreoffice_imports(run, session, tmp_path):
    source = write_csv(
        tmp_path / "calc.csv", [["姓名", "手机号", "生日"], ["张三", "13800138000", "1990-05-06"]]
    )
    profile = f"file://{tmp_path}/lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--infilter=CSV:44,34,76",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    path = tmp_path / "calc.ods"
    assert read_ods(path)[1][1] == 13800138000.0  # Calc made the phone a number
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    member = session.exec(select(Member)).one()
    assert (member.name, member.phone, member.birthday) == (
        "张三",
        "+8613800138000",
        dt.date(1990, 5, 6),
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_the_empty_rows_calc_declares_below_formatted_columns_do_not_count(run, tmp_path):
    """A whole column formatted (here as text) makes Calc declare a million empty rows of
    16,384 cells below the data; the cell limit counts only up to the last value."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号"])
    sheet.append(["张三", "13800138000"])
    sheet.column_dimensions["B"].number_format = "@"
    for row in range(1, 2000):
        sheet.cell(row=row, column=5).number_format = "@"
    book.save(tmp_path / "fmt.xlsx")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "fmt.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    path = tmp_path / "fmt.ods"
    assert b'number-rows-repeated="10' in zipfile.ZipFile(path).read("content.xml")
    result, data = _import(run, path, env={"MEMBERCTL_MAX_CELLS": "4"})
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 1
