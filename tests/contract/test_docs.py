"""README.md stays true to the code: the cog-generated CLI reference is current, and every
command is also mentioned in the hand-written part (sqlite-utils' test_docs.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from memberctl.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COG_START = "<!-- [[[cog"
COG_END = "<!-- [[[end]]] -->"


def _walk(command, path=()):
    """Every command and group, nested groups included, as click itself lists them."""
    yield path, command
    for name in command.list_commands(None) if hasattr(command, "list_commands") else ():
        yield from _walk(command.get_command(None, name), (*path, name))


TREE = list(_walk(get_command(app)))
COMMAND_PATHS = [path for path, _ in TREE if path]


def _prose() -> str:
    """README without the generated reference, so a mention there does not count."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(COG_START), text.index(COG_END)
    return text[:start] + text[end:]


def _cog_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff",
         "--check-fail-msg=run `cog -r README.md` to refresh the CLI reference", "README.md"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_cli_reference_in_readme_is_current():
    result = _cog_check(dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_reference_does_not_depend_on_the_terminal_or_settings():
    """A narrow coloured terminal, another locale and MEMBERCTL_* settings change nothing."""
    env = {**os.environ, "COLUMNS": "40", "TERMINAL_WIDTH": "200", "FORCE_COLOR": "1",
           "GITHUB_ACTIONS": "true", "LANG": "zh_CN.UTF-8", "MEMBERCTL_DB": "/elsewhere/x.db",
           "MEMBERCTL_OPERATOR": "someone", "MEMBERCTL_NO_INPUT": "1"}  # fmt: skip
    result = _cog_check(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_reference_has_no_machine_specific_text():
    text = README.read_text(encoding="utf-8")
    reference = text[text.index(COG_START) : text.index(COG_END)]
    for needle in (str(ROOT), str(Path.home()), sys.executable, "\x1b["):
        assert needle not in reference, f"{needle!r} in the generated CLI reference"


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_is_mentioned_in_the_readme(path):
    name = " ".join(path)
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", _prose()), (
        f"README.md does not mention `{name}` outside the generated reference"
    )


@pytest.mark.parametrize(("path", "group"), [(p, c) for p, c in TREE if hasattr(c, "commands")],
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")  # fmt: skip
def test_no_group_reaches_commands_it_does_not_list(path, group):
    """A command reachable only through a group's own routing (as `member note resolve` was) is
    missing from --help, the reference and this walk: groups resolve commands the standard way."""
    from typer.core import TyperGroup

    for method in ("resolve_command", "get_command", "list_commands"):
        assert getattr(type(group), method) is getattr(TyperGroup, method), (
            f"memberctl {' '.join(path)}: {type(group).__name__}.{method} is overridden"
        )


def test_nested_commands_are_walked():
    assert ("member", "notes", "resolve") in COMMAND_PATHS


def test_every_command_has_a_reference_section():
    text = README.read_text(encoding="utf-8")
    for path in COMMAND_PATHS:
        assert f"#### `memberctl {' '.join(path)}`" in text, f"run `cog -r README.md` ({path})"
