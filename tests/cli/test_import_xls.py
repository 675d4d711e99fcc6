"""`memberctl import` of a legacy .xls (Excel 97-2003, what many old POS systems still export),
written by xlwt: typed cells, sheets, the errors file and its fix-and-reimport loop, the size
limit, and purchases."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlmodel import select

from memberctl.models import Member, PointsEntry, Purchase, WalletEntry
from tests.conftest import error_line
from tests.spreadsheets.sheets import read_rows, write_xls, write_xlsx

HEADER = ["姓名", "手机号", "性别", "生日", "积分", "余额", "标签", "注册时间"]


def _import(run, path, *options, kind="members", env=None):
    result = run("import", kind, str(path), *options, "--format", "json", env=env)
    return result, json.loads(result.stdout) if result.stdout else None


def test_typed_xls_cells_are_read_as_excel_wrote_them(run, session, tmp_path):
    path = write_xls(
        tmp_path / "pos.xls",
        {
            "会员": [
                HEADER,
                [
                    "张三",
                    13800138000.0,
                    "男",
                    dt.date(1990, 5, 6),
                    120,
                    50.5,
                    "vip，新客",
                    dt.datetime(2021, 3, 4, 9, 30),
                ],
                ["李四", "139 0013 9000", "F", "1985/1/2", "", "", "", ""],
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
    tags = run.json("member", "show", ann.member_no)["tags"]
    assert sorted(tags) == ["vip", "新客"]
    assert [e.points for e in session.exec(select(PointsEntry))] == [120]
    assert [e.amount for e in session.exec(select(WalletEntry))] == [Decimal("50.50")]


def test_the_sheet_option_picks_an_xls_sheet(run, tmp_path):
    path = write_xls(
        tmp_path / "m.xls",
        {
            "说明": [["导出自 POS"]],
            "会员": [HEADER[:2], ["张三", "13800138000"]],
        },
    )
    result, data = _import(run, path, "--sheet", "会员")
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 1
    result = run("import", "members", str(path), "--sheet", "nope")
    assert result.exit_code == 3
    assert "sheets are: 说明, 会员" in error_line(result)


def test_rejected_xls_rows_go_to_an_xlsx_errors_file_that_imports_after_fixing(
    run, session, tmp_path
):
    path = write_xls(
        tmp_path / "m.xls",
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
    assert session.exec(select(Member)).all() == []  # strict: nothing written
    errors_file = tmp_path / "m.xls.errors.xlsx"
    rows = read_rows(errors_file)
    assert rows[0] == [*HEADER[:4], "错误原因"]
    assert rows[1][:4] == ["Bad", "1.38001E+10", "女", "1990-02-30"]
    assert "scientific notation" in rows[1][4] and "does not exist" in rows[1][4]
    fixed = [rows[0][:4], ["Bad", "13900139000", "女", dt.date(1990, 2, 28)]]
    result, data = _import(run, write_xlsx(errors_file, fixed))
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (1, 0)


def test_an_xls_over_the_size_limit_is_refused_before_it_is_read(run, session, tmp_path):
    rows = [HEADER[:2]] + [[f"会员{i}", f"138{i:08d}"] for i in range(20_000)]
    path = write_xls(tmp_path / "big.xls", {"Sheet1": rows})
    assert 1024 * 1024 < path.stat().st_size < 2 * 1024 * 1024
    result, data = _import(run, path, env={"MEMBERCTL_MAX_SHEET_MB": "1"})
    assert result.exit_code == 5 and data is None
    line = error_line(result)
    assert "'big.xls' is 1 MB, over the limit of 1 MB" in line
    assert "MEMBERCTL_MAX_SHEET_MB" in line
    assert session.exec(select(Member)).first() is None
    result, data = _import(run, path, env={"MEMBERCTL_MAX_SHEET_MB": "2"})
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 20_000


def test_purchases_from_an_xls(run, session, tmp_path):
    run("member", "enroll", "--name", "张三", "--phone", "13800138000")
    path = write_xls(
        tmp_path / "p.xls",
        {
            "Sheet1": [
                ["手机号", "订单号", "金额", "时间", "门店"],
                [13800138000.0, "A1", 88.8, dt.datetime(2026, 1, 2, 10, 0), "总店"],
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
