"""`nightly`: expiry, tiers, due campaigns in that order; idempotent per day; a lock; a failing
step reported without undoing the others."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.domain import nightly
from memberctl.models import AuditEntry, Campaign, CampaignRun, Member, Tier
from tests import ledgers
from tests.conftest import PG_URL
from tests.factories import enroll, member_row, snapshot

THANKS = """\
code = "{code}"
action = "award_points"
points = 100
where = "{where}"
period = "monthly"
{extra}
"""
SUMMARY_KEYS = {"as_of", "expired", "tiers", "campaigns", "ok", "errors", "backup", "checkpoint"}
# SQLite's WAL emptied at the end of the job (tests/cli/test_privacy_wal.py); none on PostgreSQL
CHECKPOINT = None if PG_URL else {"wal": "members.db-wal", "wiped": True}


def add_campaign(run, tmp_path: Path, code: str, where: str = "tier >= gold", extra: str = ""):
    path = tmp_path / f"{code}.toml"
    path.write_text(THANKS.format(code=code, where=where, extra=extra), encoding="utf-8")
    result = run("campaign", "add", str(path))
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def shop(run, engine, tmp_path):
    """One member with lapsed points, one whose spend qualifies for gold, three campaigns: one
    for gold members, one that has not started, one for a tier that will be gone."""
    lapsed = enroll(engine)
    ledgers.add(
        engine, lapsed.member_no, 50, at=dt.datetime(2024, 1, 1), expires_on=dt.date(2024, 6, 30)
    )
    spender = enroll(engine)
    ledgers.buy(engine, spender.member_no, "6000", at=dt.datetime(2026, 11, 1, 12))
    add_campaign(run, tmp_path, "thanks")
    add_campaign(run, tmp_path, "later", extra="starts = 2027-01-01")
    return {"lapsed": lapsed.member_no, "spender": spender.member_no}


def nightly_json(run, *args: str) -> dict:
    result = run("nightly", "--as-of", "2026-11-25", *args)
    data = json.loads(result.stdout)
    assert set(data) == SUMMARY_KEYS
    return {"exit_code": result.exit_code, **data}


def test_nightly_expires_evaluates_then_runs_due_campaigns(run, session, shop):
    data = nightly_json(run)

    assert data == {
        "exit_code": 0,
        "as_of": "2026-11-25",
        "expired": {"entries": 1, "points": 50, "members": 1},
        "tiers": {"evaluated": 2, "upgrades": 1, "downgrades": 0, "in_grace": 0, "kept": 0},
        "campaigns": [
            {
                "campaign": "thanks",
                "period": "2026-11",
                "targeted": 1,
                "awarded": 1,
                "already_awarded": 0,
                "points": 100,
                "coupons": 0,
                "dry_run": False,
            }
        ],
        "ok": True,
        "errors": [],
        "backup": None,
        "checkpoint": CHECKPOINT,
    }
    spender = member_row(session, shop["spender"])
    assert (spender.tier_code, spender.points) == ("gold", 6000 + 100)
    assert member_row(session, shop["lapsed"]).points == 0
    assert run("db", "check").exit_code == 0


@pytest.mark.usefixtures("shop")
def test_nightly_twice_for_one_day_changes_nothing_the_second_time(run, engine):
    nightly_json(run)
    before = snapshot(engine)

    second = nightly_json(run)

    assert second == {
        "exit_code": 0,
        "as_of": "2026-11-25",
        "expired": {"entries": 0, "points": 0, "members": 0},
        "tiers": {"evaluated": 2, "upgrades": 0, "downgrades": 0, "in_grace": 0, "kept": 0},
        "campaigns": [],
        "ok": True,
        "errors": [],
        "backup": None,
        "checkpoint": CHECKPOINT,
    }
    assert snapshot(engine) == before


def _set_tier(engine, member_no: str, tier: str) -> None:
    """Behind memberctl's back: no audit entry, no purchase, no member added."""
    with transaction(engine) as s:
        s.exec(select(Member).where(Member.member_no == member_no)).one().tier_code = tier


