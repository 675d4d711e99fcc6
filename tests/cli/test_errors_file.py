"""The errors file of an import: named after the whole input name (so `m.xlsx` and `m.xls` in one
folder get their own), written in the input's format (.xls as .xlsx), and never written over a
file memberctl did not write unless the user names it with --errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import error_line
from tests.spreadsheets.sheets import (
    read_ods,
    read_rows,
    write_csv,
    write_ods,
    write_xls,
    write_xlsx,
)

ROWS = [["姓名", "手机号"], ["张三", "13800138000"], ["Bad", "12"]]


def _write(kind, path, rows=ROWS):
    if kind == "csv":
        return write_csv(path, rows)
    if kind == "xlsx":
        return write_xlsx(path, rows)
    if kind == "xls":
        return write_xls(path, {"Sheet1": rows})
    return write_ods(path, {"Sheet1": rows})


def _read(path):
    return read_ods(path) if path.suffix == ".ods" else read_rows(path)


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("m.csv", "m.csv.errors.csv"),
        ("m.xlsx", "m.xlsx.errors.xlsx"),
        ("m.xls", "m.xls.errors.xlsx"),
        ("m.ods", "m.ods.errors.ods"),
    ],
)
def test_the_errors_file_is_named_after_the_whole_input_name(run, tmp_path, name, errors):
    path = _write(name.split(".")[1], tmp_path / name)
    result = run("import", "members", str(path))
    assert result.exit_code == 5
    assert sorted(p.name for p in tmp_path.iterdir() if ".errors." in p.name) == [errors]
    rows = _read(tmp_path / errors)
    assert rows[0] == ["姓名", "手机号", "错误原因"]
    assert rows[1][0] == "Bad"
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(
            f"rejected rows are in {tmp_path / errors}; nothing was written; fix those rows and "
            "import again, or use --skip-invalid"
        )
    )


def test_an_xlsx_and_an_xls_of_one_name_keep_their_own_errors_files(run, tmp_path):
    for kind in ("xlsx", "xls"):
        assert run("import", "members", str(_write(kind, tmp_path / f"m.{kind}"))).exit_code == 5
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("m.")) == [
        "m.xls",
        "m.xls.errors.xlsx",
        "m.xlsx",
        "m.xlsx.errors.xlsx",
    ]


@pytest.mark.parametrize(("kind", "errors"), [("csv", "csv"), ("xls", "xlsx"), ("ods", "ods")])
def test_our_own_errors_file_is_replaced_on_the_next_import(run, tmp_path, kind, errors):
    path = _write(kind, tmp_path / f"m.{kind}")
    assert run("import", "members", str(path)).exit_code == 5
    errors_file = tmp_path / f"m.{kind}.errors.{errors}"
    assert [row[0] for row in _read(errors_file)] == ["姓名", "Bad"]
    _write(kind, path, [*ROWS, ["Bad2", "13"]])
    assert run("import", "members", str(path)).exit_code == 5
    assert [row[0] for row in _read(errors_file)] == ["姓名", "Bad", "Bad2"]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "ods"])
def test_a_file_we_did_not_write_at_the_errors_path_is_left_alone(run, tmp_path, kind):
    path = _write(kind, tmp_path / f"m.{kind}")
    theirs = tmp_path / f"m.{kind}.errors.{kind}"
    theirs.write_bytes(b"the owner's own notes")
    result = run("import", "members", str(path), "--skip-invalid")
    assert result.exit_code == 4
    assert error_line(result) == (
        f"error: '{theirs}' exists and is not an errors file of memberctl; it is left as it "
        "is; move it away, or choose the errors file with --errors FILE"
    )
    assert theirs.read_bytes() == b"the owner's own notes"
    assert run.json("member", "list") == []  # refused before anything was imported
    result = run("--lang", "zh", "import", "members", str(path), "--skip-invalid")
    assert result.exit_code == 4
    assert error_line(result) == (
        f"错误：“{theirs}”已存在，且不是 memberctl 写的错误文件；保持原样，未覆盖；"
        "请移走它，或用 --errors FILE 指定错误文件"
    )


def test_a_file_named_with_errors_is_written_as_asked(run, tmp_path):
    path = _write("csv", tmp_path / "m.csv")
    chosen = tmp_path / "fix-me.ods"
    chosen.write_bytes(b"old")
    result = run("import", "members", str(path), "--errors", str(chosen))
    assert result.exit_code == 5
    assert [row[0] for row in read_ods(chosen)] == ["姓名", "Bad"]


def test_the_input_cannot_be_its_own_errors_file(run, tmp_path):
    path = _write("csv", tmp_path / "m.csv")
    result = run("import", "members", str(path), "--errors", str(path))
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: 'm.csv' is the file being imported; it cannot be its errors file too; "
        "give another file name with --errors"
    )
    assert path.read_text(encoding="utf-8").startswith("姓名,手机号")


def test_an_errors_file_must_be_a_format_we_write(run, tmp_path):
    path = _write("csv", tmp_path / "m.csv")
    result = run("import", "purchases", str(path), "--errors", str(tmp_path / "e.xls"))
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: cannot write the errors file 'e.xls'; give a .xlsx, .ods or .csv file name"
    )


def test_an_errors_file_imports_again_after_fixing(run, tmp_path):
    path = _write("xlsx", tmp_path / "m.xlsx")
    assert run("import", "members", str(path)).exit_code == 5
    errors = tmp_path / "m.xlsx.errors.xlsx"
    rows = read_rows(errors)
    write_xlsx(errors, [rows[0], ["Bad", "13900139000", rows[1][2]]])
    result = run("import", "members", str(errors), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 1
    assert not (tmp_path / "m.xlsx.errors.xlsx.errors.xlsx").exists()


def test_an_ods_errors_file_keeps_formula_like_text_as_import_read_it(run, tmp_path):
    """`'=SUM(1)` in a CSV is the text `=SUM(1)` (import removes the quote); the .ods errors file
    holds it as a string cell, `=SUM(1)`, which imports as the same text."""
    path = write_csv(tmp_path / "m.csv", [ROWS[0], ["'=SUM(1)", "12"]])
    errors = tmp_path / "e.ods"
    assert run("import", "members", str(path), "--errors", str(errors)).exit_code == 5
    rows = read_ods(errors)
    assert rows[1][:2] == ["=SUM(1)", "12"]
    write_ods(errors, {"errors": [rows[0], ["=SUM(1)", "13800138000", rows[1][2]]]})
    result = run("import", "members", str(errors), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert run.json("member", "show", "13800138000")["name"] == "=SUM(1)"
