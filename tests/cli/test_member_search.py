"""`member search TEXT`: part of a name, the last digits of the phone, pinyin initials or full
pinyin; the initials column kept right by enrolment, edits, imports, forgetting and nightly."""

from __future__ import annotations

import pytest
from sqlmodel import select, update

from memberctl.domain import names, search
from memberctl.models import Member
from tests.conftest import failure
from tests.factories import MEMBER_KEYS, enroll, snapshot
from tests.spreadsheets.sheets import write_csv


@pytest.fixture
def shop(engine):
    """Four members whose names, initials and phones overlap in the ways a clerk meets."""
    return [
        enroll(engine, name="张三", phone="13800138000"),  # M000001  zs
        enroll(engine, name="张三丰", phone="13900001234"),  # M000002  zsf
        enroll(engine, name="李四", phone="13700008000"),  # M000003  ls
        enroll(engine, name="Amy Wang", phone="13600000007"),  # M000004  aw
    ]


def _found(run, *args):
    return [m["member_no"] for m in run.json("member", "search", *args)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三", ["M000001", "M000002"]),  # part of a name
        ("三丰", ["M000002"]),
        ("amy", ["M000004"]),  # any case
        ("WANG", ["M000004"]),
        ("8000", ["M000001", "M000003"]),  # the phone's last 4 digits
        ("1234", ["M000002"]),
        ("zs", ["M000001", "M000002"]),  # pinyin initials, from the start of the name
        ("zsf", ["M000002"]),
        ("ZSF", ["M000002"]),
        ("ls", ["M000003"]),
        ("aw", ["M000004"]),
        ("zhangsan", ["M000001", "M000002"]),  # full pinyin
        ("zhangsanf", ["M000002"]),
        ("zhang san feng", ["M000002"]),
        ("lisi", ["M000003"]),
        ("m000003", ["M000003"]),  # a member number
    ],
)
def test_search_finds_members_the_clerk_means(run, shop, text, expected):  # noqa: ARG001
    assert _found(run, text) == expected


@pytest.mark.parametrize("text", ["王五", "0000", "sf", "xyz", "zhangsi", "%", "_", "13800"])
def test_no_match_is_exit_3_with_one_line(run, shop, text):  # noqa: ARG001
    failure(run("member", "search", text), 3, f"no member matches '{text}'")


def test_empty_search_is_a_usage_error(run, shop):  # noqa: ARG001
    failure(run("member", "search", "  "), 2, "nothing to search for")


def test_json_is_an_array_of_member_objects(run, shop):  # noqa: ARG001
    data = run.json("member", "search", "zsf")
    assert len(data) == 1 and MEMBER_KEYS <= set(data[0])
    assert data[0] | {"name": "张三丰", "phone": "+8613900001234", "tier": "basic"} == data[0]


def test_table_masks_the_phone(run, shop):  # noqa: ARG001
    result = run("member", "search", "张三")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Member", "no", "Name", "Phone", "Tier", "Status"]
    assert lines[2].split() == ["M000001", "张三", "138****8000", "basic", "active"]
    assert lines[3].split() == ["M000002", "张三丰", "139****1234", "basic", "active"]
    assert "13800138000" not in result.stdout and "138 0013 8000" not in result.stdout


def test_limit(run, shop):  # noqa: ARG001
    assert _found(run, "zs", "--limit", "1") == ["M000001"]


def test_every_status_is_found(run, engine, shop):  # noqa: ARG001
    run("member", "cancel", "M000003")
    assert run.json("member", "search", "ls")[0]["status"] == "cancelled"


def test_show_and_other_refs_do_not_search(run, shop):  # noqa: ARG001
    failure(run("member", "show", "zs"), 3, "no member 'zs'")
    failure(run("member", "show", "8000"), 3, "no member '8000'")


def _initials(session):
    session.rollback()  # a fresh snapshot: the CLI wrote in between
    return dict(session.exec(select(Member.member_no, Member.name_initials)).all())


def test_edit_and_forget_keep_the_initials_right(run, session, shop):  # noqa: ARG001
    assert _initials(session)["M000001"] == "zs"
    assert run("member", "edit", "M000001", "--name", "王五").exit_code == 0
    assert _initials(session)["M000001"] == "ww"
    assert _found(run, "ww") == ["M000001"]
    assert _found(run, "zs") == ["M000002"]
    assert run("member", "forget", "M000002", "--yes").exit_code == 0
    assert _initials(session)["M000002"] is None
    failure(run("member", "search", "zsf"), 3, "no member matches 'zsf'")


