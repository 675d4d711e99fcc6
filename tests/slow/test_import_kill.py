"""SIGKILL `import members` (a chunked .csv and an .xlsx) and `import purchases` at random points
of their work and between two chunks, then prove that a killed import left nothing behind and
that running it again imports each row exactly once.

docs/spreadsheets.md ("One transaction per import"): an import is one transaction, recorded in the
`import_run` table inside that same transaction, so a refused, dry-run, failed or killed import
leaves nothing behind and running it again starts from scratch; rows are written in chunks as
they are read (a large CSV is streamed) but nothing is visible to others until the commit. So
after every kill here: `db check` passes, and the database holds none of the file (no member,
ledger entry, purchase or `import_run` row of it) - or, when the kill landed after the commit,
all of it; a re-run then imports exactly the file's rows, with exact points and balance sums,
and a second re-run with `--on-existing skip` (purchases: a plain re-run, known orders are
skipped) changes nothing.

Each kill imports a new file (file k: phones 139kk000000 upwards, orders Pk-i), so the checks
compare the database with the state before that file. The first file is a clean run that
measures the import's work (from its first write to its exit); a random kill waits until the
process holds a write transaction, then sleeps a delay drawn from a seeded RNG over that work.
A kill between chunks runs the real CLI with a hook that, after chunk N has been written, says
so on stderr and sleeps until the test kills it. All runs use the same entry point with the
chunk size lowered (`read.CHUNK_ROWS`, default a quarter of the file) so a small file streams
in several chunks, as a file of millions of rows does with the default 50,000.

Knobs: MEMBERCTL_KILL_POINTS (random kills per import kind), MEMBERCTL_KILL_ROWS (rows per file),
MEMBERCTL_KILL_CHUNK_ROWS. Works on the SQLite file or the PostgreSQL schema of `db_url`; each
outcome is printed with `-s` (the figures for docs/reliability.md).
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import Engine, func, select

from memberctl.db.session import transaction
from memberctl.models import ImportRun, Member, PointsEntry, Purchase, Tier, WalletEntry
from tests.slow import killing
from tests.spreadsheets.sheets import write_csv

SEED = 20261125
KILLS = int(os.environ.get("MEMBERCTL_KILL_POINTS", "2"))  # random kills per import kind
PG = bool(os.environ.get("MEMBERCTL_TEST_DB"))
ROWS = int(os.environ.get("MEMBERCTL_KILL_ROWS", "0")) or (4000 if PG else 8000)
CHUNK_ROWS = int(os.environ.get("MEMBERCTL_KILL_CHUNK_ROWS", "0")) or ROWS // 4
CHUNKS = math.ceil(ROWS / CHUNK_ROWS)
AT = "2026-11-20 10:00:00"
OUTCOMES: list[dict[str, Any]] = []

# The real CLI, with the chunk size lowered and, when KILL_HOLD_AFTER_CHUNK=N, a pause after
# chunk N is written (the importer asks for the next chunk only once the previous one is in).
CHILD = """
import os, sys, time
from memberctl.spreadsheets import read
read.CHUNK_ROWS = int(os.environ["KILL_CHUNK_ROWS"])
hold = int(os.environ.get("KILL_HOLD_AFTER_CHUNK") or 0)
opened = read.open_sheet
def held(frames):
    for number, frame in enumerate(frames, 1):
        yield frame
        if number == hold:
            os.write(2, b"held after chunk %d\\n" % number)
            time.sleep(600)
def open_sheet(*args, **kwargs):
    sheet = opened(*args, **kwargs)
    sheet.chunks = held(sheet.chunks)
    return sheet
