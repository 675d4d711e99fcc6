"""Campaign run speed beside a set-based floor measured in the same run (a plain script).

    python benchmarks/campaign.py [--db URL] [--members 1000000] [--coupons 100000]

Default database: a fresh SQLite file in a temporary folder; `--db postgresql+psycopg://...`
runs against PostgreSQL (use an empty database or schema: tables are filled and left there).

1. award_points: `--members` active members (one in a hundred frozen, skipped) built with Core
   executemany, then `campaign_runs.run` of a campaign for `status = active` in one transaction,
   commit included (awards INSERT ... SELECT with ON CONFLICT, ledger credits INSERT ... SELECT,
   one UPDATE of the points caches, run row, audit), then a re-run in the same period (a no-op).
   Floor: one bare INSERT ... SELECT of a ledger credit per targeted member (no awards, no
   caches), committed on a copy of the SQLite file (rolled back on PostgreSQL).
2. issue_coupon: a coupon campaign for the first `--coupons` members (codes generated in Python,
   one executemany). Floor: the same number of coupon rows with precomputed codes in one
   executemany, rolled back.

Target: within 3x of the floor; one statement per step, never one per member. Record the figures
in README.md ("Measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Date, DateTime, Integer, String, func, insert, literal, select

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from memberctl.db.session import transaction
from memberctl.domain import campaign_runs, campaigns, dbcheck
from memberctl.models import Coupon, Member, PointsEntry

NOW = dt.datetime(2026, 11, 25, 10, 0)
AS_OF = dt.date(2026, 11, 25)
BATCH = 50_000
POINTS_TOML = """\
code = "bench-points"
action = "award_points"
points = 100
where = "status = active"
period = "monthly"
"""
COUPON_TOML = """\
code = "bench-coupons"
action = "issue_coupon"
coupon_value = "20.00"
where = "points >= 0 and store = bench"
period = "monthly"
"""


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def seed_members(engine, count: int, with_store: int) -> float:
    def rows(start: int):
        for i in range(start, min(start + BATCH, count)):
            yield {
                "member_no": f"B{i:07d}",
                "name": f"m{i}",
                "phone": f"+86139{i:08d}",
                "tier_code": ("basic", "silver", "gold", "platinum")[i % 4],
                "status": "frozen" if i % 100 == 99 else "active",
                "points": 0,
                "balance": Decimal("0.00"),
                "store": "bench" if i < with_store else None,
                "joined_at": NOW,
                "created_at": NOW,
                "updated_at": NOW,
                "opt_out": False,
            }

    def load() -> None:
        with transaction(engine) as session:
            for start in range(0, count, BATCH):
                session.execute(insert(Member), list(rows(start)))

    seconds, _ = _timed(load)
    return seconds


def add_campaign(engine, folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    with transaction(engine) as session:
        campaigns.add(session=session, path=path, operator="bench", at=NOW)


def points_floor(engine, folder: Path) -> tuple[float, int]:
    """One INSERT ... SELECT of a credit per targeted member. SQLite: committed, on a copy of the
    database file (a run commits too; deleting the rows again would cost more than the run).
    PostgreSQL: rolled back."""
    table = PointsEntry.__table__
    rows = select(
        Member.id,
        literal("campaign", String),
        literal(100, Integer),
        literal(dt.date(2028, 11, 30), Date),
        literal("floor", String),
        literal("bench", String),
        literal(NOW, DateTime),
    ).where(Member.status == "active")
    statement = insert(table).from_select(
        ["member_id", "kind", "points", "expires_on", "reason", "operator", "at"], rows
    )
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection:
            seconds, _ = _timed(lambda: connection.execute(statement))
            count = connection.execute(
                select(func.count()).select_from(table).where(table.c.reason == "floor")
            ).scalar_one()
            connection.rollback()
        return seconds, count
    engine.dispose()  # checkpoints the WAL into the file
    copy = folder / "floor.db"
    shutil.copyfile(engine.url.database, copy)
    scratch = make_engine(f"sqlite:///{copy}")

    def write() -> int:
        with scratch.begin() as connection:
            return connection.execute(statement).rowcount

    seconds, count = _timed(write)
    scratch.dispose()
    copy.unlink()
    return seconds, count


def coupon_floor(engine, count: int) -> float:
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                select(Member.id).where(Member.store == "bench").limit(count)
            ).scalars()
        )
        codes = [f"F{i:07d}" for i in range(len(ids))]
        rows = [
            {
                "code": c,
                "member_id": m,
                "value": Decimal("20.00"),
                "valid_from": AS_OF,
                "valid_to": AS_OF,
                "weekdays_only": False,
                "no_holidays": False,
                "created_at": NOW,
            }
            for m, c in zip(ids, codes, strict=True)
        ]
        start = time.perf_counter()
        connection.execute(insert(Coupon), rows)
        seconds = time.perf_counter() - start
        connection.rollback()
    return seconds


def run_campaign(engine, code: str):
    def go():
        with transaction(engine) as session:
            return campaign_runs.run(
                session=session, code=code, as_of=AS_OF, operator="bench", at=NOW
            )

    return _timed(go)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--coupons", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        ensure_schema(engine)
        print(f"database: {engine.dialect.name}; members: {args.members:,}")
        seconds = seed_members(engine, args.members, args.coupons)
        print(f"seed (Core executemany): {args.members / seconds:,.0f} members/s ({seconds:.1f} s)")
        add_campaign(engine, Path(folder), "points.toml", POINTS_TOML)
        add_campaign(engine, Path(folder), "coupons.toml", COUPON_TOML)

        floor_s, floor_rows = points_floor(engine, Path(folder))
        run_s, result = run_campaign(engine, "bench-points")
        again_s, again = run_campaign(engine, "bench-points")
        assert result.awarded == floor_rows == again.already_awarded, (result, floor_rows, again)
        assert again.awarded == 0
        print(
            f"award_points run: {result.targeted:,} targeted, {result.awarded:,} awarded in "
            f"{run_s:.2f} s = {result.targeted / run_s:,.0f} members/s"
        )
        ratio = run_s / floor_s
        print(
            f"  floor (one INSERT ... SELECT of the credits): {floor_s:.2f} s = "
            f"{floor_rows / floor_s:,.0f} rows/s; run / floor = {ratio:.2f}x"
        )
        print(f"  re-run in the same period (awards nobody): {again_s:.2f} s")

        coupon_floor_s = coupon_floor(engine, args.coupons)
        coupon_s, issued = run_campaign(engine, "bench-coupons")
        print(
            f"issue_coupon run: {issued.coupons:,} coupons in {coupon_s:.2f} s = "
            f"{issued.coupons / coupon_s:,.0f} coupons/s"
        )
        ratio = coupon_s / coupon_floor_s
        print(
            f"  floor (one executemany of precomputed coupons, rolled back): "
            f"{coupon_floor_s:.2f} s; run / floor = {ratio:.2f}x"
        )
        with transaction(engine, write=False) as session:
            problems = dbcheck.check(session=session)
        print(f"db check: {'ok' if not problems else problems[:3]}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
