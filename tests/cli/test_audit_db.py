"""`audit` (who did what, when, with its filters), `db upgrade` and `db info`."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

from memberctl.db.engine import make_engine
from memberctl.db.info import describe
from memberctl.db.migrate import HEAD_REVISION, current_revision, script_head
from memberctl.models import AuditEntry
from tests.conftest import PG_URL, Run, failure
from tests.factories import NOW, act, enroll, load_tiers, note, snapshot

AUDIT_KEYS = {"at", "operator", "action", "member_no", "details", "business_date"}
DAY = dt.timedelta(days=1)


@pytest.fixture
def log(engine, tmp_path):
    """M000001 enrolled 3 days ago and frozen, M000002 enrolled yesterday with a note today, and
    a tier file loaded today (no member)."""
    enroll(engine, phone="13800138000", at=NOW - 3 * DAY)
    act(engine, "M000001", "freeze", at=NOW - 3 * DAY)
    enroll(engine, at=NOW - DAY)
    note(engine, "M000002", "来电", at=NOW)
    path = tmp_path / "t.toml"
    path.write_text('[[tier]]\ncode = "gold"\nname = "金卡"\nrank = 3\n', encoding="utf-8")
    load_tiers(engine, path)
    _recorded_when_done(engine)


def _recorded_when_done(engine):
    """History made through the factories is audited at the real clock, with the factories' times
    as business dates; as if each had been done at its time, `at` becomes that time again."""
    from memberctl.db.session import transaction

    moments = {
        ("member.enroll", 1): NOW - 3 * DAY,
        ("member.freeze", 1): NOW - 3 * DAY,
        ("member.enroll", 2): NOW - DAY,
        ("member.note", 2): NOW,
        ("tier.load", None): NOW,
    }
    with transaction(engine) as session:
        for entry in session.exec(select(AuditEntry)).all():
            at = moments[entry.action, entry.member_id]
            entry.at = at + dt.timedelta(minutes=1) if entry.action == "member.freeze" else at
            entry.business_date = None
            session.add(entry)


def actions(rows):
    return [(row["action"], row["member_no"]) for row in rows]


def test_audit_lists_everything_newest_first(run, log):  # noqa: ARG001
    rows = run.json("audit")
    assert all(set(row) == AUDIT_KEYS for row in rows)
    assert actions(rows) == [
        ("tier.load", None),
        ("member.note", "M000002"),
        ("member.enroll", "M000002"),
        ("member.freeze", "M000001"),
        ("member.enroll", "M000001"),
    ]
    assert rows[0]["details"] == {"file": "t.toml", "codes": ["gold"]}
    assert rows[3] == {
        "at": (NOW - 3 * DAY + dt.timedelta(minutes=1)).isoformat(),
        "operator": "factory",
        "action": "member.freeze",
        "member_no": "M000001",
        "details": {"status": "frozen"},
        "business_date": None,
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--member", "M000001"), [("member.freeze", "M000001"), ("member.enroll", "M000001")]),
        (
            ("--member", "138 0013 8000"),
            [("member.freeze", "M000001"), ("member.enroll", "M000001")],
        ),
        (
            ("--action", "member"),
            [
                ("member.note", "M000002"),
                ("member.enroll", "M000002"),
                ("member.freeze", "M000001"),
                ("member.enroll", "M000001"),
            ],
        ),
        (
            ("--action", "member.enroll"),
            [("member.enroll", "M000002"), ("member.enroll", "M000001")],
        ),
        (("--action", "tier"), [("tier.load", None)]),
        (("--action", "mem"), []),
        (("--action", "membe_"), []),
        (("--action", "member%"), []),
        (
            ("--since", (NOW - DAY).date().isoformat()),
            [("tier.load", None), ("member.note", "M000002"), ("member.enroll", "M000002")],
        ),
        (("--since", NOW.date().isoformat()), [("tier.load", None), ("member.note", "M000002")]),
        (("--limit", "2"), [("tier.load", None), ("member.note", "M000002")]),
        (("--member", "M000002", "--action", "member.note"), [("member.note", "M000002")]),
        (
            ("--action", "member", "--since", NOW.date().isoformat(), "--limit", "1"),
            [("member.note", "M000002")],
        ),
    ],
)
def test_audit_filters(run, log, args, expected):  # noqa: ARG001
    assert actions(run.json("audit", *args)) == expected


def test_cli_writes_are_audited_with_the_operator(run, engine, session):
    enroll(engine)
    result = run("member", "freeze", "M000001", env={"MEMBERCTL_OPERATOR": "小王"})
    assert result.exit_code == 0, result.stderr
    rows = run.json("audit", "--action", "member.freeze")
    assert [(r["operator"], r["member_no"]) for r in rows] == [("小王", "M000001")]
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "member.freeze")).one()
    assert entry.operator == "小王"


def test_back_dated_work_is_audited_at_the_real_clock_with_its_business_date(run, engine, tmp_path):
    """`campaign run --as-of` and `survey take --taken-at` were audited at the day they were for;
    the audit says when the work was done (the clock), and the day it was for beside it."""
    from memberctl import clock

    enroll(engine, phone="13800138000")
    path = tmp_path / "c.toml"
    path.write_text(
        'code = "c"\nname = "c"\naction = "award_points"\npoints = 5\n'
        'where = "status = active"\nperiod = "once"\n',
        encoding="utf-8",
    )
    before = clock.now()
    for args in (
        ("campaign", "add", str(path)),
        ("campaign", "run", "c", "--as-of", "2026-11-01"),
        ("purchase", "record", "M000001", "10", "--at", "2026-11-20T15:00"),
        ("member", "freeze", "M000001"),
    ):
        assert run(*args).exit_code == 0
    rows = {r["action"]: r for r in run.json("audit")}
    assert {action: rows[action]["business_date"] for action in rows} == {
        "member.freeze": None,
        "purchase.record": "2026-11-20",
        "campaign.run": "2026-11-01",
        "campaign.add": None,
        "member.enroll": NOW.date().isoformat(),  # the factory's at
    }
    assert all(
        dt.datetime.fromisoformat(r["at"]) >= before
        for r in rows.values()
        if r["action"] != "member.enroll"
    )


def test_audit_table_and_csv(run, log):  # noqa: ARG001
    table = run("audit", "--member", "M000001")
    assert table.exit_code == 0, table.stderr
    assert "member.freeze" in table.stdout and "factory" in table.stdout
    result = run("audit", "--action", "tier", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "at,operator,action,member_no,details,business_date"
    assert len(result.stdout.splitlines()) == 2


def test_audit_unknown_member_is_not_found(run, log):  # noqa: ARG001
    failure(run("audit", "--member", "M000404"), 3, "no member 'M000404'")


@pytest.mark.parametrize(("option", "value"), [("--since", "2026-13-01"), ("--limit", "0")])
def test_audit_bad_option_is_a_usage_error(run, option, value):
    failure(run("audit", option, value), 2, option)


def test_db_upgrade_is_idempotent(run, engine):
    enroll(engine)
    before = snapshot(engine)
    assert run.json("db", "upgrade") == {"schema_revision": HEAD_REVISION}
    assert run.json("db", "upgrade") == {"schema_revision": HEAD_REVISION}
    assert snapshot(engine) == before
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION == script_head()


def test_db_upgrade_creates_a_fresh_database(tmp_path):
    if PG_URL:
        pytest.skip("a fresh SQLite file; PostgreSQL schemas are made by the fixture")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert Run(url).json("db", "upgrade") == {"schema_revision": HEAD_REVISION}
    assert [t["code"] for t in Run(url).json("tier", "list")] == [
        "basic",
        "silver",
        "gold",
        "platinum",
    ]


def test_db_info(run, engine, db_url):
    enroll(engine)
    enroll(engine, tags=["VIP", "新客"])
    data = run.json("db", "info")
    assert {"url", "backend", "schema_revision", "schema_head", "rows"} <= set(data)
    assert data["schema_revision"] == data["schema_head"] == HEAD_REVISION
    assert data["backend"] == make_url(db_url).get_backend_name()
    assert data["url"] == make_url(db_url).render_as_string(hide_password=True)
    assert (
        data["rows"]
        | {
            "member": 2,
            "tier": 4,
            "member_tag": 2,
            "audit_entry": 2,
            "lifecycle_change": 2,
            "interaction": 0,
        }
        == data["rows"]
    )


def test_db_info_hides_the_password(db_url, engine):  # noqa: ARG001  (schema in place)
    if not PG_URL:
        pytest.skip("SQLite URLs carry no password")
    secret_url = make_url(db_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    secret_engine = make_engine(secret_url)
    try:
        info = describe(secret_engine)
    finally:
        secret_engine.dispose()
    assert "s3cret-pw" not in repr(info)
    assert info["url"] == make_url(secret_url).render_as_string(hide_password=True)
    assert ":***@" in info["url"]
    result = Run(secret_url)("db", "info", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "s3cret-pw" not in result.stdout and ":***@" in result.stdout
