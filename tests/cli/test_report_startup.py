"""`memberctl report ... --help` stays off the heavy imports (no SQLAlchemy, pandas, openpyxl,
domain or spreadsheets), like every other help path (tests/contract/test_startup.py)."""

from __future__ import annotations

import pytest

from tests.contract.test_startup import HEAVY, _heavy, imported_modules


@pytest.mark.parametrize("args", [["report", "--help"], ["report", "rfm", "--help"]], ids=" ".join)
def test_report_help_imports_nothing_heavy(args):
    result, modules = imported_modules(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "memberctl.cli.report" in modules
    assert _heavy(modules, HEAVY) == []
