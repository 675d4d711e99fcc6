"""`tier evaluate [--as-of] [--apply]` through the real CLI: upgrades at once, downgrades after
the grace period, and nothing written without --apply."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from memberctl.domain import evaluation
from memberctl.models import AuditEntry, LifecycleChange
from tests import ledgers
from tests.factories import act, enroll, member_row, move_tier, snapshot

DT = dt.datetime


def _evaluate(run, as_of, *apply):
    return run.json("tier", "evaluate", "--as-of", as_of, *apply, "--allow-future")  # 2026-12-15


def test_without_apply_it_only_lists_the_changes(run, engine):
    m = enroll(engine).member_no
    ledgers.buy(engine, m, "1200.00", at=DT(2026, 6, 1))
    before = snapshot(engine)

    data = _evaluate(run, "2026-11-25")

    assert snapshot(engine) == before
    assert (data["applied"], data["evaluated"], data["upgrades"], data["downgrades"]) == (
        False,
        1,
        1,
        0,
    )
    assert data["changes"] == [
        {
            "member_no": m,
            "action": "upgrade",
            "from_tier": "basic",
            "to_tier": "silver",
            "spend_12m": "1200.00",
            "below_since": None,
        }
    ]
    table = run("tier", "evaluate", "--as-of", "2026-11-25")
    assert table.exit_code == 0 and "upgrade" in table.stdout and "--apply" in table.stderr


def test_apply_upgrades_at_once_and_records_the_change(run, engine, session):
    m = enroll(engine).member_no
    ledgers.buy(engine, m, "5000.00", at=DT(2026, 6, 1))
    data = _evaluate(run, "2026-11-25", "--apply")
    assert data["applied"] is True and data["changes"][0]["to_tier"] == "gold"
    assert member_row(session, m).tier_code == "gold"
    change = session.exec(select(LifecycleChange).where(LifecycleChange.kind == "tier")).one()
    assert (change.action, change.from_value, change.to_value, change.reason) == (
        "upgrade",
        "basic",
        "gold",
        "evaluation",
    )
    audited = session.exec(select(AuditEntry).where(AuditEntry.action == "member.upgrade")).one()
    assert audited.details == {"to": "gold", "by": "evaluation"}
    assert _evaluate(run, "2026-11-25", "--apply")["changes"] == []


def test_downgrade_waits_for_the_grace_period(run, engine, session):
    ledgers.set_policy(engine, "tier.kept_months", "0")  # a tier set by hand is not kept
    m = enroll(engine).member_no
    move_tier(engine, m, "up", to="gold")
    ledgers.buy(engine, m, "1500.00", at=DT(2026, 6, 1))  # qualifies for silver only

    first = _evaluate(run, "2026-11-01", "--apply")
    assert first["changes"] == []
    assert first["in_grace"][0] | {"spend_12m": None} == {
        "member_no": m,
        "tier": "gold",
        "qualifies_for": "silver",
        "spend_12m": None,
        "below_since": "2026-11-01",
        "downgrade_on": "2026-12-01",
    }
    assert member_row(session, m).below_tier_since == dt.date(2026, 11, 1)
    assert _evaluate(run, "2026-11-30", "--apply")["changes"] == []
    assert member_row(session, m).tier_code == "gold"

    last = _evaluate(run, "2026-12-01", "--apply")

    assert [(c["action"], c["to_tier"]) for c in last["changes"]] == [("downgrade", "silver")]
    row = member_row(session, m)
    assert (row.tier_code, row.below_tier_since) == ("silver", None)


def test_reaching_the_threshold_again_ends_the_grace_period(run, engine, session):
    ledgers.set_policy(engine, "tier.kept_months", "0")  # a tier set by hand is not kept
    m = enroll(engine).member_no
    move_tier(engine, m, "up", to="silver")
    _evaluate(run, "2026-11-01", "--apply")
    assert member_row(session, m).below_tier_since == dt.date(2026, 11, 1)
    ledgers.buy(engine, m, "1000.00", at=DT(2026, 11, 10))
    assert _evaluate(run, "2026-12-15", "--apply")["changes"] == []
    row = member_row(session, m)
    assert (row.tier_code, row.below_tier_since) == ("silver", None)


def test_spend_window_and_refunds(run, engine):
    edge = enroll(engine).member_no
    ledgers.buy(engine, edge, "1000.00", at=DT(2025, 11, 25, 23, 59))  # a year ago: out
    inside = enroll(engine).member_no
    ledgers.buy(engine, inside, "1000.00", at=DT(2025, 11, 26, 0, 0))  # in
    refunded = enroll(engine).member_no
    ledgers.buy(engine, refunded, "1000.00", at=DT(2026, 3, 1), order_no="RF")
    ledgers.refund(engine, "RF")
    data = _evaluate(run, "2026-11-25")
    assert [c["member_no"] for c in data["changes"]] == [inside]
    assert evaluation.window(dt.date(2028, 2, 29))[0] == DT(2027, 3, 1)


def test_frozen_and_cancelled_members_are_not_evaluated(run, engine):
    m = enroll(engine).member_no
    ledgers.buy(engine, m, "9000.00", at=DT(2026, 6, 1))
    act(engine, m, "freeze")
    assert _evaluate(run, "2026-11-25")["evaluated"] == 0
