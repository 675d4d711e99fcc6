# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of the member tables, in English and Chinese (see shop.py for the data)."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests.snapshots.shop import both


def test_member_list(run, shop):  # noqa: ARG001
    assert both(run, "member", "list", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name        Phone          Tier    Status     Points  Balance  Store  Joined    \n\
───────────────────────────────────────────────────────────────────────────────────────────
M000007    孙八        138 0013 8007  basic   active          0     0.00         2026-11-24
M000002    李四        138 0013 8002  silver  active        850     0.00  north  2026-11-03
M000005    赵六        138 0013 8005  basic   frozen          0   100.00         2026-02-20
M000003    王五        138 0013 8003  basic   active          0     0.00  south  2026-01-15
M000001    张三        138 0013 8001  silver  active        400   149.75  north  2025-06-10
M000006    钱七        138 0013 8006  basic   cancelled       0     0.00         2025-01-05
M000004    Alice Wong  138 0013 8004  silver  active        300     0.00  south  2024-03-01
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名        手机号         等级      状态    积分    余额  门店   入会时间  \n\
──────────────────────────────────────────────────────────────────────────────────────
M000007   孙八        138 0013 8007  普通会员  正常       0    0.00         2026-11-24
M000002   李四        138 0013 8002  银卡会员  正常     850    0.00  north  2026-11-03
M000005   赵六        138 0013 8005  普通会员  冻结       0  100.00         2026-02-20
M000003   王五        138 0013 8003  普通会员  正常       0    0.00  south  2026-01-15
M000001   张三        138 0013 8001  银卡会员  正常     400  149.75  north  2025-06-10
M000006   钱七        138 0013 8006  普通会员  已注销     0    0.00         2025-01-05
M000004   Alice Wong  138 0013 8004  银卡会员  正常     300    0.00  south  2024-03-01
""",
                "stderr": "",
            },
        }
    )


def test_member_list_filtered_to_nothing(run, shop):  # noqa: ARG001
    assert both(run, "member", "list", "--tier", "platinum") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name    Phone  Tier  Status  Points  Balance  Store  Joined
──────────────────────────────────────────────────────────────────────
""",
                "stderr": "(none)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名    手机号  等级  状态  积分  余额  门店  入会时间
────────────────────────────────────────────────────────────────
""",
                "stderr": "（无）\n",
            },
        }
    )


def test_member_show(run, shop):
    assert both(run, "member", "show", shop[0]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  M000001           \n\
Name       张三              \n\
Phone      138 0013 8001     \n\
Gender                       \n\
Birthday   1990-11-30        \n\
Email                        \n\
Tier       silver            \n\
Status     active            \n\
Points     400               \n\
Balance    149.75            \n\
Store      north             \n\
Tags                         \n\
Joined     2025-06-10 00:00  \n\
Referrer                     \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  M000001           \n\
姓名      张三              \n\
手机号    138 0013 8001     \n\
性别                        \n\
生日      1990-11-30        \n\
邮箱                        \n\
等级      银卡会员          \n\
状态      正常              \n\
积分      400               \n\
余额      149.75            \n\
门店      north             \n\
标签                        \n\
入会时间  2025-06-10 00:00  \n\
推荐人                      \n\
""",
                "stderr": "",
            },
        }
    )


def test_member_show_masked(run, shop):
    assert both(run, "member", "show", shop[3], "--mask-phone") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  M000004           \n\
Name       Alice Wong        \n\
Phone      138****8004       \n\
Gender                       \n\
Birthday                     \n\
Email                        \n\
Tier       silver            \n\
Status     active            \n\
Points     300               \n\
Balance    0.00              \n\
Store      south             \n\
Tags                         \n\
Joined     2024-03-01 00:00  \n\
Referrer                     \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  M000004           \n\
姓名      Alice Wong        \n\
手机号    138****8004       \n\
性别                        \n\
生日                        \n\
邮箱                        \n\
等级      银卡会员          \n\
状态      正常              \n\
积分      300               \n\
余额      0.00              \n\
门店      south             \n\
标签                        \n\
入会时间  2024-03-01 00:00  \n\
推荐人                      \n\
""",
                "stderr": "",
            },
        }
    )


def test_member_search(run, shop):  # noqa: ARG001
    assert both(run, "member", "search", "8003") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name    Phone        Tier   Status
─────────────────────────────────────────────
M000003    王五    138****8003  basic  active
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名    手机号       等级      状态
─────────────────────────────────────────────
M000003   王五    138****8003  普通会员  正常
""",
                "stderr": "",
            },
        }
    )


def test_member_search_by_pinyin(run, shop):  # noqa: ARG001
    assert both(run, "member", "search", "zs") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name    Phone        Tier    Status
