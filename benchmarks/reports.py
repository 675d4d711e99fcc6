"""Report speed over a large shop, on SQLite or PostgreSQL (a plain script, not a test).

    python benchmarks/reports.py [--members 200000] [--purchases 2000000] [--keep FILE | --db URL]
                                 [--lifetimes] [--from DAY] [--only NAME ...] [--plans]
                                 [--write-cost ROWS]

Builds a shop in a fresh SQLite file, in `--keep FILE` when it does not exist yet, or in the
database `--db URL` when it holds no members (a PostgreSQL database of your own; an existing shop
is reused, after `db upgrade` when it is of an older revision): `--members` members, `--purchases`
purchases over the three years to AS_OF (2% refunded; made in 20 stores, a seventh of them
outside the buyer's home store, one in 101 in no store; a category on 7 in 8; every fifth a till
sale of two lines), a points ledger row for every other purchase, a wallet row for every third
member, a campaign that reached a quarter of the members with points and coupons, and one member
in ten referred by another. All of it is INSERT ... SELECT from a counter (a recursive CTE on
SQLite, generate_series on PostgreSQL; `Dialect` holds the few expressions the two spell
differently): a few minutes at 200,000 members on a busy 2-core machine. Then each report is
timed twice:

- build: the domain function (the SQL and shaping into rows), in this process, median of 3;
- CLI: `memberctl report NAME -f json` end to end in a fresh process (imports, JSON, stdout).

`--lifetimes` spreads each member's purchases over a lifetime of their own instead of the three
years (see `lifetimes_sql`), as the forecast needs: on the uniform spread nobody ever leaves and
the forecast refuses (exit 4). `--from DAY` gives kpi, stores and products that first day
(default: the 30 days to AS_OF), e.g. `--from 2025-11-26` for a year. Target: each under 5 s
(`report forecast`, which fits its models on every member's history: 10 s). `--plans` prints
every statement a report runs, timed, with SQLite's EXPLAIN QUERY PLAN (full table scans
flagged) or PostgreSQL's EXPLAIN (ANALYZE, BUFFERS). `--write-cost ROWS` then times
`memberctl import purchases` of ROWS new purchases with the indexes of migration 0015 and with
those before it (0014), to show what the reports' indexes cost the writes. Record the table in
README.md ("Measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema, upgrade
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
    "summary": lambda s, sc, _: summary.build(session=s, scope=sc),
    "growth": lambda s, sc, _: growth.build(session=s, scope=sc),
    "rfm": lambda s, sc, _: rfm.build(session=s, scope=sc),
    "churn": lambda s, sc, _: churn.build(session=s, scope=sc),
    "upgrades": lambda s, sc, _: upgrades.build(session=s, scope=sc),
    "birthdays": lambda s, sc, _: birthdays.build(session=s, scope=sc),
    "kpi": lambda s, sc, start: kpi.build(session=s, scope=sc, start=start),
    "liability": lambda s, sc, _: liability.build(session=s, scope=sc),
    "campaign": lambda s, sc, _: campaign.build(session=s, scope=sc, code="bench"),
    "referrals": lambda s, sc, _: referrals.build(session=s, scope=sc),
    "stores": lambda s, sc, start: by_store.build(session=s, scope=sc, start=start),
    "products": lambda s, sc, start: products.build(session=s, scope=sc, start=start),
    "forecast": lambda s, sc, _: forecast.build(session=s, scope=sc),
}
PERIODIC = ("kpi", "stores", "products")  # the reports --from applies to
# Each report's own target where it is not TARGET: the forecast fits two models on the whole
# shop's history (the budget for fit and scoring: 10 s).
TARGETS = {"forecast": 10.0}


@dataclass(frozen=True)
class Dialect:
    """The few expressions the two databases spell differently; everything else is shared SQL."""

    name: str
    counter: str  # a CTE c(n) of 1..{count}
    pad: str  # {x} as text, zero-padded to {width}
    day: str  # the date {x} days after '{base}'
    stamp: str  # the timestamp {x} seconds after '{base}'
    at: str  # the timestamp literal '{text}'
    floor: str  # {x} rounded down to an integer
    date: str  # the date literal '{text}'

    def seq(self, count: int) -> str:
        return self.counter.format(count=count)

    def z(self, x: str, width: int) -> str:
        return self.pad.format(x=x, width=width)

    def days(self, base: str, x: str) -> str:
        return self.day.format(base=base, x=x)

    def secs(self, base: str, x: str) -> str:
        return self.stamp.format(base=base, x=x)

    def ts(self, text: str) -> str:
        return self.at.format(text=text)

    def int(self, x: str) -> str:
        return self.floor.format(x=x)

    def d(self, text: str) -> str:
        return self.date.format(text=text)


SQLITE = Dialect(
    name="SQLite",
    counter="WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count}) ",
    pad="printf('%0{width}d', {x})",
    day="date('{base}', '+' || ({x}) || ' days')",
    stamp="(datetime('{base}', '+' || ({x}) || ' seconds') || '.000000')",
    at="'{text}.000000'",
    floor="CAST({x} AS INTEGER)",
    date="'{text}'",
)
POSTGRESQL = Dialect(
    name="PostgreSQL",
    counter="WITH c(n) AS (SELECT generate_series(1::bigint, {count})) ",
    pad="lpad(CAST({x} AS text), {width}, '0')",
    day="(DATE '{base}' + CAST({x} AS integer))",
    stamp="(TIMESTAMP '{base}' + ({x}) * INTERVAL '1 second')",
    at="TIMESTAMP '{text}'",
    floor="CAST(floor({x}) AS bigint)",
    date="DATE '{text}'",
)
PURCHASE_COLUMNS = (
    "INSERT INTO purchase (member_id, order_no, store, amount, at, points_earned, refunded_at,"
    " operator, created_at, category) "
)
# the buyer's home store (member n's is store-(n % 20)), the next one for every seventh
# purchase (visitors), no store for one in 101
BOUGHT_IN = (
    "CASE WHEN n % 101 = 0 THEN '' ELSE 'store-' ||"
    " ((member_id + CASE WHEN n % 7 = 0 THEN 1 ELSE 0 END) % 20) END"
)
# report products: a category on 7 purchases in 8 (10 categories), set as the rows are written
# (an UPDATE afterwards rewrote every purchase and, on PostgreSQL, every index entry: minutes)
CATEGORY = "CASE WHEN n % 8 <> 0 THEN 'category-' || (n * 7 % 10) END"
START = "2023-11-26"  # purchases: the three years before AS_OF
SPAN = 94_608_000  # seconds in them


def members_sql(d: Dialect, count: int) -> str:
    joined = d.secs("2022-01-01", "(n * 13 % 1790) * 86400")
    return (
        "INSERT INTO member (member_no, name, phone, gender, birthday, tier_code, status, points,"
        " balance, store, joined_at, created_at, updated_at, opt_out) "
        + d.seq(count)
        + f"SELECT 'M' || {d.z('n', 7)}, 'member ' || n, '+86139' || {d.z('n', 8)},"
        " CASE n % 3 WHEN 0 THEN 'male' WHEN 1 THEN 'female' END,"
        f" CASE WHEN n % 10 < 9 THEN {d.days('1960-01-01', 'n * 37 % 16000')} END,"
        " CASE WHEN n % 10 < 6 THEN 'basic' WHEN n % 10 < 8 THEN 'silver'"
        "  WHEN n % 10 < 9 THEN 'gold' ELSE 'platinum' END,"
        " CASE WHEN n % 20 = 0 THEN 'cancelled' WHEN n % 20 = 1 THEN 'frozen' ELSE 'active' END,"
        f" 0, 0, 'store-' || (n % 20), {joined}, {d.ts('2022-01-01 00:00:00')},"
        f" {d.ts('2022-01-01 00:00:00')}, FALSE FROM c"
    )


def _purchase_rows(d: Dialect, source: str) -> str:
    """The purchase rows of `source` (n, member_id, s: seconds after START)."""
    at = d.secs(START, "s")
    return (
        f"SELECT member_id, 'B' || n, {BOUGHT_IN}, ((n * 31) % 50000) / 100.0 + 1, {at}, 0,"
        f" CASE WHEN n % 50 = 0 THEN {d.secs(START, 's + 86400')} END, 'bench', {at}, {CATEGORY}"
        f" FROM {source}"
    )


def purchases_sql(d: Dialect, count: int, members: int) -> str:
    """Purchases spread evenly over the three years, members in turn."""
    return (
        PURCHASE_COLUMNS
        + d.seq(count)
        + f", p(n, member_id, s) AS (SELECT n, (n * 7919) % {members} + 1,"
        f" (n * 2654435761) % {SPAN} FROM c) " + _purchase_rows(d, "p")
    )


def lifetimes_sql(d: Dialect, count: int, members: int) -> str:
    """--lifetimes: members buy unevenly often (member u^2 * members for a uniform u: the first
    ones most), each from a start of their own (0 to 18 months after START) until a drop-out day
    of their own (somewhere up to AS_OF), purchases spread evenly in between; so the shop's
    history holds customers who left, at different rates. On the uniform spread of
    `purchases_sql` nobody leaves, and the forecast's models find no fit there (exit 4)."""
    u = "(((n * 7919) % 1000003) / 1000003.0)"
    return (
        PURCHASE_COLUMNS
        + d.seq(count)
        + f", p(n, member_id, u) AS (SELECT n, {d.int(f'{members} * {u} * {u}')} + 1,"
        f" ((n * 2654435761) % {SPAN}) / {SPAN}.0 FROM c),"
        " r(n, member_id, u, s, life) AS (SELECT n, member_id, u,"
        " ((member_id * 16807) % 1000) / 2000.0, ((member_id * 48271) % 1000 + 1) / 1000.0"
        " FROM p),"
        " q(n, member_id, s) AS (SELECT n, member_id,"
        f" {d.int(f'(s + u * life * (1 - s)) * {SPAN}')} FROM r) " + _purchase_rows(d, "q")
    )


