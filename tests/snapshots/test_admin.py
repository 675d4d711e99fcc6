# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of imports, import runs, the audit log, db info and the nightly summary, in
English and Chinese. Files are named relative to the test's directory, so no temporary path
shows; the import runs' wall-clock times are pinned afterwards (shop.fix_import_times)."""

from __future__ import annotations

from typing import Any

import pytest
from inline_snapshot import snapshot

from tests.conftest import PG_URL
from tests.snapshots import shop as builder
from tests.snapshots.shop import both
from tests.spreadsheets.sheets import write_csv

HEADER = ["姓名", "手机号", "性别", "生日", "积分", "余额", "标签", "会员等级"]
NEW = [
    ["周九", "138 0013 9001", "男", "1990/5/6", "100", "12.5", "vip", "金卡会员"],
    ["吴十", "+86 139-0013-9002", "F", "1991年2月3日", "", "", "", "silver"],
]
OTHERS = [["郑一", "138 0013 9003", "", "", "", "", "", ""]]
BAD = [
    ["冯二", "12345", "男", "1990-02-30", "-5", "12.345", "", "钻石卡"],
    ["陈三", "138 0013 9004", "", "", "", "abc", "", ""],
]
# db info shows what only SQLite has (a file and its size)
SQLITE_ONLY = pytest.mark.skipif(bool(PG_URL), reason="shows the SQLite file")
PURCHASE_HEADER = ["会员卡号", "订单号", "金额", "时间"]


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def shots(english: Any, chinese: Any) -> dict[str, dict[str, Any]]:
    return timeless(
        {
            "en": {"exit": english.exit_code, "stdout": english.stdout, "stderr": english.stderr},
            "zh": {"exit": chinese.returncode, "stdout": chinese.stdout, "stderr": chinese.stderr},
        }
    )


def timeless(shown: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for result in shown.values():
        result["stdout"] = builder.without_timing(result["stdout"])
    return shown


def import_each(run, kind: str, english: str, chinese: str) -> dict[str, dict[str, Any]]:
    """`english` imported in English, then `chinese` in Chinese (two files: both write)."""
    return shots(
        run("--lang", "en", "import", kind, english, env=builder.WIDE),
        builder.memberctl(run.db_url, "--lang", "zh", "import", kind, chinese, **builder.WIDE),
    )


def test_import_members(run, here):
    write_csv(here / "new.csv", [HEADER, *NEW])
    write_csv(here / "others.csv", [HEADER, *OTHERS])
    assert import_each(run, "members", "new.csv", "others.csv") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Inserted  Updated  Skipped  Rejected  Seconds  Rows/s
─────────────────────────────────────────────────────
       2        0        0         0     <secs> <rate>
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
新增  更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────
   1     0     0       0  <secs> <rate>
""",
                "stderr": "",
            },
        }
    )


def test_import_members_dry_run(run, here):
    write_csv(here / "new.csv", [HEADER, *NEW])
    assert timeless(both(run, "import", "members", "new.csv", "--dry-run")) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                   dry run: nothing written                   \n\
Would insert  Would update  Skipped  Rejected  Seconds  Rows/s
──────────────────────────────────────────────────────────────
           2             0        0         0     <secs> <rate>
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
         试运行：未写入任何内容          \n\
将新增  将更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────────
     2       0     0       0  <secs> <rate>
""",
                "stderr": "",
            },
        }
    )


def test_import_members_again_is_refused_row_by_row(run, here):
    write_csv(here / "new.csv", [HEADER, *NEW])
    assert run("import", "members", "new.csv").exit_code == 0
    assert timeless(both(run, "import", "members", "new.csv")) == snapshot(
        {
            "en": {
                "exit": 5,
                "stdout": """\
                   refused: nothing written                   \n\
Would insert  Would update  Skipped  Rejected  Seconds  Rows/s
──────────────────────────────────────────────────────────────
           0             0        0         2     <secs> <rate>
""",
                "stderr": "error: 2 row(s) rejected (first: row 2, column 手机号: member M000001 already exists; use --on-existing skip or update); rejected rows are in new.csv.errors.csv; nothing was written; fix those rows and import again, or use --skip-invalid\n",
            },
            "zh": {
                "exit": 5,
                "stdout": """\
         已拒绝：未写入任何数据          \n\
将新增  将更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────────
     0       0     0       2  <secs> <rate>
""",
                "stderr": "错误：2 行被拒绝（第一个：第 2 行“手机号”列：会员 M000001 已存在；请用 --on-existing skip 或 update）；被拒绝的行已写入 new.csv.errors.csv；未写入任何内容；请修正这些行后重新导入，或使用 --skip-invalid\n",
            },
        }
    )


