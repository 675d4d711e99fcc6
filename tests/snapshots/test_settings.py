# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `settings list|get|set|reset` and their error lines, in English and Chinese."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests.snapshots.shop import both


def test_settings_list(run):
    run("settings", "set", "points.per_unit", "2")
    assert both(run, "settings", "list") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Setting                     Value    Default  Changed  Meaning                                      \n\
────────────────────────────────────────────────────────────────────────────────────────────────────
points.expiry_months        24       24       no       Points expire at the end of this many months \n\
                                                       after the month they were earned (never: they
                                                       do not expire).                              \n\
points.birthday_multiplier  2        2        no       Purchases in the member's birthday month earn
                                                       this many times the points.                  \n\
tier.grace_days             30       30       no       Days a member keeps a tier after falling     \n\
                                                       below its threshold, before tier evaluation  \n\
                                                       downgrades them.                             \n\
tier.kept_months            12       12       no       Months a tier set by hand or imported is     \n\
                                                       kept: evaluation only upgrades the member    \n\
                                                       until then.                                  \n\
points.per_unit             2        1        yes      Points earned per 1.00 paid, before the      \n\
                                                       tier's multiplier, by every tier without its \n\
                                                       own points_per_unit.                         \n\
points.redeem_rate          100      100      no       Points that pay 1.00 at the till (100: one   \n\
                                                       point is worth 0.01).                        \n\
points.redeem_max_share     0.5      0.5      no       The largest share of a bill points may pay,  \n\
                                                       after the tier price and the coupon (0:      \n\
                                                       never).                                      \n\
price.rounding              half-up  half-up  no       How the tier price is taken to the cent:     \n\
                                                       half-up (nearest), down (the member's favour)
                                                       or up (the shop's).                          \n\
staff.idle_minutes          30       30       no       A staff member's login ends after this many  \n\
                                                       minutes without a command.                   \n\
staff.session_end           23:59    23:59    no       A staff member's login ends at this time on  \n\
                                                       the day it began (the next day when it began \n\
                                                       later).                                      \n\
staff.lockout_minutes       15       15       no       Five wrong passwords in a row lock a staff   \n\
                                                       member out for this many minutes.            \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
设置项                      当前值   默认值   已修改  说明                                          \n\
────────────────────────────────────────────────────────────────────────────────────────────────────
points.expiry_months        24       24       否      积分在获得当月后第几个月的月底过期，never为永 \n\
                                                      不过期。                                      \n\
points.birthday_multiplier  2        2        否      会员生日当月的消费按此倍数获得积分。          \n\
tier.grace_days             30       30       否      低于等级门槛后仍保留该等级的天数，过后等级评定
                                                      才降级。                                      \n\
tier.kept_months            12       12       否      手动设置或导入的等级的保留月数：期间等级评定只
                                                      升不降。                                      \n\
points.per_unit             2        1        是      每付1.00元所得积分（乘等级倍数前），适用于未设
                                                      定points_per_unit的等级。                     \n\
points.redeem_rate          100      100      否      收银时抵1.00元所需积分（100即1积分抵0.01元）。
points.redeem_max_share     0.5      0.5      否      积分最多可付账单的比例（按等级价和优惠券后的金
                                                      额计；0：不可用积分付款）。                   \n\
price.rounding              half-up  half-up  否      等级价格取到分的方式：half-up四舍五入，down舍 \n\
                                                      去（利会员），up进位（利店铺）。              \n\
staff.idle_minutes          30       30       否      员工登录后无操作超过这么多分钟即结束。        \n\
staff.session_end           23:59    23:59    否      员工登录在当天的这个时刻结束（在此时刻之后登录
                                                      的，到次日这个时刻结束）。                    \n\
staff.lockout_minutes       15       15       否      连续五次密码错误后，员工账号被锁定这么多分钟。
""",
                "stderr": "",
            },
        }
    )


def test_settings_get(run):
    assert both(run, "settings", "get", "points.redeem_max_share") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Setting  points.redeem_max_share                                                                    \n\
Value    0.5                                                                                        \n\
Default  0.5                                                                                        \n\
Changed  no                                                                                         \n\
Meaning  The largest share of a bill points may pay, after the tier price and the coupon (0:        \n\
         never).                                                                                    \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
设置项  points.redeem_max_share                                                    \n\
当前值  0.5                                                                        \n\
默认值  0.5                                                                        \n\
已修改  否                                                                         \n\
说明    积分最多可付账单的比例（按等级价和优惠券后的金额计；0：不可用积分付款）。  \n\
""",
                "stderr": "",
            },
        }
    )


