"""Ledger speed beside set-based SQL floors measured in the same run (a plain script, not a test).

    python benchmarks/ledger.py [--db URL] [--members 20000] [--purchases 100000]
                                [--entries 1000000]

Default database: a fresh SQLite file in a temporary folder; `--db postgresql+psycopg://...`
runs against PostgreSQL (use an empty database or schema: tables are filled and left there).

1. Purchases: `--purchases` rows inserted with Core executemany into one import run, then points
   credited by `purchases.earn_for_import_run` (the spreadsheet importer's bulk path: tier and
   birthday multipliers, expiry policy, purchase and member caches). Floor: one bare
   INSERT ... SELECT of a ledger row per purchase (no multipliers, no caches), rolled back.
2. Expiry: `--entries` ledger rows (credits across members, half lapsed, one in ten partly spent
   by a debit with its allocation), then `points.expire` (remainders, allocations, caches, set-
   based), and a second run for the same day (a no-op). Floor: one bare INSERT ... SELECT of an
   expire row per lapsed credit (no remainders, no allocations), rolled back.

Target: each within 3x of its floor. Record the figures in README.md ("Measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, literal, select, update

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.db.session import transaction
from memberctl.domain import dbcheck, points, purchases
from memberctl.models import ImportRun, Member, PointsAllocation, PointsEntry, Purchase

NOW = dt.datetime(2026, 11, 25, 10, 0)
AS_OF = dt.date(2026, 11, 25)
BATCH = 50_000


def _chunks(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(engine, table, rows):
    with transaction(engine) as session:
        for chunk in _chunks(rows):
            session.execute(insert(table), chunk)


def seed_members(engine, count, rng):
    rows = [
        {
            "member_no": f"B{i:07d}",
            "name": f"m{i}",
            "phone": f"+86139{i:08d}",
            "birthday": dt.date(1980 + i % 30, 1 + i % 12, 1 + i % 28) if i % 3 else None,
            "tier_code": rng.choice(["basic", "basic", "silver", "gold"]),
            "status": "active",
            "points": 0,
            "balance": Decimal("0.00"),
            "joined_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(count)
    ]
    _insert(engine, Member, rows)
    with engine.connect() as connection:
        return list(connection.execute(select(Member.id)).scalars())


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _rolled_back(engine, statement):
    with transaction(engine) as session:
        start = time.perf_counter()
        session.execute(statement)
        elapsed = time.perf_counter() - start
        session.rollback()
    return elapsed


def bench_purchases(engine, member_ids, count, rng):
    with transaction(engine) as session:
        run = ImportRun(
            kind="purchases",
            file_name="bench.csv",
            file_sha256="0" * 64,
            operator="bench",
            started_at=NOW,
        )
        session.add(run)
        session.flush()
        run_id = run.id
    rows = [
        {
            "member_id": rng.choice(member_ids),
            "order_no": f"BENCH-{i}",
            "store": "",
            "amount": Decimal(rng.randint(100, 99_999)) / 100,
            "at": NOW - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 700)),
            "points_earned": 0,
            "import_run_id": run_id,
            "operator": "bench",
            "created_at": NOW,
        }
        for i in range(count)
    ]
    _, insert_s = _timed(lambda: _insert(engine, Purchase, rows))
    floor = _rolled_back(
        engine,
        insert(PointsEntry).from_select(
            ["member_id", "kind", "points", "operator", "at", "purchase_id", "import_run_id"],
            select(
                Purchase.member_id,
                literal("earn"),
                func.floor(Purchase.amount),
                literal("bench"),
                Purchase.at,
                Purchase.id,
                Purchase.import_run_id,
            ).where(Purchase.import_run_id == run_id),
        ),
    )

    def earn():
        with transaction(engine) as session:
            return purchases.earn_for_import_run(
                session=session, import_run_id=run_id, operator="bench", at=NOW
            )

    credited, earn_s = _timed(earn)
    return {"insert_s": insert_s, "earn_s": earn_s, "floor_s": floor, "points": credited}


def seed_ledger(engine, member_ids, count, rng):
    """`count` ledger rows: credits, and a debit (with its allocation) for one in ten."""
    credits = int(count / 1.1)
    rows = []
    for i in range(credits):
        lapsed = i % 2 == 0
        days = rng.randint(1, 400)
        expires = AS_OF - dt.timedelta(days=days) if lapsed else AS_OF + dt.timedelta(days=days)
        rows.append(
            {
                "member_id": member_ids[i % len(member_ids)],
                "kind": "adjust",
                "points": 100,
                "expires_on": expires,
                "reason": "bench",
                "operator": "bench",
                "at": NOW,
            }
        )
    _insert(engine, PointsEntry, rows)
    with engine.connect() as connection:
        lots = connection.execute(
            select(PointsEntry.id, PointsEntry.member_id).where(PointsEntry.kind == "adjust")
        ).all()
    spent = lots[:: max(1, len(lots) // (count - credits))][: count - credits]
    debits = [
        {
            "member_id": m,
            "kind": "redeem",
            "points": -30,
            "reason": "bench",
            "operator": "bench",
            "at": NOW,
        }
        for _, m in spent
    ]
    _insert(engine, PointsEntry, debits)
    with engine.connect() as connection:
        ids = (
            connection.execute(
                select(PointsEntry.id).where(PointsEntry.points < 0).order_by(PointsEntry.id)
            )
            .scalars()
            .all()
        )
    allocations = [
        {"debit_id": d, "credit_id": c, "points": 30} for d, (c, _) in zip(ids, spent, strict=True)
    ]
    _insert(engine, PointsAllocation, allocations)
    with transaction(engine) as session:  # caches = sums, as the real paths keep them
        total = (
            select(func.coalesce(func.sum(PointsEntry.points), 0))
            .where(PointsEntry.member_id == Member.__table__.c.id)
            .scalar_subquery()
        )
        session.execute(update(Member.__table__).values(points=total))


def bench_expiry(engine, member_ids, count, rng):
    seed_ledger(engine, member_ids, count, rng)
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(PointsEntry)).scalar_one()
    floor = _rolled_back(
        engine,
        insert(PointsEntry).from_select(
            ["member_id", "kind", "points", "operator", "at", "reverses_id"],
            select(
                PointsEntry.member_id,
                literal("expire"),
                -PointsEntry.points,
                literal("bench"),
                literal(NOW),
                PointsEntry.id,
            ).where(PointsEntry.points > 0, PointsEntry.expires_on < AS_OF),
        ),
    )

    def expire():
        with transaction(engine) as session:
            return points.expire(session=session, as_of=AS_OF, operator="bench", at=NOW)

    result, expire_s = _timed(expire)
    again, again_s = _timed(expire)
    assert again.entries == 0
    return {
        "rows": rows,
        "expire_s": expire_s,
        "again_s": again_s,
        "floor_s": floor,
        "expired": result.entries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--purchases", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(folder.name) / 'bench.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    rng = random.Random(4)
    print(f"database: {engine.dialect.name}; python {sys.version.split()[0]}")
    member_ids = seed_members(engine, args.members, rng)

    p = bench_purchases(engine, member_ids, args.purchases, rng)
    n = args.purchases
    print(
        f"purchases: {n:,} rows inserted in {p['insert_s']:.2f} s ({n / p['insert_s']:,.0f} rows/s)"
    )
    print(
        f"  earn_for_import_run: {p['earn_s']:.2f} s = {n / p['earn_s']:,.0f} rows/s "
        f"({p['points']:,} points); floor {p['floor_s']:.2f} s = {n / p['floor_s']:,.0f} rows/s; "
        f"{p['earn_s'] / p['floor_s']:.1f}x the floor"
    )

    e = bench_expiry(engine, member_ids, args.entries, rng)
    rows = e["rows"]
    print(f"expiry over {rows:,} ledger rows ({e['expired']:,} lots expired):")
    print(
        f"  points expire: {e['expire_s']:.2f} s = {rows / e['expire_s']:,.0f} rows/s; "
        f"floor {e['floor_s']:.2f} s = {rows / e['floor_s']:,.0f} rows/s; "
        f"{e['expire_s'] / e['floor_s']:.1f}x the floor; "
        f"second run {e['again_s']:.2f} s"
    )
    with transaction(engine, write=False) as session:
        problems = dbcheck.check(session=session)
    print(f"db check: {'ok' if not problems else problems[:3]}")
    engine.dispose()
    folder.cleanup()


if __name__ == "__main__":
    main()
