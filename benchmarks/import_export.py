"""Import/export speed beside floors measured in the same run (a plain script, not a test).

    python benchmarks/import_export.py [--rows 100000] [--csv-rows 1000000]

Generates N members as .xlsx and .csv, then times, each in a fresh subprocess with its peak RSS
and its CPU time (user + system; on a shared machine compare CPU, wall time waits for the others):
- floor (the issue's): calamine reading the .xlsx, then raw sqlite3 executemany of the same rows
  into one table without indexes, in one transaction;
- schema floor: the same read, then raw executemany of exactly the rows the import wrote
  (member, tags, enrolments, points and wallet entries, the import_change rows `import undo`
  needs) into memberctl's tables with their indexes, WAL and foreign keys as memberctl opens
  them: what the schema costs by itself;
- `memberctl import members FILE.xlsx` / `FILE.csv` end to end, into a database whose schema is
  already in place (`db upgrade` is run first, untimed);
- `memberctl import members FILE.csv` streamed, with --csv-rows rows (peak RSS is the point),
  beside its floor: pandas reading the CSV in the same chunks, raw executemany into one table;
  and beside its schema floor: pandas reading the CSV in the same chunks (as the import reads
  it), then raw executemany of exactly the rows that import wrote into memberctl's tables (the
  rows fetched from the import's database 50,000 at a time, the fetching not timed);
- `memberctl import members FILE.ods` (the same rows as an .ods, written by memberctl's own
  streamed writer) beside the floor measured on that file (calamine reading the .ods, then the
  same raw executemany);
- `memberctl export members OUT.xlsx` beside a bare xlsxwriter constant_memory write of the same
  rows; then OUT.csv and OUT.ods once;
- `sqlite-utils insert --csv` when it is installed.

`--repeat N` runs the 100,000-row floors and imports N times, alternately (floor, schema floor,
.xlsx import, .csv import, sqlite-utils), and prints each run and the medians: on a shared
machine the ratios of one round are what to compare.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["姓名", "手机号", "性别", "生日", "会员等级", "积分", "余额", "门店", "标签", "注册时间"]

FLOOR = """
import sqlite3, sys, time
from python_calamine import CalamineWorkbook
t, c = time.perf_counter(), time.process_time()
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()[1:]
read, read_cpu = time.perf_counter() - t, time.process_time() - c
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("create table m (name, phone, gender, birthday, tier, points, balance, store, tags,"
           " joined)")
t, c = time.perf_counter(), time.process_time()
db.execute("begin")
db.executemany("insert into m values (?,?,?,?,?,?,?,?,?,?)", rows)
db.execute("commit")
print(read, time.perf_counter() - t, read_cpu, time.process_time() - c)
"""

CSV_FLOOR = """
import sqlite3, sys, time
import pandas as pd
t, c = time.perf_counter(), time.process_time()
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("create table m (name, phone, gender, birthday, tier, points, balance, store, tags,"
           " joined)")
db.execute("begin")
for frame in pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_filter=False,
                         chunksize=50_000):
    db.executemany("insert into m values (?,?,?,?,?,?,?,?,?,?)",
                   frame.itertuples(index=False, name=None))
db.execute("commit")
print(time.perf_counter() - t, time.process_time() - c)
"""

# The schema floors' common part: a database with memberctl's schema (read from the one the
# import wrote, argv[2]) at argv[3], holding the import's parent rows; `put` writes rows raw.
_SCHEMA_COPY = """
TABLES = ["member", "member_tag", "lifecycle_change", "points_entry", "wallet_entry",
          "import_change"]
src = sqlite3.connect(sys.argv[2])  # what the import wrote
parents = {t: src.execute(f"select * from {t}").fetchall() for t in ("tier", "import_run")}
schema = [s for (s,) in src.execute("select sql from sqlite_master where sql is not null"
                                    " and name not like 'sqlite_%'")]
db = sqlite3.connect(sys.argv[3], isolation_level=None)
for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "temp_store=MEMORY"):
    db.execute("pragma " + pragma)
for statement in schema:
    db.execute(statement)
def put(table, rows):
    if rows:
        marks = ",".join("?" * len(rows[0]))
        db.executemany(f"insert into {table} values ({marks})", rows)
for table, rows in parents.items():
    put(table, rows)
"""

SCHEMA_FLOOR = (
    """
import sqlite3, sys, time
from python_calamine import CalamineWorkbook
"""
    + _SCHEMA_COPY
    + """
