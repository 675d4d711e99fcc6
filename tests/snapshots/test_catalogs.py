# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of the tier, segment, campaign and coupon lists, in English and Chinese."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests.snapshots import shop as builder
from tests.snapshots.shop import both


def test_tier_list(run):
    assert both(run, "tier", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Rank  Code      Name      Points per 1.00  Points x  Price factor  12-month spend
─────────────────────────────────────────────────────────────────────────────────
   1  basic     普通会员      1.00 (shop)      1.00          1.00            0.00
   2  silver    银卡会员      1.00 (shop)      1.20          0.98         1000.00
   3  gold      金卡会员      1.00 (shop)      1.50          0.95         5000.00
   4  platinum  白金会员      1.00 (shop)      2.00          0.90        20000.00
""",
                "stderr": "(shop): the tier earns at the shop's rate, setting points.per_unit\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
级别  代码      名称          每元积分  积分倍数  折扣系数  近 12 个月消费
──────────────────────────────────────────────────────────────────────────
   1  basic     普通会员  1.00（店铺）      1.00      1.00            0.00
   2  silver    银卡会员  1.00（店铺）      1.20      0.98         1000.00
   3  gold      金卡会员  1.00（店铺）      1.50      0.95         5000.00
   4  platinum  白金会员  1.00（店铺）      2.00      0.90        20000.00
""",
                "stderr": "（店铺）：该等级按店铺的积分比例计算，即设置项 points.per_unit\n",
            },
        }
    )


def test_segment_list(run, engine):
    builder.add_segment(engine)
    assert both(run, "segment", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Name          Expression                       Updated         \n\
───────────────────────────────────────────────────────────────
north-silver  store = north and tier = silver  2026-11-25 09:00
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
名称          表达式                           更新            \n\
───────────────────────────────────────────────────────────────
north-silver  store = north and tier = silver  2026-11-25 09:00
""",
                "stderr": "",
            },
        }
    )


def test_segment_list_empty(run):
    assert both(run, "segment", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Name  Expression  Updated
─────────────────────────
""",
                "stderr": "(none)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
名称  表达式  更新
──────────────────
""",
                "stderr": "（无）\n",
            },
        }
    )


def test_segment_show(run, engine, shop):  # noqa: ARG001
    builder.add_segment(engine)
    assert both(run, "segment", "show", "north-silver", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Name        north-silver                     \n\
Expression  store = north and tier = silver  \n\
Members     2                                \n\
                                     sample (2)                                     \n\
Member no  Name    Phone          Tier    Status  Points  Balance  Store  Joined    \n\
────────────────────────────────────────────────────────────────────────────────────
M000002    李四    138 0013 8002  silver  active     850     0.00  north  2026-11-03
M000001    张三    138 0013 8001  silver  active     400   149.75  north  2025-06-10
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
名称    north-silver                     \n\
表达式  store = north and tier = silver  \n\
会员数  2                                \n\
                                   示例（2）                                    \n\
会员编号  姓名    手机号         等级      状态  积分    余额  门店   入会时间  \n\
────────────────────────────────────────────────────────────────────────────────
M000002   李四    138 0013 8002  银卡会员  正常   850    0.00  north  2026-11-03
M000001   张三    138 0013 8001  银卡会员  正常   400  149.75  north  2025-06-10
""",
                "stderr": "",
            },
        }
    )


def test_campaign_list(run, shop):  # noqa: ARG001
    builder.add_campaigns(run)
    assert both(run, "campaign", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Code             Name       Action        Period   Where      Points  Coupon  Starts      Ends      \n\
────────────────────────────────────────────────────────────────────────────────────────────────────
birthday-double  生日月赠   award_points  yearly   birthday_     100          2026-11-01  2026-11-30
                 送积分                            month =                                          \n\
                                                   11                                               \n\
thank-you-gold   金卡白金   award_points  yearly   tier >=       500          2026-12-01  2026-12-31
                 年终感谢                          gold                                             \n\
                 积分                                                                               \n\
wake-up-coupon   唤醒券     issue_coupon  monthly  inactive_           20.00                        \n\
                 满100减20                         days >=                                          \n\
                                                   30                                               \n\
weekday-voucher  工作日10   issue_coupon  monthly  visits_12           10.00                        \n\
                 元券                              m >= 3                                           \n\
                                                   and                                              \n\
                                                   status =                                         \n\
                                                   active                                           \n\
""",
                "stderr": "columns left out to fit 100 columns: Version (see them all with a wider terminal or --format csv)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
代码             名称        操作        周期  筛选条件   积分  优惠券  开始        结束        版本
────────────────────────────────────────────────────────────────────────────────────────────────────
birthday-double  生日月赠送  赠送积分    每年  birthday_   100          2026-11-01  2026-11-30     1
                 积分                          month =                                              \n\
                                               11                                                   \n\
thank-you-gold   金卡白金年  赠送积分    每年  tier >=     500          2026-12-01  2026-12-31     1
                 终感谢积分                    gold                                                 \n\
wake-up-coupon   唤醒券      发放优惠券  每月  inactive_         20.00                             1
                 满100减20                     days >=                                              \n\
                                               30                                                   \n\
weekday-voucher  工作日10元  发放优惠券  每月  visits_12         10.00                             1
                 券                            m >= 3                                               \n\
                                               and                                                  \n\
                                               status =                                             \n\
                                               active                                               \n\
""",
                "stderr": "",
            },
        }
    )


def test_campaign_runs(run, shop):  # noqa: ARG001
    builder.add_campaigns(run)
    assert both(run, "campaign", "runs") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Run  Campaign        Period   Targeted  Awarded  Already  Points  Coupons  As of     \n\
─────────────────────────────────────────────────────────────────────────────────────
  1  wake-up-coupon  2026-11         1        1        0       0        1  2026-11-20
""",
                "stderr": "columns left out to fit 100 columns: At, By (see them all with a wider terminal or --format csv)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
运行  活动            周期     目标人数  已发放  已发放过  积分  优惠券  截至      \n\
───────────────────────────────────────────────────────────────────────────────────
   1  wake-up-coupon  2026-11         1       1         0     0       1  2026-11-20
""",
                "stderr": "为适应 100 列宽省略了：时间、操作人（加宽终端或用 --format csv 可看到全部列）\n",
            },
        }
    )


def test_coupon_list(run, shop):  # noqa: ARG001
    builder.add_campaigns(run)
    assert both(run, "coupon", "list", "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Code      Member   Campaign        Value  Min spend  From        To          Status  Used at  Order
───────────────────────────────────────────────────────────────────────────────────────────────────
SNAP0001  M000004  wake-up-coupon  20.00     100.00  2026-11-20  2026-12-19  unused                \n\
""",
                "stderr": "columns left out to fit 100 columns: Mon-Fri, No holidays (see them all with a wider terminal or --format csv)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
代码      会员     活动             面值  最低消费  生效日      到期日      状态    使用时间  订单
──────────────────────────────────────────────────────────────────────────────────────────────────
SNAP0001  M000004  wake-up-coupon  20.00    100.00  2026-11-20  2026-12-19  未使用                \n\
""",
                "stderr": "为适应 100 列宽省略了：周一至周五、节假日不可用（加宽终端或用 --format csv 可看到全部列）\n",
            },
        }
    )
