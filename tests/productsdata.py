"""The small shop of the `report products` tests (tests/cli/test_report_products.py and
tests/snapshots/test_report_products.py), hand-checked, built through the CLI: stores north and
south; A (M000001, basic, north), B (M000002, gold: price factor 0.95, north), C (M000003,
basic, south), D (M000004, basic, south). Till sales rung up item by item (`sale record --item
NAME:QTY:PRICE:CATEGORY`), one sale of an amount alone, and purchases imported with a category.
The report day is 2026-11-25; the default period is 2026-10-27 to 2026-11-25 (30 days, as
`report kpi`).

| order | who | store | at          | what (list amounts)                       | amount |
|-------|-----|-------|-------------|-------------------------------------------|--------|
| S1    | A   | north | 11-20 10:00 | tee 2x50, socks 10 apparel; cap 40 hats   | 150.00 |
| S2    | B   | north | 11-21 10:00 | tee 50 apparel, cap 50 hats (x0.95)       | 95.00  |
| S3    | C   | south | 11-22 09:00 | tee 50 apparel, mug 2x15 home             | 80.00  |
| S4    | A   | south | 11-23 12:00 | cap 40 hats, mug 20 home                  | 60.00  |
| S5    | C   | north | 11-24 10:00 | gift 25 (no category)                     | 25.00  |
| S6    | B   | north | 11-24 09:00 | --amount 80 (no lines; x0.95)             | 76.00  |
| S7    | C   | north | 11-25 10:00 | tee 50 apparel, mug 15 home               | 65.00  |
| I1    | B   | -     | 11-24 15:00 | imported, shoes                           | 88.00  |
| I2    | D   | -     | 11-10 12:00 | imported, hats                            | 12.00  |
| I3    | D   | -     | 11-10 18:00 | imported, shoes                           | 30.00  |
| I4    | A   | -     | 10-01 10:00 | imported, shoes (before the period)       | 500.00 |
| I5    | C   | -     | 11-15 10:00 | imported, home, refunded                  | 45.00  |
| I6    | D   | -     | 11-18 10:00 | imported, no category                     | 20.00  |

S2's lines share its 95.00 as their list amounts do: 47.50 each.

By category (revenue; buyers; purchases):
- apparel: S1 100 + 10, S2 47.50, S3 50, S7 50 = 257.50; A, B, C = 3; S1 S2 S3 S7 = 4
- hats: S1 40, S2 47.50, S4 40, I2 12 = 139.50; A, B, D = 3; S1 S2 S4 I2 = 4
- shoes: I1 88, I3 30 = 118.00; B, D = 2; 2
- home: S3 30, S4 20, S7 15 = 65.00; C, A = 2; 3
- (no category): S5 25, S6 76, I6 20 = 121.00; C, B, D = 3; 3
The period: 701.00 from 11 purchases by 4 buyers.

Baskets: S1 {apparel, hats}, S2 {apparel, hats}, S3 {apparel, home}, S4 {hats, home},
S7 {apparel, home}, B on 11-24 (S6 and I1) {shoes}, D on 11-10 (I2 and I3) {hats, shoes}; S5 and
D on 11-18 hold no category: 7 baskets. apparel 4, hats 4, home 3, shoes 2.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Run

DAY = ("--as-of", "2026-11-25")
IMPORTED = """订单号,金额,时间,会员卡号,品类
I1,88.00,2026-11-24 15:00,M000002,shoes
I2,12.00,2026-11-10 12:00,M000004,hats
I3,30.00,2026-11-10 18:00,M000004,shoes
I4,500.00,2026-10-01 10:00,M000001,shoes
I5,45.00,2026-11-15 10:00,M000003,home
I6,20.00,2026-11-18 10:00,M000004,
"""
SALES = [
    ("M000001", "S1", "north", "2026-11-20 10:00",
     "tee:2:50:apparel", "cap:1:40:hats", "socks:1:10:apparel"),
    ("M000002", "S2", "north", "2026-11-21 10:00", "tee:1:50:apparel", "cap:1:50:hats"),
    ("M000003", "S3", "south", "2026-11-22 09:00", "tee:1:50:apparel", "mug:2:15:home"),
    ("M000001", "S4", "south", "2026-11-23 12:00", "cap:1:40:hats", "mug:1:20:home"),
    ("M000003", "S5", "north", "2026-11-24 10:00", "gift:1:25"),
    ("M000003", "S7", "north", "2026-11-25 10:00", "tee:1:50:apparel", "mug:1:15:home"),
]  # fmt: skip


def ok(result) -> None:
    assert result.exit_code == 0, result.stderr


def build(run: Run, tmp_path: Path) -> Run:
    """The shop through the CLI on `run`'s database; returns `run`."""
    for code in ("north", "south"):
        ok(run("store", "add", code))
    for n, (store, tier) in enumerate(
        [("north", "basic"), ("north", "gold"), ("south", "basic"), ("south", "basic")], start=1
    ):
        ok(
            run(
                "member", "enroll", "--name", f"m{n}", "--phone", f"1380000000{n}",
                "--store", store, "--tier", tier, "--joined-at", "2026-01-01",
            )
        )  # fmt: skip
    for member_no, order, store, at, *items in SALES:
        lines = [arg for item in items for arg in ("--item", item)]
        ok(
            run(
                "sale", "record", member_no, *lines, "--pay", "cash", "--order-no", order,
                "--store", store, "--at", at,
            )
        )  # fmt: skip
    ok(
        run(
            "sale", "record", "M000002", "--amount", "80", "--pay", "cash", "--order-no", "S6",
            "--store", "north", "--at", "2026-11-24 09:00",
        )
    )  # fmt: skip
    path = tmp_path / "purchases.csv"
    path.write_text(IMPORTED, encoding="utf-8")
    ok(run("import", "purchases", str(path)))
    ok(run("purchase", "refund", "I5"))
    return run
