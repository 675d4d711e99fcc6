"""Faults while a file is being written (memberctl/atomic.py), through the real CLI in a
subprocess: a disk that fills up half-way, and SIGTERM, SIGINT, SIGHUP or SIGKILL mid-write.

A full disk is simulated portably: RLIMIT_FSIZE set to half the size of the file the command
writes (measured by a first clean run), SIGXFSZ ignored, so the write past it fails with EFBIG.
Every writer must then end with one line and exit 1, leave the previous file at that path byte
for byte, and leave no temporary, partial or -journal file; nothing on stderr but that line
(the old failures were `ZipFile.__del__` tracebacks and half-written files).
"""

from __future__ import annotations

import csv
import io
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PG_URL, TEST_ENV
from tests.slow.killing import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="POSIX resource limits and signals"),
]

MEMBERS = 2000
PREVIOUS = b"the previous good file\n"
SHM_BYTES = 32 * 1024  # SQLite's -shm beside the database: the limit must let it be created
NOTE = "备注" * 20


def _members_csv(folder: Path, rows: int, bad: bool = False) -> Path:
    """`rows` members born in November (the birthdays report lists them all); with `bad`,
    every phone is rejected (for the errors file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["姓名", "手机号", "生日", "地址"])
    for i in range(rows):
        phone = f"1.39{i:04d}E+10" if bad else f"139{i:08d}"
        writer.writerow([f"会员{i}", phone, f"1990-11-{i % 28 + 1:02d}", f"{NOTE}{i}"])
    path = folder / ("bad.csv" if bad else "members.csv")
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def shop(run, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    result = run("import", "members", str(_members_csv(inputs, MEMBERS)), "-f", "json")
    assert result.exit_code == 0, result.stderr
    _members_csv(inputs, MEMBERS, bad=True)
    template = inputs / "msg.txt"
    template.write_text("{name}您好，{tier_name} {points}分 " + "长" * 40, encoding="utf-8")
    return inputs


def _args(writer: str, out: Path, inputs: Path) -> list[str]:
    day = ["--as-of", "2026-11-25"]
    return {
        "export csv": ["export", "members", str(out)],
        "export xlsx": ["export", "members", str(out)],
        "report csv": ["report", "birthdays", "--month", "11", *day, "--out", str(out)],
        "report json": ["report", "birthdays", "--month", "11", *day, "--out", str(out)],
        "report xlsx": ["report", "birthdays", "--month", "11", *day, "--out", str(out)],
        "template": ["template", "members", str(out)],
        "notify": ["notify", "render", "--template", str(inputs / "msg.txt"), "--out", str(out)],
        "errors csv": ["import", "members", str(inputs / "bad.csv"), "--errors", str(out)],
        "errors xlsx": ["import", "members", str(inputs / "bad.csv"), "--errors", str(out)],
        "db backup": ["db", "backup", str(out)],
    }[writer]


SUFFIX = {"export csv": ".csv", "export xlsx": ".xlsx", "report csv": ".csv",
          "report json": ".json", "report xlsx": ".xlsx", "template": ".xlsx", "notify": ".csv",
          "errors csv": ".csv", "errors xlsx": ".xlsx", "db backup": ".backup"}  # fmt: skip
CLEAN_EXIT = {"errors csv": 5, "errors xlsx": 5}


def _command(db_url: str, args: list[str]) -> list[str]:
    return [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", *args]


def _env() -> dict[str, str]:
    return {**os.environ, **TEST_ENV, "PYTHONPATH": str(ROOT)}


def _limited(size: int):  # noqa: ANN202  (a preexec_fn)
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def _names(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("writer", list(SUFFIX))
def test_a_full_disk_leaves_the_previous_file_and_nothing_else(db_url, shop, tmp_path, writer):
    folder = tmp_path / "out"
    folder.mkdir()
    reference = tmp_path / f"reference{SUFFIX[writer]}"
    clean = subprocess.run(
        _command(db_url, _args(writer, reference, shop)),
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert clean.returncode == CLEAN_EXIT.get(writer, 0), clean.stderr.decode()
    size = reference.stat().st_size
    limit = size // 2
    assert limit > 4096, (writer, size)
    out = folder / f"report{SUFFIX[writer]}"
    out.write_bytes(PREVIOUS)
    before_inputs = _names(shop)

    full = subprocess.run(
        _command(db_url, _args(writer, out, shop)),
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        preexec_fn=_limited(limit),
    )

    reason = (
        "a write to the disk failed (is it full?)"
        if writer == "db backup" and not PG_URL
        else "the file is too large for this disk or system"
    )
    assert full.stderr.decode() == (
        f"error: cannot write {out}: {reason}; nothing was written and any earlier {out.name} "
        "is unchanged; free some space or choose another folder\n"
    ), (writer, size, limit)
    assert full.returncode == 1 and full.stdout == b""
    assert _names(folder) == {out.name: PREVIOUS}
    assert _names(shop) == before_inputs


def _start(db_url: str, args: list[str]) -> subprocess.Popen[bytes]:
    """The writer, with SIGHUP and SIGINT as a terminal leaves them: under `nohup`, or started
    in the background by a shell without job control (`bash .ci/run &`), a test run would pass
    them on ignored, and memberctl rightly keeps ignoring an ignored signal."""
    return subprocess.Popen(
        _command(db_url, args), env=_env(), cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, preexec_fn=_default_hangup_and_interrupt,
    )  # fmt: skip


def _default_hangup_and_interrupt() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_temporary(process: subprocess.Popen[bytes], folder: Path, name: str) -> bool:
    """Until the writer's `.NAME.tmp-*` file exists (True), or the process has ended."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name.startswith(f".{name}.tmp-") for p in folder.iterdir()):
            return True
        time.sleep(0.005)
    return False


