"""A database made by the first schema upgrades to the newest with its data intact."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import MetaData, Table, insert, select

from memberctl.db.engine import is_sqlite, make_engine
from memberctl.db.migrate import HEAD_REVISION, upgrade


def test_upgrade_from_first_schema_keeps_members(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        assert upgrade(engine, "0001") == "0001"
        at = dt.datetime(2025, 1, 2, 3, 4, 5)
        with engine.begin() as connection:
            member = Table("member", MetaData(), autoload_with=connection)
            tag = Table("member_tag", MetaData(), autoload_with=connection)
            connection.execute(
                insert(member).values(
                    id=1,
                    member_no="M000001",
                    name="张三",
                    phone="+8613800138000",
                    tier_code="gold",
                    status="frozen",
                    points=0,
                    balance=0,
                    joined_at=at,
                    created_at=at,
                    updated_at=at,
                )
            )
            connection.execute(insert(tag).values(member_id=1, tag="vip"))

        assert upgrade(engine) == HEAD_REVISION

        with engine.connect() as connection:
            member = Table("member", MetaData(), autoload_with=connection)
            row = connection.execute(select(member)).one()._mapping
            tags = connection.execute(
                select(Table("member_tag", MetaData(), autoload_with=connection))
            ).all()
            if is_sqlite(engine):
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (row["member_no"], row["name"], row["tier_code"], row["status"]) == (
            "M000001",
            "张三",
            "gold",
            "frozen",
        )
        assert row["joined_at"] == at
        assert row["opt_out"] in (False, 0)
        assert [tuple(t) for t in tags] == [(1, "vip")]
    finally:
        engine.dispose()