def rest_sql(d: Dialect) -> list[str]:
    """Ledgers, stores, wallets, referrers, a campaign, the members' caches, categories and
    till sales, over the members and purchases already there."""
    campaign_at = d.ts("2026-10-01 23:59:59")
    return [
        "INSERT INTO points_entry (member_id, kind, points, operator, at, purchase_id)"
        f" SELECT member_id, 'earn', {d.int('amount')}, 'bench', at, id FROM purchase"
        " WHERE id % 2 = 0 AND refunded_at IS NULL",
        "INSERT INTO store (code, name, created_at)"
        f" SELECT DISTINCT store, store, {d.ts('2022-01-01 00:00:00')} FROM member",
        "INSERT INTO wallet_entry (member_id, kind, amount, operator, at)"
        " SELECT id, 'topup', (id % 500) + 0.5, 'bench', joined_at FROM member WHERE id % 3 = 0",
        # One member in ten was referred, by an earlier member (a few referrers bring many).
        "UPDATE member SET referrer_id = ((id * 7919) % (id - 1)) % 2000 + 1"
        " WHERE id % 10 = 3 AND id > 1",
        "INSERT INTO campaign (code, name, action, period, where_expr, version, definition,"
        " created_at, updated_at) VALUES ('bench', 'bench', 'award_points', 'once',"
        f" 'points > 0', 1, '{{}}', {d.ts('2026-10-01 00:00:00')}, {d.ts('2026-10-01 00:00:00')})",
        "INSERT INTO campaign_run (campaign_id, period_key, as_of, targeted, awarded,"
        " already_awarded, points, coupons, operator, at) SELECT id, 'once',"
        f" {d.d('2026-10-01')}, 0, 0, 0, 0, 0, 'bench', {campaign_at} FROM campaign"
        " WHERE code = 'bench'",
        "INSERT INTO campaign_award (campaign_id, period_key, member_id, run_id)"
        " SELECT r.campaign_id, 'once', m.id, r.id FROM member m, campaign_run r"
        " WHERE m.id % 4 = 0",
        "INSERT INTO points_entry (member_id, kind, points, operator, at, campaign_run_id)"
        f" SELECT member_id, 'campaign', 100, 'bench', {campaign_at}, run_id FROM campaign_award",
        "INSERT INTO coupon (code, member_id, campaign_id, run_id, value, valid_from, valid_to,"
        " weekdays_only, no_holidays, redeemed_at, created_at)"
        f" SELECT 'C' || {d.z('member_id', 9)}, member_id, campaign_id, run_id, 20,"
        f" {d.d('2026-10-01')}, {d.d('2026-10-30')}, FALSE, FALSE,"
        f" CASE WHEN member_id % 3 = 0 THEN {d.ts('2026-10-10 12:00:00')} END, {campaign_at}"
        " FROM campaign_award",
        "UPDATE member SET"
        " points = coalesce((SELECT sum(points) FROM points_entry e"
        "  WHERE e.member_id = member.id), 0),"
        " balance = coalesce((SELECT sum(amount) FROM wallet_entry w"
        "  WHERE w.member_id = member.id), 0)",
        *PRODUCTS,
    ]


