"""The till's speed on a big shop: `sale` beside `member show` in fresh processes (a plain script).

    python benchmarks/till.py [--db URL] [--members 1000000] [--purchases 3000000] [--runs 15]
                              [--keep]

Issue 17's target: a `sale` end to end in a fresh process within 0.1 s of `member show` on a
database of 1,000,000 members, on SQLite and PostgreSQL.

Database: default a fresh SQLite file in a temporary folder (deleted after). `--db sqlite:///FILE`
uses that file: built when it holds no members, else reused as it is. `--db postgresql+psycopg://
USER@HOST:PORT/DB` connects to that server and creates a database of its own, `till_bench`
(marked with a comment, so a leftover of an earlier run is recognised and replaced; any other
database of that name is refused), and drops it at the end unless `--keep` (then a later run with
`--keep` reuses it).

Build (set-based, INSERT ... SELECT over a generated series, one transaction): `--members` members
(tiers 60% basic, 20% silver, 10% gold, 10% platinum; 2% cancelled, 1% frozen; 20 stores, all
registered; 90% with a birthday), `--purchases` purchases over the last three years spread over
the members (2% refunded), a points lot (earn) for every purchase not refunded, a stored-value
top-up for every third member, the members' points and balance caches, ANALYZE. Prints the build
time and the database's size.

Timing: each command in a fresh process, the median of `--runs` after one warm-up, runs
interleaved (one of each in turn), bytecode cached as after `pip install` (as
benchmarks/startup.py does), with the user+system CPU of the child beside the wall time:

- floor: `python -c pass`, `python -c "import memberctl.cli"`;
- `memberctl member show REF`;
- `memberctl purchase record REF 88.00 --order-no X`;
- `memberctl sale REF --amount 300.00 --points 100 --wallet 10.00 --pay cash --order-no X`
  (skipped, and said so, when `memberctl sale --help` fails: the command is not in this build).

Every run uses another active member with points and stored value, and a new order number, so
nothing is a duplicate. The last line compares sale - member show with the 0.1 s target (exit 1
when over). Record the figures in README.md ("Measured").
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection, make_url

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.models import Member

TARGET = 0.1  # seconds: sale - member show
PG_DATABASE = "till_bench"
PG_MARK = "memberctl benchmarks/till.py"
STORES = 20
TABLES = "store, member, purchase, points_entry, wallet_entry"  # those the build fills

# Dialect pieces of the build SQL: a series 1..count, a zero-padded number, a time `n` seconds
# after a day, a date `n` days after a day, false.
SQLITE = {
    "series": "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count})"
    " SELECT n FROM c) AS c",
    "pad": "printf('{prefix}%0{width}d', {expr})",
    "seconds": "(datetime('{day}', '+' || ({expr}) || ' seconds') || '.000000')",
    "days": "date('{day}', '+' || ({expr}) || ' days')",
    "false": "0",
}
POSTGRESQL = {
    "series": "generate_series(1::bigint, {count}) AS c(n)",
    "pad": "('{prefix}' || lpad(({expr})::text, {width}, '0'))",
    "seconds": "(timestamp '{day}' + ({expr}) * interval '1 second')",
    "days": "(date '{day}' + ({expr})::int)",
    "false": "false",
}


class Sql:
    """The build's statements for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.d = SQLITE if dialect == "sqlite" else POSTGRESQL

    def series(self, count: int) -> str:
        return self.d["series"].format(count=count)

    def pad(self, prefix: str, expr: str, width: int) -> str:
        return self.d["pad"].format(prefix=prefix, expr=expr, width=width)

    def seconds(self, day: str, expr: str) -> str:
        return self.d["seconds"].format(day=day, expr=expr)

    def days(self, day: str, expr: str) -> str:
        return self.d["days"].format(day=day, expr=expr)

    def stores(self) -> str:
        return (
            "INSERT INTO store (code, name, created_at) SELECT "
            + self.pad("store-", "n", 2)
            + ", "
            + self.pad("Store ", "n", 2)
            + ", "
            + self.seconds("2022-01-01", "0")
            + " FROM "
            + self.series(STORES)
        )

    def members(self, count: int) -> str:
        return (
            "INSERT INTO member (member_no, name, phone, gender, birthday, tier_code, status,"
            " points, balance, store, joined_at, created_at, updated_at, opt_out) SELECT "
            f"{self.pad('M', 'n', 7)}, 'member ' || n, {self.pad('+86139', 'n', 8)},"
            " CASE n % 3 WHEN 0 THEN 'male' WHEN 1 THEN 'female' END,"
            f" CASE WHEN n % 10 < 9 THEN {self.days('1960-01-01', 'n * 37 % 16000')} END,"
            " CASE WHEN n % 10 < 6 THEN 'basic' WHEN n % 10 < 8 THEN 'silver'"
            "  WHEN n % 10 < 9 THEN 'gold' ELSE 'platinum' END,"
            " CASE WHEN n % 50 = 7 THEN 'cancelled' WHEN n % 100 = 13 THEN 'frozen'"
            "  ELSE 'active' END,"
            f" 0, 0, {self.pad('store-', f'1 + n % {STORES}', 2)},"
            f" {self.seconds('2022-01-01', 'n * 7919 % 150000000')},"
            f" {self.seconds('2022-01-01', '0')}, {self.seconds('2022-01-01', '0')},"
            f" {self.d['false']} FROM {self.series(count)}"
        )

    def purchases(self, count: int, members: int, first_id: int) -> str:
        # Over the three years before 2026-12-01, spread over the members; 2% refunded the day
        # after. Points earned: one per 1.00 (the default rate), none when refunded.
        at = self.seconds("2023-12-01", "n * 2654435761 % 94608000")
        return (
            "INSERT INTO purchase (member_id, order_no, store, amount, at, points_earned,"
            " refunded_at, operator, created_at) SELECT"
            f" (n * 7919) % {members} + {first_id}, 'B' || n,"
            f" {self.pad('store-', f'1 + n % {STORES}', 2)},"
            " ((n * 31) % 50000) / 100.0 + 1, " + at + ","
            " CASE WHEN n % 50 = 0 THEN 0 ELSE (n * 31) % 50000 / 100 + 1 END,"
            " CASE WHEN n % 50 = 0 THEN "
            + self.seconds("2023-12-02", "n * 2654435761 % 94608000")
            + " END, 'bench', "
            + at
            + " FROM "
            + self.series(count)
        )

    def points(self) -> str:
        # A lot per purchase not refunded, expiring three years after it (none lapsed yet).
        expires = "date(at, '+1095 days')" if self.d is SQLITE else "(CAST(at AS date) + 1095)"
        return (
            "INSERT INTO points_entry (member_id, kind, points, expires_on, operator, at,"
            f" purchase_id) SELECT member_id, 'earn', points_earned, {expires}, 'bench', at, id"
            " FROM purchase WHERE refunded_at IS NULL"
        )

    def wallet(self) -> str:
        return (
            "INSERT INTO wallet_entry (member_id, kind, amount, operator, at)"
            " SELECT id, 'topup', (id % 500) + 100.5, 'bench', joined_at FROM member"
            " WHERE id % 3 = 0"
        )

    def caches(self) -> list[str]:
        return [
            "UPDATE member SET points = s.total FROM (SELECT member_id, sum(points) AS total"
            " FROM points_entry GROUP BY member_id) AS s WHERE s.member_id = member.id",
            "UPDATE member SET balance = s.total FROM (SELECT member_id, sum(amount) AS total"
            " FROM wallet_entry GROUP BY member_id) AS s WHERE s.member_id = member.id",
        ]


