"""Security promises, each checked from outside:

- formula injection: every file or stdout a spreadsheet may open (export members csv/xlsx,
  `-f csv` of any command, report csv/xlsx, notify lists, the rejected-rows file) escapes text
  starting with OWASP's characters (= + - @ tab CR) and their full-width forms (＝ ＋ － ＠):
  a leading `'` in CSV, a string cell with the quote-prefix style in .xlsx;
- Typer's pretty exceptions never print locals (phone numbers): even with --debug;
- defusedxml is a hard dependency; every dependency is pinned in requirements.lock.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from memberctl.escaping import FORMULA_START
from tests.factories import enroll

ROOT = Path(__file__).resolve().parents[2]
OWASP = [
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1+1",
    "－1+1",
    "＠SUM(A1)",
    '=HYPERLINK("http://x","y")',
]
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def unsafe(cells: list[object]) -> list[object]:
    """Text cells a spreadsheet could run: they start with a formula character (plain signed
    numbers such as -12.50 or +8613800138000 are numbers, not formulas)."""
    return [
        c
        for c in cells
        if isinstance(c, str) and c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)
    ]


@pytest.fixture
def shop(engine, run):
    for n, payload in enumerate(OWASP):
        enroll(
            engine,
            name=f"{payload}",
            phone=f"1380013{n:04d}",
            birthday="1990-11-05",
            store=payload.strip(),
            tags=[payload.strip().replace(",", ";")],
        )
    return run


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _xlsx_cells(path: Path) -> list[object]:
    """The cells as a spreadsheet's edit line shows them: a quote-prefixed string cell (how
    .xlsx keeps formula-like text text) with its `'`; no cell holds a visible quote."""
    book = load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell"
    texts = [c for c in cells if isinstance(c.value, str)]
    assert not [c.coordinate for c in texts if c.value.startswith("'")], "a visible quote"
    assert all(c.data_type == "s" for c in texts if c.quotePrefix)
    return ["'" + c.value if c.quotePrefix else c.value for c in cells]


def _payloads_present(cells: list[object]) -> None:
    """The test means something: the payloads really are in the output, escaped."""
    escaped = {c[:2] for c in cells if isinstance(c, str) and c.startswith("'")}
    assert {"'=", "'+", "'-", "'@"} <= escaped, escaped


def test_the_payloads_start_with_every_risky_character():
    assert {p.lstrip()[:1] for p in OWASP} | {"\t", "\r"} >= set(FORMULA_START)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_members(shop, tmp_path, suffix):
    path = tmp_path / f"members.{suffix}"
    result = shop("export", "members", str(path))
    assert result.exit_code == 0, result.stderr
    cells = _csv_cells(path.read_text("utf-8")) if suffix == "csv" else _xlsx_cells(path)
    assert unsafe(cells) == []
    _payloads_present(cells)


@pytest.mark.parametrize(
    "args", [("member", "list"), ("report", "birthdays", "--month", "11")], ids=["member", "report"]
)
def test_csv_on_stdout(shop, args):
    result = shop(*args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    cells = _csv_cells(result.stdout)
    assert unsafe(cells) == []
    _payloads_present(cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_files(shop, tmp_path, fmt):
    path = tmp_path / f"birthdays.{fmt}"
    result = shop("report", "birthdays", "--month", "11", "--format", fmt, "--out", str(path))
    assert result.exit_code == 0, result.stderr
    cells = _csv_cells(path.read_text("utf-8")) if fmt == "csv" else _xlsx_cells(path)
    assert unsafe(cells) == []
    _payloads_present(cells)


def test_notify_list(shop, tmp_path):
    template = tmp_path / "msg.txt"
    template.write_text("{name}", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = shop("notify", "render", "--template", str(template), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    cells = _csv_cells(out.read_text("utf-8-sig"))
    assert unsafe(cells) == []
    _payloads_present(cells)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_rejected_rows_file(run, tmp_path, suffix):
    source = tmp_path / f"in.{suffix}"
    rows = [["姓名", "手机号"], *[[p, "not a phone"] for p in OWASP]]
    if suffix == "csv":
        with source.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    else:
        from openpyxl import Workbook

        book = Workbook()
        for row in rows:
            book.active.append(row)  # type: ignore[union-attr]
        for cell in book.active["A"]:  # type: ignore[index]
            cell.data_type = "s"  # text as typed, not formulas
        book.save(source)
    bad = tmp_path / f"bad.{suffix}"
    result = run("import", "members", str(source), "--errors", str(bad))
    assert result.exit_code == 5
    cells = _csv_cells(bad.read_text("utf-8-sig")) if suffix == "csv" else _xlsx_cells(bad)
    assert unsafe(cells) == []
    _payloads_present(cells)


def test_escaped_rejects_import_back_unchanged(run, tmp_path):
    """The escape is the one import removes: fixed rows re-import with the original names."""
    source = tmp_path / "in.csv"
    source.write_text("姓名,手机号\n=1+1,bad\n＠x,bad\n", encoding="utf-8")
    run("import", "members", str(source), "--errors", str(tmp_path / "bad.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "bad.csv").read_text("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'=1+1", "'＠x"]
    for n, row in enumerate(rows[1:]):
        row[1] = f"1380013800{n}"
    with (tmp_path / "fixed.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([row[:2] for row in rows])
    result = run("import", "members", str(tmp_path / "fixed.csv"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    names = sorted(m["name"] for m in run.json("member", "list"))
    assert names == ["=1+1", "＠x"]  # names are stored as typed: the original names


# -- pretty exceptions ------------------------------------------------------------------------


def test_every_typer_app_hides_locals():
    import importlib
    import pkgutil

    import typer

    import memberctl.cli

    apps = []
    for module in pkgutil.iter_modules(memberctl.cli.__path__, "memberctl.cli."):
        loaded = importlib.import_module(module.name)
        apps += [v for v in vars(loaded).values() if isinstance(v, typer.Typer)]
    assert len(apps) >= 10
    assert [a.info.name for a in apps if a.pretty_exceptions_show_locals] == []
    assert memberctl.cli.app.pretty_exceptions_enable is False


BOOM = """
import sys
import memberctl.domain.members as members

