"""`memberctl import members`: normalisation, rejection, strictness, errors file, re-imports."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from memberctl.domain import policy
from memberctl.models import ImportRun, LifecycleChange, Member, MemberTag, PointsEntry, WalletEntry
from tests.conftest import error_line, failure
from tests.factories import enroll
from tests.spreadsheets.sheets import read_rows, write_csv, write_xlsx

RESULT_KEYS = [
    "inserted",
    "updated",
    "skipped",
    "rejected",
    "would_insert",
    "would_update",
    "dry_run",
    "errors",
    "header_row",
    "total_rows",
]
HEADER = ["姓名", "手机号", "性别", "生日", "积分", "余额", "标签", "会员等级"]


def _import(run, path, *options):
    result = run("import", "members", str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_messy_csv_is_normalised(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            HEADER,
            ["张三", "138 0013 8000", "男", "1990/5/6", "100", "12.5", "vip，新客", "金卡会员"],
            ["李四", "+86 139-0013-9000", "F", "1991年2月3日", "", "", "a、b", "silver"],
            ["王五", "１３７００１３７０００", "female", "1992.03.04", "0", "0", "", ""],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert list(data) == RESULT_KEYS
    assert (data["inserted"], data["rejected"], data["errors"]) == (3, 0, [])
    members = {m["name"]: m for m in run.json("member", "list")}
    assert members["张三"]["phone"] == "+8613800138000"
    assert (members["张三"]["gender"], members["张三"]["birthday"]) == ("male", "1990-05-06")
    assert (members["张三"]["points"], members["张三"]["balance"]) == (100, "12.50")
    assert (members["张三"]["tags"], members["张三"]["tier"]) == (["vip", "新客"], "gold")
    assert members["李四"]["phone"] == "+8613900139000"
    assert members["李四"]["birthday"] == "1991-02-03"
    assert members["王五"]["phone"] == "+8613700137000"
    assert members["王五"]["birthday"] == "1992-03-04"
    assert members["王五"]["tier"] == "basic"


def test_typed_xlsx_cells_are_recovered(run, tmp_path):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            ["Name", "PHONE", "Gender", "Birthday", "Joined", "Points", "Balance"],
            [
                "Ann",
                13800138000,
                "F",
                dt.date(1990, 5, 6),
                dt.datetime(2020, 1, 2, 10, 30),
                10.0,
                12.5,
            ],
            ["Bob", 13900139000.0, "M", 32999, "2020-01-02", 5, 0.1],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 2
    members = {m["name"]: m for m in run.json("member", "list")}
    assert members["Ann"]["birthday"] == "1990-05-06"
    assert members["Ann"]["joined_at"] == "2020-01-02T10:30:00"
    assert (members["Ann"]["points"], members["Ann"]["balance"]) == (10, "12.50")
    assert members["Bob"]["phone"] == "+8613900139000"
    assert members["Bob"]["birthday"] == "1990-05-06"  # Excel serial 32999
    assert members["Bob"]["balance"] == "0.10"


def test_headers_ignore_case_spaces_and_full_width(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv", [[" ＮＡＭＥ ", "手机 号", "Member_No"], ["Ann", "13800138000", "c001"]]
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert run.json("member", "show", "C001")["name"] == "Ann"


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (["Ann", "1.38001E+10", "", "", ""], "手机号", "scientific notation"),
        (["Ann", "13800138000", "1990-02-30", "", ""], "生日", "does not exist"),
        (["Ann", "13800138000", "", "diamond", ""], "等级", "tier 'diamond' does not exist"),
        (["Ann", "13800138000", "", "", "x"], "性别", "not understood"),
        (["", "13800138000", "", "", ""], "姓名", "name is empty"),
        (["Ann", "", "", "", ""], "手机号", "phone is empty"),
    ],
)
def test_unrecoverable_values_are_rejected_and_nothing_written(
    run, tmp_path, session, cells, column, message
):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "生日", "等级", "性别"],
            ["Good", "13900139000", "", "", ""],
            cells,
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert (data["rejected"], data["inserted"], data["would_insert"]) == (1, 0, 1)
    [error] = data["errors"]
    assert (error["row"], error["column"]) == (3, column)
    assert message in error["message"]
    assert "nothing was written" in result.stderr
    assert _count(session, Member) == 0
    assert _count(session, ImportRun) == 0


def test_skip_invalid_writes_the_valid_rows(run, tmp_path, session):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号"],
            ["Ann", "13800138000"],
            ["Bad", "1.38001E+10"],
            ["Bob", "13900139000"],
        ],
    )
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0
    assert (data["inserted"], data["rejected"]) == (2, 1)
    assert sorted(session.exec(select(Member.name)).all()) == ["Ann", "Bob"]
    assert "1 row(s) rejected" in result.stderr


def test_duplicates_in_file_name_the_first_row(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "会员卡号"],
            ["Ann", "13800138000", ""],
            ["Bob", "13900139000", "C1"],
            ["Ann2", "138-0013-8000", ""],
            ["Bob2", "13700137000", "c1"],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (4, "手机号", "duplicate of row 2 in this file"),
        (5, "会员卡号", "duplicate of row 3 in this file"),
    ]


def test_missing_required_column_is_exit_5_before_reading(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["姓名", "性别"], ["Ann", "男"]])
    result = run("import", "members", str(path))
    assert result.exit_code == 5
    line = error_line(result)
    assert "no column for phone" in line and "--mapping" in line
    assert not (tmp_path / "m.csv.errors.csv").exists()


def test_missing_file_is_exit_3(run, tmp_path):
    result = run("import", "members", str(tmp_path / "nope.xlsx"))
    assert result.exit_code == 3
    assert "no file" in error_line(result)


def test_unknown_columns_are_one_warning(run, tmp_path):
    rows = [["姓名", "手机号", "爱好", "x"], ["Ann", "13800138000", "a", "b"]]
    path = write_csv(tmp_path / "m.csv", rows)
    result, data = _import(run, path)
    assert result.exit_code == 0
    assert result.stderr.count("ignoring unknown columns: 爱好, x") == 1
    assert data["inserted"] == 1


def test_mapping_file_adds_aliases(run, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[members]\n"客户名" = "name"\n"联系方式" = "phone"\n', encoding="utf-8")
    path = write_csv(tmp_path / "m.csv", [["客户名", "联系方式"], ["Ann", "13800138000"]])
    result, data = _import(run, path, "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 1


def test_the_shipped_mapping_template_loads(run, tmp_path):
    from pathlib import Path

    mapping = Path(__file__).parents[2] / "templates" / "mapping.toml"
    path = write_csv(tmp_path / "m.csv", [["客户姓名", "联系电话"], ["Ann", "13800138000"]])
    result, _ = _import(run, path, "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr


def test_dry_run_writes_nothing(run, tmp_path, session):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["Ann", "13800138000"]])
    result, data = _import(run, path, "--dry-run")
    assert result.exit_code == 0
    assert (data["inserted"], data["would_insert"], data["dry_run"]) == (0, 1, True)
    assert _count(session, Member) == 0


def test_existing_member_is_rejected_by_default(run, engine, tmp_path):
    enroll(engine, phone="13800138000")
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["Ann", "13800138000"]])
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert "M000001 already exists" in data["errors"][0]["message"]


def test_opening_balances_become_ledger_entries_once(run, tmp_path, session):
    rows = [
        ["姓名", "手机号", "积分", "余额", "标签"],
        ["Ann", "13800138000", "120", "30.5", "vip"],
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    assert _import(run, path)[0].exit_code == 0
    for mode in ("skip", "update"):
        result, data = _import(run, path, "--on-existing", mode)
        assert result.exit_code == 0, result.stderr
        assert (data["inserted"], data["updated"], data["skipped"]) == (0, 0, 1)
    [points] = session.exec(select(PointsEntry)).all()
    [wallet] = session.exec(select(WalletEntry)).all()
    assert (points.kind, points.points, points.import_run_id) == ("import", 120, 1)
    assert (wallet.kind, str(wallet.amount), wallet.import_run_id) == ("import", "30.50", 1)
    assert points.expires_on == policy.Policy(24, 2, 30).expiry_for(points.at.date())
    member = session.exec(select(Member)).one()
    assert (member.points, str(member.balance)) == (120, "30.50")
    assert [c.action for c in session.exec(select(LifecycleChange))] == ["enroll"]
    assert _count(session, MemberTag) == 1
    assert len(session.exec(select(ImportRun)).all()) == 3


def test_update_changes_fields_but_not_balances(run, engine, tmp_path, session):
    enroll(engine, name="Old", phone="13800138000", tags=["old"])
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "等级", "状态", "积分", "标签", "生日"],
            ["New", "13800138000", "gold", "冻结", "500", "vip", ""],
        ],
    )
    result, data = _import(run, path, "--on-existing", "update")
    assert (result.exit_code, data["updated"]) == (0, 1)
    member = run.json("member", "show", "13800138000")
    assert (member["name"], member["tier"], member["status"]) == ("New", "gold", "frozen")
    assert (member["points"], member["tags"], member["birthday"]) == (0, ["vip"], None)
    moves = session.exec(select(LifecycleChange.kind, LifecycleChange.to_value)).all()
    assert ("status", "frozen") in moves and ("tier", "gold") in moves
    again = _import(run, path, "--on-existing", "update")[1]
    assert (again["updated"], again["skipped"]) == (0, 1)


def test_phone_of_another_member_is_rejected(run, engine, tmp_path):
    enroll(engine, phone="13800138000")
    rows = [["姓名", "手机号", "会员卡号"], ["Ann", "13800138000", "C9"]]
    path = write_csv(tmp_path / "m.csv", rows)
    result, data = _import(run, path, "--on-existing", "skip")
    assert result.exit_code == 5
    assert data["errors"][0]["message"] == "phone already belongs to member M000001"


def test_errors_file_holds_original_rows_and_imports_after_fixing(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "生日"],
            ["Ann", "13800138000", "1990-01-01"],
            ["Bad", "1.38001E+10", "1990-02-30"],
        ],
    )
    result, _ = _import(run, path, "--skip-invalid")
    errors_file = tmp_path / "m.csv.errors.csv"
    rows = read_rows(errors_file)
    assert rows[0] == ["姓名", "手机号", "生日", "错误原因"]
    assert rows[1][:3] == ["Bad", "1.38001E+10", "1990-02-30"]
    assert "scientific notation" in rows[1][3] and "does not exist" in rows[1][3]
    rows[1][1:3] = ["13900139000", "1990-02-28"]
    write_csv(errors_file, rows)
    result, data = _import(run, errors_file)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (1, 0)


def test_xlsx_errors_file_keeps_cell_types(run, tmp_path):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            ["姓名", "手机号", "生日"],
            ["Bad", 13800138000, dt.date(1990, 1, 1)],
            ["Bad", 13800138000, 1],
        ],
    )
    (tmp_path / "out").mkdir()  # an output's folder is never created (docs/using.md)
    result, data = _import(run, path, "--errors", str(tmp_path / "out" / "bad.xlsx"))
    assert result.exit_code == 5
    rows = read_rows(tmp_path / "out" / "bad.xlsx")
    assert rows[1][:3] == ["Bad", 13800138000, 1]
    assert rows[1][3] == (  # serial 1 is 1899-12-31: no one's birthday
        f"生日: birthday 1899-12-31 is not between 1900-01-01 and today ({dt.date.today()}); "
        "check the year; 手机号: duplicate of row 2 in this file"
    )


def test_gbk_and_bom_csv(run, tmp_path):
    gbk_rows = [["姓名", "手机号", "门店"], ["张三", "13800138000", "朝阳店"]]
    gbk = write_csv(tmp_path / "gbk.csv", gbk_rows, "gbk")
    assert "张三".encode("gbk") in gbk.read_bytes()
    bom_rows = [["姓名", "手机号"], ["李四", "13900139000"]]
    bom = write_csv(tmp_path / "bom.csv", bom_rows, "utf-8-sig")
    assert _import(run, gbk, "--add-stores")[0].exit_code == 0
    assert _import(run, bom)[0].exit_code == 0
    names = {m["name"]: m["store"] for m in run.json("member", "list")}
    assert names == {"张三": "朝阳店", "李四": None}


def test_sheet_option_and_first_sheet_with_data(run, tmp_path):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [],
        sheets={
            "说明": [],
            "members": [["姓名", "手机号"], ["Ann", "13800138000"]],
            "other": [["姓名", "手机号"], ["Bob", "13900139000"]],
        },
    )
    assert _import(run, path)[1]["inserted"] == 1
    assert _import(run, path, "--sheet", "other")[1]["inserted"] == 1
    result = run("import", "members", str(path), "--sheet", "nope")
    assert result.exit_code == 3
    assert "sheets are: 说明, members, other" in error_line(result)


def test_referrer_later_in_file_and_unknown_referrer(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "会员卡号", "推荐人"],
            ["Ann", "13800138000", "A1", "B1"],
            ["Bob", "13900139000", "B1", ""],
            ["Cat", "13700137000", "", "Z9"],
            ["Dan", "13600136000", "", "13800138000"],
        ],
    )
    result, data = _import(run, path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (3, 1)
    [error] = data["errors"]
    assert error["row"] == 4 and "referrer Z9 is not a member" in error["message"]
    assert run.json("member", "show", "A1")["referrer"] == "B1"
    assert run.json("member", "show", "13600136000")["referrer"] == "A1"


def test_table_output_is_a_summary(run, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["Ann", "13800138000"]])
    result = run("import", "members", str(path))
    assert result.exit_code == 0
    assert "Inserted" in result.stdout and "Rows/s" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_empty_rows_are_dropped_and_row_numbers_stay_the_sheets(run, tmp_path, suffix):
    rows = [
        ["姓名", "手机号"],
        ["Ann", "13800138000"],
        ["", ""],
        [None, None],
        ["Bob", "12345"],
        ["", ""],
        ["Cat", "13700137000"],
    ]
    if suffix == ".csv":
        path = write_csv(tmp_path / "m.csv", [[c or "" for c in r] for r in rows])
    else:
        path = write_xlsx(tmp_path / "m.xlsx", rows)
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (2, 1)
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(5, "手机号")]


def test_a_missing_or_broken_mapping_file_is_one_clear_line(run, session, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["客户", "手机号"], ["Ann", "13800138000"]])
    missing = run("import", "members", str(path), "--mapping", str(tmp_path / "nope.toml"))
    failure(missing, 3, "no mapping file", "nope.toml", "check the path given to --mapping")
    broken = tmp_path / "map.toml"
    broken.write_text("[members]\n客户 = \n", encoding="utf-8")
    failure(
        run("import", "members", str(path), "--mapping", str(broken)),
        5,
        "map.toml is not valid TOML",
    )
    assert session.exec(select(Member)).first() is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_errors_file_writes_formula_like_text_as_the_export_does(run, tmp_path, suffix):
    """The errors file of a .csv holds `'=1+2` once escaped (not `''=1+2`), that of an .xlsx the
    text as it is in a quote-prefixed string cell; both import back to `=1+2`."""
    from openpyxl import load_workbook

    rows = [["姓名", "手机号"], ["'=1+2" if suffix == ".csv" else "=1+2", "12345"]]
    path = (write_csv if suffix == ".csv" else write_xlsx)(tmp_path / f"m{suffix}", rows)
    if suffix == ".xlsx":  # openpyxl wrote a formula: make it the text a clerk typed
        book = load_workbook(path)
        book.active["A2"].data_type = "s"
        book.save(path)
    errors = tmp_path / f"rejected{suffix}"
    result, data = _import(run, path, "--skip-invalid", "--errors", str(errors))
    assert data["rejected"] == 1, result.stdout
    if suffix == ".csv":
        assert read_rows(errors)[1][:2] == ["'=1+2", "12345"]
    else:
        cell = load_workbook(errors).active["A2"]
        assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+2", "s", True)
    book_rows = read_rows(errors)
    book_rows[1][1] = "13900139000"
    fixed = (write_csv if suffix == ".csv" else write_xlsx)(tmp_path / f"fixed{suffix}", book_rows)
    if suffix == ".xlsx":
        book = load_workbook(fixed)
        book.active["A2"].data_type = "s"
        book.save(fixed)
    assert _import(run, fixed)[0].exit_code == 0
    assert [m["name"] for m in run.json("member", "list")] == ["=1+2"]
