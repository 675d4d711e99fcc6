"""Prompts appear only on a terminal: a real pseudo-terminal for the prompt, real subprocesses
for the cases that must never prompt."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pexpect
import pytest

from tests.conftest import PG_URL

pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    return {**env, "MEMBERCTL_OPERATOR": "clerk", "TERM": "xterm", "COLUMNS": "100", **extra}


def test_missing_name_without_a_terminal_is_a_usage_error(db_url):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "memberctl",
            "--db",
            db_url,
            "member",
            "enroll",
            "--phone",
            "13800000001",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: missing --name; give --name (prompts need a terminal)"
    ]
    assert result.stdout == ""


@pytest.mark.skipif(bool(PG_URL), reason="the terminal behaviour does not depend on the database")
def test_no_input_env_never_prompts_even_on_a_terminal(tmp_path):
    db = tmp_path / "t.db"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "memberctl", "--db", str(db), "member", "enroll", "--phone", "13800000001"],
        env=_env(MEMBERCTL_NO_INPUT="1"),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "missing --name" in child.before


@pytest.mark.skipif(bool(PG_URL), reason="the terminal behaviour does not depend on the database")
def test_a_terminal_is_asked_for_the_missing_name(tmp_path):
    db = tmp_path / "t.db"
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "memberctl",
            "--db",
            str(db),
            "member",
            "enroll",
            "--phone",
            "13800000001",
            "-f",
            "json",
        ],
        env=_env(),
        encoding="utf-8",
        timeout=60,
        dimensions=(24, 100),
    )
    child.expect("Name")
    child.send("Zhang San\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "memberctl",
            "--db",
            str(db),
            "--no-input",
            "member",
            "show",
            "13800000001",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert json.loads(shown.stdout)["name"] == "Zhang San"
