"""The growth report's line chart is drawn with straight lines: LibreOffice draws a line series
without `<c:smooth val="0"/>` as a smoothed curve, which dips below a flat line and reads as lost
members (issue 15, item 6)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.reportdata import AS_OF, seed
from tests.spreadsheets.libreoffice import TIMEOUT, convert

DAY = ["--as-of", AS_OF.isoformat()]
_LINE_CHART = re.compile(r"<(?:c:)?lineChart>.*?</(?:c:)?lineChart>", re.S)
_SERIES = re.compile(r"<(?:c:)?ser>.*?</(?:c:)?ser>", re.S)
_SMOOTH = re.compile(r'<(?:c:)?smooth val="(\w+)"\s*/>')


def line_series_smoothing(path: Path) -> list[str | None]:
    """The `smooth` value of every line series in an .xlsx's charts (None: not said)."""
    values: list[str | None] = []
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/charts/chart") and name.endswith(".xml"):
                xml = book.read(name).decode("utf-8")
                for chart in _LINE_CHART.findall(xml):
                    for series in _SERIES.findall(chart):
                        found = _SMOOTH.search(series)
                        values.append(found.group(1) if found else None)
    return values


@pytest.fixture
def growth_xlsx(run, engine, tmp_path):
    seed(engine)
    path = tmp_path / "growth.xlsx"
    result = run("report", "growth", *DAY, "--out", str(path))
    assert result.exit_code == 0, result.stderr
    return path


def test_every_line_series_says_smooth_off(growth_xlsx):
    assert line_series_smoothing(growth_xlsx) == ["0"]


def test_libreoffice_reads_the_lines_as_straight(growth_xlsx, tmp_path):
    """Saved again by LibreOffice, the chart keeps `smooth` off (a series without the element
    comes back as `<c:smooth val="1"/>`), and it renders to a non-empty PDF and PNG."""
    again = convert(growth_xlsx, "xlsx", tmp_path / "resaved")
    assert line_series_smoothing(again) == ["0"]
    pdf = convert(growth_xlsx, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was checked, not the PNG")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=TIMEOUT,
    )
    [png] = tmp_path.glob("page*.png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 1000
