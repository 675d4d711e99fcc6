"""A fixed shop for the exact-output tests, and `both()`: one command in English and Chinese.

Everything a table shows is fixed: member numbers, phones, names, dates (factories' NOW and the
ledger rows of tests/reportdata.py), order numbers and coupon codes. Writes that the CLI stamps
with the wall clock are arranged through the domain instead, or their times are set afterwards.

| no      | name       | status    | tier   | store | notes                              |
|---------|------------|-----------|--------|-------|------------------------------------|
| M000001 | 张三       | active    | silver | north | purchases, points, wallet, 2 notes |
| M000002 | 李四       | active    | silver | north | upgraded from basic                |
| M000003 | 王五       | active    | basic  | south |                                    |
| M000004 | Alice Wong | active    | silver | south |                                    |
| M000005 | 赵六       | frozen    | basic  |       | wallet 100.00                      |
| M000006 | 钱七       | cancelled | basic  |       |                                    |
| M000007 | 孙八       | active    | basic  |       | joined the day before AS_OF        |
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col, select

from memberctl.db.session import transaction
from memberctl.domain import segments
from memberctl.models import AuditEntry, Coupon, ImportRun, Member, PointsEntry, WalletEntry
from tests import factories, reportdata
from tests.conftest import Run

ROOT = Path(__file__).resolve().parents[2]
# A deterministic terminal: 100 columns, no colour (CliRunner is no TTY either).
WIDE = {"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1"}
NAMES = ["张三", "李四", "王五", "Alice Wong", "赵六", "钱七", "孙八"]
PHONES = [f"1380013800{n}" for n in range(1, 8)]
START = dt.datetime(2026, 11, 25, 9, 0, 0)


def both(run: Run, *args: str) -> dict[str, dict[str, Any]]:
    """The command's exit code, stdout and stderr: in English through CliRunner, and in Chinese
    in a fresh interpreter, because table headers and help are translated when memberctl.cli is
    imported (a `--lang zh` in this process would show English headers)."""
    english = run("--lang", "en", *args, env=WIDE)
    chinese = memberctl(run.db_url, "--lang", "zh", *args, **WIDE)
    return {
        "en": {"exit": english.exit_code, "stdout": english.stdout, "stderr": english.stderr},
        "zh": {"exit": chinese.returncode, "stdout": chinese.stdout, "stderr": chinese.stderr},
    }


def memberctl(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed `memberctl` script in a fresh interpreter, as a clerk runs it (usage errors
    name `memberctl`, not `python -m memberctl`), with no language or locale from this machine."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "LC_", "LANG"))}
    clean.update({"MEMBERCTL_OPERATOR": "tester", **env})
    script = Path(sys.executable).with_name("memberctl")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "memberctl"]
    return subprocess.run(
        [*command, "--db", db_url, "--no-input", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean,
        timeout=60,
        check=False,
    )


def seed(engine: Engine) -> list[str]:
    """The members of tests/reportdata.py with names and phones, their purchases and ledgers."""
    numbers = []
    for spec, name, phone in zip(reportdata.MEMBERS, NAMES, PHONES, strict=True):
        raw = dict(spec)
        status = raw.pop("status")
        record = factories.member_in(engine, status, name=name, phone=phone, **raw)
        numbers.append(record.member_no)
    reportdata._orders = itertools.count(1)  # order numbers R000001... whatever ran before
    with transaction(engine) as session:
        ids = {
            i: session.exec(select(Member.id).where(Member.member_no == no)).one()
            for i, no in enumerate(numbers, start=1)
        }
        reportdata.add_purchases(session, ids, reportdata.PURCHASES)
        for index, when, points in reportdata.POINTS:
            session.add(
                PointsEntry(
                    member_id=ids[index],
                    kind="adjust",
                    points=points,
                    operator="seed",
                    at=reportdata.at(when),
                )
            )
        for index, when, amount in reportdata.WALLET:
            session.add(
                WalletEntry(
                    member_id=ids[index],
                    kind="adjust",
                    amount=Decimal(amount),
                    operator="seed",
                    at=reportdata.at(when),
                )
            )
        session.flush()
        reportdata.sync_caches(session)
    return numbers


def add_notes_and_moves(engine: Engine, numbers: list[str]) -> None:
    first, second = numbers[0], numbers[1]
    factories.note(engine, first, "asked about the refund", kind="call", at=START)
    factories.note(engine, first, "parking is hard", kind="complaint", at=START.replace(hour=11))
    factories.move_tier(engine, second, "up", at=START.replace(hour=12))


def add_segment(engine: Engine) -> None:
    with transaction(engine) as session:
        segments.save(
            session=session,
            name="north-silver",
            expr="store = north and tier = silver",
            operator="factory",
            at=START,
        )


def add_campaigns(run: Run) -> None:
    """The four campaign templates and one run of wake-up-coupon, coupon codes fixed."""
    for path in sorted((ROOT / "templates" / "campaigns").glob("*.toml")):
        assert run("campaign", "add", str(path)).exit_code == 0
    result = run("campaign", "run", "wake-up-coupon", "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    fix_coupon_codes(run)


def fix_coupon_codes(run: Run) -> None:
    from memberctl.db.engine import make_engine

    engine = make_engine(run.db_url)
    with transaction(engine) as session:
        ids = session.exec(select(Coupon.id).order_by(col(Coupon.id))).all()
        for n, coupon_id in enumerate(ids, start=1):
            session.exec(  # type: ignore[call-overload]
                update(Coupon).where(col(Coupon.id) == coupon_id).values(code=f"SNAP{n:04d}")
            )
    engine.dispose()


def fix_import_times(engine: Engine) -> None:
    """Import runs are stamped with the wall clock; pin them so `import runs` reads the same."""
    with transaction(engine) as session:
        ids = session.exec(select(ImportRun.id).order_by(col(ImportRun.id))).all()
        for n, run_id in enumerate(ids):
            started = START + dt.timedelta(hours=n)
            session.exec(  # type: ignore[call-overload]
                update(ImportRun)
                .where(col(ImportRun.id) == run_id)
                .values(started_at=started, finished_at=started + dt.timedelta(seconds=2))
            )


def fix_audit_times(engine: Engine) -> None:
    """The audit log records the real clock; pin it to a minute apart from START, in id order."""
    with transaction(engine) as session:
        ids = session.exec(select(AuditEntry.id).order_by(col(AuditEntry.id))).all()
        for n, entry_id in enumerate(ids):
            session.exec(  # type: ignore[call-overload]
                update(AuditEntry)
                .where(col(AuditEntry.id) == entry_id)
                .values(at=START + dt.timedelta(minutes=n))
            )


def without_timing(text: str) -> str:
    """An import summary with its Seconds and Rows/s cells (the last two) as fixed words: the
    only cells that change from run to run."""
    return re.sub(r"\d+\.\d\d +\d+$", "<secs> <rate>", text, flags=re.MULTILINE)
