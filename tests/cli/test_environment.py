"""Environment failures (issues 13 and 14): each is one line on stderr, a documented exit code and
what to do; never "unexpected". Global options: --db, --operator, --debug, arguments that are not
valid text."""

from __future__ import annotations

import datetime as dt
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


# -- --as-of: a range the arithmetic can hold; no writes for a day that has not come -------------

OUT_OF_RANGE = "Invalid value for '--as-of': the day must be from 1900-01-01 to 9899-12-31"
AS_OF_COMMANDS = [
    ["report", "summary"], ["report", "growth"], ["report", "rfm"], ["report", "churn"],
    ["report", "upgrades"], ["report", "birthdays"], ["report", "kpi"], ["report", "liability"],
    ["tier", "evaluate"], ["tier", "evaluate", "--apply"], ["points", "expire"], ["nightly"],
    ["campaign", "run", "x"], ["campaign", "run", "x", "--dry-run"], ["member", "list"],
    ["coupon", "list"], ["segment", "show", "x"], ["points", "balance", "M000001"],
]  # fmt: skip


@pytest.mark.parametrize("command", AS_OF_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_as_of_outside_the_range_is_a_usage_error_on_every_command(run, command, day):
    failure(run(*command, "--as-of", day), 2, OUT_OF_RANGE)


@pytest.mark.parametrize("day", ["1899-12-31", "9900-01-01"])
def test_the_range_ends_where_it_says(run, day):
    failure(run("report", "summary", "--as-of", day), 2, OUT_OF_RANGE)


@pytest.mark.parametrize("day", ["1900-01-01", "9899-12-31"])
def test_the_first_and_last_days_work_on_reports_and_writers(run, day):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000", "--birthday",
             "1990-05-06")  # fmt: skip
    run.json("points", "add", "M000001", "10", "--reason", "gift")
    for command in (["report", "summary"], ["report", "kpi"], ["report", "birthdays"],
                    ["tier", "evaluate", "--apply", "--allow-future"],
                    ["points", "expire", "--allow-future"]):  # fmt: skip
        result = run(*command, "--as-of", day, "-f", "json")
        assert result.exit_code == 0, (command, result.stderr)
    result = run("nightly", "--as-of", day, "--allow-future")
    assert result.exit_code == 0, result.stderr


def _after_today(days: int = 1) -> str:
    from memberctl import clock

    return (clock.today() + dt.timedelta(days=days)).isoformat()


def test_points_expire_with_a_future_as_of_refuses_and_keeps_the_points(run):
    """Issue 14: `points expire --as-of` a year ahead destroyed points that were still valid."""
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    run.json("points", "add", "M000001", "100", "--reason", "gift", "--expires", _after_today(30))
    day = _after_today(400)
    line = failure(run("points", "expire", "--as-of", day), 2)
    assert line == (
        f"error: --as-of {day} is after today ({dt.date.today()}), and this command writes what "
        "it does for that day now, with no undo; give --allow-future if that is what you mean"
    )
    assert run.json("points", "balance", "M000001")["points"] == 100
    assert run.json("points", "expire", "--as-of", day, "--allow-future")["points"] == 100
    assert run.json("points", "balance", "M000001")["points"] == 0


def test_tier_evaluate_may_look_ahead_but_applies_a_future_day_only_when_allowed(run):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    day = _after_today()
    assert run.json("tier", "evaluate", "--as-of", day)["evaluated"] == 1
    failure(run("tier", "evaluate", "--as-of", day, "--apply"), 2, "--allow-future")
    assert run.json("tier", "evaluate", "--as-of", day, "--apply", "--allow-future")["evaluated"]


def test_campaign_run_for_a_future_day_refuses_unless_a_dry_run(run, tmp_path):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    path = tmp_path / "thanks.toml"
    path.write_text('code = "thanks"\naction = "award_points"\npoints = 5\n'
                    'where = "status = active"\nperiod = "daily"\n', encoding="utf-8")  # fmt: skip
    assert run("campaign", "add", str(path)).exit_code == 0
    day = _after_today()
    assert run.json("campaign", "run", "thanks", "--as-of", day, "--dry-run")["awarded"] == 1
    failure(run("campaign", "run", "thanks", "--as-of", day), 2, "--allow-future")
    assert run.json("points", "balance", "M000001")["points"] == 0
    assert run.json("campaign", "run", "thanks", "--as-of", day, "--allow-future")["awarded"] == 1


def test_nightly_for_a_future_day_refuses_and_changes_nothing(run):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    run.json("points", "add", "M000001", "100", "--reason", "gift", "--expires", _after_today(30))
    failure(run("nightly", "--as-of", _after_today(400)), 2, "--allow-future")
    assert run.json("points", "balance", "M000001")["points"] == 100
