"""SIGTERM while `db backup --encrypt` runs: the previous file stays, nothing is left beside it,
and the plain copy being sealed (in the temporary directory) is removed too."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import insert

from memberctl.models import Interaction
from tests.conftest import TEST_ENV
from tests.factories import enroll

pytestmark = pytest.mark.slow
PREVIOUS = b"the previous backup\n"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_encrypted_backup_leaves_no_plain_copy(db_url, engine, tmp_path, signum):
    enroll(engine, "甲", phone="13800000001")
    with engine.connect() as connection:
        member_id = connection.exec_driver_sql("SELECT id FROM member").scalar_one()
    notes = [
        {"member_id": member_id, "kind": "call", "text": secrets.token_hex(2000),
         "operator": "t", "at": dt.datetime(2026, 11, 25, 10, 0)}
        for _ in range(3000)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Interaction), notes)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "kept.backup"
    out.write_bytes(PREVIOUS)
    passfile = tmp_path / "pass"
    passfile.write_text("correct horse battery\n", encoding="utf-8")
    command = [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", "db", "backup",
               str(out), "--encrypt", "--passphrase-file", str(passfile)]  # fmt: skip
    env = {**os.environ, **TEST_ENV, "TMPDIR": str(temporary)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_default_interrupt,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    # The folder of the plain copy, not just any file: Python's first use of TMPDIR writes and
    # removes a probe file, and a signal then could land before the backup began.
    while (
        time.monotonic() < deadline and process.poll() is None and not _plain_copy_folder(temporary)
    ):
        time.sleep(0.005)
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=60)

    left = {p.name: p.read_bytes() for p in folder.iterdir()}
    print(signum.name, process.returncode, sorted(left))  # noqa: T201  (the outcome, with -s)
    assert list(temporary.iterdir()) == []  # the plain copy is gone, whatever the outcome
    if process.returncode == 0:  # it finished before the signal landed: the file is whole
        assert set(left) == {out.name} and left[out.name] != PREVIOUS
        return
    assert process.returncode == 128 + signum, stderr.decode()
    assert left == {out.name: PREVIOUS}


def _default_interrupt() -> None:
    """SIGINT as a terminal leaves it: a suite started in the background by a shell without job
    control passes it on ignored, and the backup would then rightly finish."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _plain_copy_folder(temporary):
    return any(p.name.startswith("memberctl-backup-") for p in temporary.iterdir())
