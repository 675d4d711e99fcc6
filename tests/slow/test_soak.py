"""A clerk at the terminal and the nightly job on the same database at once, for a while.

The clerk is a loop of separate `memberctl` processes (enrol, purchase record, points deduct,
wallet topup and pay, chosen by a seeded RNG); the job is another loop, in a thread, of
`memberctl nightly --as-of DAY` for one day after another. Both run for MEMBERCTL_SOAK_SECONDS
(default 30). Every clerk command must succeed (exit 0, JSON on stdout, no "database is locked"
or traceback on stderr): the clerk only spends what the test's own model of the ledgers says is
there, so nothing may be refused. Every nightly must run whole (`ok`, never skipped). Then the
database must hold exactly what the model says: each of the clerk's members' points and stored
value (caches and ledger sums), every order, and for the nightly's bulk members one expiry per
lapsed lot and one award per completed day, with `db check` passing.

The nightly's daily campaign gives 5 points to every active member, the clerk's too, so the job
and the clerk write the same members' ledgers and points caches at the same time (on PostgreSQL
they contend for the same rows, not only for SQLite's one write lock): a clerk member's points
must be exactly the model's plus 5 for each award row it got, at most one a day. The clerk's
members spend under the silver threshold and enrol without a birthday, so a purchase earns
floor(amount) points whatever the nightly did. Works on the SQLite file or the PostgreSQL schema
of `db_url`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from memberctl.db.session import transaction
from memberctl.models import (
    CampaignAward,
    Member,
    PointsEntry,
    Purchase,
    WalletEntry,
)

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("MEMBERCTL_SOAK_SECONDS", "30"))
SEED = 7
BULK = int(os.environ.get("MEMBERCTL_SOAK_BULK", "3000"))  # members the nightly works on
LAPSE_DAYS = 10  # bulk lots lapse on the first LAPSE_DAYS nightly days, BULK // LAPSE_DAYS a day
SPEND_CAP = Decimal("900.00")  # per clerk member: stays basic (silver needs 1000.00)
NOW = dt.datetime(2026, 11, 20, 9, 0)
BULK_CAMPAIGN = """\
code = "bulk-daily"
name = "bulk daily"
action = "award_points"
points = 5
where = "status = active"
period = "daily"
"""


@dataclass
class Model:
    """What the clerk did: each member's points, stored value and spend, and every order."""

    points: dict[str, int] = field(default_factory=dict)
    balance: dict[str, Decimal] = field(default_factory=dict)
    spend: dict[str, Decimal] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)
    wallet_rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)  # wall time of each clerk command


