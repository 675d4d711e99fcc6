"""SIGKILL a `campaign run` and a `nightly` job at random points of their work, then prove that
nothing is half-written and nothing doubles: `db check` passes, a re-run completes, and the
ledgers, awards, coupons, expiry rows and tiers are exactly what one clean run per day gives.

Each test builds a shop big enough for the job to run for a while (members, lots and purchases
inserted with Core executemany, caches equal to the ledgers, so `db check` holds from the start).
Then, for one day after another: the real CLI in a subprocess (`python -m memberctl`) is
started, the test waits until it holds a write transaction, sleeps a delay drawn from a seeded
RNG over the measured length of the job's work, and SIGKILLs it; the day is checked (all or
nothing), the same command is run again to completion, and the day is checked again (exactly
once). The first day is a clean run that measures the work. A kill can land after the commit
(the re-run then changes nothing): each outcome is recorded in `KILLS` and printed with `-s`.

Works on the SQLite file or the PostgreSQL schema of the `db_url` fixture.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session

from memberctl.db.session import transaction
from memberctl.models import (
    Campaign,
    CampaignAward,
    CampaignRun,
    Coupon,
    Member,
    PointsEntry,
    Purchase,
)
from tests.slow import killing

SEED = 20261125
DAY0 = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 20, 9, 0)
KILLS = int(os.environ.get("MEMBERCTL_KILL_POINTS", "4"))  # per test, one day each
# Shop sizes that keep each test under a minute on 2 CPUs (PostgreSQL's runs are slower).
CAMPAIGN_MEMBERS = int(os.environ.get("MEMBERCTL_KILL_MEMBERS", "0")) or (
    8000 if os.environ.get("MEMBERCTL_TEST_DB") else 30000
)
NIGHTLY_MEMBERS = CAMPAIGN_MEMBERS // 3
OUTCOMES: list[dict[str, Any]] = []

THANKS = """\
code = "thanks"
name = "daily thanks"
action = "award_points"
points = 10
where = "status = active"
period = "daily"
"""
VOUCHER = """\
code = "voucher"
name = "daily voucher"
action = "issue_coupon"
coupon_value = "5.00"
where = "status = active"
period = "daily"
"""


# -- the shop --------------------------------------------------------------------------------
_truncate_after = killing.truncate_after  # an autouse fixture


def _members(count: int, tier: Any = "basic", below_since: Any = None) -> list[dict[str, Any]]:
    return [
        {
            "member_no": f"K{i:07d}",
            "name": f"m{i}",
            "phone": f"+86137{i:08d}",
            "tier_code": tier(i) if callable(tier) else tier,
            "status": "active",
            "points": 0,
            "balance": Decimal("0.00"),
            "joined_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            "opt_out": False,
            "below_tier_since": below_since(i) if callable(below_since) else None,
        }
        for i in range(count)
    ]


def _ids(session: Session) -> list[int]:
    return list(session.exec(select(Member.id).order_by(Member.id)).scalars())


def _add_campaigns(run: Any, tmp_path: Path, *texts: str) -> None:
    for number, body in enumerate(texts):
        path = tmp_path / f"c{number}.toml"
        path.write_text(body, encoding="utf-8")
        result = run("campaign", "add", str(path))
        assert result.exit_code == 0, result.stderr


# -- driving the subprocess --------------------------------------------------------------------
def _command(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", *args, "-f", "json"]


def _env() -> dict[str, str]:
    return {**os.environ, "MEMBERCTL_OPERATOR": "killer"}


def _measure(engine: Engine, command: list[str]) -> tuple[float, dict[str, Any]]:
    return killing.measure(engine, command, _env())


def _kill_during(engine: Engine, command: list[str], delay: float) -> str:
    return killing.kill_after(engine, command, _env(), delay)


def _finish(command: list[str]) -> dict[str, Any]:
    return killing.finish(command, _env())


_db_check = killing.db_check


def _count(engine: Engine, query: Any) -> int:
    with transaction(engine, write=False) as session:
        return int(session.exec(query).scalar_one())


def _record(test: str, backend: str, day: dt.date, delay: float, work: float, **what: Any) -> None:
    OUTCOMES.append(
        {
            "test": test,
            "backend": backend,
            "day": day.isoformat(),
            "delay": round(delay, 2),
            "work": round(work, 2),
            **what,
        }
    )
    sys.stderr.write(f"{OUTCOMES[-1]}\n")  # the figures for docs/reliability.md (-s)


# -- campaign run ----------------------------------------------------------------------------
def _day_counts(engine: Engine, code: str, day: dt.date) -> tuple[int, int, int]:
    """(runs, awards, coupons or credits) of campaign `code` for `day`."""
    campaign = select(Campaign.id).where(Campaign.code == code).scalar_subquery()
    runs = _count(
        engine,
        select(func.count())
        .select_from(CampaignRun)
        .where(CampaignRun.campaign_id == campaign, CampaignRun.period_key == day.isoformat()),
    )
    awards = _count(
        engine,
        select(func.count())
        .select_from(CampaignAward)
        .where(CampaignAward.campaign_id == campaign, CampaignAward.period_key == day.isoformat()),
    )
    given = (
        select(func.count()).select_from(Coupon).where(Coupon.valid_from == day)
        if code == "voucher"
        else select(func.count())
        .select_from(PointsEntry)
        .where(PointsEntry.kind == "campaign", PointsEntry.reason == f"campaign thanks {day}")
    )
    return runs, awards, _count(engine, given)


@pytest.mark.slow
def test_sigkill_campaign_runs_at_random_points_then_rerun(run, engine, db_url, tmp_path):
    members = CAMPAIGN_MEMBERS
    with transaction(engine) as session:
        session.execute(insert(Member), _members(members))
    _add_campaigns(run, tmp_path, THANKS, VOUCHER)
    rng = random.Random(SEED)
    backend = engine.dialect.name
    work = {}
    for code in ("thanks", "voucher"):
        command = _command(db_url, "campaign", "run", code, "--as-of", DAY0.isoformat())
        work[code], result = _measure(engine, command)
        assert result["awarded"] == members, result

    for k in range(1, KILLS + 1):
        day, code = DAY0 + dt.timedelta(days=k), ("thanks", "voucher")[k % 2]
        command = _command(
            db_url, "campaign", "run", code, "--as-of", day.isoformat(), "--allow-future"
        )  # more kills reach past today
        delay = rng.uniform(0, work[code])
        outcome = _kill_during(engine, command, delay)
        _db_check(run)
        after_kill = _day_counts(engine, code, day)
        assert after_kill in {(0, 0, 0), (1, members, members)}, after_kill  # all or nothing
        again = _finish(command)
        assert again["awarded"] == (0 if after_kill[0] else members), again
        assert again["already_awarded"] == (members if after_kill[0] else 0), again
        assert _day_counts(engine, code, day) == (1, members, members)
        _record(
            "campaign run",
            backend,
            day,
            delay,
            work[code],
            campaign=code,
            outcome=outcome,
            committed_before_kill=bool(after_kill[0]),
        )

    thanks_days = 1 + sum(1 for k in range(1, KILLS + 1) if k % 2 == 0)
    voucher_days = 1 + KILLS + 1 - thanks_days
    _db_check(run)
    assert _count(engine, select(func.count()).select_from(CampaignRun)) == 1 + KILLS + 1
    assert _count(engine, select(func.count()).select_from(CampaignAward)) == members * (KILLS + 2)
    assert _count(engine, select(func.count()).select_from(Coupon)) == members * voucher_days
    assert _count(engine, select(func.count(func.distinct(Coupon.code)))) == members * voucher_days
    assert _count(engine, select(func.sum(PointsEntry.points))) == members * 10 * thanks_days
    with transaction(engine, write=False) as session:
        assert set(session.exec(select(Member.points)).scalars()) == {10 * thanks_days}


# -- nightly ---------------------------------------------------------------------------------
# Member i (of n) has work on day i % DAYS (counted from DAY0), so every day's job does about
# the same: a lot of 100 points lapses (its last valid day is the day before); when i % 4 == 0,
# a purchase of 1500.00 made that day lifts the member from basic to silver; when i % 4 == 1, a
# gold member without spend, marked below its tier 30 days before that day, is downgraded to
# basic (the 30-day grace is over). A never-expiring lot of 50 points stays.
DAYS = KILLS + 1


def _seed_nightly(engine: Engine, n: int) -> None:
    def day(i: int) -> dt.date:
        return DAY0 + dt.timedelta(days=i % DAYS)

    def tier(i: int) -> str:
        return "gold" if i % 4 == 1 else "basic"

    def below_since(i: int) -> dt.date | None:
        return day(i) - dt.timedelta(days=30) if i % 4 == 1 else None

    with transaction(engine) as session:
        rows = _members(n, tier, below_since)
        for row in rows:
            row["points"] = 150
        session.execute(insert(Member), rows)
        ids = _ids(session)
        lots = [
            {
                "member_id": m,
                "kind": "adjust",
                "points": points,
                "reason": "seed",
                "operator": "seed",
                "at": NOW,
                "expires_on": expires,
            }
            for i, m in enumerate(ids)
            for points, expires in ((100, day(i) - dt.timedelta(days=1)), (50, None))
        ]
        session.execute(insert(PointsEntry), lots)
        bought = [
            {
                "member_id": m,
                "order_no": f"K{i}",
                "store": "",
                "amount": Decimal("1500.00"),
                "at": dt.datetime.combine(day(i), dt.time(10)),
                "points_earned": 0,
                "operator": "seed",
                "created_at": NOW,
            }
            for i, m in enumerate(ids)
            if i % 4 == 0
        ]
        session.execute(insert(Purchase), bought)


def _expected_tier(i: int) -> str:
    return "silver" if i % 4 == 0 else "basic"


def _nightly_state(engine: Engine) -> dict[str, Any]:
    with transaction(engine, write=False) as session:
        expires = session.exec(
            select(PointsEntry.at, func.count(), func.sum(PointsEntry.points))
            .where(PointsEntry.kind == "expire")
            .group_by(PointsEntry.at)
        ).all()
        tiers = session.exec(select(Member.tier_code, func.count()).group_by(Member.tier_code))
        return {
            "expire": {at.date(): (int(c), int(p)) for at, c, p in expires},
            "awards": dict(
                session.exec(
                    select(CampaignAward.period_key, func.count()).group_by(
                        CampaignAward.period_key
                    )
                ).all()
            ),
            "runs": int(session.exec(select(func.count()).select_from(CampaignRun)).scalar_one()),
            "tiers": dict(tiers.all()),
        }


@pytest.mark.slow
def test_sigkill_nightly_at_random_points_then_rerun(run, engine, db_url, tmp_path):
    n = NIGHTLY_MEMBERS
    _seed_nightly(engine, n)
    _db_check(run)
    _add_campaigns(run, tmp_path, THANKS)
    rng = random.Random(SEED + 1)
    backend = engine.dialect.name
    per_day = {k: sum(1 for i in range(n) if i % DAYS == k) for k in range(DAYS)}

    def nightly(day: dt.date) -> list[str]:
        return _command(
            db_url, "nightly", "--as-of", day.isoformat(), "--allow-future", "--wait", "120"
        )  # more kills reach past today

    work, first = _measure(engine, nightly(DAY0))
    assert first["ok"] and first["expired"]["entries"] == per_day[0], first
    first_day = [i for i in range(n) if i % DAYS == 0]
    assert first["tiers"]["upgrades"] == sum(i % 4 == 0 for i in first_day), first
    assert first["tiers"]["downgrades"] == sum(i % 4 == 1 for i in first_day), first
    for k in range(1, KILLS + 1):
        day = DAY0 + dt.timedelta(days=k)
        before = _nightly_state(engine)
        delay = rng.uniform(0, work)
        outcome = _kill_during(engine, nightly(day), delay)
        _db_check(run)
        after_kill = _nightly_state(engine)
        _assert_steps_whole(before, after_kill, day, per_day[k], n)
        again = _finish(nightly(day))
        assert again["ok"], again
        done = _nightly_state(engine)
        assert done["expire"][day] == (per_day[k], -100 * per_day[k])
        assert done["awards"][day.isoformat()] == n
        assert after_kill["tiers"] in (before["tiers"], done["tiers"])  # whole or not at all
        steps = [s for s in ("expire", "tiers", "awards") if after_kill[s] != before[s]]
        _record(
            "nightly",
            backend,
            day,
            delay,
            work,
            outcome=outcome,
            steps_done_before=steps,
            rerun_campaigns=[c["campaign"] for c in again["campaigns"]],
        )

    _db_check(run)
    final = _nightly_state(engine)
    assert final["expire"] == {
        DAY0 + dt.timedelta(days=k): (per_day[k], -100 * per_day[k]) for k in range(DAYS)
    }
    assert final["awards"] == {(DAY0 + dt.timedelta(days=k)).isoformat(): n for k in range(DAYS)}
    assert final["runs"] == DAYS
    with transaction(engine, write=False) as session:
        rows = session.exec(select(Member.member_no, Member.tier_code, Member.points)).all()
    assert {no: tier for no, tier, _ in rows} == {f"K{i:07d}": _expected_tier(i) for i in range(n)}
    assert {p for _, _, p in rows} == {50 + 10 * DAYS}
    assert (
        _count(
            engine,
            select(func.count()).select_from(PointsEntry).where(PointsEntry.kind == "expire"),
        )
        == n
    )


def _assert_steps_whole(
    before: dict[str, Any], after: dict[str, Any], day: dt.date, lapsing: int, n: int
) -> None:
    """After a kill, each step of the day is there whole or not at all."""
    assert after["expire"].get(day) in (None, (lapsing, -100 * lapsing)), after["expire"]
    assert after["awards"].get(day.isoformat()) in (None, n), after["awards"]
    assert after["runs"] in (before["runs"], before["runs"] + 1)
