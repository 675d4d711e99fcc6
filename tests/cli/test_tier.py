"""`tier list` and `tier load`: the default tiers, upserting from TOML, and files that are refused
with nothing written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select

from memberctl.models import AuditEntry, Tier
from tests.conftest import failure
from tests.factories import snapshot

TEMPLATE = Path(__file__).parents[2] / "templates" / "tiers.toml"
DEFAULTS = [
    {"rank": 1, "code": "basic", "name": "普通会员", "multiplier": "1.00", "discount": "1.00",
     "threshold": "0.00"},
    {"rank": 2, "code": "silver", "name": "银卡会员", "multiplier": "1.20", "discount": "0.98",
     "threshold": "1000.00"},
    {"rank": 3, "code": "gold", "name": "金卡会员", "multiplier": "1.50", "discount": "0.95",
     "threshold": "5000.00"},
    {"rank": 4, "code": "platinum", "name": "白金会员", "multiplier": "2.00", "discount": "0.90",
     "threshold": "20000.00"},
]  # fmt: skip


def tier_rows(session):
    session.rollback()
    return {t.code: t for t in session.exec(select(Tier).order_by(col(Tier.rank)))}


def toml(tmp_path, text: str, name: str = "tiers.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_default_tiers_in_rank_order(run, session):
    assert run.json("tier", "list") == DEFAULTS
    assert list(tier_rows(session)) == ["basic", "silver", "gold", "platinum"]


def test_tier_list_table_and_csv(run):
    table = run("tier", "list")
    assert table.exit_code == 0, table.stderr
    assert all(name in table.stdout for name in ("普通会员", "银卡会员", "金卡会员", "白金会员"))
    result = run("tier", "list", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "rank,code,name,multiplier,discount,threshold",
        "1,basic,普通会员,1.00,1.00,0.00", "2,silver,银卡会员,1.20,0.98,1000.00",
        "3,gold,金卡会员,1.50,0.95,5000.00", "4,platinum,白金会员,2.00,0.90,20000.00",
    ]  # fmt: skip


def test_load_updates_by_code_adds_new_and_keeps_the_rest(run, session, tmp_path):
    path = toml(tmp_path, """
        # 调整金卡，新增钻石卡
        [[tier]]
        code = "GOLD"
        name = "金卡"
        rank = 3
        multiplier = 1.8
        discount = "0.9"
        threshold = 6000

        [[tier]]
        code = "diamond"
        name = "钻石会员"
        rank = 5
        multiplier = "3.00"
    """)  # fmt: skip
    data = run.json("tier", "load", path)
    assert [t["code"] for t in data] == ["basic", "silver", "gold", "platinum", "diamond"]
    assert data[2] == {"rank": 3, "code": "gold", "name": "金卡", "multiplier": "1.80",
                       "discount": "0.90", "threshold": "6000.00"}  # fmt: skip
    assert data[4] == {"rank": 5, "code": "diamond", "name": "钻石会员", "multiplier": "3.00",
                       "discount": "1.00", "threshold": "0.00"}  # fmt: skip
    rows = tier_rows(session)
    assert (rows["gold"].name, rows["gold"].multiplier, rows["gold"].threshold) == (
        "金卡", Decimal("1.80"), Decimal("6000.00"),
    )  # fmt: skip
    assert (rows["diamond"].rank, rows["diamond"].discount) == (5, Decimal("1.00"))
    assert rows["silver"].name == "银卡会员"
    entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.operator) == ("tier.load", "tester")
    assert entry.details == {"file": "tiers.toml", "codes": ["gold", "diamond"]}


def test_loading_the_template_restores_the_defaults(run, session, tmp_path):
    run.json("tier", "load", toml(tmp_path, '[[tier]]\ncode="gold"\nname="G"\nrank=3\n'))
    assert run.json("tier", "load", str(TEMPLATE)) == DEFAULTS
    assert tier_rows(session)["gold"].name == "金卡会员"


def test_ranks_can_be_swapped_in_one_file(run, session, tmp_path):
    path = toml(tmp_path, '[[tier]]\ncode="gold"\nname="金"\nrank=4\n'
                          '[[tier]]\ncode="platinum"\nname="白金"\nrank=3\n')  # fmt: skip
    assert [t["code"] for t in run.json("tier", "load", path)] == [
        "basic", "silver", "platinum", "gold",
    ]  # fmt: skip
    assert (tier_rows(session)["gold"].rank, tier_rows(session)["platinum"].rank) == (4, 3)


BAD_FILES = {
    "not toml": ('[[tier]]\ncode = "x"\nname =', ("is not valid TOML",)),
    "no tiers": ("# empty\n", ("has no [[tier]] tables",)),
    "tier not an array": ('[tier]\ncode="a"\nname="A"\nrank=9\n', ("has no [[tier]] tables",)),
    "unknown key": ('[[tier]]\ncode="a"\nname="A"\nrank=9\ncolour="red"\n',
                    ("tier #1: unknown key 'colour'",)),
    "unknown top-level key": ('title="x"\n[[tier]]\ncode="a"\nname="A"\nrank=9\n',
                              ("unknown key 'title'",)),
    "duplicate code": ('[[tier]]\ncode="a"\nname="A"\nrank=8\n[[tier]]\ncode="A"\nname="B"\n'
                       'rank=9\n', ("code 'a' appears twice",)),
    "duplicate rank": ('[[tier]]\ncode="a"\nname="A"\nrank=8\n[[tier]]\ncode="b"\nname="B"\n'
                       'rank=8\n', ("rank 8 appears twice",)),
    "rank of a kept tier": ('[[tier]]\ncode="a"\nname="A"\nrank=2\n',
                            ("rank 2 is used by both silver and a",)),
    "bad code": ('[[tier]]\ncode="Gold Card"\nname="A"\nrank=9\n', ("code must be like 'gold'",)),
    "no name": ('[[tier]]\ncode="a"\nrank=9\n', ("name is missing",)),
    "long name": (f'[[tier]]\ncode="a"\nname="{"长" * 65}"\nrank=9\n',
                  ("name is longer than 64 characters",)),
    "rank zero": ('[[tier]]\ncode="a"\nname="A"\nrank=0\n', ("rank must be a whole number >= 1",)),
    "rank text": ('[[tier]]\ncode="a"\nname="A"\nrank="9"\n', ("rank must be a whole number",)),
    "negative multiplier": ('[[tier]]\ncode="a"\nname="A"\nrank=9\nmultiplier=-1\n',
                            ("multiplier must be a number >= 0",)),
    "huge multiplier": ('[[tier]]\ncode="a"\nname="A"\nrank=9\nmultiplier=100000\n',
                        ("multiplier must be <= 9999.99",)),
    "zero discount": ('[[tier]]\ncode="a"\nname="A"\nrank=9\ndiscount=0\n',
                      ("discount must be in (0, 1]",)),
    "discount above one": ('[[tier]]\ncode="a"\nname="A"\nrank=9\ndiscount="1.5"\n',
                           ("discount must be <= 1",)),
    "threshold text": ('[[tier]]\ncode="a"\nname="A"\nrank=9\nthreshold="lots"\n',
                       ("threshold must be a number >= 0",)),
    "several problems": ('[[tier]]\ncode="a"\nrank=0\nmultiplier=-1\n',
                         ("name is missing (and 2 more)",)),
}  # fmt: skip


@pytest.mark.parametrize(("text", "fragments"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_exits_5_and_writes_nothing(run, engine, tmp_path, text, fragments):
    before = snapshot(engine)
    failure(run("tier", "load", toml(tmp_path, text, "bad.toml")), 5, "bad.toml", *fragments)
    assert snapshot(engine) == before


@pytest.mark.parametrize("name", ["missing.toml", "."])
def test_missing_file_is_not_found(run, engine, tmp_path, name):
    before = snapshot(engine)
    failure(run("tier", "load", str(tmp_path / name)), 3, "no file", "check the path")
    assert snapshot(engine) == before


def test_file_that_is_not_utf8_is_invalid(run, engine, tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('[[tier]]\ncode="a"\nname="金卡"\nrank=9\n'.encode("gbk"))
    before = snapshot(engine)
    failure(run("tier", "load", str(path)), 5, "gbk.toml is not valid TOML")
    assert snapshot(engine) == before
