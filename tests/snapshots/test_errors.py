# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact error lines a clerk meets, with their exit codes, in English and Chinese: nothing on
stdout, one line on stderr (SPEC: 2 usage, 3 not found, 4 rule, 5 invalid input). None of
these writes, so both languages run against the same shop (M000005 is frozen)."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from tests.snapshots.shop import both

CASES = {
    "member not found": ["member", "show", "M999999"],
    "phone not found": ["points", "balance", "13900000000"],
    "frozen member earns": ["points", "add", "M000005", "10", "--reason", "gift"],
    "frozen member buys": ["purchase", "record", "M000005", "100.00", "--at", "2026-11-25 10:00"],
    "frozen again": ["member", "freeze", "M000005", "--reason", "again"],
    "not enough points": ["points", "deduct", "M000001", "5000", "--reason", "gift"],
    "points not a number": ["points", "deduct", "M000001", "ten", "--reason", "gift"],
    "not enough stored value": ["wallet", "pay", "M000001", "1000.00"],
    "bad phone": ["member", "enroll", "--name", "冯二", "--phone", "12345"],
    "phone already used": ["member", "enroll", "--name", "冯二", "--phone", "13800138001"],
    "money with three decimals": ["wallet", "topup", "M000001", "12.345"],
    "money not a number": ["wallet", "topup", "M000001", "abc"],
    "negative money": ["purchase", "record", "M000001", "-5", "--at", "2026-11-25 10:00"],
    "bad date": ["member", "list", "--as-of", "2026-13-01"],
    "bad birthday": [
        "member",
        "enroll",
        "--name",
        "冯二",
        "--phone",
        "13800139009",
        "--birthday",
        "1990-02-30",
    ],
    "unknown tier to list": ["member", "list", "--tier", "diamond"],
    "unknown tier to move to": ["member", "upgrade", "M000001", "--to", "diamond"],
    "unknown status": ["member", "list", "--status", "sleeping"],
    "bad where": ["member", "list", "--where", "points >> 3"],
    "missing file": ["import", "members", "missing.csv"],
    "unknown coupon": ["coupon", "redeem", "NOPE2345"],
    "unknown campaign": ["campaign", "show", "nope"],
}


# Each case's output, by name: `pytest --inline-snapshot=fix -n 0` fills in the one changed.
EXPECTED = snapshot(
    {
        "member not found": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no member 'M999999'; give a member number such as M000001 or the member's phone number\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有会员 'M999999'；请填写会员编号（如 M000001）或会员手机号\n",
            },
        },
        "phone not found": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no member '139****0000'; give a member number such as M000001 or the member's phone number\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有会员 '139****0000'；请填写会员编号（如 M000001）或会员手机号\n",
            },
        },
        "frozen member earns": {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: cannot add points for M000005: the member is frozen; unfreeze or restore the member first\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：无法为 M000005 增加积分：该会员状态为冻结；请先解冻或恢复该会员\n",
            },
        },
        "frozen member buys": {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: cannot record a purchase for M000005: the member is frozen; unfreeze or restore the member first\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：无法为 M000005 记录消费：该会员状态为冻结；请先解冻或恢复该会员\n",
            },
        },
        "frozen again": {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: cannot freeze M000005: the member is frozen; freeze is allowed only for active members\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：无法冻结 M000005：该会员状态为冻结；冻结只适用于正常状态的会员\n",
            },
        },
        "not enough points": {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: M000001 has 500 points to spend, not 5000; deduct at most the points available (see 'points balance')\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：M000001 可用积分为 500，不足 5000；最多只能扣除可用积分（见 'points balance'）\n",
            },
        },
        "points not a number": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: 'ten' is not a whole number of points; give 1 to 1,000,000,000\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：'ten' 不是整数积分；请填写 1 到 1,000,000,000\n",
            },
        },
        "not enough stored value": {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: M000001 has 149.75 in the wallet, not 1000.00; pay at most the balance (see 'wallet balance')\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：M000001 的储值余额为 149.75，不足 1000.00；最多只能支付余额（见 'wallet balance'）\n",
            },
        },
        "bad phone": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: '12345' is not a valid phone number; give a mobile such as 13800138000 or an international number such as +85291234567\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：'12345' 不是有效的手机号；请填写手机号，如 13800138000，或国际号码，如 +85291234567\n",
            },
        },
        "phone already used": {
            "en": {
                "exit": 4,
                "stdout": "",
                "stderr": "error: phone 138****8001 already belongs to member M000001; each member needs their own phone number\n",
            },
            "zh": {
                "exit": 4,
                "stdout": "",
                "stderr": "错误：手机号 138****8001 已属于会员 M000001；每位会员需要有自己的手机号\n",
            },
        },
        "money with three decimals": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: 12.345 has more than two decimals; amounts are in whole cents, e.g. 12.35\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：12.345 的小数超过两位；金额须精确到分，例如 12.35\n",
            },
        },
        "money not a number": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: 'abc' is not an amount of money; write it like 12.50\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：'abc' 不是金额；请写作 12.50 这样的格式\n",
            },
        },
        "negative money": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: No such option: -5 (see 'memberctl purchase record --help')\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：没有选项 -5（参见 'memberctl purchase record --help'）\n",
            },
        },
        "bad date": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: Invalid value for '--as-of': Value error, '2026-13-01' does not match the formats '%Y-%m-%d'. (see 'memberctl member list --help')\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：'--as-of' 的值无效：'2026-13-01' 不是 '%Y-%m-%d' 格式的日期（参见 'memberctl member list --help'）\n",
            },
        },
        "bad birthday": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: birthday '1990-02-30' does not exist; check the day and month\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：生日 '1990-02-30' 不存在；请检查日和月\n",
            },
        },
        "unknown tier to list": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no tier 'diamond'; tiers are: basic (普通会员), silver (银卡会员), gold (金卡会员), platinum (白金会员)\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有等级 'diamond'；现有等级：普通会员 (basic)、银卡会员 (silver)、金卡会员 (gold)、白金会员 (platinum)\n",
            },
        },
        "unknown tier to move to": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no tier 'diamond'; tiers are: basic (普通会员), silver (银卡会员), gold (金卡会员), platinum (白金会员)\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有等级 'diamond'；现有等级：普通会员 (basic)、银卡会员 (silver)、金卡会员 (gold)、白金会员 (platinum)\n",
            },
        },
        "unknown status": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: --status 'sleeping' is not one of active, frozen, cancelled; see 'memberctl member list --help'\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：--status 'sleeping' 不是以下之一：active, frozen, cancelled；见 'memberctl member list --help'\n",
            },
        },
        "bad where": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: expected a value after '>' at column 9, found '>'\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：第 9 列应为一个值（在 '>' 之后），遇到 '>'\n",
            },
        },
        "missing file": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no file 'missing.csv'; check the path and the file name\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有文件 'missing.csv'；请检查路径和文件名\n",
            },
        },
        "unknown coupon": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no coupon 'NOPE2345'; check the code (8 letters and digits)\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有优惠券 'NOPE2345'；请检查券码（8 位字母和数字）\n",
            },
        },
        "unknown campaign": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no campaign 'nope'; add one with campaign add\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有活动 'nope'；用 campaign add 添加一个\n",
            },
        },
    }
)


@pytest.mark.parametrize("name", CASES)
def test_error_line(run, shop, name, tmp_path, monkeypatch):  # noqa: ARG001
    monkeypatch.chdir(tmp_path)
    assert both(run, *CASES[name]) == EXPECTED[name]
