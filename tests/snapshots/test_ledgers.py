# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact output of points, stored value and purchases, in English and Chinese."""

from __future__ import annotations

from inline_snapshot import snapshot

from tests.snapshots.shop import both


def test_points_balance(run, shop):
    assert both(run, "points", "balance", shop[0]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no             M000001  \n\
Points                400      \n\
Available             400      \n\
Lapsed                0        \n\
Next expiry                    \n\
Points expiring then  0        \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号      M000001  \n\
积分          400      \n\
可用积分      400      \n\
已过期积分    0        \n\
最近过期日             \n\
届时过期积分  0        \n\
""",
                "stderr": "",
            },
        }
    )


def test_points_history(run, shop):
    assert both(run, "points", "history", shop[0]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                              M000001                               \n\
When              Kind    Points  Left  Expires  Reason  Order  By  \n\
────────────────────────────────────────────────────────────────────
2026-11-20 10:00  adjust     500   500                          seed
2026-11-22 10:00  adjust    -100                                seed
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                           M000001                            \n\
时间              类型  积分  剩余  过期日  原因  订单  操作人
──────────────────────────────────────────────────────────────
2026-11-20 10:00  调整   500   500                      seed  \n\
2026-11-22 10:00  调整  -100                            seed  \n\
""",
                "stderr": "",
            },
        }
    )


def test_points_history_of_a_member_without_points(run, shop):
    assert both(run, "points", "history", shop[2]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                      M000003                       \n\
When  Kind  Points  Left  Expires  Reason  Order  By
────────────────────────────────────────────────────
""",
                "stderr": "(none)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                     M000003                      \n\
时间  类型  积分  剩余  过期日  原因  订单  操作人
──────────────────────────────────────────────────
""",
                "stderr": "（无）\n",
            },
        }
    )


def test_wallet_balance(run, shop):
    assert both(run, "wallet", "balance", shop[0]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
Member no   M000001  \n\
Balance     149.75   \n\
Refundable  0.00     \n\
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
会员编号  M000001  \n\
储值余额  149.75   \n\
可退金额  0.00     \n\
""",
                "stderr": "",
            },
        }
    )


def test_wallet_history(run, shop):
    assert both(run, "wallet", "history", shop[0]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
                      M000001                      \n\
When              Kind    Amount  Reason  Key  By  \n\
───────────────────────────────────────────────────
2026-11-02 10:00  adjust  200.00               seed
2026-11-03 10:00  adjust  -50.25               seed
""",
                "stderr": "",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
                    M000001                     \n\
时间              类型    金额  原因  键  操作人
────────────────────────────────────────────────
2026-11-02 10:00  调整  200.00            seed  \n\
2026-11-03 10:00  调整  -50.25            seed  \n\
""",
                "stderr": "",
            },
        }
    )


def test_wallet_history_of_a_member_without_stored_value(run, shop):
    assert both(run, "wallet", "history", shop[2]) == snapshot(
        {
            "en": {
                "exit": 0,
                "stdout": """\
              M000003              \n\
When  Kind  Amount  Reason  Key  By
───────────────────────────────────
""",
                "stderr": "(none)\n",
            },
            "zh": {
                "exit": 0,
                "stdout": """\
             M000003              \n\
时间  类型  金额  原因  键  操作人
──────────────────────────────────
""",
                "stderr": "（无）\n",
            },
        }
    )
