"""`survey take` on a real pseudo-terminal: each question asked with questionary (a list to pick
from, boxes to tick, a line to type), answers given with --answer are not asked again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.cli.test_survey import SMALL
from tests.conftest import PG_URL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(PG_URL), reason="the terminal behaviour does not depend on the database"
    ),
]
DOWN, SPACE, ENTER = "\x1b[B", " ", "\r"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    return {
        **env,
        "MEMBERCTL_OPERATOR": "clerk",
        "MEMBERCTL_LANG": "en",
        "TERM": "xterm",
        "COLUMNS": "100",
    }


def _cli(db: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", str(db), "--no-input", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "t.db"
    survey = tmp_path / "visit.toml"
    survey.write_text(SMALL, encoding="utf-8")
    _cli(db, "survey", "load", str(survey))
    _cli(db, "member", "enroll", "--name", "张三", "--phone", "13800000001")
    return db


def _spawn(db: Path, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "memberctl", "--db", str(db), "survey", "take", "visit", "13800000001", *args],
        env=_env(),
        encoding="utf-8",
        timeout=60,
        dimensions=(30, 100),
    )


def _answers(db: Path) -> dict[str, object]:
    report = json.loads(_cli(db, "report", "survey", "visit", "-f", "json"))
    return {
        q["key"]: q["texts"] or {a["answer"]: a["count"] for a in q["answers"] if a["count"]}
        for q in report["questions"]
    }


def test_every_question_type_is_asked_and_stored(db):
    child = _spawn(db)
    child.expect("打分")  # rating 1-3, required: the pointer starts on 1
    child.send(DOWN + DOWN + ENTER)
    child.expect("为什么来")  # single choice, optional
    child.send(DOWN + ENTER)
    child.expect("喜欢什么")  # multiple choice: tick the first and the third
    child.send(SPACE + DOWN + DOWN + SPACE + ENTER)
    child.expect("想说的话")
    child.send("停车难" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "survey visit recorded" in child.before
    answers = _answers(db)
    assert {k: answers[k] for k in ("score", "why", "liked")} == {
        "score": {"3": 1},
        "why": {"活动": 1},
        "liked": {"价格": 1, "环境": 1},
    }
    assert [t["text"] for t in answers["say"]] == ["停车难"]  # type: ignore[union-attr]


def test_given_answers_are_not_asked_and_optional_ones_can_be_skipped(db):
    child = _spawn(db, "--answer", "score=2", "-a", "liked=2")
    child.expect("为什么来")  # score and liked were given
    child.send(DOWN + DOWN + DOWN + ENTER)  # the fourth entry: (skip)
    child.expect("想说的话")
    child.send(ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "打分" not in child.before and "喜欢什么" not in child.before
    assert _answers(db) == {"score": {"2": 1}, "why": {}, "liked": {"服务": 1}, "say": {}}


def test_a_required_choice_cannot_be_skipped_and_ctrl_c_writes_nothing(db):
    child = _spawn(db)
    child.expect("打分")
    child.expect(r"\(1/4\)")
    assert "(skip)" not in child.before
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0
    assert json.loads(_cli(db, "report", "survey", "visit", "-f", "json"))["responses"] == 0
