"""Migration 0013 registers the stores a database at 0012 already uses (issue 17): each store
text of its members and purchases once, code = name = the text; '' and NULL register nothing;
two texts that differ only in case stay two stores, and each is still found by its exact text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import MetaData, Table, insert, select
from sqlmodel import Session

from memberctl.db.engine import make_engine
from memberctl.db.migrate import HEAD_REVISION, upgrade
from memberctl.domain import stores

AT = dt.datetime(2025, 1, 2, 3, 4, 5)


def _member(number: int, store: str | None) -> dict[str, object]:
    return {
        "id": number,
        "member_no": f"M{number:06d}",
        "name": "张三",
        "phone": f"+86138001380{number:02d}",
        "tier_code": "basic",
        "status": "active",
        "points": 0,
        "balance": 0,
        "store": store,
        "joined_at": AT,
        "created_at": AT,
        "updated_at": AT,
    }


def _purchase(number: int, store: str) -> dict[str, object]:
    return {
        "member_id": 1,
        "order_no": f"A{number}",
        "store": store,
        "amount": Decimal("10.00"),
        "at": AT,
        "points_earned": 0,
        "operator": "test",
        "created_at": AT,
    }


def test_the_stores_in_use_at_0012_are_registered_once(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        assert upgrade(engine, "0012") == "0012"
        with engine.begin() as connection:
            member = Table("member", MetaData(), autoload_with=connection)
            purchase = Table("purchase", MetaData(), autoload_with=connection)
            stores_of_members = ["旗舰店", "旗舰店", None, "", "S01", "s01"]
            connection.execute(
                insert(member),
                [_member(i, s) for i, s in enumerate(stores_of_members, start=1)],
            )
            connection.execute(
                insert(purchase),
                [_purchase(i, s) for i, s in enumerate(["", "旗舰店", "二店", "二店"], start=1)],
            )

        assert upgrade(engine) == HEAD_REVISION

        with engine.connect() as connection:
            store = Table("store", MetaData(), autoload_with=connection)
            rows = connection.execute(select(store.c.code, store.c.name)).all()
        assert sorted(map(tuple, rows)) == [
            ("S01", "S01"),
            ("s01", "s01"),
            ("二店", "二店"),
            ("旗舰店", "旗舰店"),
        ]
        with Session(engine) as session:
            # the exact text tells the two stores that fold alike apart; the counts are theirs
            assert (stores.resolve(session, "s01"), stores.resolve(session, "S01")) == (
                "s01",
                "S01",
            )
            counts = {r.code: (r.members, r.purchases) for r in stores.list_stores(session=session)}
        assert counts == {"S01": (1, 0), "s01": (1, 0), "二店": (0, 2), "旗舰店": (2, 1)}
    finally:
        engine.dispose()
