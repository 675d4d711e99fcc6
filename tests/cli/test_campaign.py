"""`campaign add / list / show`: the TOML file, its validation, and versions kept on update."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from memberctl.domain.campaigns import KEYS
from memberctl.models import AuditEntry, Campaign, CampaignVersion
from tests.conftest import failure
from tests.factories import snapshot

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates" / "campaigns").glob("*.toml"))

POINTS_TOML = """\
code = "thanks"
name = "感谢积分"
action = "award_points"
points = 100
where = "tier >= gold"
period = "monthly"
starts = 2026-01-01
ends = 2026-12-31
"""
COUPON_TOML = """\
code = "drop"
name = "Coupon drop"
action = "issue_coupon"
coupon_value = "20"
coupon_min_spend = "100.00"
weekdays_only = true
where = "inactive_days >= 30"
period = "weekly"
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_add_stores_the_campaign_and_shows_it(run, session, tmp_path):
    data = run.json("campaign", "add", str(write(tmp_path, POINTS_TOML)))

    assert data == {
        "code": "thanks",
        "name": "感谢积分",
        "action": "award_points",
        "period": "monthly",
        "where": "tier >= gold",
        "points": 100,
        "coupon_value": None,
        "coupon_min_spend": None,
        "coupon_valid_days": None,
        "weekdays_only": False,
        "no_holidays": False,
        "starts": "2026-01-01",
        "ends": "2026-12-31",
        "version": 1,
        "updated_at": data["updated_at"],
    }
    row = session.exec(select(Campaign)).one()
    assert (row.code, row.action, row.period, row.where_expr, row.version) == (
        "thanks",
        "award_points",
        "monthly",
        "tier >= gold",
        1,
    )
    assert row.definition["points"] == 100
    shown = run.json("campaign", "show", "thanks")
    assert shown["campaign"] == data
    assert (shown["runs"], shown["last_run_at"], shown["versions"]) == (0, None, [])
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "campaign.add")).one()
    assert audit.details == {"campaign": "thanks", "version": 1}


def test_coupon_campaign_defaults_and_money(run, tmp_path):
    data = run.json("campaign", "add", str(write(tmp_path, COUPON_TOML)))

    assert {
        k: data[k]
        for k in (
            "coupon_value",
            "coupon_min_spend",
            "coupon_valid_days",
            "weekdays_only",
            "no_holidays",
            "points",
        )
    } == {
        "coupon_value": "20.00",
        "coupon_min_spend": "100.00",
        "coupon_valid_days": 30,
        "weekdays_only": True,
        "no_holidays": False,
        "points": None,
    }


def test_update_by_code_keeps_the_previous_version(run, session, tmp_path):
    run.json("campaign", "add", str(write(tmp_path, POINTS_TOML)))
    changed = POINTS_TOML.replace("points = 100", "points = 150")

    result = run("campaign", "add", str(write(tmp_path, changed)), "-f", "json")

    assert result.exit_code == 0, result.stderr
    assert "campaign 'thanks' updated to version 2" in result.stderr
    assert json.loads(result.stdout)["points"] == 150
    session.rollback()
    row = session.exec(select(Campaign)).one()
    assert (row.version, row.definition["points"]) == (2, 150)
    versions = session.exec(select(CampaignVersion)).all()
    assert [(v.version, v.definition["points"], v.operator) for v in versions] == [
        (1, 100, "tester")
    ]
    shown = run.json("campaign", "show", "thanks")
    assert [(v["version"], v["definition"]["points"]) for v in shown["versions"]] == [(1, 100)]


def test_adding_the_same_file_again_changes_nothing(run, engine, tmp_path):
    path = write(tmp_path, POINTS_TOML)
    run.json("campaign", "add", str(path))
    before = snapshot(engine)

    result = run("campaign", "add", str(path))

    assert result.exit_code == 0
    assert "campaign 'thanks' unchanged" in result.stderr
    assert snapshot(engine) == before


def test_list_by_code(run, tmp_path):
    run.json("campaign", "add", str(write(tmp_path, POINTS_TOML, "a.toml")))
    run.json("campaign", "add", str(write(tmp_path, COUPON_TOML, "b.toml")))

    rows = run.json("campaign", "list")

    assert [(r["code"], r["action"], r["period"]) for r in rows] == [
        ("drop", "issue_coupon", "weekly"),
        ("thanks", "award_points", "monthly"),
    ]


def test_show_unknown_campaign_is_3(run, tmp_path):
    run.json("campaign", "add", str(write(tmp_path, POINTS_TOML)))

    failure(run("campaign", "show", "nope"), 3, "no campaign 'nope'", "campaigns are: thanks")


def test_missing_file_is_3(run, tmp_path):
    failure(run("campaign", "add", str(tmp_path / "gone.toml")), 3, "no file", "gone.toml")


