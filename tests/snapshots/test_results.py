# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of what a write says it did (points, stored value, a purchase, a coupon), and of
the remaining read-only views (tier evaluation, campaign and survey), in English and Chinese.
A write runs once per language on different members or orders, so both write."""

from __future__ import annotations

from typing import Any

from inline_snapshot import snapshot

from memberctl.db.session import transaction
from memberctl.domain import surveys
from tests.cli.test_survey import SMALL
from tests.snapshots import shop as builder
from tests.snapshots.shop import both


def each(run, english: list[str], chinese: list[str]) -> dict[str, dict[str, Any]]:
    en = run("--lang", "en", *english, env=builder.WIDE)
    zh = builder.memberctl(run.db_url, "--lang", "zh", *chinese, **builder.WIDE)
    return {
        "en": {"exit": en.exit_code, "stdout": en.stdout, "stderr": en.stderr},
        "zh": {"exit": zh.returncode, "stdout": zh.stdout, "stderr": zh.stderr},
    }


def test_points_add(run, shop):
    add = ["points", "add", "--reason", "gift", "--expires", "2027-12-31"]
    assert each(run, [*add, shop[2], "100"], [*add, shop[3], "100"]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member                    M000003     \n\
Change                    100         \n\
Points now                100         \n\
Expires                   2027-12-31  \n\
Repeat (nothing changed)  no          \n\
""",
                "stderr": "M000003: added 100 points, now 100\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员                M000004     \n\
变化                100         \n\
当前积分            400         \n\
过期日              2027-12-31  \n\
重复提交（未更改）  否          \n\
""",
                "stderr": "M000004：增加 100 积分，当前 400 积分\n",
            },
        }
    )


def test_points_deduct(run, shop):
    deduct = ["points", "deduct", "--reason", "gift"]
    assert each(run, [*deduct, shop[0], "100"], [*deduct, shop[1], "100"]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member                    M000001  \n\
Change                    -100     \n\
Points now                300      \n\
Expires                            \n\
Repeat (nothing changed)  no       \n\
""",
                "stderr": "M000001: deducted 100 points, now 300\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员                M000002  \n\
变化                -100     \n\
当前积分            750      \n\
过期日                       \n\
重复提交（未更改）  否       \n\
""",
                "stderr": "M000002：扣除 100 积分，当前 750 积分\n",
            },
        }
    )


def test_wallet_topup_and_pay(run, shop):
    topup = each(
        run,
        ["wallet", "topup", shop[2], "50", "--bonus", "5"],
        ["wallet", "topup", shop[3], "50", "--bonus", "5"],
    )
    pay = each(run, ["wallet", "pay", shop[2], "12.50"], ["wallet", "pay", shop[3], "12.50"])
    assert {"topup": topup, "pay": pay} == snapshot(
        {
            "topup": {
                "en": {
                    "exit": 0,
                    "stdout": """\
Member                    M000003  \n\
Amount                    50.00    \n\
Bonus                     5.00     \n\
Balance now               55.00    \n\
Repeat (nothing changed)  no       \n\
""",
                    "stderr": "M000003: topup done, balance 55.00\n",
                },
                "zh": {
                    "exit": 0,
                    "stdout": """\
会员                M000004  \n\
金额                50.00    \n\
赠送                5.00     \n\
当前余额            55.00    \n\
重复提交（未更改）  否       \n\
""",
                    "stderr": "M000004：充值完成，余额 55.00\n",
                },
            },
            "pay": {
                "en": {
                    "exit": 0,
                    "stdout": """\
Member                    M000003  \n\
Amount                    12.50    \n\
Bonus                     0.00     \n\
Balance now               42.50    \n\
Repeat (nothing changed)  no       \n\
""",
                    "stderr": "M000003: pay done, balance 42.50\n",
                },
                "zh": {
                    "exit": 0,
                    "stdout": """\
会员                M000004  \n\
金额                12.50    \n\
赠送                0.00     \n\
当前余额            42.50    \n\
重复提交（未更改）  否       \n\
""",
                    "stderr": "M000004：支付完成，余额 42.50\n",
                },
            },
        }
    )


