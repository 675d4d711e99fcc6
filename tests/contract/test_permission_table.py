"""The README's table "Who may do what" is the permission matrix of the code, row for row."""

from __future__ import annotations

import re
from pathlib import Path

from memberctl.domain.permissions import MATRIX, OPEN, Role

README = Path(__file__).resolve().parents[2] / "README.md"
COLUMNS = (Role.clerk, Role.manager, Role.owner, Role.job)


def _table() -> dict[str, frozenset[Role]]:
    text = README.read_text(encoding="utf-8")
    body = text.split("<!-- --8<-- [start:permission-matrix] -->")[1].split(
        "<!-- --8<-- [end:permission-matrix] -->"
    )[0]
    rows = [line for line in body.strip().splitlines()[2:] if line.startswith("|")]
    table: dict[str, frozenset[Role]] = {}
    for row in rows:
        first, *marks = (cell.strip() for cell in row.strip("|").split("|"))
        assert len(marks) == len(COLUMNS), row
        assert set(marks) <= {"yes", "no"}, row
        roles = frozenset(role for role, mark in zip(COLUMNS, marks, strict=True) if mark == "yes")
        for command in re.findall(r"`([^`]+)`", first):
            key = command.removeprefix("memberctl").strip()
            assert key not in table, f"{command} is in the table twice"
            table[key] = roles
    return table


def test_the_readme_table_is_the_matrix():
    table = _table()
    expected = {**MATRIX, **dict.fromkeys(OPEN, frozenset(Role))}
    assert table.keys() == expected.keys(), (
        f"missing from the README: {sorted(expected.keys() - table.keys())}; "
        f"not in the code: {sorted(table.keys() - expected.keys())}"
    )
    wrong = {command for command in table if table[command] != expected[command]}
    assert not wrong, f"the README's roles differ from permissions.MATRIX for {sorted(wrong)}"