def test_imported_members_have_their_initials_at_once(run, session, tmp_path):
    rows = [
        ["姓名", "手机号"],
        ["欧阳娜娜", "13811112222"],
        ["Bob Li", "13811113333"],
        ["。。", "13811114444"],
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    assert run("import", "members", str(path)).exit_code == 0
    assert _initials(session) == {"M000001": "oynn", "M000002": "bl", "M000003": ""}
    assert _found(run, "oynn") == ["M000001"]
    assert _found(run, "ouyang") == ["M000001"]


def test_an_import_that_renames_sets_the_new_initials(run, session, shop, tmp_path):  # noqa: ARG001
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["赵六", "13800138000"]])
    result = run("import", "members", str(path), "--on-existing", "update")
    assert result.exit_code == 0, result.stderr
    assert _initials(session)["M000001"] == "zl"
    assert _found(run, "zl") == ["M000001"]
    assert _found(run, "zs") == ["M000002"]


def test_a_search_never_writes_even_beside_missing_initials(run, engine, shop):  # noqa: ARG001
    """A row whose initials are missing (written before imports set them) is found by its
    name, not by initials, and the search leaves it as it is: reads never write."""
    with engine.begin() as connection:
        connection.execute(
            update(Member).where(Member.member_no == "M000002").values(name_initials=None)
        )
    before = snapshot(engine)
    assert _found(run, "zs") == ["M000001"]
    assert _found(run, "三丰") == ["M000002"]
    assert snapshot(engine) == before


@pytest.mark.parametrize("batch", [1000, 1, 3])
def test_nightly_backfills_the_initials(run, engine, session, shop, batch, monkeypatch):  # noqa: ARG001
    # a transaction per batch (so tills wait on one batch's rows): every batch is reached
    monkeypatch.setattr(search, "BATCH", batch)
    with engine.begin() as connection:
        connection.execute(update(Member).values(name_initials=None))
    result = run("nightly", "--as-of", "2026-11-25", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert _initials(session) == {
        "M000001": "zs",
        "M000002": "zsf",
        "M000003": "ls",
        "M000004": "aw",
    }


def test_a_search_with_nothing_to_backfill_writes_nothing(run, engine, shop):  # noqa: ARG001
    before = snapshot(engine)
    assert _found(run, "zs") == ["M000001", "M000002"]
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("张三丰", "zsf"),
        ("Amy Wang", "aw"),
        ("Amy 王", "aw"),
        ("李2号", "l2h"),
        ("绿", "l"),
        ("欧阳 娜娜", "oynn"),
        ("", None),
        (None, None),
    ],
)
def test_initials(name, initials):
    assert names.initials(name) == initials


def test_db_upgrade_fills_the_initials_an_older_import_left_out(fresh_db_url):
    """Migration 0012: rows a bulk import wrote without initials get them at `db upgrade`, so
    that a search has nothing to fill in."""

    from sqlalchemy import MetaData, Table

    from memberctl.db.engine import make_engine
    from memberctl.db.migrate import HEAD_REVISION
    from tests.conftest import Run
    from tests.factories import members_at_revision

    engine = make_engine(fresh_db_url)
    try:
        members_at_revision(
            engine,
            "0011",
            [
                {"id": i, "member_no": f"M00000{i}", "name": name,
                 "phone": f"+861380000000{i}", "name_initials": initials}
                for i, name, initials in [
                    (1, "欧阳娜娜", None), (2, "张三", "zs"), (3, None, None), (4, "。。", None),
                ]
            ],
        )  # fmt: skip
        run = Run(fresh_db_url)
        assert run.json("db", "upgrade") == {"schema_revision": HEAD_REVISION}
        with engine.connect() as connection:
            member = Table("member", MetaData(), autoload_with=connection)
            rows = connection.execute(member.select().order_by(member.c.id)).mappings().all()
        assert [r["name_initials"] for r in rows] == ["oynn", "zs", None, ""]
        assert [m["member_no"] for m in run.json("member", "search", "oynn")] == ["M000001"]
    finally:
        engine.dispose()
