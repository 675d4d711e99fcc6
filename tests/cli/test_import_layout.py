"""Sheets laid out by hand in LibreOffice Calc, WPS or Excel: a title row above the headers
(merged or not), `--header-row`, a total row at the bottom, short dates with two-digit years."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest
from openpyxl import Workbook
from sqlmodel import select

from memberctl.models import ImportRun
from memberctl.spreadsheets import read
from tests.conftest import failure
from tests.factories import enroll
from tests.spreadsheets.sheets import read_rows, write_csv, write_xls, write_xlsx

HEADER = ["姓名", "手机号", "生日", "积分"]
ANN = ["张三", "13800138000", "1990-05-06", "10"]
BOB = ["李四", "13900139000", "1991-02-03", "5"]
TITLE = "2024年会员名单"


def _import(run, path, *options, kind="members"):
    result = run("import", kind, str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def _merged_title_xlsx(path, rows):
    """A title in A1 merged across the header's width, as Calc or Excel users lay it out."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("merged", [True, False])
def test_title_row_above_the_headers_of_an_xlsx_is_skipped(run, tmp_path, merged):
    path = tmp_path / "m.xlsx"
    if merged:
        _merged_title_xlsx(path, [HEADER, ANN, BOB])
    else:
        write_xlsx(path, [[TITLE], HEADER, ANN, BOB])
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"], data["header_row"]) == (2, 0, 2)
    assert data["total_rows"] == []
    assert sorted(m["name"] for m in run.json("member", "list")) == ["张三", "李四"]


def test_title_and_empty_rows_above_the_headers_of_a_csv_are_skipped(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [[TITLE, "", "", ""], ["", "", "", ""], HEADER, ANN, BOB])
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["header_row"]) == (2, 3)


def test_the_header_row_is_said_on_stderr_in_english_and_chinese(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [[TITLE], HEADER, ANN])
    result = run("import", "members", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "note: headers found on row 2 (rows above skipped)\n"
    result = run("--lang", "zh", "import", "members", str(path), "--dry-run")
    assert result.stderr == "提示：表头在第 2 行（其上方的行已跳过）\n"


def test_a_sheet_with_headers_on_row_one_says_nothing_and_reports_row_one(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, ANN])
    result = run("import", "members", str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    assert _import(run, path, "--on-existing", "skip")[1]["header_row"] == 1


def test_rejected_rows_keep_their_spreadsheet_row_numbers_after_a_title_row(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            [TITLE],
            [],
            HEADER,
            ANN,
            ["王五", "12345", "", ""],
            ["赵六", "13800138000", "", ""],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(5, "手机号"), (6, "手机号")]
    assert data["errors"][1]["message"] == "duplicate of row 4 in this file"
    assert "first: row 5, column 手机号" in result.stderr
    rows = read_rows(tmp_path / "m.csv.errors.csv")
    assert rows[0] == [*HEADER, "错误原因"]
    assert [row[0] for row in rows[1:]] == ["王五", "赵六"]
    assert rows[2][-1] == "手机号: duplicate of row 4 in this file"


def test_header_row_option_chooses_the_row(run, tmp_path, session):
    # Twelve lines of notes: beyond the ten rows searched, so only --header-row finds it.
    notes = [[f"说明 {i}"] for i in range(12)]
    path = write_csv(tmp_path / "m.csv", [*notes, HEADER, ANN])
    result, data = _import(run, path, "--header-row", "13")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["header_row"]) == (1, 13)
    assert session.exec(select(ImportRun)).one().options["header_row"] == 13
    result = run("import", "members", str(path))
    failure(result, 5, "no column for name, phone in the header row (found: 说明 0)")


