# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of every report as a table, in English and Chinese, on the shop of shop.py
(the report day is 2026-11-25, as in tests/reportdata.py)."""

from __future__ import annotations

import datetime as dt

from inline_snapshot import snapshot

from memberctl.db.session import transaction
from memberctl.domain import refs, surveys
from tests.cli.test_survey import SMALL
from tests.snapshots import shop as builder
from tests.snapshots.shop import both

AS_OF = ("--as-of", "2026-11-25")


def test_report_summary(run, shop):  # noqa: ARG001
    assert both(run, "report", "summary", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
As of              2026-11-25  \n\
Members            7           \n\
New this month     2           \n\
Active (90 days)   4           \n\
Points owed        1250        \n\
Stored value owed  249.75      \n\
                    by status                     \n\
Status     Members                                \n\
──────────────────────────────────────────────────
active           5  ██████████████████████████████
frozen           1  ██████                        \n\
cancelled        1  ██████                        \n\
             by tier (not cancelled)             \n\
Tier      Members                                \n\
─────────────────────────────────────────────────
basic           3  ██████████████████████████████
silver          3  ██████████████████████████████
gold            0                                \n\
platinum        0                                \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
截至           2026-11-25  \n\
会员数         7           \n\
本月新增       2           \n\
活跃（90 天）  4           \n\
积分负债       1250        \n\
储值负债       249.75      \n\
                    按状态                    \n\
状态    会员数                                \n\
──────────────────────────────────────────────
正常         5  ██████████████████████████████
冻结         1  ██████                        \n\
已注销       1  ██████                        \n\
              按等级（不含已注销）              \n\
等级      会员数                                \n\
────────────────────────────────────────────────
普通会员       3  ██████████████████████████████
银卡会员       3  ██████████████████████████████
金卡会员       0                                \n\
白金会员       0                                \n\
""",
                "stderr": "",
            },
        }
    )


def test_report_growth(run, shop):  # noqa: ARG001
    assert both(run, "report", "growth", "--months", "4", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
               new members per month               \n\
Month    New  Total                                \n\
───────────────────────────────────────────────────
2026-08    0      5                                \n\
2026-09    0      5                                \n\
2026-10    0      5                                \n\
2026-11    2      7  ██████████████████████████████
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                    每月新会员                     \n\
月份     新增  累计                                \n\
───────────────────────────────────────────────────
2026-08     0     5                                \n\
2026-09     0     5                                \n\
2026-10     0     5                                \n\
2026-11     2     7  ██████████████████████████████
""",
                "stderr": "",
            },
        }
    )


def test_report_rfm(run, shop):  # noqa: ARG001
    assert both(run, "report", "rfm", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                  members per segment                   \n\
Segment          Members                                \n\
────────────────────────────────────────────────────────
champions              1  ██████████████████████████████
loyal                  0                                \n\
potential              1  ██████████████████████████████
needs_attention        1  ██████████████████████████████
at_risk                1  ██████████████████████████████
hibernating            1  ██████████████████████████████
lost                   0                                \n\
Member no  Name        Phone        Tier    R  F  M  Segment          Days since  Purchases    Spend
────────────────────────────────────────────────────────────────────────────────────────────────────
M000001    张三        138****8001  silver  5  5  4  champions                 1          3  1800.00
M000002    李四        138****8002  silver  4  2  2  potential                15          1   850.00
M000004    Alice Wong  138****8004  silver  1  2  5  at_risk                 359          1  4500.00
M000005    赵六        138****8005  basic   2  2  3  hibernating              85          1   900.00
M000003    王五        138****8003  basic   3  2  1  needs_attention          30          1   790.00
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                  各分组会员数                  \n\
分组      会员数                                \n\
────────────────────────────────────────────────
重要价值       1  ██████████████████████████████
忠诚           0                                \n\
潜力           1  ██████████████████████████████
需关注         1  ██████████████████████████████
流失风险       1  ██████████████████████████████
沉睡           1  ██████████████████████████████
已流失         0                                \n\
会员编号  姓名        手机号       等级      R  F  M  分组      未消费天数  消费次数  消费金额
──────────────────────────────────────────────────────────────────────────────────────────────
M000001   张三        138****8001  银卡会员  5  5  4  重要价值           1         3   1800.00
M000002   李四        138****8002  银卡会员  4  2  2  潜力              15         1    850.00
M000004   Alice Wong  138****8004  银卡会员  1  2  5  流失风险         359         1   4500.00
M000005   赵六        138****8005  普通会员  2  2  3  沉睡              85         1    900.00
M000003   王五        138****8003  普通会员  3  2  1  需关注            30         1    790.00
""",
                "stderr": "",
            },
        }
    )


