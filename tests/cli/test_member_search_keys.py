"""member_search_key (migration 0017): the keys a search reads are kept by the database's
triggers through every way a member is written, and always equal what a fresh fill of the
migration would make of the members as they are."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from memberctl.db import migrate
from tests.conftest import Run
from tests.factories import enroll, members_at_revision
from tests.spreadsheets.sheets import write_csv

MIGRATION = Path(migrate.__file__).parent / "alembic/versions/0017_member_search_keys.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0017", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stored(engine: Engine) -> set[tuple[str, str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, piece, member_id FROM member_search_key"))
        return {tuple(row) for row in rows}  # type: ignore[misc]


def _made_afresh(engine: Engine) -> set[tuple[str, str, int]]:
    """The keys the migration's fill makes of the members as they are now."""
    statement = _migration().every_members_keys()
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(text(statement))}  # type: ignore[misc]


def _found(run: Run, asked: str) -> list[str]:
    return [m["name"] for m in run.json("member", "search", asked)]


def test_every_way_a_member_is_written_keeps_the_keys(run: Run, engine: Engine, tmp_path):
    enroll(engine, name="张三丰", phone="13800138000")
    enroll(engine, name="Amy Wang", phone="13900139001")
    enroll(engine, name="abab abab abab abab abab", phone="13700137002")  # repeated pieces
    assert _stored(engine) == _made_afresh(engine) and len(_stored(engine)) > 12
    steps = [
        ("member", "edit", "M000001", "--name", "王五", "--phone", "13800138111"),
        ("points", "add", "M000002", "50", "--reason", "x"),  # the cache only: keys untouched
        ("member", "forget", "M000002", "--yes"),
    ]
    for step in steps:
        result = run(*step)
        assert result.exit_code == 0, (step, result.stderr)
        assert _stored(engine) == _made_afresh(engine), step
    sheet = write_csv(
        tmp_path / "m.csv",
        [["姓名", "手机号"], ["赵六", "13700137002"], ["欧阳娜娜", "13611112222"]],
    )
    imported = run("import", "members", str(sheet), "--on-existing", "update")
    assert imported.exit_code == 0, imported.stderr
    assert _stored(engine) == _made_afresh(engine)
    assert _found(run, "阳娜") == ["欧阳娜娜"]
    assert _found(run, "赵") == ["赵六"]
    undone = run("import", "undo", str(run.json("import", "runs")[-1]["run"]))
    assert undone.exit_code == 0, undone.stderr
    assert _stored(engine) == _made_afresh(engine)
    assert _found(run, "abab") == ["abab abab abab abab abab"]
    assert _found(run, "8111") == ["王五"]
    assert run("member", "search", "8000").exit_code == 3  # the old phone is gone


def test_a_text_longer_than_a_key_is_found_from_anywhere_in_a_long_name(run: Run, engine: Engine):
    enroll(engine, name="Alexandria Catherine Wellington-Smythe", phone="13800138000")
    enroll(engine, name="Alexandria Catherine Wellington", phone="13800138001")
    assert _found(run, "catherine wellington-smythe") == ["Alexandria Catherine Wellington-Smythe"]
    assert _found(run, "CATHERINE WELLINGTON") == [
        "Alexandria Catherine Wellington-Smythe",
        "Alexandria Catherine Wellington",
    ]
    assert _found(run, "smythe") == ["Alexandria Catherine Wellington-Smythe"]


@pytest.mark.parametrize("format_", ["plain", "encrypted"])
def test_a_restored_backup_is_searched_as_before(run: Run, engine: Engine, tmp_path, format_):
    enroll(engine, name="张三丰", phone="13800138000")
    backup = tmp_path / "shop.backup"
    extra = (
        ["--encrypt", "--passphrase-file", str(_passfile(tmp_path))] if format_ != "plain" else []
    )
    assert run("db", "backup", str(backup), *extra).exit_code == 0
    assert run("member", "edit", "M000001", "--name", "李四").exit_code == 0
    restore = ["db", "restore", str(backup), "--yes"]
    restored = run(*restore, *(extra[1:] if extra else []))
    assert restored.exit_code == 0, restored.stderr
    assert "member_search_key" not in restored.stdout  # made again, not counted as backed up
    assert _stored(engine) == _made_afresh(engine)
    assert _found(run, "三丰") == ["张三丰"]
    assert run("member", "search", "李").exit_code == 3


def _passfile(folder: Path) -> Path:
    path = folder / "pass"
    path.write_text("correct horse battery\n", encoding="utf-8")
    return path


def test_db_upgrade_makes_the_keys_of_members_written_before_it(fresh_db_url):
    from memberctl.db.engine import make_engine
    from memberctl.db.migrate import HEAD_REVISION

    engine = make_engine(fresh_db_url)
    try:
        members_at_revision(
            engine,
            "0016",
            [
                {"id": i, "member_no": f"M00000{i}", "name": name, "name_initials": initials,
                 "phone": phone}
                for i, name, initials, phone in [
                    (1, "欧阳娜娜", "oynn", "+8613800000001"),
                    (2, "abab abab abab", "aaa", None),
                    (3, None, None, None),
                ]
            ],
        )  # fmt: skip
        run = Run(fresh_db_url)
        assert run.json("db", "upgrade") == {"schema_revision": HEAD_REVISION}
        assert _stored(engine) == _made_afresh(engine)
        assert ("m", "M000003", 3) in _stored(engine)
        assert _found(run, "阳娜") == ["欧阳娜娜"]
        assert _found(run, "0001") == ["欧阳娜娜"]
        assert _found(run, "b ab") == ["abab abab abab"]
    finally:
        engine.dispose()
