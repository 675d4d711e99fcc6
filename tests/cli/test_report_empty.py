"""Every report on a database with no members: zeros and empty lists, never an error."""

from __future__ import annotations

import csv
import io

import pytest

DAY = ["--as-of", "2026-11-25"]


def test_empty_summary(run):
    assert run.json("report", "summary", *DAY) == {
        "as_of": "2026-11-25",
        "by_status": {"active": 0, "frozen": 0, "cancelled": 0},
        "by_tier": {"basic": 0, "silver": 0, "gold": 0, "platinum": 0},
        "new_this_month": 0,
        "active_90d": 0,
        "points_liability": 0,
        "balance_liability": "0.00",
        "members": 0,
    }


@pytest.mark.parametrize("report", ["rfm", "churn", "upgrades", "birthdays"])
def test_empty_lists(run, report):
    assert run.json("report", report, *DAY) == []
    result = run("report", report, *DAY, "-f", "csv")
    assert result.exit_code == 0
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert header[0] == "member_no"


def test_empty_growth_lists_every_month_with_zero(run):
    rows = run.json("report", "growth", *DAY)
    assert len(rows) == 12
    assert {(r["new_members"], r["total_members"]) for r in rows} == {(0, 0)}


def test_empty_kpi_and_liability(run):
    kpi = run.json("report", "kpi", *DAY)
    assert (
        kpi["active_members"],
        kpi["repurchase_rate"],
        kpi["average_order_value"],
        kpi["purchase_frequency"],
    ) == (0, 0.0, "0.00", 0.0)
    assert run.json("report", "liability", *DAY) == {
        "as_of": "2026-11-25",
        "points": 0,
        "balance": "0.00",
    }


@pytest.mark.parametrize(
    "report", ["summary", "growth", "rfm", "churn", "upgrades", "birthdays", "kpi", "liability"]
)
def test_empty_tables_and_xlsx(run, tmp_path, report):
    import openpyxl

    assert run("report", report, *DAY).exit_code == 0
    out = tmp_path / f"{report}.xlsx"
    result = run("report", report, *DAY, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert openpyxl.load_workbook(out).sheetnames


def test_empty_campaign(run, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'code = "c"\nname = "c"\naction = "award_points"\npoints = 5\nwhere = "points >= 0"\n'
        'period = "once"\n',
        encoding="utf-8",
    )
    assert run("campaign", "add", str(path)).exit_code == 0
    data = run.json("report", "campaign", "c", *DAY)
    assert (data["members_reached"], data["runs"], data["purchases_after"]) == (0, 0, 0)
    assert data["first_run"] is None