# report products: every fifth purchase a till sale of two lines (60% and 40% of its amount) of
# 200 items, each item in one category.
LINE = (
    "SELECT id, {n}, 'item-' || {item}, 'item-' || {item}, 'category-' || ({item} % 10), 1,"
    " {amount}, {amount} FROM sale"
)
FIRST = "round(list_total * 0.6, 2)"
PRODUCTS = [
    "INSERT INTO sale (purchase_id, list_total, price_factor, tier_discount, coupon_value,"
    " points_used, points_value, wallet_paid, tendered, pay_method, created_at)"
    " SELECT id, amount, 1.00, 0, 0, 0, 0, 0, amount, 'cash', created_at FROM purchase"
    " WHERE id % 5 = 0",
    "INSERT INTO sale_line (sale_id, line_no, sku, name, category, quantity, unit_price, amount) "
    + LINE.format(n=1, item="((id * 31) % 200)", amount=FIRST)
    + " UNION ALL "
    + LINE.format(n=2, item="((id * 17 + 5) % 200)", amount=f"list_total - {FIRST}"),
]


def build(engine, d: Dialect, members: int, purchases: int, lifetimes: bool = False) -> None:
    ensure_schema(engine)
    started = time.perf_counter()
    spread = lifetimes_sql if lifetimes else purchases_sql
    with engine.begin() as connection:
        for statement in [
            members_sql(d, members),
            spread(d, purchases, members),
            *rest_sql(d),
        ]:
            # psycopg reads % as a placeholder even without parameters
            connection.exec_driver_sql(statement if d is SQLITE else statement.replace("%", "%%"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # PostgreSQL: VACUUM sets the visibility map, without which no scan is index-only
        connection.exec_driver_sql("ANALYZE" if d is SQLITE else "VACUUM ANALYZE")
    print(
        f"built {members:,} members, {purchases:,} purchases in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def time_build(
    engine, name: str, start: dt.date | None, repeat: int = 3
) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, rows), medians of `repeat` runs."""
    times, cpus, size = [], [], 0
    for _ in range(repeat):
        with transaction(engine, write=False) as session:
            started, cpu = time.perf_counter(), time.process_time()
            scope = reports.scope(session, as_of=AS_OF)
            data = REPORTS[name](session, scope, start)
            times.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        size = _rows(data)
    return statistics.median(times), statistics.median(cpus), size


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


def cli(db: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run memberctl in a fresh process: (wall seconds, its CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db, *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "MEMBERCTL_NO_INPUT": "1", **(env or {})},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def time_cli(db: str, name: str, start: dt.date | None) -> tuple[float, float]:
    args = [name, "bench"] if name == "campaign" else [name]
    if start is not None and name in PERIODIC:
        args += ["--from", start.isoformat()]
    return cli(db, "report", *args, "--as-of", AS_OF.isoformat(), "-f", "json")


def plans(engine, name: str, start: dt.date | None) -> None:
    """Every statement the report runs, timed, with its plan: SQLite's EXPLAIN QUERY PLAN (full
    table scans flagged), PostgreSQL's EXPLAIN (ANALYZE, BUFFERS)."""
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        time_build(engine, name, start, repeat=1)  # the statements it runs
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    sqlite = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    try:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor = raw.cursor()
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            took = time.perf_counter() - started
            print(f"-- {name} ({took:.2f} s): {' '.join(statement.split())[:200]}")
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
            cursor.execute(explain + statement, parameters)
            for row in cursor.fetchall():
                detail = row[-1] if sqlite else row[0]
                full = detail.startswith("SCAN") and "INDEX" not in detail
                flag = "  <-- full scan" if sqlite and full else ""
                print(f"     {detail}{flag}")
    finally:
        raw.close()


