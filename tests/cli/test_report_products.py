"""`memberctl report products` through the real CLI, on SQLite or PostgreSQL (issue 19), on the
small shop of tests/productsdata.py (its table and the figures by hand are there; each test
repeats the sums it checks). The exact tables: tests/snapshots/test_report_products.py."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests import productsdata
from tests.conftest import error_line

DAY = productsdata.DAY


@pytest.fixture
def shop(run, tmp_path):
    return productsdata.build(run, tmp_path)


def _seller(rank, category, revenue, share, buyers, buyer_share, buyers_rank, purchases, item=None):
    return {
        "rank": rank, "category": category, "item": item, "revenue": revenue,
        "revenue_share": share, "buyers": buyers, "buyer_share": buyer_share,
        "buyers_rank": buyers_rank, "purchases": purchases,
    }  # fmt: skip


# Shares of 701.00 and of 4 buyers; buyers_rank: apparel and hats have 3 buyers (apparel more
# revenue), shoes and home 2 (shoes more revenue).
SELLERS = [
    _seller(1, "apparel", "257.50", 0.3673, 3, 0.75, 1, 4),  # 257.50 / 701 = 0.36733
    _seller(2, "hats", "139.50", 0.199, 3, 0.75, 2, 4),  # 139.50 / 701 = 0.19900
    _seller(3, "shoes", "118.00", 0.1683, 2, 0.5, 3, 2),  # 118 / 701 = 0.16833
    _seller(4, "home", "65.00", 0.0927, 2, 0.5, 4, 3),  # 65 / 701 = 0.09272
    _seller(None, None, "121.00", 0.1726, 3, 0.75, None, 3),  # 121 / 701 = 0.17261
]
# apparel and home: 2 baskets (S3, S7); 2 / 7 = 0.2857; of apparel's 4 baskets 2 = 0.5, of
# home's 3 2 = 0.6667; lift 2 x 7 / (4 x 3) = 1.1667. apparel and hats: 2 (S1, S2); 2 / 4 both
# ways; lift 2 x 7 / (4 x 4) = 0.875, half up 0.88. hats-home and hats-shoes: 1 basket each.
PAIRS = [
    {"a": "apparel", "b": "home", "baskets": 2, "a_baskets": 4, "b_baskets": 3,
     "support": 0.2857, "confidence_ab": 0.5, "confidence_ba": 0.6667, "lift": 1.17},
    {"a": "apparel", "b": "hats", "baskets": 2, "a_baskets": 4, "b_baskets": 4,
     "support": 0.2857, "confidence_ab": 0.5, "confidence_ba": 0.5, "lift": 0.88},
]  # fmt: skip


def test_by_category_by_hand(shop):
    assert shop.json("report", "products", *DAY) == {
        "start": "2026-10-27",
        "end": "2026-11-25",
        "by": "category",
        "store": None,
        "revenue": "701.00",
        "purchases": 11,  # I4 is before the period, I5 refunded
        "buyers": 4,
        "baskets": 7,
        "min_baskets": 2,
        "sellers": SELLERS,
        "member": None,
        "pairs": PAIRS,
    }


def test_pairs_of_one_basket_with_a_lower_minimum(shop):
    pairs = shop.json("report", "products", *DAY, "--min-baskets", "1", "--top", "3")["pairs"]
    # hats and shoes (D on 11-10): 1 x 7 / (4 x 2) = 0.875, as apparel-hats: more baskets first;
    # hats and home (S4): 1 x 7 / (4 x 3) = 0.58, cut by --top 3.
    assert [(p["a"], p["b"], p["baskets"], p["lift"]) for p in pairs] == [
        ("apparel", "home", 2, 1.17),
        ("apparel", "hats", 2, 0.88),
        ("hats", "shoes", 1, 0.88),
    ]
    assert pairs[2] | {} == {
        "a": "hats", "b": "shoes", "baskets": 1, "a_baskets": 4, "b_baskets": 2,
        "support": 0.1429, "confidence_ab": 0.25, "confidence_ba": 0.5, "lift": 0.88,
    }  # fmt: skip


def test_a_member_against_the_shop(shop):
    data = shop.json("report", "products", *DAY, "--member", "13800000003")
    # C: S3 (apparel 50, home 30), S5 (25, no category), S7 (apparel 50, home 15) = 170.00.
    # index = (their revenue / 170) / (the shop's / 701)
    assert data["member"] == {
        "member_no": "M000003",
        "segment": None,
        "where": None,
        "buyers": 1,
        "purchases": 3,
        "revenue": "170.00",
        "rows": [
            # 100 / 170 = 0.5882; (100 / 170) / (257.5 / 701) = 1.6014
            {"category": "apparel", "item": None, "revenue": "100.00", "share": 0.5882,
             "shop_share": 0.3673, "index": 1.6, "purchases": 2},
            # 45 / 170 = 0.2647; (45 / 170) / (65 / 701) = 2.8548
            {"category": "home", "item": None, "revenue": "45.00", "share": 0.2647,
             "shop_share": 0.0927, "index": 2.85, "purchases": 2},
            # 25 / 170 = 0.1471; (25 / 170) / (121 / 701) = 0.8520
            {"category": None, "item": None, "revenue": "25.00", "share": 0.1471,
             "shop_share": 0.1726, "index": 0.85, "purchases": 1},
        ],
    }  # fmt: skip
    assert data["sellers"] == SELLERS  # the rest stays the shop's


def test_a_where_group_against_the_shop_with_a_limit(shop):
    data = shop.json("report", "products", *DAY, "--where", "store = south", "--limit", "2")
    # C (170.00) and D: I2 hats 12, I3 shoes 30, I6 20 (no category) = 62.00; 232.00 in all.
    group = data["member"]
    assert (group["where"], group["buyers"], group["purchases"], group["revenue"]) == (
        "store = south", 2, 6, "232.00",
    )  # fmt: skip
    # apparel 100 (100 / 232 = 0.431; / 0.36733 = 1.17), home 45 (0.194; / 0.09272 = 2.09), then
    # --limit 2 cuts shoes 30 and hats 12; no category 25 + 20 = 45 always shown, last.
    assert [(r["category"], r["revenue"], r["share"], r["index"]) for r in group["rows"]] == [
        ("apparel", "100.00", 0.431, 1.17),
        ("home", "45.00", 0.194, 2.09),
        (None, "45.00", 0.194, 1.12),  # (45 / 232) / (121 / 701) = 1.1237
    ]
    assert [s["category"] for s in data["sellers"]] == ["apparel", "hats", None]


def test_a_segment_against_the_shop(shop):
    assert shop("segment", "save", "金卡", "tier = gold").exit_code == 0
    group = shop.json("report", "products", *DAY, "--segment", "金卡")["member"]
    # B: S2 95.00 (apparel 47.50, hats 47.50), S6 76.00, I1 shoes 88.00 = 259.00
    assert (group["segment"], group["revenue"], group["purchases"]) == ("金卡", "259.00", 3)
    assert [(r["category"], r["revenue"], r["share"], r["index"]) for r in group["rows"]] == [
        ("shoes", "88.00", 0.3398, 2.02),  # (88 / 259) / (118 / 701) = 2.0185
        ("apparel", "47.50", 0.1834, 0.5),  # (47.5 / 259) / (257.5 / 701) = 0.4993
        ("hats", "47.50", 0.1834, 0.92),  # (47.5 / 259) / (139.5 / 701) = 0.9216
        (None, "76.00", 0.2934, 1.7),  # (76 / 259) / (121 / 701) = 1.7000, always last
    ]


def test_by_item_counts_the_sale_lines_only(shop):
    data = shop.json("report", "products", *DAY, "--by", "item")
    # The till sales with lines: S1 150 + S2 95 + S3 80 + S4 60 + S5 25 + S7 65 = 475.00 by A,
    # B, C. tee: 100 + 47.50 + 50 + 50; cap: 40 + 47.50 + 40; mug: 30 + 20 + 15.
    assert (data["revenue"], data["purchases"], data["buyers"], data["baskets"]) == (
        "475.00", 6, 3, 6,
    )  # fmt: skip
    assert data["sellers"] == [
        _seller(1, "apparel", "247.50", 0.5211, 3, 1.0, 1, 4, item="tee"),  # 247.5 / 475
        _seller(2, "hats", "127.50", 0.2684, 2, 0.6667, 2, 3, item="cap"),  # 127.5 / 475
        _seller(3, "home", "65.00", 0.1368, 2, 0.6667, 3, 3, item="mug"),  # 65 / 475
        _seller(4, None, "25.00", 0.0526, 1, 0.3333, 4, 1, item="gift"),  # 25 / 475
        _seller(5, "apparel", "10.00", 0.0211, 1, 0.3333, 5, 1, item="socks"),  # 10 / 475
    ]
    # 6 baskets (each sale); tee in 4, cap 3, mug 3: cap-tee (S1, S2) and mug-tee (S3, S7) in
    # 2, lift 2 x 6 / (3 x 4) = 1.00 both: by name.
    pairs = [(p["a"], p["b"], p["support"], p["confidence_ab"], p["lift"]) for p in data["pairs"]]
    assert pairs == [
        ("cap", "tee", 0.3333, 0.6667, 1.0),
        ("mug", "tee", 0.3333, 0.6667, 1.0),
    ]  # fmt: skip


def test_store_counts_the_purchases_made_there(shop):
    data = shop.json("report", "products", *DAY, "--store", "north")
    # S1 150 + S2 95 + S5 25 + S6 76 + S7 65 = 411.00 by A, B, C
    assert (data["store"], data["revenue"], data["purchases"], data["buyers"]) == (
        "north", "411.00", 5, 3,
    )  # fmt: skip
    # apparel 110 + 47.50 + 50 = 207.50; hats 40 + 47.50 = 87.50; home 15; none 25 + 76 = 101
    assert [(s["category"], s["revenue"]) for s in data["sellers"]] == [
        ("apparel", "207.50"), ("hats", "87.50"), ("home", "15.00"), (None, "101.00"),
    ]  # fmt: skip


def test_a_period_of_its_own(shop):
    data = shop.json("report", "products", "--from", "2026-10-01", "--to", "2026-11-10")
    # I4 500 (10-01), I2 12 and I3 30 (11-10)
    assert (data["start"], data["end"], data["revenue"], data["purchases"]) == (
        "2026-10-01", "2026-11-10", "542.00", 3,
    )  # fmt: skip
    assert [(s["category"], s["revenue"], s["buyers"]) for s in data["sellers"]] == [
        ("shoes", "530.00", 2), ("hats", "12.00", 1),
    ]  # fmt: skip
    # One basket with a category pair (D on 11-10), under the minimum of 2
    assert (data["baskets"], data["pairs"]) == (2, [])


def test_csv_is_the_sellers(shop):
    result = shop("report", "products", *DAY, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "rank", "category", "item", "revenue", "revenue_share", "buyers", "buyer_share",
        "buyers_rank", "purchases",
    ]  # fmt: skip
    assert rows[1] == ["1", "apparel", "", "257.50", "0.3673", "3", "0.75", "1", "4"]
    assert rows[5] == ["", "", "", "121.00", "0.1726", "3", "0.75", "", "3"]
    assert len(rows) == 6


def test_xlsx_and_ods_have_a_sheet_each_and_a_revenue_chart(shop, tmp_path):
    import openpyxl

    out = tmp_path / "products.xlsx"
    result = shop("report", "products", *DAY, "--member", "M000003", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["products", "sellers", "member", "pairs"]
    sellers = [list(row) for row in book["sellers"].iter_rows(values_only=True)]
    assert sellers[0] == [
        "category", "revenue", "revenue_share", "buyers", "buyer_share", "purchases", "rank",
        "buyers_rank",
    ]  # fmt: skip
    assert sellers[1] == ["apparel", 257.5, 0.3673, 3, 0.75, 4, 1, 1]
    assert sellers[5] == ["(no category)", 121.0, 0.1726, 3, 0.75, 3, None, None]
    assert len(book["sellers"]._charts) == 1
    overview = dict(book["products"].iter_rows(min_row=2, values_only=True))
    assert (overview["revenue"], overview["baskets"], overview["member_no"]) == (701, 7, "M000003")
    pairs = [list(row) for row in book["pairs"].iter_rows(values_only=True)]
    assert pairs[1] == ["apparel", "home", 2, 4, 3, 0.2857, 0.5, 0.6667, 1.17]
    ods = tmp_path / "products.ods"
    assert shop("report", "products", *DAY, "--out", str(ods)).exit_code == 0
    assert ods.stat().st_size > 0


def test_by_item_without_sale_lines_says_so(run):
    result = run("report", "products", *DAY, "--by", "item", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["sellers"] == []
    assert result.stderr.strip() == (
        "no sale lines in the period: --by item counts the items of sales rung up item by item "
        "(sale record --item); --by category counts every purchase"
    )


def test_empty_database(run, tmp_path):
    assert run.json("report", "products", *DAY) == {
        "start": "2026-10-27", "end": "2026-11-25", "by": "category", "store": None,
        "revenue": "0.00", "purchases": 0, "buyers": 0, "baskets": 0, "min_baskets": 2,
        "sellers": [], "member": None, "pairs": [],
    }  # fmt: skip
    table = run("report", "products", *DAY)
    assert table.exit_code == 0 and "Best sellers by category" in table.stdout
    header = run("report", "products", *DAY, "-f", "csv").stdout.splitlines()
    assert header == [
        "rank,category,item,revenue,revenue_share,buyers,buyer_share,buyers_rank,purchases"
    ]
    out = tmp_path / "empty.xlsx"
    assert run("report", "products", *DAY, "--out", str(out)).exit_code == 0


HELP = " (see 'memberctl report products --help')"


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (["--from", "2026-11-10", "--to", "2026-11-01"], 2,
         "error: --from 2026-11-10 is after --to 2026-11-01; give --from on or before --to"),
        (["--member", "M000099"], 3,
         "error: no member 'M000099'; give a member number such as M000001 or the member's "
         "phone number"),
        (["--member", "M000001", "--segment", "金卡"], 2,
         "error: give --member, or --segment and --where, not both; compare one member, or a "
         "group of members, with the shop"),
        (["--where", "store = south", "--member", "M000001"], 2,
         "error: give --member, or --segment and --where, not both; compare one member, or a "
         "group of members, with the shop"),
        (["--store", "east"], 3,
         "error: no store 'east' (the stores are: north, south); check the spelling, or add it: "
         "memberctl store add CODE --name NAME"),
        (["--segment", "nosuch"], 3, "error: no segment 'nosuch'; save one with segment save"),
        (["--where", "spend >"], 2, None),  # the filter language's own message
        (["--by", "sku"], 2,
         "error: Invalid value for '--by': Value error, 'sku' is not one of 'category', "
         "'item'." + HELP),
        (["--top", "0"], 2,
         "error: Invalid value for '--top': Input should be greater than or equal to 1" + HELP),
        (["--min-baskets", "0"], 2,
         "error: Invalid value for '--min-baskets': Input should be greater than or equal to 1"
         + HELP),
        (["-f", "xlsx"], 2, "error: --format xlsx needs --out FILE; e.g. --out report.xlsx"),
    ],
)  # fmt: skip
def test_bad_input(shop, args, code, line):
    result = shop("report", "products", *DAY, *args)
    assert result.exit_code == code, result.stderr
    assert error_line(result) == (line or error_line(shop("member", "list", "--where", "spend >")))


def _staff(engine, name: str, role: str, stores: tuple[str, ...]) -> str:
    from sqlalchemy import insert

    from memberctl.domain import sessions
    from memberctl.models import Staff, StaffStore
    from tests.conftest import NOW

    with engine.begin() as connection:
        staff_id = connection.execute(
            insert(Staff.__table__).values(  # type: ignore[attr-defined]
                name=name, role=role, password_hash="x", created_at=NOW
            )
        ).inserted_primary_key[0]
        for store in stores:
            connection.execute(
                insert(StaffStore.__table__).values(staff_id=staff_id, store=store)  # type: ignore[attr-defined]
            )
        return sessions.issue(connection, staff_id=staff_id, kind="login")


def test_a_clerk_may_not_and_a_manager_sees_their_stores_members(shop, engine):
    clerk = _staff(engine, "clerk1", "clerk", ("north",))
    manager = _staff(engine, "mgr1", "manager", ("north",))

    def as_(token, *args):
        env = {"MEMBERCTL_TOKEN": token, "MEMBERCTL_OPERATOR": None}
        return shop("report", "products", *DAY, *args, env=env)

    refused = as_(clerk)
    assert refused.exit_code == 6
    assert error_line(refused) == (
        "error: 'memberctl report products' needs a manager, a job token or the owner; clerk1 is "
        "a clerk; ask someone with that role, or log in as them with 'memberctl login'"
    )
    seen = as_(manager, "-f", "json")
    assert seen.exit_code == 0, seen.stderr
    data = json.loads(seen.stdout)
    # A and B (north's members): S1 150 + S2 95 + S4 60 + S6 76 + I1 88 = 469.00
    assert (data["revenue"], data["buyers"], data["purchases"]) == ("469.00", 2, 5)
    outside = as_(manager, "--store", "south")
    assert outside.exit_code == 6
    assert error_line(outside) == (
        "error: mgr1 works in north, not in south; ask the owner to add the store with "
        "'memberctl staff stores NAME --add STORE' or use your own store"
    )
    assert as_(manager, "--member", "M000003").exit_code == 6  # C is south's


NAMES = ['a"b', "c\\d", "[x]", "e,f", "咖啡", "null", "Zebra", "zebra"]


def test_pairs_of_many_baskets_with_names_json_would_mangle(run, tmp_path):
    """Baskets (a member's purchases of a day) counted against the same counts made here from
    the file: every pair, each side, the number of baskets. Names with quotes, backslashes,
    brackets, commas, "null" and two cases of one word survive the grouping by what a basket
    holds (SQLite carries a basket's names as a JSON array)."""
    import random

    chosen = random.Random(20)
    for n in range(1, 7):
        phone = f"1380000000{n}"
        assert run("member", "enroll", "--name", f"m{n}", "--phone", phone).exit_code == 0
    rows, baskets = [], {}
    for order in range(150):
        member, day = chosen.randint(1, 6), chosen.randint(1, 5)
        name = chosen.choice(NAMES)
        rows.append([f"O{order}", "10.00", f"2026-11-{day:02d} 10:00", f"M00000{member}", name])
        baskets.setdefault((member, day), set()).add(name)
    sheet = io.StringIO()
    csv.writer(sheet).writerows([["订单号", "金额", "时间", "会员卡号", "品类"], *rows])
    path = tmp_path / "purchases.csv"
    path.write_text(sheet.getvalue(), encoding="utf-8")
    assert run("import", "purchases", str(path)).exit_code == 0
    args = ("--from", "2026-11-01", "--to", "2026-11-05", "--min-baskets", "1", "--top", "100")
    data = json.loads(run("report", "products", *args, "-f", "json").stdout)
    held = {name: sum(name in b for b in baskets.values()) for name in NAMES}
    expected = {
        (a, b): (sum({a, b} <= held_ for held_ in baskets.values()), held[a], held[b])
        for a in NAMES
        for b in NAMES
        if a < b and any({a, b} <= held_ for held_ in baskets.values())
    }
    assert data["baskets"] == len(baskets) == 30
    found = {
        (p["a"], p["b"]): (p["baskets"], p["a_baskets"], p["b_baskets"]) for p in data["pairs"]
    }
    assert found == expected and len(found) == 28
    lifts = [p["lift"] for p in data["pairs"]]
    assert lifts == sorted(lifts, reverse=True)