data = {t: src.execute(f"select * from {t} order by rowid").fetchall() for t in TABLES}
t, c = time.perf_counter(), time.process_time()
CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
db.execute("begin immediate")
for table in TABLES:
    put(table, data[table])
db.execute("commit")
print(time.perf_counter() - t, time.process_time() - c)
"""
)

CSV_SCHEMA_FLOOR = (
    """
import sqlite3, sys, time
import pandas as pd
"""
    + _SCHEMA_COPY
    + """
wall = cpu = 0.0
def timed(work):
    global wall, cpu
    t, c = time.perf_counter(), time.process_time()
    work()
    wall, cpu = wall + time.perf_counter() - t, cpu + time.process_time() - c
def read():
    for frame in pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_filter=False,
                             header=None, skiprows=1, skip_blank_lines=False,
                             chunksize=50_000, index_col=False):
        pass
timed(read)
timed(lambda: db.execute("begin immediate"))
for table in TABLES:
    cursor = src.execute(f"select * from {table} order by rowid")
    while rows := cursor.fetchmany(50_000):  # fetching is not timed
        timed(lambda: put(table, rows))
timed(lambda: db.execute("commit"))
print(wall, cpu)
"""
)

BARE_EXPORT = """
import sqlite3, sys, time, xlsxwriter
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select member_no, name, phone, gender, birthday, email, tier_code, status,"
                  " points, balance, store, '', joined_at, '', address from member").fetchall()
t, c = time.perf_counter(), time.process_time()
book = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
sheet = book.add_worksheet()
for r, row in enumerate(rows):
    sheet.write_row(r, 0, row)
book.close()
print(time.perf_counter() - t, time.process_time() - c)
"""


def member_rows(count: int, seed: int = 1):
    rng = random.Random(seed)
    start = dt.datetime(2022, 1, 1, 9)
    for i in range(count):
        yield [
            f"会员{i}",
            f"1{rng.choice('3578')}{i:09d}",
            rng.choice(["男", "女", ""]),
            dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000)),
            rng.choice(["basic", "silver", "gold"]),
            rng.randrange(0, 5000),
            rng.choice([0, 50, 100.5]),
            rng.choice(["总店", "朝阳店"]),
            rng.choice(["", "vip", "vip,新客"]),
            start + dt.timedelta(minutes=i),
        ]


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


def write_ods(path: Path, count: int) -> None:
    from memberctl.spreadsheets.ods import write_ods as write

    with path.open("wb") as stream:
        write(stream, [("Sheet1", HEADER, member_rows(count))])


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(member_rows(count))


def timed(command: list[str]) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) and stdout of one subprocess."""
    seconds, _, rss, out = measured(command)
    return seconds, rss, out


