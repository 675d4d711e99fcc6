"""benchmarks/till.py's database, built small on the test database (SQLite or PostgreSQL): its
dialect-specific SQL fills what it says, the ledgers agree with the caches (db check), and the
sale, purchase and member show the benchmark times succeed on it through the real CLI."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from memberctl.domain import dbcheck
from memberctl.models import Member, PointsEntry, Purchase, Store, WalletEntry
from tests.conftest import Run

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "till.py"
MEMBERS, PURCHASES = 300, 900


def _till() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_till", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one()[0])


def test_the_benchmark_database_is_consistent_and_the_timed_commands_work(
    engine: Engine, run: Run
) -> None:
    till = _till()
    till.build(engine, MEMBERS, PURCHASES)
    with Session(engine) as session:
        assert _count(session, Store) == till.STORES
        assert _count(session, Member) == MEMBERS
        assert _count(session, Purchase) == PURCHASES
        refunded = PURCHASES // 50
        assert _count(session, Purchase, Purchase.refunded_at.is_not(None)) == refunded
        assert _count(session, PointsEntry) == PURCHASES - refunded
        assert _count(session, WalletEntry) == MEMBERS // 3
        tiers = dict(
            session.exec(select(Member.tier_code, func.count()).group_by(Member.tier_code)).all()
        )
        assert tiers == {"basic": 180, "silver": 60, "gold": 30, "platinum": 30}
        assert dbcheck.check(session=session) == []
    show, record, sale = till.bench_members(engine, 3)
    assert run("member", "show", show).exit_code == 0
    assert run("purchase", "record", record, "88.00", "--order-no", "TB-P1").exit_code == 0
    receipt = run.json(
        "sale", sale, "--amount", "300.00", "--points", "100", "--wallet", "10.00",
        "--pay", "cash", "--order-no", "TB-S1",
    )  # fmt: skip
    assert (receipt["points_used"], receipt["wallet_paid"]) == (100, "10.00")
    assert receipt["duplicate"] is False
