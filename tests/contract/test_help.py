"""Help on every command: the whole Typer command tree is walked, so a new command without a
docstring, or one whose `--help` fails, breaks this test."""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from memberctl import __version__
from memberctl.cli import app
from tests.conftest import TEST_ENV


def _walk(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


TREE = list(_walk(get_command(app)))
# A group that does something of its own without a command (`member notes` lists the notes).
ACTING_GROUPS = [p for p, c in TREE if p and getattr(c, "invoke_without_command", False)]
GROUPS = [path for path, c in TREE if path and hasattr(c, "commands") and path not in ACTING_GROUPS]


@pytest.fixture
def runner(tmp_path):
    return CliRunner(env={**TEST_ENV, "MEMBERCTL_DB": str(tmp_path / "unused.db")})


def test_the_tree_has_the_contract_groups():
    paths = {path for path, _ in TREE}
    assert {
        ("member",),
        ("member", "enroll"),
        ("member", "show"),
        ("tier", "list"),
        ("tier", "load"),
        ("db", "upgrade"),
        ("audit",),
    } <= paths


@pytest.mark.parametrize(
    ("path", "command"), TREE, ids=[" ".join(p) or "memberctl" for p, _ in TREE]
)
def test_every_command_has_help(runner, tmp_path, path, command):
    assert (command.help or "").strip(), f"memberctl {' '.join(path)} has no help text"

    result = runner.invoke(app, [*path, "--help"], prog_name="memberctl")

    assert result.exit_code == 0, result.output
    assert " ".join(("Usage: memberctl", *path)) in result.stdout
    first_line = command.help.strip().splitlines()[0].split(".")[0]
    assert first_line[:40] in " ".join(result.stdout.split())
    assert result.stderr == ""
    assert not (tmp_path / "unused.db").exists(), "--help opened the database"


@pytest.mark.parametrize("path", GROUPS, ids=" ".join)
def test_a_group_without_a_command_shows_its_help_and_exits_2(runner, path):
    result = runner.invoke(app, list(path), prog_name="memberctl")

    assert result.exit_code == 2
    assert " ".join(("Usage: memberctl", *path)) in result.output


def test_member_notes_is_a_group_that_lists_and_holds_resolve():
    assert ACTING_GROUPS == [("member", "notes")]
    assert ("member", "notes", "resolve") in {path for path, _ in TREE}


def test_version(runner):
    result = runner.invoke(app, ["--version"], prog_name="memberctl")

    assert result.exit_code == 0
    assert result.stdout == f"memberctl {__version__}\n"


@pytest.mark.parametrize("path", GROUPS, ids=[" ".join(p) for p in GROUPS])
def test_a_group_without_a_command_prints_its_help_once(runner, path):
    result = runner.invoke(app, list(path))
    assert result.exit_code == 2
    assert result.output.count("Usage:") == 1
