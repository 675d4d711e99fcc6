"""The nightly lock across processes: two nightlies started together award every member once;
a nightly held off by another process exits 0 without doing anything, or waits its turn.

Children run the real CLI entry point; each says it is ready and waits for the go signal, so the
two start the job at the same moment. Works on the SQLite file or the PostgreSQL schema of the
`db_url` fixture (the SQLite lock is a flock on FILE.nightly.lock, the PostgreSQL one an advisory
lock keyed by the schema).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from memberctl.domain import nightly
from memberctl.models import CampaignAward, Member
from tests import ledgers
from tests.factories import enroll

MEMBERS = 60
ROOT = Path(__file__).resolve().parents[2]

NIGHTLY = r"""
import contextlib, io, sys

import memberctl.domain.nightly  # noqa: F401  (imported before the start signal)
from typer.main import get_command
from memberctl.cli import app

db_url, wait = sys.argv[1], sys.argv[2]
command = get_command(app)
print("ready", flush=True)
sys.stdin.readline()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = command.main(["--db", db_url, "--no-input", "nightly", "--as-of", "2026-11-25",
                         "--wait", wait], prog_name="memberctl", standalone_mode=False)
print(out.getvalue(), flush=True)
sys.exit(code or 0)
"""
HOLDER = r"""
import sys
from memberctl.db.engine import make_engine
from memberctl.domain import nightly

engine = make_engine(sys.argv[1])
with nightly.lock(engine):
    print("locked", flush=True)
    sys.stdin.readline()
engine.dispose()
"""
CAMPAIGN = """\
code = "thanks"
action = "award_points"
points = 100
where = "tier >= gold"
period = "monthly"
"""


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
    )


def _expect(child: subprocess.Popen[str], line: str) -> None:
    assert child.stdout is not None
    got = child.stdout.readline().strip()
    assert got == line, (got, child.stderr.read() if child.stderr else "")


def _send(child: subprocess.Popen[str], text: str = "go\n") -> None:
    assert child.stdin is not None
    child.stdin.write(text)
    child.stdin.flush()


def _close(child: subprocess.Popen[str]) -> None:
    """Kill a child still running and close its pipes (no ResourceWarning)."""
    if child.poll() is None:
        child.kill()
    child.communicate(timeout=60)


def _finish(child: subprocess.Popen[str]) -> tuple[int, dict]:
    stdout, stderr = child.communicate(timeout=300)
    return child.returncode, json.loads(stdout) if stdout.strip() else {"stderr": stderr}


@pytest.fixture
def shop(run, engine, tmp_path):
    for _ in range(MEMBERS):
        enroll(engine, tier="gold")
    path = tmp_path / "thanks.toml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0


def _awarded_once(engine) -> None:
    with Session(engine) as session:
        assert len(session.exec(select(CampaignAward)).all()) == MEMBERS
        assert set(session.exec(select(Member.points)).all()) == {100}
    assert ledgers.problems(engine) == []


@pytest.mark.slow
@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("wait", ["0", "60"])
def test_two_nightlies_at_once_award_every_member_once(engine, db_url, wait):
    children = [_spawn(NIGHTLY, db_url, wait), _spawn(NIGHTLY, db_url, wait)]
    try:
        for child in children:
            _expect(child, "ready")
        for child in children:
            _send(child)
        results = [_finish(child) for child in children]
    finally:
        for child in children:
            _close(child)

    assert [code for code, _ in results] == [0, 0], results
    ran = [data for _, data in results if not data.get("skipped")]
    skipped = [data for _, data in results if data.get("skipped")]
    assert skipped == [{"skipped": True, "reason": "another nightly is running"}] * len(skipped)
    if wait == "60":
        assert skipped == []
    assert sum(c["awarded"] for data in ran for c in data["campaigns"]) == MEMBERS
    assert all(data["ok"] for data in ran)
    _awarded_once(engine)


@pytest.mark.slow
@pytest.mark.usefixtures("shop")
def test_a_nightly_held_off_by_another_process_exits_0_and_does_nothing(run, engine, db_url):
    holder = _spawn(HOLDER, db_url)
    try:
        _expect(holder, "locked")
        result = run("nightly", "--as-of", "2026-11-25")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {"skipped": True, "reason": SKIPPED}
        with Session(engine) as session:
            assert session.exec(select(CampaignAward)).all() == []
        _send(holder, "\n")
        holder.communicate(timeout=60)
        assert holder.returncode == 0
    finally:
        _close(holder)

    assert json.loads(run("nightly", "--as-of", "2026-11-25").stdout)["ok"] is True
    _awarded_once(engine)


SKIPPED = nightly.SKIPPED_REASON


@pytest.mark.slow
@pytest.mark.usefixtures("shop")
def test_a_waiting_nightly_runs_when_the_lock_is_released(engine, db_url):
    with nightly.lock(engine):
        child = _spawn(NIGHTLY, db_url, "60")
        try:
            _expect(child, "ready")
            _send(child)
            time.sleep(1.5)
            assert child.poll() is None, "it should be waiting for the lock"
        except BaseException:
            _close(child)
            raise
    code, data = _finish(child)

    assert code == 0, data
    assert data["ok"] is True and data["campaigns"][0]["awarded"] == MEMBERS
    _awarded_once(engine)
