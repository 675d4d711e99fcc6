"""samples/: what `samples/make_samples.py` makes (so the files in the repository can be
regenerated), and the README's first command on them: the messy sheet imports with exactly the
planted bad rows rejected, again changes nothing, and the purchases go in after the members."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def _script():
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(path: Path) -> list[tuple[object, ...]]:
    return list(load_workbook(path).worksheets[0].iter_rows(values_only=True))


def test_the_samples_are_what_the_script_makes(tmp_path):
    script = _script()
    rows = script.member_rows()
    script.write_members(tmp_path / "members.xlsx", rows)
    script.write_purchases(tmp_path / "purchases.csv", rows)
    assert _cells(tmp_path / "members.xlsx") == _cells(SAMPLES / "members.xlsx")
    assert (tmp_path / "purchases.csv").read_bytes() == (SAMPLES / "purchases.csv").read_bytes()


def test_the_readme_first_command_on_the_samples(run, tmp_path):
    command = [
        "import",
        "members",
        str(SAMPLES / "members.xlsx"),
        "--skip-invalid",
        "--on-existing",
        "skip",
        "--add-stores",  # the sheet's stores (总店, 朝阳店...) are registered by the import
        "-f",
        "json",
        "--errors",
        str(tmp_path / "e.xlsx"),
    ]
    first = run(*command)
    assert first.exit_code == 0, first.stderr
    result = json.loads(first.stdout)
    planted = len(_script().BAD_ROWS)
    assert result["rejected"] == planted and result["inserted"] == 300 - planted
    # BAD_ROWS counts data rows from 0; the sheet's rows count from 1 and the header is row 1
    assert {e["row"] for e in result["errors"]} == {row + 2 for row in _script().BAD_ROWS}
    assert len(run.json("member", "list", "--limit", "5")) == 5
    again = json.loads(run(*command).stdout)
    assert (again["inserted"], again["updated"], again["skipped"]) == (0, 0, 300 - planted)
    purchases = run(
        "import",
        "purchases",
        str(SAMPLES / "purchases.csv"),
        "--skip-invalid",
        "-f",
        "json",
        "--errors",
        str(tmp_path / "p.csv"),
    )
    assert purchases.exit_code == 0, purchases.stderr
    assert json.loads(purchases.stdout)["inserted"] > 0
