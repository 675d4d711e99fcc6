"""Import/export speed beside floors measured in the same run (a plain script, not a test).

    python benchmarks/import_export.py [--rows 100000] [--csv-rows 1000000]

Generates N members as .xlsx and .csv, then times, each in a fresh subprocess with its peak RSS:
- floor: calamine reading the .xlsx, then raw sqlite3 executemany of the same rows in one
  transaction;
- `memberctl import members FILE.xlsx` end to end (fresh SQLite database);
- `memberctl import members FILE.csv` streamed, with --csv-rows rows (peak RSS is the point);
- `memberctl export members OUT.xlsx` beside a bare xlsxwriter constant_memory write of the same
  rows;
- `sqlite-utils insert --csv` when it is installed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["姓名", "手机号", "性别", "生日", "会员等级", "积分", "余额", "门店", "标签", "注册时间"]

FLOOR = """
import sqlite3, sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()[1:]
read = time.perf_counter() - t
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("create table m (name, phone, gender, birthday, tier, points, balance, store, tags,"
           " joined)")
t = time.perf_counter()
db.execute("begin")
db.executemany("insert into m values (?,?,?,?,?,?,?,?,?,?)", rows)
db.execute("commit")
print(read, time.perf_counter() - t)
"""

BARE_EXPORT = """
import sqlite3, sys, time, xlsxwriter
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select member_no, name, phone, gender, birthday, email, tier_code, status,"
                  " points, balance, store, '', joined_at, '', address from member").fetchall()
t = time.perf_counter()
book = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
sheet = book.add_worksheet()
for r, row in enumerate(rows):
    sheet.write_row(r, 0, row)
book.close()
print(time.perf_counter() - t)
"""


def member_rows(count: int, seed: int = 1):
    rng = random.Random(seed)
    start = dt.datetime(2022, 1, 1, 9)
    for i in range(count):
        yield [
            f"会员{i}", f"1{rng.choice('3578')}{i:09d}", rng.choice(["男", "女", ""]),
            dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000)),
            rng.choice(["basic", "silver", "gold"]), rng.randrange(0, 5000),
            rng.choice([0, 50, 100.5]), rng.choice(["总店", "朝阳店"]),
            rng.choice(["", "vip", "vip,新客"]), start + dt.timedelta(minutes=i),
        ]  # fmt: skip


def write_xlsx(path: Path, count: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    date, moment = (
        book.add_format({"num_format": "yyyy-mm-dd"}),
        book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    )
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(member_rows(count), start=1):
        sheet.write_row(r, 0, row[:3])
        sheet.write_datetime(r, 3, row[3], date)
        sheet.write_row(r, 4, row[4:9])
        sheet.write_datetime(r, 9, row[9], moment)
    book.close()


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(member_rows(count))


def timed(command: list[str]) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) and stdout of one subprocess."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{err}")
    return seconds, usage.ru_maxrss / 1024, out


def memberctl(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "memberctl", "--db", str(db), "--no-input", *args]


def line(label: str, rows: int, seconds: float, rss: float | None = None, note: str = "") -> None:
    memory = f"{rss:8.0f} MiB" if rss is not None else " " * 12
    print(f"{label:44} {seconds:7.2f} s {rows / seconds:10,.0f} rows/s {memory}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="memberctl-bench-"))
    try:
        run(work, args.rows, args.csv_rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, rows: int, csv_rows: int) -> None:
    xlsx, small_csv, big_csv = work / "m.xlsx", work / "m.csv", work / "big.csv"
    write_xlsx(xlsx, rows)
    write_csv(small_csv, rows)
    print(f"{rows:,} members; {csv_rows:,} for the streamed CSV; Python {sys.version.split()[0]}")
    seconds, rss, out = timed([sys.executable, "-c", FLOOR, str(xlsx), str(work / "floor.db")])
    read, insert = map(float, out.split())
    line("floor: calamine read", rows, read)
    line("floor: raw sqlite3 executemany", rows, insert)
    line("floor: read + insert", rows, read + insert, rss)
    floor = read + insert
    took, rss, _ = timed(memberctl(work / "x.db", "import", "members", str(xlsx), "-f", "json"))
    line("memberctl import members (.xlsx)", rows, took, rss, f"{took / floor:.1f}x the floor")
    took, rss, _ = timed(
        memberctl(work / "c.db", "import", "members", str(small_csv), "-f", "json")
    )
    line("memberctl import members (.csv)", rows, took, rss)
    bare, _, out = timed(
        [sys.executable, "-c", BARE_EXPORT, str(work / "x.db"), str(work / "b.xlsx")]
    )
    bare_write = float(out)
    line("bare xlsxwriter constant_memory write", rows, bare_write)
    took, rss, _ = timed(
        memberctl(work / "x.db", "export", "members", str(work / "out.xlsx"), "-f", "json")
    )
    line(
        "memberctl export members (.xlsx)", rows, took, rss, f"{took / bare_write:.2f}x bare write"
    )
    took, rss, _ = timed(
        memberctl(work / "x.db", "export", "members", str(work / "out.csv"), "-f", "json")
    )
    line("memberctl export members (.csv)", rows, took, rss)
    if shutil.which("sqlite-utils"):
        took, rss, _ = timed(
            ["sqlite-utils", "insert", str(work / "su.db"), "m", str(small_csv), "--csv"]
        )
        line("sqlite-utils insert --csv", rows, took, rss)
    if csv_rows:
        write_csv(big_csv, csv_rows)
        took, rss, _ = timed(
            memberctl(work / "big.db", "import", "members", str(big_csv), "-f", "json")
        )
        line("memberctl import members (big .csv, streamed)", csv_rows, took, rss)


if __name__ == "__main__":
    main()
