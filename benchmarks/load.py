"""Many tills at once (issue 20): N tills selling against a big shop while `memberctl nightly`
runs once, then proof that nothing was lost (a plain script; loopback only; stops by itself).

    python benchmarks/load.py [--db URL] [--tills N] [--seconds 60] [--nightly-at S]
                              [--floor-seconds 10] [--mode inproc|process] [--members 1000000]
                              [--purchases 3000000] [--keep]

Database: as benchmarks/till.py builds it (set-based, `--members` members, `--purchases`
purchases, points lots, stored value; its builder is imported), with the members' pinyin
initials filled as an import fills them. Default a fresh SQLite file in a
temporary folder; `--db sqlite:///FILE` builds that file when it holds no members, else reuses
it; `--db postgresql+psycopg://USER@HOST:PORT/DB` creates a database of this script's own on
that server, `bench_load` (marked with a comment; any other database of that name is refused),
and drops it at the end unless `--keep`. `--tills` defaults to 8 on PostgreSQL and 4 on SQLite.

The tills: each is its own process (real tills are separate programs, and with processes the
Python work of N tills runs on every core, where threads would queue on one interpreter lock),
with a pool of active members that have points and stored value. In turn each till rings up, at
random, a sale (2 in 3: `sale REF --amount 300.00 --points 100 --wallet 10.00 --pay cash`) or a
purchase (`purchase record REF 88.00`), at its own store, with an order number new to the
database, as fast as it can. How each command is run (`--mode`):

- `inproc` (default): the real CLI entry point called in the till's process (the Click command's
  `main`, as tests/slow/test_sale_race.py does): options parsed, a new engine, the schema
  checked, identity and permissions, the one transaction, the receipt as JSON, the error
  boundary's exit code and stderr line; everything a `memberctl sale` process does except
  starting Python and importing memberctl (0.1 s of CPU per run, measured by
  benchmarks/till.py), so this measures the database side under contention;
- `process`: a fresh `memberctl` process per sale, as a till running the CLI would; with 2 CPUs
  this mostly measures Python's start-up (0.5-0.6 s of CPU per sale).

First one till sells alone for `--floor-seconds` (default 10, no nightly): the floor, measured
in the same run, against which the latency with N tills is compared (the machine's load varies).

`memberctl nightly` runs once, as its own process (the cron job), `--nightly-at` seconds after
the tills start (default a quarter of `--seconds`). The tills sell for `--seconds`; while the
nightly still runs they go on until it ends (so the latency during it is measured whole), but
never beyond `--cap` seconds (default 5 x `--seconds`): then the nightly is stopped (SIGTERM;
its step in progress is rolled back) and the run says so.

Printed: sales per second (acknowledged, i.e. exit 0 and a receipt on stdout), p50, p95, p99 and
maximum latency of the whole run, during the nightly and outside it, errors by kind (exit code
and stderr line), the transactions tried again inside memberctl after a deadlock, serialization
failure or busy database (`memberctl.db.retry`, inproc only) and on PostgreSQL the server's own
deadlock and conflict counters. Then the checks, each of which must hold (else exit 1):

- every acknowledged order is in the database, for its member and store, a sale with its `sale`
  row; no order that failed left anything behind;
- `memberctl db check` exits 0 over the whole database: among its checks, the points and
  stored-value ledgers agree with every member's caches (`member.points`, `member.balance`);
- no deadlock, serialization failure or "database is locked" reached a clerk.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import logging
import multiprocessing as mp
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url
from till import bench_members, memberctl_command, open_shop, postgresql_database, size_of

from memberctl.models import Member, Purchase, Sale, Store

PG_DATABASE = "bench_load"
PG_MARK = "memberctl benchmarks/load.py"
POOL = 20_000  # members the tills sell to
STORES = 20  # as benchmarks/till.py builds them
CONFLICT_WORDS = ("deadlock", "serializ", "could not serialize", "locked", "busy")


@dataclass(frozen=True)
class Sold:
    """One command a till ran: when (monotonic, s), how long, what, and how it ended."""

    started: float
    seconds: float
    kind: str  # sale | purchase
    exit_code: int
    order_no: str
    store: str
    member_no: str
    error: str  # the stderr line when it failed
    retries: int  # transactions tried again inside (inproc only)


# -- a till ------------------------------------------------------------------------------------
class _Retries(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:  # noqa: ARG002  (counted, not read)
        self.count += 1


def _argv(kind: str, ref: str, order: str, store: str) -> list[str]:
    if kind == "sale":
        return ["sale", ref, "--amount", "300.00", "--points", "100", "--wallet", "10.00",
                "--pay", "cash", "--order-no", order, "--store", store, "-f", "json"]  # fmt: skip
    return ["purchase", "record", ref, "88.00", "--order-no", order, "--store", store, "-f", "json"]


def _inproc_runner(url: str, operator: str) -> Any:
    from typer.main import get_command

    from memberctl.cli import app

    command = get_command(app)

    def invoke(args: list[str]) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = command.main(
                    ["--db", url, "--no-input", "--operator", operator, *args],
                    prog_name="memberctl",
                    standalone_mode=False,
                )
            except SystemExit as exc:  # never expected: the boundary returns the code
                code = exc.code if isinstance(exc.code, int) else 1
        return int(code or 0), out.getvalue(), err.getvalue()

    return invoke


def _process_runner(url: str, operator: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.update({"MEMBERCTL_NO_INPUT": "1", "MEMBERCTL_OPERATOR": operator})
    base = [*memberctl_command(), "--db", url]

    def invoke(args: list[str]) -> tuple[int, str, str]:
        done = subprocess.run([*base, *args], env=env, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    return invoke


def till(number: int, url: str, mode: str, refs: list[str], tag: str, gate: Any, stop: Any,
         results: Any) -> None:  # fmt: skip
    """One till's loop (a process of its own): sell until `stop` is set, then report."""
    os.environ["MEMBERCTL_LANG"] = "en"  # error lines in English, to group them
    operator = f"till-{number}"
    invoke = (_inproc_runner if mode == "inproc" else _process_runner)(url, operator)
    retries = _Retries()
    logger = logging.getLogger("memberctl.db.retry")
    logger.setLevel(logging.INFO)
    logger.addHandler(retries)
    rng = random.Random(number)  # noqa: S311  (a benchmark's choices, not secrets)
    store = f"store-{number % STORES + 1:02d}"
    done: list[Sold] = []
    for warm in (["member", "show", refs[0]], [*_argv("sale", refs[0], "W", store), "--dry-run"]):
        invoke(warm)  # the commands' own imports, before the clock starts
    gate.wait()
    while not stop.is_set():
        kind = "sale" if rng.random() < 2 / 3 else "purchase"
        ref = rng.choice(refs)
        order = f"L{tag}-{number}-{len(done)}"
        before, started = retries.count, time.monotonic()
        code, out, err = invoke(_argv(kind, ref, order, store))
        seconds = time.monotonic() - started
        if code == 0 and json.loads(out).get("duplicate") is not False:
            code, err = -1, f"not a new order: {out[:200]}"
        line = err.strip().splitlines()[-1] if code and err.strip() else ""
        done.append(Sold(started, seconds, kind, code, order, store, ref, line,
                         retries.count - before))  # fmt: skip
    results.put((number, done))