def test_import_members_with_bad_rows_writes_nothing(run, here):
    write_csv(here / "bad.csv", [HEADER, *NEW, *BAD])
    assert timeless(both(run, "import", "members", "bad.csv")) == snapshot(
        {
            "en": {
                "exit": 5,
                "stdout": """\
                   refused: nothing written                   \n\
Would insert  Would update  Skipped  Rejected  Seconds  Rows/s
──────────────────────────────────────────────────────────────
           2             0        0         2     <secs> <rate>
""",
                "stderr": "error: 2 row(s) rejected (first: row 4, column 手机号: '12345' is not a valid phone number; give a mobile such as 13800138000 or an international number such as +85291234567); rejected rows are in bad.csv.errors.csv; nothing was written; fix those rows and import again, or use --skip-invalid\n",
            },
            "zh": {
                "exit": 5,
                "stdout": """\
         已拒绝：未写入任何数据          \n\
将新增  将更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────────
     2       0     0       2  <secs> <rate>
""",
                "stderr": "错误：2 行被拒绝（第一个：第 4 行“手机号”列：'12345' 不是有效的手机号；请填写手机号，如 13800138000，或国际号码，如 +85291234567）；被拒绝的行已写入 bad.csv.errors.csv；未写入任何内容；请修正这些行后重新导入，或使用 --skip-invalid\n",
            },
        }
    )


def test_import_members_skipping_bad_rows(run, here):
    write_csv(here / "bad.csv", [HEADER, *NEW, *BAD])
    write_csv(here / "bad2.csv", [HEADER, *OTHERS, *BAD])
    english = run(
        "--lang",
        "en",
        "import",
        "members",
        "bad.csv",
        "--skip-invalid",
        "--errors",
        "errors.csv",
        env=builder.WIDE,
    )
    chinese = builder.memberctl(
        run.db_url,
        "--lang",
        "zh",
        "import",
        "members",
        "bad2.csv",
        "--skip-invalid",
        "--errors",
        "errors2.csv",
        **builder.WIDE,
    )
    assert shots(english, chinese) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Inserted  Updated  Skipped  Rejected  Seconds  Rows/s
─────────────────────────────────────────────────────
       2        0        0         2     <secs> <rate>
""",
                "stderr": "warning: 2 row(s) rejected (first: row 4, column 手机号: '12345' is not a valid phone number; give a mobile such as 13800138000 or an international number such as +85291234567); rejected rows are in errors.csv\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
新增  更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────
   1     0     0       2  <secs> <rate>
""",
                "stderr": "警告：2 行被拒绝（第一个：第 3 行“手机号”列：'12345' 不是有效的手机号；请填写手机号，如 13800138000，或国际号码，如 +85291234567）；被拒绝的行已写入 errors2.csv\n",
            },
        }
    )


def test_import_purchases(run, shop, here):
    write_csv(here / "p1.csv", [PURCHASE_HEADER, [shop[0], "P1", "120.50", "2026-11-20 10:00"]])
    write_csv(here / "p2.csv", [PURCHASE_HEADER, [shop[1], "P2", "80", "2026-11-21 11:00"]])
    assert import_each(run, "purchases", "p1.csv", "p2.csv") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Inserted  Updated  Skipped  Rejected  Seconds  Rows/s
─────────────────────────────────────────────────────
       1        0        0         0     <secs> <rate>
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
新增  更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────
   1     0     0       0  <secs> <rate>
""",
                "stderr": "",
            },
        }
    )


def test_import_purchases_with_bad_rows(run, shop, here):
    write_csv(
        here / "p.csv",
        [
            PURCHASE_HEADER,
            [shop[0], "P1", "12.345", "2026-11-20"],
            ["M999999", "P2", "80", "2026-13-01"],
        ],
    )
    assert timeless(both(run, "import", "purchases", "p.csv")) == snapshot(
        {
            "en": {
                "exit": 5,
                "stdout": """\
                   refused: nothing written                   \n\
