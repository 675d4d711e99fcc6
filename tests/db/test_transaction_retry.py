"""A transaction the database gives up for a conflict with another one is run again as a whole
(`db.session.run_transaction`), so a clerk never sees a deadlock, a serialization failure or
"database is locked".

PostgreSQL: a real deadlock between a `memberctl sale` process and another connection. The
other connection first writes a purchase under the order number the sale is about to use (not
committed), so the sale, having locked its member, waits on that key; then the other connection
asks for the sale's member. The sale waited first, so its backend finds the deadlock and aborts
it (40P01); memberctl tries the sale again, and the other connection, having got the member,
rolls back, so the second try sells. Without the retry the clerk sees exit 1.

SQLite: a real stale snapshot. A transaction that read before another connection committed a
write cannot write after it ("database is locked" at once, whatever the busy timeout); the whole
transaction is tried again, and the second try reads the new state.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, col, select

from memberctl.db import session as session_module
from memberctl.db.session import is_retryable, run_transaction
from memberctl.models import Member, Purchase, Sale
from tests import ledgers
from tests.conftest import PG_URL, TEST_ENV
from tests.factories import enroll

ROOT = Path(__file__).resolve().parents[2]


def _deadlocks(engine: Engine) -> int:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        return int(
            connection.execute(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one()
        )


def _wait_until_blocked(engine: Engine, pid: int, seconds: float = 30) -> None:
    """Until backend `pid`'s other side (the sale) waits on a lock `pid` holds."""
    deadline = time.monotonic() + seconds
    query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query, {"pid": pid}).scalar_one():
                return
        time.sleep(0.05)
    raise AssertionError("the sale never waited on the order number")


@pytest.mark.skipif(not PG_URL, reason="a PostgreSQL deadlock between two connections")
def test_a_sale_that_loses_a_deadlock_is_sold_on_the_second_try(engine, db_url):
    buyer = enroll(engine).member_no
    other = enroll(engine).member_no
    ledgers.add(engine, buyer, 1000)
    with Session(engine) as session:
        ids = dict(session.exec(select(Member.member_no, Member.id)).all())
    before = _deadlocks(engine)
    sale = [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", "sale", buyer,
            "--amount", "100", "--points", "500", "--pay", "cash", "--order-no", "D-1",
            "-f", "json"]  # fmt: skip
    with engine.connect() as rival:
        rival.begin()
        pid = rival.execute(text("SELECT pg_backend_pid()")).scalar_one()
        rival.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # the sale finds it first
        rival.execute(
            insert(Purchase).values(
                member_id=ids[other], order_no="D-1", store="", amount=1,
                at=dt.datetime(2026, 11, 25), points_earned=0, operator="rival",
                created_at=dt.datetime(2026, 11, 25),
            )
        )  # fmt: skip
        started = time.monotonic()
        child = subprocess.Popen(sale, env={**os.environ, **TEST_ENV}, cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        _wait_until_blocked(engine, pid)
        # waits for the buyer's row: the sale's backend finds the deadlock and gives way
        rival.execute(select(Member.id).where(Member.id == ids[buyer]).with_for_update())
        rival.rollback()
        stdout, stderr = child.communicate(timeout=60)
    took = time.monotonic() - started
    assert child.returncode == 0, stderr
    assert stderr.strip().splitlines() == [f"{buyer}: order D-1, 95.00 by Cash, 95 points earned"]
    receipt = json.loads(stdout)
    assert (receipt["duplicate"], receipt["points_used"], receipt["points"]) == (False, 500, 595)
    assert took >= 1.0  # the deadlock timeout (1 s) passed before the sale was given up
    assert _deadlocks(engine) >= before + 1
    with Session(engine) as session:
        rows = session.exec(
            select(Purchase.member_id, Sale.id).join(Sale, col(Sale.purchase_id) == Purchase.id)
            .where(Purchase.order_no == "D-1")
        ).all()  # fmt: skip
    assert [member_id for member_id, _ in rows] == [ids[buyer]]
    assert ledgers.problems(engine) == []


def _stale_work(path: str, member_no: str, tries: list[int], spoil: int):
    """A transaction's work that reads a member, then (on the first `spoil` tries) lets another
    program write and commit, then writes the member itself."""

    def work(session: Session) -> int:
        tries.append(len(tries) + 1)
        member = session.exec(select(Member).where(Member.member_no == member_no)).one()
        read = member.points
        if len(tries) <= spoil:
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("UPDATE member SET points = points + 7 WHERE member_no = ?", (member_no,))
            other.close()
        session.execute(update(Member).where(col(Member.id) == member.id).values(points=read + 1))
        return read

    return work


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's snapshot and write lock")
def test_a_transaction_whose_snapshot_went_stale_on_sqlite_is_run_again(engine, db_url):
    member_no = enroll(engine).member_no
    tries: list[int] = []
    work = _stale_work(db_url.removeprefix("sqlite:///"), member_no, tries, spoil=1)
    read = run_transaction(engine, work, write=False)  # a deferred BEGIN: it reads first
    assert (tries, read) == ([1, 2], 7)
    with Session(engine) as session:
        points = session.exec(select(Member.points).where(Member.member_no == member_no)).one()
    assert points == 8  # the other program's 7 kept, this transaction's 1 added once


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's snapshot and write lock")
def test_a_conflict_on_every_try_goes_to_the_caller_after_the_last(engine, db_url, monkeypatch):
    monkeypatch.setattr(session_module, "RETRY_PAUSES", (0.0, 0.0))
    member_no = enroll(engine).member_no
    tries: list[int] = []
    work = _stale_work(db_url.removeprefix("sqlite:///"), member_no, tries, spoil=99)
    with pytest.raises(OperationalError, match="database is locked") as caught:
        run_transaction(engine, work, write=False)
    assert (tries, is_retryable(caught.value)) == ([1, 2, 3], True)
    with Session(engine) as session:
        points = session.exec(select(Member.points).where(Member.member_no == member_no)).one()
    assert points == 21  # three times the other program's 7; nothing of this transaction's


def test_an_error_that_is_no_conflict_is_not_tried_again(engine):
    tries: list[int] = []

    def work(session: Session) -> None:
        tries.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError) as caught:
        run_transaction(engine, work)
    assert (tries, is_retryable(caught.value)) == ([1], False)