def test_header_row_option_on_an_xlsx(run, tmp_path):
    path = _merged_title_xlsx(tmp_path / "m.xlsx", [HEADER, ANN])
    result, data = _import(run, path, "--header-row", "2")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["header_row"]) == (1, 2)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("row", "lang", "expected"),
    [
        (
            "9",
            "en",
            "error: --header-row 9: row 9 of 'm{suffix}' cannot be the header row: the "
            "sheet ends at row 4; give the number of the row that holds the column names, "
            "as the spreadsheet shows it",
        ),
        (
            "9",
            "zh",
            "错误：--header-row 9：'m{suffix}' 的第 9 行不能作为表头行："
            "表格到第 4 行就结束了；请给出列名所在行的行号（即表格软件左侧显示的行号）",
        ),
        (
            "2",
            "en",
            "error: --header-row 2: row 2 of 'm{suffix}' cannot be the header row: it is "
            "empty; give the number of the row that holds the column names, as the "
            "spreadsheet shows it",
        ),
        (
            "1",
            "en",
            "error: --header-row 1: row 1 has no column for name, phone (found: "
            "2024年会员名单); give the number of the row that holds the column names, as "
            "the spreadsheet shows it, or leave --header-row out to let the import find "
            "it",
        ),
        (
            "1",
            "zh",
            "错误：--header-row 1：第 1 行没有 name, phone 列（找到的列："
            "2024年会员名单）；请给出列名所在行的行号（即表格软件左侧显示的行号），或不写 "
            "--header-row，由导入自动查找",
        ),
    ],
)
def test_a_wrong_header_row_is_refused(run, tmp_path, suffix, row, lang, expected):
    rows = [[TITLE, "", "", ""], ["", "", "", ""], HEADER, ANN]
    path = tmp_path / f"m{suffix}"
    write_csv(path, rows) if suffix == ".csv" else write_xlsx(path, rows)
    result = run("--lang", lang, "import", "members", str(path), "--header-row", row)
    assert result.exit_code == 5, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == expected.format(suffix=suffix)
    assert run.json("member", "list") == []


def test_header_row_zero_is_a_usage_error(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, ANN])
    assert run("import", "members", str(path), "--header-row", "0").exit_code == 2


@pytest.mark.parametrize("word", ["合计", "总计", "小计", "Total", "TOTAL", "合计："])
def test_a_total_row_is_left_out_not_rejected(run, tmp_path, word):
    path = write_csv(tmp_path / "m.csv", [HEADER, ANN, BOB, [word, "", "", "15"]])
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"], data["errors"]) == (2, 0, [])
    assert data["total_rows"] == [4]
    assert not (tmp_path / "m.csv.errors.csv").exists()


def test_a_total_row_in_the_name_column_of_an_xlsx_after_a_title(run, tmp_path):
    header = ["会员卡号", *HEADER]
    rows = [["M1", *ANN], ["M2", *BOB], ["", "Total", "", "", 15]]
    path = _merged_title_xlsx(tmp_path / "m.xlsx", [header, *rows])
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"], data["header_row"], data["total_rows"]) == (
        2,
        0,
        2,
        [5],
    )


def test_a_total_word_with_a_phone_is_a_member_row(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, ANN, ["合计", "13900139000", "", ""]])
    result, data = _import(run, path)
    assert (data["inserted"], data["total_rows"]) == (2, [])


def test_the_total_row_is_said_on_stderr_in_english_and_chinese(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [[TITLE], HEADER, ANN, BOB, ["合计", "", "", "15"]])
    result = run("import", "members", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "note: headers found on row 2 (rows above skipped)\n"
        "note: total row(s) left out, not imported: row 5\n"
    )
    result = run("--lang", "zh", "import", "members", str(path), "--dry-run")
    assert result.stderr == "提示：表头在第 2 行（其上方的行已跳过）\n提示：合计行未导入：第 5 行\n"


