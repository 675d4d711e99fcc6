"""Two processes enrolling at once into one database, from its very first use.

Each child process imports memberctl, says it is ready, waits for the go signal, and then runs
`memberctl --db URL --no-input member enroll ... -f json` 50 times through the real CLI entry
point in-process (a new engine and a schema check on every run, as separate invocations would
do, without 100 interpreter start-ups). The database does not exist yet when they start, so the
schema migration itself is raced as well. On PostgreSQL (MEMBERCTL_TEST_DB) the same test runs
against a fresh schema.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.db.engine import make_engine
from memberctl.db.migrate import HEAD_REVISION, current_revision
from memberctl.models import Counter, Member
from tests.slow.racing import race

PER_PROCESS = 50

CHILD = r"""
import contextlib, io, json, sys

import memberctl.db.migrate, memberctl.domain.members  # noqa: F401  (import before the race)
from typer.main import get_command
from memberctl.cli import app

db_url, digit, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
command = get_command(app)
print("ready", flush=True)
sys.stdin.readline()
codes, numbers = [], []
for i in range(count):
    args = ["--db", db_url, "--no-input", "--operator", f"clerk{digit}", "member", "enroll",
            "--name", f"并发{digit}-{i}", "--phone", f"13{digit}0000{i:04d}", "--format", "json"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = command.main(args, prog_name="memberctl", standalone_mode=False)
    codes.append(code)
    numbers.append(json.loads(out.getvalue())["member_no"] if code == 0 else None)
print(json.dumps({"codes": codes, "numbers": numbers}), flush=True)
"""


@pytest.mark.slow
def test_two_processes_enrolling_at_once_get_distinct_numbers(fresh_db_url, tmp_path):
    db_url = fresh_db_url
    if db_url.startswith("sqlite"):
        assert not (tmp_path / "fresh.db").exists(), "the race must include the first use"
    argvs = [[db_url, digit, str(PER_PROCESS)] for digit in ("8", "9")]
    numbers = []
    for stdout, stderr in race(CHILD, *argvs):
        assert "locked" not in stderr.lower(), stderr
        assert "Traceback" not in stderr, stderr
        report = json.loads(stdout)
        assert report["codes"] == [0] * PER_PROCESS, stderr
        numbers += report["numbers"]
    expected = [f"M{n:06d}" for n in range(1, 2 * PER_PROCESS + 1)]
    assert sorted(numbers) == expected

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(Member)).one() == 100
            assert sorted(session.exec(select(Member.member_no))) == expected
            assert (
                session.exec(select(Counter.value).where(col(Counter.name) == "member_no")).one()
                == 100
            )
            assert current_revision(session.connection()) == HEAD_REVISION
    finally:
        engine.dispose()
