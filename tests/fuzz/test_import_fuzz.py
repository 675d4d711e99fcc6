"""`import members` on random sheets: random cells (unicode, control characters, huge strings,
numbers, dates, empty), random CSV encodings and garbage bytes, random typed .xlsx cells, and
.xlsx files truncated or overwritten at random offsets.

Every case ends in exit 0 or 5 (2 for a bad option value) with at most one `error:` line,
never a traceback, and a failed run leaves every table exactly as it was.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import fuzz_settings
from tests.fuzz.outcome import check_clean_outcome, table_counts
from tests.spreadsheets.sheets import write_xlsx

KNOWN = [
    "姓名",
    "手机号",
    "性别",
    "生日",
    "积分",
    "余额",
    "标签",
    "会员等级",
    "会员卡号",
    "推荐人",
    "门店",
    "邮箱",
    "注册时间",
    "name",
    "phone",
    "status",
    "状态",
]
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "latin-1", "utf-16", "garbage"]
ALLOWED = {0, 5}

phones = st.from_regex(r"\A1[3-9][0-9]{9}\Z").map(lambda p: p if len(p) < 12 else p[:11])
huge = st.builds(lambda char, n: char * n, st.sampled_from('x张\n,"0'), st.integers(5_000, 120_000))
words = st.text(max_size=30)  # any code point but surrogates: control characters, NUL, RTL...
numbers = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
dates = st.one_of(st.dates(), st.datetimes(min_value=dt.datetime(1900, 1, 1)))
labels = st.sampled_from(["男", "女", "gold", "vip", "=1+1", "'=1", "@SUM(A1)"])
cells = st.one_of(st.just(""), st.none(), words, phones, numbers, dates, labels)
cells_with_huge = st.one_of(cells, huge)
headers = st.lists(st.one_of(st.sampled_from(KNOWN), words), min_size=1, max_size=8)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell)


def _csv_bytes(header: list[str], rows: list[list[object]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    text = buffer.getvalue()
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    return text.encode(encoding, "replace")


def _import(run, path: Path, *options: str):
    return run("import", "members", str(path), "--format", "json", *options)


def _check(run, engine, path: Path, *options: str, allowed: set[int] = ALLOWED) -> int:
    before = table_counts(engine)
    result = _import(run, path, *options)
    check_clean_outcome(result, allowed)
    if result.exit_code != 0:
        assert table_counts(engine) == before, result.stderr
    return result.exit_code


@fuzz_settings(40)
@given(
    header=headers,
    rows=st.lists(st.lists(cells_with_huge, max_size=9), max_size=6),
    encoding=st.sampled_from(ENCODINGS),
    garbage=st.binary(max_size=400),
    flags=st.sampled_from([(), ("--skip-invalid",), ("--dry-run",), ("--on-existing", "update")]),
)
def test_random_csv(run, engine, tmp_path, header, rows, encoding, garbage, flags):
    path = tmp_path / "fuzz.csv"
    if encoding == "garbage":
        data = garbage
    else:
        data = _csv_bytes(header, [[_text(c) for c in row] for row in rows], encoding)
    path.write_bytes(data)
    _check(run, engine, path, "--errors", str(tmp_path / "rejects.csv"), *flags)


@fuzz_settings(20)
@given(
    header=st.lists(st.sampled_from(KNOWN), min_size=2, max_size=6, unique=True),
    rows=st.lists(st.lists(st.one_of(phones, cells), min_size=1, max_size=7), max_size=6),
    encoding=st.sampled_from(ENCODINGS[:-1]),
)
def test_plausible_csv_writes_all_or_nothing(run, engine, tmp_path, header, rows, encoding):
    """Known headers with a mix of good and bad values: exit 0 writes, exit 5 writes nothing."""
    path = tmp_path / "plausible.csv"
    path.write_bytes(_csv_bytes(header, [[_text(c) for c in row] for row in rows], encoding))
    _check(run, engine, path, "--errors", str(tmp_path / "rejects.csv"))


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what an .xlsx cannot hold at all


def _xlsx_cell(cell: object) -> object:
    if isinstance(cell, str):
        return _ILLEGAL.sub("", cell)[:32_000]  # Excel's limit per cell
    if isinstance(cell, Decimal):
        return float(cell)
    if isinstance(cell, int) and abs(cell) > 2**53:
        return str(cell)
    return cell


@fuzz_settings(15)
@given(header=headers, rows=st.lists(st.lists(cells_with_huge, max_size=9), max_size=6))
def test_random_xlsx_cells(run, engine, tmp_path, header, rows):
    path = tmp_path / "fuzz.xlsx"
    write_xlsx(path, [[_xlsx_cell(c) for c in header], *[[_xlsx_cell(c) for c in r] for r in rows]])
    _check(run, engine, path, "--errors", str(tmp_path / "rejects.xlsx"))


@pytest.fixture(scope="module")
def good_xlsx(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("good") / "good.xlsx"
    write_xlsx(
        path,
        [
            ["姓名", "手机号", "生日", "积分"],
            ["Ann", "13800138000", dt.date(1990, 5, 6), 10],
            ["Bob", 13900139000, "1991/2/3", 5],
        ],
    )
    return path.read_bytes()


@fuzz_settings(25)
@given(data=st.data())
def test_truncated_or_corrupted_xlsx(run, engine, tmp_path, good_xlsx, data):
    content = bytearray(good_xlsx)
    if data.draw(st.booleans(), label="truncate"):
        content = content[: data.draw(st.integers(0, len(content) - 1), label="cut at")]
    else:
        for _ in range(data.draw(st.integers(1, 20), label="bytes overwritten")):
            at = data.draw(st.integers(0, len(content) - 1), label="at")
            content[at] = data.draw(st.integers(0, 255), label="byte")
    path = tmp_path / "broken.xlsx"
    path.write_bytes(bytes(content))
    _check(run, engine, path, "--errors", str(tmp_path / "rejects.csv"))