@pytest.mark.parametrize(
    ("cell", "lang", "message"),
    [
        (
            "3/5/90",
            "en",
            "date '3/5/90' has a two-digit year, as LibreOffice and Excel write short "
            "dates in a CSV file; save the file as .xlsx, or format the column as "
            "YYYY-MM-DD before saving the CSV",
        ),
        (
            "90年3月5日",
            "en",
            "date '90年3月5日' has a two-digit year, as LibreOffice and Excel "
            "write short dates in a CSV file; save the file as .xlsx, or format "
            "the column as YYYY-MM-DD before saving the CSV",
        ),
        (
            "05.03.90",
            "en",
            "date '05.03.90' has a two-digit year, as LibreOffice and Excel write "
            "short dates in a CSV file; save the file as .xlsx, or format the "
            "column as YYYY-MM-DD before saving the CSV",
        ),
        (
            "90年3月5日",
            "zh",
            "日期 '90年3月5日' 的年份只有两位：LibreOffice 和 Excel "
            "把短日期格式写入 CSV 文件时就是这样；请另存为 .xlsx 文件，或先把该列"
            "设置为 YYYY-MM-DD 格式再保存 CSV",
        ),
    ],
)
def test_short_dates_with_two_digit_years_are_refused_with_the_reason(
    run, tmp_path, cell, lang, message
):
    path = write_csv(tmp_path / "m.csv", [HEADER, ["张三", "13800138000", cell, ""]])
    result = run("--lang", lang, "import", "members", str(path), "--format", "json")
    assert result.exit_code == 5
    errors = json.loads(result.stdout)["errors"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(2, "生日", cell)]
    assert errors[0]["message"] == message


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "en",
            "date '03/05/1990' may be day first or month first, as LibreOffice and Excel write "
            "dates in a CSV file; save the file as .xlsx, or format the column as YYYY-MM-DD "
            "before saving the CSV",
        ),
        (
            "zh",
            "日期 '03/05/1990' 无法确定是日在前还是月在前：LibreOffice 和 Excel 把日期写入 CSV "
            "文件时就是这样；请另存为 .xlsx 文件，或先把该列设置为 YYYY-MM-DD 格式再保存 CSV",
        ),
    ],
)
def test_dates_with_the_year_last_are_refused_with_the_reason(run, tmp_path, lang, message):
    path = write_csv(tmp_path / "m.csv", [HEADER, ["张三", "13800138000", "03/05/1990", ""]])
    result = run("--lang", lang, "import", "members", str(path), "--format", "json")
    assert result.exit_code == 5
    assert json.loads(result.stdout)["errors"][0]["message"] == message


def test_other_dates_that_are_not_understood_keep_their_message(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, ["张三", "13800138000", "1990/13/45", ""]])
    result, data = _import(run, path)
    assert result.exit_code == 5
    message = "date '1990/13/45' does not exist; check the day and month"
    assert data["errors"][0]["message"] == message


def test_purchases_import_with_a_title_row_and_a_total_row(run, engine, tmp_path):
    enroll(engine, phone="13800138000")
    header = ["订单号", "手机号", "金额", "时间"]
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["11月销售明细", "", "", ""],
            header,
            ["A1", "13800138000", "100", "2026-11-01 10:00"],
            ["A2", "13800138000", "20.50", "2026-11-02"],
            ["合计", "", "120.50", ""],
        ],
    )
    result, data = _import(run, path, kind="purchases")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (2, 0)
    assert (data["header_row"], data["total_rows"]) == (2, [5])
    result, data = _import(run, path, "--header-row", "1", kind="purchases")
    assert result.exit_code == 5
    assert "--header-row 1: row 1 has no column for order_no, amount, at" in result.stderr


