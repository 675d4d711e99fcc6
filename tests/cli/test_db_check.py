"""`db check` proves the ledgers: exit 0 and 'ok', or exit 1 and one line per problem."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, update

from memberctl.models import Member, PointsAllocation, PointsEntry
from tests import ledgers
from tests.factories import enroll


def _busy_member(engine):
    m = enroll(engine).member_no
    ledgers.add(engine, m, 100, expires_on=dt.date(2026, 12, 31))
    ledgers.buy(engine, m, "50.00", order_no="C1")
    ledgers.deduct(engine, m, 120)
    ledgers.topup(engine, m, "30.00")
    ledgers.expire(engine, dt.date(2027, 6, 1))
    return m


def test_a_sound_database_is_ok(run, engine):
    _busy_member(engine)
    result = run("db", "check")
    assert (result.exit_code, result.stdout.strip()) == (0, "ok")
    assert run.json("db", "check") == {"ok": True, "problems": []}


def test_a_tampered_points_cache_is_reported(run, engine):
    m = _busy_member(engine)
    with engine.begin() as connection:
        connection.execute(update(Member).where(Member.member_no == m).values(points=999))
    result = run("db", "check")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if m in line]
    assert len(lines) == 1 and "points_cache" in lines[0] and "999" in lines[0]
    data = run("db", "check", "-f", "json")
    assert data.exit_code == 1
    assert '"points_cache"' in data.stdout


def test_a_tampered_balance_and_an_over_spent_lot_are_reported(run, engine):
    m = _busy_member(engine)
    with engine.begin() as connection:
        connection.execute(update(Member).where(Member.member_no == m).values(balance=1))
        lot = connection.execute(
            insert(PointsEntry)
            .values(member_id=1, kind="adjust", points=5, operator="x", at=dt.datetime(2026, 1, 1))
            .returning(PointsEntry.id)
        ).scalar_one()
        debit = connection.execute(
            insert(PointsEntry)
            .values(member_id=1, kind="redeem", points=-3, operator="x", at=dt.datetime(2026, 1, 1))
            .returning(PointsEntry.id)
        ).scalar_one()
        connection.execute(insert(PointsAllocation).values(debit_id=debit, credit_id=lot, points=9))
    checks = {problem.split(":")[0] for problem in ledgers.problems(engine)}
    assert {"balance_cache", "points_cache", "over_allocated", "unallocated_debit"} <= checks
    result = run("db", "check")
    assert result.exit_code == 1 and "balance_cache" in result.stdout


def test_a_name_without_its_search_key_is_reported(run, engine):
    """With the name positions emptied (as a TRUNCATE of every table once did in the tests) the
    triggers make no name keys: `member search` cannot find the member by name, db check says so."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("DELETE FROM member_name_position"))
    enroll(engine, name="张三丰", phone="13800138000")
    assert run("member", "search", "三丰").exit_code == 3
    result = run("db", "check")
    assert result.exit_code == 1
    assert "search_key: M000001: its name has no search key" in result.stdout
