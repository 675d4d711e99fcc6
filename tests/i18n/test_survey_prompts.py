"""Survey prompts in Chinese on a real pseudo-terminal: questionary's own English ("(Use arrow
keys)", "done (2 selections)") never reaches the clerk; the instructions are ours, and a
multiple choice is confirmed by what was ticked."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.cli.test_survey import SMALL
from tests.conftest import PG_URL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(PG_URL), reason="the terminal does not depend on the database"),
]
DOWN, SPACE, ENTER = "\x1b[B", " ", "\r"


def _env(lang: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "LC_", "LANG"))}
    return {
        **env,
        "MEMBERCTL_OPERATOR": "clerk",
        "MEMBERCTL_LANG": lang,
        "TERM": "xterm",
        "COLUMNS": "100",
    }


def _take(tmp_path: Path, lang: str) -> str:
    db = tmp_path / "t.db"
    survey = tmp_path / "visit.toml"
    survey.write_text(SMALL, encoding="utf-8")
    for args in (
        ("survey", "load", str(survey)),
        ("member", "enroll", "--name", "张三", "--phone", "13800000001"),
    ):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "memberctl", "--db", str(db), "--no-input", *args],
            env=_env(lang),
            encoding="utf-8",
            timeout=60,
        )
        child.expect(pexpect.EOF)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "memberctl", "--db", str(db), "survey", "take", "visit", "13800000001"],
        env=_env(lang),
        encoding="utf-8",
        timeout=60,
        dimensions=(30, 100),
    )
    child.logfile_read = io.StringIO()
    child.expect("打分")
    child.send(DOWN + ENTER)
    child.expect("为什么来")
    child.send(ENTER)
    child.expect("喜欢什么")
    child.send(SPACE + DOWN + DOWN + SPACE + ENTER)
    child.expect("想说的话")
    child.send("好" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.logfile_read.getvalue()


def _seen(stream: str) -> str:
    """What was written, ANSI sequences removed (what the screen showed at some point)."""
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream)


def test_prompts_in_chinese_carry_no_questionary_english(tmp_path):
    seen = _seen(_take(tmp_path, "zh"))

    assert "（方向键移动，回车选定）" in seen
    assert "（方向键移动，空格勾选，a 全选，i 反选，回车完成）" in seen
    assert "? (3/4) 喜欢什么？ 价格、环境" in seen
    assert "Use arrow keys" not in seen
    assert "selections)" not in seen.split("喜欢什么？ 价格、环境")[-1]  # erased, then ours


def test_prompts_in_english_say_the_same(tmp_path):
    seen = _seen(_take(tmp_path, "en"))

    assert "(arrow keys to move, Enter to choose)" in seen
    assert "? (3/4) 喜欢什么？ 价格, 环境" in seen
