"""The fixed shop of tests/snapshots/shop.py, built once per test on the test's database."""

from __future__ import annotations

import pytest

from memberctl.cli import _output
from tests.snapshots import shop as builder


@pytest.fixture(autouse=True)
def terminal_100_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich fixes a console's width when it is built if COLUMNS is set then: pytest-xdist's
    workers have COLUMNS=80 at import, `-n 0` has none (the width follows each run's COLUMNS).
    Pin both consoles to 100 columns so a snapshot reads the same under `-n auto` and `-n 0`."""
    for console in (_output.console, _output.err_console):
        monkeypatch.setattr(console, "_width", 100)


@pytest.fixture
def shop(engine, run) -> list[str]:  # noqa: ARG001  (run: the schema is in place)
    """Seven members with purchases, ledgers, notes and a tier move; returns their numbers."""
    numbers = builder.seed(engine)
    builder.add_notes_and_moves(engine, numbers)
    return numbers