# -- the run -----------------------------------------------------------------------------------
@dataclass
class Nightly:
    started: float = 0.0
    ended: float | None = None
    exit_code: int | None = None
    summary: dict[str, Any] | None = None
    stopped: bool = False


def _start_nightly(url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.update({"MEMBERCTL_NO_INPUT": "1", "MEMBERCTL_OPERATOR": "cron", "MEMBERCTL_LANG": "en"})
    return subprocess.Popen(
        [*memberctl_command(), "--db", url, "nightly", "-f", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish_nightly(child: subprocess.Popen[str], nightly: Nightly) -> None:
    out, err = child.communicate()
    nightly.exit_code = child.returncode
    try:
        nightly.summary = json.loads(out)
    except ValueError:
        nightly.summary = {"stdout": out[-300:], "stderr": err[-300:]}


@dataclass(frozen=True)
class Phase:
    tills: int
    seconds: float
    nightly_at: float | None  # None: no nightly (the floor)
    tag: str  # order numbers L{tag}-...
    cap: float  # seconds: the nightly is stopped then


def drive(url: str, mode: str, refs: list[str], phase: Phase) -> tuple[
    list[Sold], Nightly, float, float
]:  # fmt: skip
    """Start the tills, the nightly in the middle; stop them; return what every till did."""
    context = mp.get_context("spawn")  # a clean interpreter per till: no engine shared by fork
    gate, stop, results = context.Event(), context.Event(), context.Queue()
    tills = [
        context.Process(target=till, args=(n, url, mode, refs, phase.tag, gate, stop, results))
        for n in range(1, phase.tills + 1)
    ]
    for process in tills:
        process.start()
    time.sleep(8 if mode == "inproc" else 0.5)  # the tills import memberctl and warm up
    nightly, child = Nightly(), None
    go = time.monotonic()
    gate.set()
    end, cap = go + phase.seconds, go + phase.cap
    while True:
        now = time.monotonic()
        if child is None and phase.nightly_at is not None and now >= go + phase.nightly_at:
            nightly.started, child = now, _start_nightly(url)
        if child is not None and nightly.ended is None and child.poll() is not None:
            nightly.ended = time.monotonic()
            _finish_nightly(child, nightly)
        if now >= cap and child is not None and nightly.ended is None:
            child.terminate()
            nightly.stopped, nightly.ended = True, time.monotonic()
            _finish_nightly(child, nightly)
        if now >= end and (phase.nightly_at is None or nightly.ended is not None):
            break
        time.sleep(0.05)
    stop.set()
    stopped = time.monotonic()
    sold: list[Sold] = []
    for _ in tills:
        sold.extend(results.get(timeout=600)[1])
    for process in tills:
        process.join(timeout=60)
    return sold, nightly, go, stopped


def floor(url: str, args: argparse.Namespace, refs: list[str], tag: str) -> list[Sold]:
    """One till alone, no nightly, for `--floor-seconds`: the latency without contention,
    measured in the same run (the machine's load varies)."""
    if args.floor_seconds <= 0:
        return []
    sold, _, go, stopped = drive(
        url, args.mode, refs, Phase(1, args.floor_seconds, None, tag, args.floor_seconds)
    )
    acked = [s for s in sold if s.exit_code == 0]
    print(f"\nfloor, one till alone for {stopped - go:.1f} s: "
          f"{len(acked) / (stopped - go):.1f} per second")  # fmt: skip
    print("| latency (acknowledged) | count | p50 | p95 | p99 | max |")
    print("|---|---|---|---|---|---|")
    print(_latency_row("one till, no nightly", sold))
    return sold


# -- figures -----------------------------------------------------------------------------------
def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _latency_row(name: str, sold: list[Sold]) -> str:
    ok = sorted(s.seconds for s in sold if s.exit_code == 0)
    if not ok:
        return f"| {name} | 0 | | | | |"
    return (
        f"| {name} | {len(ok):,} | {_quantile(ok, 0.50) * 1000:.0f} ms"
        f" | {_quantile(ok, 0.95) * 1000:.0f} ms | {_quantile(ok, 0.99) * 1000:.0f} ms"
        f" | {ok[-1] * 1000:.0f} ms |"
    )


def report(sold: list[Sold], nightly: Nightly, go: float, stopped: float) -> list[str]:
    """Print the figures; return the conflicts that reached a clerk (error lines)."""
    elapsed = stopped - go
    acked = [s for s in sold if s.exit_code == 0]
    ended = nightly.ended if nightly.ended is not None else stopped
    during = [s for s in sold if s.started < ended and s.started + s.seconds > nightly.started]
    during_set = set(during)
    outside = [s for s in sold if s not in during_set]
    print(f"\nran {elapsed:.1f} s: {len(sold):,} commands, {len(acked):,} acknowledged, "
          f"{len(acked) / elapsed:.1f} per second "
          f"({sum(s.kind == 'sale' for s in acked):,} sales, "
          f"{sum(s.kind == 'purchase' for s in acked):,} purchases)")  # fmt: skip
    print("\n| latency (acknowledged) | count | p50 | p95 | p99 | max |")
    print("|---|---|---|---|---|---|")
    print(_latency_row("whole run", sold))
    print(_latency_row(f"during nightly ({ended - nightly.started:.1f} s)", during))
    print(_latency_row("outside nightly", outside))
    for kind in ("sale", "purchase"):
        print(_latency_row(f"{kind}, whole run", [s for s in sold if s.kind == kind]))
    errors = Counter((s.exit_code, s.error) for s in sold if s.exit_code != 0)
    print(f"\nerrors: {sum(errors.values())}")
    for (code, line), count in errors.most_common():
        print(f"  {count} x exit {code}: {line}")
    retried = [s for s in sold if s.retries]
    print(f"transactions tried again inside memberctl: {sum(s.retries for s in sold)} "
          f"(in {len(retried)} commands, all acknowledged: "
          f"{all(s.exit_code == 0 for s in retried)})")  # fmt: skip
    summary = nightly.summary or {}
    state = "stopped at the cap" if nightly.stopped else f"exit {nightly.exit_code}"
    print(f"nightly: started at {nightly.started - go:.1f} s, took {ended - nightly.started:.1f} s,"
          f" {state}; expired {summary.get('expired')}, tiers {summary.get('tiers')},"
          f" errors {summary.get('errors')}")  # fmt: skip
    return [line for (_code, line) in errors if any(w in line.lower() for w in CONFLICT_WORDS)]


# -- the checks --------------------------------------------------------------------------------
def check_orders(engine: Engine, sold: list[Sold], tag: str) -> list[str]:
    """Every acknowledged order written whole, for its member and store; no failed one at all."""
    query = (
        select(Purchase.order_no, Purchase.store, Member.member_no, Sale.id)
        .join(Member, Member.id == Purchase.member_id)  # type: ignore[arg-type]
        .outerjoin(Sale, Sale.purchase_id == Purchase.id)  # type: ignore[arg-type]
        .where(Purchase.order_no.like(f"L{tag}-%"))  # type: ignore[union-attr]
    )
    with engine.connect() as connection:
        found = {row[0]: row[1:] for row in connection.execute(query)}
    problems = []
    for s in sold:
        row = found.get(s.order_no)
        if s.exit_code != 0:
            if row is not None:
                problems.append(f"{s.order_no}: failed (exit {s.exit_code}) but written")
            continue
        if row is None:
            problems.append(f"{s.order_no}: acknowledged but not in the database")
        elif (row[0], row[1]) != (s.store, s.member_no) or ((row[2] is None) == (s.kind == "sale")):
            problems.append(f"{s.order_no}: written as {row}, sold as {s}")
    print(f"orders: {sum(s.exit_code == 0 for s in sold):,} acknowledged, "
          f"{len(found):,} in the database; {len(problems)} problems")  # fmt: skip
    return problems


def db_check(url: str) -> int:
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.update({"MEMBERCTL_NO_INPUT": "1", "MEMBERCTL_OPERATOR": "bench"})
    done = subprocess.run([*memberctl_command(), "--db", url, "db", "check"],
                          env=env, capture_output=True, text=True)  # fmt: skip
    print(f"memberctl db check: exit {done.returncode} in {time.monotonic() - started:.1f} s"
          + (f": {done.stdout.strip()[-500:]} {done.stderr.strip()[-500:]}"
             if done.returncode else ""))  # fmt: skip
    return done.returncode


def pg_counters(engine: Engine) -> tuple[int, int]:
    """The server's deadlocks and recovery conflicts in this database so far (0 on SQLite)."""
    if engine.dialect.name != "postgresql":
        return 0, 0
    time.sleep(1.0)  # backends report their statistics within a second of going idle
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = connection.exec_driver_sql(
            "SELECT deadlocks, conflicts FROM pg_stat_database WHERE datname = current_database()"
        ).one()
    return int(row[0]), int(row[1])


def as_imported(engine: Engine) -> None:
    """Fill `member.name_initials` as an import or enrolment does (names.initials("member 123")
    is "m1"): benchmarks/till.py's builder leaves it NULL, and the nightly would spend minutes
    backfilling a million members that a real shop never leaves NULL."""
    with engine.begin() as connection:
        filled = connection.execute(
            text(
                "UPDATE member SET name_initials = 'm' || substr(name, 8, 1)"
                " WHERE name_initials IS NULL AND name LIKE :names"
            ),
            {"names": "member %"},
        ).rowcount
    if filled:
        print(f"  pinyin initials filled for {filled:,} members", file=sys.stderr)


def tills_stores(engine: Engine) -> None:
    """The tills sell at store-01 ... : registered where a shop built elsewhere (benchmarks/
    scale.py's, with stores of its own) lacks them."""
    with engine.begin() as connection:
        known = set(connection.execute(select(Store.code)).scalars())  # type: ignore[call-overload]
        missing = [f"store-{n:02d}" for n in range(1, STORES + 1)]
        rows = [
            {"code": code, "name": code, "created_at": dt.datetime.now()}
            for code in missing
            if code not in known
        ]
        if rows:
            connection.execute(insert(Store.__table__), rows)  # type: ignore[attr-defined]


def run(url: str, args: argparse.Namespace) -> int:
    engine, present = open_shop(url, args.members, args.purchases)
    as_imported(engine)
    tills_stores(engine)
    print(
        f"database: {engine.dialect.name}, {size_of(engine) / 2**20:,.0f} MiB; {args.tills} tills"
        f" ({args.mode}) for {args.seconds:.0f} s, nightly at {args.nightly_at:.0f} s;"
        f" load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    refs = bench_members(engine, min(POOL, max(100, (present or args.members) // 50)))
    tag = uuid.uuid4().hex[:6]
    deadlocks, conflicts = pg_counters(engine)
    engine.dispose()
    alone = floor(url, args, refs, tag + "f")
    phase = Phase(args.tills, args.seconds, args.nightly_at, tag, args.cap)
    sold, nightly, go, stopped = drive(url, args.mode, refs, phase)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    surfaced = report(sold, nightly, go, stopped)
    if alone:
        base = statistics.median(s.seconds for s in alone if s.exit_code == 0)
        ok = [s.seconds for s in sold if s.exit_code == 0]
        print(f"p50 with {args.tills} tills / one till alone: "
              f"{statistics.median(ok) / base:.1f}x")  # fmt: skip
    after = pg_counters(engine)
    if engine.dialect.name == "postgresql":
        print(f"PostgreSQL counted {after[0] - deadlocks} deadlocks and "
              f"{after[1] - conflicts} recovery conflicts in this run")  # fmt: skip
    problems = check_orders(engine, alone, tag + "f") + check_orders(engine, sold, tag)
    for problem in problems[:20]:
        print(f"  {problem}")
    checked = db_check(url)
    engine.dispose()
    print(f"conflicts that reached a clerk: {len(surfaced)}")
    failed = problems or checked or surfaced or nightly.exit_code != 0
    print("FAILED" if failed else "all checks hold")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--tills", type=int, help="default 8 on PostgreSQL, 4 on SQLite")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--nightly-at", type=float, help="default a quarter of --seconds")
    parser.add_argument(
        "--floor-seconds", type=float, default=10.0, help="one till alone first (0: none)"
    )
    parser.add_argument("--cap", type=float, help="stop the nightly then (default 5 x --seconds)")
    parser.add_argument("--mode", choices=("inproc", "process"), default="inproc")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, help="default 3 per member")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    postgresql = bool(args.db) and make_url(args.db).get_backend_name() == "postgresql"
    args.tills = args.tills or (8 if postgresql else 4)
    args.nightly_at = args.seconds / 4 if args.nightly_at is None else args.nightly_at
    args.cap = args.cap or 5 * args.seconds
    args.purchases = args.purchases or 3 * args.members
    if postgresql and make_url(args.db).host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("--db: a server on this machine only (127.0.0.1)")
    print(f"{platform.python_implementation()} {platform.python_version()} on "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start", flush=True)  # fmt: skip
    if postgresql:
        with postgresql_database(args.db, args.keep, PG_DATABASE, PG_MARK) as (url, _):
            return run(url, args)
    with tempfile.TemporaryDirectory() as tmp:
        return run(args.db or f"sqlite:///{Path(tmp) / 'load.db'}", args)


if __name__ == "__main__":
    sys.exit(main())
