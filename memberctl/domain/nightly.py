"""The nightly job: expire points, evaluate and apply tiers, run the campaigns that are due.

Each step runs in its own transaction, so a step that fails is reported (`ok: false`, `errors`)
without undoing the steps before it, and the steps after it still run. Every step is idempotent
for one day: expiry finds nothing left the second time (and looks only at the lots written since
the first, see `points.expire`), tier evaluation has nothing more to move,
and a campaign is due only when it runs on the day (starts/ends) and has no run yet for the
day's period key. So running the job twice for one day changes nothing the second time.

Tier evaluation reads every member's year of purchases, the job's one cost that grows with the
shop (tens of seconds at a million members). The evaluation is recorded in its own transaction
as an audit entry, `tier.evaluate` (the day, the newest purchase and member when it began, the
counts). A second run for the same day takes those counts instead of evaluating again, while
no audit entry but a campaign run's (which moves no tier) has been written after it and no
purchase or member has been added since the evaluation began: every change that could move a
tier (a purchase, refund, import, undo, status or tier change, settings, a tier file) writes an
audit entry. Recorded with the evaluation, not at the end of the job, so that a till's sale
during the campaigns that follow is seen. On PostgreSQL a change committed while the evaluation
reads (not a purchase: those are compared by id) can still go unseen until the next day's run.

Only one nightly runs at a time per database. The lock lives with the database, so it holds
across machines: on PostgreSQL a session advisory lock (`pg_try_advisory_lock`) keyed by the
schema; on SQLite an exclusive `flock` on `FILE.nightly.lock` next to the database file (it does
not depend on SQLite's own locking, which the job's short transactions release between steps).
A second copy waits up to `wait` seconds for it, then gives up without doing anything.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlmodel import col

from memberctl.db import backup
from memberctl.db.session import run_transaction
from memberctl.domain import audit, campaign_runs, evaluation, points, search
from memberctl.domain.campaign_runs import RunResult
from memberctl.errors import MemberctlError
from memberctl.models import AuditEntry, Member, Purchase

_LOCK_CLASS = 0x6D6E6967  # "mnig": the nightly lock's key space; the second key is the schema
_POLL_SECONDS = 0.2
SKIPPED_REASON = "another nightly is running"
EVALUATED = "tier.evaluate"  # the audit action a job's tier evaluation is recorded under
_COUNTS = ("evaluated", "in_grace", "kept")  # what a second run repeats (nothing moves again)
_HARMLESS = "campaign.run"  # written after the evaluation by the job itself; awards move no tier


@dataclass
class NightlyResult:
    as_of: dt.date
    expired: dict[str, Any] | None = None
    tiers: dict[str, Any] | None = None
    campaigns: list[RunResult] = field(default_factory=list)
    ok: bool = True
    errors: list[dict[str, str]] = field(default_factory=list)
    backup: dict[str, Any] | None = None
    # SQLite: {"wal": NAME-wal, "wiped": bool}, the WAL copied into the database and emptied, so
    # data erased during the day (member forget) while a reader held it is gone; None otherwise.
    checkpoint: dict[str, Any] | None = None


@dataclass(frozen=True)
class Skipped:
    skipped: bool
    reason: str


# -- the lock --------------------------------------------------------------------------------
class LockBusy(Exception):
    """The nightly lock is held by someone else, and waiting did not help."""


def _wait_for(try_once: Callable[[], bool], wait: float) -> None:
    deadline = time.monotonic() + max(wait, 0.0)
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockBusy(SKIPPED_REASON)
        time.sleep(_POLL_SECONDS)


def lock_path(engine: Engine) -> Path | None:
    """SQLite: the lock file next to the database file; None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(path.name + ".nightly.lock")


@contextmanager
def _file_lock(path: Path, wait: float) -> Iterator[None]:
    import fcntl  # POSIX; the lock file is the portable part of the design

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait_for(try_once, wait)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _schema_key(connection: Connection) -> int:
    """A signed 32-bit key for this database schema: two shops' schemas in one PostgreSQL
    database do not block each other."""
    name = connection.execute(
        select(func.concat(func.current_database(), ".", func.current_schema()))
    )
    crc = zlib.crc32(str(name.scalar()).encode())
    return crc - 2**32 if crc >= 2**31 else crc


@contextmanager
def _advisory_lock(engine: Engine, wait: float) -> Iterator[None]:
    with engine.connect() as connection:
        key = _schema_key(connection)
        connection.commit()

        def try_once() -> bool:
            got = connection.execute(select(func.pg_try_advisory_lock(_LOCK_CLASS, key))).scalar()
            connection.commit()
            return bool(got)

        _wait_for(try_once, wait)
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(_LOCK_CLASS, key)))
            connection.commit()