def enroll(*args, **kwargs):
    secret_phone = "+8613912345678"  # a local the traceback could show
    raise RuntimeError("boom")

members.enroll = enroll
sys.argv = ["memberctl", *sys.argv[1:]]
from memberctl.cli import main
main()
"""


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_never_prints_locals(db_url, debug):
    args = [
        *(["--debug"] if debug else []),
        "--db",
        db_url,
        "--no-input",
        "member",
        "enroll",
        "--name",
        "Ann",
        "--phone",
        "13800138000",
    ]
    env = {**os.environ, "COLUMNS": "120", "MEMBERCTL_DEBUG": ""}
    done = subprocess.run(
        [sys.executable, "-c", BOOM, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "8613912345678" not in done.stderr + done.stdout
    assert "secret_phone =" not in done.stderr
    if debug:
        assert "Traceback" in done.stderr and "RuntimeError: boom" in done.stderr
    else:
        assert done.stderr.strip().splitlines() == [
            "error: unexpected RuntimeError: boom (run again with --debug for details)"
        ]


# -- dependencies ------------------------------------------------------------------------------


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_defusedxml_is_a_hard_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert "defusedxml" in {_name(r) for r in project["dependencies"]}


def test_every_dependency_is_pinned_in_the_lock_file():
    """requirements.lock (uv pip compile, docs/development.md) pins what `pip install -e '.[test]'`
    installs: regenerate it whenever pyproject's dependencies change."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = {
        _name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    }
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text("utf-8").splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.split(";")[0].strip().partition("==")
            pinned[name.lower().replace("_", "-")] = version
    assert sorted(wanted - set(pinned)) == []
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in pinned.values()), pinned
