# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `report forecast` and `report churn --model` as tables, in English and
Chinese, on the shop of tests/forecastdata.py (the report day is 2026-11-25); and the refusal
of a shop with too little history."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from tests import forecastdata
from tests.snapshots.shop import both

AS_OF = ("--as-of", "2026-11-25")


@pytest.fixture
def history(engine, run) -> list[str]:  # noqa: ARG001  (run: the schema is in place)
    return forecastdata.seed(engine)


def test_report_forecast(run, history):  # noqa: ARG001
    assert both(run, "report", "forecast", *AS_OF, "--limit", "6") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
 members per risk, the next 90 days from 2026-11-25 \n\
Risk         Members                                \n\
────────────────────────────────────────────────────
likely_gone       13  ███████████████████▌          \n\
slipping           0                                \n\
steady            20  ██████████████████████████████
new                8  ████████████                  \n\
one_off            5  ███████▌                      \n\
Member no  Name    Tier   Visits  Last visit  Alive  Exp. visits  Exp. spend  At risk  Risk       \n\
──────────────────────────────────────────────────────────────────────────────────────────────────
M000015    会员15  basic       3  2026-07-27    12%         0.20       13.30    97.81  likely_gone
M000003    会员03  basic       3  2026-10-19    56%         1.75      111.80    86.10  new        \n\
M000009    会员09  basic       3  2026-09-03    21%         0.44       21.43    82.37  likely_gone
M000021    会员21  basic       3  2026-06-11     5%         0.06        3.28    66.50  likely_gone
M000006    会员06  basic       2  2026-09-20    33%         0.57       31.42    64.89  new        \n\
M000033    会员33  basic       3  2026-03-19     2%         0.01        0.88    53.72  likely_gone
""",
                "stderr": """\
columns left out to fit 100 columns: Phone, Status (see them all with a wider terminal or --format csv)
fitted on the whole shop: 47 members who bought, 41 of them on two days or more
""",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
     各风险的会员数，2026-11-25 起未来 90 天      \n\
风险        会员数                                \n\
──────────────────────────────────────────────────
可能已流失      13  ███████████████████▌          \n\
正在流失         0                                \n\
稳定            20  ██████████████████████████████
新客             8  ████████████                  \n\
仅消费一次       5  ███████▌                      \n\
会员编号  等级      到店天数  最近消费    仍是顾客  预计到店  预计消费  流失风险金额  风险      \n\
────────────────────────────────────────────────────────────────────────────────────────────────
M000015   普通会员         3  2026-07-27       12%      0.20     13.30         97.81  可能已流失
M000003   普通会员         3  2026-10-19       56%      1.75    111.80         86.10  新客      \n\
M000009   普通会员         3  2026-09-03       21%      0.44     21.43         82.37  可能已流失
M000021   普通会员         3  2026-06-11        5%      0.06      3.28         66.50  可能已流失
M000006   普通会员         2  2026-09-20       33%      0.57     31.42         64.89  新客      \n\
M000033   普通会员         3  2026-03-19        2%      0.01      0.88         53.72  可能已流失
""",
                "stderr": """\
为适应 100 列宽省略了：姓名、手机号、状态（加宽终端或用 --format csv 可看到全部列）
用全店数据拟合：47 位有消费的会员，其中 41 位在两天或以上消费过
""",
            },
        }
    )


def test_report_churn_model(run, history):  # noqa: ARG001
    assert both(run, "report", "churn", "--model", *AS_OF, "--limit", "4") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no  Name    Phone        Tier   Status  Last purchase  Days  Visits  Alive  At risk
──────────────────────────────────────────────────────────────────────────────────────────
M000015    会员15  138****0015  basic  active  2026-07-27      121       3    12%    97.81
M000009    会员09  138****0009  basic  active  2026-09-03       83       3    21%    82.37
M000021    会员21  138****0021  basic  active  2026-06-11      167       3     5%    66.50
M000006    会员06  138****0006  basic  active  2026-09-20       66       2    33%    64.89
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  姓名    手机号       等级      状态  最近消费    天数  到店天数  仍是顾客  流失风险金额
─────────────────────────────────────────────────────────────────────────────────────────────────
M000015   会员15  138****0015  普通会员  正常  2026-07-27   121         3       12%         97.81
M000009   会员09  138****0009  普通会员  正常  2026-09-03    83         3       21%         82.37
M000021   会员21  138****0021  普通会员  正常  2026-06-11   167         3        5%         66.50
M000006   会员06  138****0006  普通会员  正常  2026-09-20    66         2       33%         64.89
""",
                "stderr": "",
            },
        }
    )


def test_report_forecast_with_too_little_history(run):
    assert both(run, "report", "forecast", *AS_OF) == snapshot(
        {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: too little purchase history to forecast: 0 members bought on two days or more up to 2026-11-25, 30 are needed; the model learns from members who come back; until then use 'memberctl report churn --days 60'\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：消费记录太少，无法预测：截至 2026-11-25 只有 0 位会员在两天或以上消费过，需要 30 位；模型要从回头客身上学习；在此之前请用 'memberctl report churn --days 60'\n",
            },
        }
    )
