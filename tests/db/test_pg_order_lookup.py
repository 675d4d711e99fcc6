"""`import purchases` on PostgreSQL looks up the order numbers it already knows with one descent
of the (store, order_no) unique index each (domain/purchases.py, _orders_by_lateral), even in
the import's own transaction, where the statistics still say the table is empty: with
`order_no IN (...)` the planner searched the index by store alone and filtered every purchase of
the store (0.28 s per 500 rows into a 1,000,000-member shop)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.domain import purchases
from memberctl.models import Member, Purchase
from tests.conftest import PG_URL
from tests.factories import enroll

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's planner")
ROWS = 20_000


def _index_conditions(connection, statement) -> list[str]:
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars()
    return [line.strip() for line in plan if "Index Cond" in line and "store" in line]


def test_known_orders_are_looked_up_by_store_and_number_in_a_filling_table(fresh_db_url):
    """In a schema of its own: the shared test schema's statistics, left by other tests, made
    the planner's choice depend on which tests ran before (CI once chose the store alone)."""
    engine = make_engine(fresh_db_url)
    try:
        ensure_schema(engine)
        lateral, plain = _plans(engine)
    finally:
        engine.dispose()
    assert lateral and all("order_no" in line for line in lateral), lateral
    print("IN (...) was planned as:", plain)  # noqa: T201  (the old plan, with -s)


def _plans(engine: Engine) -> tuple[list[str], list[str]]:
    """The index conditions of both lookups, planned inside a transaction that has filled the
    purchase table after it was analysed empty, as an import's own transaction does."""
    member_no = enroll(engine, store="S1").member_no
    at = dt.datetime(2026, 11, 1, 10, 0)
    asked = [f"N{n:06d}" for n in range(500)]
    with engine.connect() as connection, connection.begin():
        member_id = connection.execute(
            select(Member.id).where(Member.member_no == member_no)
        ).scalar_one()
        connection.exec_driver_sql("ANALYZE purchase")  # empty, as before an import
        connection.execute(
            insert(Purchase.__table__),  # type: ignore[attr-defined]
            [{"member_id": member_id, "store": "S1", "order_no": f"P{n:06d}", "amount": 10,
              "at": at, "points_earned": 0, "operator": "t", "created_at": at}
             for n in range(ROWS)],
        )  # fmt: skip
        lateral = _index_conditions(connection, purchases._orders_by_lateral("S1", asked))
        plain = _index_conditions(connection, purchases._orders_in("S1", asked))
        connection.rollback()
    return lateral, plain
