"""`memberctl export members`: filters, languages, masking, formula escaping, exact round trip."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.factories import enroll
from tests.spreadsheets.sheets import read_rows


@pytest.fixture
def shop(run, engine):
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
    enroll(engine, name="=HYPERLINK(1)", phone="+852 9123 4567", referrer="M000001", tags=["-x"])
    enroll(engine, name="李四", phone="13700137000", address="@home")
    run("member", "freeze", "M000003")
    return run


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_imports_back_unchanged(shop, tmp_path, suffix):
    from tests.conftest import Run

    path = tmp_path / f"members{suffix}"
    assert shop("export", "members", str(path)).exit_code == 0
    before = shop.json("member", "list")
    fresh = tmp_path / "fresh.db"
    other = Run(f"sqlite:///{fresh}")
    result = other(
        "import", "members", str(path), "--on-existing", "error", "--add-stores", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 3
    assert other.json("member", "list") == before


def test_formula_like_text_is_escaped_in_csv(shop, tmp_path):
    path = tmp_path / "m.csv"
    shop("export", "members", str(path))
    rows = read_rows(path)
    cells = {c for row in rows[1:] for c in row if isinstance(c, str)}
    assert {"'=HYPERLINK(1)", "'+85291234567", "'-x", "'@home"} <= cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def quote_prefixed(path):
    """{cell text: quote-prefix style?} of the text cells of an .xlsx's first sheet's data rows;
    asserts none is a formula cell."""
    from openpyxl import load_workbook

    sheet = load_workbook(path).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)
    return {c.value: c.quotePrefix for c in cells}


def test_formula_like_text_is_a_quote_prefixed_string_in_xlsx(shop, engine, tmp_path):
    """No visible quote in .xlsx: formula-like text and the landline are string cells with the
    quote-prefix style (a spreadsheet keeps them text when edited); other text has no prefix."""
    from tests.conftest import Run

    enroll(engine, name="座机", phone="+86 10 6234 5678")
    path = tmp_path / "m.xlsx"
    assert shop("export", "members", str(path)).exit_code == 0
    cells = quote_prefixed(path)
    for text in ("=HYPERLINK(1)", "+85291234567", "-x", "@home", "+861062345678"):
        assert cells[text] is True, text
    assert cells["张三"] is False and cells["13800138000"] is False
    assert not any(text.startswith("'") for text in cells)
    before = shop.json("member", "list")
    other = Run(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert other("import", "members", str(path), "--add-stores", "-f", "json").exit_code == 0
    assert other.json("member", "list") == before


def test_old_xlsx_exports_with_a_visible_quote_still_import(run, tmp_path):
    """An .xlsx written before quote-prefix cells (`'=HYPERLINK(1)`, `'+861062345678`) imports
    as it always did: the one quote is removed."""
    from tests.spreadsheets.sheets import write_xlsx

    path = write_xlsx(
        tmp_path / "old.xlsx", [["姓名", "手机号"], ["'=HYPERLINK(1)", "'+861062345678"]]
    )
    assert run("import", "members", str(path), "-f", "json").exit_code == 0
    [member] = run.json("member", "list")
    assert (member["name"], member["phone"]) == ("=HYPERLINK(1)", "+861062345678")


def test_phones_in_csv_export_as_a_spreadsheet_keeps_them(shop, engine, tmp_path):
    """Mainland mobiles as 11 digits, other numbers as `'+E.164`: LibreOffice reads
    `+861062345678` as a number."""
    enroll(engine, name="座机", phone="+86 10 6234 5678")
    path = tmp_path / "m.csv"
    assert shop("export", "members", str(path)).exit_code == 0
    phones = [row[2] for row in read_rows(path)[1:]]
    assert phones == ["13800138000", "'+85291234567", "13700137000", "'+861062345678"]


def test_headers_by_language_and_masked_phones(shop, tmp_path):
    zh, en = tmp_path / "zh.csv", tmp_path / "en.csv"
    shop("export", "members", str(zh))
    shop("export", "members", str(en), "--lang", "en", "--mask-phone")
    assert read_rows(zh)[0][:4] == ["会员卡号", "姓名", "手机号", "性别"]
    assert read_rows(zh)[1][3] == "男"
    rows = read_rows(en)
    assert rows[0][:4] == ["member_no", "name", "phone", "gender"]
    assert "status" in rows[0]
    assert rows[1][2:4] == ["138****8000", "male"]


def test_filters_like_member_list(shop, tmp_path):
    path = tmp_path / "m.csv"
    result = shop("export", "members", str(path), "--status", "frozen", "--format", "json")
    assert json.loads(result.stdout) == {"file": str(path), "rows": 1}
    assert read_rows(path)[1][1] == "李四"
    shop("export", "members", str(path), "--tag", "vip", "--tier", "gold", "--store", "总店")
    assert [r[0] for r in read_rows(path)[1:]] == ["M000001"]


def test_bad_suffix_is_a_usage_error(shop, tmp_path):
    result = shop("export", "members", str(tmp_path / "m.txt"))
    assert result.exit_code == 2
    assert "give a .xlsx, .ods or .csv file name" in result.stderr


def test_where_and_segment_like_member_list(shop, tmp_path):
    path = tmp_path / "m.csv"
    result = shop(
        "export",
        "members",
        str(path),
        "--where",
        "tier >= silver or status = frozen",
        "--format",
        "json",
    )
    assert json.loads(result.stdout)["rows"] == 2
    assert [r[0] for r in read_rows(path)[1:]] == ["M000001", "M000003"]
    assert shop("segment", "save", "vips", "tag = vip").exit_code == 0
    shop("export", "members", str(path), "--segment", "vips", "--status", "active")
    assert [r[0] for r in read_rows(path)[1:]] == ["M000001"]


def test_bad_where_and_unknown_segment(shop, tmp_path):
    from tests.conftest import error_line

    path = tmp_path / "m.csv"
    bad = shop("export", "members", str(path), "--where", "tier = gold and")
    assert bad.exit_code == 2
    assert "column 16" in error_line(bad)
    missing = shop("export", "members", str(path), "--segment", "nope")
    assert missing.exit_code == 3
    assert not path.exists()


def test_quoted_and_full_width_formulas_round_trip(run, engine, tmp_path):
    """Text already starting with a quote is escaped once more and comes back exactly; a tag
    that would run is escaped; text that would not is written as it is."""
    from tests.conftest import Run

    enroll(engine, name="'=1+2", phone="13800138001", tags=["＝SUM(A1)"])
    enroll(engine, name="王五", phone="13800138002", address="'plain")
    path = tmp_path / "m.xlsx"
    assert run("export", "members", str(path)).exit_code == 0
    cells = [row[1] for row in read_rows(path)[1:]]
    assert cells == ["''=1+2", "王五"]
    assert read_rows(path)[1][11] == "=SUM(A1)"  # NFKC at enrolment made ＝ a plain =
    assert quote_prefixed(path)["=SUM(A1)"] is True
    assert read_rows(path)[2][14] == "'plain"
    before = run.json("member", "list")
    other = Run(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert other("import", "members", str(path), "--add-stores", "-f", "json").exit_code == 0
    assert other.json("member", "list") == before


@pytest.mark.parametrize(
    "moment",
    [
        dt.date(1900, 1, 1),
        dt.date(1900, 2, 28),
        dt.date(1900, 3, 1),
        dt.date(2026, 11, 25),
        dt.datetime(1900, 3, 1, 0, 0, 1),
        dt.datetime(2026, 11, 25, 23, 59, 59, 999999),
    ],
)
def test_date_cells_hold_xlsxwriters_own_serials(moment):
    """Export turns dates into Excel serial numbers itself (the hot loop skips write_datetime):
    the same numbers xlsxwriter computes, Excel's phantom 29 February 1900 included."""
    from xlsxwriter.utility import _datetime_to_excel_datetime

    from memberctl.spreadsheets import export

    expected = _datetime_to_excel_datetime(moment, False, False)
    if isinstance(moment, dt.datetime):
        assert export._moment_serial(moment) == expected
    else:
        assert export._day_serial(moment) == expected
