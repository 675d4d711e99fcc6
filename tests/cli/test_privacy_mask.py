"""Phone masking: reports mask phones by default; `member show` and `member list` on request
(`--mask-phone`), in every format."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import enroll

DAY = ("--as-of", "2026-11-25")


@pytest.fixture(autouse=True)
def members(engine):
    return [
        enroll(engine, name="张三", phone="13800138000", birthday="1990-11-28"),
        enroll(engine, name="李四", phone="+85291234567", birthday="1985-12-01"),
    ]


def test_show_masks_the_phone_on_request_in_json(run, members):
    plain = run.json("member", "show", members[0].member_no)
    masked = run.json("member", "show", members[0].member_no, "--mask-phone")
    assert (plain["phone"], masked["phone"]) == ("+8613800138000", "138****8000")
    assert {k: v for k, v in masked.items() if k != "phone"} == {
        k: v for k, v in plain.items() if k != "phone"
    }


def test_show_masks_the_phone_in_a_table(run):
    result = run("member", "show", "13800138000", "--mask-phone")
    assert result.exit_code == 0, result.stderr
    assert "138****8000" in result.stdout
    assert "13800138000" not in result.stdout and "138 0013 8000" not in result.stdout


def test_show_without_the_option_shows_the_national_number(run):
    result = run("member", "show", "13800138000")
    assert result.exit_code == 0, result.stderr
    assert "138 0013 8000" in result.stdout and "****" not in result.stdout


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_list_masks_every_phone_on_request(run, fmt):
    result = run("member", "list", "--mask-phone", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert "138****8000" in result.stdout and "852****4567" in result.stdout
    for full in ("13800138000", "138 0013 8000", "91234567", "9123 4567"):
        assert full not in result.stdout


def test_list_csv_with_masked_phones_keeps_every_column(run):
    result = run("member", "list", "--mask-phone", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "138****8000" in [r["phone"] for r in rows]
    assert {r["phone"] for r in rows} <= {"138****8000", "852****4567"}
    assert sorted(r["name"] for r in rows) == ["张三", "李四"]


def test_list_without_the_option_shows_full_phones(run):
    data = run.json("member", "list")
    assert sorted(r["phone"] for r in data) == ["+85291234567", "+8613800138000"]


@pytest.mark.parametrize(
    "report", [("birthdays", "--days", "30"), ("churn",), ("rfm",), ("upgrades",)]
)
def test_reports_mask_phones_by_default(run, report):
    for number, amount in (("13800138000", "900"), ("+85291234567", "4500")):
        at = "2026-03-01T10:00" if report[0] == "churn" else "2026-11-01T10:00"
        assert run("purchase", "record", number, amount, "--at", at).exit_code == 0
    data = run.json("report", *report, *DAY)
    rows = data if isinstance(data, list) else data.get("rows", data.get("members", []))
    assert rows, data
    assert "138****8000" in [r["phone"] for r in rows]
    assert {r["phone"] for r in rows} <= {"138****8000", "852****4567"}
