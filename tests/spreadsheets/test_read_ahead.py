"""An Excel file is read on a thread while `memberctl import` loads pandas and the database
layer (`excel.read_ahead`); what that thread read is used only for the same, unchanged file
and sheet, and its errors reach the caller as if read in place."""

from __future__ import annotations

import json
import os
import threading

import pytest

from memberctl.errors import InvalidInput, NotFound
from memberctl.spreadsheets import excel
from tests.spreadsheets.sheets import write_csv, write_xlsx

HEADER = ["姓名", "手机号"]


@pytest.fixture(autouse=True)
def no_leftover():
    yield
    if excel._ahead is not None:  # a test that started a read and never took it
        excel._ahead.join()
        excel._ahead = None


@pytest.fixture
def threads(monkeypatch):
    """The name of the thread each real read ran on."""
    names: list[str] = []
    real = excel._read

    def recording(path, sheet):
        names.append(threading.current_thread().name)
        return real(path, sheet)

    monkeypatch.setattr(excel, "_read", recording)
    return names


@pytest.mark.parametrize("command", ["members", "purchases"])
def test_import_reads_the_sheet_on_a_thread(run, tmp_path, threads, command):
    rows = (
        [HEADER, ["张三", "13800138000"]]
        if command == "members"
        else [["手机号", "订单号", "金额", "时间"], ["13800138000", "A1", "10", "2026-01-02 10:00"]]
    )
    if command == "purchases":
        run("member", "enroll", "--name", "张三", "--phone", "13800138000")
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    result = run("import", command, str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 1
    assert threads == ["memberctl-read-ahead"]


def test_a_csv_is_not_read_ahead(tmp_path, threads):
    excel.read_ahead(write_csv(tmp_path / "m.csv", [HEADER]), None)
    assert excel._ahead is None and threads == []


def test_a_file_changed_after_the_read_began_is_read_again(tmp_path, threads):
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER, ["张三", "13800138000"]])
    excel.read_ahead(path, None)
    excel._ahead.join()
    write_xlsx(path, [HEADER, ["李四", "13900139000"], ["王五", "13700137000"]])
    os.utime(path, ns=(1, 1))  # even within one clock tick the file reads as changed
    _name, rows = excel.sheet_rows(path, None)
    assert [row[0] for row in rows[1:]] == ["李四", "王五"]
    assert threads == ["memberctl-read-ahead", "MainThread"]


def test_a_read_ahead_of_another_sheet_is_not_used(tmp_path, threads):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [],
        sheets={
            "一": [HEADER, ["张三", "13800138000"]],
            "二": [HEADER, ["李四", "13900139000"]],
        },
    )
    excel.read_ahead(path, "一")
    assert excel.sheet_rows(path, "二") == ("二", [HEADER, ["李四", "13900139000"]])
    assert excel._ahead is None  # taken, whether used or not
    assert threads == ["memberctl-read-ahead", "MainThread"]


def test_an_unchanged_file_is_read_once(tmp_path, threads):
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER, ["张三", "13800138000"]])
    excel.read_ahead(path, None)
    assert excel.sheet_rows(path, None) == ("Sheet1", [HEADER, ["张三", "13800138000"]])
    assert threads == ["memberctl-read-ahead"]


def test_errors_on_the_thread_reach_the_caller(tmp_path):
    damaged = tmp_path / "bad.xlsx"
    damaged.write_bytes(b"PK\x03\x04 this is no workbook")
    excel.read_ahead(damaged, None)
    with pytest.raises(InvalidInput, match="cannot read 'bad.xlsx'"):
        excel.sheet_rows(damaged, None)
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER])
    excel.read_ahead(path, "nope")
    with pytest.raises(NotFound, match="no sheet 'nope'"):
        excel.sheet_rows(path, "nope")