def write_cost(engine, db: str, rows: int, folder: Path) -> None:
    """`import purchases` of `rows` rows into the shop, with the indexes of revision 0015 and
    with those of 0014 (its downgrade), in the order with, without, without, with; CPU is the
    memberctl process's (PostgreSQL's own work is in the wall time only)."""
    migration = _migration()
    with engine.connect() as connection:
        members = connection.exec_driver_sql("SELECT max(id) FROM member").scalar_one()
    results: dict[str, list[tuple[float, float]]] = {"0015": [], "0014": []}
    for run, indexes in enumerate(["0015", "0014", "0014", "0015"]):
        _indexes(engine, migration, indexes)
        path = folder / f"import-{run}.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write("member_no,order_no,amount,at,store,category\n")
            for i in range(rows):
                member = (i * 7919 + run) % members + 1
                if member % 20 in (0, 1):  # cancelled or frozen (members_sql): refused
                    member = member + 2 if member + 2 <= members else member - 18
                out.write(
                    f"M{member:07d},W{run}-{i},{(i * 31) % 50000 / 100 + 1:.2f},"
                    f"2026-11-{1 + i % 24:02d} {i % 24:02d}:{i % 60:02d},"
                    f"store-{member % 20},category-{i % 10}\n"
                )
        results[indexes].append(cli(db, "import", "purchases", str(path)))
        wall, cpu = results[indexes][-1]
        print(
            f"  run {run + 1}, indexes of {indexes}: wall {wall:.1f} s, CPU {cpu:.1f} s", flush=True
        )
    _indexes(engine, migration, "0015")
    for indexes, figures in results.items():
        walls = ", ".join(f"{wall:.1f}" for wall, _ in figures)
        cpus = ", ".join(f"{cpu:.1f}" for _, cpu in figures)
        print(
            f"import purchases, {rows:,} rows, indexes of {indexes}: wall {walls} s, CPU {cpus} s"
        )