@contextmanager
def lock(engine: Engine, wait: float = 0.0) -> Iterator[None]:
    """Hold the nightly lock of this database; LockBusy when another holder keeps it longer
    than `wait` seconds."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, wait):
            yield
        return
    path = lock_path(engine)
    if path is None:
        yield
        return
    with _file_lock(path, wait):
        yield


# -- the job ---------------------------------------------------------------------------------
def run(
    *,
    engine: Engine,
    as_of: dt.date,
    operator: str,
    at: dt.datetime,
    wait: float = 0.0,
    backup_dir: Path | None = None,
    keep: int = 7,
    passphrase: str | None = None,
) -> NightlyResult | Skipped:
    """The nightly job for `as_of` under the lock; `Skipped` when another copy holds it.

    With `backup_dir`, the database is first backed up there (the newest `keep` kept),
    encrypted with `passphrase` when one is given."""
    try:
        with lock(engine, wait):
            result = NightlyResult(as_of)
            if backup_dir is not None:
                _backup_first(result, engine, backup_dir, as_of, keep, passphrase)
            return _steps(result, engine, as_of, operator, at)
    except LockBusy as busy:
        return Skipped(True, str(busy))


def _backup_first(
    result: NightlyResult,
    engine: Engine,
    folder: Path,
    as_of: dt.date,
    keep: int,
    passphrase: str | None = None,
) -> None:
    try:
        rotation = backup.rotate(engine, folder, as_of, keep, passphrase)
    except (OSError, MemberctlError) as exc:  # reported; the rest of the job still runs
        result.errors.append({"step": "backup", "message": _describe(exc)})
        return
    result.backup = {"file": rotation.file, "bytes": rotation.bytes, "removed": rotation.removed}


def _steps(
    result: NightlyResult, engine: Engine, as_of: dt.date, operator: str, at: dt.datetime
) -> NightlyResult:

    def step(name: str, work: Callable[[Any], Any]) -> Any:
        try:
            return run_transaction(engine, work)  # a deadlock with a till: the step again
        except Exception as exc:  # reported, and the job goes on
            result.errors.append({"step": name, "message": _describe(exc)})
            return None

    def campaign(code: str) -> Callable[[Any], Any]:
        return lambda s: campaign_runs.run(
            session=s, code=code, as_of=as_of, operator=operator, at=at
        )

    # pinyin initials for members a bulk import added: a transaction per batch
    after: int | None = 0
    while after is not None:
        after = step("search", functools.partial(search.backfill, after=after))
    expired = step(
        "expire", lambda s: points.expire(session=s, as_of=as_of, operator=operator, at=at)
    )
    if expired is not None:
        result.expired = {
            "entries": expired.entries,
            "points": expired.points,
            "members": expired.members,
        }
    result.tiers = step("tiers", lambda s: evaluated_already(s, as_of))
    if result.tiers is None:
        result.tiers = step("tiers", lambda s: _evaluate(s, as_of, operator, at))
    due = step("campaigns", lambda s: campaign_runs.due(session=s, as_of=as_of)) or []
    for code in due:
        ran = step(
            f"campaign {code}",
            campaign(code),
        )
        if ran is not None:
            result.campaigns.append(ran)
    _checkpoint(result, engine)
    result.ok = not result.errors
    return result


def _evaluate(session: Any, as_of: dt.date, operator: str, at: dt.datetime) -> dict[str, int]:
    """Evaluate and apply the tiers, and record that it was done (see the module's note)."""
    seen = _newest(session)  # before the evaluation reads: what it accounts for
    tiers = evaluation.evaluate(session=session, as_of=as_of, apply=True, operator=operator, at=at)
    counts = {
        "evaluated": tiers.evaluated,
        "upgrades": tiers.upgrades,
        "downgrades": tiers.downgrades,
        "in_grace": len(tiers.in_grace),
        "kept": len(tiers.kept),
    }
    details = {"as_of": as_of.isoformat(), **seen} | {name: counts[name] for name in _COUNTS}
    audit.record(session=session, operator=operator, action=EVALUATED, at=at, details=details)
    return counts


def _newest(session: Any) -> dict[str, int | None]:
    return {
        "purchase": session.execute(select(func.max(Purchase.id))).scalar(),
        "member": session.execute(select(func.max(Member.id))).scalar(),
    }


def evaluated_already(session: Any, as_of: dt.date) -> dict[str, Any] | None:
    """The tier counts of this day's evaluation when nothing was recorded since it (see the
    module's note), with no upgrades or downgrades left to make; else None."""
    entry = audit.latest(session, EVALUATED)
    if entry is None:
        return None
    entry_id, details = entry
    later = select(col(AuditEntry.id)).where(
        col(AuditEntry.id) > entry_id, col(AuditEntry.action) != _HARMLESS
    )
    if (
        details.get("as_of") != as_of.isoformat()
        or any(details.get(table) != value for table, value in _newest(session).items())
        or session.execute(later.limit(1)).first() is not None
    ):
        return None
    return {
        "evaluated": details["evaluated"],
        "upgrades": 0,
        "downgrades": 0,
        "in_grace": details["in_grace"],
        "kept": details["kept"],
    }


def _checkpoint(result: NightlyResult, engine: Engine) -> None:
    from memberctl.db.engine import checkpoint

    try:
        done = checkpoint(engine)
    except Exception as exc:  # reported, like any step
        result.errors.append({"step": "checkpoint", "message": _describe(exc)})
        return
    if done is not None:
        result.checkpoint = {"wal": done.wal, "wiped": done.wiped}


def _describe(exc: Exception) -> str:
    if isinstance(exc, MemberctlError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
