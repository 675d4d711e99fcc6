"""Imports that never lose, shift or invent data (issues 13 and 14): every check here failed
before its fix. Field counts, encodings, lifecycle rules, exact error counts, honest counts,
float-text phones, whole cents, control characters, mapping files."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from memberctl.models import Member, Purchase
from tests.conftest import failure
from tests.factories import enroll
from tests.spreadsheets.sheets import write_csv, write_xlsx


def _import(run, kind, path, *options):
    result = run("import", kind, str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


# --- 11: a mapping file of the wrong shape ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('members = "x"\n', ["map.toml: 'members' must be a table [members]", '"客户姓名"']),
        ('[members]\n"客户" = ["name"]\n', ["map.toml: [members] maps '客户' to unknown field"]),
    ],
)
def test_a_mapping_file_of_the_wrong_shape_is_one_clear_line(run, session, tmp_path, text,
                                                            fragments):  # fmt: skip
    path = write_csv(tmp_path / "m.csv", [["客户", "手机号"], ["Ann", "13800138000"]])
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    failure(run("import", "members", str(path), "--mapping", str(mapping)), 5, *fragments)
    assert _count(session, Member) == 0


# --- 5: errors per (row, column) are exact at any size ---------------------------------------


def test_a_thousand_bad_rows_get_exactly_their_own_errors(run, session, tmp_path):
    rows = [["姓名", "手机号", "生日"]]
    rows += [[f"客户{i}", f"1380013{i:04d}x", "1990-02-30"] for i in range(1000)]
    path = write_csv(tmp_path / "m.csv", rows)
    result, data = _import(run, "members", path)
    assert result.exit_code == 5
    assert data["rejected"] == 1000
    assert len(data["errors"]) == 2000
    assert sorted({e["column"] for e in data["errors"]}) == ["手机号", "生日"]
    assert not [e for e in data["errors"] if "empty" in e["message"]]
    assert [(e["row"], e["column"]) for e in data["errors"]][-2:] == [(1001, "手机号"),
                                                                     (1001, "生日")]  # fmt: skip
    assert _count(session, Member) == 0


# --- 8: phones written as float text ---------------------------------------------------------


def test_phones_written_as_float_text_are_recovered(run, session, tmp_path):
    path = write_csv(tmp_path / "m.csv", [
        ["姓名", "手机号"], ["Ann", "13800138014.0"], ["Bob", "13900139015.00"],
        ["Cid", "138.5"], ["Dan", "1.38E+10"], ["Eve", "13700137016.000"],
    ])  # fmt: skip
    result, data = _import(run, "members", path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (2, 3)
    assert [(e["row"], e["value"]) for e in data["errors"]] == [
        (4, "138.5"), (5, "1.38E+10"), (6, "13700137016.000"),
    ]  # fmt: skip
    assert "scientific notation" in data["errors"][1]["message"]
    phones = sorted(session.exec(select(Member.phone)).all())
    assert phones == ["+8613800138014", "+8613900139015"]


# --- 9: money is exact to the cent -----------------------------------------------------------


def test_an_opening_balance_with_more_than_two_decimals_is_a_rejected_row(run, session, tmp_path):
    path = write_csv(tmp_path / "m.csv", [
        ["姓名", "手机号", "余额"], ["Ann", "13800138000", "99.999"],
        ["Bob", "13900139000", "99.990"],
    ])  # fmt: skip
    result, data = _import(run, "members", path)
    line = error_line_of(result)
    assert "row 2, column 余额: '99.999' has more than two decimals" in line
    assert "write whole cents, e.g. 99.99" in line
    assert data["errors"][0]["value"] == "99.999"
    assert _count(session, Member) == 0
    result, data = _import(run, "members", path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (1, 1)
    assert [m["balance"] for m in run.json("member", "list")] == ["99.99"]


def test_a_purchase_amount_with_more_than_two_decimals_is_a_rejected_row(run, engine, session,
                                                                         tmp_path):  # fmt: skip
    enroll(engine, phone="13800138000")
    path = write_xlsx(tmp_path / "p.xlsx", [
        ["手机号", "订单号", "金额", "时间"], ["13800138000", "A1", 10.005, "2026-11-01"],
        ["13800138000", "A2", "10.005", "2026-11-01"],
        ["13800138000", "A3", 0.1 + 0.2, "2026-11-01"],
    ])  # fmt: skip
    result, data = _import(run, "purchases", path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(2, "金额"), (3, "金额")]
    assert session.exec(select(Purchase.amount)).all() == [Decimal("0.30")]


def error_line_of(result):
    """The last stderr line of a strict import refused with its result printed."""
    assert result.exit_code == 5, result.stderr
    return result.stderr.strip().splitlines()[-1]
