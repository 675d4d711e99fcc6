"""A nightly that writes off many lots (a first expiry: years of them) tells PostgreSQL at once
how the ledger tables changed (points.ANALYZE_FROM): until the statistics knew of the millions
of new allocations, each sale's look-up of its member's lots read all of them (+0.5 s a sale at
a million members; autovacuum lags, or is off as on the test machine). A small expiry does not
pay for an ANALYZE."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select, text

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.domain import points
from memberctl.models import Member, PointsEntry
from tests import ledgers
from tests.conftest import PG_URL
from tests.factories import enroll

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's planner statistics")
AT = dt.datetime(2025, 1, 1, 10, 0)


def _lots(engine: Engine, count: int) -> None:
    """`count` lots of 5 points that lapsed on 2025-06-30, over 20 members (caches kept)."""
    numbers = [enroll(engine).member_no for _ in range(20)]
    with engine.begin() as connection:
        ids = connection.execute(select(Member.id).where(Member.member_no.in_(numbers))).scalars()
        members = list(ids)
        connection.execute(
            insert(PointsEntry.__table__),  # type: ignore[attr-defined]
            [{"member_id": members[n % 20], "kind": "earn", "points": 5, "reason": "t",
              "operator": "t", "at": AT, "expires_on": dt.date(2025, 6, 30)}
             for n in range(count)],
        )  # fmt: skip
        connection.execute(
            text("UPDATE member SET points = (SELECT sum(points) FROM points_entry e"
                 " WHERE e.member_id = member.id) WHERE id = ANY(:ids)"),
            {"ids": members},
        )  # fmt: skip


def _analysed(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"
                 " WHERE relid = 'points_allocation'::regclass")  # this schema's
        ).scalar_one()  # fmt: skip


@pytest.mark.parametrize(("lots", "analysed"), [(points.ANALYZE_FROM, True), (50, False)])
def test_a_large_expiry_refreshes_the_ledgers_statistics(fresh_db_url, lots, analysed):
    engine = make_engine(fresh_db_url)
    try:
        ensure_schema(engine)
        _lots(engine, lots)
        assert not _analysed(engine)
        result = ledgers.expire(engine, dt.date(2025, 7, 1))
        assert result.entries == lots
        assert _analysed(engine) is analysed
    finally:
        engine.dispose()
