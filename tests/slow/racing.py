"""Shared by the race tests: processes started together against one database.

Each child runs `script` (`python -c script ARGV...`): it imports memberctl, prints "ready",
waits for a line on stdin, then does its part and prints its report on stdout. `race` starts
one child per ARGV, lets them all go at once when every one is ready, and returns each child's
(stdout, stderr) after checking it ran to the end without a traceback or an unexpected error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(script: str, argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
    )


def race(script: str, *argvs: list[str], timeout: float = 300) -> list[tuple[str, str]]:
    children = [_start(script, argv) for argv in argvs]
    try:
        for child in children:
            assert child.stdout is not None and child.stderr is not None
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:  # all are waiting on stdin: start them together
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=timeout) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child, (_stdout, stderr) in zip(children, outputs, strict=True):
        assert child.returncode == 0, stderr
        assert "Traceback" not in stderr and "unexpected" not in stderr, stderr
    return outputs
