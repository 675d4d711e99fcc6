"""`points add | deduct | balance | history | expire` through the real CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from memberctl.models import AuditEntry, PointsAllocation, PointsEntry
from tests import ledgers
from tests.conftest import failure
from tests.factories import enroll, member_in, member_row, snapshot

D = dt.date


def test_add_credits_a_lot_and_returns_the_result(run, engine, session):
    m = enroll(engine).member_no
    data = run.json(
        "points", "add", m, "120", "--reason", "welcome gift", "--expires", "2030-01-31"
    )
    assert {k: data[k] for k in ("member_no", "points", "balance", "duplicate")} == {
        "member_no": m,
        "points": 120,
        "balance": "0.00",
        "duplicate": False,
    }
    assert {k: data["entry"][k] for k in ("kind", "points", "expires_on", "reason", "key")} == {
        "kind": "adjust",
        "points": 120,
        "expires_on": "2030-01-31",
        "reason": "welcome gift",
        "key": None,
    }
    assert member_row(session, m).points == 120
    assert session.exec(select(AuditEntry.action).where(AuditEntry.action == "points.add")).all()


def test_add_follows_the_expiry_policy_or_never(run, engine):
    m = enroll(engine).member_no
    default = run.json("points", "add", m, "5", "--reason", "r")["entry"]["expires_on"]
    never = run.json("points", "add", m, "5", "--reason", "r", "--expires", "never")["entry"]
    today = dt.date.today()
    assert default is not None and default > today.replace(year=today.year + 1).isoformat()
    assert never["expires_on"] is None


def test_a_repeated_key_changes_nothing_and_says_so(run, engine):
    m = enroll(engine).member_no
    run.json("points", "add", m, "30", "--reason", "r", "--key", "gift-1")
    before = snapshot(engine)
    result = run("points", "add", m, "30", "--reason", "r", "--key", "gift-1", "-f", "json")
    assert result.exit_code == 0
    assert "nothing changed" in result.stderr
    assert snapshot(engine) == before
    assert result.stdout and '"duplicate": true' in result.stdout


def test_a_key_reused_for_another_write_is_refused(run, engine):
    m = enroll(engine).member_no
    run.json("points", "add", m, "30", "--reason", "r", "--key", "k")
    failure(run("points", "add", m, "31", "--reason", "r", "--key", "k"), 4, "key 'k'")


def test_deduct_spends_fifo_by_expiry(run, engine, session):
    m = enroll(engine).member_no
    late = ledgers.add(engine, m, 50, expires_on=D(2031, 1, 31)).entry.id
    never = ledgers.add(engine, m, 50, expires_on=None).entry.id
    soon = ledgers.add(engine, m, 50, expires_on=D(2030, 6, 30)).entry.id

    data = run.json("points", "deduct", m, "70", "--reason", "gift card")

    assert data["points"] == 80 and data["entry"]["points"] == -70
    assert data["allocations"] == [{"lot": soon, "points": 50}, {"lot": late, "points": 20}]
    assert ledgers.lots(engine, m) == {late: 30, never: 50}
    used = session.exec(select(func.sum(PointsAllocation.points))).one()
    assert used == 70


def test_deduct_more_than_available_is_refused_and_writes_nothing(run, engine):
    m = enroll(engine).member_no
    ledgers.add(engine, m, 10)
    before = snapshot(engine)
    failure(run("points", "deduct", m, "11", "--reason", "r"), 4, "has 10 points", "not 11")
    assert snapshot(engine) == before


@pytest.mark.parametrize("status", ["frozen", "cancelled"])
@pytest.mark.parametrize("verb", ["add", "deduct"])
def test_frozen_and_cancelled_members_are_refused(run, engine, status, verb):
    m = member_in(engine, status).member_no
    before = snapshot(engine)
    failure(run("points", verb, m, "1", "--reason", "r"), 4, f"the member is {status}")
    assert snapshot(engine) == before


def test_usage_and_lookup_errors(run, engine):
    m = enroll(engine).member_no
    failure(run("points", "add", m, "5"), 2, "--reason")
    failure(run("points", "add", m, "0", "--reason", "r"), 5, "0 is not a number of points")
    failure(run("points", "add", "M999999", "5", "--reason", "r"), 3, "no member")
    failure(run("points", "add", m, "5", "--reason", "r", "--expires", "2020-02-30"), 5, "exist")


def test_balance_shows_available_lapsed_and_next_expiry(run, engine):
    m = enroll(engine).member_no
    ledgers.add(engine, m, 40, expires_on=D(2026, 11, 30))
    ledgers.add(engine, m, 15, expires_on=D(2026, 12, 31))
    ledgers.add(engine, m, 5, expires_on=None)
    data = run.json("points", "balance", m, "--as-of", "2026-12-01")
    assert data == {
        "member_no": m,
        "points": 60,
        "available": 20,
        "lapsed": 40,
        "next_expiry_on": "2026-12-31",
        "next_expiry_points": 15,
    }


def test_history_lists_the_ledger_with_what_is_left(run, engine):
    m = enroll(engine).member_no
    ledgers.add(engine, m, 40, expires_on=None)
    ledgers.deduct(engine, m, 15)
    rows = run.json("points", "history", m)
    assert [(r["kind"], r["points"], r["remaining"]) for r in rows] == [
        ("adjust", 40, 25),
        ("redeem", -15, None),
    ]
    table = run("points", "history", m)
    assert table.exit_code == 0 and "redeem" in table.stdout


def test_expire_writes_remainders_once_per_day(run, engine, session):
    a, b = enroll(engine).member_no, enroll(engine).member_no
    ledgers.add(engine, a, 100, expires_on=D(2026, 12, 31))
    ledgers.deduct(engine, a, 60)
    ledgers.add(engine, b, 7, expires_on=D(2026, 12, 30))
    ledgers.add(engine, b, 9, expires_on=D(2027, 1, 1))

    first = run.json("points", "expire", "--as-of", "2027-01-01", "--allow-future")
    before = snapshot(engine)
    second = run.json("points", "expire", "--as-of", "2027-01-01", "--allow-future")

    assert first == {"as_of": "2027-01-01", "entries": 2, "points": 47, "members": 2}
    assert second == {"as_of": "2027-01-01", "entries": 0, "points": 0, "members": 0}
    assert snapshot(engine) == before
    assert (member_row(session, a).points, member_row(session, b).points) == (0, 9)
    expired = select(PointsEntry.points).where(PointsEntry.kind == "expire")
    assert sorted(session.exec(expired).all()) == [-40, -7]
    assert ledgers.problems(engine) == []


def test_history_with_a_limit_reads_only_that_page_newest_last(run, engine):
    """A long ledger: `--limit 5` shows the newest five, oldest first (entries at the same
    moment in the order written), and the database is asked for only those five rows."""
    from sqlalchemy import Engine, event

    m = enroll(engine).member_no
    start = dt.datetime(2026, 1, 1, 0, 0)
    for n in range(1, 41):  # two entries per moment: the id breaks the tie
        ledgers.add(engine, m, n, expires_on=None, at=start + dt.timedelta(hours=(n - 1) // 2))
    ledgers.deduct(engine, m, 3, at=start + dt.timedelta(days=30))
    pages: list[bool] = []  # per query of the ledger: did it carry a LIMIT?

    def note_query(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if "points_allocation.credit_id = points_entry.id" in statement:
            pages.append(" LIMIT " in statement.upper())

    event.listen(Engine, "after_cursor_execute", note_query)
    try:
        rows = run.json("points", "history", m, "--limit", "5")
    finally:
        event.remove(Engine, "after_cursor_execute", note_query)
    assert [(r["kind"], r["points"]) for r in rows] == [
        ("adjust", 37),
        ("adjust", 38),
        ("adjust", 39),
        ("adjust", 40),
        ("redeem", -3),
    ]
    assert [r["at"][:13] for r in rows[:4]] == [
        "2026-01-01T18",
        "2026-01-01T18",
        "2026-01-01T19",
        "2026-01-01T19",
    ]
    assert pages == [True], "one query for the page, with a LIMIT"
    whole = run.json("points", "history", m)
    assert len(whole) == 41 and whole[-5:] == rows
    assert whole[0]["points"] == 1 and whole[0]["remaining"] == 0  # FIFO spent the oldest lot
