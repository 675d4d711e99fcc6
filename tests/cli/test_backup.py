"""db backup / db restore: round trips, refusals, older and newer schemas, both formats."""

from __future__ import annotations

import gzip
import json
import sqlite3
import stat

import pytest
from sqlalchemy import update

from memberctl.db.backup import _backup_logical
from memberctl.db.engine import make_engine
from memberctl.db.migrate import HEAD_REVISION, upgrade
from memberctl.models import Member
from tests.conftest import PG_URL, error_line
from tests.factories import enroll


def _members(run):
    return run.json("member", "list")


def test_backup_then_restore_brings_back_every_member(run, engine, tmp_path):
    enroll(engine, "甲", phone="13800000001", tags=["vip"])
    enroll(engine, "乙", phone="13800000002", referrer="M000001")
    before = _members(run)
    target = tmp_path / "shop.backup"

    info = run.json("db", "backup", str(target))
    assert info["schema_revision"] == HEAD_REVISION
    assert info["rows"]["member"] == 2
    assert info["format"] == ("logical" if PG_URL else "sqlite")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not (tmp_path / "shop.backup-wal").exists()

    run("member", "freeze", "M000001")
    run("member", "enroll", "--name", "丙", "--phone", "13800000003")
    restored = run("db", "restore", str(target), "--yes", "--format", "json")
    assert restored.exit_code == 0, restored.stderr
    assert _members(run) == before
    again = run.json("member", "enroll", "--name", "丁", "--phone", "13800000004")
    assert again["member_no"] == "M000003"  # counters and ids come back too


def test_restore_needs_confirmation_without_a_terminal(run, engine, tmp_path):
    enroll(engine, "甲", phone="13800000001")
    target = tmp_path / "b.backup"
    run.json("db", "backup", str(target))
    run("member", "freeze", "M000001")
    result = run("db", "restore", str(target))
    assert result.exit_code == 2
    assert "--yes" in error_line(result)
    assert _members(run)[0]["status"] == "frozen"


@pytest.mark.parametrize(
    "content",
    [
        b"hello, this is not a backup\n",
        b"\x1f\x8bbroken gzip",
        b"SQLite format 3\x00" + b"\0" * 100,
    ],
    ids=["text", "broken-gzip", "broken-sqlite"],
)
def test_a_file_that_is_not_a_backup_is_refused(run, engine, tmp_path, content):
    enroll(engine, "甲", phone="13800000001")
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(content)
    result = run("db", "restore", str(bogus), "--yes")
    assert result.exit_code == 5
    assert "not a memberctl backup" in error_line(result)
    assert len(_members(run)) == 1


def test_a_sqlite_file_of_another_program_is_refused(run, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    connection.close()
    result = run("db", "restore", str(other), "--yes")
    assert result.exit_code == 5
    assert "not a memberctl backup" in error_line(result)


def test_missing_backup_file_is_not_found(run, tmp_path):
    result = run("db", "restore", str(tmp_path / "nope.backup"), "--yes")
    assert result.exit_code == 3
    assert "no file" in error_line(result)


def test_a_backup_from_a_newer_memberctl_is_refused(run, engine, tmp_path):
    enroll(engine, "甲", phone="13800000001")
    target = tmp_path / "new.backup"
    _backup_logical(engine, target)
    lines = gzip.decompress(target.read_bytes()).decode().splitlines()
    header = json.loads(lines[0]) | {"schema_revision": "9999"}
    target.write_bytes(gzip.compress("\n".join([json.dumps(header), *lines[1:]]).encode()))
    result = run("db", "restore", str(target), "--yes")
    assert result.exit_code == 4
    assert "newer memberctl" in error_line(result)


def _restore_into_sqlite(target, tmp_path):
    """Restore a backup into a new SQLite file: (the restore's info, its member rows by id)."""
    from memberctl.db.backup import restore

    sqlite_engine = make_engine(f"sqlite:///{tmp_path / 'moved.db'}")
    try:
        info = restore(sqlite_engine, target)
        with sqlite_engine.connect() as connection:
            rows = connection.execute(
                Member.__table__.select().order_by(Member.__table__.c.id)
            ).all()
    finally:
        sqlite_engine.dispose()
    return info, rows


def test_logical_backup_round_trip_into_sqlite(engine, tmp_path):
    """The PostgreSQL format restores into SQLite too: a shop can move between backends."""
    enroll(engine, "甲", phone="13800000001", tags=["vip", "新客"])
    enroll(engine, "乙", phone="13800000002", referrer="M000001")
    with engine.begin() as connection:
        connection.execute(update(Member).values(balance="12.50"))
    target = tmp_path / "logical.backup"
    _backup_logical(engine, target)

    info, rows = _restore_into_sqlite(target, tmp_path)
    assert info.format == "logical"
    assert [(r.member_no, r.name, str(r.balance), r.referrer_id) for r in rows] == [
        ("M000001", "甲", "12.50", None),
        ("M000002", "乙", "12.50", 1),
    ]


def test_an_older_sqlite_backup_is_upgraded_as_it_is_restored(run, tmp_path):
    old = tmp_path / "old.db"
    old_engine = make_engine(f"sqlite:///{old}")
    try:
        upgrade(old_engine, "0001")
        with old_engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO member (id, member_no, name, phone, tier_code, status, points, "
                "balance, joined_at, created_at, updated_at) VALUES (1, 'M000001', '老会员', "
                "'+8613800000009', 'gold', 'active', 0, 0, '2020-01-01 00:00:00', "
                "'2020-01-01 00:00:00', '2020-01-01 00:00:00')"
            )
    finally:
        old_engine.dispose()
    result = run("db", "restore", str(old), "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["schema_revision"] == "0001"
    members = _members(run)
    assert [(m["member_no"], m["name"], m["tier"]) for m in members] == [
        ("M000001", "老会员", "gold")
    ]


def test_a_member_edited_after_the_member_they_referred_still_backs_up(run, engine, tmp_path):
    """PostgreSQL returns an updated row after the rows written since: the referrer came after
    the member it referred, and loading the backup's check copy failed on the reference (exit 1).
    The backup is written in id order, and a check copy takes rows in any order."""
    enroll(engine, "甲", phone="13800000001")
    enroll(engine, "乙", phone="13800000002", referrer="M000001")
    assert run("member", "edit", "M000001", "--email", "a@example.com").exit_code == 0
    before = _members(run)
    path = tmp_path / "b.backup"
    info = run("db", "backup", str(path), "--format", "json")
    assert info.exit_code == 0, info.stderr
    restored = run("db", "restore", str(path), "--yes", "--format", "json")
    assert restored.exit_code == 0, restored.stderr
    assert _members(run) == before


def test_a_logical_backup_loads_with_its_rows_in_any_order(engine, tmp_path):
    enroll(engine, "甲", phone="13800000001")
    enroll(engine, "乙", phone="13800000002", referrer="M000001")
    target = tmp_path / "logical.backup"
    _backup_logical(engine, target)
    lines = gzip.open(target, "rt", encoding="utf-8").read().splitlines()
    entries = [json.loads(line) for line in lines]
    for entry in entries[1:]:
        if entry["table"] == "member":
            entry["rows"].reverse()  # the member who was referred first
    with gzip.open(target, "wt", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n")

    info, rows = _restore_into_sqlite(target, tmp_path)
    assert info.rows["member"] == 2
    assert [(r.member_no, r.referrer_id) for r in rows] == [("M000001", None), ("M000002", 1)]
