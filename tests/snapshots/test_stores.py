# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `store list`, `store add`/`rename` and the unknown-store error line, in English
and Chinese (issue 17)."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests.factories import add_store
from tests.snapshots.shop import WIDE, both, memberctl


def test_store_list(run, engine, shop):  # noqa: ARG001  (shop: members and purchases in north/south)
    add_store(engine, "S09", "旗舰店")
    assert both(run, "store", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Code   Name    Members  Purchases
─────────────────────────────────
S09    旗舰店        0          0
north  north         2          0
south  south         2          0
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
代码   名称    会员数  消费次数
───────────────────────────────
S09    旗舰店       0         0
north  north        2         0
south  south        2         0
""",
                "stderr": "",
            },
        }
    )


def test_store_list_empty(run):
    assert both(run, "store", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Code  Name  Members  Purchases
──────────────────────────────
""",
                "stderr": "(none)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
代码  名称  会员数  消费次数
────────────────────────────
""",
                "stderr": "（无）\n",
            },
        }
    )


def test_store_add_and_rename(run):
    english = run("--lang", "en", "store", "add", "S01", "--name", "旗舰店", env=WIDE)
    chinese = memberctl(run.db_url, "--lang", "zh", "store", "add", "S02", "--name", "二店", **WIDE)
    assert [english.stdout, english.stderr, chinese.stdout, chinese.stderr] == snapshot(
        [
            """\
Code  S01     \n\
Name  旗舰店  \n\
""",
            "store S01 added: 旗舰店\n",
            """\
代码  S02   \n\
名称  二店  \n\
""",
            "已添加门店 S02：二店\n",
        ]
    )
    assert both(run, "store", "rename", "S01", "总店") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Code  S01   \n\
Name  总店  \n\
""",
                "stderr": "store S01 is now named 总店\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
代码  S01   \n\
名称  总店  \n\
""",
                "stderr": "门店 S01 已改名为 总店\n",
            },
        }
    )


def test_an_unknown_store_is_not_found_with_the_list(run, engine):
    add_store(engine, "S01", "旗舰店")
    add_store(engine, "north")
    assert both(run, "member", "list", "--store", "北店") == snapshot(
        {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no store '北店' (the stores are: S01 旗舰店, north); check the spelling, or add it: memberctl store add CODE --name NAME\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有门店 '北店'（已登记的门店：S01 旗舰店, north）；请检查拼写，或先添加：memberctl store add 代码 --name 名称\n",
            },
        }
    )


def test_an_unknown_store_with_no_store_registered(run):
    assert both(run, "purchase", "refund", "A1", "--store", "北店") == snapshot(
        {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no store '北店' (no store is registered); check the spelling, or add it: memberctl store add CODE --name NAME\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有门店 '北店'（尚未登记任何门店）；请检查拼写，或先添加：memberctl store add 代码 --name 名称\n",
            },
        }
    )


def test_a_taken_store_code_is_refused(run, engine):
    add_store(engine, "S01", "旗舰店")
    assert both(run, "store", "add", "s01") == snapshot(
        {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: 's01' already names store S01; choose another code or name\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：'s01' 已是门店 S01 的代码或名称；请换一个代码或名称\n",
            },
        }
    )