@pytest.fixture
def long_list(shop):
    """A template of ~30 KB: 2,000 members make a list of ~60 MB, seconds of writing."""
    (shop / "msg.txt").write_text("{name} " + "长" * 10_000, encoding="utf-8")
    return shop


@pytest.mark.parametrize(
    ("writer", "signum", "code"),
    [
        ("notify", signal.SIGTERM, 143),
        ("notify", signal.SIGHUP, 129),
        ("notify", signal.SIGINT, 130),
        ("export xlsx", signal.SIGTERM, 143),
        ("db backup", signal.SIGTERM, 143),
    ],
    ids=["notify-SIGTERM", "notify-SIGHUP", "notify-SIGINT", "xlsx-SIGTERM", "backup-SIGTERM"],
)
def test_a_signal_mid_write_removes_the_temporary_file(
    db_url, long_list, tmp_path, writer, signum, code
):
    """Exit 128 + the signal's number, as a shell shows a process the signal ended; nothing
    on stderr or stdout; the previous file as it was, no temporary file. (The export and the
    backup may finish before the signal lands: then the file is whole.)"""
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"kept{SUFFIX[writer]}"
    out.write_bytes(PREVIOUS)
    process = _start(db_url, _args(writer, out, long_list))
    caught = _wait_for_temporary(process, folder, out.name)
    if writer == "notify":
        assert caught, process.communicate()
        time.sleep(0.2)  # well into the list
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)

    left = _names(folder)
    print(writer, signum.name, process.returncode, sorted(left))  # noqa: T201  (with -s)
    if process.returncode == 0:
        assert writer != "notify" and set(left) == {out.name} and left[out.name] != PREVIOUS
        return
    assert (process.returncode, stdout, stderr) == (code, b"", b"")
    assert left == {out.name: PREVIOUS}


@pytest.mark.parametrize("writer", ["notify", "export xlsx", "db backup"])
def test_sigkill_mid_write_keeps_the_previous_file(db_url, long_list, tmp_path, writer):
    """SIGKILL cannot be caught: the previous file stays, and at most one `.NAME.tmp-*` file
    is left (docs/using.md: safe to delete). The export and the backup may finish before the kill
    lands; then the file is whole (the notify list takes seconds and is always cut)."""
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"kept{SUFFIX[writer]}"
    out.write_bytes(PREVIOUS)
    process = _start(db_url, _args(writer, out, long_list))
    caught = _wait_for_temporary(process, folder, out.name)
    process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)

    left = _names(folder)
    outcome = "killed" if process.returncode == -signal.SIGKILL else "finished"
    print(writer, outcome, sorted(left))  # noqa: T201  (the outcome, with -s)
    if process.returncode == -signal.SIGKILL:
        assert left.pop(out.name) == PREVIOUS
        assert len(left) <= 1 and all(n.startswith(f".{out.name}.tmp-") for n in left), left
    else:
        assert process.returncode == 0 and writer != "notify", stderr.decode()
        assert set(left) == {out.name} and left[out.name] != PREVIOUS
    assert caught or writer != "notify"