def _calc(source, target_filter, outdir):
    """`source` converted by LibreOffice Calc (headless, a profile of its own)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the Calc round trip cannot run")
    profile = f"-env:UserInstallation=file://{outdir}/lo-profile"
    subprocess.run(
        [
            soffice,
            "--headless",
            profile,
            "--convert-to",
            target_filter,
            str(source),
            "--outdir",
            str(outdir),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / f"{source.stem}.{target_filter.split(':')[0]}"


def _calc_sheet(path):
    """A sheet as a clerk lays it out in Calc: a merged title, short dates (en-US and zh-CN
    forms, two-digit years) and a SUM total row."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells("A1:D1")
    sheet.append(HEADER)
    sheet.append(["张三", "13800138000", dt.date(1990, 3, 5), 10])
    sheet.append(["李四", "13900139000", dt.date(1991, 2, 3), 5])
    sheet.append(["合计", None, None, "=SUM(D3:D4)"])
    sheet.cell(3, 3).number_format = "m/d/yy"
    sheet.cell(4, 3).number_format = 'yy"年"m"月"d"日"'
    book.save(path)
    return path


def test_a_csv_saved_by_libreoffice_calc(run, tmp_path):
    source = _calc_sheet(tmp_path / "calc.xlsx")
    out = tmp_path / "out"
    path = _calc(source, "csv:Text - txt - csv (StarCalc):44,34,76", out)  # UTF-8
    assert path.read_text(encoding="utf-8").splitlines()[2:5] == [
        "张三,13800138000,3/5/90,10",
        "李四,13900139000,91年2月3日,5",
        "合计,,,15",
    ]
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert (data["header_row"], data["total_rows"]) == (2, [5])
    assert [(e["row"], e["value"]) for e in data["errors"]] == [(3, "3/5/90"), (4, "91年2月3日")]
    assert "has a two-digit year" in data["errors"][0]["message"]


def test_an_xlsx_saved_by_libreoffice_calc(run, tmp_path):
    source = _calc_sheet(tmp_path / "calc.xlsx")
    path = _calc(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out")
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["header_row"], data["total_rows"]) == (2, 2, [5])
    birthdays = {m["name"]: m["birthday"] for m in run.json("member", "list")}
    assert birthdays == {"张三": "1990-03-05", "李四": "1991-02-03"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".xls"])
def test_row_numbers_after_a_title_hold_across_small_chunks(run, tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(read, "CHUNK_ROWS", 2)
    rows = [
        [TITLE, "", "", ""],
        HEADER,
        ANN,
        BOB,
        ["王五", "12345", "", ""],
        ["赵六", "13700137000", "", ""],
        ["孙七", "13800138000", "", ""],
        ["合计", "", "", "15"],
    ]
    path = tmp_path / f"m{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    elif suffix == ".xlsx":
        write_xlsx(path, rows)
    else:
        write_xls(path, {"Sheet1": rows})
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"], data["header_row"]) == (3, 2, 2)
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(5, "手机号"), (7, "手机号")]
    assert data["errors"][1]["message"] == "duplicate of row 3 in this file"
    assert data["total_rows"] == [8]


def test_a_csv_row_with_a_field_too_many_after_a_title_keeps_its_row_number(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [[TITLE], HEADER, ANN, [*BOB, "extra"]])
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["header_row"]) == (1, 2)
    assert [e["row"] for e in data["errors"]] == [4]
    assert data["errors"][0]["message"].startswith("row 4 has 5 fields, the header has 4")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "error: no column names found in the first rows (the first holds: 2024年会员名单); "
            "give the row of the column names with --header-row N (1 = the first row)",
        ),
        (
            "zh",
            "错误：前几行中找不到列名（第一行是：2024年会员名单）；"
            "请用 --header-row N 指定列名所在的行（1 = 第一行）",
        ),
    ],
)
def test_a_title_over_unrecognised_headers_points_to_header_row(run, tmp_path, lang, expected):
    notes = [[TITLE, "", ""], *([f"说明 {i}", "", ""] for i in range(10)), ["客户", "联系", "x"]]
    path = write_csv(tmp_path / "m.csv", [*notes, ["张三", "13800138000", ""]])
    result = run("--lang", lang, "import", "members", str(path))
    assert result.exit_code == 5
    assert result.stderr.strip() == expected
