"""A database behind this memberctl's schema: no command migrates it on its own (a read must not
change a shared database behind the operator's back), each refuses it with exit 4 and one line
naming both versions and `memberctl db upgrade`; `db upgrade` migrates it, and `db info`,
`db backup` and `db restore` still work on it. An empty database is still created on first use."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, inspect, select

from memberctl.db.engine import make_engine
from memberctl.db.migrate import HEAD_REVISION, current_revision, upgrade
from tests.conftest import PG_URL, Run, error_line, failure

OLD = "0010"  # one behind: the newest migration is the one a real shop meets
AT = dt.datetime(2025, 1, 2, 3, 4, 5)

EN = (
    "error: the database has schema version {old}, older than this memberctl's {head}; nothing "
    "was changed; run 'memberctl db upgrade' to migrate it (back it up first with 'memberctl db "
    "backup FILE')"
)
ZH = (
    "错误：数据库的结构版本为 {old}，比本 memberctl 的 {head} 旧；未做任何更改；请运行 "
    "'memberctl db upgrade' 升级数据库（先用 'memberctl db backup FILE' 备份）"
)


def _old_database(url: str, revision: str) -> None:
    """A database migrated only to `revision`, holding one member (rows as that schema had them)."""
    engine = make_engine(url)
    try:
        assert upgrade(engine, revision) == revision
        with engine.begin() as connection:
            member = Table("member", MetaData(), autoload_with=connection)
            connection.execute(
                insert(member).values(
                    id=1,
                    member_no="M000001",
                    name="张三丰",
                    phone="+8613800138000",
                    tier_code="gold",
                    status="active",
                    points=0,
                    balance=0,
                    joined_at=AT,
                    created_at=AT,
                    updated_at=AT,
                )
            )
    finally:
        engine.dispose()


@pytest.fixture
def old_db(fresh_db_url: str) -> Iterator[tuple[str, Engine]]:
    _old_database(fresh_db_url, OLD)
    engine = make_engine(fresh_db_url)
    yield fresh_db_url, engine
    engine.dispose()


def state(engine: Engine) -> dict[str, object]:
    """The schema (tables, columns, indexes) and every row, reflected: the models describe the
    newest schema, not this one."""
    metadata = MetaData()
    with engine.connect() as connection:
        metadata.reflect(connection)
        found = inspect(connection)
        result: dict[str, object] = {
            name: (
                [c.name for c in table.columns],
                sorted(str(i["name"]) for i in found.get_indexes(name)),
                sorted(repr(tuple(row)) for row in connection.execute(select(table))),
            )
            for name, table in metadata.tables.items()
        }
        connection.rollback()
    return result


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


COMMANDS = [
    ("member", "show", "M000001"),
    ("member", "list"),
    ("points", "balance", "M000001"),
    ("member", "search", "zsf"),
    ("points", "history", "M000001"),
    ("db", "check"),
    ("member", "enroll", "--name", "李四", "--phone", "13800138001"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_behind_is_refused_and_left_as_it_is(old_db, command):
    url, engine = old_db
    before = state(engine)
    line = failure(Run(url)(*command), 4)
    assert line == EN.format(old=OLD, head=HEAD_REVISION)
    assert revision(engine) == OLD
    assert state(engine) == before


def test_the_refusal_in_chinese(old_db):
    url, engine = old_db
    result = Run(url)("--lang", "zh", "member", "show", "M000001")
    assert result.exit_code == 4
    assert error_line(result) == ZH.format(old=OLD, head=HEAD_REVISION)
    assert revision(engine) == OLD


def test_db_upgrade_migrates_it_and_then_commands_work(old_db):
    url, engine = old_db
    run = Run(url)
    assert run.json("db", "upgrade") == {"schema_revision": HEAD_REVISION}
    assert revision(engine) == HEAD_REVISION
    assert run.json("member", "show", "M000001")["name"] == "张三丰"
    assert [m["member_no"] for m in run.json("member", "list")] == ["M000001"]
    assert run.json("points", "balance", "M000001")["points"] == 0
    assert run.json("db", "upgrade") == {"schema_revision": HEAD_REVISION}  # idempotent


def test_db_info_reports_it_without_migrating(old_db):
    url, engine = old_db
    before = state(engine)
    result = Run(url)("db", "info", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["schema_revision"], data["schema_head"], data["schema_known"]) == (
        OLD,
        HEAD_REVISION,
        True,
    )
    assert data["rows"]["member"] == 1
    assert result.stderr.strip() == (
        f"the schema version {OLD} is older than this memberctl's {HEAD_REVISION}: run "
        "'memberctl db upgrade' before using this database"
    )
    assert state(engine) == before


def test_db_backup_works_before_the_upgrade_and_restores_upgraded(old_db, tmp_path: Path):
    """Backing up before an upgrade is what the refusal advises: the backup keeps the old
    revision; restoring it (an explicit replacement of everything) upgrades as it restores."""
    url, engine = old_db
    run = Run(url)
    before = state(engine)
    path = tmp_path / "before-upgrade.backup"
    backed = run("db", "backup", str(path), "-f", "json")
    assert backed.exit_code == 0, backed.stderr
    assert json.loads(backed.stdout)["schema_revision"] == OLD
    assert state(engine) == before
    restored = run("db", "restore", str(path), "--yes", "-f", "json")
    assert restored.exit_code == 0, restored.stderr
    assert revision(engine) == HEAD_REVISION
    assert run.json("member", "show", "M000001")["name"] == "张三丰"


def test_an_empty_database_is_still_created_on_first_use(fresh_db_url):
    run = Run(fresh_db_url)
    assert run.json("member", "list") == []
    assert [t["code"] for t in run.json("tier", "list")] == ["basic", "silver", "gold", "platinum"]
    engine = make_engine(fresh_db_url)
    try:
        assert revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="a SQLite file")
def test_a_new_sqlite_file_is_created_on_first_use(tmp_path: Path):
    path = tmp_path / "shop.db"
    result = Run(f"sqlite:///{path}")("member", "list", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert result.stderr.strip() == f"created a new database at {path}"
