"""`memberctl import purchases`: members by phone or number, order numbers unique per store."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlmodel import select

from memberctl.models import Purchase
from tests.factories import add_store, enroll
from tests.spreadsheets.sheets import write_csv, write_xlsx

HEADER = ["手机号", "会员卡号", "订单号", "金额", "时间", "门店", "品类"]


def _import(run, path, *options):
    result = run("import", "purchases", str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def test_purchases_are_recorded_once_and_earn_points(run, engine, tmp_path, session):
    add_store(engine, "总店")
    add_store(engine, "分店")
    enroll(engine, phone="13800138000")
    enroll(engine, phone="13900139000")
    path = write_csv(
        tmp_path / "p.csv",
        [
            HEADER,
            ["138 0013 8000", "", "A1", "100.50", "2026-11-01 10:00", "总店", "饮料"],
            ["", "M000002", "A2", "20", "2026/11/2", "总店", ""],
            [
                "",
                "",
                "A1",
                "5",
                "2026-11-03",
                "分店",
                "",
            ],  # same number, other store: another order
        ],
    )
    result, data = _import(run, path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (2, 1)
    assert data["errors"][0]["message"] == "the member is missing: give a phone or member number"
    assert run.json("member", "show", "M000001")["points"] == 100
    assert run.json("member", "show", "M000002")["points"] == 20
    again = _import(run, path, "--skip-invalid")[1]
    assert (again["inserted"], again["skipped"]) == (0, 2)
    assert run.json("member", "show", "M000001")["points"] == 100
    assert session.exec(select(func.count()).select_from(Purchase)).one() == 2


def test_duplicate_order_in_file_and_unknown_member_are_rejected(run, engine, tmp_path, session):
    enroll(engine, phone="13800138000")
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            ["phone", "order_no", "amount", "time"],
            [13800138000, "A1", 10, "2026-11-01"],
            [13800138000, "A1", 12, "2026-11-02"],
            [13700137000, "A3", 5, "2026-11-03"],
            [13800138000, "A4", "abc", "2026-11-03"],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 5
    assert [(e["row"], e["column"]) for e in data["errors"]] == [
        (3, "order_no"),
        (4, "phone"),
        (5, "amount"),
    ]
    assert data["errors"][0]["message"] == "duplicate of row 2 in this file"
    assert "no member 137****7000" in data["errors"][1]["message"]
    assert session.exec(select(func.count()).select_from(Purchase)).one() == 0
    assert (tmp_path / "p.xlsx.errors.xlsx").exists()


def test_purchases_need_a_member_column(run, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["订单号", "金额", "时间"], ["A1", "1", "2026-01-01"]])
    result = run("import", "purchases", str(path))
    assert result.exit_code == 5
    assert "no column for the member" in result.stderr
