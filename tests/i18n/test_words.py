"""Chinese where a shop owner reads it: import rejections, table values, report workbooks.

Rejection reasons (the errors file's reason column, the JSON `errors[].message`) follow the
language; JSON keys, the `column` value (the sheet's own header) and exit codes do not. Tables in
Chinese show statuses, tiers and genders in words (正常, 金卡会员, 女); English tables, JSON and
CSV keep the codes. Each case runs the real program in a fresh interpreter (see test_language).
"""

from __future__ import annotations

import csv
import json
import zipfile

import openpyxl
import pytest

from tests.factories import act, enroll, member_in
from tests.i18n.test_language import memberctl

SHEET = "name,phone,points,status\n张三,13800138000,10,active\n李四,13800138000,1.5,x\n王五,,3,\n"


def _errors_file(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_rejections_in_chinese_keep_keys_columns_and_exit_code(db_url, tmp_path):
    sheet = tmp_path / "m.csv"
    sheet.write_text(SHEET, encoding="utf-8")

    result = memberctl(db_url, "--lang", "zh", "import", "members", str(sheet), "-f", "json")

    assert result.returncode == 5, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == [
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
    assert [list(e) for e in report["errors"]][0] == ["row", "column", "value", "message"]
    messages = {(e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert messages == {
        (3, "points"): "积分 '1.5' 不是整数；请写成 120 这样的整数",
        (3, "status"): "无法识别状态 'x'；请用 正常/冻结/注销（或 active、frozen、cancelled）",
        (3, "phone"): "与本文件第 2 行重复",
        (4, "phone"): "手机号为空",
    }
    assert result.stderr.startswith("错误：2 行被拒绝（第一个：第 3 行“points”列：积分 '1.5'")
    rows = _errors_file(tmp_path / "m.csv.errors.csv")
    assert rows[0] == ["name", "phone", "points", "status", "错误原因"]
    assert rows[1][:4] == ["李四", "13800138000", "1.5", "x"]
    assert rows[1][4].startswith("points: 积分 '1.5' 不是整数")
    assert rows[2] == ["王五", "", "3", "", "phone: 手机号为空"]


def test_rejections_in_english_are_unchanged(db_url, tmp_path):
    sheet = tmp_path / "m.csv"
    sheet.write_text(SHEET, encoding="utf-8")

    result = memberctl(db_url, "import", "members", str(sheet), "-f", "json")

    assert result.returncode == 5, result.stderr
    messages = [e["message"] for e in json.loads(result.stdout)["errors"]]
    assert messages == [
        "points '1.5' is not a whole number; write it like 120",
        "status 'x' is not understood; use active, frozen or cancelled (正常/冻结/注销)",
        "duplicate of row 2 in this file",
        "phone is empty",
    ]
    rows = _errors_file(tmp_path / "m.csv.errors.csv")
    assert rows[0][-1] == "reason" and rows[2][-1] == "phone: phone is empty"


def test_a_purchase_for_no_member_is_rejected_in_chinese(db_url, tmp_path):
    sheet = tmp_path / "p.csv"
    sheet.write_text("订单号,金额,时间,会员卡号\nA1,10,2026-11-01,M000009\n", encoding="utf-8")

    result = memberctl(db_url, "--lang", "zh", "import", "purchases", str(sheet), "-f", "json")

    assert result.returncode == 5, result.stderr
    [error] = json.loads(result.stdout)["errors"]
    assert error == {
        "row": 2,
        "column": "会员卡号",
        "value": "M000009",
        "message": "没有会员 M000009；请先导入或登记该会员",
    }


def _gold_woman(engine):
    record = enroll(engine, name="张三", phone="13800138000", gender="女", tier="gold")
    member_in(engine, "frozen", name="李四", phone="13900139000")
    return record


def _record(stdout):
    """`member show`'s two columns as a dict (empty fields left out)."""
    pairs = [line.split(maxsplit=1) for line in stdout.splitlines()]
    return {p[0]: p[1].strip() for p in pairs if len(p) == 2}


def test_a_chinese_table_shows_statuses_tiers_and_genders_in_words(engine, db_url):
    _gold_woman(engine)

    listed = memberctl(db_url, "--lang", "zh", "member", "list")
    shown = memberctl(db_url, "--lang", "zh", "member", "show", "M000001")

    assert listed.returncode == shown.returncode == 0, listed.stderr + shown.stderr
    rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines() if "M0000" in line}
    assert rows["M000001"][5:7] == ["金卡会员", "正常"]  # after the phone's three groups
    assert rows["M000002"][5:7] == ["普通会员", "冻结"]
    record = _record(shown.stdout)
    assert (record["等级"], record["状态"], record["性别"]) == ("金卡会员", "正常", "女")


def test_an_english_table_keeps_the_codes(engine, db_url):
    _gold_woman(engine)

    shown = memberctl(db_url, "member", "show", "M000001")

    record = _record(shown.stdout)
    assert (record["Tier"], record["Status"], record["Gender"]) == ("gold", "active", "female")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_json_and_csv_keep_the_codes_in_chinese(engine, db_url, fmt):
    _gold_woman(engine)

    result = memberctl(db_url, "--lang", "zh", "member", "show", "M000001", "-f", fmt)

    assert result.returncode == 0, result.stderr
    assert "gold" in result.stdout and "active" in result.stdout and "female" in result.stdout
    assert "金卡会员" not in result.stdout and "正常" not in result.stdout


def test_the_summary_report_counts_by_status_and_tier_in_words(engine, db_url):
    _gold_woman(engine)
    act(engine, enroll(engine, name="王五").member_no, "cancel")

    result = memberctl(db_url, "--lang", "zh", "report", "summary", "--as-of", "2026-11-25")

    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["正常", "1"] == lines[next(i for i, w in enumerate(lines) if w[:1] == ["正常"])][:2]
    assert ["已注销", "1"] in [w[:2] for w in lines]
    assert ["金卡会员", "1"] in [w[:2] for w in lines]
    assert "cancelled" not in result.stdout and "gold" not in result.stdout


def test_a_workbook_in_chinese_has_chinese_headers_and_chart_titles(engine, db_url, tmp_path):
    _gold_woman(engine)
    out = tmp_path / "growth.xlsx"

    result = memberctl(
        db_url, "--lang", "zh", "report", "growth", "--as-of", "2026-11-25", "--out", str(out)
    )

    assert result.returncode == 0, result.stderr
    rows = list(openpyxl.load_workbook(out)["增长"].iter_rows(values_only=True))
    assert rows[0] == ("月份", "新会员", "会员总数")
    assert rows[-1] == ("2026-11", 2, 2)
    charts = tmp_path / "charts"
    zipfile.ZipFile(out).extractall(charts)
    titles = "".join(p.read_text(encoding="utf-8") for p in charts.glob("xl/charts/chart*.xml"))
    assert "每月新会员" in titles and "New members" not in titles


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (
            ["member", "show"],
            "错误：缺少参数 'REF'。（参见 'memberctl member show --help'）",
            "error: Missing argument 'REF'. (see 'memberctl member show --help')",
        ),
        (
            ["member", "show", "A", "B"],
            "错误：多余的参数（B）（参见 'memberctl member show --help'）",
            "error: Got unexpected extra argument(s) (B) (see 'memberctl member show --help')",
        ),
        (
            ["member", "list", "--bogus"],
            "错误：没有选项 --bogus（参见 'memberctl member list --help'）",
            "error: No such option: --bogus (see 'memberctl member list --help')",
        ),
        (
            ["member", "list", "--limit", "abc"],
            "错误：'--limit' 的值无效：请填写整数（参见 'memberctl member list --help'）",
            "error: Invalid value for '--limit': ",
        ),
        (
            ["member", "list", "--limit", "0"],
            "错误：'--limit' 的值无效：请填写 1 或更大的数（参见 'memberctl member list --help'）",
            "error: Invalid value for '--limit': Input should be greater than or equal to 1",
        ),
        (
            ["import", "members", "m.csv", "--header-row", "0"],
            "错误：'--header-row' 的值无效：请填写 1 或更大的数"
            "（参见 'memberctl import members --help'）",
            "error: Invalid value for '--header-row': Input should be greater than or equal to 1",
        ),
        (
            ["report", "growth", "--months", "601"],
            "错误：'--months' 的值无效：请填写 600 或更小的数"
            "（参见 'memberctl report growth --help'）",
            "error: Invalid value for '--months': Input should be less than or equal to 600",
        ),
        (
            ["member", "list", "--limit"],
            "错误：选项 '--limit' 需要一个值。",
            "error: Option '--limit' requires an argument.",
        ),
        (
            ["member", "lst"],
            "错误：没有命令 'lst'；是不是 'list'？（参见 'memberctl member --help'）",
            "error: No such command 'lst'. Did you mean 'list'? (see 'memberctl member --help')",
        ),
    ],
    ids=[
        "missing-argument",
        "extra-argument",
        "no-such-option",
        "bad-integer",
        "too-small",
        "too-small-header-row",
        "too-large",
        "no-value",
        "no-such-command",
    ],
)
def test_usage_errors_in_chinese_keep_exit_2(db_url, args, chinese, english):
    zh = memberctl(db_url, "--lang", "zh", *args)
    en = memberctl(db_url, *args)

    assert zh.returncode == en.returncode == 2
    assert zh.stdout == en.stdout == ""
    assert _as_installed(zh.stderr) == chinese
    assert _as_installed(en.stderr).startswith(english)


def _as_installed(text):
    """The program runs as `python -m memberctl` here; installed, it is `memberctl`."""
    return " ".join(text.replace("python -m memberctl", "memberctl").split())


def test_help_says_usage_in_chinese(db_url):
    zh = memberctl(db_url, "--lang", "zh", "member", "show", "--help")
    en = memberctl(db_url, "member", "show", "--help")

    assert "用法：memberctl member show" in _as_installed(zh.stdout)
    assert "Usage:" not in zh.stdout
    assert "Usage: memberctl member show" in _as_installed(en.stdout)


def test_ledgers_flags_and_unnamed_records_read_in_chinese(engine, db_url):
    enroll(engine, name="张三", phone="13800138000")
    added = memberctl(db_url, "--lang", "zh", "points", "add", "M000001", "5", "--reason", "开业")
    balance = memberctl(db_url, "--lang", "zh", "points", "balance", "M000001")
    history = memberctl(db_url, "--lang", "zh", "points", "history", "M000001")
    english = memberctl(db_url, "points", "balance", "M000001")

    assert added.stderr.strip() == "M000001：增加 5 积分，当前 5 积分"
    assert _record(added.stdout)["重复提交（未更改）"] == "否"
    assert _record(balance.stdout)["可用积分"] == "5"
    assert "调整" in history.stdout and "adjust" not in history.stdout
    assert _record(english.stdout)["Available"] == "5"


def test_a_status_change_is_said_in_words(engine, db_url):
    enroll(engine, name="张三", phone="13800138000")

    zh = memberctl(db_url, "--lang", "zh", "member", "freeze", "M000001", "--reason", "x")
    en = memberctl(db_url, "member", "unfreeze", "M000001", "--reason", "x")

    assert zh.returncode == en.returncode == 0, zh.stderr + en.stderr
    assert zh.stderr.strip() == "M000001：已冻结，当前状态：冻结"
    assert en.stderr.strip() == "M000001: unfreeze done, now active"


def test_the_history_reads_in_chinese_and_its_json_stays_english(engine, db_url):
    enroll(engine, name="张三", phone="13800138000")
    assert (
        memberctl(db_url, "purchase", "record", "M000001", "120", "--order-no", "A1").returncode
        == 0
    )
    assert memberctl(db_url, "member", "freeze", "M000001", "--reason", "挂失").returncode == 0

    table = memberctl(db_url, "--lang", "zh", "member", "history", "M000001")
    zh = memberctl(db_url, "--lang", "zh", "member", "history", "M000001", "-f", "json")
    en = memberctl(db_url, "member", "history", "M000001", "-f", "json")

    assert table.returncode == zh.returncode == en.returncode == 0, table.stderr
    assert "订单 A1：120.00" in table.stdout
    assert "正常 → 冻结（挂失）" in table.stdout
    assert "+120 积分，" in table.stdout and "points" not in table.stdout
    assert zh.stdout == en.stdout
    details = [event["detail"] for event in json.loads(en.stdout)]
    assert "order A1: 120.00" in details and "active -> frozen (挂失)" in details
