"""`memberctl settings list|get|set|reset`: every key with its value, default and meaning; values
checked before they are stored (exit 5 saying what is allowed), unknown keys (exit 3 naming
them), one stored spelling per value, every change audited, and the rules read back by
`policy.load` (the till's keys too)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from memberctl.db.session import transaction
from memberctl.domain import policy
from memberctl.models import AuditEntry, Setting
from tests.conftest import failure
from tests.factories import enroll, snapshot

KEYS = [
    "points.expiry_months",
    "points.birthday_multiplier",
    "tier.grace_days",
    "tier.kept_months",
    "points.per_unit",
    "points.redeem_rate",
    "points.redeem_max_share",
    "price.rounding",
    "staff.idle_minutes",
    "staff.session_end",
    "staff.lockout_minutes",
]
DEFAULTS = ["24", "2", "30", "12", "1", "100", "0.5", "half-up", "30", "23:59", "15"]


def stored(session) -> dict[str, str]:
    session.rollback()  # see what the CLI committed
    return {s.key: s.value for s in session.exec(select(Setting))}


def audit_rows(session) -> list[tuple[str, str, dict]]:
    session.rollback()
    rows = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.action).startswith("settings."))
        .order_by(col(AuditEntry.id))
    )
    return [(a.action, a.operator, a.details) for a in rows]


def test_list_shows_every_key_its_default_and_meaning(run):
    rows = run.json("settings", "list")
    assert [r["key"] for r in rows] == KEYS
    assert [(r["value"], r["default"], r["changed"]) for r in rows] == [
        (d, d, False) for d in DEFAULTS
    ]
    assert all(set(r) == {"key", "value", "default", "changed", "description"} for r in rows)
    assert all(r["description"].endswith(".") and len(r["description"]) > 30 for r in rows)
    table = run("settings", "list")
    assert table.exit_code == 0 and table.stderr == ""
    assert all(key in table.stdout for key in KEYS)
    csv = run("settings", "list", "-f", "csv").stdout.splitlines()
    assert csv[0] == "key,value,default,changed,description"
    assert csv[1].startswith("points.expiry_months,24,24,False,")


def test_get_one_key_in_any_case(run):
    assert run.json("settings", "get", " Points.Per_Unit ") == {
        "key": "points.per_unit",
        "value": "1",
        "default": "1",
        "changed": False,
        "description": "Points earned per 1.00 paid, before the tier's multiplier, by every "
        "tier without its own points_per_unit.",
    }


@pytest.mark.parametrize(
    "command", [("get", "points.per_units"), ("reset", "x"), ("set", "x", "1")]
)
def test_an_unknown_key_is_not_found_and_names_the_keys(run, engine, command):
    before = snapshot(engine)
    line = failure(run("settings", *command), 3, f"no setting '{command[1]}'")
    assert line.endswith("; settings are: " + ", ".join(KEYS))
    assert snapshot(engine) == before


def test_an_unknown_key_is_reported_before_its_value(run):
    failure(run("settings", "set", "points.nope", "abc"), 3, "no setting 'points.nope'")


def test_set_stores_checks_and_audits(run, session):
    result = run("settings", "set", "points.per_unit", "2.50", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "points.per_unit changed from 1 to 2.5\n"
    data = json.loads(result.stdout)
    assert (data["key"], data["value"], data["default"], data["changed"]) == (
        "points.per_unit",
        "2.5",
        "1",
        True,
    )
    assert (data["previous"], data["updated"]) == ("1", True)
    assert stored(session) == {"points.per_unit": "2.5"}
    assert audit_rows(session) == [
        ("settings.set", "tester", {"setting": "points.per_unit", "old": "1", "new": "2.5"})
    ]
    assert run.json("settings", "get", "points.per_unit")["changed"] is True


def test_setting_the_same_value_again_changes_nothing_and_says_so(run, session, engine):
    run("settings", "set", "points.redeem_max_share", "0.3")
    before = snapshot(engine)
    for same in ("0.3", "0.30", " .3 ", "０.３"):  # one stored spelling; full-width digits read
        result = run("settings", "set", "points.redeem_max_share", same, "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert result.stderr == "points.redeem_max_share is already 0.3: nothing changed\n"
        assert '"updated": false' in result.stdout
    assert snapshot(engine) == before
    assert len(audit_rows(session)) == 1


def test_setting_the_default_stores_nothing(run, session):
    run("settings", "set", "tier.grace_days", "10")
    assert stored(session) == {"tier.grace_days": "10"}
    assert run.json("settings", "set", "tier.grace_days", "030")["changed"] is False
    assert stored(session) == {}
    assert [a[2]["new"] for a in audit_rows(session)] == ["10", "30"]


def test_reset_goes_back_to_the_default_once(run, session):
    run("settings", "set", "price.rounding", "DOWN")
    assert stored(session) == {"price.rounding": "down"}
    result = run("settings", "reset", "price.rounding")
    assert result.exit_code == 0
    assert result.stderr == "price.rounding is back to its default, half-up (was down)\n"
    assert stored(session) == {}
    again = run("settings", "reset", "price.rounding")
    assert again.exit_code == 0
    assert again.stderr == "price.rounding is already its default, half-up: nothing changed\n"
    assert audit_rows(session) == [
        ("settings.set", "tester", {"setting": "price.rounding", "old": "half-up", "new": "down"}),
        (
            "settings.reset",
            "tester",
            {"setting": "price.rounding", "old": "down", "new": "half-up"},
        ),
    ]


@pytest.mark.parametrize(
    ("key", "value", "stored_as"),
    [
        ("points.expiry_months", "12", "12"),
        ("points.expiry_months", "120", "120"),
        ("points.expiry_months", "0", "never"),
        ("points.expiry_months", "None", "never"),
        ("points.expiry_months", "never", "never"),
        ("points.birthday_multiplier", "1", "1"),
        ("points.birthday_multiplier", "1.50", "1.5"),
        ("points.birthday_multiplier", "100", "100"),
        ("tier.grace_days", "0", "0"),
        ("tier.grace_days", "365", "365"),
        ("tier.kept_months", "0", "0"),
        ("tier.kept_months", "120", "120"),
        ("points.per_unit", "0", "0"),
        ("points.per_unit", "1000.00", "1000"),
        ("points.per_unit", "0.05", "0.05"),
        ("points.redeem_rate", "1", "1"),
        ("points.redeem_rate", "1000000", "1000000"),
        ("points.redeem_max_share", "0", "0"),
        ("points.redeem_max_share", "1", "1"),
        ("points.redeem_max_share", "0.125", "0.125"),
        ("price.rounding", "Down", "down"),
        ("price.rounding", "up", "up"),
        ("price.rounding", "half_up", "half-up"),  # the default: nothing stored
    ],
)
def test_allowed_values_are_stored_in_one_spelling(run, session, key, value, stored_as):
    assert run.json("settings", "set", key, value)["value"] == stored_as
    default = DEFAULTS[KEYS.index(key)]
    assert stored(session) == ({} if stored_as == default else {key: stored_as})


EXPIRY = (
    "points.expiry_months must be a whole number of months from 1 to 120, or never (0 also "
    "means never), such as 24"
)
BIRTHDAY = (
    "points.birthday_multiplier must be a number from 1 to 100 with at most two decimals, "
    "such as 2 (1 switches the birthday bonus off)"
)
GRACE = "tier.grace_days must be a whole number of days from 0 to 365, such as 30"
KEPT = (
    "tier.kept_months must be a whole number of months from 0 to 120, such as 12 (0 keeps nothing)"
)
PER_UNIT = "points.per_unit must be a number from 0 to 1000 with at most two decimals, such as 1"
RATE = "points.redeem_rate must be a whole number from 1 to 1000000, such as 100"
SHARE = "points.redeem_max_share must be a number from 0 to 1, such as 0.5"
ROUNDING = "price.rounding must be half-up, down or up"
BAD = [
    ("points.expiry_months", EXPIRY, ["121", "-1", "1.5", "abc", "", "1_0", "1e2", "٢٤"]),
    ("points.birthday_multiplier", BIRTHDAY, ["0.99", "0", "100.01", "1.234", "-2", "NaN", "x"]),
    ("tier.grace_days", GRACE, ["366", "-1", "2.5", "thirty", "Infinity"]),
    ("tier.kept_months", KEPT, ["121", "-1", "1.0", "never", "9999999999"]),
    ("points.per_unit", PER_UNIT, ["1000.01", "-0.01", "0.001", "1e3", "one", "+1"]),
    ("points.redeem_rate", RATE, ["0", "1000001", "100.0", "-100", ""]),
    ("points.redeem_max_share", SHARE, ["1.01", "-0.1", "50%", "half", "inf", "0,5"]),
    ("price.rounding", ROUNDING, ["nearest", "half-even", "", "ceil"]),
]


@pytest.mark.parametrize(
    ("key", "rule", "value"),
    [(key, rule, value) for key, rule, values in BAD for value in values],
)
def test_every_key_refuses_values_it_does_not_allow(run, engine, key, rule, value):
    before = snapshot(engine)
    line = failure(run("settings", "set", key, value), 5)
    assert line == f"error: {rule}; not '{value}'"
    assert snapshot(engine) == before


def test_a_long_refused_value_is_cut_in_the_message(run):
    line = failure(run("settings", "set", "price.rounding", "x" * 600), 5)
    assert line == f"error: {ROUNDING}; not '{'x' * 39}…'"


def test_policy_load_reads_every_key_the_till_ones_too(run, session):
    for key, value in [
        ("points.expiry_months", "6"),
        ("points.birthday_multiplier", "3"),
        ("tier.grace_days", "7"),
        ("tier.kept_months", "0"),
        ("points.per_unit", "2.5"),
        ("points.redeem_rate", "50"),
        ("points.redeem_max_share", "0.25"),
        ("price.rounding", "up"),
    ]:
        assert run("settings", "set", key, value).exit_code == 0
    session.rollback()
    assert policy.load(session) == policy.Policy(
        expiry_months=6,
        birthday_multiplier=Decimal(3),
        grace_days=7,
        kept_months=0,
        per_unit=Decimal("2.5"),
        redeem_rate=50,
        redeem_max_share=Decimal("0.25"),
        rounding="up",
    )
    run("settings", "set", "points.expiry_months", "never")
    session.rollback()
    assert policy.load(session).expiry_months is None


def test_the_defaults_are_what_policy_load_gives_an_empty_table(session):
    assert policy.load(session) == policy.Policy(
        expiry_months=24,
        birthday_multiplier=Decimal(2),
        grace_days=30,
        kept_months=12,
        per_unit=Decimal(1),
        redeem_rate=100,
        redeem_max_share=Decimal("0.5"),
        rounding="half-up",
    )


def test_the_expiry_setting_dates_the_points_a_purchase_earns(run, engine):
    m = enroll(engine).member_no
    run("settings", "set", "points.expiry_months", "3")
    run.json("purchase", "record", m, "10", "--at", "2026-11-20T10:00")
    run("settings", "set", "points.expiry_months", "never")
    run.json("purchase", "record", m, "10", "--at", "2026-11-21T10:00")
    history = run.json("points", "history", m)
    assert sorted((e["expires_on"] or "never", e["points"]) for e in history) == [
        ("2027-02-28", 10),
        ("never", 10),
    ]


def test_a_value_written_by_hand_stops_the_rules_and_can_be_mended(run, engine, session):
    m = enroll(engine).member_no
    with transaction(engine) as s:
        s.add(Setting(key="points.redeem_max_share", value="lots"))
    failure(
        run("purchase", "record", m, "10"),
        5,
        "the stored setting points.redeem_max_share is 'lots', which is not valid: " + SHARE,
        "mend it with 'memberctl settings set points.redeem_max_share VALUE'",
    )
    shown = run.json("settings", "get", "points.redeem_max_share")
    assert (shown["value"], shown["changed"]) == ("lots", True)
    assert run.json("settings", "list")[6]["value"] == "lots"
    result = run("settings", "reset", "points.redeem_max_share")
    assert result.exit_code == 0, result.stderr
    assert stored(session) == {}
    assert run.json("purchase", "record", m, "10")["points_earned"] == 10


def test_rows_of_keys_memberctl_does_not_know_are_left_alone(run, engine, session):
    with transaction(engine) as s:
        s.add(Setting(key="legacy.thing", value="whatever"))
    assert [r["key"] for r in run.json("settings", "list")] == KEYS
    assert run.json("settings", "set", "points.per_unit", "3")["value"] == "3"
    assert stored(session) == {"legacy.thing": "whatever", "points.per_unit": "3"}
    with transaction(engine) as s:
        s.execute(delete(Setting))


def test_the_audit_log_shows_setting_changes_in_words(run):
    run("settings", "set", "points.redeem_rate", "200")
    entries = run.json("audit", "--action", "settings")
    assert [(e["action"], e["details"]) for e in entries] == [
        ("settings.set", {"setting": "points.redeem_rate", "old": "100", "new": "200"})
    ]
    assert dt.date.fromisoformat(entries[0]["at"][:10])


def test_a_missing_value_is_a_usage_error(run, engine):
    before = snapshot(engine)
    result = run("settings", "set", "points.per_unit")
    assert result.exit_code == 2
    assert "VALUE" in result.stderr and result.stdout == ""
    assert run("settings", "get").exit_code == 2
    assert snapshot(engine) == before


def test_json_of_a_change_is_one_document_and_the_message_goes_to_stderr(run):
    result = run("settings", "reset", "points.per_unit", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "key": "points.per_unit",
        "value": "1",
        "default": "1",
        "changed": False,
        "description": "Points earned per 1.00 paid, before the tier's multiplier, by every "
        "tier without its own points_per_unit.",
        "previous": "1",
        "updated": False,
    }
    assert result.stderr == "points.per_unit is already its default, 1: nothing changed\n"


def test_keys_complete_by_prefix():
    from memberctl.cli.settings import _complete_key

    assert _complete_key("points.r") == ["points.redeem_rate", "points.redeem_max_share"]
    assert _complete_key("TIER.") == ["tier.grace_days", "tier.kept_months"]
    assert _complete_key("") == KEYS
