"""The one-pass fast paths of column parsing give exactly what the parsers give value by value.

`normalize.by_value` hands a column of more than 100 distinct values to the parser's `bulk` fast
path first (names, CN mobiles, dates, date-times) and only what it leaves to the parser itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from memberctl.errors import InvalidInput
from memberctl.spreadsheets import normalize

FILLER = 120  # distinct values added so that the bulk path is taken

NAMES = [
    "张三",
    "  张三 ",
    "张  三",
    "Ann Lee",
    "ＡＢＣ",
    "'=1+2",
    "x" * 100,
    "x" * 101,
    "",
    "王\u3000五",
    "李\t四",
    "e\u0301",
    "é",
    12,
    3.5,
    None,
]
PHONES = ["13800138000", " 13800138000", "138 0013 8000", "１３８００１３８０００", "12800138000",
          "1380013800", 13800138000, 13800138000.0, "1.38001E+10", "+8613800138000", "",
          None]  # fmt: skip
MOMENTS = ["2020-01-02", "2020-01-02 10:30", "2020-01-02T10:30:05", "2020-02-30",
           "2020-01-02 25:00", " 2020-01-02", "2020/1/2", "2020年1月2日", "45000", 45000.5,
           dt.datetime(2020, 1, 2, 10, 30), dt.datetime(2020, 1, 2, 10, 30, 0, 600_000),
           dt.datetime(2020, 1, 2, 23, 59, 59, 700_000),
           dt.datetime(2020, 1, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))),
           dt.date(2020, 1, 2), pd.Timestamp("2020-01-02 10:30"), "", None]  # fmt: skip


def _one_by_one(values: list[Any], parse: Any) -> tuple[list[Any], list[str | None]]:
    results, errors = [], []
    for raw in values:
        if normalize.is_blank(raw):
            results.append(normalize.blank_value(parse))
            errors.append(None)
            continue
        try:
            results.append(parse(raw))
            errors.append(None)
        except InvalidInput as exc:
            results.append(None)
            errors.append(str(exc))
    return results, errors


@pytest.mark.parametrize(
    ("parse", "values", "filler"),
    [
        (normalize.name, NAMES, [f"会员{i}" for i in range(FILLER)]),
        (normalize.phone("CN"), PHONES, [f"139{i:08d}" for i in range(FILLER)]),
        (normalize.phone("HK"), PHONES, [f"139{i:08d}" for i in range(FILLER)]),
        (
            normalize.datetime,
            MOMENTS,
            [f"2021-03-04 10:{i // 60:02d}:{i % 60:02d}" for i in range(FILLER)],
        ),
        (
            normalize.date,
            MOMENTS,
            [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(FILLER)],
        ),
    ],
    ids=["name", "phone CN", "phone HK", "datetime", "date"],
)
def test_bulk_path_equals_value_by_value(parse, values, filler):
    column = [*values, *filler, *values]
    assert len(set(map(repr, column))) > 100
    got = normalize.by_value(pd.Series(column, dtype=object), parse)
    assert got == _one_by_one(column, parse)


def test_bulk_keeps_whole_seconds_of_excel_times():
    moments = [dt.datetime(2020, 1, 2, 10, 30, 0, 999_990)] + [
        dt.datetime(2021, 1, 1) + dt.timedelta(hours=i) for i in range(FILLER)
    ]
    values, errors = normalize.by_value(pd.Series(moments, dtype=object), normalize.datetime)
    assert values[0] == dt.datetime(2020, 1, 2, 10, 30, 1)
    assert values[1:] == moments[1:]
    assert errors == [None] * len(moments)
