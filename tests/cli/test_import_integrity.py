"""Imports that never lose, shift or invent data (issues 13 and 14): every check here failed
before its fix. Field counts, encodings, lifecycle rules, exact error counts, honest counts,
float-text phones, whole cents, control characters, mapping files."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from memberctl.models import LifecycleChange, Member, Purchase
from tests.conftest import failure
from tests.factories import enroll, member_in
from tests.spreadsheets.sheets import read_rows, write_csv, write_xlsx


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
def test_a_mapping_file_of_the_wrong_shape_is_one_clear_line(
    run, session, tmp_path, text, fragments
):
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
    assert [(e["row"], e["column"]) for e in data["errors"]][-2:] == [
        (1001, "手机号"),
        (1001, "生日"),
    ]
    assert _count(session, Member) == 0


# --- 8: phones written as float text ---------------------------------------------------------


def test_phones_written_as_float_text_are_recovered(run, session, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号"],
            ["Ann", "13800138014.0"],
            ["Bob", "13900139015.00"],
            ["Cid", "138.5"],
            ["Dan", "1.38E+10"],
            ["Eve", "13700137016.000"],
        ],
    )
    result, data = _import(run, "members", path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (2, 3)
    assert [(e["row"], e["value"]) for e in data["errors"]] == [
        (4, "138.5"),
        (5, "1.38E+10"),
        (6, "13700137016.000"),
    ]
    assert "scientific notation" in data["errors"][1]["message"]
    phones = sorted(session.exec(select(Member.phone)).all())
    assert phones == ["+8613800138014", "+8613900139015"]


# --- 9: money is exact to the cent -----------------------------------------------------------


def test_an_opening_balance_with_more_than_two_decimals_is_a_rejected_row(run, session, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "余额"],
            ["Ann", "13800138000", "99.999"],
            ["Bob", "13900139000", "99.990"],
        ],
    )
    result, data = _import(run, "members", path)
    line = error_line_of(result)
    assert "row 2, column 余额: 99.999 has more than two decimals; amounts are in whole" in line
    assert data["errors"][0]["value"] == "99.999"
    assert _count(session, Member) == 0
    result, data = _import(run, "members", path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (1, 1)
    assert [m["balance"] for m in run.json("member", "list")] == ["99.99"]


def test_a_purchase_amount_with_more_than_two_decimals_is_a_rejected_row(
    run, engine, session, tmp_path
):
    enroll(engine, phone="13800138000")
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            ["手机号", "订单号", "金额", "时间"],
            ["13800138000", "A1", 10.005, "2026-11-01"],
            ["13800138000", "A2", "10.005", "2026-11-01"],
            ["13800138000", "A3", 0.1 + 0.2, "2026-11-01"],
        ],
    )
    result, data = _import(run, "purchases", path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(2, "金额"), (3, "金额")]
    assert session.exec(select(Purchase.amount)).all() == [Decimal("0.30")]


def error_line_of(result):
    """The last stderr line of a strict import refused with its result printed."""
    assert result.exit_code == 5, result.stderr
    return result.stderr.strip().splitlines()[-1]


# --- 1: a row with more fields than the header is a rejected row, never shifted --------------


def test_a_trailing_comma_is_a_rejected_row_not_a_shifted_one(run, session, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "姓名,手机号,备注\n张三,13800000061,13900000099,\n李四,13800000062,x\n", encoding="utf-8"
    )
    result, data = _import(run, "members", path)
    assert "first: row 2: row 2 has 4 fields, the header has 3" in error_line_of(result)
    assert (data["inserted"], data["rejected"]) == (0, 1)
    assert data["errors"] == [
        {"row": 2, "column": None, "value": None, "message": "row 2 has 4 fields, the header has 3"}
    ]
    assert _count(session, Member) == 0
    assert read_rows(tmp_path / "t.csv.errors.csv") == [
        ["姓名", "手机号", "备注", "错误原因"],
        ["张三", "13800000061", "13900000099", "row 2 has 4 fields, the header has 3"],
    ]
    result, data = _import(run, "members", path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (1, 1)
    assert [(m["name"], m["phone"]) for m in run.json("member", "list")] == [
        ("李四", "+8613800000062")
    ]


def test_extra_fields_in_later_chunks_are_rejected_rows(run, monkeypatch, tmp_path):
    from memberctl.spreadsheets import read

    monkeypatch.setattr(read, "CHUNK_ROWS", 2)
    lines = [
        "姓名,手机号,积分",
        "A,13800000001,1",
        "B,13800000002,2",
        "C,13800000003,3",
        "D,13800000004,4,,",
        "E,13800000005,5",
        ",,,",
        "F,13800000006,6,x,y",
        "G,13800000007,7",
    ]
    path = tmp_path / "c.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, data = _import(run, "members", path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (5, 2)
    assert [e["message"] for e in data["errors"]] == [
        "row 5 has 5 fields, the header has 3",
        "row 8 has 5 fields, the header has 3 (beyond the header: x, y)",
    ]
    members = {m["name"]: (m["phone"], m["points"]) for m in run.json("member", "list")}
    assert members == {
        n: (f"+861380000000{i}", i) for i, n in zip((1, 2, 3, 5, 7), "ABCEG", strict=True)
    }
    assert read_rows(tmp_path / "c.csv.errors.csv")[1:] == [
        ["D", "13800000004", "4", "row 5 has 5 fields, the header has 3"],
        ["F", "13800000006", "6", "row 8 has 5 fields, the header has 3 (beyond the header: x, y)"],
    ]


def test_a_purchase_row_with_a_field_too_many_is_rejected(run, engine, session, tmp_path):
    enroll(engine, phone="13800138000")
    path = tmp_path / "p.csv"
    path.write_text(
        "手机号,订单号,金额,时间\n13800138000,A1,10,2026-11-01,\n13800138000,A2,20,2026-11-02\n",
        encoding="utf-8",
    )
    result, data = _import(run, "purchases", path)
    assert "row 2 has 5 fields, the header has 4" in error_line_of(result)
    assert _count(session, Purchase) == 0
    result, data = _import(run, "purchases", path, "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (1, 1)
    session.rollback()
    assert session.exec(select(Purchase.order_no, Purchase.amount)).all() == [
        ("A2", Decimal("20.00"))
    ]


# --- 2: a cap on fields per row, refused fast --------------------------------------------------


@pytest.mark.parametrize("where", ["header", "first row", "later row"])
def test_a_row_of_a_million_fields_is_refused_fast(run, session, tmp_path, where):
    huge = ",".join(["x"] * 1_000_000)
    lines = {
        "header": [huge, "张三,13800000061"],
        "first row": ["姓名,手机号", huge, "张三,13800000061"],
        "later row": ["姓名,手机号", "张三,13800000061", huge],
    }[where]
    path = tmp_path / "w.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    began = time.perf_counter()
    result = run("import", "members", str(path))
    seconds = time.perf_counter() - began
    row = {"header": "the header row", "first row": "row 2", "later row": "row 3"}[where]
    failure(result, 5, f"{row} of 'w.csv' has 1000000 fields; at most 1000 are read")
    assert seconds < 10, seconds  # 144 s and 2.6 GB before; about 0.3 s now
    assert _count(session, Member) == 0


# --- 6: counts say what happened -------------------------------------------------------------


def test_counts_say_what_was_written_and_what_would_have_been(run, engine, session, tmp_path):
    enroll(engine, phone="13900139000", name="Old")
    rows = [
        ["姓名", "手机号"],
        ["Ann", "13800138000"],
        ["Bob", "13700137000"],
        ["New name", "13900139000"],
        ["Cid", "1.38E+10"],
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    counts = ("inserted", "updated", "skipped", "rejected", "would_insert", "would_update")
    result, data = _import(run, "members", path, "--on-existing", "update")
    assert result.exit_code == 5
    assert tuple(data[k] for k in counts) == (0, 0, 0, 1, 2, 1)
    result, data = _import(
        run, "members", path, "--on-existing", "update", "--dry-run", "--skip-invalid"
    )
    assert tuple(data[k] for k in counts) + (data["dry_run"],) == (0, 0, 0, 1, 2, 1, True)
    assert _count(session, Member) == 1
    table = run("import", "members", str(path), "--on-existing", "update")
    assert "refused: nothing written" in table.stdout and "Would insert" in table.stdout
    assert "Inserted" not in table.stdout
    result, data = _import(run, "members", path, "--on-existing", "update", "--skip-invalid")
    assert tuple(data[k] for k in counts) == (2, 1, 0, 1, 2, 1)
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["手机号", "订单号", "金额", "时间"],
            ["13800138000", "A1", "10", "2026-11-01"],
            ["13800138000", "A2", "x", "2026-11-01"],
        ],
    )
    result, data = _import(run, "purchases", path)
    assert result.exit_code == 5
    assert tuple(data[k] for k in counts) == (0, 0, 0, 1, 1, 0)
    assert _count(session, Purchase) == 0


# --- 3: text in no supported encoding is refused, never guessed ------------------------------


def test_a_csv_in_no_supported_encoding_is_refused(run, session, tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes("name,phone\nRenée €5,13800138000\n".encode("cp1252"))
    failure(
        run("import", "members", str(path)),
        5,
        "'w.csv' is not text in any of the encodings tried: UTF-8, GB18030 (GBK)",
        "save it again as 'CSV UTF-8' (or GBK)",
    )
    assert _count(session, Member) == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_the_supported_encodings_still_import(run, tmp_path, encoding):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["张三", "13800138000"]], encoding)
    result, data = _import(run, "members", path)
    assert (result.exit_code, data["inserted"]) == (0, 1), result.stderr
    assert run.json("member", "show", "M000001")["name"] == "张三"


# --- 4: a purchase for a frozen or cancelled member: one rule for import and command --------


@pytest.mark.parametrize("status", ["frozen", "cancelled"])
def test_purchases_of_frozen_or_cancelled_members_are_rejected_rows(
    run, engine, session, tmp_path, status
):
    active = enroll(engine, phone="13800138000").member_no
    stopped = member_in(engine, status, phone="13900139000").member_no
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["会员卡号", "订单号", "金额", "时间"],
            [active, "A1", "100", "2026-11-01"],
            [stopped, "A2", "100", "2026-11-01"],
        ],
    )
    refusal = (
        f"cannot record a purchase for {stopped}: the member is {status}; "
        "unfreeze or restore the member first"
    )
    result, data = _import(run, "purchases", path)
    assert f"row 3, column 会员卡号: {refusal}" in error_line_of(result)
    assert data["errors"] == [
        {"row": 3, "column": "会员卡号", "value": stopped, "message": refusal}
    ]
    assert _count(session, Purchase) == 0
    result, data = _import(run, "purchases", path, "--skip-invalid")
    assert (result.exit_code, data["inserted"], data["rejected"]) == (0, 1, 1)
    assert run.json("member", "show", active)["points"] == 100
    session.rollback()
    assert session.exec(select(Purchase.order_no)).all() == ["A1"]
    assert run("purchase", "record", stopped, "10").exit_code == 4  # the command's rule, the same


# --- 7: status changes by import follow the lifecycle rules of the commands ------------------


def test_an_update_may_not_make_a_move_the_commands_refuse(run, engine, session, tmp_path):
    cancelled = member_in(engine, "cancelled", phone="13800138000").member_no
    frozen = member_in(engine, "frozen", phone="13900139000").member_no
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "状态"],
            ["Ann", "13800138000", "冻结"],
            ["Bob", "13900139000", "正常"],
        ],
    )
    before = _count(session, LifecycleChange)
    refusal = (
        f"cannot freeze {cancelled}: the member is cancelled; freeze is allowed only "
        "for active members"
    )
    result, data = _import(run, "members", path, "--on-existing", "update")
    assert f"row 2, column 状态: {refusal}" in error_line_of(result)
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [(2, "状态", refusal)]
    command = run("member", "freeze", cancelled)
    assert command.exit_code == 4 and f"cannot freeze {cancelled}" in command.stderr
    result, data = _import(run, "members", path, "--on-existing", "update", "--skip-invalid")
    assert (result.exit_code, data["updated"], data["rejected"]) == (0, 1, 1)
    assert run.json("member", "show", cancelled)["status"] == "cancelled"
    assert run.json("member", "show", frozen)["status"] == "active"  # unfreeze: allowed
    session.rollback()
    assert _count(session, LifecycleChange) == before + 1
    restore = write_csv(
        tmp_path / "r.csv", [["姓名", "手机号", "状态"], ["Ann", "13800138000", "active"]]
    )
    result, data = _import(run, "members", restore, "--on-existing", "update")
    assert (result.exit_code, data["updated"]) == (0, 1), result.stderr  # restore: allowed


# --- 10: control characters in imported text -------------------------------------------------


def test_control_characters_are_rejected_cells_on_every_database(run, session, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "地址", "标签", "门店"],
            ["A\x00nn", "13800138001", "", "", ""],
            ["Bob", "13800138002", "Road 1\nFloor 2\tRoom\r3", "vip", "总店"],
            ["Cid", "13800138003", "Road\x00", "", ""],
            ["Dan", "13800138004", "", "v\x1bip", ""],
            ["Eve", "13800138005", "", "", "总\x85店"],
            ["F\tay", "13800138006", "", "", ""],
        ],
    )
    result, data = _import(run, "members", path, "--skip-invalid", "--add-stores")
    assert result.exit_code == 0, result.stderr
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (
            2,
            "姓名",
            "the name contains the control character U+0000; remove it from the cell "
            "(most programs do not show it)",
        ),
        (
            4,
            "地址",
            "the address contains the control character U+0000; remove it from the "
            "cell (most programs do not show it)",
        ),
        (
            5,
            "标签",
            "a tag contains the control character U+001B; remove it from the cell "
            "(most programs do not show it)",
        ),
        (
            6,
            "门店",
            "the store contains the control character U+0085; remove it from the cell "
            "(most programs do not show it)",
        ),
        (
            7,
            "姓名",
            "the name contains the control character U+0009; remove it from the cell "
            "(most programs do not show it)",
        ),
    ]
    assert (data["inserted"], data["rejected"]) == (1, 5)
    assert run.json("member", "show", "M000001")["address"] == "Road 1\nFloor 2\tRoom\r3"
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["手机号", "订单号", "金额", "时间", "品类"],
            ["13800138002", "A\x001", "10", "2026-11-01", ""],
            ["13800138002", "A2", "10", "2026-11-01", "x\x7f"],
            ["13800138002", "A3", "10", "2026-11-01", "饮料"],
        ],
    )
    result, data = _import(run, "purchases", path, "--skip-invalid")
    assert (result.exit_code, data["inserted"]) == (0, 1), result.stderr
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(2, "订单号"), (3, "品类")]
    session.rollback()
    assert session.exec(select(Purchase.order_no)).all() == ["A3"]


def test_a_text_direction_mark_is_refused_as_the_commands_refuse_it(run, tmp_path):
    """The import checks cells with the commands' own rule (fields.check_text): a text-direction
    override, which reverses what a terminal shows after it, is refused too (it was imported)."""
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["姓名", "手机号", "地址"],
            ["王\u202e五", "13800138001", ""],
            ["Bob", "13800138002", "路\u2066一"],
        ],
    )
    result, data = _import(run, "members", path, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (
            2,
            "姓名",
            "the name contains the control character U+202E; remove it from the cell "
            "(most programs do not show it)",
        ),
        (
            3,
            "地址",
            "the address contains the control character U+2066; remove it from the "
            "cell (most programs do not show it)",
        ),
    ]
    assert (data["inserted"], data["rejected"]) == (0, 2)
