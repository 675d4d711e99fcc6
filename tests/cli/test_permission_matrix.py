"""Every command against every role (issue 18): the gate of `domain/permissions.py::MATRIX`.

The command tree is walked from the Typer app, so a new command fails
`test_every_command_is_in_the_matrix` until it gets a MATRIX row, and
`test_every_command_has_an_argv` until it gets an argv in ARGV below.

One staff member per role is written straight into the database of a small shop (built once per
test process and copied per test), each with a session token from `sessions.issue`; each command
then runs through the real CLI as each role, with MEMBERCTL_TOKEN in the environment:
- a role the matrix leaves out gets exit 6 and one line naming the role needed, and the
  database is exactly as it was (every row of every table but the sessions' last use);
- a role the matrix lets in does not get exit 6 (any other code: the point is the gate; the
  argv are minimal, so some end in 3 or 4);
- with no staff at all, nothing is checked and no command gets exit 6.
Refused roles run first, since an allowed run may write (`member forget`, `db restore`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, delete, insert, select
from typer.main import get_command

from memberctl.cli import app
from memberctl.db.engine import make_engine
from memberctl.domain import sessions
from memberctl.domain.permissions import MATRIX, OPEN, OPTION_RULES, Role, matrix_rows
from memberctl.models import Staff, StaffSession, StaffStore
from tests.conftest import NOW, PG_URL, Run, Template, failure
from tests.factories import snapshot

ROOT = Path(__file__).resolve().parents[2]
T = ROOT / "templates"
AS_OF = ("--as-of", "2026-11-25")

# The menu (`memberctl` alone) needs a terminal: tests/slow/test_menu_permissions.py.
NOT_WALKED_HERE = {""}

# A minimal argv per command, that parses and reaches the gate. `{shop}` is the shop's folder
# (input files, the backup), `{tmp}` a folder of the test's own (output files).
ARGV: dict[str, tuple[str, ...]] = {
    "login": ("boss", "--password-stdin"),  # no password on stdin: exit 5, never 6 (OPEN)
    "logout": (),
    "whoami": (),
    "staff add": ("新员工", "--role", "clerk", "--password-stdin"),
    "staff list": (),
    "staff disable": ("mgr",),
    "staff stores": ("clerk", "--add", "一店"),
    "staff password": ("mgr", "--password-stdin"),
    "staff token add": ("备份任务", "--role", "job"),
    "staff token list": (),
    "staff token revoke": ("nightly",),
    "audit": ("--limit", "5"),
    "nightly": AS_OF,
    "member enroll": ("--name", "新人", "--phone", "13800138009"),
    "member show": ("M000001",),
    "member search": ("张",),
    "member list": (),
    "member edit": ("M000001", "--name", "张三丰"),
    "member freeze": ("M000001", "--reason", "挂失"),
    "member unfreeze": ("M000003",),
    "member cancel": ("M000001", "--reason", "退卡"),
    "member restore": ("M000004",),
    "member upgrade": ("M000001",),
    "member downgrade": ("M000002",),
    "member history": ("M000001",),
    "member note": ("M000001", "电话回访", "--kind", "call"),
    "member notes": (),
    "member notes resolve": ("1", "--text", "已道歉"),
    "member forget": ("M000001", "--yes"),
    "member export-data": ("M000001",),
    "tier list": (),
    "tier load": (f"{T}/tiers.toml",),
    "tier evaluate": AS_OF,
    "segment save": ("银卡", "tier = silver"),
    "segment list": (),
    "segment show": ("金卡",),
    "segment delete": ("金卡",),
    "db upgrade": (),
    "db info": (),
    "db check": (),
    "db backup": ("{tmp}/members.backup",),
    "db restore": ("{shop}/shop.backup", "--yes"),
    "points add": ("M000001", "10", "--reason", "补偿"),
    "points deduct": ("M000001", "10", "--reason", "兑换"),
    "points balance": ("M000001",),
    "points history": ("M000001",),
    "points expire": AS_OF,
    "purchase record": ("M000001", "88", "--order-no", "P9"),
    "purchase refund": ("A2",),
    "sale record": ("M000002", "--amount", "300", "--pay", "cash", "--dry-run"),
    "sale refund": ("S1",),
    "wallet topup": ("M000001", "50"),
    "wallet pay": ("M000001", "10"),
    "wallet refund": ("M000001", "5"),
    "wallet balance": ("M000001",),
    "wallet history": ("M000001",),
    "import members": ("{shop}/members.csv", "--on-existing", "skip", "--dry-run"),
    "import purchases": ("{shop}/purchases.csv", "--dry-run"),
    "import runs": (),
    "import undo": ("1", "--dry-run"),
    "export members": ("{tmp}/members.csv",),
    "template members": ("{tmp}/template.xlsx",),
    "campaign add": (f"{T}/campaigns/birthday-double.toml",),
    "campaign list": (),
    "campaign show": ("wake-up-coupon",),
    "campaign run": ("wake-up-coupon", "--dry-run", *AS_OF),
    "campaign runs": (),
    "coupon list": (),
    "coupon redeem": ("NOSUCHCP", "--amount", "150"),
    "report summary": AS_OF,
    "report growth": AS_OF,
    "report rfm": AS_OF,
    "report churn": AS_OF,
    "report upgrades": AS_OF,
    "report birthdays": ("--month", "11"),
    "report kpi": ("--from", "2026-09-01", "--to", "2026-11-25"),
    "report liability": AS_OF,
    "report campaign": ("wake-up-coupon", *AS_OF),
    "report survey": ("satisfaction",),
    "report daily": ("--date", "2026-11-20"),
    "report referrals": AS_OF,
    "report stores": ("--from", "2026-11-01", "--to", "2026-11-25"),
    "report products": AS_OF,
    "report forecast": AS_OF,
    "notify render": ("--template", "{shop}/message.txt", "--out", "{tmp}/messages.csv"),
    "survey load": (f"{T}/surveys/satisfaction.toml",),
    "survey list": (),
    "survey show": ("satisfaction",),
    "survey take": ("satisfaction", "M000001", "-a", "overall=5", "-a", "visit_reason=1",
                    "-a", "liked=1,3", "-a", "recommend=9", "-a", "comments=很好"),
    "settings list": (),
    "settings get": ("points.redeem_rate",),
    "settings set": ("points.redeem_rate", "200"),
    "settings reset": ("points.redeem_rate",),
    "store add": ("二店",),
    "store list": (),
    "store rename": ("一店", "一号店"),
    "tier simulate": (f"{T}/tiers.toml", *AS_OF),
}  # fmt: skip

# The shop every test starts from, built through the CLI before any staff exists.
SHOP_STEPS: list[tuple[str, ...]] = [
    ("store", "add", "一店"),
    ("member", "enroll", "--name", "张三", "--phone", "13800138001", "--store", "一店",
     "--birthday", "1990-11-05", "--joined-at", "2025-01-01"),
    ("member", "enroll", "--name", "李四", "--phone", "13800138002", "--tier", "gold",
     "--joined-at", "2025-03-01"),
    ("member", "enroll", "--name", "王五", "--phone", "13800138003", "--joined-at", "2025-05-01"),
    ("member", "enroll", "--name", "赵六", "--phone", "13800138004", "--joined-at", "2025-06-01"),
    ("member", "freeze", "M000003"),
    ("member", "cancel", "M000004"),
    ("points", "add", "M000001", "200", "--reason", "开卡"),
    ("purchase", "record", "M000001", "300", "--order-no", "A1", "--at", "2026-10-01T10:00"),
    ("purchase", "record", "M000001", "50", "--order-no", "A2", "--at", "2026-11-20T10:00"),
    ("sale", "record", "M000002", "--amount", "300", "--pay", "cash", "--order-no", "S1",
     "--at", "2026-11-21T10:00"),
    ("wallet", "topup", "M000001", "100"),
    ("member", "note", "M000002", "投诉服务", "--kind", "complaint"),
    ("segment", "save", "金卡", "tier = gold"),
    ("campaign", "add", f"{T}/campaigns/wake-up-coupon.toml"),
    ("survey", "load", f"{T}/surveys/satisfaction.toml"),
    ("import", "members", "{shop}/members.csv", "--on-existing", "skip"),
]  # fmt: skip

STAFF = {Role.owner: "boss", Role.manager: "mgr", Role.clerk: "clerk", Role.job: "nightly"}


def runnable_paths() -> set[str]:
    """Every path a person can run: the leaves, and groups that do something by themselves
    (`member notes` lists notes; "" is the root, which opens the menu)."""
    paths: set[str] = set()

    def walk(command: Any, words: list[str]) -> None:
        if not hasattr(command, "list_commands"):
            paths.add(" ".join(words))
            return
        if command.invoke_without_command:
            paths.add(" ".join(words))
        for name in command.list_commands(None):
            walk(command.get_command(None, name), [*words, name])

    walk(get_command(app), [])
    return paths


def test_every_command_is_in_the_matrix() -> None:
    commands = runnable_paths()
    assert commands - set(MATRIX) - OPEN == set(), "give them a MATRIX row (or put them in OPEN)"
    missing = (set(MATRIX) | OPEN) - commands
    assert missing == set(), "MATRIX or OPEN names commands that do not exist"
    assert set(MATRIX) & OPEN == set()


def test_every_command_has_an_argv() -> None:
    assert set(ARGV) == runnable_paths() - NOT_WALKED_HERE


@dataclass
class Shop:
    url: str
    folder: Path
    rows: dict[str, list[dict[str, Any]]] | None = None  # PostgreSQL: every row, to put back


@pytest.fixture(scope="session")
def shop(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Shop:
    """The shop, once per test process: members in every status, points, purchases, a sale, a
    note, a segment, a campaign, a survey, an import; then one staff member per role."""
    from tests.conftest import _reset_pg

    folder = tmp_path_factory.mktemp("shop")
    (folder / "message.txt").write_text("{name}您好，您有 {points} 积分\n", encoding="utf-8")
    (folder / "members.csv").write_text("姓名,手机号\n孙八,13800138008\n", encoding="utf-8")
    (folder / "purchases.csv").write_text(
        "订单号,金额,时间,会员卡号\nB1,88.00,2026-11-22 10:00,M000002\n", encoding="utf-8"
    )
    if template.path is not None:
        shutil.copyfile(template.path, folder / "shop.db")
        url = f"sqlite:///{folder / 'shop.db'}"
    else:
        _reset_pg(template)
        url = template.url
    run = Run(url)
    for step in SHOP_STEPS:
        result = run(*(a.replace("{shop}", str(folder)) for a in step))
        assert result.exit_code == 0, (step, result.stderr)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for role, name in STAFF.items():
                hashed = None if role is Role.job else "not-a-real-hash"
                connection.execute(
                    insert(Staff.__table__).values(  # type: ignore[attr-defined]
                        name=name, role=role.value, password_hash=hashed, created_at=NOW
                    )
                )
        owner = _tokens(engine)[Role.owner]
        result = run("db", "backup", str(folder / "shop.backup"), env=_as(owner))
        assert result.exit_code == 0, result.stderr
        rows = None
        if PG_URL:
            metadata = MetaData()
            metadata.reflect(engine)
            with engine.connect() as connection:
                rows = {
                    name: [dict(row._mapping) for row in connection.execute(select(table))]
                    for name, table in metadata.tables.items()
                    if name != "alembic_version"
                }
    finally:
        engine.dispose()
    return Shop(url, folder, rows)


def _tokens(engine: Any) -> dict[Role, str]:
    """A fresh session token per role (fresh: a login session ends after 30 idle minutes)."""
    table = Staff.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        staff = {Role(r.role): r.id for r in connection.execute(select(table.c.id, table.c.role))}
        return {
            role: sessions.issue(
                connection, staff_id=staff_id, kind="job" if role is Role.job else "login"
            )
            for role, staff_id in staff.items()
        }


def _as(token: str | None) -> dict[str, str | None]:
    """The environment of a run as a staff member (no --operator: refused once staff exist)."""
    return {"MEMBERCTL_OPERATOR": None, "MEMBERCTL_TOKEN": token}


@dataclass
class Copy:
    run: Run
    engine: Any
    tokens: dict[Role, str]
    shop: Path
    tmp: Path

    def argv(self, command: str) -> list[str]:
        args = (
            a.replace("{shop}", str(self.shop)).replace("{tmp}", str(self.tmp))
            for a in ARGV[command]
        )
        return [*command.split(), *args]

    def no_staff(self) -> None:
        with self.engine.begin() as connection:
            for model in (StaffSession, StaffStore, Staff):
                connection.execute(delete(model.__table__))  # type: ignore[attr-defined]

    def state(self) -> dict[str, list[str]]:
        """Every row of every table; the sessions' last use aside (a lookup may touch it)."""
        return {k: v for k, v in snapshot(self.engine).items() if k != "staff_session"}


