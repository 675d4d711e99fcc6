"""`memberctl report forecast` and `report churn --model` through the real CLI, on SQLite or
PostgreSQL, on the shop of tests/forecastdata.py (47 buyers, 41 of them repeat buyers); the
exact English and Chinese tables are in tests/snapshots/test_forecast.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert
from sqlmodel import select

from memberctl.domain import sessions
from memberctl.domain.reports import forecast
from memberctl.models import AuditEntry, Staff, StaffStore
from tests import forecastdata
from tests.conftest import NOW, failure
from tests.reportdata import seed as seed_small_shop

DAY = ("--as-of", "2026-11-25")
KEYS = [
    "member_no", "name", "phone", "tier", "status", "purchase_days", "last_purchase_at",
    "p_alive", "expected_purchases", "expected_value", "value_at_risk", "risk",
]  # fmt: skip
TOO_LITTLE = (
    "error: too little purchase history to forecast: {count} members bought on two days or more "
    "up to 2026-11-25, 30 are needed; the model learns from members who come back; until then "
    "use 'memberctl report churn --days 60'"
)


@pytest.fixture
def shop(engine, run) -> list[str]:  # noqa: ARG001  (run: the schema is in place)
    return forecastdata.seed(engine)


def by_hand(model: dict, i: int, days: int) -> tuple[float, float]:
    """Member i's p_alive and expected visits in `days` days, from the paper's formulas."""
    from scipy.special import hyp2f1

    r, alpha, a, b = model["r"], model["alpha"], model["a"], model["b"]
    seen = sorted({at.date() for at, _ in forecastdata.visits(i)})
    x = len(seen) - 1
    t_x = (seen[-1] - seen[0]).days / 7
    age = (forecastdata.AS_OF - seen[0]).days / 7
    odds = a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x) if x else 0.0
    t = days / 7
    z = t / (alpha + age + t)
    alive_visits = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - (1 - z) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    return 1 / (1 + odds), alive_visits / (1 + odds)


def test_json(run, shop):  # noqa: ARG001
    data = run.json("report", "forecast", *DAY)
    assert list(data) == ["as_of", "days", "model", "spend_model", "members"]
    assert (data["as_of"], data["days"]) == ("2026-11-25", 90)
    model = data["model"]
    assert list(model) == ["r", "alpha", "a", "b", "log_likelihood", "time_unit"]
    assert model["time_unit"] == "week"
    assert [model[k] for k in ("r", "alpha", "a", "b")] == pytest.approx(
        [1.263957, 4.759067, 0.246805, 1.112391], rel=1e-4
    )
    assert model["log_likelihood"] == pytest.approx(-442.5092, abs=1e-3)
    assert list(data["spend_model"]) == ["p", "q", "gamma"]
    members = data["members"]
    assert all(list(row) == KEYS for row in members)
    numbers = {row["member_no"] for row in members}
    # 47 bought; M000047 is cancelled (fitted on, not listed), M000048 never bought
    assert len(members) == 46
    assert "M000047" not in numbers and "M000048" not in numbers and "M000046" in numbers
    ranked = [(-Decimal(r["value_at_risk"]), r["member_no"]) for r in members]
    assert ranked == sorted(ranked)
    for row in members:
        i = int(row["member_no"][1:])
        alive, visits = by_hand(model, i, 90)
        assert row["p_alive"] == pytest.approx(alive, abs=2e-4)
        assert row["expected_purchases"] == pytest.approx(visits, abs=2e-3)
        assert row["purchase_days"] == len({at.date() for at, _ in forecastdata.visits(i)})


def test_value_at_risk_is_what_they_would_bring_times_the_chance_they_are_gone(run, shop):  # noqa: ARG001
    data = run.json("report", "forecast", *DAY)
    spend = data["spend_model"]
    for row in data["members"][:10]:
        i = int(row["member_no"][1:])
        alive, visits = by_hand(data["model"], i, 90)
        days = {}
        for at, amount in forecastdata.visits(i):
            days[at.date()] = days.get(at.date(), 0) + float(amount)
        if i % 7 == 0:
            days[min(days)] += 10.0
        repeat = [days[d] for d in sorted(days)[1:]]
        x = len(repeat)
        m = sum(repeat) / x if x else 0.0
        per_visit = spend["p"] * (spend["gamma"] + x * m) / (spend["p"] * x + spend["q"] - 1)
        assert float(row["expected_value"]) == pytest.approx(visits * per_visit, abs=0.011)
        at_risk = visits / alive * per_visit * (1 - alive)
        assert float(row["value_at_risk"]) == pytest.approx(at_risk, abs=0.011)


def risk_by_the_rule(first_days_ago: int, purchase_days: int, p_alive: float) -> str:
    """The rule of the docs (first match), worked out here one member at a time."""
    if first_days_ago < forecast.NEW_DAYS:
        return "new"
    if purchase_days == 1:
        return "one_off"
    if p_alive < forecast.GONE_BELOW:
        return "likely_gone"
    return "slipping" if p_alive < forecast.STEADY_FROM else "steady"


def test_the_risk_label_follows_the_rule(run, shop):  # noqa: ARG001
    members = run.json("report", "forecast", *DAY)["members"]
    for row in members:
        i = int(row["member_no"][1:])
        first = min(at.date() for at, _ in forecastdata.visits(i))
        days = (forecastdata.AS_OF - first).days
        assert row["risk"] == risk_by_the_rule(days, row["purchase_days"], row["p_alive"])
    assert {row["risk"] for row in members} == {"likely_gone", "steady", "new", "one_off"}


def test_days_limit_and_store(run, shop):  # noqa: ARG001
    whole = run.json("report", "forecast", *DAY)
    month = run.json("report", "forecast", *DAY, "--days", "30")
    assert month["model"] == whole["model"]
    shorter = {r["member_no"]: r["expected_purchases"] for r in month["members"]}
    assert all(shorter[r["member_no"]] <= r["expected_purchases"] for r in whole["members"])
    assert run.json("report", "forecast", *DAY, "--limit", "3")["members"] == whole["members"][:3]
    north = run.json("report", "forecast", *DAY, "--store", "north")
    assert north["model"] == whole["model"]  # fitted on the whole shop all the same
    assert north["members"] == [r for r in whole["members"] if int(r["member_no"][1:]) % 2]
    tiered = run.json("report", "forecast", *DAY, "--where", "status = frozen")
    assert [r["member_no"] for r in tiered["members"]] == ["M000046"]


def test_csv_is_the_member_rows(run, shop, tmp_path):  # noqa: ARG001
    result = run("report", "forecast", *DAY, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == KEYS
    assert len(rows) == 47
    data = run.json("report", "forecast", *DAY)
    assert rows[1] == [
        str(v).replace("T", "T") if not isinstance(v, float) else repr(v)
        for v in data["members"][0].values()
    ]
    out = tmp_path / "forecast.csv"
    assert run("report", "forecast", *DAY, "-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf" + ",".join(KEYS).encode())


def test_json_to_a_file(run, shop, tmp_path):  # noqa: ARG001
    out = tmp_path / "forecast.json"
    result = run("report", "forecast", *DAY, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == run.json("report", "forecast", *DAY)


def test_xlsx_and_ods(run, shop, tmp_path):  # noqa: ARG001
    out = tmp_path / "forecast.xlsx"
    result = run("report", "forecast", *DAY, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"wrote {out} (sheets: risks, forecast, model)"
    book = load_workbook(out)
    assert book.sheetnames == ["risks", "forecast", "model"]
    data = run.json("report", "forecast", *DAY)
    risks = [list(r) for r in book["risks"].iter_rows(values_only=True)]
    assert risks[0] == ["risk", "members", "value_at_risk"]
    per_risk = [
        (risk, [Decimal(m["value_at_risk"]) for m in data["members"] if m["risk"] == risk])
        for risk in forecast.RISKS
    ]
    expected = [(risk, len(values), sum(values, Decimal(0))) for risk, values in per_risk]
    assert [(r[0], r[1], Decimal(str(r[2]))) for r in risks[1:]] == expected
    assert sum(count for _risk, count, _value in expected) == len(data["members"]) == 46
    with zipfile.ZipFile(out) as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())
    model = dict(book["model"].iter_rows(min_row=2, values_only=True))
    assert list(model) == [
        "as_of", "forecast_days", "r", "alpha", "a", "b", "log_likelihood", "time_unit", "p",
        "q", "gamma", "buyers", "repeat_buyers",
    ]  # fmt: skip
    assert (model["forecast_days"], model["buyers"], model["repeat_buyers"]) == (90, 47, 41)
    assert model["r"] == data["model"]["r"]
    assert book["forecast"].max_row == 47
    ods = tmp_path / "forecast.ods"
    result = run("report", "forecast", *DAY, "-o", str(ods))
    assert result.stderr.strip() == f"wrote {ods} (sheets: risks, forecast, model)"


def test_show_pii_is_audited(run, shop, session):  # noqa: ARG001
    masked = run.json("report", "forecast", *DAY, "--limit", "1")["members"][0]["phone"]
    assert "****" in masked
    shown = run.json("report", "forecast", *DAY, "--limit", "1", "--show-pii")["members"][0]
    assert shown["phone"].startswith("+86138")
    actions = session.exec(select(AuditEntry.action, AuditEntry.details)).all()
    assert [(a, json.loads(d) if isinstance(d, str) else d) for a, d in actions][-1] == (
        "report.show_pii",
        {"report": "forecast"},
    )


def test_the_empty_database_is_too_little_history(run):
    assert failure(run("report", "forecast", *DAY), 4) == TOO_LITTLE.format(count=0)
    assert failure(run("report", "churn", "--model", *DAY), 4) == TOO_LITTLE.format(count=0)


def test_a_small_shop_is_too_little_history(run, engine):
    seed_small_shop(engine)
    result = run("report", "forecast", *DAY, "-f", "json")
    assert failure(result, 4) == TOO_LITTLE.format(count=2)


def test_a_history_the_model_cannot_fit_is_refused(run, engine):
    """40 members who each came every week for ten weeks, the last time on AS_OF: nobody seems
    to leave, the drop-out probability runs to zero and the fit to the end of its range."""
    from memberctl.db.session import transaction
    from memberctl.models import Member
    from tests import factories

    for i in range(40):
        factories.enroll(engine, name=f"周{i}", phone=f"1370000{i:04d}")
    with transaction(engine) as session:
        ids = session.exec(select(Member.id)).all()
        end = dt.datetime(2026, 11, 25, 10)
        for member_id in ids:
            for week in range(11):
                at = end - dt.timedelta(weeks=week)
                session.add(
                    forecastdata.purchase(member_id, member_id * 100 + week, at, Decimal(50), False)
                )
    assert failure(run("report", "forecast", *DAY), 4) == (
        "error: the forecast model found no stable fit for the purchase history up to "
        "2026-11-25; the model learns from members who come back; until then use "
        "'memberctl report churn --days 60'"
    )


@pytest.mark.parametrize(
    "report", [("report", "forecast"), ("report", "churn"), ("member", "list")]
)
def test_where_p_alive_points_at_the_forecast(run, report):
    result = run(*report, "--where", "p_alive < 0.3")
    assert failure(result, 2) == (
        "error: p_alive at column 1 is not a --where field; it comes from a model fitted on the "
        "whole shop's history; use 'memberctl report forecast' (sorted by value at risk) or "
        "'memberctl report churn --model --below 0.3'"
    )


def test_churn_model(run, shop):  # noqa: ARG001
    data = run.json("report", "forecast", *DAY)
    rows = run.json("report", "churn", "--model", *DAY)
    gone = [r for r in data["members"] if r["p_alive"] < 0.5]
    last = dt.date.fromisoformat(gone[0]["last_purchase_at"][:10])
    assert [r["member_no"] for r in rows] == [r["member_no"] for r in gone]
    assert rows[0] == {
        "member_no": gone[0]["member_no"], "name": gone[0]["name"], "phone": gone[0]["phone"],
        "tier": "basic", "status": "active", "last_purchase_at": gone[0]["last_purchase_at"],
        "inactive_days": (forecastdata.AS_OF - last).days,
        "purchase_days": gone[0]["purchase_days"], "p_alive": gone[0]["p_alive"],
        "value_at_risk": gone[0]["value_at_risk"],
    }  # fmt: skip
    more = run.json("report", "churn", "--model", "--below", "0.9", *DAY)
    assert [r["member_no"] for r in more] == [
        r["member_no"] for r in data["members"] if r["p_alive"] < 0.9
    ]
    assert len(more) > len(rows)
    assert run.json("report", "churn", "--model", "--limit", "2", *DAY) == rows[:2]
    table = run("report", "churn", "--model", *DAY, env={"COLUMNS": "120"})
    assert table.exit_code == 0 and gone[0]["member_no"] in table.stdout


def test_churn_model_options_go_together(run, shop):  # noqa: ARG001
    result = run("report", "churn", "--below", "0.3", *DAY)
    assert (
        failure(result, 2) == "error: --below goes with --model; add --model, or leave --below out"
    )
    result = run("report", "churn", "--model", "--days", "30", *DAY)
    assert failure(result, 2) == (
        "error: --days and --model do not go together; --model decides by p_alive (--below), "
        "not by days"
    )


def _staff(engine, name: str, role: str, stores: tuple[str, ...]) -> str:
    with engine.begin() as connection:
        staff_id = connection.execute(
            insert(Staff.__table__).values(name=name, role=role, password_hash="x", created_at=NOW)
        ).inserted_primary_key[0]
        for store in stores:
            connection.execute(insert(StaffStore.__table__).values(staff_id=staff_id, store=store))
        return sessions.issue(connection, staff_id=staff_id, kind="login")


def test_staff_see_their_stores_members_and_a_clerk_none(run, shop, engine):  # noqa: ARG001
    whole = run.json("report", "forecast", *DAY)
    manager = _staff(engine, "manager1", "manager", ("south",))
    clerk = _staff(engine, "clerk1", "clerk", ("south",))
    as_manager = {"MEMBERCTL_TOKEN": manager, "MEMBERCTL_OPERATOR": None}
    result = run("report", "forecast", *DAY, "-f", "json", env=as_manager)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == whole["model"]
    assert data["members"] == [r for r in whole["members"] if int(r["member_no"][1:]) % 2 == 0]
    result = run(
        "report", "forecast", *DAY, env={"MEMBERCTL_TOKEN": clerk, "MEMBERCTL_OPERATOR": None}
    )
    failure(result, 6, "'memberctl report forecast' needs ")


def test_the_risk_summary_counts_every_member_in_scope_whatever_the_limit(run, shop, tmp_path):  # noqa: ARG001
    data = run.json("report", "forecast", *DAY)
    counts = {r: sum(m["risk"] == r for m in data["members"]) for r in forecast.RISKS}
    out = tmp_path / "first-two.xlsx"
    assert run("report", "forecast", *DAY, "--limit", "2", "-o", str(out)).exit_code == 0
    risks = list(load_workbook(out)["risks"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in risks] == list(counts.items())
    assert load_workbook(out)["forecast"].max_row == 3  # the header and the two listed
    table = run("report", "forecast", *DAY, "--limit", "2")
    assert table.exit_code == 0, table.stderr
    for risk, count in counts.items():
        assert re.search(rf"^{risk} +{count} ", table.stdout, re.MULTILINE), (risk, count)
