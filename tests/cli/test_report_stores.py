"""`memberctl report stores` through the real CLI, on SQLite or PostgreSQL.

A shop of three stores, north (North), south (South) and east (East), built here: members
through `member enroll`, purchases through `purchase record` (one refunded by `purchase refund`)
and one sale as the till writes it (tests/sales.py). The period is 2026-11-01 to 2026-11-25.

| member | home  | joined     | purchases (store, day, amount; R refunded, * outside the period) |
|--------|-------|------------|------------------------------------------------------------------|
| A      | north | 2026-01-10 | north 11-02 100.00, north 11-10 50.00, south 11-12 30.00         |
| B      | north | 2026-11-05 | north 11-06 200.00, north 11-07 80.00 R                          |
| C      | south | 2026-11-20 | south 11-21 120.00, north 11-22 60.00 (a till sale)              |
| D      | south | 2025-05-01 | south 11-03 90.00, south 11-24 10.00, south 10-20 500.00 *,     |
|        |       |            | south 11-26 70.00 *                                              |
| E      | -     | 2026-11-10 | no store 11-15 40.00, north 11-16 25.00                          |
| F      | east  | 2026-10-01 | -                                                                |
| G      | east  | 2026-11-26 | - (joined after the period)                                      |

By hand, sales where made (refund and * left out), members by home store:

| store    | revenue | purch. | buyers  | avg    | repeat     | visitors   | new | members |
|----------|---------|--------|---------|--------|------------|------------|-----|---------|
| east     | 0.00    | 0      | 0       | 0.00   | 0 (0)      | 0 (0)      | 0   | 1 (F)   |
| north    | 435.00  | 5      | A B C E | 87.00  | A (0.25)   | C (0.25)   | B   | 2 (A B) |
| south    | 250.00  | 4      | A C D   | 62.50  | D (0.3333) | A (0.3333) | C   | 2 (C D) |
| no store | 40.00   | 1      | E       | 40.00  | 0 (0)      | null       | E   | 1 (E)   |
| total    | 725.00  | 10     | 5       | 72.50  | A C D E    | A C (0.4)  | 3   | 6       |

north: A 100 + A 50 + B 200 + C 60 + E 25; south: A 30 + C 120 + D 90 + D 10. E has no home
store, so is nobody's visitor. In all, A (3 purchases), C (2), D (2) and E (2) bought twice or
more: 4 of 5 (0.8, as `report kpi`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from memberctl.db.session import transaction
from memberctl.models import Purchase
from tests.cli.test_staff_scope import _staff
from tests.conftest import Run, failure
from tests.sales import add_sale, add_store

HELP = " (see 'memberctl report stores --help')"
PERIOD = ("--from", "2026-11-01", "--to", "2026-11-25")
MEMBERS = [  # name, phone, home store, joined
    ("甲A", "13800000001", "north", "2026-01-10"),
    ("乙B", "13800000002", "north", "2026-11-05"),
    ("丙C", "13800000003", "south", "2026-11-20"),
    ("丁D", "13800000004", "south", "2025-05-01"),
    ("戊E", "13800000005", None, "2026-11-10"),
    ("己F", "13800000006", "east", "2026-10-01"),
    ("庚G", "13800000007", "east", "2026-11-26"),
]
PURCHASES = [  # member_no, store, at, amount, order
    ("M000001", "north", "2026-11-02 10:00", "100.00", "N1"),
    ("M000001", "north", "2026-11-10 10:00", "50.00", "N2"),
    ("M000001", "south", "2026-11-12 10:00", "30.00", "S1"),
    ("M000002", "north", "2026-11-06 10:00", "200.00", "N3"),
    ("M000002", "north", "2026-11-07 10:00", "80.00", "N4"),  # refunded below
    ("M000003", "south", "2026-11-21 10:00", "120.00", "S2"),
    ("M000004", "south", "2026-11-03 10:00", "90.00", "S3"),
    ("M000004", "south", "2026-11-24 23:59", "10.00", "S4"),
    ("M000004", "south", "2026-10-20 10:00", "500.00", "S5"),  # before the period
    ("M000004", "south", "2026-11-26 00:00", "70.00", "S6"),  # after it
    ("M000005", None, "2026-11-15 10:00", "40.00", "X1"),
    ("M000005", "north", "2026-11-16 10:00", "25.00", "N5"),
]


def build_shop(run: Run, engine: Engine) -> None:
    with transaction(engine) as session:
        for code in ("north", "south", "east"):
            add_store(session, code, code.capitalize())
    for name, phone, store, joined in MEMBERS:
        extra = ("--store", store) if store else ()
        done = run("member", "enroll", "--name", name, "--phone", phone, *extra,
                   "--joined-at", f"{joined}T09:00:00")  # fmt: skip
        assert done.exit_code == 0, done.stderr
    for member_no, store, at, amount, order in PURCHASES:
        extra = ("--store", store) if store else ()
        done = run("purchase", "record", member_no, amount, "--order-no", order, *extra,
                   "--at", at.replace(" ", "T"))  # fmt: skip
        assert done.exit_code == 0, done.stderr
    assert run("purchase", "refund", "N4", "--store", "north").exit_code == 0
    with transaction(engine) as session:
        add_sale(
            session, member_no="M000003", order_no="T1", store="north",
            at=dt.datetime(2026, 11, 22, 15, 0), list_total="60.00", pay_method="cash",
            points_earned=60,
        )  # fmt: skip


@pytest.fixture
def shop(run, engine) -> None:
    build_shop(run, engine)


def _row(store, name, revenue, purchases, buyers, average, repeat, rate, visitors, share, new,
         members):  # fmt: skip
    return {
        "store": store, "name": name, "revenue": revenue, "purchases": purchases,
        "buyers": buyers, "average_order": average, "repeat_buyers": repeat,
        "repurchase_rate": rate, "visitors": visitors, "visitor_share": share,
        "new_home_members": new, "home_members": members,
    }  # fmt: skip


EAST = _row("east", "East", "0.00", 0, 0, "0.00", 0, 0.0, 0, 0.0, 0, 1)
NORTH = _row("north", "North", "435.00", 5, 4, "87.00", 1, 0.25, 1, 0.25, 1, 2)
SOUTH = _row("south", "South", "250.00", 4, 3, "62.50", 1, 0.3333, 1, 0.3333, 1, 2)
NO_STORE = _row(None, None, "40.00", 1, 1, "40.00", 0, 0.0, None, None, 1, 1)
TOTAL = _row(None, None, "725.00", 10, 5, "72.50", 4, 0.8, 2, 0.4, 3, 6)


@pytest.mark.usefixtures("shop")
def test_the_shop_by_hand(run):
    assert run.json("report", "stores", *PERIOD) == {
        "start": "2026-11-01",
        "end": "2026-11-25",
        "stores": [EAST, NORTH, SOUTH, NO_STORE],
        "total": TOTAL,
    }


@pytest.mark.usefixtures("shop")
def test_the_total_is_report_kpi_for_the_whole_shop(run):
    kpi = run.json("report", "kpi", *PERIOD)
    total = run.json("report", "stores", *PERIOD)["total"]
    assert (total["buyers"], total["repurchase_rate"], total["average_order"]) == (
        kpi["active_members"],
        kpi["repurchase_rate"],
        kpi["average_order_value"],
    )
    assert (total["purchases"], total["revenue"], total["new_home_members"]) == (
        kpi["purchases"],
        kpi["revenue"],
        kpi["new_members"],
    )


@pytest.mark.usefixtures("shop")
def test_the_default_period_is_kpis_the_30_days_up_to_as_of(run):
    data = run.json("report", "stores", "--as-of", "2026-11-25")
    assert (data["start"], data["end"]) == ("2026-10-27", "2026-11-25")
    assert data == run.json("report", "stores", "--from", "2026-10-27", "--to", "2026-11-25")
    assert data["stores"][2]["revenue"] == "250.00"  # D's 10-20 still before 10-27
    later = run.json("report", "stores", "--as-of", "2026-11-26")["stores"]
    assert (later[2]["revenue"], later[2]["purchases"]) == ("320.00", 5)  # + D's 11-26 70.00
    assert (later[0]["new_home_members"], later[0]["home_members"]) == (1, 2)  # G joined 11-26


@pytest.mark.usefixtures("shop")
def test_one_day(run):
    data = run.json("report", "stores", "--from", "2026-11-22", "--to", "2026-11-22")
    north = data["stores"][1]
    assert north == _row("north", "North", "60.00", 1, 1, "60.00", 0, 0.0, 1, 1.0, 0, 2)
    assert [r["store"] for r in data["stores"]] == ["east", "north", "south", None]  # E: no store
    assert data["total"]["revenue"] == "60.00"


@pytest.mark.usefixtures("shop")
def test_one_store_by_name(run):
    data = run.json("report", "stores", *PERIOD, "--store", "South")
    assert data["stores"] == [SOUTH]
    # the total of one store: its buyers, their purchases there
    assert data["total"] == _row(None, None, "250.00", 4, 3, "62.50", 1, 0.3333, 1, 0.3333, 1, 2)


@pytest.mark.usefixtures("shop")
def test_where_keeps_the_buyers_and_members_matching(run):
    data = run.json("report", "stores", *PERIOD, "--where", "store = north")
    rows = {r["store"]: r for r in data["stores"]}
    assert list(rows) == ["east", "north", "south"]  # nothing of no store among north's members
    assert rows["north"] == _row("north", "North", "350.00", 3, 2, "116.67", 1, 0.5, 0, 0.0, 1, 2)
    assert rows["south"] == _row("south", "South", "30.00", 1, 1, "30.00", 0, 0.0, 1, 1.0, 0, 0)
    assert rows["east"] == _row("east", "East", "0.00", 0, 0, "0.00", 0, 0.0, 0, 0.0, 0, 0)
    assert run("segment", "save", "north", "store = north").exit_code == 0
    assert run.json("report", "stores", *PERIOD, "--segment", "north") == data


@pytest.mark.usefixtures("shop")
def test_csv_has_a_row_per_store_then_the_total(run, tmp_path):
    result = run("report", "stores", *PERIOD, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["row", "start", "end", *NORTH]
    assert [(r["row"], r["store"], r["revenue"], r["visitors"]) for r in rows] == [
        ("store", "east", "0.00", "0"),
        ("store", "north", "435.00", "1"),
        ("store", "south", "250.00", "1"),
        ("no_store", "", "40.00", ""),
        ("total", "", "725.00", "2"),
    ]
    assert rows[-1]["repurchase_rate"] == "0.8" and rows[1]["start"] == "2026-11-01"
    out = tmp_path / "stores.csv"
    assert run("report", "stores", *PERIOD, "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == "\ufeff" + result.stdout


@pytest.mark.usefixtures("shop")
def test_xlsx_has_the_stores_a_revenue_chart_and_the_total(run, tmp_path):
    import openpyxl

    out = tmp_path / "stores.xlsx"
    result = run("report", "stores", *PERIOD, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote {out} (sheets: stores, total)\n"
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["stores", "total"]
    sheet = book["stores"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(NORTH)
    assert [r[:5] for r in rows[1:]] == [
        ("east", "East", 0, 0, 0),
        ("north", "North", 435, 5, 4),
        ("south", "South", 250, 4, 3),
        ("(no store)", None, 40, 1, 1),
    ]
    (chart,) = sheet._charts
    assert chart.series[0].val.numRef.f == "'stores'!$C$2:$C$5"  # revenue, one bar per store
    total = dict(book["total"].iter_rows(min_row=2, values_only=True))
    assert total["start"] == dt.datetime(2026, 11, 1) and total["revenue"] == 725
    assert (total["buyers"], total["repurchase_rate"], total["visitors"]) == (5, 0.8, 2)


@pytest.mark.usefixtures("shop")
def test_ods_has_the_same_sheets(run, tmp_path):
    out = tmp_path / "stores.ods"
    result = run("report", "stores", *PERIOD, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote {out} (sheets: stores, total)\n"
    import pandas

    sheets = pandas.read_excel(out, sheet_name=None, engine="odf")
    assert list(sheets) == ["stores", "total"]
    assert list(sheets["stores"]["store"]) == ["east", "north", "south", "(no store)"]
    assert [str(v) for v in sheets["stores"]["revenue"]] == ["0", "435", "250", "40"]


def test_an_empty_database(run):
    assert run.json("report", "stores", "--as-of", "2026-11-25") == {
        "start": "2026-10-27",
        "end": "2026-11-25",
        "stores": [],
        "total": _row(None, None, "0.00", 0, 0, "0.00", 0, 0.0, 0, 0.0, 0, 0),
    }
    result = run("report", "stores", "--as-of", "2026-11-25", "-f", "csv")
    assert result.stdout.splitlines()[1:] == [
        "total,2026-10-27,2026-11-25,,,0.00,0,0,0.00,0,0.0,0,0.0,0,0"
    ]


def test_stores_without_activity_each_have_a_row_and_nothing_of_no_store_none(run, engine):
    with transaction(engine) as session:
        add_store(session, "b", "Beta")
        add_store(session, "a", "Alpha")
    data = run.json("report", "stores", "--as-of", "2026-11-25")
    assert [(r["store"], r["name"], r["revenue"]) for r in data["stores"]] == [
        ("a", "Alpha", "0.00"),
        ("b", "Beta", "0.00"),
    ]


def test_a_store_code_that_is_not_registered_still_has_its_row(run, engine):
    """Written around the CLI (an old database, a script): shown by its code, with no name."""
    joined = ("--joined-at", "2026-11-01T09:00:00")
    assert run("member", "enroll", "--name", "甲", "--phone", "13800000001", *joined).exit_code == 0
    with engine.begin() as connection:
        connection.execute(
            insert(Purchase.__table__).values(  # type: ignore[attr-defined]
                member_id=1,
                order_no="W1",
                store="west",
                amount=Decimal("9.90"),
                at=dt.datetime(2026, 11, 20, 10),
                points_earned=0,
                operator="script",
                created_at=dt.datetime(2026, 11, 20, 10),
            )  # fmt: skip
        )
    data = run.json("report", "stores", "--as-of", "2026-11-25")
    assert [(r["store"], r["name"], r["revenue"], r["visitors"]) for r in data["stores"]] == [
        ("west", None, "9.90", 0),  # 甲 has no home store: no visitor
        (None, None, "0.00", None),  # 甲, a member of no store
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--from", "2026-11-10", "--to", "2026-11-01"),
         "error: --from 2026-11-10 is after --to 2026-11-01; give --from on or before --to"),
        (("--from", "2026-02-30"),
         "error: Invalid value for '--from': Value error, '2026-02-30' does not match the formats "
         f"'%Y-%m-%d'.{HELP}"),
        (("--to", "yesterday"),
         "error: Invalid value for '--to': Value error, 'yesterday' does not match the formats "
         f"'%Y-%m-%d'.{HELP}"),
        (("--from", "0001-01-01"),
         f"error: Invalid value for '--from': the day must be from 1900-01-01 to 9899-12-31{HELP}"),
        (("--as-of", "26-11-25"),
         "error: Invalid value for '--as-of': Value error, '26-11-25' does not match the formats "
         f"'%Y-%m-%d'.{HELP}"),
        (("--where", "tier ="), None),
        (("-f", "xlsx"), "error: --format xlsx needs --out FILE; e.g. --out report.xlsx"),
    ],
)  # fmt: skip
def test_bad_input_is_a_usage_error(run, args, line):
    result = run("report", "stores", *args)
    got = failure(result, 2)
    if line is not None:
        assert got == line


def test_an_unknown_store_is_not_found(run, engine):
    with transaction(engine) as session:
        add_store(session, "north", "North")
    failure(
        run("report", "stores", "--store", "nroth"),
        3,
        "error: no store 'nroth' (the stores are: north North)",
    )


# -- staff -------------------------------------------------------------------------------------
@pytest.fixture
def tokens(shop, engine) -> dict[str, str]:  # noqa: ARG001  (shop: the stores and sales)
    return {
        "clerk": _staff(engine, "clerk1", "clerk", ("north",)),
        "manager": _staff(engine, "manager1", "manager", ("north",)),
        "owner": _staff(engine, "boss", "owner", ()),
        "job": _staff(engine, "nightly", "job", ()),
    }


def _as(run: Run, token: str, *args: str):
    return run(*args, env={"MEMBERCTL_TOKEN": token, "MEMBERCTL_OPERATOR": None})  # type: ignore[dict-item]


def test_a_manager_sees_their_stores_and_no_store_with_every_buyer_there(run, tokens):
    import json

    result = _as(run, tokens["manager"], "report", "stores", *PERIOD, "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["stores"] == [NORTH, NO_STORE]  # C, a visitor from south, counted in north
    # north and no store: A 2, B 1, C 1, E 2 purchases (E's 40.00 and 25.00); C a visitor
    assert data["total"] == _row(None, None, "475.00", 6, 4, "79.17", 2, 0.5, 1, 0.25, 2, 3)
    one = json.loads(_as(run, tokens["manager"], "report", "stores", *PERIOD, "--store",
                         "north", "-f", "json").stdout)  # fmt: skip
    assert one["stores"] == [NORTH]
    for who in ("owner", "job"):
        result = _as(run, tokens[who], "report", "stores", *PERIOD, "-f", "json")
        assert json.loads(result.stdout)["total"] == TOTAL, who


def test_a_manager_naming_another_store_is_refused(run, tokens):
    failure(
        _as(run, tokens["manager"], "report", "stores", "--store", "south"),
        6,
        "error: manager1 works in north, not in south",
    )


def test_a_clerk_may_not_run_it(run, tokens):
    failure(_as(run, tokens["clerk"], "report", "stores"), 6, "report stores")
