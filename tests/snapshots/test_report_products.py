# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `report products` in English and Chinese, on the shop of tests/productsdata.py
(the figures by hand are in tests/cli/test_report_products.py)."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from tests import productsdata
from tests.productsdata import DAY
from tests.snapshots.shop import both


@pytest.fixture
def shop(run, tmp_path):
    return productsdata.build(run, tmp_path)


def test_tables_in_english_and_chinese(shop):
    args = ("report", "products", *DAY, "--member", "M000003", "--min-baskets", "1", "--top", "3")
    assert both(shop, *args) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Period     2026-10-27 to 2026-11-25  \n\
Store      all stores                \n\
Revenue    701.00                    \n\
Purchases  11                        \n\
Buyers     4                         \n\
                                Best sellers by category                                 \n\
#  Category       Revenue  Share  Buyers  Of buyers  # by buyers  Purchases              \n\
─────────────────────────────────────────────────────────────────────────────────────────
1  apparel         257.50  36.7%       3      75.0%            1          4  ████████████
2  hats            139.50  19.9%       3      75.0%            2          4  ██████▌     \n\
3  shoes           118.00  16.8%       2      50.0%            3          2  █████▌      \n\
4  home             65.00   9.3%       2      50.0%            4          3  ███         \n\
   (no category)   121.00  17.3%       3      75.0%                       3  █████▋      \n\
M000003 against the shop (revenue 170.00, purchases 3, buyers 1)
Category         Revenue   Share  Shop's share  Index  Purchases
────────────────────────────────────────────────────────────────
apparel           100.00   58.8%         36.7%   1.60          2
home               45.00   26.5%          9.3%   2.85          2
(no category)      25.00   14.7%         17.3%   0.85          1
    Bought together: of 7 baskets, pairs in at least 1    \n\
A        B      Baskets  Support  A then B  B then A  Lift
──────────────────────────────────────────────────────────
apparel  home         2    28.6%     50.0%     66.7%  1.17
apparel  hats         2    28.6%     50.0%     50.0%  0.88
hats     shoes        1    14.3%     25.0%     50.0%  0.88
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
期间      2026-10-27 至 2026-11-25  \n\
门店      全部门店                  \n\
营业额    701.00                    \n\
消费笔数  11                        \n\
购买人数  4                         \n\
                                      畅销品类                                      \n\
#  品类        营业额   占比  购买人数  占购买人数  人数排名  消费笔数              \n\
────────────────────────────────────────────────────────────────────────────────────
1  apparel     257.50  36.7%         3       75.0%         1         4  ████████████
2  hats        139.50  19.9%         3       75.0%         2         4  ██████▌     \n\
3  shoes       118.00  16.8%         2       50.0%         3         2  █████▌      \n\
4  home         65.00   9.3%         2       50.0%         4         3  ███         \n\
   （无品类）  121.00  17.3%         3       75.0%                   3  █████▋      \n\
 M000003 与全店对比（营业额 170.00，消费 3 笔，1 人）  \n\
品类        营业额   占比  全店占比  偏好指数  消费笔数
───────────────────────────────────────────────────────
apparel     100.00  58.8%     36.7%      1.60         2
home         45.00  26.5%      9.3%      2.85         2
（无品类）   25.00  14.7%     17.3%      0.85         1
      同购组合：共 7 个购物篮，列出至少同在 1 个篮中的组合      \n\
甲       乙     同购篮数  支持度  买甲也买乙  买乙也买甲  提升度
────────────────────────────────────────────────────────────────
apparel  home          2   28.6%       50.0%       66.7%    1.17
apparel  hats          2   28.6%       50.0%       50.0%    0.88
hats     shoes         1   14.3%       25.0%       50.0%    0.88
""",
                "stderr": "",
            },
        }
    )


def test_item_tables_in_english_and_chinese(shop):
    assert both(shop, "report", "products", *DAY, "--by", "item", "--limit", "3") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Period     2026-10-27 to 2026-11-25  \n\
Store      all stores                \n\
Revenue    475.00                    \n\
Purchases  6                         \n\
Buyers     3                         \n\
                            Best sellers by item                            \n\
#  Item  Category  Revenue  Share  Buyers  Of buyers  # by buyers  Purchases
────────────────────────────────────────────────────────────────────────────
1  tee   apparel    247.50  52.1%       3     100.0%            1          4
2  cap   hats       127.50  26.8%       2      66.7%            2          3
3  mug   home        65.00  13.7%       2      66.7%            3          3
 Bought together: of 6 baskets, pairs in at least 2 \n\
A    B    Baskets  Support  A then B  B then A  Lift
────────────────────────────────────────────────────
cap  tee        2    33.3%     66.7%     50.0%  1.00
mug  tee        2    33.3%     66.7%     50.0%  1.00
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
期间      2026-10-27 至 2026-11-25  \n\
门店      全部门店                  \n\
营业额    475.00                    \n\
消费笔数  6                         \n\
购买人数  3                         \n\
                                畅销商品                                 \n\
#  商品  品类     营业额   占比  购买人数  占购买人数  人数排名  消费笔数
─────────────────────────────────────────────────────────────────────────
1  tee   apparel  247.50  52.1%         3      100.0%         1         4
2  cap   hats     127.50  26.8%         2       66.7%         2         3
3  mug   home      65.00  13.7%         2       66.7%         3         3
   同购组合：共 6 个购物篮，列出至少同在 2 个篮中的组合   \n\
甲   乙   同购篮数  支持度  买甲也买乙  买乙也买甲  提升度
──────────────────────────────────────────────────────────
cap  tee         2   33.3%       66.7%       50.0%    1.00
mug  tee         2   33.3%       66.7%       50.0%    1.00
""",
                "stderr": "",
            },
        }
    )
