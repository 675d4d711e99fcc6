"""The language is chosen by --lang, MEMBERCTL_LANG or the locale; data never changes with it.

Each case runs the real program in a fresh interpreter, since the language (and the help texts)
are fixed when memberctl.cli is imported. Exit codes and JSON are the same in both languages.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rich.cells import cell_len

from tests.factories import enroll


def memberctl(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "LC_", "LANG"))}
    clean.update({"COLUMNS": "120", "TERMINAL_WIDTH": "120", "MEMBERCTL_OPERATOR": "tester"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean,
        timeout=60,
        check=False,
    )


NOT_FOUND = "error: no member 'M999999'; give a member number such as M000001"
NOT_FOUND_ZH = "错误：没有会员 'M999999'；请填写会员编号（如 M000001）或会员手机号"


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--lang", "zh"], {}),
        ([], {"MEMBERCTL_LANG": "zh"}),
        ([], {"LANG": "zh_CN.UTF-8"}),
        ([], {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}),
        (["--lang", "zh"], {"MEMBERCTL_LANG": "en"}),
    ],
    ids=["--lang", "MEMBERCTL_LANG", "LANG", "LC_ALL", "--lang-over-env"],
)
def test_an_error_in_chinese_with_the_same_exit_code(db_url, args, env):
    result = memberctl(db_url, *args, "member", "show", "M999999", **env)

    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == NOT_FOUND_ZH


@pytest.mark.parametrize(
    ("args", "env"),
    [([], {}), (["--lang", "en"], {"LANG": "zh_CN.UTF-8"}), ([], {"LANG": "fr_FR.UTF-8"})],
    ids=["default", "--lang-en", "other-locale"],
)
def test_english_otherwise(db_url, args, env):
    result = memberctl(db_url, *args, "member", "show", "M999999", **env)

    assert result.returncode == 3
    assert result.stderr.strip().startswith(NOT_FOUND)


def test_an_unknown_language_is_a_usage_error(db_url):
    result = memberctl(db_url, "--lang", "fr", "tier", "list")

    assert result.returncode == 2
    assert "--lang" in result.stderr and "en or zh" in result.stderr


def test_a_usage_error_keeps_its_exit_code_in_chinese(db_url):
    result = memberctl(db_url, "--lang", "zh", "member", "list", "--status", "nope")

    assert result.returncode == 2
    assert result.stderr.startswith("错误：--status 'nope' 不是以下之一")


@pytest.mark.parametrize(
    "args",
    [
        ["tier", "list", "-f", "json"],
        ["member", "show", "M000001", "-f", "json"],
        ["member", "list", "-f", "json"],
        ["member", "list", "-f", "csv"],
        ["points", "balance", "M000001", "-f", "json"],
    ],
    ids=" ".join,
)
def test_json_and_csv_are_byte_identical_in_both_languages(engine, db_url, args):
    enroll(engine, name="张三", phone="13800138000")

    english = memberctl(db_url, *args, MEMBERCTL_LANG="en")
    chinese = memberctl(db_url, *args, MEMBERCTL_LANG="zh")

    assert english.returncode == chinese.returncode == 0, chinese.stderr
    assert english.stdout == chinese.stdout
    assert english.stdout.strip()


def test_a_message_on_stderr_is_chinese_and_the_data_is_not(engine, db_url):
    enroll(engine, name="张三", phone="13800138000")

    result = memberctl(
        db_url, "--lang", "zh", "points", "add", "M000001", "10", "--reason", "test", "-f", "json"
    )

    assert result.returncode == 0, result.stderr
    assert "积分" in result.stderr
    assert '"member_no": "M000001"' in result.stdout


def test_chinese_names_line_up_in_a_table(engine, db_url):
    for name, phone in [
        ("张三", "13800138000"),
        ("欧阳娜娜", "13900139000"),
        ("Li Lei", "13700137000"),
        ("王小明明明", "13600136000"),
    ]:
        enroll(engine, name=name, phone=phone, tags=["老客户"])

    result = memberctl(db_url, "--lang", "zh", "member", "list")

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert "会员编号" in lines[0] and "欧阳娜娜" in result.stdout
    widths = {cell_len(line.rstrip()) for line in lines if "M0000" in line}
    assert len(widths) == 1, result.stdout
    header, rows = lines[0], [line for line in lines if "M0000" in line]
    # each column starts at the same display column in the header and in every row
    start = cell_len(header[: header.index("姓名")])
    for row in rows:
        name = next(n for n in ("张三", "欧阳娜娜", "Li Lei", "王小明明明") if n in row)
        assert cell_len(row[: row.index(name)]) == start, result.stdout