@pytest.fixture
def shop_copy(shop: Shop, template: Template, tmp_path: Path) -> Iterator[Copy]:
    """A copy of the shop for one test, with a fresh token per role."""
    if shop.rows is None:
        shutil.copyfile(shop.folder / "shop.db", tmp_path / "shop.db")
        url = f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        from tests.conftest import _reset_pg

        _reset_pg(Template(url=shop.url, schema=template.schema, seed=shop.rows))
        url = shop.url
    out = tmp_path / "out"
    out.mkdir()
    engine = make_engine(url)
    try:
        yield Copy(Run(url), engine, _tokens(engine), shop.folder, out)
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def _click_command_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typer's CliRunner turns the app into a click command on every invoke (0.13 s of the
    0.19 s a `member show` takes); this test makes 400 runs, so it builds it once."""
    import typer.testing

    global _BUILT
    if _BUILT is None:
        _BUILT = get_command(app)
    built = _BUILT
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: built)


_BUILT: Any = None


def _refused(role: Role, command: str) -> bool:
    return command not in OPEN and role not in MATRIX[command]


@pytest.mark.parametrize("command", sorted(ARGV))
def test_each_role_is_let_in_or_refused(command: str, shop_copy: Copy) -> None:
    argv = shop_copy.argv(command)
    before = shop_copy.state()
    for role in [r for r in Role if _refused(r, command)]:
        result = shop_copy.run(*argv, env=_as(shop_copy.tokens[role]))
        line = failure(result, 6, f"'memberctl {command}' needs ", f"; {STAFF[role]} is ")
        assert shop_copy.state() == before, (role, line)
    for role in [r for r in Role if not _refused(r, command)]:
        result = shop_copy.run(*argv, env=_as(shop_copy.tokens[role]))
        assert result.exit_code != 6, (role, result.stderr)
    shop_copy.no_staff()  # nothing is checked
    result = shop_copy.run(*argv)
    assert result.exit_code != 6, result.stderr


def test_a_refused_clerk_reads_what_is_needed_in_english(shop_copy: Copy) -> None:
    before = shop_copy.state()
    result = shop_copy.run(
        "member", "forget", "M000001", "--yes", env=_as(shop_copy.tokens[Role.clerk])
    )
    assert failure(result, 6) == (
        "error: 'memberctl member forget' needs the owner; clerk is a clerk; "
        "ask someone with that role, or log in as them with 'memberctl login'"
    )
    assert shop_copy.state() == before


def test_a_refused_clerk_reads_what_is_needed_in_chinese(shop_copy: Copy) -> None:
    env = _as(shop_copy.tokens[Role.clerk])
    result = shop_copy.run("--lang", "zh", "member", "freeze", "M000001", env=env)
    assert result.exit_code == 6
    assert result.stderr.strip() == (
        "错误：'memberctl member freeze' 需要店长或店主权限；clerk 是店员；"
        "请找有此权限的人操作，或用 'memberctl login' 以其身份登录"
    )


# Each OPTION_RULES entry: the argv with the option, and the same command without it.
OPTION_CASES: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("member edit", "--store"): (("M000001", "--store", ""), ("M000001", "--name", "张三丰")),
    ("member enroll", "--tier"): (
        ("--name", "新人", "--phone", "13800138009", "--tier", "gold"),
        ("--name", "新人", "--phone", "13800138009"),
    ),
    ("member enroll", "--joined-at"): (
        ("--name", "新人", "--phone", "13800138009", "--joined-at", "2024-01-01"),
        ("--name", "新人", "--phone", "13800138009"),
    ),
    ("purchase record", "--at"): (
        ("M000001", "88", "--order-no", "P9", "--at", "2026-11-01T10:00"),
        ("M000001", "88", "--order-no", "P9"),
    ),
    ("sale record", "--at"): (
        ("M000002", "--amount", "100", "--pay", "cash", "--dry-run", "--at", "2026-11-01T10:00"),
        ("M000002", "--amount", "100", "--pay", "cash", "--dry-run"),
    ),
    ("coupon redeem", "--at"): (
        ("NOSUCHCP", "--at", "2026-11-01T10:00"),
        ("NOSUCHCP",),
    ),
    ("wallet topup", "--bonus"): (("M000001", "100", "--bonus", "20"), ("M000001", "100")),
}


def test_every_option_rule_names_a_real_option_and_has_a_case() -> None:
    assert set(OPTION_CASES) == set(OPTION_RULES)
    root = get_command(app)
    for command, option in OPTION_RULES:
        leaf = root
        for word in command.split():
            leaf = leaf.get_command(None, word)  # type: ignore[attr-defined]
        options = {o for p in leaf.params for o in p.opts}
        assert option in options, (command, option)
        assert OPTION_RULES[(command, option)] < MATRIX[command], "narrower than the command"


@pytest.mark.parametrize("rule", sorted(OPTION_RULES), ids=" ".join)
def test_a_clerk_may_not_give_a_managers_option(rule: tuple[str, str], shop_copy: Copy) -> None:
    command, option = rule
    with_option, without = OPTION_CASES[rule]
    clerk = _as(shop_copy.tokens[Role.clerk])
    before = shop_copy.state()
    result = shop_copy.run(*command.split(), *with_option, env=clerk)
    assert failure(result, 6) == (
        f"error: {option} of 'memberctl {command}' needs a manager or the owner; "
        f"clerk is a clerk; leave {option} out, or ask someone with that role"
    )
    assert shop_copy.state() == before
    missing = 3 if command == "coupon redeem" else 0  # no such coupon: past the gate
    result = shop_copy.run(*command.split(), *without, env=clerk)
    assert result.exit_code == missing, result.stderr
    # the manager may give it
    result = shop_copy.run(*command.split(), *with_option, env=_as(shop_copy.tokens[Role.manager]))
    assert result.exit_code in {missing, 4}, result.stderr  # 4: the clerk enrolled that phone


def test_no_staff_no_option_rule(shop_copy: Copy) -> None:
    shop_copy.no_staff()
    result = shop_copy.run("member", "edit", "M000001", "--store", "", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["store"] is None


def test_matrix_rows_follow_the_matrix() -> None:
    rows = matrix_rows()
    assert [command for command, _ in rows] == [*MATRIX, *sorted(OPEN)]
    assert dict(rows)["member forget"] == {
        Role.owner: True, Role.manager: False, Role.clerk: False, Role.job: False
    }  # fmt: skip
    assert all(all(row.values()) for command, row in rows if command in OPEN)
