# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `report daily` (closing the till), in English and Chinese, on the shop of
shop.py with a day of sales on 2026-11-25 written as the till writes them (tests/sales.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from inline_snapshot import snapshot

from memberctl.db.session import transaction
from memberctl.domain import refs, wallet
from tests.sales import add_sale, add_store, refund_sale
from tests.snapshots.shop import both

DAY = dt.datetime(2026, 11, 25)


@pytest.fixture
def till(engine, shop):  # noqa: ARG001  (shop: the members)
    with transaction(engine) as session:
        add_store(session, "north", "North")
        add_store(session, "south", "South")
        add_sale(
            session, member_no="M000002", order_no="T0", store="south",
            at=DAY - dt.timedelta(days=2), list_total="80.00", wallet="0.00",
            pay_method="card", points_earned=80,
        )  # fmt: skip
        add_sale(
            session, member_no="M000001", order_no="T1", store="north",
            at=DAY + dt.timedelta(hours=9), list_total="120.00", price_factor="0.98",
            pay_method="cash", points_earned=117,
        )  # fmt: skip
        add_sale(
            session, member_no="M000001", order_no="T2", store="north",
            at=DAY + dt.timedelta(hours=11), list_total="300.00", price_factor="0.98",
            coupon="20.00", points_used=1000, points_value="10.00", wallet="50.00",
            pay_method="wechat", points_earned=234,
        )  # fmt: skip
        add_sale(
            session, member_no="M000003", order_no="T3", store="south",
            at=DAY + dt.timedelta(hours=15), list_total="66.60", pay_method="alipay",
            points_earned=66,
        )  # fmt: skip
        refund_sale(session, order_no="T0", store="south", at=DAY + dt.timedelta(hours=16))
        member = refs.resolve(session, "M000004")
        wallet.topup(
            session=session, member=member, amount=Decimal("500.00"), bonus=Decimal("50.00"),
            operator="clerk", at=DAY + dt.timedelta(hours=12),
        )  # fmt: skip


def test_report_daily(run, till):  # noqa: ARG001
    assert both(run, "report", "daily", "--date", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                       Till for 2026-11-25, all stores                        \n\
Section                   Figure                                        Amount
──────────────────────────────────────────────────────────────────────────────
Sales                     Sales made                                         3
                          List total                                    486.60
                          Tier discount                                   8.40
                          Coupons used                                       1
                          Coupon value                                   20.00
                          Points redeemed                                 1000
                          Points value                                   10.00
                          Stored value paid                              50.00
Payments                  Cash                                          117.60
                          Card                                            0.00
                          WeChat Pay                                    214.00
                          Alipay                                         66.60
                          Other                                           0.00
                          Tendered in all                               398.20
Refunds                   Sales refunded                                     1
                          Tendered back: Card                            80.00
                          Tendered back                                  80.00
                          Stored value back                               0.00
                          Points returned                                    0
Net                       Net takings (tendered less refunded)          318.20
                          Purchases without the till                         0
                          Their amount                                    0.00
Members and stored value  New members                                        0
                          Top-ups                                            1
                          Stored value sold (a liability, not revenue)  500.00
                          Bonus given with it                            50.00
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
          2026-11-25 收银日结，全部门店           \n\
类别        项目                              数额
──────────────────────────────────────────────────
销售        销售笔数                             3
            原价合计                        486.60
            会员折扣                          8.40
            使用优惠券张数                       1
            优惠券抵扣                       20.00
            抵扣积分                          1000
            积分抵扣金额                     10.00
            储值支付                         50.00
收款        现金                            117.60
            银行卡                            0.00
            微信支付                        214.00
            支付宝                           66.60
            其他                              0.00
            实收合计                        398.20
退款        退款笔数                             1
            退回现款：银行卡                 80.00
            退回现款                         80.00
            退回储值                          0.00
            退回积分                             0
净收入      净收款（实收减退款）            318.20
            非收银消费笔数                       0
            非收银消费金额                    0.00
会员与储值  新会员                               0
            充值笔数                             1
            储值充值（负债，不是营业收入）  500.00
            充值赠送                         50.00
""",
                "stderr": "",
            },
        }
    )


def test_report_daily_for_one_store(run, till):  # noqa: ARG001
    assert both(run, "report", "daily", "--date", "2026-11-25", "--store", "North") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                          Till for 2026-11-25, North                          \n\
Section                   Figure                                        Amount
──────────────────────────────────────────────────────────────────────────────
Sales                     Sales made                                         2
                          List total                                    420.00
                          Tier discount                                   8.40
                          Coupons used                                       1
                          Coupon value                                   20.00
                          Points redeemed                                 1000
                          Points value                                   10.00
                          Stored value paid                              50.00
Payments                  Cash                                          117.60
                          Card                                            0.00
                          WeChat Pay                                    214.00
                          Alipay                                          0.00
                          Other                                           0.00
                          Tendered in all                               331.60
Refunds                   Sales refunded                                     0
                          Tendered back                                   0.00
                          Stored value back                               0.00
                          Points returned                                    0
Net                       Net takings (tendered less refunded)          331.60
                          Purchases without the till                         0
                          Their amount                                    0.00
Members and stored value  New members                                        0
                          Top-ups                                            1
                          Stored value sold (a liability, not revenue)  500.00
                          Bonus given with it                            50.00
""",
                "stderr": "top-ups carry no store: they are the whole shop's\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
            2026-11-25 收银日结，North            \n\
类别        项目                              数额
──────────────────────────────────────────────────
销售        销售笔数                             2
            原价合计                        420.00
            会员折扣                          8.40
            使用优惠券张数                       1
            优惠券抵扣                       20.00
            抵扣积分                          1000
            积分抵扣金额                     10.00
            储值支付                         50.00
收款        现金                            117.60
            银行卡                            0.00
            微信支付                        214.00
            支付宝                            0.00
            其他                              0.00
            实收合计                        331.60
退款        退款笔数                             0
            退回现款                          0.00
            退回储值                          0.00
            退回积分                             0
净收入      净收款（实收减退款）            331.60
            非收银消费笔数                       0
            非收银消费金额                    0.00
会员与储值  新会员                               0
            充值笔数                             1
            储值充值（负债，不是营业收入）  500.00
            充值赠送                         50.00
""",
                "stderr": "充值不记门店：这里是全店的充值\n",
            },
        }
    )


def test_report_daily_for_an_unknown_store(run, till):  # noqa: ARG001
    assert both(run, "report", "daily", "--store", "东店") == snapshot(
        {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no store '东店' (the stores are: north, south); check the spelling, or add it: memberctl store add CODE --name NAME\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有门店 '东店'（现有门店：north, south）；请检查拼写，或先添加：memberctl store add 代码 --name 名称\n",
            },
        }
    )
