# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `report referrals` as a table, in English and Chinese, on the referral shop
of tests/referraldata.py (the report day is 2026-11-25)."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from tests.referraldata import seed
from tests.snapshots.shop import both


@pytest.fixture
def referrals(engine, run):  # noqa: ARG001  (run: the schema is in place)
    return seed(engine)


def test_report_referrals(run, referrals):  # noqa: ARG001
    assert both(run, "report", "referrals", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                                referrals up to 2026-11-25                                 \n\
Member no  Name  Phone        Referred  Since left  Their purchases  Their spend  Own spend
───────────────────────────────────────────────────────────────────────────────────────────
M000001    张三  138****8001         3           1                5      1290.00     300.00
M000002    李四  138****8002         1           0                1        60.00     450.00
""",
                "stderr": "who each one referred: --format json, or xlsx or ods with --out FILE\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                                截至 2026-11-25 的推荐                                 \n\
会员编号  姓名  手机号       推荐人数  已注销  被推荐者消费笔数  被推荐者消费  本人消费
───────────────────────────────────────────────────────────────────────────────────────
M000001   张三  138****8001         3       1                 5       1290.00    300.00
M000002   李四  138****8002         1       0                 1         60.00    450.00
""",
                "stderr": "每人推荐了谁：用 --format json，或 xlsx、ods 加 --out 文件\n",
            },
        }
    )


def test_report_referrals_in_a_period(run, referrals):  # noqa: ARG001
    args = ("--from", "2026-03-01", "--to", "2026-10-31", "--as-of", "2026-11-25")
    assert both(run, "report", "referrals", *args) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                            referrals 2026-03-01 to 2026-10-31                             \n\
Member no  Name  Phone        Referred  Since left  Their purchases  Their spend  Own spend
───────────────────────────────────────────────────────────────────────────────────────────
M000001    张三  138****8001         2           1                3       840.00       0.00
M000002    李四  138****8002         1           0                1        60.00     150.00
""",
                "stderr": "who each one referred: --format json, or xlsx or ods with --out FILE\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                            2026-03-01 至 2026-10-31 的推荐                            \n\
会员编号  姓名  手机号       推荐人数  已注销  被推荐者消费笔数  被推荐者消费  本人消费
───────────────────────────────────────────────────────────────────────────────────────
M000001   张三  138****8001         2       1                 3        840.00      0.00
M000002   李四  138****8002         1       0                 1         60.00    150.00
""",
                "stderr": "每人推荐了谁：用 --format json，或 xlsx、ods 加 --out 文件\n",
            },
        }
    )


def test_report_referrals_empty(run):
    assert both(run, "report", "referrals", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                             referrals up to 2026-11-25                              \n\
Member no  Name  Phone  Referred  Since left  Their purchases  Their spend  Own spend
─────────────────────────────────────────────────────────────────────────────────────
""",
                "stderr": "(none)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                              截至 2026-11-25 的推荐                              \n\
会员编号  姓名  手机号  推荐人数  已注销  被推荐者消费笔数  被推荐者消费  本人消费
──────────────────────────────────────────────────────────────────────────────────
""",
                "stderr": "（无）\n",
            },
        }
    )
