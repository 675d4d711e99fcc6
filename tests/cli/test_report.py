"""`memberctl report ...` through the real CLI on the hand-checked shop of tests/reportdata.py
(SQLite, or PostgreSQL with MEMBERCTL_TEST_DB). Every expected number below was worked out by
hand from the table in that module's docstring."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from memberctl.domain import audit
from tests.conftest import failure
from tests.reportdata import AS_OF, seed

DAY = ["--as-of", AS_OF.isoformat()]


@pytest.fixture
def shop(engine):
    return seed(engine)


pytestmark = pytest.mark.usefixtures("shop")


def test_summary(run):
    assert run.json("report", "summary", *DAY) == {
        "as_of": "2026-11-25",
        "by_status": {"active": 5, "frozen": 1, "cancelled": 1},
        "by_tier": {"basic": 4, "silver": 2, "gold": 0, "platinum": 0},
        "new_this_month": 2,
        "active_90d": 4,
        "points_liability": 1250,
        "balance_liability": "249.75",
        "members": 7,
    }


def test_summary_for_one_store(run):
    data = run.json("report", "summary", *DAY, "--store", "north")
    assert data["by_status"] == {"active": 2, "frozen": 0, "cancelled": 0}
    assert data["by_tier"] == {"basic": 1, "silver": 1, "gold": 0, "platinum": 0}
    assert (data["new_this_month"], data["active_90d"]) == (1, 2)
    assert (data["points_liability"], data["balance_liability"]) == (1250, "149.75")


def test_summary_on_an_earlier_day_leaves_out_what_came_later(run):
    data = run.json("report", "summary", "--as-of", "2026-10-31")
    assert data["members"] == 5  # M2 and M7 joined in November
    assert data["new_this_month"] == 0
    assert data["active_90d"] == 2  # M3 (10-26) and M5 (09-01); M1's October buy was refunded
    assert (data["points_liability"], data["balance_liability"]) == (0, "100.00")


def test_growth(run):
    rows = run.json("report", "growth", *DAY)
    assert [r["month"] for r in rows] == [
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    new = {r["month"]: r["new_members"] for r in rows if r["new_members"]}
    assert new == {"2026-01": 1, "2026-02": 1, "2026-11": 2}
    assert [r["total_members"] for r in rows][:3] == [3, 4, 5]
    assert rows[-1]["total_members"] == 7


def test_growth_months_option(run):
    rows = run.json("report", "growth", *DAY, "--months", "3")
    assert rows == [
        {"month": "2026-09", "new_members": 0, "total_members": 5},
        {"month": "2026-10", "new_members": 0, "total_members": 5},
        {"month": "2026-11", "new_members": 2, "total_members": 7},
    ]


def test_rfm(run):
    rows = run.json("report", "rfm", *DAY)
    scores = {
        r["member_no"]: (r["recency"], r["frequency"], r["monetary"], r["segment"]) for r in rows
    }
    # recency by day of the last purchase: M4 < M5 < M3 < M2 < M1; frequency 1,1,1,1 then M1
    # with 3: the four tied share the NTILE at their middle place (2); monetary 790 (M3) < 850
    # (M2) < 900 (M5) < 1800 (M1) < 4500 (M4, 12 months only).
    assert scores == {
        "M000001": (5, 5, 4, "champions"),
        "M000002": (4, 2, 2, "potential"),
        "M000003": (3, 2, 1, "needs_attention"),
        "M000004": (1, 2, 5, "at_risk"),
        "M000005": (2, 2, 3, "hibernating"),
    }
    first = rows[0]
    assert first["member_no"] == "M000001"
    assert (first["purchases"], first["spend"], first["recency_days"]) == (3, "1800.00", 1)
    assert re.fullmatch(r"139\*{4}\d{4}", first["phone"])


def test_churn(run):
    rows = run.json("report", "churn", *DAY)
    assert [
        (r["member_no"], r["last_purchase_at"], r["inactive_days"], r["purchases"], r["spend"])
        for r in rows
    ] == [
        ("M000003", "2026-10-26T18:00:00", 30, 1, "790.00"),
        ("M000005", "2026-09-01T10:00:00", 85, 1, "900.00"),
        ("M000004", "2025-12-01T10:00:00", 359, 2, "5500.00"),
    ]
    assert [r["member_no"] for r in run.json("report", "churn", *DAY, "--days", "90")] == [
        "M000004"
    ]
    assert run.json("report", "churn", *DAY, "--days", "31") == run.json(
        "report", "churn", *DAY, "--days", "31", "--where", "status != cancelled"
    )


def test_upgrades(run):
    rows = run.json("report", "upgrades", *DAY)
    assert [
        (r["member_no"], r["tier"], r["next_tier"], r["spend_12m"], r["threshold"]) for r in rows
    ] == [
        ("M000004", "silver", "gold", "4500.00", "5000.00"),
        ("M000002", "basic", "silver", "850.00", "1000.00"),  # the 200.00 refund does not count
    ]
    wider = run.json("report", "upgrades", *DAY, "--within", "0.25")
    assert [r["member_no"] for r in wider] == ["M000004", "M000002", "M000003"]  # M5 is frozen


def test_birthdays(run):
    rows = run.json("report", "birthdays", *DAY)
    assert [(r["member_no"], r["birthday"], r["next_birthday"], r["age"]) for r in rows] == [
        ("M000005", "1995-11-05", "2026-11-05", 31),
        ("M000007", "1999-11-25", "2026-11-25", 27),
        ("M000001", "1990-11-30", "2026-11-30", 36),
    ]
    december = run.json("report", "birthdays", *DAY, "--month", "12")
    assert [(r["member_no"], r["next_birthday"]) for r in december] == [("M000002", "2026-12-02")]
    leap = run.json("report", "birthdays", *DAY, "--month", "2")
    assert [(r["member_no"], r["next_birthday"], r["age"]) for r in leap] == [
        ("M000003", "2027-02-28", 27)
    ]
    week = run.json("report", "birthdays", *DAY, "--days", "7")
    assert [r["member_no"] for r in week] == ["M000007", "M000001", "M000002"]


def test_kpi(run):
    data = run.json("report", "kpi", *DAY)
    assert (data["start"], data["end"]) == ("2026-10-27", "2026-11-25")
    assert (data["previous_start"], data["previous_end"]) == ("2026-09-27", "2026-10-26")
    current = {k: data[k] for k in data["previous"]}
    assert current == {
        "active_members": 2,
        "repurchase_rate": 0.5,
        "average_order_value": "662.50",
        "purchase_frequency": 2.0,
        "new_members": 2,
        "purchases": 4,
        "revenue": "2650.00",
    }
    assert data["previous"] == {
        "active_members": 1,
        "repurchase_rate": 0.0,
        "average_order_value": "790.00",
        "purchase_frequency": 1.0,
        "new_members": 0,
        "purchases": 1,
        "revenue": "790.00",
    }
    assert data["change"]["average_order_value"] == "-127.50"
    assert data["change"]["active_members"] == 1
    assert data["change_pct"]["revenue"] == 235.4
    assert data["change_pct"]["new_members"] is None


def test_kpi_explicit_period(run):
    data = run.json("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-10")
    assert (data["active_members"], data["purchases"], data["revenue"]) == (2, 2, "1150.00")
    assert data["repurchase_rate"] == 0.0
    assert (data["previous_start"], data["previous_end"]) == ("2026-10-22", "2026-10-31")
    assert data["previous"]["purchases"] == 1  # M3 on 10-26; M1's 10-15 was refunded


def test_kpi_from_after_to_is_a_usage_error(run):
    result = run("report", "kpi", "--from", "2026-11-10", "--to", "2026-11-01")
    failure(result, 2, "--from")


def test_liability(run):
    assert run.json("report", "liability", *DAY) == {
        "as_of": "2026-11-25",
        "points": 1250,
        "balance": "249.75",
    }
    later = run.json("report", "liability", "--as-of", "2026-11-30")
    assert later["points"] == 1550  # M4's 300 on 11-26


def _campaign_file(tmp_path, code, action_lines, where):
    path = tmp_path / f"{code}.toml"
    path.write_text(
        f'code = "{code}"\nname = "{code}"\n{action_lines}\nwhere = "{where}"\nperiod = "once"\n',
        encoding="utf-8",
    )
    return path


def test_campaign_points(run, tmp_path):
    path = _campaign_file(
        tmp_path, "thanks", 'action = "award_points"\npoints = 100', "tier = silver"
    )
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run("campaign", "run", "thanks", "--as-of", "2026-11-01").exit_code == 0
    data = run.json("report", "campaign", "thanks", *DAY)
    assert (data["members_reached"], data["points_given"], data["coupons_issued"]) == (2, 200, 0)
    # The run for 11-01 is stamped at its end (23:59:59): M1's 300.00 earlier that day is
    # before the award (it was counted after when the split was by date), 11-20 and 11-24 after.
    assert (data["purchases_after"], data["buyers_after"], data["spend_after"]) == (2, 1, "1500.00")
    before = (data["purchases_before"], data["buyers_before"], data["spend_before"])
    assert before == (1, 1, "300.00")
    short = run.json("report", "campaign", "thanks", *DAY, "--days", "20")
    assert (short["purchases_after"], short["spend_after"]) == (1, "500.00")


def test_campaign_coupons(run, tmp_path, engine):
    from memberctl.db.session import transaction
    from memberctl.domain import coupons
    from tests.reportdata import at

    lines = 'action = "issue_coupon"\ncoupon_value = "20.00"'
    path = _campaign_file(tmp_path, "drop", lines, "tier = basic")
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run("campaign", "run", "drop", "--as-of", "2026-11-10").exit_code == 0
    codes = [c["code"] for c in run.json("coupon", "list", "M000002")]
    with transaction(engine) as session:
        coupons.redeem(session=session, code=codes[0], at=at("2026-11-12 10:00"), operator="t")
    data = run.json("report", "campaign", "drop", *DAY)
    assert (data["members_reached"], data["coupons_issued"], data["coupons_redeemed"]) == (3, 3, 1)
    assert data["redemption_rate"] == 0.3333
    assert data["points_given"] == 0


def test_unknown_campaign_is_not_found(run):
    failure(run("report", "campaign", "nope"), 3, "no campaign 'nope'")


# -- formats ----------------------------------------------------------------------------------
def test_phones_are_masked_unless_show_pii_which_is_audited(run, session):
    masked = run.json("report", "birthdays", *DAY)
    assert all("****" in r["phone"] for r in masked)
    shown = run.json("report", "birthdays", *DAY, "--show-pii")
    assert shown[0]["phone"].startswith("+86139")
    session.rollback()
    entries = audit.list_entries(session=session, action="report.show_pii")
    assert [(e.action, e.details) for e in entries] == [
        ("report.show_pii", {"report": "birthdays"})
    ]


def test_phones_in_csv_with_show_pii_as_export_writes_them(run, tmp_path):
    """Mobiles as 11 digits, other numbers `'+E.164`, on stdout and in --out: LibreOffice reads
    `+8613900000001` as a number."""
    shown = run.json("report", "birthdays", *DAY, "--show-pii")
    expected = [r["phone"][3:] if r["phone"].startswith("+861") else r["phone"] for r in shown]
    assert expected and all(len(p) == 11 and p.isdigit() for p in expected)
    result = run("report", "birthdays", *DAY, "--show-pii", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert [r["phone"] for r in csv.DictReader(io.StringIO(result.stdout))] == expected
    out = tmp_path / "b.csv"
    assert run("report", "birthdays", *DAY, "--show-pii", "--out", str(out)).exit_code == 0
    rows = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    assert [r["phone"] for r in rows] == expected
    masked = run("report", "birthdays", *DAY, "-f", "csv").stdout
    assert all("****" in r["phone"] for r in csv.DictReader(io.StringIO(masked)))


def test_csv_to_stdout_and_file(run, tmp_path):
    result = run("report", "churn", *DAY, "-f", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["member_no"] for r in rows] == ["M000003", "M000005", "M000004"]
    assert rows[0]["spend"] == "790.00"
    out = tmp_path / "churn.csv"
    written = run("report", "churn", *DAY, "-f", "csv", "--out", str(out))
    assert written.exit_code == 0 and written.stdout == ""
    assert not result.stdout.startswith("\ufeff")  # stdout: no BOM; a file: one, for Excel
    assert out.read_bytes() == b"\xef\xbb\xbf" + result.stdout.encode()


def test_object_report_csv_is_one_flat_row(run):
    result = run("report", "summary", *DAY, "-f", "csv")
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["by_status.active"], row["by_tier.silver"], row["balance_liability"]) == (
        "5",
        "2",
        "249.75",
    )


def test_json_to_file_and_format_from_suffix(run, tmp_path):
    out = tmp_path / "liability.json"
    result = run("report", "liability", *DAY, "--out", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["balance"] == "249.75"
    assert out.read_bytes()[:1] == b"{"  # JSON has no BOM


def test_xlsx_without_out_is_a_usage_error(run):
    failure(run("report", "summary", "-f", "xlsx"), 2, "--out")


def test_table_with_out_and_unknown_suffix_are_usage_errors(run, tmp_path):
    failure(run("report", "summary", "-f", "table", "--out", str(tmp_path / "a.txt")), 2, "--out")
    failure(run("report", "summary", "--out", str(tmp_path / "a.txt")), 2, "--out")


@pytest.mark.parametrize(
    ("report", "sheets", "charts"),
    [
        ("summary", ["summary", "by_status", "by_tier"], {"by_status": 1, "by_tier": 1}),
        ("growth", ["growth"], {"growth": 2}),
        ("rfm", ["segments", "rfm"], {"segments": 1}),
        ("churn", ["churn"], {}),
        ("kpi", ["kpi", "previous", "change", "change_pct"], {}),
    ],
)
def test_xlsx_sheets_and_charts(run, tmp_path, report, sheets, charts):
    import openpyxl

    out = tmp_path / f"{report}.xlsx"
    result = run("report", report, *DAY, "-f", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == sheets
    assert {ws.title: len(ws._charts) for ws in book if ws._charts} == charts
    first = book[sheets[0]]
    assert first.freeze_panes == "A2"
    assert first["A1"].font.bold


def test_xlsx_growth_has_the_numbers(run, tmp_path):
    import openpyxl

    out = tmp_path / "growth.xlsx"
    run("report", "growth", *DAY, "--out", str(out))
    sheet = openpyxl.load_workbook(out)["growth"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("month", "new_members", "total_members")
    assert rows[-1] == ("2026-11", 2, 7)


def test_tables_render(run):
    for report in (
        "summary",
        "growth",
        "rfm",
        "churn",
        "upgrades",
        "birthdays",
        "kpi",
        "liability",
    ):
        result = run("report", report, *DAY)
        assert result.exit_code == 0, (report, result.stderr)
        assert result.stdout.strip()
    growth = run("report", "growth", *DAY).stdout
    assert "█" in growth and "2026-11" in growth


def test_where_and_segment_filter(run):
    rows = run.json("report", "churn", *DAY, "--where", "tier = silver")
    assert [r["member_no"] for r in rows] == ["M000004"]
    assert run("segment", "save", "south", "store = south").exit_code == 0
    data = run.json("report", "summary", *DAY, "--segment", "south")
    assert data["members"] == 2
    failure(run("report", "summary", "--where", "tier ="), 2)


@pytest.mark.parametrize("report", ["rfm", "churn", "upgrades", "birthdays", "growth"])
def test_json_rows_are_what_json_dumps_writes(run, monkeypatch, report):
    """List reports are rendered column by column in chunks of rows: the bytes are still one
    json.dumps line per row."""
    from memberctl.cli import _report_output

    monkeypatch.setattr(_report_output, "CHUNK_ROWS", 2)
    text = run("report", report, *DAY, "-f", "json").stdout
    rows = json.loads(text)
    assert rows, report
    lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in rows)
    assert text == "[\n" + lines + "\n]\n"


def test_json_rows_with_odd_values(monkeypatch):
    """None in any column, text with quotes, %, newlines and CJK, a value of another type than
    its annotation: each cell as json.dumps writes it."""
    import dataclasses
    import datetime as dt
    from decimal import Decimal

    from memberctl.cli import _report_output

    @dataclasses.dataclass
    class Row:
        name: str | None
        count: int | None
        spend: Decimal | None
        day: dt.date | None
        share: float | None
        lift: float

    monkeypatch.setattr(_report_output, "_row_type", lambda _name: Row)
    monkeypatch.setattr(_report_output, "CHUNK_ROWS", 2)
    data = [
        Row('a "b" %s 100%\n张三', 1, Decimal("1.005"), dt.date(2026, 1, 2), 0.1, 1e-7),
        Row(None, None, None, None, None, 2.0),
        Row("x", True, Decimal("-2"), dt.datetime(2026, 1, 2, 3, 4, 5), 1 / 3, 1e22),  # type: ignore[arg-type]
        Row("y", 2, Decimal("3"), dt.date(2026, 1, 3), float("inf"), float("nan")),
        Row("z", 3, Decimal("12.50"), None, None, 1.0),  # a chunk of cents: written as they are
        Row("z", 4, Decimal("-0.00"), None, None, 1.0),
        Row("z", 5, Decimal("12.50"), None, None, 1.0),  # one that is not: each formatted
        Row("z", 6, Decimal("1E+2"), None, None, 1.0),
    ]
    text = "".join(_report_output._json_chunks("odd", data))
    spends = [row["spend"] for row in json.loads(text)]
    assert spends == ["1.01", None, "-2.00", "3.00", "12.50", "-0.00", "12.50", "100.00"]
    assert json.loads(text)[:3] == [
        {"name": 'a "b" %s 100%\n张三', "count": 1, "spend": "1.01", "day": "2026-01-02",
         "share": 0.1, "lift": 1e-7},
        {"name": None, "count": None, "spend": None, "day": None, "share": None, "lift": 2.0},
        {"name": "x", "count": True, "spend": "-2.00", "day": "2026-01-02T03:04:05",
         "share": 1 / 3, "lift": 1e22},
    ]  # fmt: skip
    lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in json.loads(text))
    assert text == "[\n" + lines + "\n]\n"


@pytest.mark.parametrize("name", ["summary", "upgrades", "churn", "birthdays"])
def test_the_menu_shows_a_report_as_the_command_does_with_no_option(run, db_url, name, capsys):
    """The menu's Reports item runs report.show_default: the same figures as `report NAME`."""
    from memberctl import config
    from memberctl.cli import report
    from memberctl.cli._context import AppContext

    today = dt.date.today()
    run(
        "member",
        "enroll",
        "--name",
        "张三",
        "--phone",
        "13800138000",
        "--birthday",
        today.replace(year=1990, day=1).isoformat(),
    )
    run("member", "enroll", "--name", "李四", "--phone", "13900139000")
    run(
        "purchase",
        "record",
        "13800138000",
        "900",
        "--at",
        (today - dt.timedelta(days=40)).isoformat(),
    )
    run("purchase", "record", "13900139000", "50")
    expected = run.json("report", name)
    app = AppContext(config.resolve(db=db_url, operator="t", no_input=True, debug=False))
    capsys.readouterr()
    try:
        report.show_default(app, name, report.ReportFormat.json)
    finally:
        app.close()  # its own engine: no connection left open for the next test
    assert json.loads(capsys.readouterr().out) == expected
    assert expected  # the shop above gives each report something to show