def test_a_second_run_the_same_day_repeats_the_evaluation_it_recorded(run, engine, session, shop):
    nightly_json(run)
    recorded = session.exec(select(AuditEntry).where(AuditEntry.action == "tier.evaluate")).one()
    # the newest purchase and member it saw, so a later one makes the next run evaluate again
    assert set(recorded.details) == {
        "as_of", "purchase", "member", "evaluated", "in_grace", "kept",
    }  # fmt: skip
    assert recorded.details["as_of"] == "2026-11-25"
    assert recorded.details["evaluated"] == 2
    enroll(engine)  # no audit entry (the factory writes the row), but a new member
    _set_tier(engine, shop["spender"], "basic")

    second = nightly_json(run)

    assert second["tiers"]["evaluated"] == 3  # evaluated again: a member was added
    assert member_row(session, shop["spender"]).tier_code == "gold"  # and upgraded again


def test_the_evaluation_is_recorded_with_it_before_the_campaigns_run(run, session, shop):
    """Recorded in the evaluation's transaction, not at the end of the job: a sale made while
    the campaigns run comes after the record, so the next run sees it."""
    nightly_json(run)

    order = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    tail = order[order.index("member.upgrade") :]  # the evaluation's upgrade of the spender

    assert tail == ["member.upgrade", "tier.evaluate", "campaign.run"]
    assert member_row(session, shop["spender"]).tier_code == "gold"


@pytest.mark.usefixtures("shop")
def test_a_second_run_the_same_day_does_not_evaluate_again_when_nothing_was_recorded(
    run, engine, session, shop
):
    nightly_json(run)
    _set_tier(engine, shop["spender"], "basic")  # a hand edit no evaluation has seen

    second = nightly_json(run)

    assert second["tiers"] == {
        "evaluated": 2, "upgrades": 0, "downgrades": 0, "in_grace": 0, "kept": 0,
    }  # fmt: skip
    assert member_row(session, shop["spender"]).tier_code == "basic"  # not evaluated again
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "tier.evaluate")).all()
    assert len(entries) == 1  # the second run recorded nothing


@pytest.mark.usefixtures("shop")
def test_anything_recorded_after_the_evaluation_makes_the_next_run_evaluate_again(
    run, engine, session, shop
):
    nightly_json(run)
    _set_tier(engine, shop["spender"], "basic")
    assert run("member", "edit", shop["lapsed"], "--name", "新名字").exit_code == 0  # audited

    nightly_json(run)

    assert member_row(session, shop["spender"]).tier_code == "gold"  # evaluated: upgraded


@pytest.mark.usefixtures("shop")
def test_another_day_evaluates_again(run, engine, session, shop):
    nightly_json(run)
    _set_tier(engine, shop["spender"], "basic")

    assert run("nightly", "--as-of", "2026-11-26").exit_code == 0

    assert member_row(session, shop["spender"]).tier_code == "gold"


def test_the_next_period_is_due_again(run, session, shop):
    nightly_json(run)
    data = json.loads(run("nightly", "--as-of", "2026-12-01").stdout)

    assert [(c["campaign"], c["period"], c["awarded"]) for c in data["campaigns"]] == [
        ("thanks", "2026-12", 1)
    ]
    assert member_row(session, shop["spender"]).points == 6000 + 200


@pytest.mark.usefixtures("shop")
def test_a_campaign_run_by_hand_is_not_due(run):
    assert run("campaign", "run", "thanks", "--as-of", "2026-11-03").exit_code == 0

    assert nightly_json(run)["campaigns"] == []


