# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `report stores`, in English and Chinese, on the three-store shop of
tests/cli/test_report_stores.py (its figures are worked out by hand there)."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests.cli.test_report_stores import PERIOD, build_shop
from tests.snapshots.shop import both


def test_report_stores(run, engine):
    build_shop(run, engine)
    assert both(run, "report", "stores", *PERIOD) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
      2026-11-01 to 2026-11-25: sales in the store where made, members in their home store      \n\
Store       Name   Revenue  Purchases  Buyers  Avg order  Repeat  Visitors  New members  Members
────────────────────────────────────────────────────────────────────────────────────────────────
east        East      0.00          0       0       0.00    0.0%      0.0%            0        1
north       North   435.00          5       4      87.00   25.0%     25.0%            1        2
south       South   250.00          4       3      62.50   33.3%     33.3%            1        2
(no store)           40.00          1       1      40.00    0.0%                      1        1
Total               725.00         10       5      72.50   80.0%     40.0%            3        6
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
               2026-11-01 至 2026-11-25：销售按成交门店计，会员按所属门店计                \n\
门店            名称   营业额  消费笔数  消费会员  客单价  复购率  外店会员  新会员  会员数
───────────────────────────────────────────────────────────────────────────────────────────
east            East     0.00         0         0    0.00    0.0%      0.0%       0       1
north           North  435.00         5         4   87.00   25.0%     25.0%       1       2
south           South  250.00         4         3   62.50   33.3%     33.3%       1       2
（未指定门店）          40.00         1         1   40.00    0.0%                 1       1
合计                   725.00        10         5   72.50   80.0%     40.0%       3       6
""",
                "stderr": "",
            },
        }
    )


def test_report_stores_empty(run):
    assert both(run, "report", "stores", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
   2026-10-27 to 2026-11-25: sales in the store where made, members in their home store   \n\
Store  Name  Revenue  Purchases  Buyers  Avg order  Repeat  Visitors  New members  Members
──────────────────────────────────────────────────────────────────────────────────────────
Total           0.00          0       0       0.00    0.0%      0.0%            0        0
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
          2026-10-27 至 2026-11-25：销售按成交门店计，会员按所属门店计          \n\
门店  名称  营业额  消费笔数  消费会员  客单价  复购率  外店会员  新会员  会员数
────────────────────────────────────────────────────────────────────────────────
合计          0.00         0         0    0.00    0.0%      0.0%       0       0
""",
                "stderr": "",
            },
        }
    )


def test_report_stores_from_after_to(run):
    assert both(run, "report", "stores", "--from", "2026-11-25", "--to", "2026-11-01") == snapshot(
        {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: --from 2026-11-25 is after --to 2026-11-01; give --from on or before --to\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：--from 2026-11-25 晚于 --to 2026-11-01；--from 必须早于或等于 --to\n",
            },
        }
    )
