"""Files memberctl creates that hold the member list are owner-only (0600), whatever the umask:
the SQLite database and its -wal/-shm files, `db backup` files (over an existing file too) and
nightly backups. Exports and errors files are the user's files (see docs/privacy.md)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema
from tests.conftest import PG_URL
from tests.factories import enroll

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite files")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """A umask that would make new files world-readable (0644) if memberctl did not see to it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@sqlite_only
def test_a_new_database_and_its_wal_and_shm_files_are_owner_only(tmp_path):
    path = tmp_path / "new" / "shop.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        ensure_schema(engine)
        with engine.connect() as connection:  # held open: -wal and -shm exist meanwhile
            connection.execute(text("SELECT count(*) FROM member")).one()
            files = {p.name: mode(p) for p in path.parent.iterdir()}
    finally:
        engine.dispose()
    assert files == {"shop.db": 0o600, "shop.db-wal": 0o600, "shop.db-shm": 0o600}


@sqlite_only
def test_the_first_command_on_a_new_database_creates_it_owner_only(tmp_path):
    from typer.testing import CliRunner

    from memberctl.cli import app

    path = tmp_path / "first.db"
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{path}", "--no-input", "member", "list", "-f", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "[]"
    modes = {p.name: mode(p) for p in tmp_path.iterdir() if p.name.startswith("first.db")}
    assert modes["first.db"] == 0o600
    assert set(modes.values()) == {0o600}, modes


def test_db_backup_is_owner_only_even_over_a_readable_file(run, engine, tmp_path):
    enroll(engine)
    target = tmp_path / "shop.backup"
    target.write_text("old")
    target.chmod(0o644)
    assert run("db", "backup", str(target)).exit_code == 0
    assert mode(target) == 0o600
    other = tmp_path / "fresh.backup"
    assert run("db", "backup", str(other)).exit_code == 0
    assert mode(other) == 0o600


def test_nightly_backups_are_owner_only(run, engine, tmp_path):
    enroll(engine)
    folder = tmp_path / "backups"
    for day in ("2026-11-24", "2026-11-25"):
        result = run("nightly", "--as-of", day, "--backup-dir", str(folder), "--keep", "2")
        assert result.exit_code == 0, result.stderr
    assert {p.name: mode(p) for p in folder.iterdir()} == {
        "memberctl-2026-11-24.backup": 0o600,
        "memberctl-2026-11-25.backup": 0o600,
    }


@sqlite_only
def test_restore_keeps_the_database_owner_only(run, engine, db_url, tmp_path):
    enroll(engine)
    target = tmp_path / "shop.backup"
    assert run("db", "backup", str(target)).exit_code == 0
    assert run("db", "restore", str(target), "--yes").exit_code == 0
    database = Path(db_url.removeprefix("sqlite:///"))
    assert mode(database) == 0o600
