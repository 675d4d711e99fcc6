"""`.ods` out: `export members`, `template members` and report `--out`, read back with calamine
and with pandas' odf engine (odfpy), cell by cell: phones and formula-like text as string cells
with no visible `'`, dates as date cells, money as numbers; export -> import is exact."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest

from tests.conftest import Run, failure
from tests.factories import enroll
from tests.reportdata import AS_OF, seed
from tests.spreadsheets.sheets import read_ods


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
        address="北京  朝阳\n3 号",
    )
    enroll(engine, name="=HYPERLINK(1)", phone="+861062345678", referrer="M000001", tags=["-x"])
    enroll(engine, name="'=quoted", phone="13700137000", address="@home")
    return run


def _cells(path):
    return read_ods(path)


def test_export_members_to_ods_cells_are_exact(shop, tmp_path):
    path = tmp_path / "m.ods"
    result = shop("export", "members", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"file": str(path), "rows": 3}
    rows = _cells(path)
    assert rows[0] == [
        "会员卡号",
        "姓名",
        "手机号",
        "性别",
        "生日",
        "邮箱",
        "会员等级",
        "状态",
        "积分",
        "余额",
        "门店",
        "标签",
        "注册时间",
        "推荐人",
        "地址",
    ]
    ann, formula, quoted = rows[1:]
    assert ann[:12] == [
        "M000001",
        "张三",
        "13800138000",
        "男",
        dt.date(1990, 5, 6),
        "a@example.com",
        "gold",
        "active",
        0.0,
        0.0,
        "总店",
        "vip,新客",
    ]
    assert isinstance(ann[12], dt.datetime)
    assert ann[14] == "北京  朝阳\n3 号"
    # string cells, never formulas: no `'` in front, the phone is text, not the number 861062345678
    assert formula[1:3] == ["=HYPERLINK(1)", "+861062345678"]
    assert formula[11] == "-x" and formula[13] == "M000001"
    assert quoted[1] == "''=quoted"  # the one quote import removes, as in .xlsx
    assert quoted[14] == "@home"
    content = zipfile.ZipFile(path).read("content.xml").decode()
    assert 'office:value-type="string"><text:p>+861062345678</text:p>' in content
    assert "table:formula" not in content
    frame = pd.read_excel(path, engine="odf", dtype=object)  # odfpy reads it too
    assert list(frame["手机号"]) == ["13800138000", "+861062345678", "13700137000"]
    # money shows two decimals in Calc, as in the .xlsx (0.00, not 0)
    assert (
        '<table:table-cell table:style-name="money" office:value-type="float" '
        'office:value="0.00"><text:p>0.00</text:p></table:table-cell>'
    ) in content
    assert 'style:name="N_MONEY"><number:number number:decimal-places="2"' in content


def test_ods_export_imports_back_unchanged(shop, tmp_path):
    path = tmp_path / "members.ods"
    assert shop("export", "members", str(path)).exit_code == 0
    before = shop.json("member", "list")
    other = Run(f"sqlite:///{tmp_path / 'fresh.db'}")
    result = other("import", "members", str(path), "--add-stores", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 3
    assert other.json("member", "list") == before
    assert other.json("member", "show", "M000003")["name"] == "'=quoted"
    assert other.json("member", "show", "M000001")["address"] == "北京  朝阳\n3 号"


def test_export_to_an_unknown_suffix_names_ods(shop, tmp_path):
    failure(
        shop("export", "members", str(tmp_path / "m.txt")),
        2,
        "give a .xlsx, .ods or .csv file name",
    )


def test_template_to_ods_imports_its_example_row(run, tmp_path):
    path = tmp_path / "t.ods"
    result = run("template", "members", str(path))
    assert result.exit_code == 0, result.stderr
    rows = _cells(path)
    assert rows[0][:4] == ["姓名", "手机号", "性别", "生日"]
    assert rows[1][:4] == ["张三", "13800138000", "男", dt.date(1990, 5, 6)]
    result = run("import", "members", str(path), "--add-stores", "--format", "json")
    assert result.exit_code == 0, result.stderr
    member = run.json("member", "show", "13800138000")
    assert (member["points"], member["balance"], member["tags"]) == (100, "50.00", ["vip", "新客"])
    failure(
        run("template", "members", str(tmp_path / "t.csv")), 2, "give a .xlsx or .ods file name"
    )


@pytest.fixture
def report_shop(engine):
    return seed(engine)


DAY = ["--as-of", AS_OF.isoformat()]


@pytest.mark.parametrize(
    ("report", "sheets"),
    [
        ("summary", ["summary", "by_status", "by_tier"]),
        ("growth", ["growth"]),
        ("rfm", ["segments", "rfm"]),
        ("kpi", ["kpi", "previous", "change", "change_pct"]),
    ],
)
@pytest.mark.usefixtures("report_shop")
def test_report_to_ods_has_the_sheets_and_no_charts(run, tmp_path, report, sheets):
    out = tmp_path / f"{report}.ods"
    result = run("report", report, *DAY, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"wrote {out} (sheets: {', '.join(sheets)})"
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(out)).sheet_names == sheets
    assert not [n for n in zipfile.ZipFile(out).namelist() if "Object" in n or "chart" in n]


@pytest.mark.usefixtures("report_shop")
def test_report_growth_to_ods_has_the_numbers_as_the_xlsx(run, tmp_path):
    out = tmp_path / "growth.ods"
    assert run("report", "growth", *DAY, "-f", "ods", "--out", str(out)).exit_code == 0
    rows = _cells(out)
    assert rows[0] == ["month", "new_members", "total_members"]
    assert rows[-1] == ["2026-11", 2.0, 7.0]
    xlsx = tmp_path / "growth.xlsx"
    run("report", "growth", *DAY, "--out", str(xlsx))
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(xlsx))
    assert book.get_sheet_by_name("growth").to_python() == rows


@pytest.mark.usefixtures("report_shop")
def test_report_ods_needs_out(run):
    failure(run("report", "summary", "-f", "ods"), 2, "--format ods needs --out FILE")


@pytest.mark.usefixtures("report_shop")
def test_report_phones_in_ods_are_text(run, tmp_path):
    out = tmp_path / "churn.ods"
    assert run("report", "churn", *DAY, "--show-pii", "--out", str(out)).exit_code == 0
    rows = _cells(out)
    phones = [row[rows[0].index("phone")] for row in rows[1:]]
    assert phones and all(isinstance(p, str) and p.startswith("+86") for p in phones)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_our_ods_cell_for_cell(shop, tmp_path):
    path = tmp_path / "m.ods"
    shop("export", "members", str(path))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "lo"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(tmp_path / "lo" / "m.xlsx"))
    assert book.sheet_names == ["members"]
    assert book.get_sheet_by_name("members").to_python() == _cells(path)