def test_settings_set_and_again(run):
    english = run("--lang", "en", "settings", "set", "points.redeem_rate", "200")
    assert (english.exit_code, english.stdout, english.stderr) == snapshot(
        (
            0,
            """\
Setting  points.redeem_rate  \n\
Value    200                 \n\
Was      100                 \n\
""",
            "points.redeem_rate changed from 100 to 200\n",
        )
    )
    assert both(run, "settings", "set", "points.redeem_rate", "200") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Setting  points.redeem_rate  \n\
Value    200                 \n\
Was      200                 \n\
""",
                "stderr": "points.redeem_rate is already 200: nothing changed\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
设置项  points.redeem_rate  \n\
当前值  200                 \n\
原值    200                 \n\
""",
                "stderr": "points.redeem_rate 已经是 200：未做任何更改\n",
            },
        }
    )


def test_settings_reset(run):
    run("settings", "set", "tier.grace_days", "14")
    from tests.snapshots.shop import WIDE, memberctl

    chinese = memberctl(run.db_url, "--lang", "zh", "settings", "reset", "tier.grace_days", **WIDE)
    assert (chinese.returncode, chinese.stdout, chinese.stderr) == snapshot(
        (
            0,
            """\
设置项  tier.grace_days  \n\
当前值  30               \n\
原值    14               \n\
""",
            "tier.grace_days 已恢复为默认值 30（原为 14）\n",
        )
    )
    assert both(run, "settings", "reset", "tier.grace_days") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Setting  tier.grace_days  \n\
Value    30               \n\
Was      30               \n\
""",
                "stderr": "tier.grace_days is already its default, 30: nothing changed\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
设置项  tier.grace_days  \n\
当前值  30               \n\
原值    30               \n\
""",
                "stderr": "tier.grace_days 已经是默认值 30：未做任何更改\n",
            },
        }
    )


def test_settings_errors(run):
    assert both(run, "settings", "set", "points.redeem_max_share", "1.5") == snapshot(
        {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: points.redeem_max_share must be a number from 0 to 1, such as 0.5; not '1.5'\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：points.redeem_max_share 必须是 0 到 1 之间的数，例如 0.5；而不是 '1.5'\n",
            },
        }
    )
    assert both(run, "settings", "set", "points.expiry_months", "-3") == snapshot(
        {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: points.expiry_months must be a whole number of months from 1 to 120, or never (0 also means never), such as 24; not '-3'\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：points.expiry_months 必须是 1 到 120 的整数（月数），或 never（0 也表示永不过期），例如 24；而不是 '-3'\n",
            },
        }
    )
    assert both(run, "settings", "get", "points.rate") == snapshot(
        {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no setting 'points.rate'; settings are: points.expiry_months, points.birthday_multiplier, tier.grace_days, tier.kept_months, points.per_unit, points.redeem_rate, points.redeem_max_share, price.rounding, staff.idle_minutes, staff.session_end, staff.lockout_minutes\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有设置项 'points.rate'；可用设置：points.expiry_months, points.birthday_multiplier, tier.grace_days, tier.kept_months, points.per_unit, points.redeem_rate, points.redeem_max_share, price.rounding, staff.idle_minutes, staff.session_end, staff.lockout_minutes\n",
            },
        }
    )
