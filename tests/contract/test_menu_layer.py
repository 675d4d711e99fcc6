"""The menu runs what the commands run through plain functions, never a Typer command function.

A command function's parameters are Typer's (options with their defaults resolved by click); the
menu calling one directly is how `cli/member.py` and `cli/menu.py` came to import each other.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import typer

import memberctl.cli
from memberctl.cli import menu


def _callbacks(app: typer.Typer) -> Iterator[object]:
    for command in app.registered_commands:
        yield command.callback
    for group in app.registered_groups:
        assert group.typer_instance is not None
        yield from _callbacks(group.typer_instance)


def _called_module_functions(source: str) -> Iterator[tuple[str, str, int]]:
    """Every `module.function(...)` call: the module alias, the function name, the line."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name):
                yield owner.id, node.func.attr, node.lineno


def _imported_cli_modules(source: str) -> dict[str, str]:
    """`from memberctl.cli import x` anywhere in the file: alias -> module name."""
    modules = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "memberctl.cli":
            for alias in node.names:
                modules[alias.asname or alias.name] = f"memberctl.cli.{alias.name}"
    return modules


def _every_callback() -> set[object]:
    """The root's own commands and every group's (groups are registered by name, not on the
    root Typer: memberctl.cli.GROUPS)."""
    found = set(_callbacks(memberctl.cli.app))
    for name in memberctl.cli.GROUPS:
        found |= set(_callbacks(memberctl.cli.group_app(name)))
    return found


def test_the_menu_calls_no_command_function() -> None:
    commands = _every_callback()
    source = Path(menu.__file__).read_text(encoding="utf-8")
    modules = _imported_cli_modules(source)
    offending = [
        f"menu.py:{line}: {alias}.{name}"
        for alias, name, line in _called_module_functions(source)
        if alias in modules
        and getattr(importlib.import_module(modules[alias]), name, None) in commands
    ]
    assert offending == []


def test_the_check_sees_a_command_function() -> None:
    """The check can fail: a call of `purchase.record` (a command) is found."""
    commands = _every_callback()
    from memberctl.cli import purchase

    assert purchase.record in commands
    calls = list(_called_module_functions("purchase.record(ctx, '1', '2')"))
    assert calls == [("purchase", "record", 1)]