INVALID = [
    (
        "action",
        'action = "award_points"',
        'action = "give_money"',
        "unknown action 'give_money' (actions are: award_points, issue_coupon)",
    ),
    (
        "period",
        'period = "monthly"',
        'period = "hourly"',
        "unknown period 'hourly' (periods are: once, daily, weekly, monthly, yearly)",
    ),
    ("no points", "points = 100\n", "", "'points' is missing"),
    ("zero points", "points = 100", "points = 0", "'points' must be a whole number from 1"),
    ("points as text", "points = 100", 'points = "100"', "'points' must be a whole number"),
    (
        "coupon key on points",
        "points = 100",
        'points = 100\ncoupon_value = "5"',
        "'coupon_value' is only for issue_coupon",
    ),
    ("unknown key", "points = 100", "points = 100\ncolour = 1", "unknown key 'colour'"),
    ("no code", 'code = "thanks"\n', "", "'code' is missing"),
    ("bad code", 'code = "thanks"', 'code = "a b"', "code 'a b' is not usable"),
    ("no where", 'where = "tier >= gold"\n', "", "'where' is missing"),
    ("bad date", "ends = 2026-12-31", 'ends = "31/12/2026"', "'ends' must be a date"),
    ("ends first", "ends = 2026-12-31", "ends = 2025-12-31", "ends is before starts"),
    ("not toml", "points = 100", "points = = 100", "not valid TOML"),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_file_content_is_5_and_writes_nothing(run, engine, tmp_path, old, new, expected):
    assert old in POINTS_TOML
    before = snapshot(engine)

    result = run("campaign", "add", str(write(tmp_path, POINTS_TOML.replace(old, new))))

    failure(result, 5, "c.toml: ", expected)
    assert snapshot(engine) == before


COUPON_INVALID = [
    ("no value", 'coupon_value = "20"\n', "", "'coupon_value' is missing"),
    ("zero value", 'coupon_value = "20"', 'coupon_value = "0"', "'coupon_value' must be more"),
    (
        "bad value",
        'coupon_value = "20"',
        'coupon_value = "abc"',
        "'coupon_value': 'abc' is not an amount of money",
    ),
    (
        "float value",
        'coupon_value = "20"',
        "coupon_value = 19.9",
        "'coupon_value' must be an amount",
    ),
    (
        "points on coupon",
        'coupon_value = "20"',
        'coupon_value = "20"\npoints = 5',
        "'points' is only for award_points",
    ),
    ("flag", "weekdays_only = true", 'weekdays_only = "yes"', "'weekdays_only' must be true"),
    (
        "days",
        'coupon_value = "20"',
        'coupon_value = "20"\ncoupon_valid_days = 0',
        "'coupon_valid_days' must be a whole number from 1",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in COUPON_INVALID], ids=[c[0] for c in COUPON_INVALID]
)
def test_invalid_coupon_campaign_is_5(run, engine, tmp_path, old, new, expected):
    assert old in COUPON_TOML
    before = snapshot(engine)

    result = run("campaign", "add", str(write(tmp_path, COUPON_TOML.replace(old, new))))

    failure(result, 5, expected)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "error: c.toml: 3 problems, nothing was written; see templates/campaigns/",
                "  unknown key 'colour' (keys are: " + ", ".join(KEYS) + ")",
                "  unknown action 'x' (actions are: award_points, issue_coupon)",
                "  unknown period 'y' (periods are: once, daily, weekly, monthly, yearly)",
            ],
        ),
        (
            "zh",
            [
                "错误：c.toml：3 个问题，未写入任何内容；见 templates/campaigns/",
                "  未知的键 'colour'（可用的键：" + ", ".join(KEYS) + "）",
                "  未知的 action 'x'（可用的 action：award_points, issue_coupon）",
                "  未知的 period 'y'（可用的 period：once, daily, weekly, monthly, yearly）",
            ],
        ),
    ],
)
def test_every_problem_is_listed_one_line_each(run, engine, tmp_path, lang, expected):
    """Issue 14: only the first problem and "(and 1 more)" were shown."""
    text = POINTS_TOML.replace('action = "award_points"', 'action = "x"').replace(
        'period = "monthly"', 'period = "y"'
    )
    before = snapshot(engine)
    result = run("--lang", lang, "campaign", "add", str(write(tmp_path, 'colour = "red"\n' + text)))
    assert result.exit_code == 5
    assert (result.stdout, result.stderr.splitlines()) == ("", expected)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("tier >= ", "c.toml: where: expected a value"),
        ("colour = red", "c.toml: where: unknown field 'colour' at column 1"),
        ("tier = diamond", "c.toml: where: no tier 'diamond'"),
    ],
)
def test_bad_where_is_a_usage_error(run, engine, tmp_path, where, expected):
    before = snapshot(engine)
    text = POINTS_TOML.replace('where = "tier >= gold"', f'where = "{where}"')

    failure(run("campaign", "add", str(write(tmp_path, text))), 2, expected)
    assert snapshot(engine) == before


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_every_campaign_template_loads(run, session, path):
    data = run.json("campaign", "add", str(path))

    assert data["code"] == path.stem
    assert data["version"] == 1
    session.rollback()
    assert session.exec(select(Campaign.code).where(col(Campaign.code) == path.stem)).one()


def test_the_templates_cover_the_issue(run):
    for path in TEMPLATES:
        run.json("campaign", "add", str(path))
    rows = {r["code"]: r for r in run.json("campaign", "list")}

    assert rows["birthday-double"]["where"] == "birthday_month = 11"
    assert rows["wake-up-coupon"]["action"] == "issue_coupon"
    assert rows["wake-up-coupon"]["where"] == "inactive_days >= 30"
    assert rows["thank-you-gold"]["where"] == "tier >= gold"
    assert rows["weekday-voucher"]["weekdays_only"] and rows["weekday-voucher"]["no_holidays"]
    assert len(TEMPLATES) >= 4