Would insert  Would update  Skipped  Rejected  Seconds  Rows/s
──────────────────────────────────────────────────────────────
           0             0        0         2     <secs> <rate>
""",
                "stderr": "error: 2 row(s) rejected (first: row 2, column 金额: 12.345 has more than two decimals; amounts are in whole cents, e.g. 12.35); rejected rows are in p.csv.errors.csv; nothing was written; fix those rows and import again, or use --skip-invalid\n",
            },
            "zh": {
                "exit": 5,
                "stdout": """\
         已拒绝：未写入任何数据          \n\
将新增  将更新  跳过  被拒绝    秒  行/秒
─────────────────────────────────────────
     0       0     0       2  <secs> <rate>
""",
                "stderr": "错误：2 行被拒绝（第一个：第 2 行“金额”列：12.345 的小数超过两位；金额须精确到分，例如 12.35）；被拒绝的行已写入 p.csv.errors.csv；未写入任何内容；请修正这些行后重新导入，或使用 --skip-invalid\n",
            },
        }
    )


def test_import_runs(run, engine, here):
    write_csv(here / "new.csv", [HEADER, *NEW])
    write_csv(here / "others.csv", [HEADER, *OTHERS])
    assert run("import", "members", "new.csv").exit_code == 0
    assert run("import", "members", "others.csv").exit_code == 0
    builder.fix_import_times(engine)
    assert both(run, "import", "runs") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Run  File        When                 By      Kind     Inserted  Updated  Rejected  Undone
──────────────────────────────────────────────────────────────────────────────────────────
  1  new.csv     2026-11-25 09:00:00  tester  members         2        0         0        \n\
  2  others.csv  2026-11-25 10:00:00  tester  members         1        0         0        \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
批次  文件        时间                 操作人  类型  新增  更新  被拒绝  已撤销
───────────────────────────────────────────────────────────────────────────────
   1  new.csv     2026-11-25 09:00:00  tester  会员     2     0       0        \n\
   2  others.csv  2026-11-25 10:00:00  tester  会员     1     0       0        \n\
""",
                "stderr": "",
            },
        }
    )


def test_audit_list(run, engine, shop):  # noqa: ARG001
    builder.fix_audit_times(engine)
    assert both(run, "audit", "--limit", "8") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
When                 By       Action          Member   Details                            For day   \n\
────────────────────────────────────────────────────────────────────────────────────────────────────
2026-11-25 09:13:00  factory  member.upgrade  M000002  {"to": "silver"}                   2026-11-25
2026-11-25 09:12:00  factory  member.note     M000001  {"kind": "complaint", "note_id":   2026-11-25
                                                       2}                                           \n\
2026-11-25 09:11:00  factory  member.note     M000001  {"kind": "call", "note_id": 1}     2026-11-25
2026-11-25 09:10:00  factory  member.enroll   M000007  {}                                 2026-11-25
2026-11-25 09:09:00  factory  member.cancel   M000006  {"status": "cancelled"}            2026-11-25
2026-11-25 09:08:00  factory  member.enroll   M000006  {}                                 2026-11-25
2026-11-25 09:07:00  factory  member.freeze   M000005  {"status": "frozen"}               2026-11-25
2026-11-25 09:06:00  factory  member.enroll   M000005  {}                                 2026-11-25
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
时间                 操作人   操作      会员     详情                                 业务日期  \n\
────────────────────────────────────────────────────────────────────────────────────────────────
2026-11-25 09:13:00  factory  会员升级  M000002  {"to": "silver"}                     2026-11-25
2026-11-25 09:12:00  factory  添加备注  M000001  {"kind": "complaint", "note_id": 2}  2026-11-25
2026-11-25 09:11:00  factory  添加备注  M000001  {"kind": "call", "note_id": 1}       2026-11-25
2026-11-25 09:10:00  factory  会员入会  M000007  {}                                   2026-11-25
2026-11-25 09:09:00  factory  注销会员  M000006  {"status": "cancelled"}              2026-11-25
2026-11-25 09:08:00  factory  会员入会  M000006  {}                                   2026-11-25
2026-11-25 09:07:00  factory  冻结会员  M000005  {"status": "frozen"}                 2026-11-25
2026-11-25 09:06:00  factory  会员入会  M000005  {}                                   2026-11-25
""",
                "stderr": "",
            },
        }
    )


def test_audit_of_one_member(run, engine, shop):
    builder.fix_audit_times(engine)
    assert both(run, "audit", "--member", shop[1]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
When                 By       Action          Member   Details           For day   \n\
───────────────────────────────────────────────────────────────────────────────────
2026-11-25 09:13:00  factory  member.upgrade  M000002  {"to": "silver"}  2026-11-25
2026-11-25 09:02:00  factory  member.enroll   M000002  {}                2026-11-25
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
时间                 操作人   操作      会员     详情              业务日期  \n\
─────────────────────────────────────────────────────────────────────────────
2026-11-25 09:13:00  factory  会员升级  M000002  {"to": "silver"}  2026-11-25
2026-11-25 09:02:00  factory  会员入会  M000002  {}                2026-11-25
""",
                "stderr": "",
            },
        }
    )