read.open_sheet = open_sheet
from memberctl.cli import main
main()
"""


_truncate_after = killing.truncate_after  # an autouse fixture


# -- the files ---------------------------------------------------------------------------------
def _member_rows(k: int) -> list[list[Any]]:
    """File k: ROWS new members, phones 139kk000000 upwards, opening points and balance."""
    return [["姓名", "手机号", "积分", "余额", "标签"]] + [
        [
            f"k{k}m{i}",
            f"139{k:02d}{i:06d}",
            i % 97,
            f"{i % 50}.{i % 100:02d}",
            "vip,new" if i % 3 == 0 else "",
        ]
        for i in range(ROWS)
    ]


def _write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if c == 3 and r:  # balance as a number cell, as a shop's sheet has it
                sheet.write_number(r, c, float(value))
            else:
                sheet.write(r, c, value)
    book.close()
    return path


def _member_file(tmp_path: Path, k: int, suffix: str) -> Path:
    path = tmp_path / f"members{k}{suffix}"
    if suffix == ".csv":
        return write_csv(path, _member_rows(k))
    return _write_xlsx(path, _member_rows(k))


def _expected(k: int) -> dict[str, Any]:
    rows = _member_rows(k)[1:]
    return {
        "members": ROWS,
        "points": sum(r[2] for r in rows),
        "balance": sum((Decimal(r[3]) for r in rows), Decimal("0.00")),
    }


def _purchase_rows(p: int) -> list[list[Any]]:
    """Purchase file p: ROWS orders Pp-i of the members of file 0."""
    return [["订单号", "手机号", "金额", "时间"]] + [
        [f"P{p}-{i}", f"13900{i % ROWS:06d}", f"{i % 300 + 1}.{i % 100:02d}", AT]
        for i in range(ROWS)
    ]


# -- driving the subprocess ----------------------------------------------------------------------
def _command(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-c", CHILD, "--db", db_url, "--no-input", *args, "-f", "json"]


def _env(hold: int = 0) -> dict[str, str]:
    return {
        **os.environ,
        "MEMBERCTL_OPERATOR": "killer",
        "KILL_CHUNK_ROWS": str(CHUNK_ROWS),
        "KILL_HOLD_AFTER_CHUNK": str(hold),
    }


def _popen(command: list[str], hold: int = 0) -> subprocess.Popen[bytes]:
    return killing.popen(command, _env(hold))


def _measure(engine: Engine, command: list[str]) -> tuple[float, dict[str, Any]]:
    return killing.measure(engine, command, _env())


def _kill_at_random(engine: Engine, command: list[str], delay: float) -> str:
    return killing.kill_after(engine, command, _env(), delay)


def _kill_after_chunk(engine: Engine, command: list[str], chunk: int) -> str:
    """Kill the import once chunk `chunk` is written and before the next one is."""
    process = _popen(command, hold=chunk)
    assert process.stderr is not None
    said = []
    while line := process.stderr.readline():
        said.append(line)
        if line.startswith(b"held after chunk"):
            assert killing.holds_write_lock(engine), "the held import holds no write transaction"
            process.send_signal(signal.SIGKILL)
            break
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, b"".join(said).decode()
    return "killed"


def _finish(command: list[str]) -> dict[str, Any]:
    return killing.finish(command, _env())


_db_check = killing.db_check


def _record(test: str, backend: str, point: str, work: float, **what: Any) -> None:
    OUTCOMES.append(
        {"test": test, "backend": backend, "point": point, "work": round(work, 2), **what}
    )
    sys.stderr.write(f"{OUTCOMES[-1]}\n")


# -- what is in the database -------------------------------------------------------------------
def _totals(engine: Engine) -> dict[str, Any]:
    """Everything an import writes, summed over the whole database (import_run: runs by status)."""
    queries = {
        "members": select(func.count()).select_from(Member),
        "points": select(func.count(), func.sum(PointsEntry.points)),
        "wallet": select(func.count(), func.sum(WalletEntry.amount)),
        "purchases": select(func.count()).select_from(Purchase),
        "cached": select(func.sum(Member.points), func.sum(Member.balance)),
    }
    with transaction(engine, write=False) as session:
        totals: dict[str, Any] = {name: tuple(session.exec(q).one()) for name, q in queries.items()}
        runs = select(ImportRun.status, func.count()).group_by(ImportRun.status)
        totals["runs"] = tuple(tuple(row) for row in session.exec(runs).all())
    return totals


def _file_state(engine: Engine, k: int) -> dict[str, Any]:
    """The members of file k: how many, their points and balance (caches and ledgers)."""
    mine = Member.phone.like(f"+86139{k:02d}%")  # type: ignore[attr-defined]
    with transaction(engine, write=False) as session:
        count, points, balance = session.exec(
            select(func.count(), func.sum(Member.points), func.sum(Member.balance)).where(mine)
        ).one()
        ids = select(Member.id).where(mine)
        ledger_points = session.exec(
            select(func.sum(PointsEntry.points)).where(PointsEntry.member_id.in_(ids))  # type: ignore[attr-defined]
        ).one()[0]
        ledger_balance = session.exec(
            select(func.sum(WalletEntry.amount)).where(WalletEntry.member_id.in_(ids))  # type: ignore[attr-defined]
        ).one()[0]
    return {
        "members": count,
        "points": points,
        "balance": balance,
        "ledger_points": ledger_points,
        "ledger_balance": ledger_balance,
    }


def _nothing() -> dict[str, Any]:
    return {
        "members": 0,
        "points": None,
        "balance": None,
        "ledger_points": None,
        "ledger_balance": None,
    }


def _all(k: int) -> dict[str, Any]:
    want = _expected(k)
    return {**want, "ledger_points": want["points"], "ledger_balance": want["balance"]}


# -- import members ----------------------------------------------------------------------------
def _members_round(
    run: Any, engine: Engine, command: list[str], k: int, kill: Any
) -> tuple[str, bool]:
    """Kill the import of file k (`kill(command)`), check, re-run, re-run with skip, check."""
    before = _totals(engine)
    outcome = kill(command)
    _db_check(run)
    after_kill = _file_state(engine, k)
    committed = after_kill != _nothing()
    if committed:  # the kill came after the commit
        assert after_kill == _all(k), after_kill
    else:
        assert _totals(engine) == before  # nothing of the file, anywhere
        again = _finish(command)
        assert (again["inserted"], again["skipped"], again["rejected"]) == (ROWS, 0, 0), again
    _db_check(run)
    assert _file_state(engine, k) == _all(k)
    imported = _totals(engine)
    skip = _finish([*command, "--on-existing", "skip"])
    assert (skip["inserted"], skip["updated"], skip["skipped"]) == (0, 0, ROWS), skip
    after_skip = _totals(engine)
    assert after_skip.pop("runs") != imported.pop("runs")  # one more done run, nothing else
    assert after_skip == imported
    return outcome, committed


def _import_members_killed(
    run: Any, engine: Engine, db_url: str, tmp_path: Path, suffix: str
) -> None:
    rng = random.Random(f"{SEED}{suffix}")
    backend = engine.dialect.name
    test = f"import members {suffix}"

    def command(k: int) -> list[str]:
        return _command(db_url, "import", "members", str(_member_file(tmp_path, k, suffix)))

    work, first = _measure(engine, command(0))
    assert (first["inserted"], first["rejected"]) == (ROWS, 0), first
    assert _file_state(engine, 0) == _all(0)
    _db_check(run)
    delays = [rng.uniform(0, work) for _ in range(KILLS)]
    points: list[tuple[str, Any]] = [
        (f"random {d:.2f}s", lambda c, d=d: _kill_at_random(engine, c, d)) for d in delays
    ]
    for chunk in sorted({1, CHUNKS - 1} if suffix == ".csv" else {CHUNKS // 2}):
        points.append(
            (f"after chunk {chunk} of {CHUNKS}", lambda c, n=chunk: _kill_after_chunk(engine, c, n))
        )
    for k, (point, kill) in enumerate(points, 1):
        outcome, committed = _members_round(run, engine, command(k), k, kill)
        _record(
            test, backend, point, work, rows=ROWS, outcome=outcome, committed_before_kill=committed
        )
    total = _totals(engine)
    assert total["members"] == (ROWS * (len(points) + 1),)
    assert total["runs"] == (("done", 2 * len(points) + 1),)


@pytest.mark.slow
def test_sigkill_csv_import_at_random_points_and_between_chunks(run, engine, db_url, tmp_path):
    _import_members_killed(run, engine, db_url, tmp_path, ".csv")


@pytest.mark.slow
def test_sigkill_xlsx_import_at_random_points(run, engine, db_url, tmp_path):
    _import_members_killed(run, engine, db_url, tmp_path, ".xlsx")


# -- import purchases --------------------------------------------------------------------------
def _earned(engine: Engine, rows: list[list[Any]]) -> int:
    """The points the orders earn: basic members, no birthday, amount x rate x multiplier."""
    with transaction(engine, write=False) as session:
        tier = session.exec(select(Tier).where(Tier.code == "basic")).scalars().one()
        rate = (tier.points_per_unit or Decimal(1)) * tier.multiplier
    return sum(int(Decimal(r[2]) * rate // 1) for r in rows[1:])


def _orders(engine: Engine, p: int) -> tuple[int, int, int, int]:
    """Purchases of file p: (rows, distinct orders, points earned, earn ledger points)."""
    mine = Purchase.order_no.like(f"P{p}-%")  # type: ignore[attr-defined]
    with transaction(engine, write=False) as session:
        rows, distinct, earned = session.exec(
            select(
                func.count(),
                func.count(func.distinct(Purchase.order_no)),
                func.coalesce(func.sum(Purchase.points_earned), 0),
            ).where(mine)
        ).one()
        ledger = session.exec(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.kind == "earn",
                PointsEntry.purchase_id.in_(select(Purchase.id).where(mine)),  # type: ignore[attr-defined]
            )
        ).one()[0]
    return int(rows), int(distinct), int(earned), int(ledger)


@pytest.mark.slow
def test_sigkill_purchase_import_then_rerun(run, engine, db_url, tmp_path):
    rng = random.Random(SEED + 7)
    backend = engine.dialect.name
    members = _command(db_url, "import", "members", str(_member_file(tmp_path, 0, ".csv")))
    assert _finish(members)["inserted"] == ROWS

    def command(p: int) -> list[str]:
        path = write_csv(tmp_path / f"purchases{p}.csv", _purchase_rows(p))
        return _command(db_url, "import", "purchases", str(path))

    work, first = _measure(engine, command(0))
    assert (first["inserted"], first["rejected"]) == (ROWS, 0), first
    earned = _earned(engine, _purchase_rows(0))
    assert _orders(engine, 0) == (ROWS, ROWS, earned, earned)
    for p in range(1, max(1, KILLS) + 1):
        delay = rng.uniform(0, work)
        before = _totals(engine)
        outcome = _kill_at_random(engine, command(p), delay)
        _db_check(run)
        after_kill = _orders(engine, p)
        committed = after_kill != (0, 0, 0, 0)
        if committed:
            assert after_kill == (ROWS, ROWS, earned, earned), after_kill
        else:
            assert _totals(engine) == before
            again = _finish(command(p))
            assert (again["inserted"], again["skipped"], again["rejected"]) == (ROWS, 0, 0)
        assert _orders(engine, p) == (ROWS, ROWS, earned, earned)  # each order once
        done = _totals(engine)
        once_more = _finish(command(p))
        assert (once_more["inserted"], once_more["skipped"]) == (0, ROWS), once_more
        after = _totals(engine)
        assert after.pop("runs") != done.pop("runs")
        assert after == done  # nothing doubled, no points earned twice
        _db_check(run)
        _record(
            "import purchases",
            backend,
            f"random {delay:.2f}s",
            work,
            rows=ROWS,
            outcome=outcome,
            committed_before_kill=committed,
        )
    with transaction(engine, write=False) as session:
        cached = session.exec(select(func.sum(Member.points))).one()[0]
    assert cached == _expected(0)["points"] + earned * (max(1, KILLS) + 1)
