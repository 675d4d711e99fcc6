"""Member search speed beside floors measured in the same run (a plain script).

    python benchmarks/search.py [--db URL] [--members 100000]

Default database: a fresh SQLite file in a temporary folder; `--db postgresql+psycopg://...`
runs against PostgreSQL (use an empty database or schema: tables are filled and left there).

1. backfill: `--members` members inserted with Core executemany and `name_initials` NULL (as a
   bulk import leaves them), then `search.backfill` in one transaction, commit included.
   Floor: the same executemany UPDATE with the initials already computed (no pinyin), rolled back.
2. find: `search.find` for typical clerk queries (initials, full pinyin, a phone's last digits,
   part of a name), median of 5, in-process. Floor: one scan of the names (a substring count).

Record the figures in README.md ("Measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select, update

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.db.session import transaction
from memberctl.domain import search
from memberctl.models import Member

NOW = dt.datetime(2026, 11, 25, 10, 0)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红建国志文斌浩宇子涵欣怡梓轩一诺思远"
QUERIES = ["zs", "zsf", "zhangsan", "wangwei", "wang", "8000", "伟", "张三", "M000123"]


def _fill(engine, members: int) -> None:
    rng = random.Random(7)
    rows = [
        {
            "member_no": f"M{i:06d}",
            "phone": f"+86139{i:08d}",
            "tier_code": "basic",
            "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            "status": "active",
            "points": 0,
            "balance": 0,
            "joined_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            "opt_out": False,
        }
        for i in range(1, members + 1)
    ]
    with transaction(engine) as session:
        session.connection().execute(insert(Member), rows)


def _floor_update(engine) -> float:
    with engine.connect() as connection:
        rows = connection.execute(select(Member.id)).all()
        connection.rollback()
        values = [{"member_id": member_id, "initials": "zs"} for (member_id,) in rows]
        query = (
            update(Member)
            .where(Member.id == bindparam("member_id"))
            .values(name_initials=bindparam("initials"))
        )
        start = time.perf_counter()
        with connection.begin() as outer:
            for part in range(0, len(values), search.BATCH):
                connection.execute(query, values[part : part + search.BATCH])
            outer.rollback()
        return time.perf_counter() - start


def _median(fn) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="memberctl-search-"))
    engine = make_engine(args.db or f"sqlite:///{folder / 'bench.db'}")
    ensure_schema(engine)
    _fill(engine, args.members)
    floor = _floor_update(engine)
    start = time.perf_counter()
    with transaction(engine) as session:
        done = search.backfill(session)
    took = time.perf_counter() - start
    print(
        f"backfill {done:,} members: {took:.2f} s, {done / took:,.0f} rows/s "
        f"({took / floor:.1f}x the floor: bare executemany UPDATE {floor:.2f} s)"
    )

    def scan() -> None:
        with engine.connect() as connection:
            query = select(func.count()).where(Member.name.contains("伟"))
            connection.execute(query).scalar()

    print(f"floor: one scan, count(*) WHERE name LIKE '%伟%': {1000 * _median(scan):.0f} ms")
    for query in QUERIES:

        def find(text: str = query) -> None:
            with transaction(engine, write=False) as session:
                search.find(session=session, text=text, limit=50)

        with transaction(engine, write=False) as session:
            found = len(search.find(session=session, text=query, limit=50))
        print(f"find {query!r}: {1000 * _median(find):.0f} ms ({found} shown)")
    engine.dispose()


if __name__ == "__main__":
    main()
