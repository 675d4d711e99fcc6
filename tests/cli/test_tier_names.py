"""Short tier names (issue 15, item 3): wherever a tier is given (enroll --tier, upgrade /
downgrade --to, list / export --tier, --where, segments, the import's tier column) its code in
any case, its name and its name without 会员 are one tier; an unknown tier names every tier,
codes and names, in the clerk's language; `tier load` refuses two tiers written alike."""

from __future__ import annotations

import json

import pytest

from tests.conftest import error_line, failure
from tests.factories import enroll, member_row, snapshot
from tests.spreadsheets.sheets import write_csv, write_xlsx

ALL_EN = "basic (普通会员), silver (银卡会员), gold (金卡会员), platinum (白金会员)"
ALL_ZH = "普通会员 (basic)、银卡会员 (silver)、金卡会员 (gold)、白金会员 (platinum)"


@pytest.mark.parametrize("given", ["gold", "GOLD", "金卡会员", "金卡", " 金卡 ", "ｇｏｌｄ"])
def test_enroll_takes_the_code_the_name_or_the_short_name(run, session, given):
    data = run.json("member", "enroll", "--name", "王五", "--phone", "13800138000", "--tier", given)
    assert data["tier"] == "gold"
    assert member_row(session, data["member_no"]).tier_code == "gold"


def test_upgrade_and_downgrade_to_a_short_name(run, engine, session):
    member_no = enroll(engine).member_no
    assert run.json("member", "upgrade", member_no, "--to", "白金")["tier"] == "platinum"
    assert run.json("member", "downgrade", member_no, "--to", "银卡会员")["tier"] == "silver"
    assert run.json("member", "downgrade", member_no, "--to", "普通")["tier"] == "basic"
    assert member_row(session, member_no).tier_code == "basic"


def test_list_export_where_and_segments_take_short_names(run, engine, tmp_path):
    gold = enroll(engine, name="金", tier="金卡").member_no
    silver = enroll(engine, name="银", tier="silver").member_no
    enroll(engine, name="普")

    def numbers(*args: str) -> list[str]:
        return sorted(m["member_no"] for m in run.json("member", "list", *args))

    assert numbers("--tier", "金卡") == [gold]
    assert numbers("--where", "tier = 金卡") == [gold]
    assert numbers("--where", "tier >= 银卡") == sorted([gold, silver])
    assert numbers("--where", "tier in (银卡会员, GOLD)") == sorted([gold, silver])
    assert numbers("--where", "tier != '普通'") == sorted([gold, silver])
    assert run("segment", "save", "top", "tier >= 银卡").exit_code == 0
    assert numbers("--segment", "top") == sorted([gold, silver])
    out = tmp_path / "gold.csv"
    result = run("export", "members", str(out), "--tier", "金卡")
    assert result.exit_code == 0, result.stderr
    assert gold in out.read_text(encoding="utf-8-sig")
    assert silver not in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_import_tier_column_takes_short_names(run, tmp_path, suffix):
    rows = [
        ["姓名", "手机号", "会员等级"],
        ["甲", "13800138001", "金卡"],
        ["乙", "13800138002", "银卡会员"],
        ["丙", "13800138003", "Platinum"],
        ["丁", "13800138004", "普通"],
    ]
    path = (write_csv if suffix == "csv" else write_xlsx)(tmp_path / f"m.{suffix}", rows)
    result = run("import", "members", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 4
    tiers = {m["name"]: m["tier"] for m in run.json("member", "list")}
    assert tiers == {"甲": "gold", "乙": "silver", "丙": "platinum", "丁": "basic"}


def test_an_unknown_import_tier_lists_codes_and_names(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv", [["姓名", "手机号", "会员等级"], ["甲", "13800138001", "钻石"]]
    )
    result = run("import", "members", str(path), "--format", "json")
    data = json.loads(result.stdout)
    assert data["inserted"] == 0
    assert data["errors"][0]["message"] == f"tier '钻石' does not exist; tiers are: {ALL_EN}"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", f"error: no tier '钻石'; tiers are: {ALL_EN}"),
        ("zh", f"错误：没有等级 '钻石'；现有等级：{ALL_ZH}"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ("member", "enroll", "--name", "王五", "--phone", "13800138000", "--tier", "钻石"),
        ("member", "list", "--tier", "钻石"),
        ("member", "upgrade", "M000001", "--to", "钻石"),
    ],
)
def test_an_unknown_tier_exits_3_naming_every_tier(run, engine, lang, expected, command):
    enroll(engine)
    before = snapshot(engine)
    result = run("--lang", lang, *command)
    assert (result.exit_code, error_line(result)) == (3, expected)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", f"error: no tier '钻石' at column 8; tiers are: {ALL_EN}"),
        ("zh", f"错误：第 8 列：没有等级 '钻石'；现有等级：{ALL_ZH}"),
    ],
)
def test_an_unknown_tier_in_where_names_every_tier(run, lang, expected):
    result = run("--lang", lang, "member", "list", "--where", "tier = 钻石")
    assert (result.exit_code, error_line(result)) == (2, expected)


@pytest.mark.parametrize(
    ("table", "spelling", "code"),
    [
        ('code = "vip"\nname = "金卡"\nrank = 5\nthreshold = "90000"', "金卡", "vip"),
        ('code = "gold2"\nname = "GOLD"\nrank = 5\nthreshold = "90000"', "gold", "gold2"),
        ('code = "vip"\nname = "白金会员 "\nrank = 5\nthreshold = "90000"', "白金会员", "vip"),
    ],
)
def test_load_refuses_two_tiers_written_alike(run, engine, tmp_path, table, spelling, code):
    path = tmp_path / "t.toml"
    path.write_text(f"[[tier]]\n{table}\n", encoding="utf-8")
    before = snapshot(engine)
    failure(
        run("tier", "load", str(path)),
        5,
        f"t.toml: '{spelling}' would name both ",
        f" and {code}; give every tier its own code and name (a name is also read without '会员')",
    )
    assert snapshot(engine) == before


def test_load_may_rename_tiers_so_their_spellings_swap(run, tmp_path):
    path = tmp_path / "t.toml"
    gold, platinum = 'code = "gold"\nname = "白金会员"', 'code = "platinum"\nname = "金卡"'
    path.write_text(f"[[tier]]\n{gold}\n\n[[tier]]\n{platinum}\n", encoding="utf-8")
    result = run("tier", "load", str(path))
    assert result.exit_code == 0, result.stderr
    assert (
        run.json("member", "enroll", "--name", "甲", "--phone", "13800138000", "--tier", "金卡")[
            "tier"
        ]
        == "platinum"
    )