def _step(connection: Connection, name: str, statement: str) -> None:
    started = time.perf_counter()
    if connection.dialect.name == "postgresql":  # psycopg reads % as a placeholder
        statement = statement.replace("%", "%%")
    connection.exec_driver_sql(statement)
    print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def build(engine: Engine, members: int, purchases: int) -> float:
    sql = Sql(engine.dialect.name)
    started = time.perf_counter()
    with engine.begin() as connection:
        _step(connection, "stores", sql.stores())
        _step(connection, "members", sql.members(members))
        first = connection.execute(select(func.min(Member.id))).scalar_one()
        _step(connection, "purchases", sql.purchases(purchases, members, first))
        _step(connection, "points lots", sql.points())
        _step(connection, "wallet top-ups", sql.wallet())
        for statement in sql.caches():
            _step(connection, "caches", statement)
    step = time.perf_counter()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        engine.dispose()  # checkpoints the WAL into the file
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM ANALYZE {TABLES}")
    print(f"  analyze: {time.perf_counter() - step:.1f} s", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def size_of(engine: Engine) -> int:
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with engine.connect() as connection:
        return int(
            connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
        )


@contextmanager
def postgresql_database(
    url: str, keep: bool, name: str = PG_DATABASE, mark: str = PG_MARK
) -> Iterator[tuple[str, bool]]:
    """A database of this script's own on the server of `url`: (its URL, whether it was reused).
    `name` and `mark`: another script's database (benchmarks/load.py)."""
    server = make_url(url)
    admin = make_engine(server.render_as_string(hide_password=False))
    own = server.set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        found = connection.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).first()
        if found is not None and found[0] != mark:
            sys.exit(f"database {name} exists and is not this script's: drop it or rename it")
        reused = found is not None and keep
        if found is not None and not keep:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        if not reused:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
            connection.exec_driver_sql(f"COMMENT ON DATABASE {name} IS '{mark}'")
    try:
        yield own, reused
    finally:
        if not keep:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
            print(f"dropped database {name}", file=sys.stderr)
        admin.dispose()


def memberctl_command() -> list[str]:
    """The console script next to this interpreter (what users run), else `python -m memberctl`."""
    script = Path(sys.executable).parent / "memberctl"
    if script.exists():
        return [str(script)]
    found = shutil.which("memberctl")
    return [found] if found else [sys.executable, "-m", "memberctl"]


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


Command = Callable[[int], list[str]]


