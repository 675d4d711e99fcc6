"""Two tills selling at once against the same member's last points, last stored value and the
same coupon: for every member exactly one sale succeeds, the other exits 4 and writes nothing,
and the ledgers stay consistent (`db check`).

Each child imports memberctl, says it is ready, waits for the go signal, then runs the real CLI
entry point in-process for every member in turn, so the two contend on every member (the
pattern of tests/slow/test_ledger_race.py). Works on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from memberctl.models import Coupon, Member, PointsEntry, Purchase, Sale, WalletEntry
from tests import ledgers
from tests.cli.test_sale import CAMPAIGN, customer
from tests.slow.racing import race

MEMBERS = 8

CHILD = r"""
import contextlib, io, json, sys

import memberctl.domain.sales  # noqa: F401  (before the race)
from typer.main import get_command
from memberctl.cli import app

db_url, who, verb, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
command = get_command(app)
print("ready", flush=True)
sys.stdin.readline()
report = []
for pair in pairs:
    member_no, code = pair.split(":")
    args = {
        "points": ["--amount", "100", "--points", "1000", "--pay", "cash"],
        "wallet": ["--amount", "100", "--wallet", "50", "--pay", "cash"],
        "coupon": ["--amount", "300", "--coupon", code, "--pay", "cash",
                   "--at", "2026-11-26T10:30"],
        "order": ["--amount", "10", "--pay", "cash", "--order-no", f"O-{member_no}"],
    }[verb]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code_ = command.main(["--db", db_url, "--no-input", "--operator", who, "sale", member_no,
                              *args, "--format", "json"],
                             prog_name="memberctl", standalone_mode=False)
    data = json.loads(out.getvalue()) if code_ == 0 else None
    report.append([code_, data and data["duplicate"]])
print(json.dumps(report), flush=True)
"""


def _race(db_url: str, verb: str, pairs: list[str]) -> list[tuple[list, str]]:
    argvs = [[db_url, who, verb, ",".join(pairs)] for who in ("a", "b")]
    return [(json.loads(stdout), stderr) for stdout, stderr in race(CHILD, *argvs)]


def _one_wins(results: list[tuple[list[list], str]], refusal: str) -> None:
    (a, a_err), (b, b_err) = results
    for i in range(MEMBERS):
        assert sorted([a[i][0], b[i][0]]) == [0, 4], (a_err, b_err)
    assert a_err.count(refusal) + b_err.count(refusal) == MEMBERS, (a_err, b_err)


@pytest.mark.slow
def test_two_tills_race_for_the_last_points_balance_and_coupon(engine, run, db_url, tmp_path):
    members = [customer(engine, tier="basic", points=1000, wallet="50") for _ in range(MEMBERS)]
    path = tmp_path / "drop.toml"
    path.write_text(CAMPAIGN.format(days=30, weekdays="false"), encoding="utf-8")
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run.json("campaign", "run", "drop", "--as-of", "2026-11-25")["coupons"] == MEMBERS
    with Session(engine) as session:
        query = select(Member.member_no, Coupon.code).join(
            Coupon, col(Coupon.member_id) == Member.id
        )
        codes = dict(session.exec(query).all())
    pairs = [f"{m}:{codes[m]}" for m in members]

    # each sale spends all 1,000 points (10.00 of 100.00, under the 50.00 cap) and earns 90:
    # the loser sees the winner's 90 new points, not enough
    _one_wins(_race(db_url, "points", pairs), "90 points to spend, not 1000")
    # each sale takes the whole 50.00 balance and earns 100
    _one_wins(_race(db_url, "wallet", pairs), "has 0.00 in the wallet, not 50.00")
    _one_wins(_race(db_url, "coupon", pairs), "was already used")
    # the same order number at both tills: one sale, the other till gets its receipt again
    (a, a_err), (b, b_err) = _race(db_url, "order", pairs)
    for i in range(MEMBERS):
        assert [a[i][0], b[i][0]] == [0, 0], (a_err, b_err)
        assert sorted([a[i][1], b[i][1]]) == [False, True]

    with Session(engine) as session:
        assert len(session.exec(select(Sale)).all()) == 4 * MEMBERS
        assert len(session.exec(select(Purchase)).all()) == 4 * MEMBERS
        redeems = session.exec(select(PointsEntry).where(PointsEntry.kind == "redeem")).all()
        assert len(redeems) == MEMBERS
        pays = session.exec(select(WalletEntry).where(WalletEntry.kind == "pay")).all()
        assert len(pays) == MEMBERS
        assert all(c.redeemed_at is not None for c in session.exec(select(Coupon)))
    # points: 1000 - 1000 + 90 (points sale) + 100 (wallet sale) + 280 (300.00 - 20.00 coupon)
    # + 10 (the one sale of the shared order number)
    assert all(ledgers.cached_and_summed(engine, m) == (480, 480) for m in members)
    assert ledgers.problems(engine) == []
