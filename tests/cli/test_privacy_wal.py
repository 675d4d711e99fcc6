"""Erased data does not survive in SQLite's files (issue 13.11): `member forget` zeroes what it
deletes (secure_delete) and empties the WAL (a TRUNCATE checkpoint). While another connection
holds a read transaction the WAL cannot be emptied: forget says so on stderr, and the nightly
job's checkpoint wipes it. Checked by searching the database and -wal files for the values."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.privacydata import ADDRESS, EMAIL, NAME, PHONE, populate

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's files")

PLANTED = (NAME, PHONE, EMAIL, ADDRESS, f"{NAME}的朋友", f"{NAME} 来电")
ERASED = "M000001: personal data erased"
STAYS = (
    "another program is reading the database, so the erased data stays in members.db-wal "
    "(and members.db) until it is done; it is wiped at the next nightly, or when no program "
    "has the database open"
)


def found(db_url: str) -> set[str]:
    """The planted values present in the database file or its WAL."""
    path = Path(db_url.removeprefix("sqlite:///"))
    files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    data = b"".join(p.read_bytes() for p in files)
    return {value for value in PLANTED if value.encode("utf-8") in data}


def reader(db_url: str) -> sqlite3.Connection:
    """Another program in the middle of reading: BEGIN and a SELECT, not finished."""
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN")
    connection.execute("SELECT count(*) FROM member").fetchall()
    return connection


def test_forget_leaves_no_planted_value_in_the_files(run, engine, db_url, tmp_path):
    no = populate(run, engine, tmp_path).member_no
    assert found(db_url) == set(PLANTED)

    result = run("member", "forget", no, "--yes", "-f", "json")

    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [ERASED]
    assert found(db_url) == set()


def test_a_reader_keeps_the_wal_until_the_nightly_wipes_it(run, engine, db_url, tmp_path):
    no = populate(run, engine, tmp_path).member_no
    held = reader(db_url)
    try:
        result = run("member", "forget", no, "--yes", "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.splitlines() == [ERASED, STAYS]
        assert found(db_url)  # what the message says: still in the files

        blocked = run("nightly", "--as-of", "2026-11-25")
        assert blocked.exit_code == 0, blocked.stderr
        assert json.loads(blocked.stdout)["checkpoint"] == {"wal": "members.db-wal", "wiped": False}
        assert blocked.stderr.splitlines() == [
            "another program is reading the database, so members.db-wal could not be emptied; "
            "the next nightly tries again"
        ]
    finally:
        held.execute("COMMIT")
        held.close()

    nightly = run("nightly", "--as-of", "2026-11-26")

    assert nightly.exit_code == 0, nightly.stderr
    assert json.loads(nightly.stdout)["checkpoint"] == {"wal": "members.db-wal", "wiped": True}
    assert nightly.stderr == ""
    assert found(db_url) == set()
