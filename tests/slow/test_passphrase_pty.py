"""The passphrase of an encrypted backup asked on a real pseudo-terminal: twice and hidden when
encrypting, once when restoring; two different answers write nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pexpect
import pytest

from memberctl.db import crypt
from tests.conftest import PG_URL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(PG_URL), reason="the terminal behaviour does not depend on the database"
    ),
]
SECRET = "correct horse battery"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    return {**env, "MEMBERCTL_OPERATOR": "clerk", "MEMBERCTL_LANG": "en", "TERM": "xterm"}


def _spawn(db, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "memberctl", "--db", str(db), *args],
        env=_env(),
        encoding="utf-8",
        timeout=60,
        dimensions=(24, 100),
    )


def _plain(db, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", str(db), "--no-input", *args],
        capture_output=True, text=True, env=_env(), timeout=60, check=False,
    )  # fmt: skip


def test_backup_asks_twice_hidden_and_restore_asks_once(tmp_path):
    db, target = tmp_path / "t.db", tmp_path / "shop.backup"
    assert _plain(db, "member", "enroll", "--name", "甲", "--phone", "13800000001").returncode == 0

    child = _spawn(db, "db", "backup", str(target), "--encrypt")
    child.expect("Passphrase for the backup")
    child.send(SECRET + "\r")
    child.expect("The same passphrase again")
    child.send(SECRET + "\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert SECRET not in child.before  # hidden input: never echoed
    assert crypt.is_encrypted(target)

    assert _plain(db, "member", "freeze", "M000001").returncode == 0
    child = _spawn(db, "db", "restore", str(target), "--yes")
    child.expect("Passphrase of shop.backup")
    child.send(SECRET + "\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "restored" in child.before
    shown = _plain(db, "member", "show", "M000001", "-f", "json")
    assert '"status": "active"' in shown.stdout


def test_two_different_answers_write_nothing(tmp_path):
    db, target = tmp_path / "t.db", tmp_path / "shop.backup"
    child = _spawn(db, "db", "backup", str(target), "--encrypt")
    child.expect("Passphrase for the backup")
    child.send(SECRET + "\r")
    child.expect("The same passphrase again")
    child.send(SECRET + "!\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 5
    assert "the two passphrases differ" in child.before
    assert not target.exists()