def test_report_churn(run, shop):  # noqa: ARG001
    assert both(run, "report", "churn", "--days", "30", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name        Phone        Tier    Status  Last purchase  Days  Purchases    Spend  Points
───────────────────────────────────────────────────────────────────────────────────────────────────
M000003    王五        138****8003  basic   active  2026-10-26       30          1   790.00       0
M000005    赵六        138****8005  basic   frozen  2026-09-01       85          1   900.00       0
M000004    Alice Wong  138****8004  silver  active  2025-12-01      359          2  5500.00     300
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名        手机号       等级      状态  最近消费    天数  消费次数  消费金额  积分
─────────────────────────────────────────────────────────────────────────────────────────────
M000003   王五        138****8003  普通会员  正常  2026-10-26    30         1    790.00     0
M000005   赵六        138****8005  普通会员  冻结  2026-09-01    85         1    900.00     0
M000004   Alice Wong  138****8004  银卡会员  正常  2025-12-01   359         2   5500.00   300
""",
                "stderr": "",
            },
        }
    )


def test_report_upgrades(run, shop):  # noqa: ARG001
    assert both(run, "report", "upgrades", "--within", "0.5", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name        Phone        Tier    Next tier  12-month spend  Threshold   To go
────────────────────────────────────────────────────────────────────────────────────────
M000004    Alice Wong  138****8004  silver  gold              4500.00    5000.00  500.00
M000003    王五        138****8003  basic   silver             790.00    1000.00  210.00
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名        手机号       等级      下一等级  近 12 个月消费     门槛    还差
──────────────────────────────────────────────────────────────────────────────────────
M000004   Alice Wong  138****8004  银卡会员  金卡会员         4500.00  5000.00  500.00
M000003   王五        138****8003  普通会员  银卡会员          790.00  1000.00  210.00
""",
                "stderr": "",
            },
        }
    )


def test_report_birthdays(run, shop):  # noqa: ARG001
    assert both(run, "report", "birthdays", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name  Phone        Birthday    Next        Turns  Tier    Status  Points
───────────────────────────────────────────────────────────────────────────────────
M000005    赵六  138****8005  1995-11-05  2026-11-05     31  basic   frozen       0
M000007    孙八  138****8007  1999-11-25  2026-11-25     27  basic   active       0
M000001    张三  138****8001  1990-11-30  2026-11-30     36  silver  active     400
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名  手机号       生日        下次生日    将满岁数  等级      状态  积分
───────────────────────────────────────────────────────────────────────────────────
M000005   赵六  138****8005  1995-11-05  2026-11-05        31  普通会员  冻结     0
M000007   孙八  138****8007  1999-11-25  2026-11-25        27  普通会员  正常     0
M000001   张三  138****8001  1990-11-30  2026-11-30        36  银卡会员  正常   400
""",
                "stderr": "",
            },
        }
    )


def test_report_birthdays_in_the_next_days(run, shop):  # noqa: ARG001
    assert both(run, "report", "birthdays", "--days", "10", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name  Phone        Birthday    Next        Turns  Tier    Status  Points
───────────────────────────────────────────────────────────────────────────────────
M000007    孙八  138****8007  1999-11-25  2026-11-25     27  basic   active       0
M000001    张三  138****8001  1990-11-30  2026-11-30     36  silver  active     400
M000002    李四  138****8002  1985-12-02  2026-12-02     41  silver  active     850
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名  手机号       生日        下次生日    将满岁数  等级      状态  积分
───────────────────────────────────────────────────────────────────────────────────
M000007   孙八  138****8007  1999-11-25  2026-11-25        27  普通会员  正常     0
M000001   张三  138****8001  1990-11-30  2026-11-30        36  银卡会员  正常   400
M000002   李四  138****8002  1985-12-02  2026-12-02        41  银卡会员  正常   850
""",
                "stderr": "",
            },
        }
    )


