"""Report speed over a large shop on SQLite (a plain script, not a test).

    python benchmarks/reports.py [--members 200000] [--purchases 2000000] [--keep FILE]
                                 [--plans] [--lifetimes]

Builds a fresh SQLite file (or reuses `--keep FILE` when it exists) with `--members` members,
`--purchases` purchases over three years (2% refunded), a points ledger row for every other
purchase, a wallet row for every third member, a campaign that reached a quarter of the
members with points and coupons, and one member in ten referred by another, all with INSERT ...
SELECT from recursive CTEs (a few minutes on a busy 2-core machine). Each report is timed twice:
`--purchases` purchases over three years (2% refunded; made in 20 stores, a seventh of them
outside the buyer's home store, one in 101 in no store), a points ledger row for every other
purchase, a wallet row for every third member and a campaign that reached a quarter of the
members with points and coupons, all with INSERT ... SELECT from recursive CTEs (a few minutes
on a busy 2-core machine). Then each report is timed twice:

- build: the domain function (the SQL and shaping into rows), in this process, median of 3;
- CLI: `memberctl report NAME -f json` end to end in a fresh process (imports, JSON, stdout).

`--lifetimes` spreads each member's purchases over a lifetime of their own instead of the three
years (see LIFETIMES), as the forecast needs: on the uniform spread nobody ever leaves and the
forecast refuses (exit 4). Target: each under 5 s (`report forecast`, which fits its models on
every member's history: 10 s). `--plans` prints SQLite's EXPLAIN QUERY PLAN for every statement
a report runs and flags full table scans. Record the table in README.md ("Measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.db.session import transaction
from memberctl.domain import reports
from memberctl.domain.reports import (
    birthdays,
    by_store,
    campaign,
    churn,
    forecast,
    growth,
    kpi,
    liability,
    products,
    referrals,
    rfm,
    summary,
    upgrades,
)

AS_OF = dt.date(2026, 11, 25)
TARGET = 5.0

REPORTS = {
    "summary": lambda s, sc: summary.build(session=s, scope=sc),
    "growth": lambda s, sc: growth.build(session=s, scope=sc),
    "rfm": lambda s, sc: rfm.build(session=s, scope=sc),
    "churn": lambda s, sc: churn.build(session=s, scope=sc),
    "upgrades": lambda s, sc: upgrades.build(session=s, scope=sc),
    "birthdays": lambda s, sc: birthdays.build(session=s, scope=sc),
    "kpi": lambda s, sc: kpi.build(session=s, scope=sc),
    "liability": lambda s, sc: liability.build(session=s, scope=sc),
    "campaign": lambda s, sc: campaign.build(session=s, scope=sc, code="bench"),
    "referrals": lambda s, sc: referrals.build(session=s, scope=sc),
    "stores": lambda s, sc: by_store.build(session=s, scope=sc),
    "products": lambda s, sc: products.build(session=s, scope=sc),
    "forecast": lambda s, sc: forecast.build(session=s, scope=sc),
}
# Each report's own target where it is not TARGET: the forecast fits two models on the whole
# shop's history (the budget for fit and scoring: 10 s).
TARGETS = {"forecast": 10.0}

COUNTER = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count}) "
MEMBERS = (
    "INSERT INTO member (member_no, name, phone, gender, birthday, tier_code, status, points,"
    " balance, store, joined_at, created_at, updated_at, opt_out) "
    + COUNTER
    + "SELECT printf('M%07d', n), 'member ' || n, printf('+86139%08d', n),"
    " CASE n % 3 WHEN 0 THEN 'male' WHEN 1 THEN 'female' END,"
    " CASE WHEN n % 10 < 9 THEN date('1960-01-01', '+' || (n * 37 % 16000) || ' days') END,"
    " CASE WHEN n % 10 < 6 THEN 'basic' WHEN n % 10 < 8 THEN 'silver' WHEN n % 10 < 9 THEN 'gold'"
    "  ELSE 'platinum' END,"
    " CASE WHEN n % 20 = 0 THEN 'cancelled' WHEN n % 20 = 1 THEN 'frozen' ELSE 'active' END,"
    " 0, 0, 'store-' || (n % 20),"
    " datetime('2022-01-01', '+' || (n * 13 % 1790) || ' days') || '.000000',"
    " datetime('2022-01-01') || '.000000', datetime('2022-01-01') || '.000000', 0 FROM c"
)
PURCHASES = (
    "INSERT INTO purchase (member_id, order_no, store, amount, at, points_earned, refunded_at,"
    " operator, created_at) "
    + COUNTER
    + ", p(n, member_id, at) AS (SELECT n, (n * 7919) % {members} + 1,"
    " datetime('2023-11-26', '+' || ((n * 2654435761) % 94608000) || ' seconds') FROM c) "
    # the buyer's home store (member n's is store-(n % 20)), the next one for every seventh
    # purchase (visitors), no store for one in 101
    "SELECT member_id, 'B' || n, CASE WHEN n % 101 = 0 THEN '' ELSE 'store-' ||"
    " ((member_id + CASE WHEN n % 7 = 0 THEN 1 ELSE 0 END) % 20) END,"
    " ((n * 31) % 50000) / 100.0 + 1, at || '.000000', 0,"
    " CASE WHEN n % 50 = 0 THEN datetime(at, '+1 day') || '.000000' END, 'bench',"
    " at || '.000000' FROM p"
)
# --lifetimes: members buy unevenly often (member u^2 * members for a uniform u: the first ones
# most), each from a start of their own (0 to 18 months after 2023-11-26) until a drop-out day of
# their own (somewhere up to 2026-11-25), purchases spread evenly in between; so the shop's
# history holds customers who left, at different rates. On the uniform spread above nobody
# leaves, and the forecast's models find no fit there (exit 4).
LIFETIMES = (
    "INSERT INTO purchase (member_id, order_no, store, amount, at, points_earned, refunded_at,"
    " operator, created_at) "
    + COUNTER
    + ", p(n, member_id, u) AS (SELECT n, CAST({members} * (((n * 7919) % 1000003) / 1000003.0)"
    " * (((n * 7919) % 1000003) / 1000003.0) AS INTEGER) + 1,"
    " ((n * 2654435761) % 94608000) / 94608000.0 FROM c),"
    " q(n, member_id, at) AS (SELECT n, member_id, datetime('2023-11-26', '+' || CAST("
    "(s + u * life * (1 - s)) * 94608000 AS INTEGER) || ' seconds') FROM (SELECT n, member_id, u,"
    " ((member_id * 16807) % 1000) / 2000.0 AS s, ((member_id * 48271) % 1000 + 1) / 1000.0"
    " AS life FROM p)) "
    "SELECT member_id, 'B' || n, '', ((n * 31) % 50000) / 100.0 + 1, at || '.000000', 0,"
    " CASE WHEN n % 50 = 0 THEN datetime(at, '+1 day') || '.000000' END, 'bench',"
    " at || '.000000' FROM q"
)
POINTS = (
    "INSERT INTO points_entry (member_id, kind, points, operator, at, purchase_id) "
    "SELECT member_id, 'earn', CAST(amount AS INTEGER), 'bench', at, id FROM purchase"
    " WHERE id % 2 = 0 AND refunded_at IS NULL"
)
STORES = (
    "INSERT INTO store (code, name, created_at)"
    " SELECT DISTINCT store, store, '2022-01-01 00:00:00.000000' FROM member"
)
WALLET = (
    "INSERT INTO wallet_entry (member_id, kind, amount, operator, at) "
    "SELECT id, 'topup', (id % 500) + 0.5, 'bench', joined_at FROM member WHERE id % 3 = 0"
)
# One member in ten was referred, by an earlier member (a few referrers bring many).
REFERRERS = (
    "UPDATE member SET referrer_id = ((id * 7919) % (id - 1)) % 2000 + 1"
    " WHERE id % 10 = 3 AND id > 1"
)
CACHES = (
    "UPDATE member SET"
    " points = coalesce((SELECT sum(points) FROM points_entry e WHERE e.member_id = member.id), 0),"
    " balance = coalesce((SELECT sum(amount) FROM wallet_entry w WHERE w.member_id = member.id), 0)"
)
CAMPAIGN = [
    "INSERT INTO campaign (id, code, name, action, period, where_expr, version, definition,"
    " created_at, updated_at) VALUES (1, 'bench', 'bench', 'award_points', 'once', 'points > 0',"
    " 1, '{}', '2026-10-01 00:00:00.000000', '2026-10-01 00:00:00.000000')",
    "INSERT INTO campaign_run (id, campaign_id, period_key, as_of, targeted, awarded,"
    " already_awarded, points, coupons, operator, at) VALUES (1, 1, 'once', '2026-10-01', 0, 0,"
    " 0, 0, 0, 'bench', '2026-10-01 23:59:59.000000')",
    "INSERT INTO campaign_award (campaign_id, period_key, member_id, run_id)"
    " SELECT 1, 'once', id, 1 FROM member WHERE id % 4 = 0",
    "INSERT INTO points_entry (member_id, kind, points, operator, at, campaign_run_id)"
    " SELECT member_id, 'campaign', 100, 'bench', '2026-10-01 23:59:59.000000', 1"
    " FROM campaign_award",
    "INSERT INTO coupon (code, member_id, campaign_id, run_id, value, valid_from, valid_to,"
    " weekdays_only, no_holidays, redeemed_at, created_at)"
    " SELECT printf('C%09d', member_id), member_id, 1, 1, 20, '2026-10-01', '2026-10-30', 0, 0,"
    " CASE WHEN member_id % 3 = 0 THEN '2026-10-10 12:00:00.000000' END,"
    " '2026-10-01 23:59:59.000000' FROM campaign_award",
]

# report products: a category on 7 purchases in 8 (10 categories), and every fifth purchase a
# till sale of two lines (60% and 40% of its amount) of 200 items, each item in one category.
LINE = (
    "SELECT id, {n}, 'item-' || {item}, 'item-' || {item}, 'category-' || ({item} % 10), 1,"
    " {amount}, {amount} FROM sale"
)
FIRST = "round(list_total * 0.6, 2)"
PRODUCTS = [
    "UPDATE purchase SET category = CASE WHEN id % 8 <> 0 THEN 'category-' || (id * 7 % 10) END",
    "INSERT INTO sale (purchase_id, list_total, price_factor, tier_discount, coupon_value,"
    " points_used, points_value, wallet_paid, tendered, pay_method, created_at)"
    " SELECT id, amount, 1.00, 0, 0, 0, 0, 0, amount, 'cash', created_at FROM purchase"
    " WHERE id % 5 = 0",
    "INSERT INTO sale_line (sale_id, line_no, sku, name, category, quantity, unit_price, amount) "
    + LINE.format(n=1, item="((id * 31) % 200)", amount=FIRST)
    + " UNION ALL "
    + LINE.format(n=2, item="((id * 17 + 5) % 200)", amount=f"list_total - {FIRST}"),
]


def build(path: Path, members: int, purchases: int, lifetimes: bool = False) -> None:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.exec_driver_sql(MEMBERS.format(count=members))
        spread = LIFETIMES if lifetimes else PURCHASES
        connection.exec_driver_sql(spread.format(count=purchases, members=members))
        connection.exec_driver_sql(POINTS)
        connection.exec_driver_sql(STORES)
        connection.exec_driver_sql(WALLET)
        connection.exec_driver_sql(REFERRERS)
        for statement in CAMPAIGN:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql(CACHES)
        for statement in PRODUCTS:
            connection.exec_driver_sql(statement)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(
        f"built {members:,} members, {purchases:,} purchases in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def time_build(engine, name: str, repeat: int = 3) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        with transaction(engine, write=False) as session:
            started = time.perf_counter()
            scope = reports.scope(session, as_of=AS_OF)
            data = REPORTS[name](session, scope)
            times.append(time.perf_counter() - started)
        size = _rows(data)
    return statistics.median(times), size


def _rows(data: object) -> int:
    """A list report's rows, an object report's main list (its members, referrers, sellers or
    stores), else 1."""
    if isinstance(data, list):
        return len(data)
    for name in ("members", "referrers", "sellers", "stores"):
        value = getattr(data, name, None)
        if isinstance(value, list):
            return len(value)
    return 1


def time_cli(path: Path, name: str) -> float:
    args = [name, "bench"] if name == "campaign" else [name]
    env = {**os.environ, "MEMBERCTL_NO_INPUT": "1"}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "memberctl",
            "--db",
            str(path),
            "report",
            *args,
            "--as-of",
            AS_OF.isoformat(),
            "-f",
            "json",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    return time.perf_counter() - started


def plans(engine, name: str) -> None:
    """EXPLAIN QUERY PLAN of every statement the report runs; full scans are flagged."""
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        time_build(engine, name, repeat=1)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    raw = engine.raw_connection()
    try:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            print(f"-- {name}: {' '.join(statement.split())[:160]}")
            for row in rows:
                detail = row[-1]
                flag = (
                    "  <-- full scan" if detail.startswith("SCAN") and "INDEX" not in detail else ""
                )
                print(f"     {detail}{flag}")
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--purchases", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="database file to build once and reuse")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument("--only", nargs="*", default=list(REPORTS))
    parser.add_argument(
        "--lifetimes", action="store_true", help="purchases with drop-outs (see LIFETIMES)"
    )
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.keep or Path(folder.name) / "bench.db"
    if not path.exists():
        build(path, args.members, args.purchases, args.lifetimes)
    engine = make_engine(f"sqlite:///{path}")
    print(f"{args.members:,} members, {args.purchases:,} purchases, SQLite, as of {AS_OF}")
    print("| report | rows | build (s) | CLI -f json (s) | under target (5 s; forecast 10 s) |")
    print("|---|---|---|---|---|")
    for name in args.only:
        seconds, size = time_build(engine, name)
        cli = time_cli(path, name)
        ok = "yes" if max(seconds, cli) < TARGETS.get(name, TARGET) else "NO"
        print(f"| {name} | {size:,} | {seconds:.2f} | {cli:.2f} | {ok} |", flush=True)
    if args.plans:
        for name in args.only:
            plans(engine, name)
    engine.dispose()
    folder.cleanup()


if __name__ == "__main__":
    main()
