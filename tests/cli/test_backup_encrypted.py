"""db backup --encrypt / nightly --encrypt / db restore of an encrypted backup, through the CLI
on both databases: round trips, wrong passphrases and tampered files restore nothing (exit 5),
and the passphrase only ever comes from a file or a prompt."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import stat
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import insert

from memberctl.db import crypt
from memberctl.models import Interaction
from tests.conftest import PG_URL, failure
from tests.factories import enroll

PASSPHRASE = "correct horse battery"
CHUNK = crypt.CHUNK_SIZE + crypt.TAG_BYTES


def _passfile(tmp_path: Path, text: str = PASSPHRASE + "\n", name: str = "pass") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def _members(run):
    return run.json("member", "list")


def _backed_up(run, engine, tmp_path) -> tuple[Path, list]:
    """A shop of two members, backed up encrypted; then a third member enrolled and the first
    frozen (so a restore that happened, or did not, shows)."""
    enroll(engine, "甲", phone="13800000001", tags=["vip"])
    enroll(engine, "乙", phone="13800000002", referrer="M000001")
    before = _members(run)
    target = tmp_path / "shop.backup"
    info = run.json(
        "db", "backup", str(target), "--encrypt", "--passphrase-file", _passfile(tmp_path)
    )
    assert info["encrypted"] is True
    assert info["rows"]["member"] == 2
    assert info["format"] == ("logical" if PG_URL else "sqlite")
    assert info["bytes"] == target.stat().st_size
    run("member", "freeze", "M000001")
    run("member", "enroll", "--name", "丙", "--phone", "13800000003")
    return target, before


def _after_change(run) -> None:
    """The changes made after the backup are all still there: nothing was restored."""
    members = sorted(_members(run), key=lambda m: m["member_no"])
    assert [m["member_no"] for m in members] == ["M000001", "M000002", "M000003"]
    assert members[0]["status"] == "frozen"


def _leftovers() -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob("memberctl-restore-*")) + sorted(
        Path(tempfile.gettempdir()).glob("memberctl-backup-*")
    )


def test_encrypted_round_trip(run, engine, tmp_path):
    leftovers = _leftovers()
    target, before = _backed_up(run, engine, tmp_path)
    assert _leftovers() == leftovers  # the plain copy that was sealed is gone
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files

    result = run(
        "db", "restore", str(target), "--yes", "--passphrase-file", _passfile(tmp_path),
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["encrypted"] is True
    assert _members(run) == before
    assert run("db", "check").exit_code == 0
    again = run.json("member", "enroll", "--name", "丁", "--phone", "13800000004")
    assert again["member_no"] == "M000003"


def test_the_ciphertext_is_not_a_plain_backup(run, engine, tmp_path):
    target, _before = _backed_up(run, engine, tmp_path)
    data = target.read_bytes()
    assert data.startswith(b"memberctl-encrypted-backup 1\n")
    body = data[crypt.HEADER_BYTES :]
    assert not body.startswith((b"SQLite format 3", b"\x1f\x8b"))  # no plain header inside
    for plain_text in (b"SQLite format 3", b"CREATE TABLE", b"memberctl_backup", b"13800000001"):
        assert plain_text not in data


def test_a_plain_backup_still_restores_and_is_not_encrypted(run, engine, tmp_path):
    enroll(engine, "甲", phone="13800000001")
    target = tmp_path / "plain.backup"
    info = run.json("db", "backup", str(target))
    assert info["encrypted"] is False
    assert not target.read_bytes().startswith(crypt.MAGIC)
    run("member", "freeze", "M000001")
    restored = run("db", "restore", str(target), "--yes", "--format", "json")
    assert restored.exit_code == 0, restored.stderr
    assert _members(run)[0]["status"] == "active"


def test_a_wrong_passphrase_restores_nothing(run, engine, tmp_path):
    target, _before = _backed_up(run, engine, tmp_path)
    leftovers = _leftovers()
    wrong = _passfile(tmp_path, "correct horse batterY\n", "wrong")
    result = run("db", "restore", str(target), "--yes", "--passphrase-file", wrong)
    failure(
        result,
        5,
        "the backup 'shop.backup' could not be decrypted: wrong passphrase, or the file is "
        "damaged; nothing was restored",
    )
    _after_change(run)
    assert _leftovers() == leftovers  # the temporary folder is gone, also on failure


def _tamper(data: bytes, how: str) -> bytes:
    body = crypt.HEADER_BYTES

    def flip(at: int) -> bytes:
        return data[:at] + bytes([data[at] ^ 0x80]) + data[at + 1 :]

    last_chunk = (len(data) - body) % CHUNK or CHUNK
    return {
        "flip-in-header": lambda: flip(50),
        "flip-in-magic": lambda: flip(0),
        "flip-in-a-chunk": lambda: flip(body + 100),
        "flip-in-the-last-chunk": lambda: flip(len(data) - 20),
        "cut-by-one-byte": lambda: data[:-1],
        "cut-by-a-whole-chunk": lambda: data[:-last_chunk],
        "bytes-appended": lambda: data + b"more",
    }[how]()


TAMPERING = [
    "flip-in-magic",
    "flip-in-header",
    "flip-in-a-chunk",
    "flip-in-the-last-chunk",
    "cut-by-one-byte",
    "cut-by-a-whole-chunk",
    "bytes-appended",
]


@pytest.mark.parametrize("how", TAMPERING)
def test_a_tampered_backup_restores_nothing(run, engine, tmp_path, how):
    target, _before = _backed_up(run, engine, tmp_path)
    target.write_bytes(_tamper(target.read_bytes(), how))
    result = run("db", "restore", str(target), "--yes", "--passphrase-file", _passfile(tmp_path))
    failure(result, 5, "could not be decrypted", "nothing was restored")
    _after_change(run)


def test_a_multi_chunk_backup_round_trips_and_a_cut_chunk_is_caught(run, engine, tmp_path):
    """A database larger than one chunk (1 MiB): notes of random text, which gzip (the
    PostgreSQL format) cannot shrink much either."""
    enroll(engine, "甲", phone="13800000001")
    with engine.connect() as connection:
        member_id = connection.exec_driver_sql("SELECT id FROM member").scalar_one()
    notes = [
        {"member_id": member_id, "kind": "call", "text": secrets.token_hex(2000),
         "operator": "t", "at": dt.datetime(2026, 11, 25, 10, 0)}
        for _ in range(900)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Interaction), notes)
    target = tmp_path / "big.backup"
    passfile = _passfile(tmp_path)
    info = run.json("db", "backup", str(target), "--encrypt", "--passphrase-file", passfile)
    chunks = -(-(info["bytes"] - crypt.HEADER_BYTES) // CHUNK)
    assert chunks >= 2, info["bytes"]
    run("member", "freeze", "M000001")

    cut = tmp_path / "cut.backup"
    cut.write_bytes(_tamper(target.read_bytes(), "cut-by-a-whole-chunk"))
    failure(run("db", "restore", str(cut), "--yes", "--passphrase-file", passfile), 5)
    assert _members(run)[0]["status"] == "frozen"

    result = run("db", "restore", str(target), "--yes", "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    assert _members(run)[0]["status"] == "active"
    assert run.json("db", "info")["rows"]["interaction"] == 900


def test_nightly_writes_an_encrypted_backup_that_restores(run, engine, tmp_path):
    enroll(engine, "甲", phone="13800000001")
    folder = tmp_path / "backups"
    passfile = _passfile(tmp_path)
    result = run(
        "nightly", "--as-of", "2026-11-25", "--backup-dir", str(folder), "--encrypt",
        "--passphrase-file", passfile,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    written = Path(json.loads(result.stdout)["backup"]["file"])
    assert written == folder / "memberctl-2026-11-25.backup"
    assert crypt.is_encrypted(written)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    run("member", "freeze", "M000001")
    wrong = run("db", "restore", str(written), "--yes")
    failure(wrong, 2, "is encrypted", "--passphrase-file")
    restored = run("db", "restore", str(written), "--yes", "--passphrase-file", passfile)
    assert restored.exit_code == 0, restored.stderr
    assert _members(run)[0]["status"] == "active"


def test_nightly_encrypt_needs_a_backup_dir_and_a_passphrase(run, tmp_path):
    failure(run("nightly", "--encrypt"), 2, "--backup-dir")
    folder = tmp_path / "backups"
    failure(run("nightly", "--backup-dir", str(folder), "--encrypt"), 2, "--passphrase-file")
    short = _passfile(tmp_path, "short\n")
    result = run("nightly", "--backup-dir", str(folder), "--encrypt", "--passphrase-file", short)
    failure(result, 5, "shorter than 8 characters")
    assert not folder.exists()


def test_backup_without_a_passphrase_source_is_a_usage_error(run, tmp_path):
    target = tmp_path / "b.backup"
    failure(run("db", "backup", str(target), "--encrypt"), 2, "--passphrase-file")
    assert not target.exists()


def test_a_passphrase_file_without_encrypt_is_a_usage_error(run, tmp_path):
    target = tmp_path / "b.backup"
    result = run("db", "backup", str(target), "--passphrase-file", _passfile(tmp_path))
    failure(result, 2, "--encrypt")
    assert not target.exists()


def test_a_missing_passphrase_file_is_not_found(run, tmp_path):
    target = tmp_path / "b.backup"
    missing = str(tmp_path / "nope")
    result = run("db", "backup", str(target), "--encrypt", "--passphrase-file", missing)
    failure(result, 3, "no passphrase file", "nope")
    assert not target.exists()


def test_a_missing_passphrase_file_on_restore_is_not_found(run, engine, tmp_path):
    target, _before = _backed_up(run, engine, tmp_path)
    result = run("db", "restore", str(target), "--yes", "--passphrase-file", str(tmp_path / "x"))
    failure(result, 3, "no passphrase file")
    _after_change(run)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("short12\n", "shorter than 8 characters"),
        ("\n", "starts with an empty line"),
        ("", "starts with an empty line"),
    ],
    ids=["seven-characters", "empty-line", "empty-file"],
)
def test_a_short_or_empty_passphrase_is_refused(run, tmp_path, content, fragment):
    target = tmp_path / "b.backup"
    passfile = _passfile(tmp_path, content)
    result = run("db", "backup", str(target), "--encrypt", "--passphrase-file", passfile)
    failure(result, 5, fragment)
    assert not target.exists()


def test_an_encrypted_backup_without_a_passphrase_on_a_non_terminal(run, engine, tmp_path):
    target, _before = _backed_up(run, engine, tmp_path)
    result = run("db", "restore", str(target), "--yes")
    failure(result, 2, "the backup 'shop.backup' is encrypted", "--passphrase-file")
    _after_change(run)


def test_the_passphrase_is_never_taken_from_the_environment(run, tmp_path):
    target = tmp_path / "b.backup"
    result = run(
        "db", "backup", str(target), "--encrypt",
        env={"MEMBERCTL_PASSPHRASE": PASSPHRASE, "MEMBERCTL_PASSPHRASE_FILE": "x"},
    )  # fmt: skip
    failure(result, 2, "--passphrase-file")
    failure(run("db", "backup", str(target), "--encrypt", "--passphrase", PASSPHRASE), 2)
    assert not target.exists()


def test_db_info_is_not_affected(run, engine, tmp_path):
    _backed_up(run, engine, tmp_path)
    assert run.json("db", "info")["rows"]["member"] == 3