def test_report_kpi(run, shop):  # noqa: ARG001
    assert both(run, "report", "kpi", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
2026-10-27 to 2026-11-25 against 2026-09-27 to 2026-10-26 \n\
Metric               This period  Before   Change        %
──────────────────────────────────────────────────────────
Active members                 2       1        1  +100.0%
Repurchase rate              0.5     0.0      0.5         \n\
Average order value       662.50  790.00  -127.50   -16.1%
Purchase frequency           2.0     1.0      1.0  +100.0%
New members                    2       0        2         \n\
Purchases                      4       1        3  +300.0%
Revenue                  2650.00  790.00  1860.00  +235.4%
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
2026-10-27 至 2026-11-25，对比 2026-09-27 至 2026-10-26
指标               本期      之前        变化         %
───────────────────────────────────────────────────────
活跃会员              2         1           1   +100.0%
复购率              0.5       0.0         0.5          \n\
客单价           662.50    790.00     -127.50    -16.1%
消费频次            2.0       1.0         1.0   +100.0%
新会员                2         0           2          \n\
消费笔数              4         1           3   +300.0%
营业额          2650.00    790.00     1860.00   +235.4%
""",
                "stderr": "",
            },
        }
    )


def test_report_liability(run, shop):  # noqa: ARG001
    assert both(run, "report", "liability", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
As of    2026-11-25  \n\
Points   1250        \n\
Balance  249.75      \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
截至      2026-11-25  \n\
积分      1250        \n\
储值余额  249.75      \n\
""",
                "stderr": "",
            },
        }
    )


