"""`tier simulate FILE.toml [--as-of]` through the real CLI, on the hand-checked shop of
tests/tiershop.py: the moves and points a tier file would bring, the same moves as `tier load`
then `tier evaluate`, and nothing written."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from memberctl.domain import evaluation
from memberctl.models import Member, Purchase
from tests import tiershop
from tests.conftest import PG_URL, failure
from tests.factories import snapshot

AS_OF = ("--as-of", "2026-11-25")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(engine, run):  # noqa: ARG001  (run: the schema is in place)
    return tiershop.build(engine)


def _simulate(run, path, *more):
    return run.json("tier", "simulate", path, *AS_OF, *more)


def _moves(data):
    return [
        (
            m["from_tier"], m["to_tier"], m["action"], m["members"], m["spend_12m"],
            m["points_now"], m["points_after"], m["points_settled"],
        )
        for m in data["moves"]
    ]  # fmt: skip


def test_moves_and_points_are_the_hand_computed_ones(run, shop, tmp_path):  # noqa: ARG001
    data = _simulate(run, tiershop.write_tiers(tmp_path))

    assert _moves(data) == tiershop.MOVES
    assert data["points"] == tiershop.POINTS
    assert {k: data[k] for k in ("as_of", "file", "written", "stores")} == {
        "as_of": "2026-11-25",
        "file": "new-tiers.toml",
        "written": False,
        "stores": None,
    }
    assert (data["evaluated"], data["upgrades"], data["downgrades"]) == (8, 2, 1)
    assert (data["in_grace"], data["kept"]) == (1, 1)
    silver = next(t for t in data["tiers"] if t["code"] == "silver")
    assert (silver["threshold"], silver["multiplier"], silver["name"]) == (
        "800.00",
        "1.30",
        "银卡会员",
    )


def test_json_keys(run, shop, tmp_path):  # noqa: ARG001
    data = _simulate(run, tiershop.write_tiers(tmp_path))
    assert list(data) == [
        "as_of", "file", "written", "evaluated", "upgrades", "downgrades", "in_grace", "kept",
        "points", "moves", "tiers", "stores",
    ]  # fmt: skip
    assert list(data["points"]) == ["now", "after", "settled"]
    assert list(data["moves"][0]) == [
        "from_tier", "to_tier", "action", "members", "spend_12m", "points_now", "points_after",
        "points_settled",
    ]  # fmt: skip
    assert list(data["tiers"][0]) == [
        "rank", "code", "name", "multiplier", "discount", "threshold", "points_per_unit",
        "earn_rate",
    ]  # fmt: skip


def test_points_now_are_what_the_purchases_earned(run, shop, session, tmp_path):  # noqa: ARG001
    """Every member of the shop bought at the tier they hold now, so `points.now` (the SQL
    formula) is the sum of the points their purchases earned when recorded (Python's)."""
    start, end = evaluation.window(tiershop.AS_OF)
    earned = session.exec(
        select(func.sum(Purchase.points_earned))
        .join(Member, col(Member.id) == Purchase.member_id)
        .where(
            col(Purchase.at) >= start,
            col(Purchase.at) < end,
            col(Purchase.refunded_at).is_(None),
            Member.status == "active",
        )
    ).one()
    assert _simulate(run, tiershop.write_tiers(tmp_path))["points"]["now"] == earned == 35463


def _sqlite_files(db_url: str) -> dict[str, str]:
    path = Path(db_url.removeprefix("sqlite:///"))
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in path.parent.glob(path.name + "*")
        if p.stat().st_size
    }


def test_nothing_is_written(run, shop, engine, db_url, tmp_path):  # noqa: ARG001
    path = tiershop.write_tiers(tmp_path)
    before = snapshot(engine)  # every row of every table, the audit log's too
    engine.dispose()
    files = None if PG_URL else _sqlite_files(db_url)

    for fmt in ("table", "json", "csv"):
        assert run("tier", "simulate", path, *AS_OF, "-f", fmt).exit_code == 0

    if files is not None:
        assert _sqlite_files(db_url) == files  # the file, byte for byte
    assert snapshot(engine) == before


