"""The earning rate: a tier's own `points_per_unit` (tier load), else the shop's `points.per_unit`
setting. `tier list` shows the rate each tier earns at; `purchase record` (Python) and
`import purchases` (SQL) earn the same points from it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import col, select

from memberctl.models import Tier
from tests.conftest import failure
from tests.factories import enroll, snapshot
from tests.spreadsheets.sheets import write_csv


def toml(tmp_path, text: str, name: str = "rates.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def own_rates(session) -> dict[str, Decimal | None]:
    session.rollback()
    return {t.code: t.points_per_unit for t in session.exec(select(Tier).order_by(col(Tier.rank)))}


def rates(run) -> list[tuple[str, str | None, str]]:
    return [(t["code"], t["points_per_unit"], t["earn_rate"]) for t in run.json("tier", "list")]


def test_tiers_follow_the_shop_rate_until_they_set_their_own(run, session, tmp_path):
    assert rates(run) == [(c, None, "1.00") for c in ("basic", "silver", "gold", "platinum")]
    loaded = run.json(
        "tier", "load", toml(tmp_path, '[[tier]]\ncode = "gold"\npoints_per_unit = "2.5"\n')
    )
    assert loaded[2]["points_per_unit"] == "2.50" and loaded[2]["earn_rate"] == "2.50"
    assert own_rates(session) == {
        "basic": None,
        "silver": None,
        "gold": Decimal("2.50"),
        "platinum": None,
    }
    run("settings", "set", "points.per_unit", "3")
    assert rates(run) == [
        ("basic", None, "3.00"),
        ("silver", None, "3.00"),
        ("gold", "2.50", "2.50"),
        ("platinum", None, "3.00"),
    ]
    # a load that leaves the key out keeps the tier's rate; "shop" puts it back on the shop's
    run.json("tier", "load", toml(tmp_path, '[[tier]]\ncode = "gold"\nmultiplier = 2\n'))
    assert own_rates(session)["gold"] == Decimal("2.50")
    run.json("tier", "load", toml(tmp_path, '[[tier]]\ncode = "gold"\npoints_per_unit = "Shop"\n'))
    assert own_rates(session)["gold"] is None
    assert rates(run)[2] == ("gold", None, "3.00")


def test_a_new_tier_without_a_rate_follows_the_shop_and_one_with_zero_earns_nothing(
    run, session, tmp_path
):
    path = toml(
        tmp_path,
        '[[tier]]\ncode = "diamond"\nname = "钻石会员"\nrank = 5\nthreshold = 50000\n'
        '[[tier]]\ncode = "staff"\nname = "员工"\nrank = 6\nthreshold = 90000\n'
        "points_per_unit = 0\n",
    )
    data = run.json("tier", "load", path)
    assert [(t["code"], t["points_per_unit"], t["earn_rate"]) for t in data[4:]] == [
        ("diamond", None, "1.00"),
        ("staff", "0.00", "0.00"),
    ]
    assert own_rates(session)["staff"] == Decimal("0.00")


@pytest.mark.parametrize(
    "value", ['"-1"', "1000.01", '"2.345"', '"abc"', "true", "[1]", '""', '"nan"', '"1e4"']
)
def test_a_bad_rate_is_refused_like_the_multiplier(run, engine, tmp_path, value):
    before = snapshot(engine)
    path = toml(tmp_path, f'[[tier]]\ncode = "gold"\npoints_per_unit = {value}\n')
    line = failure(run("tier", "load", path), 5)
    if value == '"2.345"':
        assert line == (
            "error: rates.toml: tier #1 (gold): points_per_unit has more than 2 decimals; "
            "see templates/tiers.toml"
        )
    else:
        assert line == (
            "error: rates.toml: tier #1 (gold): points_per_unit must be a number from 0 to 1000, "
            'or "shop" to earn at the shop\'s points.per_unit; see templates/tiers.toml'
        )
    assert snapshot(engine) == before


def test_the_upper_end_of_the_rate_is_allowed(run, tmp_path):
    data = run.json(
        "tier", "load", toml(tmp_path, '[[tier]]\ncode = "gold"\npoints_per_unit = 1000\n')
    )
    assert data[2]["earn_rate"] == "1000.00"


def test_tier_list_marks_the_rates_that_follow_the_shop(run, tmp_path):
    run.json("tier", "load", toml(tmp_path, '[[tier]]\ncode = "gold"\npoints_per_unit = "2"\n'))
    result = run("tier", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Points per 1.00" in lines[0]
    assert "1.00 (shop)" in lines[2] and "2.00" in lines[4] and "(shop)" not in lines[4]
    assert result.stderr == "(shop): the tier earns at the shop's rate, setting points.per_unit\n"
    csv = run("tier", "list", "-f", "csv").stdout.splitlines()
    assert csv[0] == "rank,code,name,multiplier,discount,threshold,points_per_unit,earn_rate"
    assert csv[3] == "3,gold,金卡会员,1.50,0.95,5000.00,2.00,2.00"


def test_the_template_loads_with_its_rate_lines_uncommented(run, tmp_path):
    from tests.contract.test_templates import TIERS_TOML

    text = TIERS_TOML.read_text(encoding="utf-8").replace(
        '# points_per_unit = "1.00"', 'points_per_unit = "1.00"'
    )
    data = run.json("tier", "load", toml(tmp_path, text))
    assert [(t["points_per_unit"], t["earn_rate"]) for t in data] == [("1.00", "1.00")] * 4


# -- the Python path (purchase record) and the SQL path (import purchases) agree ----------------

# (tier, birthday, amount): silver follows the shop, gold has its own rate, some in the birthday
# month (November), amounts that make every factor's cents count
CASES = [
    ("basic", None, "19.99"),
    ("silver", None, "19.99"),
    ("silver", "1990-11-02", "19.99"),
    ("gold", None, "123.45"),
    ("gold", "1988-11-30", "0.01"),
    ("platinum", "1991-11-15", "77.77"),
]
# hand-computed with points.per_unit 2, birthday multiplier 1.5, gold's own rate 2.5, rounded
# down: 19.99 x 2 x 1.00 = 39.98; x 1.20 = 47.976; x 1.5 = 71.964; 123.45 x 2.5 x 1.5 = 462.9375;
# 0.01 x 2.5 x 1.5 x 1.5 = 0.05625; 77.77 x 2 x 2 x 1.5 = 466.62
EXPECTED = [39, 47, 71, 462, 0, 466]


def _arrange(run, tmp_path) -> None:
    run("settings", "set", "points.per_unit", "2")
    run("settings", "set", "points.birthday_multiplier", "1.5")
    run.json("tier", "load", toml(tmp_path, '[[tier]]\ncode = "gold"\npoints_per_unit = "2.5"\n'))


def _members(engine) -> list[str]:
    found = []
    for tier, birthday, _amount in CASES:
        extra = {"birthday": birthday} if birthday else {}
        found.append(enroll(engine, tier=tier, **extra).member_no)
    return found


def test_purchase_record_and_import_purchases_earn_the_same(run, engine, tmp_path):
    _arrange(run, tmp_path)
    recorded = _members(engine)
    imported = _members(engine)
    by_hand = [
        run.json(
            "purchase", "record", m, amount, "--order-no", f"R{i}", "--at", "2026-11-20T10:00"
        )["points_earned"]
        for i, (m, (_tier, _birthday, amount)) in enumerate(zip(recorded, CASES, strict=True))
    ]
    rows = [
        [m, f"I{i}", amount, "2026-11-20 10:00"]
        for i, (m, (_tier, _birthday, amount)) in enumerate(zip(imported, CASES, strict=True))
    ]
    path = write_csv(tmp_path / "p.csv", [["会员卡号", "订单号", "金额", "时间"], *rows])
    result = run("import", "purchases", str(path), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == len(CASES)
    from_import = [run.json("member", "show", m)["points"] for m in imported]
    assert by_hand == from_import == EXPECTED


def test_with_the_default_settings_both_paths_earn_as_before(run, engine, tmp_path):
    m1 = enroll(engine, tier="silver").member_no
    m2 = enroll(engine, tier="silver").member_no
    earned = run.json("purchase", "record", m1, "19.99", "--at", "2026-11-20T10:00")
    path = write_csv(
        tmp_path / "p.csv",
        [["会员卡号", "订单号", "金额", "时间"], [m2, "A1", "19.99", "2026-11-20"]],
    )
    assert run("import", "purchases", str(path)).exit_code == 0
    assert earned["points_earned"] == run.json("member", "show", m2)["points"] == 23
