"""The published-table check (issue 19): the CDNOW sample (tests/data/cdnow/) imported through
`import members` and `import purchases`, then `report forecast --as-of 1997-09-30` gives the
BG/NBD and Gamma-Gamma parameters of Fader, Hardie & Lee (2005) within 1%; and the 39-week
holdout (1997-10-01 to 1998-06-30, `--days 273`): the visits the model expected from the 2,357
customers against the visits they made, in all and by calibration frequency (the table in
docs/_pending/forecast.md, pinned below). On SQLite or PostgreSQL (MEMBERCTL_TEST_DB)."""

from __future__ import annotations

import pytest

from tests import cdnow

pytestmark = pytest.mark.slow

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}
# The holdout table of docs/_pending/forecast.md (README), exactly as this test works it out.
HOLDOUT_TABLE = """\
| repeat days to 1997-09-30 | customers | expected visits | actual visits |
|---|---|---|---|
| 0 | 1,411 | 317.6 | 334 |
| 1 | 439 | 229.7 | 306 |
| 2 | 214 | 223.4 | 298 |
| 3 | 100 | 152.0 | 156 |
| 4 | 62 | 134.2 | 157 |
| 5 | 38 | 100.8 | 112 |
| 6 | 29 | 101.6 | 112 |
| 7+ | 64 | 394.1 | 407 |
| all | 2,357 | 1,653.4 | 1,882 |"""


def test_cdnow_published_parameters_and_holdout(run, tmp_path):
    members, purchases = cdnow.write_files(tmp_path)
    imported = run.json("import", "members", str(members))
    assert (imported["inserted"], imported["rejected"]) == (2357, 0)
    imported = run.json("import", "purchases", str(purchases))
    assert (imported["inserted"], imported["rejected"]) == (6919, 0)

    data = run.json("report", "forecast", "--as-of", "1997-09-30", "--days", "273")
    model, spend = data["model"], data["spend_model"]
    for name, value in PUBLISHED.items():
        assert model[name] == pytest.approx(value, rel=0.01), name
    for name, value in PUBLISHED_SPEND.items():
        assert spend[name] == pytest.approx(value, rel=0.01), name
    assert model["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert model["time_unit"] == "week"
    assert len(data["members"]) == 2357

    # The holdout: expected visits (purchase days) in the 273 days after 1997-09-30, against
    # the days each customer bought on then, by repeat purchase days in the calibration period.
    by_phone = {r["phone"][-4:]: r for r in data["members"]}  # masked: 139****0001
    table: dict[str, list[float]] = {}
    for sample_id, days in cdnow.days_by_customer().items():
        calibration = [d for d in days if d <= cdnow.CALIBRATION_END]
        holdout = [d for d in days if cdnow.HOLDOUT[0] <= d <= cdnow.HOLDOUT[1]]
        x = len(calibration) - 1
        row = table.setdefault(str(x) if x < 7 else "7+", [0, 0.0, 0])
        row[0] += 1
        row[1] += by_phone[f"{sample_id:04d}"]["expected_purchases"]
        row[2] += len(holdout)
    expected = sum(r[1] for r in table.values())
    actual = sum(r[2] for r in table.values())
    lines = ["| repeat days to 1997-09-30 | customers | expected visits | actual visits |"]
    lines.append("|---|---|---|---|")
    for key in sorted(table, key=lambda k: int(k.rstrip("+"))):
        customers, want, got = table[key]
        lines.append(f"| {key} | {customers:,} | {want:,.1f} | {got:,} |")
    lines.append(f"| all | 2,357 | {expected:,.1f} | {actual:,} |")
    assert "\n".join(lines) == HOLDOUT_TABLE
    # The model expects 12% fewer visits than were made (the BG/NBD's known shortfall on this
    # sample among the customers who came back once or twice); within 15% in all, and in order
    # by frequency (more repeat days before, more visits expected after).
    assert expected == pytest.approx(actual, rel=0.15)
    means = [table[k][1] / table[k][0] for k in sorted(table, key=lambda k: int(k.rstrip("+")))]
    assert means == sorted(means)