def test_report_campaign(run, shop):  # noqa: ARG001
    builder.add_campaigns(run)
    assert both(run, "report", "campaign", "wake-up-coupon", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Campaign          wake-up-coupon    \n\
Name              唤醒券 满100减20  \n\
Action            issue_coupon      \n\
As of             2026-11-25        \n\
Days compared     30                \n\
Runs              1                 \n\
First run         2026-11-20        \n\
Last run          2026-11-20        \n\
Members reached   1                 \n\
Points given      0                 \n\
Coupons issued    1                 \n\
Coupons redeemed  0                 \n\
Redemption rate   0.0               \n\
Purchases before  0                 \n\
Purchases after   0                 \n\
Buyers before     0                 \n\
Buyers after      0                 \n\
Spend before      0.00              \n\
Spend after       0.00              \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
活动          wake-up-coupon    \n\
名称          唤醒券 满100减20  \n\
操作          发放优惠券        \n\
截至          2026-11-25        \n\
对比天数      30                \n\
运行次数      1                 \n\
首次运行      2026-11-20        \n\
最近运行      2026-11-20        \n\
触达会员      1                 \n\
赠送积分      0                 \n\
发券数        1                 \n\
核销数        0                 \n\
核销率        0.0               \n\
之前消费笔数  0                 \n\
之后消费笔数  0                 \n\
之前消费人数  0                 \n\
之后消费人数  0                 \n\
之前消费金额  0.00              \n\
之后消费金额  0.00              \n\
""",
                "stderr": "",
            },
        }
    )


def test_report_survey(run, engine, shop, tmp_path):
    path = tmp_path / "visit.toml"
    path.write_text(SMALL, encoding="utf-8")
    given = [
        {"score": "3", "why": "1", "liked": "1,2", "say": "很好"},
        {"score": "1", "why": "2", "liked": "2"},
        {"score": "3", "say": "停车难"},
    ]
    with transaction(engine) as session:
        surveys.load(
            session=session,
            definition=surveys.read_file(path),
            operator="factory",
            at=builder.START,
        )
        survey = surveys.get(session, "visit")
        for n, answers in enumerate(given):
            surveys.take(
                session=session,
                survey=survey,
                member=refs.resolve(session, shop[n]),
                answers=surveys.check_given(surveys.questions_of(survey), answers),
                operator="factory",
                at=builder.START + dt.timedelta(hours=n),
            )
    assert both(run, "report", "survey", "visit", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\

1. score: 打分 (answered 3, skipped 0) mean 2.33
Answer  Count  Share                                \n\
────────────────────────────────────────────────────
1           1  33.3%  ███████████████               \n\
2           0   0.0%                                \n\
3           2  66.7%  ██████████████████████████████

2. why: 为什么来？ (answered 2, skipped 1)
Answer  Count  Share                                \n\
────────────────────────────────────────────────────
路过        1  50.0%  ██████████████████████████████
活动        1  50.0%  ██████████████████████████████
朋友        0   0.0%                                \n\

3. liked: 喜欢什么？ (answered 2, skipped 1)
Answer  Count   Share                                \n\
─────────────────────────────────────────────────────
价格        1   50.0%  ███████████████               \n\
服务        2  100.0%  ██████████████████████████████
环境        0    0.0%                                \n\

4. say: 想说的话 (answered 2, skipped 1)
Member no  When        Answer
─────────────────────────────
M000001    2026-11-25  很好  \n\
M000003    2026-11-25  停车难
""",
                "stderr": "visit 到店体验: 3 responses from 3 members, as of 2026-11-25\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\

1. score：打分（作答 3，跳过 0） 平均 2.33
答案  数量   占比                                \n\
─────────────────────────────────────────────────
1        1  33.3%  ███████████████               \n\
2        0   0.0%                                \n\
3        2  66.7%  ██████████████████████████████

2. why：为什么来？（作答 2，跳过 1）
答案  数量   占比                                \n\
─────────────────────────────────────────────────
路过     1  50.0%  ██████████████████████████████
活动     1  50.0%  ██████████████████████████████
朋友     0   0.0%                                \n\

3. liked：喜欢什么？（作答 2，跳过 1）
答案  数量    占比                                \n\
──────────────────────────────────────────────────
价格     1   50.0%  ███████████████               \n\
服务     2  100.0%  ██████████████████████████████
环境     0    0.0%                                \n\

4. say：想说的话（作答 2，跳过 1）
会员编号  时间        答案  \n\
────────────────────────────
M000001   2026-11-25  很好  \n\
M000003   2026-11-25  停车难
""",
                "stderr": "visit 到店体验：3 位会员的 3 份作答，截至 2026-11-25\n",
            },
        }
    )


def test_report_on_an_empty_database(run):
    assert both(run, "report", "summary", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
As of              2026-11-25  \n\
Members            0           \n\
New this month     0           \n\
Active (90 days)   0           \n\
Points owed        0           \n\
Stored value owed  0.00        \n\
      by status      \n\
Status     Members   \n\
─────────────────────
active           0   \n\
frozen           0   \n\
cancelled        0   \n\
by tier (not cancelled)
Tier         Members   \n\
───────────────────────
basic              0   \n\
silver             0   \n\
gold               0   \n\
platinum           0   \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
截至           2026-11-25  \n\
会员数         0           \n\
本月新增       0           \n\
活跃（90 天）  0           \n\
积分负债       0           \n\
储值负债       0.00        \n\
     按状态      \n\
状态    会员数   \n\
─────────────────
正常         0   \n\
冻结         0   \n\
已注销       0   \n\
按等级（不含已注销）
等级       会员数   \n\
────────────────────
普通会员        0   \n\
银卡会员        0   \n\
金卡会员        0   \n\
白金会员        0   \n\
""",
                "stderr": "",
            },
        }
    )
