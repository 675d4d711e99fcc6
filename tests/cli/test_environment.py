"""Environment failures (issues 13 and 14): each is one line on stderr, a documented exit code and
what to do; never "unexpected". Global options: --db, --operator, --debug, arguments that are not
valid text."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select, table

from tests.conftest import TEST_ENV, failure


def _members(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table("member"))).scalar_one()


# -- --debug (read from the parsed options, not sys.argv) ----------------------------------------


@pytest.fixture
def broken(engine):
    """A database whose member table is gone: every member command fails unexpectedly."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE member RENAME TO member_gone")
    yield
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE member_gone RENAME TO member")


def test_debug_prints_a_traceback_for_an_unexpected_error(run, broken):  # noqa: ARG001
    result = run("--debug", "member", "list")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: unexpected ") and "--debug" not in last


def test_without_debug_an_unexpected_error_is_one_line(run, broken):  # noqa: ARG001
    result = run("member", "list", env={"MEMBERCTL_DEBUG": ""})
    line = failure(result, 1, "unexpected", "(run again with --debug for details)")
    assert "Traceback" not in line


def test_memberctl_debug_in_the_environment_prints_the_traceback(run, broken):  # noqa: ARG001
    result = run("member", "list", env={"MEMBERCTL_DEBUG": "1"})
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr


# -- --operator / MEMBERCTL_OPERATOR -------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("x" * 100_000, "an operator name has at most 64 characters (this one has 100000)"),
        ("x" * 65, "an operator name has at most 64 characters (this one has 65)"),
        ("ann\nbob", "an operator name cannot hold control characters such as tabs or line breaks"),
        ("ann\tbob", "an operator name cannot hold control characters such as tabs or line breaks"),
        ("ann\u202ebob", "an operator name cannot hold control characters such as tabs or line"),
    ],
)
@pytest.mark.parametrize("source", ["option", "env"])
def test_an_operator_too_long_or_with_control_characters_is_a_usage_error(
    run, engine, operator, expected, source
):
    if source == "option":
        result = run("--operator", operator, "member", "enroll", "--name", "A", "--phone",
                     "13800138000")  # fmt: skip
    else:
        result = run("member", "enroll", "--name", "A", "--phone", "13800138000",
                     env={"MEMBERCTL_OPERATOR": operator})  # fmt: skip
    failure(result, 2, "Invalid value for '--operator'", expected)
    assert _members(engine) == 0


def test_an_operator_of_64_characters_is_recorded(run):
    name = "店员" * 32
    run.json("--operator", name, "member", "enroll", "--name", "A", "--phone", "13800138000")
    (entry,) = [e for e in run.json("audit") if e["action"] == "member.enroll"]
    assert entry["operator"] == name


# -- --db ----------------------------------------------------------------------------------------


def test_an_empty_db_option_is_a_usage_error_not_the_default_database(run):
    result = run("--db", "", "member", "list")
    failure(result, 2, "Invalid value for '--db'",
            "it is empty: give a SQLite file path or a database URL, or leave --db out to use "
            "the default database")  # fmt: skip


# -- arguments that are not valid text -----------------------------------------------------------


def test_an_argument_with_bytes_that_are_not_utf8_is_a_usage_error(db_url, engine):  # noqa: ARG001
    """`member show $'\\xed\\xa0\\x80'`: Python decodes the bytes to lone surrogates, which no
    database driver can send."""
    env = {**os.environ, **TEST_ENV, "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url, "--no-input", "member", "show",
         b"\xed\xa0\x80"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: the argument '\\xed\\xa0\\x80' is not valid text (bytes that are not UTF-8); "
        "type it again, or set the terminal to UTF-8"
    ]


def test_a_lone_surrogate_in_an_option_is_a_usage_error(run, engine):
    result = run("member", "enroll", "--name", "A\udcff", "--phone", "13800138000")
    failure(result, 2, "the argument 'A\\xff' is not valid text")
    assert _members(engine) == 0
