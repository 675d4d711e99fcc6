"""Files written by LibreOffice Calc itself (tests/fixtures/libreoffice, made by
scripts/make_libreoffice_fixtures.py) import on the test database, and, where soffice is
installed, the script makes the same files again and LibreOffice reads our exports cell for cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from memberctl.escaping import unescape
from tests.factories import enroll
from tests.spreadsheets.libreoffice import convert, fixture_script, soffice

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "libreoffice"
MEMBER_FILES = ["members.ods", "members.xlsx", "members.xls", "members.gbk.csv"]
GENDERS = {"男": "male", "女": "female"}


SCRIPT = fixture_script()


def _copy(name: str, tmp_path: Path) -> Path:
    """A copy of a fixture: an import may write its errors file next to the input."""
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def _members(run: Any) -> dict[str, tuple[Any, ...]]:
    return {
        m["name"]: (m["phone"], m["gender"], m["birthday"], m["points"], m["store"])
        for m in run.json("member", "list")
    }


def _expected() -> dict[str, tuple[Any, ...]]:
    return {
        name: (f"+86{phone}", GENDERS[gender], birthday.isoformat(), points, store)
        for name, phone, gender, birthday, points, store in SCRIPT.MEMBERS
    }


def _cells(path: Path) -> list[list[Any]]:
    """Every cell of the first sheet (a CSV decoded from GBK), as the import's reader sees it."""
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_the_fixtures_are_what_a_calc_user_has():
    """A title row merged across the headers, number phones, date cells, a total row; the CSV in
    GBK; and a phone Calc shows in scientific format."""
    from openpyxl import load_workbook

    for name in MEMBER_FILES:
        cells = _cells(FIXTURES / name)
        assert cells[0][0] == "2024年会员名单" and cells[1] == SCRIPT.HEADERS, name
        assert len(cells) == 13 and cells[-1][0] == "合计", name
        assert float(cells[-1][4]) == sum(m[4] for m in SCRIPT.MEMBERS), name
        if name.endswith(".csv"):
            assert cells[2][1:4] == ["13800000001", "男", "1985-03-05"]
        else:
            assert cells[2][1] == 13800000001 and cells[2][3] == dt.date(1985, 3, 5), name
    assert "A1:F1" in {str(r) for r in load_workbook(FIXTURES / "members.xlsx").active.merged_cells}  # type: ignore[union-attr]
    sheet = load_workbook(FIXTURES / "scientific_phone.xlsx").active
    assert sheet is not None
    assert (sheet["B3"].value, sheet["B3"].number_format) == (13800000000, "0.00E+00")


@pytest.mark.parametrize("name", MEMBER_FILES)
def test_a_libreoffice_file_imports(run, tmp_path, name):
    """The title row is skipped (headers on row 2), the total row is reported, not rejected; the
    ten members come in with their phones, genders, birthdays, points and stores (registered by
    --add-stores)."""
    result = run("import", "members", str(_copy(name, tmp_path)), "--add-stores", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["inserted"], data["rejected"], data["errors"]) == (10, 0, [])
    assert (data["header_row"], data["total_rows"]) == (2, [13])
    assert _members(run) == _expected()


def test_a_phone_calc_rounded_is_never_stored(run, tmp_path):
    """Issue 15 item 4: 13800000000 shown as 1.38E+10 is refused (row 3, 手机号); the others
    come in with --skip-invalid."""
    path = _copy("scientific_phone.xlsx", tmp_path)
    result = run("import", "members", str(path), "-f", "json")
    assert result.exit_code == 5
    [error] = json.loads(result.stdout)["errors"]
    assert (error["row"], error["column"]) == (3, "手机号")
    assert run.json("member", "list") == []
    result = run("import", "members", str(path), "--skip-invalid", "-f", "json")
    assert json.loads(result.stdout)["inserted"] == 2
    assert "+8613800000000" not in {m["phone"] for m in run.json("member", "list")}


def test_the_script_makes_the_same_files_again(tmp_path):
    """Regenerated with the installed LibreOffice, every cell equals the committed file's."""
    program = soffice()
    made = SCRIPT.make(tmp_path / "again", program)
    assert sorted(p.name for p in made) == sorted(SCRIPT.OUTPUTS)
    for path in made:
        assert _cells(path) == _cells(FIXTURES / path.name), path.name


def test_libreoffice_reads_our_xlsx_export_as_our_csv_export(run, engine, tmp_path):
    """Our .xlsx export saved as CSV by LibreOffice holds, cell for cell, what our own CSV export
    holds as import reads it (the CSV's `'` escape removed; the .xlsx has quote-prefixed cells)."""
    soffice()
    enroll(
        engine,
        name="张三",
        phone="13800138000",
        gender="男",
        birthday="1990-05-06",
        email="a@example.com",
        store="总店",
        tags=["vip", "新客"],
        tier="gold",
    )
    enroll(engine, name="=HYPERLINK(1)", phone="+86 10 6234 5678", tags=["-x"], address="@home")
    enroll(engine, name="李四", phone="+852 9123 4567", referrer="M000001")
    assert run("points", "add", "M000001", "120", "--reason", "test").exit_code == 0
    xlsx, ours = tmp_path / "m.xlsx", tmp_path / "m.csv"
    assert run("export", "members", str(xlsx)).exit_code == 0
    assert run("export", "members", str(ours)).exit_code == 0
    theirs = convert(xlsx, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "lo")
    read = list(csv.reader(io.StringIO(theirs.read_text(encoding="utf-8"))))
    expected = list(csv.reader(io.StringIO(ours.read_text(encoding="utf-8-sig"))))
    assert len(read) == len(expected) == 4
    assert read == [[unescape(cell) for cell in row] for row in expected]
    assert read[2][1:3] == ["=HYPERLINK(1)", "+861062345678"]  # no visible quote in the .xlsx
