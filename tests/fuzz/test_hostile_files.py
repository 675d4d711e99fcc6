"""`import members` on files built to hurt: a 2 GiB zip bomb, an entry longer than its header
says, a billion-laughs entity bomb, a cell at XFD1048576, files that only pretend to be
spreadsheets. Each ends in a contract exit code with one clear line and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fuzz import hostile
from tests.fuzz.outcome import check_clean_outcome, table_counts
from tests.spreadsheets.sheets import write_xlsx


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return write_xlsx(
        tmp_path_factory.mktemp("hostile") / "good.xlsx",
        [
            ["姓名", "手机号"],
            ["Ann", "13800138000"],
            ["Bob", "13900139000"],
        ],
    )


def _refused(run, engine, path: Path, code: int, *fragments: str, env=None) -> str:
    before = table_counts(engine)
    result = run("import", "members", str(path), "--format", "json", env=env)
    check_clean_outcome(result, {code})
    assert result.stdout == ""
    line = result.stderr.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in line, line
    assert len(line) < 1200, line
    assert table_counts(engine) == before
    return line


def test_a_2_gib_zip_bomb_is_refused_before_it_is_unpacked(run, engine, good, tmp_path):
    prefix, suffix = hostile.sheet_xml(b"|").split(b"|")
    bomb = hostile.Entry.bomb(hostile.SHEET, prefix, hostile.ROW * 1000, 2048, suffix)
    path = hostile.replace_sheet(good, tmp_path / "bomb.xlsx", bomb)
    assert path.stat().st_size < 8 * 1024 * 1024 and bomb.size > 2 * 1024**3 - 2 * 1024**2
    _refused(
        run,
        engine,
        path,
        5,
        "'bomb.xlsx' unpacks to 2046 MB, over the limit of 1024 MB",
        "MEMBERCTL_MAX_SHEET_MB",
    )


def test_the_size_limit_is_raised_by_its_environment_variable(run, engine, good, tmp_path):
    prefix, suffix = hostile.sheet_xml(b"|").split(b"|")
    header = hostile.cell("A1", "姓名") + hostile.cell("B1", "手机号", row=1)
    filler = hostile.Entry.bomb(
        hostile.SHEET, prefix + header, b"<!-- padding -->", 200_000, suffix
    )
    path = hostile.replace_sheet(good, tmp_path / "padded.xlsx", filler)  # about 3 MB unpacked
    _refused(run, engine, path, 5, "over the limit of 2 MB", env={"MEMBERCTL_MAX_SHEET_MB": "2"})
    result = run("import", "members", str(path), "-f", "json", env={"MEMBERCTL_MAX_SHEET_MB": "4"})
    assert result.exit_code == 0, result.stderr  # a header and no rows: nothing to do
    assert json.loads(result.stdout)["inserted"] == 0


@pytest.mark.parametrize("value", ["lots", "0", "-1", "1.5"])
def test_a_bad_limit_is_a_usage_error(run, engine, good, value):
    line = _refused(
        run,
        engine,
        good,
        2,
        "MEMBERCTL_MAX_CELLS must be a positive whole number",
        env={"MEMBERCTL_MAX_CELLS": value},
    )
    assert f"'{value}'" in line


def test_an_entry_longer_than_its_header_says_is_refused(run, engine, good, tmp_path):
    sheet = hostile.Entry(hostile.SHEET, hostile.sheet_xml(hostile.ROW * 2000))
    sheet.size = 1000  # the header claims 1 kB; inflating it gives 2 MB
    path = hostile.replace_sheet(good, tmp_path / "forged.xlsx", sheet)
    _refused(run, engine, path, 5, "xl/worksheets/sheet1.xml is damaged")


HEADER = hostile.cell("A1", "姓名")
FILLER = b"".join(hostile.cell(f"A{n}", "x") for n in range(1, 6000))  # over 256 kB
FAR_ROW = b'<row r="50000000"><c t="inlineStr"><is><t>x</t></is></c></row>'  # no cell reference


@pytest.mark.parametrize(
    ("rows", "size"),
    [
        (HEADER + hostile.cell("XFD1048576", "x"), "1048576 rows x 16384 columns"),
        (FILLER + hostile.cell("XFD7", "x"), "5999 rows x 16384 columns"),
        (HEADER + FAR_ROW, "50000000 rows x 1 columns"),
    ],
    ids=["far-cell", "far-cell-after-the-first-256-kB", "far-row"],
)
def test_a_sparse_sheet_is_refused_before_the_reader_allocates_it(
    run, engine, good, tmp_path, rows, size
):
    path = hostile.replace_sheet(
        good, tmp_path / "far.xlsx", hostile.Entry(hostile.SHEET, hostile.sheet_xml(rows))
    )
    _refused(run, engine, path, 5, size, "over the limit of 20000000 cells", "MEMBERCTL_MAX_CELLS")


def test_the_cell_limit_is_raised_by_its_environment_variable(run, engine, good):
    _refused(
        run,
        engine,
        good,
        5,
        "3 rows x 2 columns, over the limit of 5 cells",
        env={"MEMBERCTL_MAX_CELLS": "5"},
    )
    result = run("import", "members", str(good), "-f", "json", env={"MEMBERCTL_MAX_CELLS": "6"})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 2


@pytest.mark.parametrize("member", [hostile.SHEET, "xl/workbook.xml"])
def test_billion_laughs_is_refused(run, engine, good, tmp_path, member):
    if member == hostile.SHEET:
        path = hostile.replace_sheet(
            good, tmp_path / "lol.xlsx", hostile.Entry(member, hostile.laughs())
        )
    else:
        path = hostile.replace_sheet(
            good,
            tmp_path / "lol.xlsx",
            hostile.Entry(hostile.SHEET, hostile.sheet_xml(b"")),
            other={member: hostile.laughs().replace(b"worksheet", b"workbook")},
        )
    line = _refused(run, engine, path, 5, "'lol.xlsx'")
    assert "lollol" not in line  # nothing was expanded


def test_openpyxl_reads_xml_through_defusedxml(good, tmp_path):
    """openpyxl (templates, report workbooks) uses defusedxml when it is installed: the
    billion-laughs sheet is refused by defusedxml, never expanded."""
    import defusedxml
    import openpyxl
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    path = hostile.replace_sheet(
        good, tmp_path / "lol.xlsx", hostile.Entry(hostile.SHEET, hostile.laughs())
    )
    with pytest.raises(Exception) as raised:  # noqa: B017  (openpyxl wraps it in a ValueError)
        with path.open("rb") as stream:  # closed here even though openpyxl gives up
            openpyxl.load_workbook(stream)
    chain, error = [], raised.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, defusedxml.EntitiesForbidden) for e in chain), chain


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("page.xls", b"<html><table><tr><td>name</td><td>phone</td></tr></table></html>", "OLE"),
        ("tabs.xls", "姓名\t手机号\nAnn\t13800138000\n".encode("gbk"), "Invalid OLE"),
        ("empty.xls", b"", "cannot read 'empty.xls'"),
        ("text.xlsx", b"name,phone\nAnn,13800138000\n", "invalid Zip archive"),
        ("empty.xlsx", b"", "cannot read 'empty.xlsx'"),
        ("no-sheets.xlsx", b"PK\x05\x06" + b"\0" * 18, "'no-sheets.xlsx'"),
        ("empty.csv", b"", "'empty.csv' is empty"),
        ("nul.csv", b"\0" * 300, "no column for name, phone"),
    ],
)
def test_files_that_only_pretend_to_be_sheets(run, engine, tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    _refused(run, engine, path, 5, says)


def test_a_missing_file_is_not_found(run, engine, tmp_path):
    _refused(run, engine, tmp_path / "nowhere.xlsx", 3, "nowhere.xlsx")


def test_a_huge_cell_in_an_error_is_cut_to_one_short_line(run, engine, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("x" * 200_000 + "\n1\n", encoding="utf-8")
    line = _refused(run, engine, path, 5, "no column for name, phone")
    assert " … " in line


def test_a_line_break_in_a_header_stays_on_one_line(run, engine, tmp_path):
    path = tmp_path / "breaks.csv"
    path.write_text('"a\nb","c\u2028d"\n1,2\n', encoding="utf-8")
    line = _refused(run, engine, path, 5, "no column for name, phone", "a\\nb", "c\\u2028d")
    assert line.startswith("error: ")


def test_a_zip_of_an_unsupported_version_is_not_a_crash(run, good, tmp_path):
    """Found by test_truncated_or_corrupted_xlsx: one byte of the central directory set to 64
    made zipfile raise NotImplementedError ('zip file version 6.4'), an exit 1. The limit check
    now leaves such a file to calamine, which reads it."""
    data = bytearray(good.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6] = 64  # version needed to extract: 6.4
        at = data.find(b"PK\x01\x02", at + 4)
    path = tmp_path / "v64.xlsx"
    path.write_bytes(bytes(data))
    result = run("import", "members", str(path), "--format", "json")
    check_clean_outcome(result, {0})
    assert json.loads(result.stdout)["inserted"] == 2
