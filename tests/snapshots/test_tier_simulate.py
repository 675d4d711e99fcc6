# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of `tier simulate` in English and Chinese, on the shop of tests/tiershop.py with
its new tier file (the figures are hand-checked there)."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests import tiershop
from tests.snapshots.shop import both


def test_tier_simulate(run, engine, tmp_path):
    tiershop.build(engine)
    path = tiershop.write_tiers(tmp_path)
    assert both(run, "tier", "simulate", path, "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                  Moves under new-tiers.toml as of 2026-11-25 (nothing written)                  \n\
From    To        Change        Members  12-month spend  Points now  Points after  Points settled
─────────────────────────────────────────────────────────────────────────────────────────────────
basic   basic     stays               2          500.00        1000          1000            1000
basic   silver    upgrade             1          900.00         900          1170            1170
silver  silver    stays               1         1219.99        1463          1585            1585
silver  platinum  upgrade             1        16000.00       19200         48000           48000
gold    basic     kept                1          100.00         150           150             100
gold    silver    downgrade           1         3000.00        4500          3900            3900
gold    silver    grace period        1         5500.00        8250          8250            7150
""",
                "stderr": """\
active members: 8; upgrades now: 2, downgrades now: 1, downgrades after the grace period: 1, kept below their tier (set by hand or imported): 1
points a year at the current pace: 35,463 now, 64,055 after loading (+28,592), 62,905 once every member is in the tier their spend qualifies for
""",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
            按 new-tiers.toml 在 2026-11-25 的等级变动（未写入任何内容）            \n\
原        新        变化      会员数  近 12 个月消费  当前积分  加载后积分  最终积分
────────────────────────────────────────────────────────────────────────────────────
普通会员  普通会员  不变           2          500.00      1000        1000      1000
普通会员  银卡会员  升级           1          900.00       900        1170      1170
银卡会员  银卡会员  不变           1         1219.99      1463        1585      1585
银卡会员  白金会员  升级           1        16000.00     19200       48000     48000
金卡会员  普通会员  保留等级       1          100.00       150         150       100
金卡会员  银卡会员  降级           1         3000.00      4500        3900      3900
金卡会员  银卡会员  宽限期中       1         5500.00      8250        8250      7150
""",
                "stderr": """\
正常会员 8 位；立即升级 2 位，立即降级 1 位，宽限期后降级 1 位，未达标但保留等级（手动设置或导入）1 位
按目前的消费速度每年积分：现在 35,463，加载后 64,055（+28,592），每位会员都到达消费够得上的等级后 62,905
""",
            },
        }
    )


def test_tier_simulate_empty_database(run, tmp_path):
    path = tiershop.write_tiers(tmp_path)
    assert both(run, "tier", "simulate", path, "--as-of", "2026-11-25") == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
           Moves under new-tiers.toml as of 2026-11-25 (nothing written)           \n\
From  To  Change  Members  12-month spend  Points now  Points after  Points settled
───────────────────────────────────────────────────────────────────────────────────
""",
                "stderr": """\
active members: 0; upgrades now: 0, downgrades now: 0, downgrades after the grace period: 0, kept below their tier (set by hand or imported): 0
points a year at the current pace: 0 now, 0 after loading (+0), 0 once every member is in the tier their spend qualifies for
(none)
""",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
    按 new-tiers.toml 在 2026-11-25 的等级变动（未写入任何内容）    \n\
原  新  变化  会员数  近 12 个月消费  当前积分  加载后积分  最终积分
────────────────────────────────────────────────────────────────────
""",
                "stderr": """\
正常会员 0 位；立即升级 0 位，立即降级 0 位，宽限期后降级 0 位，未达标但保留等级（手动设置或导入）0 位
按目前的消费速度每年积分：现在 0，加载后 0（+0），每位会员都到达消费够得上的等级后 0
（无）
""",
            },
        }
    )
