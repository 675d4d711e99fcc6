"""LibreOffice Calc as a real client in the tests: `convert` runs `soffice --headless
--convert-to` with a profile of its own (parallel runs never share one) and skips the test where
LibreOffice is not installed."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

TIMEOUT = 120  # seconds; a first start creates the profile (a few seconds)
MISSING = "LibreOffice (soffice) is not installed"


def soffice() -> str:
    """The soffice program, or the test is skipped."""
    program = shutil.which("soffice")
    if program is None:
        pytest.skip(MISSING)
    return program


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """`src` converted to `fmt` (`pdf`, `xlsx`, `csv:Text - txt - csv (StarCalc):44,34,76`, ...)
    in `outdir`; returns the new file. A failed or empty conversion fails the test."""
    program = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / f".lo-profile-{uuid.uuid4().hex}"
    command = [
        program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
        "--convert-to", fmt, "--outdir", str(outdir), str(src),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    result = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert done.returncode == 0 and result.exists(), f"soffice failed: {done.stdout}{done.stderr}"
    assert result.stat().st_size > 0, f"soffice wrote an empty {result.name}"
    return result
