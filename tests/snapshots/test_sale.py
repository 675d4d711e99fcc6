# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of the till (`sale`, `sale refund`): the receipt and its stderr line, in English
and Chinese, on the worked example of issue 17."""

from __future__ import annotations

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from tests import ledgers
from tests.cli.test_sale import CAMPAIGN
from tests.factories import enroll
from tests.snapshots.shop import WIDE, both, fix_coupon_codes, memberctl

WORKED = ("--amount", "300", "--coupon", "SNAP0001", "--points", "1000", "--wallet", "50")


@pytest.fixture
def gold(engine, run, tmp_path: Path) -> str:
    """A gold member (0.95, x1.50) with 1,000 points, 100.00 stored value and coupon SNAP0001
    (20.00 off a spend of 200.00 or more)."""
    m = enroll(engine, name="张三", phone="13800138001", tier="gold", tags=["vip"]).member_no
    ledgers.add(engine, m, 1000)
    ledgers.topup(engine, m, "100")
    path = tmp_path / "drop.toml"
    path.write_text(CAMPAIGN.format(days=30, weekdays="false"), encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run("campaign", "run", "drop", "--as-of", "2026-11-25").exit_code == 0
    fix_coupon_codes(run)
    return m


def test_the_preview_receipt(run, gold):
    args = (
        "sale",
        gold,
        *WORKED,
        "--pay",
        "wechat",
        "--order-no",
        "T-1",
        "--at",
        "2026-11-26T10:30",
    )
    assert both(run, *args, "--dry-run") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
          Preview: nothing written          \n\
Member                    M000001           \n\
Order                     T-1               \n\
Time                      2026-11-26 10:30  \n\
List total                300.00            \n\
Member price (gold 0.95)  285.00            \n\
Coupon SNAP0001           -20.00            \n\
Points (1000 points)      -10.00            \n\
Stored value paid         50.00             \n\
WeChat Pay                205.00            \n\
Points earned             382               \n\
Points balance            382               \n\
Stored value balance      50.00             \n\
""",
                "stderr": "M000001: preview of order T-1; nothing written\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
           预览：未写入任何内容            \n\
会员                     M000001           \n\
订单                     T-1               \n\
时间                     2026-11-26 10:30  \n\
标价合计                 300.00            \n\
会员价（金卡会员 0.95）  285.00            \n\
优惠券 SNAP0001          -20.00            \n\
积分抵扣（1000 积分）    -10.00            \n\
储值支付                 50.00             \n\
微信支付                 205.00            \n\
获得积分                 382               \n\
积分余额                 382               \n\
储值余额                 50.00             \n\
""",
                "stderr": "M000001：订单 T-1 预览；未写入任何内容\n",
            },
        }
    )


def test_the_receipt_of_a_sale_and_its_repeat(run, gold):
    args = (
        "sale",
        gold,
        *WORKED,
        "--pay",
        "wechat",
        "--order-no",
        "T-1",
        "--at",
        "2026-11-26T10:30",
    )
    assert both(run, *args) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member                    M000001           \n\
Order                     T-1               \n\
Time                      2026-11-26 10:30  \n\
List total                300.00            \n\
Member price (gold 0.95)  285.00            \n\
Coupon SNAP0001           -20.00            \n\
Points (1000 points)      -10.00            \n\
Stored value paid         50.00             \n\
WeChat Pay                205.00            \n\
Points earned             382               \n\
Points balance            382               \n\
Stored value balance      50.00             \n\
""",
                "stderr": "M000001: order T-1, 205.00 by WeChat Pay, 382 points earned\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
          重复提交：未做任何更改           \n\
