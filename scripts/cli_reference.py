"""The CLI reference in docs/cli.md: `memberctl ... --help` for every command, rendered for cog.

docs/cli.md holds a cog block that calls `cli_reference()`. Refresh it after changing a command:

    python -m cogapp -r docs/cli.md

and `cogapp --check docs/cli.md` (run by tests/contract/test_docs.py) fails when the page drifts.

The help is rendered in a child process with a fixed width (100 columns), no terminal, no colour,
the C locale and no MEMBERCTL_* variables, so the text is the same on every machine.
`python scripts/cli_reference.py` prints the reference.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 100
RENDER_ENV = {
    "TERMINAL_WIDTH": str(WIDTH),
    "COLUMNS": str(WIDTH),
    "NO_COLOR": "1",
    "_TYPER_FORCE_DISABLE_TERMINAL": "1",
    "PYTHONIOENCODING": "utf-8",
    "LC_ALL": "C.UTF-8",
    "LANG": "C.UTF-8",
    "MEMBERCTL_LANG": "en",
}
_CHILD_FLAG = "--render-in-child"


def walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(path, command) for the root, every group and every command, in the order of `--help`."""
    found = [(path, command)]
    for name in getattr(command, "commands", {}):
        found.extend(walk(command.commands[name], (*path, name)))
    return found


def _render() -> str:
    """Runs in the child: the help of every command as Markdown sections."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from memberctl.cli import app

    runner = CliRunner()
    parts = []
    for path, _ in walk(get_command(app)):
        result = runner.invoke(app, [*path, "--help"], prog_name="memberctl")
        if result.exit_code != 0:
            raise SystemExit(f"memberctl {' '.join(path)} --help failed:\n{result.output}")
        text = "\n".join(line.rstrip() for line in result.stdout.strip("\n").splitlines())
        title = " ".join(("memberctl", *path))
        parts.append(f"## `{title}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def cli_reference() -> str:
    """The reference as Markdown, rendered in a clean child process (see the module docstring)."""
    ignored = ("MEMBERCTL_", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TYPER_", "_TYPER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ignored)}
    env.update(RENDER_ENV)
    child = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), _CHILD_FLAG],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"rendering the CLI reference failed:\n{child.stderr}")
    return child.stdout


if __name__ == "__main__":
    sys.stdout.write(_render() if _CHILD_FLAG in sys.argv else cli_reference())