def test_a_failing_step_is_reported_and_the_others_stand(run, engine, session, tmp_path, shop):
    diamond = tmp_path / "tiers.toml"
    diamond.write_text(
        '[[tier]]\ncode = "diamond"\nname = "钻石"\nrank = 9\nthreshold = "90000"\n',
        encoding="utf-8",
    )
    assert run("tier", "load", str(diamond)).exit_code == 0
    add_campaign(run, tmp_path, "diamonds", where="tier = diamond")
    with transaction(engine) as s:  # the tier goes; the campaign's filter no longer compiles
        s.exec(delete(Tier).where(Tier.code == "diamond"))

    data = nightly_json(run)

    assert data["exit_code"] == 1
    assert data["ok"] is False
    assert data["errors"] == [
        {
            "step": "campaign diamonds",
            "message": "no tier 'diamond' at column 8; tiers are: basic (普通会员), "
            "silver (银卡会员), "
            "gold (金卡会员), platinum (白金会员)",
        }
    ]
    assert data["expired"]["points"] == 50
    assert [c["campaign"] for c in data["campaigns"]] == ["thanks"]
    session.rollback()
    ran = session.exec(select(Campaign.code).join(CampaignRun)).all()
    assert ran == ["thanks"]
    assert member_row(session, shop["spender"]).tier_code == "gold"


@pytest.mark.usefixtures("shop")
def test_a_running_nightly_makes_a_second_exit_0_and_do_nothing(run, engine):
    before = snapshot(engine)

    with nightly.lock(engine):
        result = run("nightly", "--as-of", "2026-11-25")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"skipped": True, "reason": "another nightly is running"}
    assert "another nightly is running; nothing done" in result.stderr
    assert snapshot(engine) == before


def test_waiting_for_the_lock_is_bounded(run, engine):
    with nightly.lock(engine):
        started = dt.datetime.now()
        result = run("nightly", "--as-of", "2026-11-25", "--wait", "0.5")
        waited = (dt.datetime.now() - started).total_seconds()

    assert result.exit_code == 0
    assert json.loads(result.stdout)["skipped"] is True
    assert 0.4 <= waited < 10


def test_the_lock_is_free_again_afterwards(run, engine):
    with nightly.lock(engine):
        pass
    assert nightly_json(run)["ok"] is True
    with nightly.lock(engine, wait=0):  # the CLI released it too
        pass


@pytest.mark.usefixtures("shop")
def test_table_output(run):
    result = run("nightly", "--as-of", "2026-11-25", "--format", "table")
    assert result.exit_code == 0
    labels = [line.split("  ")[0] for line in result.stdout.splitlines()]
    # labelled rows, not JSON in cells
    assert labels == [
        "As of",
        "All steps done",
        "Points expired",
        "Tiers",
        "Campaigns run",
        "Errors",
        "Backup",
    ]
    assert "{" not in result.stdout


def test_nightly_backs_up_first_and_keeps_the_newest(run, engine, tmp_path):
    import stat

    enroll(engine, "甲", phone="13800000001")
    folder = tmp_path / "backups"
    days = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-25"]
    outputs = [
        run("nightly", "--as-of", day, "--backup-dir", str(folder), "--keep", "2") for day in days
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0], [r.stderr for r in outputs]
    last = json.loads(outputs[-1].stdout)["backup"]
    assert last["file"] == str(folder / "memberctl-2026-11-25.backup")
    assert json.loads(outputs[2].stdout)["backup"]["removed"] == ["memberctl-2026-11-23.backup"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "memberctl-2026-11-24.backup",
        "memberctl-2026-11-25.backup",
    ]
    assert stat.S_IMODE((folder / "memberctl-2026-11-25.backup").stat().st_mode) == 0o600
    restored = run("db", "restore", last["file"], "--yes", "--format", "json")
    assert restored.exit_code == 0, restored.stderr
    assert json.loads(restored.stdout)["rows"]["member"] == 1


def test_nightly_keep_must_be_positive(run, tmp_path):
    result = run("nightly", "--backup-dir", str(tmp_path), "--keep", "0")
    assert result.exit_code == 2
    assert "--keep" in result.stderr