──────────────────────────────────────────────
M000001    张三    138****8001  silver  active
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名    手机号       等级      状态
─────────────────────────────────────────────
M000001   张三    138****8001  银卡会员  正常
""",
                "stderr": "",
            },
        }
    )


def test_member_history(run, shop):
    assert both(run, "member", "history", shop[1]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                                     M000002                                     \n\
When              What      Action    Note  State  Detail                 By     \n\
─────────────────────────────────────────────────────────────────────────────────
2026-11-10 15:00  points    adjust                 +850 points            seed   \n\
2026-11-10 15:00  purchase  purchase               order R000005: 850.00  seed   \n\
2026-11-12 15:00  purchase  purchase               order R000006: 200.00  seed   \n\
2026-11-13 15:00  purchase  refund                 order R000006: 200.00  seed   \n\
2026-11-25 10:00  status    enroll                 active                 factory
2026-11-25 12:00  tier      upgrade                普通会员 -> 银卡会员   factory
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                                M000002                                \n\
时间              事项  操作  备注  状态  详情                  操作人 \n\
───────────────────────────────────────────────────────────────────────
2026-11-10 15:00  积分  调整              +850 积分             seed   \n\
2026-11-10 15:00  消费  消费              订单 R000005：850.00  seed   \n\
2026-11-12 15:00  消费  消费              订单 R000006：200.00  seed   \n\
2026-11-13 15:00  消费  退款              订单 R000006：200.00  seed   \n\
2026-11-25 10:00  状态  入会              正常                  factory
2026-11-25 12:00  等级  升级              普通会员 → 银卡会员   factory
""",
                "stderr": "",
            },
        }
    )


def test_member_history_of_a_frozen_member(run, shop):
    assert both(run, "member", "history", shop[4]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                                       M000005                                       \n\
When              What      Action    Note  State  Detail                     By     \n\
─────────────────────────────────────────────────────────────────────────────────────
2026-09-01 10:00  purchase  purchase               order R000011: 900.00      seed   \n\
2026-09-01 10:00  wallet    adjust                 100.00                     seed   \n\
2026-11-25 10:00  status    enroll                 active                     factory
2026-11-25 10:01  status    freeze                 active -> frozen (step 1)  factory
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                                M000005                                 \n\
时间              事项  操作  备注  状态  详情                   操作人 \n\
────────────────────────────────────────────────────────────────────────
2026-09-01 10:00  消费  消费              订单 R000011：900.00   seed   \n\
2026-09-01 10:00  储值  调整              100.00                 seed   \n\
2026-11-25 10:00  状态  入会              正常                   factory
2026-11-25 10:01  状态  冻结              正常 → 冻结（step 1）  factory
""",
                "stderr": "",
            },
        }
    )


def test_member_notes(run, shop):  # noqa: ARG001
    assert both(run, "member", "notes") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Note  Member no  Kind       State  When              Text                    By     \n\
────────────────────────────────────────────────────────────────────────────────────
#2    M000001    complaint  open   2026-11-25 11:00  parking is hard         factory
#1    M000001    call              2026-11-25 09:00  asked about the refund  factory
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
备注  会员编号  类型  状态    时间              内容                    操作人 \n\
───────────────────────────────────────────────────────────────────────────────
#2    M000001   投诉  待处理  2026-11-25 11:00  parking is hard         factory
#1    M000001   电话          2026-11-25 09:00  asked about the refund  factory
""",
                "stderr": "",
            },
        }
    )


def test_member_notes_open_complaints(run, shop):  # noqa: ARG001
    assert both(run, "member", "notes", "--open") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Note  Member no  Kind       State  When              Text             By     \n\
─────────────────────────────────────────────────────────────────────────────
#2    M000001    complaint  open   2026-11-25 11:00  parking is hard  factory
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
备注  会员编号  类型  状态    时间              内容             操作人 \n\
────────────────────────────────────────────────────────────────────────
#2    M000001   投诉  待处理  2026-11-25 11:00  parking is hard  factory
""",
                "stderr": "",
            },
        }
    )


def test_member_search_by_name(run, shop):  # noqa: ARG001
    assert both(run, "member", "search", "Alice") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name        Phone        Tier    Status
──────────────────────────────────────────────────
M000004    Alice Wong  138****8004  silver  active
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名        手机号       等级      状态
─────────────────────────────────────────────────
M000004   Alice Wong  138****8004  银卡会员  正常
""",
                "stderr": "",
            },
        }
    )


def test_member_search_finding_nobody(run, shop):  # noqa: ARG001
    assert both(run, "member", "search", "nobody") == snapshot(
        {
            "en": {"exit": 3, "stdout": "", "stderr": "error: no member matches 'nobody'\n"},
            "zh": {"exit": 3, "stdout": "", "stderr": "错误：没有匹配 'nobody' 的会员\n"},
        }
    )