def medians(
    commands: dict[str, Command], runs: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (user + system) time of each command; run 0 is the warm-up (bytecode
    cache, OS file cache). Runs are interleaved, so a burst of load elsewhere slows the floor as
    much as memberctl."""
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(runs + 1):
        for name, command in commands.items():
            argv = command(run)
            cpu_before, start = _cpu_of_children(), time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True, text=True)
            seconds, used = time.perf_counter() - start, _cpu_of_children() - cpu_before
            if done.returncode != 0:
                sys.exit(f"{name} failed (exit {done.returncode}): {done.stderr.strip()}")
            if run:
                wall[name].append(seconds)
                cpu[name].append(used)
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in commands
    }


def bench_members(engine: Engine, count: int) -> list[str]:
    """`count` active members with points and stored value to spend, spread over the ids."""
    with engine.connect() as connection:
        total = connection.execute(select(func.max(Member.id))).scalar_one() or 0
        step = max(1, total // (count * 20))
        query = (
            select(Member.member_no)
            .where(
                Member.status == "active",
                Member.points >= 500,
                Member.balance >= 50,
                Member.id % step == 0,
            )
            .order_by(Member.id)
            .limit(count)
        )
        found = list(connection.execute(query).scalars())
    if len(found) < count:
        sys.exit(f"only {len(found)} members with points and stored value; need {count}")
    return found


def has_sale(memberctl: list[str], env: dict[str, str]) -> bool:
    done = subprocess.run([*memberctl, "sale", "--help"], env=env, capture_output=True)
    return done.returncode == 0


def time_commands(url: str, engine: Engine, runs: int, env: dict[str, str]) -> int:
    memberctl = memberctl_command()
    db = [*memberctl, "--db", url]
    sale = has_sale(memberctl, env)
    refs = bench_members(engine, 3 * (runs + 1))
    shown, bought, sold = refs[0::3], refs[1::3], refs[2::3]
    tag = uuid.uuid4().hex[:8]  # order numbers new to this database, even when it is reused
    py = sys.executable
    commands: dict[str, Command] = {
        "python -c pass": lambda _: [py, "-c", "pass"],
        "python -c 'import memberctl.cli'": lambda _: [py, "-c", "import memberctl.cli"],
        "member show REF": lambda r: [*db, "member", "show", shown[r]],
        "purchase record REF 88.00": lambda r: [
            *db,
            "purchase",
            "record",
            bought[r],
            "88.00",
            "--order-no",
            f"TB-{tag}-P{r}",
        ],
    }
    if sale:
        commands["sale REF --amount 300.00 --points 100 --wallet 10.00 --pay cash"] = lambda r: [
            *db,
            "sale",
            sold[r],
            "--amount",
            "300.00",
            "--points",
            "100",
            "--wallet",
            "10.00",
            "--pay",
            "cash",
            "--order-no",
            f"TB-{tag}-S{r}",
            "-f",
            "json",
        ]
    result = medians(commands, runs, env)
    print()
    print("| command | median wall | CPU (user+system) |")
    print("|---|---|---|")
    for name, (seconds, cpu) in result.items():
        print(f"| `{name}` | {seconds:.3f} s | {cpu:.3f} s |")
    print()
    if not sale:
        print("sale: not timed: `memberctl sale --help` fails (the command is not in this build)")
        return 0
    show, show_cpu = result["member show REF"]
    sale_s, sale_cpu = next(v for k, v in result.items() if k.startswith("sale "))
    over = sale_s - show
    verdict = "within" if over <= TARGET else "OVER"
    print(
        f"sale - member show: {over:+.3f} s wall ({verdict} the {TARGET:.1f} s target), "
        f"{sale_cpu - show_cpu:+.3f} s CPU"
    )
    return 0 if over <= TARGET else 1


def open_shop(url: str, members: int, purchases: int) -> tuple[Engine, int]:
    """The database at `url` with its schema, built (`build`) when it holds no member yet; and
    how many members it held before (0: built now)."""
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.connect() as connection:
        present = connection.execute(select(func.count()).select_from(Member)).scalar_one()
    if present:
        print(f"reusing the database: {present:,} members", file=sys.stderr)
    else:
        print(f"building {members:,} members, {purchases:,} purchases ...", file=sys.stderr)
        print(f"built in {build(engine, members, purchases):.1f} s")
    return engine, present


def run(url: str, args: argparse.Namespace, env: dict[str, str]) -> int:
    engine, _ = open_shop(url, args.members, args.purchases)
    print(f"database: {engine.dialect.name}, {size_of(engine) / 2**20:,.0f} MiB")
    try:
        return time_commands(url, engine, args.runs, env)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"MEMBERCTL_NO_INPUT": "1", "MEMBERCTL_OPERATOR": "benchmark"})
    print(
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at start; median of {args.runs} runs after a warm-up",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        if args.db and make_url(args.db).get_backend_name() == "postgresql":
            with postgresql_database(args.db, args.keep) as (url, _):
                return run(url, args, env)
        return run(args.db or f"sqlite:///{Path(tmp) / 'till.db'}", args, env)


if __name__ == "__main__":
    sys.exit(main())
