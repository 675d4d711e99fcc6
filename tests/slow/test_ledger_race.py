"""Two processes racing on the same ledgers: spending the same last points, and recording the
same order number. Exactly one spender wins each time (the other gets exit 4), each order is
recorded and earns once, and no balance ever goes below zero.

Each child imports memberctl, says it is ready, waits for the go signal, then runs the real CLI
entry point in-process for every member in turn, so the two contend on every member. Works on
the SQLite file or the PostgreSQL schema of the `db_url` fixture.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from memberctl.models import Member, Purchase
from tests import ledgers
from tests.factories import enroll
from tests.slow.racing import race

MEMBERS = 15

CHILD = r"""
import contextlib, io, json, sys

import memberctl.domain.points, memberctl.domain.purchases  # noqa: F401  (before the race)
from typer.main import get_command
from memberctl.cli import app

db_url, who, verb, members = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
command = get_command(app)
print("ready", flush=True)
sys.stdin.readline()
report = []
for member_no in members:
    args = {
        "deduct": ["points", "deduct", member_no, "10", "--reason", f"race {who}"],
        "record": ["purchase", "record", member_no, "25", "--order-no", f"O-{member_no}"],
    }[verb]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = command.main(["--db", db_url, "--no-input", "--operator", who, *args,
                             "--format", "json"], prog_name="memberctl", standalone_mode=False)
    data = json.loads(out.getvalue()) if code == 0 else None
    report.append([code, data and data.get("duplicate")])
print(json.dumps(report), flush=True)
"""


def _race(db_url: str, verb: str, members: list[str]) -> list[tuple[list, str]]:
    argvs = [[db_url, who, verb, ",".join(members)] for who in ("a", "b")]
    return [(json.loads(stdout), stderr) for stdout, stderr in race(CHILD, *argvs)]


@pytest.mark.slow
def test_racing_for_the_last_points_and_the_same_order(engine, db_url):
    members = [enroll(engine).member_no for _ in range(MEMBERS)]
    for member_no in members:
        ledgers.add(engine, member_no, 10)

    (a, a_err), (b, b_err) = _race(db_url, "deduct", members)

    for i in range(MEMBERS):
        assert sorted([a[i][0], b[i][0]]) == [0, 4], (a_err, b_err)
    assert a_err.count("has 0 points to spend") + b_err.count("has 0 points to spend") == MEMBERS
    assert all(ledgers.cached_and_summed(engine, m) == (0, 0) for m in members)

    (a, a_err), (b, b_err) = _race(db_url, "record", members)

    for i in range(MEMBERS):
        assert [a[i][0], b[i][0]] == [0, 0], (a_err, b_err)
        assert sorted([a[i][1], b[i][1]]) == [False, True]
    with Session(engine) as session:
        assert len(session.exec(select(Purchase)).all()) == MEMBERS
        assert set(session.exec(select(Member.points))) == {25}
    assert all(ledgers.cached_and_summed(engine, m) == (25, 25) for m in members)
    assert ledgers.problems(engine) == []