def test_the_same_moves_as_tier_load_then_tier_evaluate(run, shop, tmp_path):  # noqa: ARG001
    path = tiershop.write_tiers(tmp_path)
    simulated = _simulate(run, path)

    assert run("tier", "load", path).exit_code == 0
    evaluated = run.json("tier", "evaluate", *AS_OF)

    counts = Counter(
        {(m["from_tier"], m["to_tier"], m["action"]): m["members"] for m in simulated["moves"]}
    )
    moved = Counter((c["from_tier"], c["to_tier"], c["action"]) for c in evaluated["changes"])
    moved += Counter((g["tier"], g["qualifies_for"], "grace") for g in evaluated["in_grace"])
    moved += Counter((k["tier"], k["qualifies_for"], "kept") for k in evaluated["kept"])
    assert moved == Counter({k: n for k, n in counts.items() if k[2] != "stay"})
    assert evaluated["evaluated"] == simulated["evaluated"]
    assert (evaluated["upgrades"], evaluated["downgrades"]) == (
        simulated["upgrades"],
        simulated["downgrades"],
    )


def test_points_after_are_the_points_once_loaded_and_applied(run, shop, tmp_path):  # noqa: ARG001
    """After `tier load` and `tier evaluate --apply`, the stored tiers price the same purchases at
    what the simulation called `after` (a file that changes nothing shows it as `now`)."""
    simulated = _simulate(run, tiershop.write_tiers(tmp_path))
    assert run("tier", "load", tiershop.write_tiers(tmp_path)).exit_code == 0
    assert run("tier", "evaluate", *AS_OF, "--apply").exit_code == 0
    same = tiershop.write_tiers(tmp_path, '[[tier]]\ncode = "basic"\n', "same.toml")

    again = _simulate(run, same)

    assert again["points"]["now"] == simulated["points"]["after"] == 64055
    assert again["points"]["settled"] == simulated["points"]["settled"]
    assert (again["upgrades"], again["downgrades"], again["in_grace"]) == (0, 0, 1)


def test_csv_holds_the_moves(run, shop, tmp_path):  # noqa: ARG001
    result = run("tier", "simulate", tiershop.write_tiers(tmp_path), *AS_OF, "-f", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "from_tier", "to_tier", "action", "members", "spend_12m", "points_now", "points_after",
        "points_settled",
    ]  # fmt: skip
    assert [tuple(r) for r in rows[1:]] == [tuple(map(str, m)) for m in tiershop.MOVES]


def test_out_writes_the_file(run, shop, tmp_path):  # noqa: ARG001
    path = tiershop.write_tiers(tmp_path)
    out = tmp_path / "moves.json"
    result = run("tier", "simulate", path, *AS_OF, "--out", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(out.read_text(encoding="utf-8"))["points"] == tiershop.POINTS
    out_csv = tmp_path / "moves.csv"
    assert run("tier", "simulate", path, *AS_OF, "--out", str(out_csv)).exit_code == 0
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbffrom_tier,to_tier,action,")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--out", "moves.txt"), "error: cannot tell the format of --out 'moves.txt'; give "
         "--format json or csv, or a file name with that suffix"),
        (("-f", "table", "--out", "moves.json"), "error: a table is for the terminal; with "
         "--out give --format json or csv"),
    ],
)  # fmt: skip
def test_bad_out_is_a_usage_error(run, engine, tmp_path, args, line):
    before = snapshot(engine)
    args = tuple(str(tmp_path / a) if a.startswith("moves") else a for a in args)
    result = run("tier", "simulate", tiershop.write_tiers(tmp_path), *AS_OF, *args)
    assert failure(result, 2) == line
    assert snapshot(engine) == before
    assert not list(tmp_path.glob("moves*"))


