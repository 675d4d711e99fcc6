"""Two processes changing one setting at once: every change lands, none fails, and the audit
log's chain of old -> new values is unbroken (each change saw the one before it).

Each child runs `memberctl settings set points.redeem_rate N` in-process through the real CLI
entry point, with its own values (2xx and 3xx), starting from no stored row, so the first
inserts race too. On PostgreSQL (MEMBERCTL_TEST_DB) the changes queue on an advisory lock; on
SQLite on the database's write lock.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from memberctl.models import AuditEntry, Setting
from tests.slow.racing import race

PER_PROCESS = 25

CHILD = r"""
import contextlib, io, sys

import memberctl.domain.policy  # noqa: F401  (import before the race)
from typer.main import get_command
from memberctl.cli import app

db_url, base, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
command = get_command(app)
print("ready", flush=True)
sys.stdin.readline()
codes = []
for i in range(count):
    args = ["--db", db_url, "--no-input", "settings", "set", "points.redeem_rate", str(base + i)]
    with contextlib.redirect_stdout(io.StringIO()):
        codes.append(command.main(args, prog_name="memberctl", standalone_mode=False))
print(codes, flush=True)
"""


@pytest.mark.slow
def test_two_processes_changing_a_setting_at_once_queue(db_url, engine):
    argvs = [[db_url, str(base), str(PER_PROCESS)] for base in (200, 300)]
    for stdout, stderr in race(CHILD, *argvs):
        assert json.loads(stdout) == [0] * PER_PROCESS, stderr

    with Session(engine) as session:
        entries = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "settings.set")
            .order_by(col(AuditEntry.id))
        ).all()
        stored = session.get(Setting, "points.redeem_rate")
    chain = [(e.details["old"], e.details["new"]) for e in entries]
    assert len(chain) == 2 * PER_PROCESS
    assert chain[0][0] == "100"
    assert all(chain[i][1] == chain[i + 1][0] for i in range(len(chain) - 1)), chain
    assert sorted(int(new) for _old, new in chain) == [
        *range(200, 200 + PER_PROCESS),
        *range(300, 300 + PER_PROCESS),
    ]
    assert stored is not None and stored.value == chain[-1][1]
