"""The import's progress bar, in a real pseudo-terminal: shown for a file of a few thousand
rows, in the clerk's language, gone at the end (the summary stays); never for a small file,
with `-f json`, or when stderr is not a terminal."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from memberctl.cli.imports import PROGRESS_BYTES
from tests.slow.test_menu_wizard import _env, cli_json, finish, spawn

pytestmark = pytest.mark.slow
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _members(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "手机号", "地址"])
        for i in range(count):
            writer.writerow([f"会员{i}", f"139{i:08d}", "北京市朝阳区建国路88号"])
    return path


@pytest.fixture
def mid(tmp_path) -> Path:
    path = _members(tmp_path / "mid.csv", 5_000)
    assert path.stat().st_size > PROGRESS_BYTES
    return path


def _seen(db_url: str, *args: str, **env: str) -> tuple[int, str]:
    status, output = finish(spawn(db_url, "import", "members", *args, **env))
    return status, ANSI.sub("", output)


def test_a_few_thousand_rows_get_a_progress_bar_then_the_summary(db_url, engine, mid):  # noqa: ARG001
    status, output = _seen(db_url, str(mid))
    assert status == 0, output
    assert re.search(r"importing mid\.csv .*━+.* 5,000 rows \d:\d\d:\d\d", output), output
    assert re.search(r"Inserted .* Rows/s", output) and re.search(r"\n\s*5000\s+0\s+0\s+0 ", output)
    assert len(cli_json(db_url, "member", "list", "--limit", "10000")) == 5_000


def test_the_bar_speaks_chinese(db_url, engine, mid):  # noqa: ARG001
    status, output = _seen(db_url, str(mid), MEMBERCTL_LANG="zh")
    assert status == 0, output
    assert re.search(r"正在导入 mid\.csv .*━+.* 5,000 行", output), output


def test_no_bar_for_a_small_file_or_for_json(db_url, engine, tmp_path, mid):  # noqa: ARG001
    small = _members(tmp_path / "small.csv", 20)
    status, output = _seen(db_url, str(small))
    assert status == 0 and "importing" not in output and "━" not in output, output
    status, output = _seen(db_url, str(mid), "-f", "json", "--on-existing", "skip")
    assert status == 0 and "importing" not in output and "━" not in output, output
    assert '"inserted": 4980' in output and '"skipped": 20' in output  # the small file's 20


def test_no_bar_when_stderr_is_not_a_terminal(db_url, engine, mid):  # noqa: ARG001
    result = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url, "import", "members", str(mid)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "importing" not in result.stderr and "━" not in result.stderr
    assert "5000" in result.stdout