BAD_FILES = {
    "not TOML": "[[tier]\ncode = 1\n",
    "unknown top key": "tiers = 1\n",
    "no tiers": "# nothing\n",
    "thresholds that fall": '[[tier]]\ncode = "gold"\nthreshold = "500"\n',
    "several problems": (
        '[[tier]]\ncode = "vip"\nname = "贵宾"\nrank = 100\n\n'
        '[[tier]]\ncode = "silver"\nmultiplier = "abc"\ndiscount = 0\n'
    ),
}


@pytest.mark.parametrize("text", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_gives_tier_loads_error(run, engine, tmp_path, text):
    path = tiershop.write_tiers(tmp_path, text, "bad.toml")
    before = snapshot(engine)

    simulated = run("tier", "simulate", path, *AS_OF)
    loaded = run("tier", "load", path)

    assert simulated.exit_code == loaded.exit_code == 5
    assert simulated.stdout == loaded.stdout == ""
    assert simulated.stderr == loaded.stderr
    assert simulated.stderr.startswith("error: bad.toml")
    assert snapshot(engine) == before


def test_the_error_lines_of_a_bad_file(run, tmp_path):
    path = tiershop.write_tiers(tmp_path, BAD_FILES["several problems"], "bad.toml")
    result = run("tier", "simulate", path, *AS_OF)
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "error: bad.toml: 3 problems, nothing was written; see templates/tiers.toml",
        "  tier #1 (vip): rank must be a whole number from 1 to 99",
        "  tier #2 (silver): multiplier must be a number from 0 to 100",
        "  tier #2 (silver): discount must be more than 0 and at most 1",
    ]


def test_a_missing_file_is_not_found(run, tmp_path):
    result = run("tier", "simulate", str(tmp_path / "missing.toml"), *AS_OF)
    assert failure(result, 3, "no file", "missing.toml", "check the path")


def test_empty_database(run, tmp_path):
    data = run.json("tier", "simulate", str(ROOT / "templates" / "tiers.toml"), *AS_OF)
    assert data["moves"] == []
    assert data["points"] == {"now": 0, "after": 0, "settled": 0}
    assert (data["evaluated"], data["upgrades"], data["downgrades"]) == (0, 0, 0)
    assert [t["code"] for t in data["tiers"]] == ["basic", "silver", "gold", "platinum"]
    table = run("tier", "simulate", tiershop.write_tiers(tmp_path), *AS_OF)
    assert table.exit_code == 0
    assert table.stderr.splitlines()[0] == (
        "active members: 0; upgrades now: 0, downgrades now: 0, downgrades after the grace "
        "period: 0, kept below their tier (set by hand or imported): 0"
    )
    assert "(none)" in table.stderr


def test_a_manager_of_one_store_sees_its_members_and_a_clerk_none(run, engine, tmp_path):
    """A manager may simulate (it writes nothing); their figures keep to their stores' members
    and those of no store, as reports do. A clerk may not (exit 6)."""
    from tests.cli.test_staff_scope import _staff
    from tests.factories import add_store, enroll
    from tests.ledgers import buy

    for store in ("S1", "S2", None):
        if store:
            add_store(engine, store)
        member_no = enroll(engine, **({"store": store} if store else {})).member_no
        buy(engine, member_no, "900.00", at=tiershop.DT(2026, 10, 15, 10))
    tokens = {role: _staff(engine, role, role, ("S1",)) for role in ("manager", "clerk")}
    path = tiershop.write_tiers(tmp_path)

    def as_(role, *more):
        return run(
            "tier",
            "simulate",
            path,
            *AS_OF,
            *more,
            env={"MEMBERCTL_TOKEN": tokens[role], "MEMBERCTL_OPERATOR": None},
        )

    result = as_("manager", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["evaluated"], data["upgrades"], data["stores"]) == (2, 2, ["S1"])
    assert "members of S1 only" in as_("manager").stderr
    failure(as_("clerk"), 6, "'memberctl tier simulate' needs a manager or the owner")