@SQLITE_ONLY
def test_db_info(run, shop):  # noqa: ARG001
    """The file's path is shown as <db> and the first table's padding (as wide as the path) cut."""
    shown = both(run, "db", "info")
    for result in shown.values():
        text = result["stdout"].replace(run.db_url.removeprefix("sqlite:///"), "<db>")
        result["stdout"] = "\n".join(line.rstrip() for line in text.split("\n"))
    assert shown == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Database               sqlite:///<db>
Backend                sqlite
Schema version         0017
Newest schema version  0017
Schema known           yes
File size (bytes)      430080
Table              Rows
───────────────────────
audit_entry          14
campaign              0
campaign_award        0
campaign_run          0
campaign_version      0
counter               1
coupon                0
import_change         0
import_run            0
interaction           2
lifecycle_change     10
member                7
member_tag            0
points_allocation     0
points_entry          4
purchase             12
sale                  0
sale_line             0
segment               0
setting               0
staff                 0
staff_session         0
staff_store           0
store                 2
survey                0
survey_answer         0
survey_response       0
tier                  4
wallet_entry          3
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
数据库            sqlite:///<db>
数据库类型        sqlite
结构版本          0017
最新结构版本      0017
结构版本可识别    是
文件大小（字节）  430080
表                 行数
───────────────────────
audit_entry          14
campaign              0
campaign_award        0
campaign_run          0
campaign_version      0
counter               1
coupon                0
import_change         0
import_run            0
interaction           2
lifecycle_change     10
member                7
member_tag            0
points_allocation     0
points_entry          4
purchase             12
sale                  0
sale_line             0
segment               0
setting               0
staff                 0
staff_session         0
staff_store           0
store                 2
survey                0
survey_answer         0
survey_response       0
tier                  4
wallet_entry          3
""",
                "stderr": "",
            },
        }
    )


def test_nightly(run, shop):  # noqa: ARG001
    """The English run does the work of 2026-11-25; the Chinese one, the next day, finds none."""
    builder.add_campaigns(run)
    args = ("nightly", "--format", "table")
    english = run("--lang", "en", *args, "--as-of", "2026-11-25", env=builder.WIDE)
    chinese = builder.memberctl(
        run.db_url, "--lang", "zh", *args, "--as-of", "2026-11-26", **builder.WIDE
    )
    assert shots(english, chinese) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
As of           2026-11-25                                                     \n\
All steps done  yes                                                            \n\
Points expired  0 points, 0 entries, 0 members                                 \n\
Tiers           5 evaluated: 0 up, 0 down, 0 in grace                          \n\
Campaigns run   birthday-double 2026: 2 of 2; weekday-voucher 2026-11: 1 of 1  \n\
Errors          0                                                              \n\
Backup                                                                         \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
截至        2026-11-26                             \n\
全部完成    是                                     \n\
过期积分    0 积分，0 笔，0 位会员                 \n\
等级        评估 5 位：升级 0，降级 0，宽限期内 0  \n\
已运行活动                                         \n\
错误        0                                      \n\
备份                                               \n\
""",
                "stderr": "",
            },
        }
    )