def measured(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MiB) and stdout of one subprocess."""
    began = time.perf_counter()
    process = subprocess.Popen(  # not run in a checkout: `-m memberctl` would import from it
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd="/"
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{err}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def memberctl(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "memberctl", "--db", str(db), "--no-input", *args]


def line(label: str, rows: int, seconds: float, rss: float | None = None, note: str = "") -> None:
    memory = f"{rss:8.0f} MiB" if rss is not None else " " * 12
    print(f"{label:44} {seconds:7.2f} s {rows / seconds:10,.0f} rows/s {memory}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the 100,000-row imports")
    parser.add_argument(
        "--compare",
        metavar="DIR",
        help="also run the imports of each round with memberctl from DIR (a checkout, e.g. of "
        "the commit before), on PYTHONPATH, labelled 'before'",
    )
    parser.add_argument(
        "--only", choices=["imports", "big"], help="only the 100,000-row imports, or the big .csv"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="memberctl-bench-"))
    try:
        run(work, args.rows, args.csv_rows, args.repeat, args.only, args.compare)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(
    work: Path,
    rows: int,
    csv_rows: int,
    repeat: int = 1,
    only: str | None = None,
    compare: str | None = None,
) -> None:
    xlsx, small_csv, big_csv = work / "m.xlsx", work / "m.csv", work / "big.csv"
    print(f"{rows:,} members; {csv_rows:,} for the streamed CSV; Python {sys.version.split()[0]}")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if only != "big":
        write_xlsx(xlsx, rows)
        write_csv(small_csv, rows)
        imports(work, xlsx, small_csv, rows, repeat, compare)
    if only is None:
        ods_import(work, rows)
        exports(work, rows)
    if csv_rows and only != "imports":
        write_csv(big_csv, csv_rows)
        big_import(work, big_csv, csv_rows)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


# --- export ----------------------------------------------------------------------------------


def exports(work: Path, rows: int, repeat: int = 3) -> None:
    """`export members` of x.db to .xlsx end to end beside a bare xlsxwriter write of the same
    rows (the write alone), alternately `repeat` times: medians, CPU beside wall time (the
    machine may be shared). Then the .csv export once."""
    bare, ours, xlsx = [], [], str(work / "out.xlsx")
    for _ in range(repeat):
        _, _, _, out = measured(
            [sys.executable, "-c", BARE_EXPORT, str(work / "x.db"), str(work / "b.xlsx")]
        )
        bare.append([float(part) for part in out.split()])
        ours.append(measured(memberctl(work / "x.db", "export", "members", xlsx, "-f", "json"))[:3])
    bare_wall, bare_cpu = (statistics.median(b[i] for b in bare) for i in (0, 1))
    wall, cpu, rss = (statistics.median(o[i] for o in ours) for i in (0, 1, 2))
    cpu_line(
        "bare xlsxwriter constant_memory write",
        rows,
        bare_wall,
        bare_cpu,
        note=f"median of {repeat}",
    )
    note = f"{wall / bare_wall:.2f}x bare write (CPU {cpu / bare_cpu:.2f}x), median of {repeat}"
    cpu_line("memberctl export members (.xlsx)", rows, wall, cpu, rss, note)
    wall, cpu, rss, _ = measured(
        memberctl(work / "x.db", "export", "members", str(work / "out.csv"), "-f", "json")
    )
    cpu_line("memberctl export members (.csv)", rows, wall, cpu, rss)
    wall, cpu, rss, _ = measured(
        memberctl(work / "x.db", "export", "members", str(work / "out.ods"), "-f", "json")
    )
    cpu_line("memberctl export members (.ods)", rows, wall, cpu, rss)


# --- import ----------------------------------------------------------------------------------


def cpu_line(
    label: str, rows: int, wall: float, cpu: float, rss: float | None = None, note: str = ""
) -> None:
    memory = f"{rss:8.0f} MiB" if rss is not None else " " * 12
    print(f"{label:44} {wall:7.2f} s {cpu:6.2f} s CPU {rows / wall:9,.0f} rows/s {memory}  {note}")


def ratio(wall: float, cpu: float, floor: tuple[float, float], what: str) -> str:
    return f"{wall / floor[0]:.2f}x {what} (CPU {cpu / floor[1]:.2f}x)"


def imports(
    work: Path, xlsx: Path, small_csv: Path, rows: int, repeat: int = 1, compare: str | None = None
) -> None:
    """The 100,000-row imports beside both floors and sqlite-utils, `repeat` rounds one after
    the other (each round: floor, import, schema floor, csv import, sqlite-utils), then the
    medians; leaves x.db for export."""
    rounds = [_import_round(work, xlsx, small_csv, rows, compare) for _ in range(repeat)]
    if repeat == 1:
        return
    print(f"medians of {repeat} rounds:")
    labels = list(rounds[0])
    median = {
        label: tuple(statistics.median(r[label][i] for r in rounds) for i in range(3))
        for label in labels
    }
    floor, schema = median["floor"], median["schema"]
    for label in labels:
        wall, cpu, rss = median[label]
        note = ""
        if "memberctl" in label or label.startswith("sqlite-utils"):
            note = ratio(wall, cpu, floor, "the floor")
            note += ", " + ratio(wall, cpu, schema, "schema floor")
            cpus = sorted(r[label][1] / r["schema"][1] for r in rounds)
            note += f", CPU/schema floor per round {min(cpus):.2f}-{max(cpus):.2f}"
        cpu_line(f"  {label}", rows, wall, cpu, rss or None, note)


def _import_round(
    work: Path, xlsx: Path, small_csv: Path, rows: int, compare: str | None = None
) -> dict[str, tuple[float, float, float]]:
    found: dict[str, tuple[float, float, float]] = {}
    if compare:
        env = {**os.environ, "PYTHONPATH": compare}
        for kind, source in (("xlsx", xlsx), ("csv", small_csv)):
            db = work / f"before-{kind}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            measured(memberctl(db, "db", "upgrade"), env)
            command = memberctl(db, "import", "members", str(source), "--add-stores", "-f", "json")
            found[f"before: memberctl import members (.{kind})"] = measured(command, env)[:3]
            cpu_line(
                f"before: memberctl import members (.{kind})",
                rows,
                *found[f"before: memberctl import members (.{kind})"],
            )
    for name in ("floor.db", "x.db", "c.db", "s.db", "su.db"):
        for suffix in ("", "-wal", "-shm"):
            (work / (name + suffix)).unlink(missing_ok=True)
    _, _, _, out = measured([sys.executable, "-c", FLOOR, str(xlsx), str(work / "floor.db")])
    read, insert, read_cpu, insert_cpu = map(float, out.split())
    floor = (read + insert, read_cpu + insert_cpu)
    found["floor"] = (*floor, 0.0)
    cpu_line("floor: calamine read", rows, read, read_cpu)
    cpu_line("floor: raw sqlite3 executemany, one table", rows, insert, insert_cpu)
    cpu_line("floor: read + insert", rows, *floor)
    for db in ("x.db", "c.db"):
        measured(memberctl(work / db, "db", "upgrade"))  # the schema in place, untimed
    wall, cpu, rss, _ = measured(
        memberctl(work / "x.db", "import", "members", str(xlsx), "--add-stores", "-f", "json")
    )
    found["memberctl import members (.xlsx)"] = (wall, cpu, rss)
    command = [sys.executable, "-c", SCHEMA_FLOOR, str(xlsx), str(work / "x.db")]
    schema = tuple(map(float, measured([*command, str(work / "s.db")])[3].split()))
    found["schema"] = (*schema, 0.0)
    cpu_line("schema floor: read + the import's rows, raw", rows, *schema)
    note = f"{ratio(wall, cpu, floor, 'the floor')}, {ratio(wall, cpu, schema, 'schema floor')}"
    cpu_line("memberctl import members (.xlsx)", rows, wall, cpu, rss, note)
    wall, cpu, rss, _ = measured(
        memberctl(work / "c.db", "import", "members", str(small_csv), "--add-stores", "-f", "json")
    )
    found["memberctl import members (.csv)"] = (wall, cpu, rss)
    cpu_line("memberctl import members (.csv)", rows, wall, cpu, rss)
    tool = shutil.which("sqlite-utils") or shutil.which(
        "sqlite-utils", path=str(Path(sys.executable).parent)
    )
    if tool:
        su_wall, su_cpu, su_rss, _ = measured(
            [tool, "insert", str(work / "su.db"), "m", str(small_csv), "--csv"]
        )
        found["sqlite-utils insert --csv (no validation)"] = (su_wall, su_cpu, su_rss)
        cpu_line("sqlite-utils insert --csv (no validation)", rows, su_wall, su_cpu, su_rss)
    return found


def ods_import(work: Path, rows: int) -> None:
    """The same rows as an .ods: its floor (calamine reading the .ods + raw executemany) and
    the import end to end."""
    ods = work / "m.ods"
    write_ods(ods, rows)
    _, _, _, out = measured([sys.executable, "-c", FLOOR, str(ods), str(work / "ofloor.db")])
    read, insert, read_cpu, insert_cpu = map(float, out.split())
    floor = (read + insert, read_cpu + insert_cpu)
    cpu_line("floor (.ods): calamine read", rows, read, read_cpu)
    cpu_line("floor (.ods): read + insert", rows, *floor)
    measured(memberctl(work / "o.db", "db", "upgrade"))
    wall, cpu, rss, _ = measured(
        memberctl(work / "o.db", "import", "members", str(ods), "--add-stores", "-f", "json")
    )
    cpu_line(
        "memberctl import members (.ods)",
        rows,
        wall,
        cpu,
        rss,
        ratio(wall, cpu, floor, "its floor"),
    )


def big_import(work: Path, big_csv: Path, csv_rows: int) -> None:
    _, _, _, out = measured([sys.executable, "-c", CSV_FLOOR, str(big_csv), str(work / "f.db")])
    floor = (float(out.split()[0]), float(out.split()[1]))
    cpu_line("floor: pandas chunks + raw executemany", csv_rows, *floor)
    measured(memberctl(work / "big.db", "db", "upgrade"))
    wall, cpu, rss, _ = measured(
        memberctl(work / "big.db", "import", "members", str(big_csv), "--add-stores", "-f", "json")
    )
    command = [sys.executable, "-c", CSV_SCHEMA_FLOOR, str(big_csv), str(work / "big.db")]
    schema = tuple(map(float, measured([*command, str(work / "bigs.db")])[3].split()))
    cpu_line("schema floor: pandas chunks + the import's rows, raw", csv_rows, *schema)
    note = f"{ratio(wall, cpu, floor, 'its floor')}, {ratio(wall, cpu, schema, 'its schema floor')}"
    cpu_line("memberctl import members (big .csv, streamed)", csv_rows, wall, cpu, rss, note)


if __name__ == "__main__":
    main()
