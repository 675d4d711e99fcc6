"""`tier list` and `tier load`: the default tiers, upserting from TOML, and files that are refused
with nothing written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select

from memberctl.models import AuditEntry, Tier
from tests.conftest import error_line, failure
from tests.contract.test_templates import DEFAULT_TIERS
from tests.factories import snapshot

TEMPLATE = Path(__file__).parents[2] / "templates" / "tiers.toml"
DEFAULTS = DEFAULT_TIERS  # the contract's default tiers, one copy


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
        "rank,code,name,multiplier,discount,threshold,points_per_unit,earn_rate",
        "1,basic,普通会员,1.00,1.00,0.00,,1.00",
        "2,silver,银卡会员,1.20,0.98,1000.00,,1.00",
        "3,gold,金卡会员,1.50,0.95,5000.00,,1.00",
        "4,platinum,白金会员,2.00,0.90,20000.00,,1.00",
    ]


def test_load_updates_by_code_adds_new_and_keeps_the_rest(run, session, tmp_path):
    path = toml(
        tmp_path,
        """
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
        threshold = "50000.00"
    """,
    )
    data = run.json("tier", "load", path)
    assert [t["code"] for t in data] == ["basic", "silver", "gold", "platinum", "diamond"]
    assert data[2] == {
        "rank": 3,
        "code": "gold",
        "name": "金卡",
        "multiplier": "1.80",
        "discount": "0.90",
        "threshold": "6000.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    }
    assert data[4] == {
        "rank": 5,
        "code": "diamond",
        "name": "钻石会员",
        "multiplier": "3.00",
        "discount": "1.00",
        "threshold": "50000.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    }
    rows = tier_rows(session)
    assert (rows["gold"].name, rows["gold"].multiplier, rows["gold"].threshold) == (
        "金卡",
        Decimal("1.80"),
        Decimal("6000.00"),
    )
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
    path = toml(
        tmp_path,
        '[[tier]]\ncode="gold"\nname="金"\nrank=4\nthreshold=25000\n'
        '[[tier]]\ncode="platinum"\nname="白金"\nrank=3\n'
        "threshold=9000\n",
    )
    assert [t["code"] for t in run.json("tier", "load", path)] == [
        "basic",
        "silver",
        "platinum",
        "gold",
    ]
    assert (tier_rows(session)["gold"].rank, tier_rows(session)["platinum"].rank) == (4, 3)


A = '[[tier]]\ncode="a"\nname="A"\nthreshold=90000\n'  # a new tier above the defaults
BAD_FILES = {
    "not toml": ('[[tier]]\ncode = "x"\nname =', ("is not valid TOML",)),
    "no tiers": ("# empty\n", ("has no [[tier]] tables",)),
    "tier not an array": ('[tier]\ncode="a"\nname="A"\nrank=9\n', ("has no [[tier]] tables",)),
    "unknown key": (A + 'rank=9\ncolour="red"\n', ("tier #1: unknown key 'colour'",)),
    "unknown top-level key": ('title="x"\n' + A + "rank=9\n", ("unknown key 'title'",)),
    "duplicate code": (
        A + 'rank=8\n[[tier]]\ncode="A"\nname="B"\nrank=9\nthreshold=90001\n',
        ("code 'a' appears twice",),
    ),
    "duplicate rank": (
        A + 'rank=8\n[[tier]]\ncode="b"\nname="B"\nrank=8\nthreshold=90001\n',
        ("rank 8 is used by both a and b; give every tier its own rank",),
    ),
    "rank of a kept tier": (
        '[[tier]]\ncode="a"\nname="A"\nrank=2\nthreshold=500\n',
        ("rank 2 is used by both a and silver",),
    ),
    "bad code": (
        '[[tier]]\ncode="Gold Card"\nname="A"\nrank=9\nthreshold=90000\n',
        ("code must be like 'gold'",),
    ),
    "no code": (
        '[[tier]]\nname="A"\nrank=9\nthreshold=90000\n',
        ("error: bad.toml: tier #1: code must be like 'gold'; see templates/tiers.toml",),
    ),
    "no name": ('[[tier]]\ncode="a"\nrank=9\nthreshold=90000\n', ("tier #1 (a): name is missing",)),
    "long name": (
        f'[[tier]]\ncode="a"\nname="{"长" * 65}"\nrank=9\nthreshold=90000\n',
        ("name is longer than 64 characters",),
    ),
    "no rank": (A, ("tier #1 (a): rank must be a whole number from 1 to 99",)),
    "rank zero": (A + "rank=0\n", ("tier #1 (a): rank must be a whole number from 1 to 99",)),
    "rank 100": (A + "rank=100\n", ("rank must be a whole number from 1 to 99",)),
    "rank text": (A + 'rank="9"\n', ("rank must be a whole number from 1 to 99",)),
    "rank float": (A + "rank=9.0\n", ("rank must be a whole number from 1 to 99",)),
    "rank true": (A + "rank=true\n", ("rank must be a whole number from 1 to 99",)),
    "negative multiplier": (
        A + "rank=9\nmultiplier=-1\n",
        ("tier #1 (a): multiplier must be a number from 0 to 100",),
    ),
    "huge multiplier": (
        A + "rank=9\nmultiplier=100.01\n",
        ("multiplier must be a number from 0 to 100",),
    ),
    "infinite multiplier": (
        A + "rank=9\nmultiplier=inf\n",
        ("multiplier must be a number from 0 to 100",),
    ),
    "multiplier of 3 decimals": (
        A + 'rank=9\nmultiplier="1.255"\n',
        ("tier #1 (a): multiplier has more than 2 decimals",),
    ),
    "zero discount": (
        A + "rank=9\ndiscount=0\n",
        ("tier #1 (a): discount must be more than 0 and at most 1",),
    ),
    "discount above one": (
        A + 'rank=9\ndiscount="1.5"\n',
        ("discount must be more than 0 and at most 1",),
    ),
    "threshold text": (
        '[[tier]]\ncode="a"\nname="A"\nrank=9\nthreshold="lots"\n',
        ("tier #1 (a): threshold must be a number from 0 to 999999999.99",),
    ),
    "threshold nan": (
        '[[tier]]\ncode="a"\nname="A"\nrank=9\nthreshold=nan\n',
        ("threshold must be a number from 0 to 999999999.99",),
    ),
    "huge threshold": (
        '[[tier]]\ncode="a"\nname="A"\nrank=9\nthreshold="1000000000.00"\n',
        ("threshold must be a number from 0 to 999999999.99",),
    ),
    "threshold of a tenth of a cent": (
        '[[tier]]\ncode="a"\nname="A"\nrank=9\nthreshold="90000.005"\n',
        ("tier #1 (a): threshold has more than 2 decimals",),
    ),
    "new tier without threshold": (
        '[[tier]]\ncode="a"\nname="A"\nrank=9\n',
        (
            "a (rank 9): threshold 0.00 is not above platinum's 20000.00 "
            "(rank 4); thresholds must rise with rank",
        ),
    ),
    "falling threshold": (
        '[[tier]]\ncode="gold"\nthreshold=900\n',
        (
            "gold (rank 3): threshold 900.00 is not above silver's 1000.00 "
            "(rank 2); thresholds must rise with rank",
        ),
    ),
    "equal threshold": (
        '[[tier]]\ncode="platinum"\nthreshold="5000.00"\n',
        ("platinum (rank 4): threshold 5000.00 is not above gold's 5000.00",),
    ),
}


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


def stderr_lines(result) -> list[str]:
    assert result.stdout == "", result.stdout
    return result.stderr.splitlines()


def test_thresholds_that_fall_as_rank_rises_are_refused(run, engine, session, tmp_path):
    """Issue 13.7: basic moved to rank 5 with threshold 0 and a rank-12 tier without one were
    accepted, and then a member who spent 200.00 went to the top tier."""
    path = toml(
        tmp_path,
        """
        [[tier]]
        code = "basic"
        name = "普通会员"
        rank = 5
        threshold = 0

        [[tier]]
        code = "vip"
        name = "贵宾"
        rank = 12
    """,
    )
    before = snapshot(engine)

    result = run("tier", "load", path)

    assert result.exit_code == 5
    assert stderr_lines(result) == [
        "error: tiers.toml: 2 problems, nothing was written; see templates/tiers.toml",
        "  basic (rank 5): threshold 0.00 is not above platinum's 20000.00 (rank 4); "
        "thresholds must rise with rank",
        "  vip (rank 12): threshold 0.00 is not above basic's 0.00 (rank 5); "
        "thresholds must rise with rank",
    ]
    assert snapshot(engine) == before
    assert tier_rows(session)["basic"].rank == 1


def test_the_resulting_set_is_checked_so_a_file_can_reorder_tiers(run, session, tmp_path):
    """Moving basic to the top is fine when the file gives it the highest threshold and moves
    silver to the bottom: the stored and loaded tiers are checked together."""
    path = toml(
        tmp_path,
        '[[tier]]\ncode="basic"\nrank=5\nthreshold=30000\n'
        '[[tier]]\ncode="silver"\nrank=1\nthreshold=0\n',
    )
    data = run.json("tier", "load", path)
    assert [(t["code"], t["rank"], t["threshold"]) for t in data] == [
        ("silver", 1, "0.00"),
        ("gold", 3, "5000.00"),
        ("platinum", 4, "20000.00"),
        ("basic", 5, "30000.00"),
    ]
    assert tier_rows(session)["basic"].name == "普通会员"


def test_reloading_some_keys_of_a_tier_keeps_the_others(run, session, tmp_path):
    """Issue 13.7: a reload of silver with name, rank and threshold reset its multiplier from
    1.20 to 1.00."""
    path = toml(tmp_path, '[[tier]]\ncode="silver"\nname="银卡"\nrank=2\nthreshold="1500"\n')
    data = run.json("tier", "load", path)
    assert data[1] == {
        "rank": 2,
        "code": "silver",
        "name": "银卡",
        "multiplier": "1.20",
        "discount": "0.98",
        "threshold": "1500.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    }
    silver = tier_rows(session)["silver"]
    assert (silver.multiplier, silver.discount) == (Decimal("1.20"), Decimal("0.98"))
    only_discount = toml(tmp_path, '[[tier]]\ncode="silver"\ndiscount="0.97"\n', "d.toml")
    assert run.json("tier", "load", only_discount)[1] == data[1] | {"discount": "0.97"}


def test_a_huge_rank_is_invalid_input_not_a_crash(run, engine, tmp_path):
    """Issue 13: rank = 99999999999999999999 ended in exit 1 (the database's integer overflowed)."""
    path = toml(
        tmp_path, '[[tier]]\ncode="top"\nname="顶级"\nrank=99999999999999999999\nthreshold=90000\n'
    )
    before = snapshot(engine)
    result = run("tier", "load", path)
    assert result.exit_code == 5
    assert error_line(result) == (
        "error: tiers.toml: tier #1 (top): rank must be a whole number from 1 to 99; "
        "see templates/tiers.toml"
    )
    assert snapshot(engine) == before


SEVERAL = '[[tier]]\ncode="a"\nrank=0\nmultiplier=-1\n[[tier]]\ncode="b"\nname="B"\nrank=9\n'


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "error: bad.toml: 5 problems, nothing was written; see templates/tiers.toml",
                "  tier #1 (a): name is missing",
                "  tier #1 (a): rank must be a whole number from 1 to 99",
                "  tier #1 (a): multiplier must be a number from 0 to 100",
                "  tier #2 (b): discount must be more than 0 and at most 1",
                "  b (rank 9): threshold 0.00 is not above platinum's 20000.00 (rank 4); "
                "thresholds "
                "must rise with rank",
            ],
        ),
        (
            "zh",
            [
                "错误：bad.toml：5 个问题，未写入任何内容；见 templates/tiers.toml",
                "  第 1 个等级（a）：缺少名称",
                "  第 1 个等级（a）：rank 必须是 1 到 99 的整数",
                "  第 1 个等级（a）：multiplier 必须是 0 到 100 之间的数",
                "  第 2 个等级（b）：discount 必须大于 0 且不超过 1",
                "  b（rank 9）：threshold 0.00 不高于 platinum（rank 4）的 20000.00；"
                "threshold 必须随 "
                "rank 升高",
            ],
        ),
    ],
)
def test_every_problem_is_listed_one_line_each(run, engine, tmp_path, lang, expected):
    """Issue 14: only the first problem and "(and 2 more)" were shown."""
    path = toml(tmp_path, SEVERAL.replace("rank=9\n", "rank=9\ndiscount=0\n"), "bad.toml")
    before = snapshot(engine)
    result = run("--lang", lang, "tier", "load", path)
    assert result.exit_code == 5
    assert stderr_lines(result) == expected
    assert snapshot(engine) == before
