"""How every cost grows with the shop: 10,000 to 1,000,000 members (a plain script, not a test).

    python benchmarks/scale.py [--db URL] [--sizes 10000 100000 1000000] [--per-member 10]
                               [--runs 5] [--dir DIR] [--reuse] [--only point|nightly|reports|files]

Builds one shop per size through memberctl's own paths, each step a `memberctl` run as a shop
would make it:

- `settings set points.expiry_months 12` (so the ledgers hold expired lots);
- `import members` of a generated .csv: Chinese names, phones, 20 stores, tiers 60/20/10/10%,
  2% cancelled and 1% frozen, birthdays, opening points (a points lot each) and, for every
  third member, an opening balance (a stored-value entry);
- `import purchases` of generated .csv files (1,000,000 rows each): `--per-member` purchases per
  member on average, unevenly (a few buy often, many once or twice), each member from a first
  day of their own until a drop-out day of their own over the three years before today, in
  their home store or another, with a category; each earns points by the tier rule;
- `campaign add` + `campaign run` of a points award (gold members) and a coupon drop
  (platinum), and a `nightly --as-of YESTERDAY`, which expires the lapsed lots and evaluates the
  tiers; a third campaign (points for silver members) starts today, so the timed `nightly` has
  a campaign due.

Then times each command in a fresh process (bytecode cached, as after `pip install`), with the
child's CPU (user + system) beside the wall time:

- point commands, interleaved across the sizes (one of each size in turn, `--runs` rounds, the
  median): `member show`, `member search` (part of a name, the last four digits of a phone,
  pinyin initials), `member enroll`, `sale` (the till), `purchase record`, `points deduct`;
- `nightly` (the first run of the day: expiry, tier evaluation, the due campaign) and again
  the same day;
- every report (`-f json`), once per size;
- `export members` (.csv) of the whole shop and `import members` of 100,000 new members (.csv)
  into the populated shop.

Prints a table per database: each command at each size and the growth factor from the second
largest size to the largest (100,000 to 1,000,000 by default), and for the point commands the
ratio of the largest to the smallest (target 1.15x), of wall and of CPU time (user + system of
the memberctl process). On a shared machine the wall time measures the other jobs as much as
memberctl, so compare CPU; on PostgreSQL the server's work is in the wall time only. Record the
tables in README.md ("Measured").

Database: SQLite files in `--dir` (default a temporary folder, removed at the end), or with
`--db postgresql+psycopg://USER@HOST:PORT/DB` a database per size on that server,
`scale_<size>` (marked with a comment; an unmarked database of that name is refused). `--reuse`
keeps and reuses what an earlier run built (SQLite: needs `--dir`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_MARK = "memberctl benchmarks/scale.py"
STORES = [f"门店{n:02d}" for n in range(1, 21)]
MEMBER_HEADERS = "会员卡号 姓名 手机号 性别 生日 会员等级 状态 积分 余额 门店 注册时间".split()
CATEGORIES = ["咖啡", "茶饮", "面包", "甜点", "杯具", "礼盒", "零食", "果汁", "早餐", "会员卡"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)  # fmt: skip

GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉"
TIERS = ("普通",) * 6 + ("银卡", "银卡", "金卡", "白金")
BUILT = "built.json"  # written when a shop's build has finished: what --reuse reuses
FILE_ROWS = 1_000_000  # purchases per imported file
NEW_MEMBERS = 100_000  # the import timed into the populated shop
TODAY = dt.date.today()
RUN = random.Random().randrange(10**6)  # order numbers and phones of this run's own
YEARS = 3
REPORTS = [
    "summary", "growth", "rfm", "churn", "upgrades", "birthdays", "kpi", "liability",
    "daily", "referrals", "stores", "products", "forecast", "campaign",
]  # fmt: skip
CAMPAIGNS = {
    "scale-gold": 'action = "award_points"\npoints = 200\nwhere = "tier = gold"\nperiod = "once"\n',
    "scale-coupon": (
        'action = "issue_coupon"\ncoupon_value = "20.00"\ncoupon_valid_days = 30\n'
        'where = "tier = platinum"\n'
        'period = "once"\n'
    ),
    "scale-today": (
        f'action = "award_points"\npoints = 50\nwhere = "tier = silver"\nperiod = "once"\n'
        f"starts = {TODAY.isoformat()}\n"
    ),
}


def _name(n: int) -> str:
    given = GIVEN[n * 7 % len(GIVEN)]
    if n % 3:
        given += GIVEN[n * 13 % len(GIVEN)]
    return SURNAMES[n * 31 % len(SURNAMES)] + given


def _inactive(n: int) -> bool:
    """Member n is cancelled (2%) or frozen (1%): `member_rows` makes them so."""
    return n % 50 == 7 or n % 100 == 13


def member_rows(first: int, count: int, phone_prefix: str) -> Iterator[list[str]]:
    start = dt.datetime.combine(TODAY, dt.time(9)) - dt.timedelta(days=365 * YEARS + 200)
    for n in range(first, first + count):
        tier = ("普通", "普通", "普通", "普通", "普通", "普通", "银卡", "银卡", "金卡", "白金")[
            n % 10
        ]
        status = "已注销" if n % 50 == 7 else "冻结" if n % 100 == 13 else "正常"
        birthday = dt.date(1960, 1, 1) + dt.timedelta(days=n * 37 % 16000)
        joined = start + dt.timedelta(minutes=n * 7919 % (60 * 24 * 365 * YEARS))
        yield [
            f"M{n:07d}",
            _name(n),
            f"{phone_prefix}{n:08d}",
            "男" if n % 2 else "女",
            birthday.isoformat() if n % 10 else "",
            tier,
            status,
            str(500 + n % 1000),
            f"{100 + n % 500}.50" if n % 3 == 0 else "",
            STORES[n % len(STORES)],
            joined.strftime("%Y-%m-%d %H:%M"),
        ]


def write_members(path: Path, first: int, count: int, phone_prefix: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MEMBER_HEADERS)
        writer.writerows(member_rows(first, count, phone_prefix))


def purchase_times(rng: random.Random, per_member: int) -> list[float]:
    """One member's purchase days (0 .. the span) the way the forecast's model sees a shop: a
    first purchase in the first 60% of the span, then a rate of their own (gamma spread) and,
    after each purchase, a chance of their own to leave for good (beta spread). About
    `per_member` purchases on average, 80% of members buy more than once."""
    span = 365.0 * YEARS
    rate = rng.gammavariate(0.8, per_member * 4.6 / span)  # purchases per day
    leave = rng.betavariate(1.0, 8.0)
    days = [rng.random() * 0.6 * span]
    while rng.random() >= leave and rate > 0:
        day = days[-1] + rng.expovariate(rate)
        if day > span:
            break
        days.append(day)
    return days


def purchase_rows(members: int, per_member: int, seed: int = 20) -> Iterator[list[str]]:
    rng = random.Random(seed)
    origin = dt.datetime.combine(TODAY, dt.time(0)) - dt.timedelta(days=365 * YEARS)
    order = 0
    for n in range(1, members + 1):
        days = purchase_times(rng, per_member)
        if _inactive(n):  # their purchases would be refused
            continue
        home = n % len(STORES)
        for day in days:
            order += 1
            at = origin + dt.timedelta(days=day)
            store = STORES[(home + 1) % len(STORES)] if order % 7 == 0 else STORES[home]
            yield [
                f"M{n:07d}",
                f"S{order:09d}",
                f"{rng.randint(100, 50000) / 100:.2f}",
                at.strftime("%Y-%m-%d %H:%M:%S"),
                store,
                CATEGORIES[(n + order % 3) % len(CATEGORIES)] if order % 8 else "",
            ]


def write_purchases(folder: Path, members: int, per_member: int) -> list[Path]:
    files: list[Path] = []
    handle = None
    for index, row in enumerate(purchase_rows(members, per_member)):
        if index % FILE_ROWS == 0:
            if handle:
                handle.close()
            files.append(folder / f"purchases-{len(files) + 1:02d}.csv")
            handle = files[-1].open("w", newline="", encoding="utf-8")
            writer = csv.writer(handle)
            writer.writerow(["会员卡号", "订单号", "金额", "消费时间", "门店", "品类"])
        writer.writerow(row)
    if handle:
        handle.close()
    return files


@dataclass
class Timing:
    wall: float
    cpu: float
    code: int
    error: str = ""


@dataclass
class Shop:
    size: int
    url: str
    folder: Path
    build: dict[str, float] = field(default_factory=dict)
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter


class Runner:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def run(self, shop: Shop, *args: str, check: bool = True) -> Timing:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "memberctl", "--db", shop.url, *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if check and done.returncode != 0:
            raise SystemExit(f"memberctl {' '.join(args)} -> {done.returncode}: {done.stderr}")
        error = done.stderr.strip().splitlines()[-1] if done.returncode and done.stderr else ""
        return Timing(wall, cpu, done.returncode, error)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build(shop: Shop, runner: Runner, per_member: int) -> None:
    started = time.perf_counter()

    def step(name: str, *args: str) -> None:
        timing = runner.run(shop, *args)
        shop.build[name] = shop.build.get(name, 0.0) + timing.wall
        shop.build[f"{name} CPU"] = shop.build.get(f"{name} CPU", 0.0) + timing.cpu
        _say(f"  {shop.size:,}: {name} {timing.wall:.1f} s, CPU {timing.cpu:.1f} s")

    runner.run(shop, "db", "upgrade")
    step("settings", "settings", "set", "points.expiry_months", "12")
    members_csv = shop.folder / "members.csv"
    write_members(members_csv, 1, shop.size, "139")
    step("import members", "import", "members", str(members_csv), "--add-stores")
    for path in write_purchases(shop.folder, shop.size, per_member):
        step("import purchases", "import", "purchases", str(path))
        path.unlink()
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    for code, body in CAMPAIGNS.items():
        toml = shop.folder / f"{code}.toml"
        toml.write_text(f'code = "{code}"\nname = "{code}"\n{body}', encoding="utf-8")
        step("campaigns", "campaign", "add", str(toml))
        if code != "scale-today":
            step("campaigns", "campaign", "run", code, "--as-of", yesterday)
    step("nightly yesterday", "nightly", "--as-of", yesterday)
    shop.build["total"] = time.perf_counter() - started
    shop.build["disk MiB"] = disk_mib(shop)
    (shop.folder / BUILT).write_text(json.dumps(shop.build), encoding="utf-8")


def disk_mib(shop: Shop) -> float:
    url = make_url(shop.url)
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "").stat().st_size / 2**20
    engine = create_engine(shop.url)
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return float(size or 0) / 2**20


# --- the timed commands -----------------------------------------------------------------------


def _ref(shop: Shop, round_: int, salt: int) -> str:
    """An active member with points and stored value (n % 3 == 0, not cancelled or frozen)."""
    n = (round_ * 7919 + salt * 104729) % (shop.size // 3) * 3 + 3
    while _inactive(n):
        n += 3
    return f"M{n:07d}"


def _search(text: str) -> Callable[[Shop, int], list[str]]:
    return lambda _shop, _round: ["member", "search", text, "-f", "json"]


def point_commands() -> dict[str, Callable[[Shop, int], list[str]]]:
    return {
        "member show": lambda s, r: ["member", "show", _ref(s, r, 1)],
        "member search 伟 (name part)": _search("伟"),
        "member search 1234 (last 4 digits)": _search("1234"),
        "member search zw (pinyin initials)": _search("zw"),
        "member enroll": lambda s, _r: [
            "member", "enroll", "--name", "新会员", "--phone", f"137{RUN:06d}{s.next() % 100:02d}",
        ],
        "sale": lambda s, r: [
            "sale", _ref(s, r, 2), "--amount", "300.00", "--points", "100", "--wallet", "10.00",
            "--pay", "cash", "--order-no", f"T{RUN}-{r}-{s.next()}",
        ],
        "purchase record": lambda s, r: [
            "purchase", "record", _ref(s, r, 3), "88.00", "--order-no", f"P{RUN}-{r}-{s.next()}",
        ],
        "points deduct": lambda s, r: [
            "points", "deduct", _ref(s, r, 4), "10", "--reason", "bench",
        ],
    }  # fmt: skip


def time_points(shops: list[Shop], runner: Runner, runs: int) -> dict[str, dict[int, Timing]]:
    commands = point_commands()
    samples: dict[str, dict[int, list[Timing]]] = {c: {s.size: [] for s in shops} for c in commands}
    for round_ in range(runs + 1):  # round 0 warms the caches and is not counted
        for shop in shops:
            for name, args in commands.items():
                timing = runner.run(shop, *args(shop, round_))
                if round_:
                    samples[name][shop.size].append(timing)
    return {
        name: {
            size: Timing(
                statistics.median(t.wall for t in times),
                statistics.median(t.cpu for t in times),
                0,
            )
            for size, times in by_size.items()
        }
        for name, by_size in samples.items()
    }


def time_nightly(shops: list[Shop], runner: Runner) -> dict[str, dict[int, Timing]]:
    result: dict[str, dict[int, Timing]] = {"nightly": {}, "nightly again, same day": {}}
    for shop in shops:
        result["nightly"][shop.size] = runner.run(shop, "nightly")
        result["nightly again, same day"][shop.size] = runner.run(shop, "nightly")
    return result


def time_reports(shops: list[Shop], runner: Runner) -> dict[str, dict[int, Timing]]:
    result: dict[str, dict[int, Timing]] = {}
    for name in REPORTS:
        args = ["report", name, "-f", "json"]
        if name == "campaign":
            args = ["report", "campaign", "scale-gold", "-f", "json"]
        for shop in shops:
            key = f"report {name}"
            result.setdefault(key, {})[shop.size] = runner.run(shop, *args, check=False)
            if name in ("stores", "products"):
                year = (TODAY - dt.timedelta(days=365)).isoformat()
                key = f"report {name} --from (a year)"
                result.setdefault(key, {})[shop.size] = runner.run(
                    shop, *args, "--from", year, check=False
                )
    return result


def time_files(shops: list[Shop], runner: Runner) -> dict[str, dict[int, Timing]]:
    result: dict[str, dict[int, Timing]] = {"export members (.csv)": {}, "import members": {}}
    for shop in shops:
        out = shop.folder / "export.csv"
        result["export members (.csv)"][shop.size] = runner.run(
            shop, "export", "members", str(out), "--show-pii"
        )
        out.unlink(missing_ok=True)
        new = shop.folder / "new-members.csv"
        write_members(new, 2_000_001 + RUN % 70 * NEW_MEMBERS, NEW_MEMBERS, "136")
        result["import members"][shop.size] = runner.run(shop, "import", "members", str(new))
        new.unlink()
    return result


# --- the databases --------------------------------------------------------------------------


def postgresql_url(server: str, size: int, reuse: bool) -> str:
    name = f"scale_{size}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        comment = connection.execute(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                " WHERE datname = :name"
            ),
            {"name": name},
        ).first()
        if comment is not None and comment[0] != PG_MARK:
            raise SystemExit(f"database {name} exists and is not this script's; drop it first")
        if comment is not None and not reuse:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        if comment is None or not reuse:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{PG_MARK}'"))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def has_members(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT count(*) FROM member")).scalar())
    except Exception:  # noqa: BLE001 - no schema yet
        return False
    finally:
        engine.dispose()


# --- the tables -----------------------------------------------------------------------------


def table(title: str, rows: dict[str, dict[int, Timing]], sizes: list[int], ratio: str) -> None:
    print(f"\n{title}\n")
    head = " | ".join(f"{s:,} wall / CPU (s)" for s in sizes)
    print(f"| command | {head} | {ratio} |")
    print("|---" * (len(sizes) + 2) + "|")
    for name, by_size in rows.items():
        cells = []
        for size in sizes:
            t = by_size.get(size)
            cells.append("-" if t is None else f"{t.wall:.2f} / {t.cpu:.2f}" + _code(t))
        first, big = (
            by_size.get(sizes[0 if "1.15" in ratio or len(sizes) < 2 else -2]),
            by_size.get(sizes[-1]),
        )
        growth = "-"
        if first and big and first.cpu and first.wall:
            growth = f"{big.wall / first.wall:.2f}x / {big.cpu / first.cpu:.2f}x"
        print(f"| `{name}` | {' | '.join(cells)} | {growth} |", flush=True)
    for name, by_size in rows.items():
        for size, t in by_size.items():
            if t.error:
                print(f"- `{name}` at {size:,}: exit {t.code}, {t.error}")


def _code(timing: Timing) -> str:
    return f" (exit {timing.code})" if timing.code else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="PostgreSQL server URL; default SQLite files")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--per-member", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="folder for the SQLite files and sheets")
    parser.add_argument("--reuse", action="store_true", help="reuse what an earlier run built")
    parser.add_argument(
        "--only", nargs="+", default=["point", "nightly", "reports", "files"],
        choices=["point", "nightly", "reports", "files"],
    )  # fmt: skip
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"MEMBERCTL_NO_INPUT": "1", "MEMBERCTL_OPERATOR": "benchmark"})
    temporary = None if args.dir else tempfile.TemporaryDirectory()
    root = args.dir or Path(temporary.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    runner = Runner(env)
    database = "PostgreSQL" if args.db else "SQLite"
    print(
        f"{database}; {platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at start, {dt.datetime.now():%Y-%m-%d %H:%M}",
        flush=True,
    )
    shops = []
    for size in args.sizes:
        folder = root / f"shop-{size}"
        folder.mkdir(exist_ok=True)
        if args.db:
            url = postgresql_url(args.db, size, args.reuse and (folder / BUILT).exists())
        else:
            url = f"sqlite:///{folder / 'shop.db'}"
            if not (args.reuse and (folder / BUILT).exists()) and (folder / "shop.db").exists():
                (folder / "shop.db").unlink()
        shop = Shop(size, url, folder)
        if args.reuse and (folder / BUILT).exists() and has_members(url):
            runner.run(shop, "db", "upgrade")  # a migration added since it was built
            shop.build = json.loads((folder / BUILT).read_text(encoding="utf-8"))
        else:
            (folder / BUILT).unlink(missing_ok=True)
            _say(f"building {size:,} members")
            build(shop, runner, args.per_member)
        print(
            f"shop of {size:,} members, built in (s): "
            + ", ".join(f"{k} {v:.1f}" for k, v in shop.build.items()),
            flush=True,
        )
        shops.append(shop)
    sizes = [s.size for s in shops]
    growth = f"growth {sizes[-2]:,} -> {sizes[-1]:,}" if len(sizes) > 1 else "growth"
    if "point" in args.only:
        table(
            f"Point commands ({database}; median of {args.runs}, interleaved across sizes)",
            time_points(shops, runner, args.runs),
            sizes,
            f"{sizes[-1]:,} / {sizes[0]:,} (target 1.15x)",
        )
    if "nightly" in args.only:
        table(f"nightly ({database})", time_nightly(shops, runner), sizes, growth)
    if "reports" in args.only:
        table(f"Reports ({database}, -f json)", time_reports(shops, runner), sizes, growth)
    if "files" in args.only:
        table(f"Files ({database})", time_files(shops, runner), sizes, growth)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end", flush=True)
    if temporary:
        temporary.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