会员                     M000001           \n\
订单                     T-1               \n\
时间                     2026-11-26 10:30  \n\
标价合计                 300.00            \n\
会员价（金卡会员 0.95）  285.00            \n\
优惠券 SNAP0001          -20.00            \n\
积分抵扣（1000 积分）    -10.00            \n\
储值支付                 50.00             \n\
微信支付                 205.00            \n\
获得积分                 382               \n\
积分余额                 382               \n\
储值余额                 50.00             \n\
""",
                "stderr": "订单 T-1 已为 M000001 结过账；未做任何更改\n",
            },
        }
    )


def test_a_receipt_with_items_in_chinese(run, gold):
    chinese = memberctl(
        run.db_url, "--lang", "zh", "sale", gold, "--item", "T恤:2:99.50:服装", "--item", "袜子:0.5:10.01",
        "--wallet", "max", "--pay", "cash", "--order-no", "T-2", "--at", "2026-11-26T11:00", **WIDE,
    )  # fmt: skip
    assert (chinese.returncode, chinese.stdout, chinese.stderr) == snapshot(
        (
            0,
            """\
会员                     M000001           \n\
订单                     T-2               \n\
时间                     2026-11-26 11:00  \n\
T恤 × 2 @ 99.50          199.00            \n\
袜子 × 0.5 @ 10.01       5.01              \n\
标价合计                 204.01            \n\
会员价（金卡会员 0.95）  193.81            \n\
储值支付                 100.00            \n\
现金                     93.81             \n\
获得积分                 290               \n\
积分余额                 1290              \n\
储值余额                 0.00              \n\
""",
            "M000001：订单 T-2，现金 93.81，获得 290 积分\n",
        )
    )


def test_the_refund(run, gold):
    args = (
        "sale",
        gold,
        *WORKED,
        "--pay",
        "wechat",
        "--order-no",
        "T-1",
        "--at",
        "2026-11-26T10:30",
    )
    assert run(*args).exit_code == 0
    assert both(run, "sale", "refund", "T-1", "--at", "2026-11-27T09:00") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member                    M000001     \n\
Order                     T-1         \n\
Store                                 \n\
Money back                205.00      \n\
Paid by                   WeChat Pay  \n\
Stored value back         50.00       \n\
Points returned           1000        \n\
Points reversed           382         \n\
Already spent             0           \n\
Coupon                    SNAP0001    \n\
Coupon returned           yes         \n\
Points now                1000        \n\
Balance now               100.00      \n\
Repeat (nothing changed)  no          \n\
""",
                "stderr": "M000001: order T-1 refunded, 205.00 back, 50.00 to stored value, 1000 points returned, 382 points reversed\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员                M000001   \n\
订单                T-1       \n\
门店                          \n\
退款金额            205.00    \n\
付款方式            微信支付  \n\
退回储值            50.00     \n\
退回积分            1000      \n\
扣回积分            382       \n\
已花掉              0         \n\
优惠券              SNAP0001  \n\
优惠券已退回        是        \n\
当前积分            1000      \n\
当前余额            100.00    \n\
重复提交（未更改）  是        \n\
""",
                "stderr": "订单 T-1 已退款；未做任何更改\n",
            },
        }
    )


def test_refusals(run, gold):
    assert both(
        run,
        "sale",
        gold,
        "--amount",
        "200",
        "--coupon",
        "SNAP0001",
        "--pay",
        "cash",
        "--at",
        "2026-11-26T10:30",
    ) == snapshot(
        {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: coupon SNAP0001 needs a spend of at least 200.00, not 190.00\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：优惠券 SNAP0001 需要至少消费 200.00，而不是 190.00\n",
            },
        }
    )
    assert both(
        run, "sale", gold, "--amount", "300", "--points", "20000", "--pay", "cash"
    ) == snapshot(
        {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: points may pay at most 142.50 of this bill (14250 points), not 200.00; use fewer points, or --points max\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：本单积分最多抵扣 142.50（14250 积分），不能抵扣 200.00；请少用一些积分，或用 --points max\n",
            },
        }
    )
    assert both(run, "sale", gold, "--amount", "300") == snapshot(
        {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: 285.00 is left to pay: say how with --pay; --pay cash, card, wechat, alipay or other\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：还需支付 285.00：请用 --pay 说明付款方式；--pay cash（现金）、card（银行卡）、wechat（微信）、alipay（支付宝）或 other（其他）\n",
            },
        }
    )
