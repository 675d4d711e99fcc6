"""A killed import leaves nothing behind; running it again imports exactly the file's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from memberctl.models import ImportRun, Member, PointsEntry
from tests.spreadsheets.sheets import write_csv

ROWS = 60_000


@pytest.mark.slow
def test_sigkill_mid_import_then_rerun(engine, db_url, tmp_path, session):
    rows = [["姓名", "手机号", "积分"]] + [[f"m{i}", f"139{i:08d}", "10"] for i in range(ROWS)]
    path = write_csv(tmp_path / "big.csv", rows)
    command = [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", "import",
               "members", str(path), "--format", "json"]  # fmt: skip
    env = {**os.environ, "MEMBERCTL_OPERATOR": "tester"}
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) as process:
        _wait_until_writing(process, engine, tmp_path)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert session.exec(select(func.count()).select_from(Member)).one() == 0
    done = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    session.rollback()  # a fresh snapshot
    assert session.exec(select(func.count()).select_from(Member)).one() == ROWS
    assert session.exec(select(func.sum(PointsEntry.points))).one() == 10 * ROWS
    assert [r.status for r in session.exec(select(ImportRun))] == ["done"]


def _wait_until_writing(process, engine, tmp_path):
    """Until the import holds its write transaction (the import_run row is inserted first)."""
    deadline = time.monotonic() + 60
    wal = tmp_path / "members.db-wal"
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it was killed"
        if engine.dialect.name == "sqlite":
            if wal.exists() and wal.stat().st_size > 1_000_000:
                return
        elif _pg_busy(engine):
            return
        time.sleep(0.05)
    pytest.fail("the import never started writing")


def _pg_busy(engine):
    from sqlalchemy import text

    with engine.connect() as connection:
        # Another session holds a write lock on this test schema's member table.
        query = text("SELECT count(*) FROM pg_locks WHERE relation = 'member'::regclass"
                     " AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()")  # fmt: skip
        return connection.execute(query).scalar() > 0
