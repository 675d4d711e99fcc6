"""SQLite's write lock held by another program: a writer retries `BEGIN IMMEDIATE` after its busy
timeout, a bounded number of times, and then fails with one clear line (exit 1), never with
"database is locked" half-way or a traceback.

The busy timeout and the pauses are shortened here so that "longer than the timeout" takes a
fraction of a second; another connection (a raw sqlite3 one, as another process would be)
holds the lock with its own `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func
from sqlmodel import select

from memberctl.db import engine as engine_module
from memberctl.db.engine import DatabaseBusy, make_engine
from memberctl.db.session import transaction
from memberctl.models import Member
from tests.conftest import PG_URL, failure
from tests.factories import enroll

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock")


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(engine_module, "BUSY_RETRY_PAUSES", (0.2, 0.2, 0.2))


@contextmanager
def held(path: str, seconds: float | None = None) -> Iterator[None]:
    """Hold the write lock; release it after `seconds` (None: when the block ends)."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(seconds, holder.rollback) if seconds is not None else None
    if timer:
        timer.start()
    try:
        yield
    finally:
        if timer:
            timer.join()
        holder.rollback()
        holder.close()


def _path(db_url: str) -> str:
    return db_url.removeprefix("sqlite:///")


@pytest.mark.usefixtures("short_waits")
def test_a_writer_retries_begin_immediate_while_the_lock_is_held_longer_than_the_timeout(
    db_url, engine
):
    member_no = enroll(engine).member_no
    fresh = make_engine(db_url)  # built with the short timeout
    try:
        with held(_path(db_url), seconds=0.5):
            started = time.monotonic()
            with transaction(fresh) as session:
                member = session.exec(select(Member).where(Member.member_no == member_no)).one()
                member.points = 0
                session.add(member)
            waited = time.monotonic() - started
    finally:
        fresh.dispose()
    assert waited >= 0.4  # it waited past the 0.1 s timeout for the holder to let go


@pytest.mark.usefixtures("short_waits", "engine")
def test_a_writer_gives_up_after_the_last_retry_with_a_clear_error(db_url):
    fresh = make_engine(db_url)
    try:
        with held(_path(db_url)), pytest.raises(DatabaseBusy, match="the database is busy"):
            with transaction(fresh) as session:
                session.exec(select(func.count()).select_from(Member)).one()
        with transaction(fresh) as session:  # the connection is usable again afterwards
            assert session.exec(select(func.count()).select_from(Member)).one() == 0
    finally:
        fresh.dispose()


@pytest.mark.usefixtures("short_waits")
def test_a_command_locked_out_says_so_in_one_line_and_writes_nothing(run, db_url, engine):
    with held(_path(db_url)):
        result = run("member", "enroll", "--name", "李四", "--phone", "13900139000")
    failure(result, 1, "the database is busy", "nothing was written", "try again")
    assert "Traceback" not in result.stderr and "locked" not in result.stderr
    with transaction(engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == 0


@pytest.mark.usefixtures("short_waits")
def test_a_reader_is_never_held_up_by_a_writer(run, db_url, engine):
    enroll(engine, phone="13900139000")
    with held(_path(db_url)):
        result = run("member", "show", "13900139000", "-f", "json")
    assert result.exit_code == 0, result.stderr
