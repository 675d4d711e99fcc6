"""The fixture files written by LibreOffice itself, in tests/fixtures/libreoffice/.

The source sheets are written here with openpyxl (deterministic content, ten members), then
LibreOffice Calc (`soffice --headless --convert-to`, a profile of its own) saves them the way a
shop's LibreOffice would:

- members.ods, members.xlsx, members.xls, members.gbk.csv: a merged title row
  (`2024年会员名单` across the header width), the headers on row 2, phones as numbers, birthdays
  as date cells (`yyyy-mm-dd`), and a total row (`合计` with a sum of the points) at the bottom;
  the CSV in GBK (LibreOffice's character set 67; 喆 is in GBK, not in GB 2312);
- scientific_phone.xlsx: headers on row 1 and one phone that Calc made the number 13800000000
  shown as `1.38E+10` (number format `0.00E+00`), issue 15 item 4.

Run it again after changing the content, and commit the files with the script:

    python scripts/make_libreoffice_fixtures.py

tests/spreadsheets/test_libreoffice_files.py imports the files and, where soffice is installed,
regenerates them (`make`) and compares their cells with the committed ones.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "libreoffice"
TIMEOUT = 120  # seconds per conversion
TITLE = "2024年会员名单"
HEADERS = ["姓名", "手机号", "性别", "生日", "积分", "门店"]
# name, phone (a number, as a sheet holds it), gender, birthday, points, store
MEMBERS = [
    ("张伟", 13800000001, "男", dt.date(1985, 3, 5), 120, "总店"),
    ("王芳", 13800000002, "女", dt.date(1990, 7, 21), 0, "总店"),
    ("李娜", 13800000003, "女", dt.date(1978, 12, 1), 350, "东门店"),
    ("刘洋", 13800000004, "男", dt.date(2001, 1, 15), 80, "东门店"),
    ("陈静", 13800000005, "女", dt.date(1995, 5, 30), 45, "西门店"),
    ("杨喆", 13800000006, "男", dt.date(1988, 10, 9), 1000, "西门店"),
    ("赵敏", 13800000007, "女", dt.date(1969, 2, 28), 5, "总店"),
    ("黄磊", 13800000008, "男", dt.date(1992, 8, 17), 60, "东门店"),
    ("周婷", 13800000009, "女", dt.date(2000, 4, 4), 200, "总店"),
    ("吴昊", 13800000010, "男", dt.date(1983, 11, 11), 75, "西门店"),
]
TOTAL = "合计"
SCIENTIFIC = [
    ("孙丽", 13800000011, "女", dt.date(1991, 6, 6)),
    ("马超", 13800000000, "男", dt.date(1987, 9, 19)),  # shown as 1.38E+10: rounded by Calc
    ("朱琳", 13800000012, "女", dt.date(1999, 3, 3)),
]
CSV_GBK = "csv:Text - txt - csv (StarCalc):44,34,67"  # comma, double quote, GBK
# fixture name -> (source sheet, LibreOffice's --convert-to)
OUTPUTS = {
    "members.ods": ("members", "ods"),
    "members.xlsx": ("members", "xlsx"),
    "members.xls": ("members", "xls:MS Excel 97"),
    "members.gbk.csv": ("members", CSV_GBK),
    "scientific_phone.xlsx": ("scientific", "xlsx"),
}


def _book() -> Any:
    from openpyxl import Workbook

    return Workbook()


def write_members(path: Path) -> Path:
    """Title row merged across the headers, the members, a total row with a sum."""
    book = _book()
    sheet = book.active
    assert sheet is not None
    sheet.title = "会员"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(HEADERS)
    for member in MEMBERS:
        sheet.append(list(member))
    last = len(MEMBERS) + 2
    sheet.append([TOTAL, None, None, None, f"=SUM(E3:E{last})", None])
    for row in sheet.iter_rows(min_row=3, max_row=last):
        row[1].number_format = "0"
        row[3].number_format = "yyyy-mm-dd"
    book.save(path)
    return path


def write_scientific(path: Path) -> Path:
    book = _book()
    sheet = book.active
    assert sheet is not None
    sheet.title = "会员"
    sheet.append(HEADERS[:4])
    for member in SCIENTIFIC:
        sheet.append(list(member))
    for row in sheet.iter_rows(min_row=2):
        row[1].number_format = "0.00E+00" if row[1].value == 13800000000 else "0"
        row[3].number_format = "yyyy-mm-dd"
    book.save(path)
    return path


SOURCES = {"members": write_members, "scientific": write_scientific}


def convert(soffice: str, src: Path, fmt: str, outdir: Path) -> Path:
    """`src` saved by LibreOffice as `fmt` into `outdir` (a profile of its own, removed after)."""
    profile = outdir / f".lo-profile-{uuid.uuid4().hex}"
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        str(src),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    result = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    if done.returncode != 0 or not result.exists() or result.stat().st_size == 0:
        raise RuntimeError(f"soffice could not convert {src.name} to {fmt}: {done.stderr}")
    return result


def make(outdir: Path, soffice: str = "soffice") -> list[Path]:
    """Write every fixture into `outdir`; returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="memberctl-fixtures-") as work:
        sources = {name: write(Path(work) / f"{name}.src.xlsx") for name, write in SOURCES.items()}
        for target, (source, fmt) in OUTPUTS.items():
            out = Path(work) / f"out-{uuid.uuid4().hex}"
            out.mkdir()
            made = convert(soffice, sources[source], fmt, out)
            written.append(Path(shutil.move(made, outdir / target)))
    return written


def main() -> int:
    soffice = shutil.which("soffice")
    if soffice is None:
        sys.stderr.write("LibreOffice (soffice) is not installed\n")
        return 1
    for path in make(FIXTURES, soffice):
        sys.stdout.write(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
