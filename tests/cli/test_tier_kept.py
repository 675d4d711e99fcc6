"""Issue 14: a tier brought from another system, or set by hand, is kept until a date.

Importing members with their tiers and running `nightly` used to put them in the grace period and
downgrade them a month later, because the spend that earned the tier was not imported. Now an
imported tier (on insert, and on `--on-existing update` when the tier changes), `member
upgrade/downgrade` and `member enroll --tier` set `member.tier_kept_until`: by default the day
before the same date 12 months later (setting `tier.kept_months`), or `--tier-until DATE`. Until
then evaluation only upgrades the member; after it the usual grace rules apply.

Imports stamp the real time (they have no --as-of), so the dates here are counted from today."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.models import LifecycleChange, Member
from tests import ledgers
from tests.conftest import error_line
from tests.factories import enroll, member_row, snapshot
from tests.spreadsheets.sheets import write_csv

DAY = dt.timedelta(days=1)


def a_year_on(day: dt.date) -> dt.date:
    """The last day kept by default: the day before the same date 12 months later."""
    try:
        same = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        same = day.replace(year=day.year + 1, day=28)
    return same - DAY


def import_csv(run, tmp_path, rows, *options):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号", "会员等级"], *rows])
    result = run("import", "members", str(path), *options, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def nightly(run, day: dt.date) -> dict:
    result = run("nightly", "--as-of", day.isoformat(), "--allow-future", "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def tiers_of(session) -> dict[str, tuple[str, dt.date | None]]:
    session.rollback()
    rows = session.exec(select(Member).order_by(Member.member_no))
    return {m.name: (m.tier_code, m.tier_kept_until) for m in rows}


THREE = [
    ["张三", "13800138000", "gold"],
    ["李四", "13800138001", "silver"],
    ["王五", "13800138002", "金卡会员"],
]


def test_imported_tiers_are_kept_a_full_window_then_the_grace_rules_apply(run, session, tmp_path):
    today = dt.date.today()
    kept = a_year_on(today)
    import_csv(run, tmp_path, THREE)
    assert tiers_of(session) == {
        "张三": ("gold", kept),
        "李四": ("silver", kept),
        "王五": ("gold", kept),
    }

    for day in (today + DAY, today + 40 * DAY, kept):  # the issue: downgraded a month later
        summary = nightly(run, day)["tiers"]
        assert summary == {
            "evaluated": 3,
            "upgrades": 0,
            "downgrades": 0,
            "in_grace": 0,
            "kept": 3,
        }, day
    assert [t for t, _kept in tiers_of(session).values()] == ["gold", "silver", "gold"]
    assert all(m.below_tier_since is None for m in session.exec(select(Member)))

    assert nightly(run, kept + DAY)["tiers"] | {"evaluated": None} == {
        "evaluated": None,
        "upgrades": 0,
        "downgrades": 0,
        "in_grace": 3,
        "kept": 0,
    }
    last = nightly(run, kept + 31 * DAY)  # about 13 months on: the 30 days of grace are over
    assert (last["tiers"]["downgrades"], last["tiers"]["in_grace"]) == (3, 0)
    assert [t for t, _kept in tiers_of(session).values()] == ["basic", "basic", "basic"]


def test_tier_evaluate_lists_the_kept_members_and_counts_them(run, engine, tmp_path):
    today = dt.date.today()
    import_csv(run, tmp_path, THREE[:2], "--tier-until", (today + 60 * DAY).isoformat())
    before = snapshot(engine)
    as_of = (today + 40 * DAY).isoformat()

    data = run.json("tier", "evaluate", "--as-of", as_of, "--apply", "--allow-future")
    assert (data["changes"], data["in_grace"]) == ([], [])
    assert data["kept"] == [
        {
            "member_no": "M000001",
            "tier": "gold",
            "qualifies_for": "basic",
            "spend_12m": "0.00",
            "kept_until": (today + 60 * DAY).isoformat(),
        },
        {
            "member_no": "M000002",
            "tier": "silver",
            "qualifies_for": "basic",
            "spend_12m": "0.00",
            "kept_until": (today + 60 * DAY).isoformat(),
        },
    ]
    assert snapshot(engine) == before
    table = run("tier", "evaluate", "--as-of", as_of)
    assert table.exit_code == 0
    words = " ".join(table.stderr.split())  # the message wraps at the console's width
    assert words == (
        "2 members evaluated: 0 upgrades, 0 downgrades would apply (add --apply to make them); "
        "0 in the grace period kept below their tier (set by hand or imported): 2, "
        f"the soonest until {(today + 60 * DAY).isoformat()}; -f json lists them under kept (none)"
    )


def test_a_kept_member_is_still_upgraded_by_spend(run, engine, session, tmp_path):
    import_csv(run, tmp_path, THREE[1:2])
    ledgers.buy(engine, "M000001", "6000.00", at=dt.datetime.now() - dt.timedelta(minutes=1))
    data = run.json("tier", "evaluate", "--as-of", dt.date.today().isoformat(), "--apply")
    assert [(c["action"], c["to_tier"]) for c in data["changes"]] == [("upgrade", "gold")]
    assert member_row(session, "M000001").tier_code == "gold"


def test_tier_until_on_import_and_no_tier_keeps_nothing(run, session, tmp_path):
    until = dt.date.today() + 200 * DAY
    rows = [*THREE[:2], ["赵六", "13800138003", "basic"], ["钱七", "13800138004", ""]]
    import_csv(run, tmp_path, rows, "--tier-until", until.isoformat())
    assert tiers_of(session) == {
        "张三": ("gold", until),
        "李四": ("silver", until),
        "赵六": ("basic", None),
        "钱七": ("basic", None),
    }


def test_a_setting_of_0_months_keeps_nothing(run, engine, session, tmp_path):
    ledgers.set_policy(engine, "tier.kept_months", "0")
    import_csv(run, tmp_path, THREE[:1])
    assert tiers_of(session) == {"张三": ("gold", None)}


def test_update_keeps_a_changed_tier_only(run, engine, session, tmp_path):
    changed = enroll(engine, phone="13800138000").member_no  # basic, below nothing
    same = enroll(engine, phone="13800138001", tier="silver").member_no
    assert member_row(session, same).tier_kept_until is not None  # enrolled with a tier: kept
    with transaction(engine) as s:  # as if an earlier evaluation had marked them
        for member in s.exec(select(Member)):
            member.below_tier_since, member.tier_kept_until = dt.date(2026, 1, 1), None
            s.add(member)

    data = import_csv(
        run,
        tmp_path,
        [["张三", "13800138000", "gold"], ["张三", "13800138001", "silver"]],
        "--on-existing",
        "update",
    )

    assert (data["updated"], data["skipped"]) == (1, 1)
    first, second = member_row(session, changed), member_row(session, same)
    assert (first.tier_code, first.tier_kept_until, first.below_tier_since) == (
        "gold",
        a_year_on(dt.date.today()),
        None,
    )
    assert (second.tier_code, second.tier_kept_until, second.below_tier_since) == (
        "silver",
        None,
        dt.date(2026, 1, 1),
    )
    change = session.exec(select(LifecycleChange).where(LifecycleChange.kind == "tier")).one()
    assert (change.from_value, change.to_value) == ("basic", "gold")


def test_upgrade_and_downgrade_by_hand_keep_the_tier(run, engine, session):
    m = enroll(engine).member_no
    until = dt.date.today() + 90 * DAY
    assert (
        run.json("member", "upgrade", m, "--to", "gold", "--tier-until", until.isoformat())["tier"]
        == "gold"
    )
    assert member_row(session, m).tier_kept_until == until
    run.json("member", "downgrade", m)  # gold -> silver, kept the default window
    assert member_row(session, m).tier_kept_until == a_year_on(dt.date.today())
    data = run.json("tier", "evaluate", "--as-of", (dt.date.today() + 300 * DAY).isoformat())
    assert [(k["member_no"], k["tier"]) for k in data["kept"]] == [(m, "silver")]
    run.json("member", "downgrade", m, "--to", "basic")  # nothing to keep at the lowest tier
    assert member_row(session, m).tier_kept_until is None


def test_enroll_with_a_tier_keeps_it(run, session):
    until = dt.date.today() + 10 * DAY
    gold = run.json("member", "enroll", "--name", "A", "--phone", "13800138000", "--tier", "gold")
    kept = run.json(
        "member",
        "enroll",
        "--name",
        "B",
        "--phone",
        "13800138001",
        "--tier",
        "silver",
        "--tier-until",
        until.isoformat(),
    )
    plain = run.json("member", "enroll", "--name", "C", "--phone", "13800138002")
    assert member_row(session, gold["member_no"]).tier_kept_until == a_year_on(dt.date.today())
    assert member_row(session, kept["member_no"]).tier_kept_until == until
    assert member_row(session, plain["member_no"]).tier_kept_until is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "member",
                "enroll",
                "--name",
                "A",
                "--phone",
                "13800138000",
                "--tier-until",
                "2099-01-01",
            ],
            "error: --tier-until goes with --tier",
        ),
        (
            [
                "member",
                "enroll",
                "--name",
                "A",
                "--phone",
                "13800138000",
                "--tier",
                "gold",
                "--tier-until",
                "2000-01-01",
            ],
            "error: --tier-until 2000-01-01 is before today ({today}); give the last day the tier "
            "is kept",
        ),
        (
            ["member", "upgrade", "M000001", "--tier-until", "2000-01-01"],
            "error: --tier-until 2000-01-01 is before today ({today}); give the last day the tier "
            "is kept",
        ),
        (
            ["member", "upgrade", "M000001", "--tier-until", "2026-02-30"],
            "error: Invalid value for '--tier-until': Value error, '2026-02-30' does not match the "
            "formats '%Y-%m-%d'. (see 'memberctl member upgrade --help')",
        ),
        (
            ["import", "members", "{csv}", "--tier-until", "2000-01-01"],
            "error: --tier-until 2000-01-01 is before today ({today}); give the last day the tier "
            "is kept",
        ),
    ],
)
def test_bad_tier_until_is_a_usage_error(run, engine, tmp_path, args, expected):
    enroll(engine, phone="13900139000")
    csv = write_csv(tmp_path / "m.csv", [["姓名", "手机号", "会员等级"], *THREE])
    before = snapshot(engine)
    result = run(*[a.format(csv=csv) for a in args])
    assert result.exit_code == 2
    assert error_line(result) == expected.format(today=dt.date.today())
    assert snapshot(engine) == before