def test_purchase_record_and_refund(run, shop):
    record = ["purchase", "record", shop[0], "128.50", "--at", "2026-11-25 10:00"]
    bought = each(run, [*record, "--order-no", "A1"], [*record, "--order-no", "A2"])
    refunded = each(run, ["purchase", "refund", "A1"], ["purchase", "refund", "A2"])
    assert {"record": bought, "refund": refunded} == snapshot(
        {
            "record": {
                "en": {
                    "exit": 0,
                    "stdout": """\
Member                    M000001  \n\
Order                     A1       \n\
Store                              \n\
Amount                    128.50   \n\
Points earned             308      \n\
Points now                708      \n\
Repeat (nothing changed)  no       \n\
""",
                    "stderr": "M000001: order A1 earned 308 points\n",
                },
                "zh": {
                    "exit": 0,
                    "stdout": """\
会员                M000001  \n\
订单                A2       \n\
门店                         \n\
金额                128.50   \n\
获得积分            308      \n\
当前积分            1016     \n\
重复提交（未更改）  否       \n\
""",
                    "stderr": "M000001：订单 A2 获得 308 积分\n",
                },
            },
            "refund": {
                "en": {
                    "exit": 0,
                    "stdout": """\
Member                    M000001  \n\
Order                     A1       \n\
Store                              \n\
Amount                    128.50   \n\
Points earned             308      \n\
Points reversed           308      \n\
Already spent             0        \n\
Points now                708      \n\
Repeat (nothing changed)  no       \n\
""",
                    "stderr": "M000001: order A1 refunded, 308 points reversed, 0 already spent\n",
                },
                "zh": {
                    "exit": 0,
                    "stdout": """\
会员                M000001  \n\
订单                A2       \n\
门店                         \n\
金额                128.50   \n\
获得积分            308      \n\
扣回积分            308      \n\
已花掉              0        \n\
当前积分            400      \n\
重复提交（未更改）  否       \n\
""",
                    "stderr": "M000001：订单 A2 已退款，扣回 308 积分，0 积分已被使用\n",
                },
            },
        }
    )


def test_tier_evaluate_without_apply(run, shop):  # noqa: ARG001
    assert both(run, "tier", "evaluate", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member  Change  From  To  12-month spend  Below since
─────────────────────────────────────────────────────
""",
                "stderr": """\
5 members evaluated: 0 upgrades, 0 downgrades would apply (add --apply to make them); 0 in the grace period
kept below their tier (set by hand or imported): 1, the soonest until 2027-11-24; -f json lists them under kept
(none)
""",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员  变化  原  新  近 12 个月消费  低于门槛起始日
──────────────────────────────────────────────────
""",
                "stderr": """\
已评估 5 位会员：升级 0 位，降级 0 位，将执行（加 --apply 才会生效）；0 位在宽限期内
1 名会员低于所在等级的门槛但保留该等级（手动设置或导入），最早保留到 2027-11-24；用 --format json 可看到每一位
（无）
""",
            },
        }
    )


def test_campaign_show(run, shop):  # noqa: ARG001
    builder.add_campaigns(run)
    assert both(run, "campaign", "show", "wake-up-coupon") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Code     wake-up-coupon       \n\
Name     唤醒券 满100减20     \n\
Action   issue_coupon         \n\
Period   monthly              \n\
Where    inactive_days >= 30  \n\
Points                        \n\
Coupon   20.00                \n\
Starts                        \n\
Ends                          \n\
Version  1                    \n\
""",
                "stderr": "runs: 1; earlier versions: 0\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
代码      wake-up-coupon       \n\
名称      唤醒券 满100减20     \n\
操作      发放优惠券           \n\
周期      每月                 \n\
筛选条件  inactive_days >= 30  \n\
积分                           \n\
优惠券    20.00                \n\
开始                           \n\
结束                           \n\
版本      1                    \n\
""",
                "stderr": "运行次数：1；历史版本：0\n",
            },
        }
    )


def test_survey_list_and_show(run, engine, tmp_path):
    path = tmp_path / "visit.toml"
    path.write_text(SMALL, encoding="utf-8")
    with transaction(engine) as session:  # the domain, to fix the time the list shows
        surveys.load(
            session=session,
            definition=surveys.read_file(path),
            operator="factory",
            at=builder.START,
        )
    shown = {"list": both(run, "survey", "list"), "show": both(run, "survey", "show", "visit")}
    assert shown == snapshot(
        {
            "list": {
                "en": {
                    "exit": 0,
                    "stdout": """\
Code   Title     Questions  Responses  Updated         \n\
───────────────────────────────────────────────────────
visit  到店体验          4          0  2026-11-25 09:00
""",
                    "stderr": "",
                },
                "zh": {
                    "exit": 0,
                    "stdout": """\
代码   标题      问题数  作答数  更新            \n\
─────────────────────────────────────────────────
visit  到店体验       4       0  2026-11-25 09:00
""",
                    "stderr": "",
                },
            },
            "show": {
                "en": {
                    "exit": 0,
                    "stdout": """\
              visit: 到店体验 (0 responses)              \n\
Key    Type      Required  Question    Answers           \n\
─────────────────────────────────────────────────────────
score  rating    yes       打分        1-3               \n\
why    single    no        为什么来？  路过 / 活动 / 朋友
liked  multiple  no        喜欢什么？  价格 / 服务 / 环境
say    text      no        想说的话                      \n\
""",
                    "stderr": "",
                },
                "zh": {
                    "exit": 0,
                    "stdout": """\
           visit：到店体验（0 份作答）           \n\
键     题型  必答  问题        可选答案          \n\
─────────────────────────────────────────────────
score  评分  是    打分        1-3               \n\
why    单选  否    为什么来？  路过 / 活动 / 朋友
liked  多选  否    喜欢什么？  价格 / 服务 / 环境
say    填空  否    想说的话                      \n\
""",
                    "stderr": "",
                },
            },
        }
    )