def _migration():
    """The module of migration 0015 (its INDEXES, upgrade and downgrade)."""
    import importlib.util

    import memberctl.db

    path = Path(memberctl.db.__file__).parent / "alembic/versions/0015_report_indexes.py"
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _indexes(engine, migration, revision: str) -> None:
    """Put the purchase indexes of `revision` (0014 or 0015) in place, leaving the stored
    revision as it is."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    with engine.begin() as connection:
        names = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                if engine.dialect.name == "sqlite"
                else "SELECT indexname FROM pg_indexes"
            )
        }
        now = "0015" if set(migration.CREATED) <= names else "0014"
        if now == revision:
            return
        with Operations.context(MigrationContext.configure(connection)):
            migration.upgrade() if revision == "0015" else migration.downgrade()
        connection.exec_driver_sql("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--purchases", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="SQLite file to build once and reuse")
    parser.add_argument(
        "--db", help="a database URL (PostgreSQL) to build in when empty, else reuse"
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=dt.date.fromisoformat,
        help="first day for kpi, stores and products (default: the 30 days to AS_OF)",
    )
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument("--only", nargs="*", default=list(REPORTS))
    parser.add_argument(
        "--lifetimes", action="store_true", help="purchases with drop-outs (see lifetimes_sql)"
    )
    parser.add_argument(
        "--write-cost",
        type=int,
        metavar="ROWS",
        help="then time `import purchases` of ROWS rows with 0015's indexes and without",
    )
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.keep or Path(folder.name) / "bench.db"
    db = args.db or str(path)
    engine = make_engine(args.db or f"sqlite:///{path}")
    dialect = SQLITE if engine.dialect.name == "sqlite" else POSTGRESQL
    if not _populated(engine):
        build(engine, dialect, args.members, args.purchases, args.lifetimes)
    else:  # a kept shop: brought up to date (`db upgrade`), its statistics refreshed
        upgrade(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    with engine.connect() as connection:
        members, purchases = (
            connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()  # noqa: S608
            for table in ("member", "purchase")
        )
    period = f", --from {args.start}" if args.start else ""
    print(f"{members:,} members, {purchases:,} purchases, {dialect.name}, as of {AS_OF}{period}")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    # CPU: this process's for the build, memberctl's for the CLI (on PostgreSQL the server's
    # work is in the wall time only); wall times swing with the machine's load, CPU less
    print(
        "| report | rows | build (s) | build CPU (s) | CLI -f json (s) | CLI CPU (s) |"
        " under target (5 s; forecast 10 s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.only:
        seconds, cpu, size = time_build(engine, name, args.start)
        took, took_cpu = time_cli(db, name, args.start)
        ok = "yes" if max(seconds, took) < TARGETS.get(name, TARGET) else "NO"
        print(
            f"| {name} | {size:,} | {seconds:.2f} | {cpu:.2f} | {took:.2f} | {took_cpu:.2f}"
            f" | {ok} |",
            flush=True,
        )
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.plans:
        for name in args.only:
            plans(engine, name, args.start)
    if args.write_cost:
        write_cost(engine, db, args.write_cost, Path(folder.name))
    engine.dispose()
    folder.cleanup()


def _populated(engine) -> bool:
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "member"):
            return False
        return connection.exec_driver_sql("SELECT count(*) FROM member").scalar_one() > 0


if __name__ == "__main__":
    main()
