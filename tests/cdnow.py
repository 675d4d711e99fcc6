"""The CDNOW sample (tests/data/cdnow/, see its README.md) as memberctl import files, and the
calibration summary the published table is about, worked out here in plain Python.

One member per sample customer (name `CDNOW 0001`, phone 1390000xxxx from the sample id), one
purchase per record (order number `CD<line>`, unique per record) at noon of its day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT = (dt.date(1997, 10, 1), dt.date(1998, 6, 30))  # 39 weeks, 273 days


def records() -> list[tuple[int, dt.date, str]]:
    """(sample id, day, dollars) of every record, in file order."""
    out = []
    for line in SAMPLE.read_text(encoding="ascii").splitlines():
        _, sample_id, day, _cds, dollars = line.split()
        when = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        out.append((int(sample_id), when, dollars))
    return out


def phone(sample_id: int) -> str:
    return f"1390000{sample_id:04d}"


def write_files(folder: Path) -> tuple[Path, Path]:
    """members.csv and purchases.csv for `import members` and `import purchases`."""
    rows = records()
    ids = sorted({sample_id for sample_id, _, _ in rows})
    members = folder / "members.csv"
    members.write_text(
        "姓名,手机号,注册时间\n" + "".join(f"CDNOW {i:04d},{phone(i)},1997-01-01\n" for i in ids),
        encoding="utf-8",
    )
    purchases = folder / "purchases.csv"
    purchases.write_text(
        "订单号,金额,时间,手机号\n"
        + "".join(
            f"CD{n:05d},{dollars},{day.isoformat()} 12:00,{phone(sample_id)}\n"
            for n, (sample_id, day, dollars) in enumerate(rows, start=1)
        ),
        encoding="utf-8",
    )
    return members, purchases


def days_by_customer() -> dict[int, set[dt.date]]:
    days: dict[int, set[dt.date]] = defaultdict(set)
    for sample_id, day, _ in records():
        days[sample_id].add(day)
    return days
