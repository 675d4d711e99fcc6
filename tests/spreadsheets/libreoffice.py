"""LibreOffice Calc as a real client in the tests: `convert` runs `soffice --headless
--convert-to` with a profile of its own (parallel runs never share one) and skips the test where
LibreOffice is not installed."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

TIMEOUT = 120  # seconds; a first start creates the profile (a few seconds)
MISSING = "LibreOffice (soffice) is not installed"
SCRIPT_PATH = Path(__file__).parents[2] / "scripts" / "make_libreoffice_fixtures.py"


def soffice() -> str:
    """The soffice program, or the test is skipped."""
    program = shutil.which("soffice")
    if program is None:
        pytest.skip(MISSING)
    return program


def fixture_script() -> ModuleType:
    """scripts/make_libreoffice_fixtures.py, loaded as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_libreoffice_fixtures", SCRIPT_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """`src` converted to `fmt` (`pdf`, `xlsx`, `csv:Text - txt - csv (StarCalc):44,34,76`, ...)
    in `outdir` by the fixture script's own `convert`; returns the new file. A failed or empty
    conversion fails the test."""
    program = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        return fixture_script().convert(program, src, fmt, outdir)
    except RuntimeError as exc:
        pytest.fail(str(exc))
