"""`campaign run` and `campaign runs`: who is awarded, once per period, set-based, in the ledger."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from memberctl.db.session import transaction
from memberctl.domain import policy
from memberctl.models import AuditEntry, CampaignAward, CampaignRun, Coupon, PointsEntry
from tests.conftest import failure
from tests.factories import act, enroll, member_in, member_row, move_tier, snapshot

RUN_KEYS = {
    "campaign", "period", "targeted", "awarded", "already_awarded", "points", "coupons", "dry_run",
}  # fmt: skip
THANKS = """\
code = "thanks"
name = "感谢积分"
action = "award_points"
points = 100
where = "tier >= gold"
period = "{period}"
starts = 2026-01-01
ends = 2026-12-31
"""
DROP = """\
code = "drop"
action = "issue_coupon"
coupon_value = "20.00"
coupon_min_spend = "100.00"
where = "tier >= gold"
period = "monthly"
"""


def add(run, tmp_path: Path, text: str) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    result = run("campaign", "add", str(path))
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def people(engine):
    """gold active, platinum active, gold frozen, basic active, gold cancelled, gold forgotten."""
    made = {}
    for label, tier, status in [
        ("gold", "gold", "active"),
        ("platinum", "platinum", "active"),
        ("frozen", "gold", "frozen"),
        ("basic", "basic", "active"),
        ("cancelled", "gold", "cancelled"),
    ]:
        made[label] = member_in(engine, status, tier=tier).member_no
    return made


def run_json(run, *args: str) -> dict:
    data = run.json("campaign", "run", *args, "--allow-future")  # some days are after today
    assert set(data) == RUN_KEYS
    return data


def test_run_awards_active_targets_through_the_ledger(run, session, tmp_path, people):
    add(run, tmp_path, THANKS.format(period="monthly"))

    data = run_json(run, "thanks", "--as-of", "2026-11-25")

    assert data == {
        "campaign": "thanks",
        "period": "2026-11",
        "targeted": 2,
        "awarded": 2,
        "already_awarded": 0,
        "points": 200,
        "coupons": 0,
        "dry_run": False,
    }
    assert member_row(session, people["gold"]).points == 100
    assert member_row(session, people["platinum"]).points == 100
    for skipped in ("frozen", "basic", "cancelled"):
        assert member_row(session, people[skipped]).points == 0
    entries = session.exec(select(PointsEntry)).all()
    run_row = session.exec(select(CampaignRun)).one()
    assert {(e.kind, e.points, e.expires_on, e.campaign_run_id, e.operator) for e in entries} == {
        ("campaign", 100, dt.date(2028, 11, 30), run_row.id, "tester")
    }
    assert entries[0].reason == "campaign thanks 2026-11"
    assert (
        run_row.period_key,
        run_row.as_of,
        run_row.targeted,
        run_row.awarded,
        run_row.points,
    ) == ("2026-11", dt.date(2026, 11, 25), 2, 2, 200)
    assert session.exec(select(func.count()).select_from(CampaignAward)).one() == 2
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "campaign.run")).one()
    assert audit.details["awarded"] == 2
    check = run("db", "check", "-f", "json")
    assert check.exit_code == 0, check.stdout


@pytest.mark.usefixtures("people")
def test_a_rerun_within_the_period_changes_nothing(run, engine, tmp_path):
    add(run, tmp_path, THANKS.format(period="monthly"))
    run_json(run, "thanks", "--as-of", "2026-11-02")
    before = snapshot(engine)

    again = run_json(run, "thanks", "--as-of", "2026-11-30")

    assert again == {
        "campaign": "thanks",
        "period": "2026-11",
        "targeted": 2,
        "awarded": 0,
        "already_awarded": 2,
        "points": 0,
        "coupons": 0,
        "dry_run": False,
    }
    assert snapshot(engine) == before


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("text", [THANKS.format(period="monthly"), DROP], ids=["points", "coupons"])
def test_only_a_period_with_awards_already_leaves_them_out_with_not_exists(run, tmp_path, text):
    """A first run in a period writes its awards with ON CONFLICT alone: with a NOT EXISTS the
    PostgreSQL planner, knowing of no awards, may check each member against every award the
    statement itself has written so far (a coupon drop to 100,000 members took minutes). A
    repeat run leaves out those awarded before in the statement itself (PostgreSQL; SQLite
    relies on the unique key both times)."""
    from sqlalchemy import Engine, event

    add(run, tmp_path, text)
    code = "thanks" if "thanks" in text else "drop"
    written: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO campaign_award"):
            written.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        first = run_json(run, code, "--as-of", "2026-11-02")
        again = run_json(run, code, "--as-of", "2026-11-30")
    finally:
        event.remove(Engine, "before_cursor_execute", seen)

    assert (first["awarded"], again["awarded"], again["already_awarded"]) == (2, 0, 2)
    assert len(written) == 2
    assert "NOT (EXISTS" not in written[0]
    assert ("NOT (EXISTS" in written[1]) == ("postgresql" in str(run.db_url))


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("text", [THANKS.format(period="monthly"), DROP], ids=["points", "coupons"])
def test_a_run_that_awards_refreshes_the_awards_statistics_on_postgresql(run, tmp_path, text):
    """After a run that awarded, points or coupons, PostgreSQL is told how many awards there
    are (ANALYZE campaign_award): the next run's NOT EXISTS is planned from it. A run that
    awards nobody does not."""
    from sqlalchemy import Engine, event

    if "postgresql" not in str(run.db_url):
        pytest.skip("PostgreSQL's planner statistics")
    add(run, tmp_path, text)
    code = "thanks" if "thanks" in text else "drop"
    analyzed: list[int] = []

    def seen(_conn, _cursor, statement, *_args):
        if statement == "ANALYZE campaign_award":
            analyzed[-1] += 1

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        for day in ("2026-11-02", "2026-11-30"):
            analyzed.append(0)
            run_json(run, code, "--as-of", day)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)

    assert analyzed == [1, 0]


def test_the_next_period_awards_again_and_newcomers_join(run, engine, session, tmp_path, people):
    add(run, tmp_path, THANKS.format(period="monthly"))
    run_json(run, "thanks", "--as-of", "2026-11-25")
    act(engine, people["frozen"], "unfreeze")

    same_month = run_json(run, "thanks", "--as-of", "2026-11-26")
    next_month = run_json(run, "thanks", "--as-of", "2026-12-01")

    assert (
        same_month["targeted"],
        same_month["awarded"],
        same_month["already_awarded"],
        same_month["points"],
    ) == (3, 1, 2, 100)
    assert (next_month["period"], next_month["awarded"], next_month["points"]) == (
        "2026-12",
        3,
        300,
    )
    assert member_row(session, people["gold"]).points == 200
    assert member_row(session, people["frozen"]).points == 200
    runs = run.json("campaign", "runs", "thanks")
    assert [(r["period"], r["awarded"]) for r in runs] == [
        ("2026-12", 3),
        ("2026-11", 1),
        ("2026-11", 2),
    ]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("period", "first", "same", "next_", "key"),
    [
        ("once", "2026-01-05", "2026-12-31", None, "once"),
        ("daily", "2026-11-25", "2026-11-25", "2026-11-26", "2026-11-25"),
        ("weekly", "2026-11-23", "2026-11-29", "2026-11-30", "2026-W48"),
        ("monthly", "2026-11-01", "2026-11-30", "2026-12-01", "2026-11"),
        ("yearly", "2026-01-01", "2026-12-31", None, "2026"),
    ],
)
def test_period_keys(run, tmp_path, period, first, same, next_, key):
    add(run, tmp_path, THANKS.format(period=period))

    assert run_json(run, "thanks", "--as-of", first)["period"] == key
    repeat = run_json(run, "thanks", "--as-of", same)
    assert (repeat["period"], repeat["awarded"], repeat["already_awarded"]) == (key, 0, 2)
    if next_ is not None:
        assert run_json(run, "thanks", "--as-of", next_)["awarded"] == 2


@pytest.mark.usefixtures("people")
def test_the_unique_key_in_the_database_decides(run, engine, session, tmp_path):
    """At most once per period is the database's rule, not a check in Python: a second award for
    the same campaign, period and member is refused whoever writes it (a run skips such rows
    with ON CONFLICT DO NOTHING, so a concurrent run cannot double them either)."""
    add(run, tmp_path, THANKS.format(period="monthly"))
    run_json(run, "thanks", "--as-of", "2026-11-25")
    session.rollback()
    award = session.exec(select(CampaignAward)).first()
    duplicate = CampaignAward(
        campaign_id=award.campaign_id,
        period_key="2026-11",
        member_id=award.member_id,
        run_id=award.run_id,
    )
    with pytest.raises(IntegrityError), transaction(engine) as other:
        other.add(duplicate)


def test_dry_run_shows_the_same_numbers_and_writes_nothing(run, engine, tmp_path, people):
    add(run, tmp_path, THANKS.format(period="monthly"))
    act(engine, people["frozen"], "unfreeze")
    run_json(run, "thanks", "--as-of", "2026-11-01")
    move_tier(engine, people["basic"], "up", to="gold")
    before = snapshot(engine)

    dry = run_json(run, "thanks", "--as-of", "2026-11-25", "--dry-run")

    assert snapshot(engine) == before
    real = run_json(run, "thanks", "--as-of", "2026-11-25")
    assert dry == {**real, "dry_run": True}
    assert (dry["targeted"], dry["awarded"], dry["already_awarded"], dry["points"]) == (
        4,
        1,
        3,
        100,
    )


@pytest.mark.usefixtures("people")
def test_a_campaign_outside_its_dates_is_refused(run, engine, tmp_path):
    add(run, tmp_path, THANKS.format(period="monthly"))
    before = snapshot(engine)

    for extra in ((), ("--dry-run",)):
        result = run("campaign", "run", "thanks", "--as-of", "2027-01-01", "--allow-future", *extra)
        failure(
            result,
            4,
            "campaign 'thanks' does not run on 2027-01-01",
            "it runs 2026-01-01 to 2026-12-31",
        )
    assert snapshot(engine) == before
    assert run_json(run, "thanks", "--as-of", "2026-12-31")["awarded"] == 2


def test_unknown_campaign_is_3(run):
    failure(run("campaign", "run", "nope"), 3, "no campaign 'nope'")
    failure(run("campaign", "runs", "nope"), 3, "no campaign 'nope'")


def test_credits_follow_the_expiry_policy(run, engine, session, tmp_path, people):
    with transaction(engine) as s:
        policy.set_value(s, "points.expiry_months", "never")
    add(run, tmp_path, THANKS.format(period="monthly"))

    run_json(run, "thanks", "--as-of", "2026-11-25")

    member = member_row(session, people["gold"])
    entry = session.exec(select(PointsEntry).where(PointsEntry.member_id == member.id)).one()
    assert entry.expires_on is None


def test_campaign_points_are_spendable_and_add_to_earlier_points(run, engine, session, tmp_path):
    member = enroll(engine, tier="gold")
    assert run("points", "add", member.member_no, "5", "--reason", "x").exit_code == 0
    add(run, tmp_path, THANKS.format(period="monthly"))
    run_json(run, "thanks", "--as-of", "2026-11-25")

    assert run("points", "deduct", member.member_no, "105", "--reason", "gift").exit_code == 0
    assert member_row(session, member.member_no).points == 0
    assert run("db", "check").exit_code == 0


def test_issue_coupon_run_gives_one_coupon_each(run, session, tmp_path, people):
    add(run, tmp_path, DROP)

    data = run_json(run, "drop", "--as-of", "2026-11-25")
    again = run_json(run, "drop", "--as-of", "2026-11-26")

    assert (data["awarded"], data["coupons"], data["points"]) == (2, 2, 0)
    assert (again["awarded"], again["coupons"]) == (0, 0)
    coupons = session.exec(select(Coupon).order_by(col(Coupon.member_id))).all()
    assert len(coupons) == 2
    assert len({c.code for c in coupons}) == 2
    for coupon in coupons:
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", coupon.code)
        assert (coupon.value, coupon.min_spend) == (Decimal("20.00"), Decimal("100.00"))
        assert (coupon.valid_from, coupon.valid_to) == (
            dt.date(2026, 11, 25),
            dt.date(2026, 12, 24),
        )
        assert coupon.redeemed_at is None
    assert member_row(session, people["gold"]).points == 0


@pytest.mark.usefixtures("people")
def test_runs_lists_every_campaign_newest_first(run, tmp_path):
    add(run, tmp_path, THANKS.format(period="monthly"))
    add(run, tmp_path, DROP)
    run_json(run, "thanks", "--as-of", "2026-11-25")
    run_json(run, "drop", "--as-of", "2026-11-26")

    rows = run.json("campaign", "runs")

    assert [(r["campaign"], r["period"], r["as_of"], r["operator"]) for r in rows] == [
        ("drop", "2026-11", "2026-11-26", "tester"),
        ("thanks", "2026-11", "2026-11-25", "tester"),
    ]
    assert run.json("campaign", "show", "thanks")["runs"] == 1


def test_targets_follow_the_where_at_the_as_of_day(run, engine, session, tmp_path):
    """Derived fields are measured at --as-of: joined_days grows with the day."""
    member = enroll(engine, joined_at="2026-11-01T09:00:00", at=dt.datetime(2026, 11, 1, 9))
    add(run, tmp_path, DROP.replace("tier >= gold", "joined_days >= 30"))

    early = run_json(run, "drop", "--as-of", "2026-11-30")
    late = run_json(run, "drop", "--as-of", "2026-12-01")

    assert (early["targeted"], late["targeted"], late["coupons"]) == (0, 1, 1)
    assert session.exec(select(Coupon)).one().member_id == member_row(session, member.member_no).id