def _memberctl(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", *args, "-f", "json"],
        env={**os.environ, "MEMBERCTL_OPERATOR": "clerk"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def _timed(model: Model, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    start = time.monotonic()
    done = _memberctl(db_url, *args)
    model.seconds.append(time.monotonic() - start)
    return done


def _ok(done: subprocess.CompletedProcess[str], what: str) -> Any:
    assert done.returncode == 0, f"{what}: exit {done.returncode}: {done.stderr}"
    assert "locked" not in done.stderr.lower(), f"{what}: {done.stderr}"
    assert "Traceback" not in done.stderr, f"{what}: {done.stderr}"
    return json.loads(done.stdout)


def _seed_bulk(engine: Engine, day0: dt.date) -> None:
    rows = [
        {
            "member_no": f"B{i:06d}",
            "name": f"b{i}",
            "phone": f"+86136{i:08d}",
            "tier_code": "basic",
            "status": "active",
            "points": 100,
            "balance": Decimal("0.00"),
            "store": "bulk",
            "joined_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            "opt_out": False,
        }
        for i in range(BULK)
    ]
    with transaction(engine) as session:
        session.execute(insert(Member), rows)
        ids = session.exec(select(Member.id).order_by(Member.id)).scalars().all()
        lots = [
            {
                "member_id": m,
                "kind": "adjust",
                "points": 100,
                "reason": "seed",
                "operator": "s",
                "at": NOW,
                "expires_on": day0 + dt.timedelta(days=i % LAPSE_DAYS - 1),
            }
            for i, m in enumerate(ids)
        ]
        session.execute(insert(PointsEntry), lots)


# -- the clerk -------------------------------------------------------------------------------
def _enroll(db_url: str, model: Model, rng: random.Random) -> None:
    phone = f"1380000{len(model.points):04d}"
    data = _ok(
        _timed(
            model,
            db_url,
            "member",
            "enroll",
            "--name",
            f"顾客{len(model.points)}",
            "--phone",
            phone,
        ),
        "enroll",
    )
    no = data["member_no"]
    model.points[no], model.balance[no], model.spend[no] = 0, Decimal("0.00"), Decimal("0.00")
    del rng


def _purchase(db_url: str, model: Model, rng: random.Random, no: str) -> None:
    amount = Decimal(rng.randint(100, 3000)) / 100
    if model.spend[no] + amount >= SPEND_CAP:
        return _enroll(db_url, model, rng)
    order = f"S{len(model.orders):05d}"
    data = _ok(
        _timed(model, db_url, "purchase", "record", no, str(amount), "--order-no", order),
        "purchase",
    )
    earned = int(amount)  # basic tier, 1 point per 1.00, no birthday: floor(amount)
    assert (data["points_earned"], data["duplicate"]) == (earned, False), data
    model.points[no] += earned
    model.spend[no] += amount
    model.orders[order] = no
    return None


def _deduct(db_url: str, model: Model, rng: random.Random, no: str) -> None:
    if model.points[no] == 0:
        return _purchase(db_url, model, rng, no)
    n = rng.randint(1, min(model.points[no], 20))
    data = _ok(_timed(model, db_url, "points", "deduct", no, str(n), "--reason", "soak"), "deduct")
    model.points[no] -= n
    assert (data["points"] - model.points[no]) % 5 == 0, data  # plus the campaign's awards
    assert data["points"] >= model.points[no], data
    return None


def _topup(db_url: str, model: Model, rng: random.Random, no: str) -> None:
    amount = Decimal(rng.randint(1000, 20000)) / 100
    bonus = Decimal(rng.choice([0, 0, 500])) / 100
    extra = ["--bonus", str(bonus)] if bonus else []
    data = _ok(_timed(model, db_url, "wallet", "topup", no, str(amount), *extra), "topup")
    model.balance[no] += amount + bonus
    model.wallet_rows += 2 if bonus else 1
    assert Decimal(data["balance"]) == model.balance[no], data


def _pay(db_url: str, model: Model, rng: random.Random, no: str) -> None:
    if model.balance[no] < Decimal("0.01"):
        return _topup(db_url, model, rng, no)
    cents = rng.randint(1, int(model.balance[no] * 100))
    amount = Decimal(cents) / 100
    data = _ok(_timed(model, db_url, "wallet", "pay", no, str(amount)), "pay")
    model.balance[no] -= amount
    model.wallet_rows += 1
    assert Decimal(data["balance"]) == model.balance[no], data
    return None


OPERATIONS = {"purchase": _purchase, "deduct": _deduct, "topup": _topup, "pay": _pay}


def _clerk(db_url: str, deadline: float) -> Model:
    model, rng = Model(), random.Random(SEED)
    _enroll(db_url, model, rng)
    while time.monotonic() < deadline:
        name = rng.choice(["enroll", *OPERATIONS, "purchase", "deduct"])
        model.counts[name] = model.counts.get(name, 0) + 1
        if name == "enroll":
            _enroll(db_url, model, rng)
        else:
            OPERATIONS[name](db_url, model, rng, rng.choice(sorted(model.points)))
    return model


# -- the nightly job ---------------------------------------------------------------------------
def _nightlies(db_url: str, day0: dt.date, deadline: float, out: list[Any]) -> None:
    """One nightly after another, a day further each time, until the deadline."""
    day = day0
    while time.monotonic() < deadline:
        done = _memberctl(  # the days after today are the point of the soak
            db_url, "nightly", "--as-of", day.isoformat(), "--allow-future", "--wait", "60"
        )
        out.append((day, done.returncode, done.stdout, done.stderr))
        if done.returncode != 0:
            return
        day += dt.timedelta(days=1)


# -- the test ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_clerk_and_the_nightly_job_at_once(run, engine, db_url, tmp_path):
    day0 = dt.date.today()
    _seed_bulk(engine, day0)
    campaign = tmp_path / "bulk.toml"
    campaign.write_text(BULK_CAMPAIGN, encoding="utf-8")
    assert run("campaign", "add", str(campaign)).exit_code == 0
    deadline = time.monotonic() + SECONDS
    nights: list[Any] = []
    job = threading.Thread(target=_nightlies, args=(db_url, day0, deadline, nights))
    job.start()
    try:
        model = _clerk(db_url, deadline)
    finally:
        job.join(timeout=600)

    days = [_ok_nightly(*night) for night in nights]
    assert len(days) >= 2, "the nightly job should have run while the clerk worked"
    _assert_clerk(engine, model)
    _assert_bulk(engine, day0, days)
    result = run("db", "check", "-f", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, {"ok": True, "problems": []})
    figures = {
        "backend": engine.dialect.name,
        "seconds": SECONDS,
        "nightlies": len(days),
        "clerk": model.counts,
        "members": len(model.points),
        "slowest": round(max(model.seconds), 2),
        "mean": round(sum(model.seconds) / len(model.seconds), 2),
    }
    sys.stderr.write(f"{figures}\n")  # the figures for docs/reliability.md (-s)


def _ok_nightly(day: dt.date, code: int, stdout: str, stderr: str) -> dt.date:
    assert code == 0, f"nightly {day}: exit {code}: {stderr}"
    assert "locked" not in stderr.lower() and "Traceback" not in stderr, stderr
    data = json.loads(stdout)
    assert data.get("ok") is True and data["errors"] == [], data
    return day


def _assert_clerk(engine: Engine, model: Model) -> None:
    numbers = sorted(model.points)
    with transaction(engine, write=False) as session:
        members = {
            no: (points, balance)
            for no, points, balance in session.exec(
                select(Member.member_no, Member.points, Member.balance).where(
                    Member.member_no.in_(numbers)  # type: ignore[attr-defined]
                )
            )
        }
        ledger = dict(
            session.exec(
                select(Member.member_no, func.sum(PointsEntry.points))
                .join(PointsEntry, PointsEntry.member_id == Member.id)
                .where(Member.member_no.in_(numbers))  # type: ignore[attr-defined]
                .group_by(Member.member_no)
            ).all()
        )
        wallet = dict(
            session.exec(
                select(Member.member_no, func.sum(WalletEntry.amount))
                .join(WalletEntry, WalletEntry.member_id == Member.id)
                .where(Member.member_no.in_(numbers))  # type: ignore[attr-defined]
                .group_by(Member.member_no)
            ).all()
        )
        orders = dict(
            session.exec(
                select(Purchase.order_no, Member.member_no).join(
                    Member, Member.id == Purchase.member_id
                )
            ).all()
        )
        wallet_rows = session.exec(select(func.count()).select_from(WalletEntry)).scalar_one()
        awarded = dict(
            session.exec(
                select(Member.member_no, func.count())
                .join(CampaignAward, CampaignAward.member_id == Member.id)
                .where(Member.member_no.in_(numbers))  # type: ignore[attr-defined]
                .group_by(Member.member_no)
            ).all()
        )
    points = {no: model.points[no] + 5 * awarded.get(no, 0) for no in numbers}
    assert members == {no: (points[no], model.balance[no]) for no in numbers}
    assert {no: int(ledger.get(no) or 0) for no in numbers} == points
    assert {no: Decimal(wallet.get(no) or 0) for no in numbers} == model.balance
    assert orders == model.orders
    assert wallet_rows == model.wallet_rows


def _assert_bulk(engine: Engine, day0: dt.date, days: list[dt.date]) -> None:
    """One award per bulk member per completed night; each lapsed lot expired once; the clerk's
    members got the rest of each night's awards."""
    lapsed = sum(1 for i in range(BULK) if (i % LAPSE_DAYS) < len(days))
    with transaction(engine, write=False) as session:
        awards = session.exec(
            select(CampaignAward.period_key, Member.store, func.count())
            .join(Member, Member.id == CampaignAward.member_id)
            .group_by(CampaignAward.period_key, Member.store)
        ).all()
        expired = session.exec(
            select(func.count(), func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.kind == "expire"
            )
        ).one()
        points = session.exec(
            select(Member.points, func.count())
            .where(Member.store == "bulk")
            .group_by(Member.points)
        ).all()
    assert {key: n for key, store, n in awards if store == "bulk"} == {
        day.isoformat(): BULK for day in days
    }
    assert {key for key, _, _ in awards} == {day.isoformat() for day in days}
    assert tuple(expired) == (lapsed, -100 * lapsed)
    expected: dict[int, int] = {}
    for i in range(BULK):
        left = 0 if i % LAPSE_DAYS < len(days) else 100
        expected[left + 5 * len(days)] = expected.get(left + 5 * len(days), 0) + 1
    assert dict(points) == expected
    assert day0 + dt.timedelta(days=len(days) - 1) == days[-1]
