"""A small shop for `tier simulate` (tests/cli/test_tier_simulate.py, tests/snapshots),
hand-checked.

Default tiers (basic 0 x1.00, silver 1000 x1.20, gold 5000 x1.50, platinum 20000 x2.00, every
tier at the shop's 1 point per 1.00; birthday month x2, grace 30 days). The day is AS_OF =
2026-11-25: the 12-month window is 2025-11-26 .. 2026-11-25. Each member's tier is set (by
hand, `tier.kept_months` 0: not kept, except H) before they buy, so the points their purchases
earned are the points "now".

| no | who | tier     | purchases in the window (R refunded) | note                            |
|----|-----|----------|--------------------------------------|---------------------------------|
| M1 | F   | gold     | 06-01 3000                           | below gold since 10-01 (evaluate)|
| M2 | A   | basic    | 10-15 900, 10-16 300 R               |                                 |
| M3 | B   | basic    | 10-20 500 (birthday month: x2)       | born 1990-10-15                 |
| M4 | C   | silver   | 10-15 1200, 11-01 19.99; 2025-11-25 1000 (before the window) |         |
| M5 | D   | gold     | 10-15 3000, 11-02 2500               |                                 |
| M6 | G   | silver   | 10-15 16000                          |                                 |
| M7 | H   | gold     | 11-03 100                            | kept until 2027-11-24           |
| M8 | J   | basic    | -                                    |                                 |
| M9 | I   | silver   | 10-15 2000                           | frozen: not evaluated           |

NEW_TIERS lowers silver to 800 (x1.30), raises gold to 6000, lowers platinum to 15000 and gives
it 1.5 points per 1.00. Under it, on AS_OF (points: now / after the load and evaluation /
settled, each purchase rounded down):

| from -> qualifies for | change    | members | spend    | now   | after | settled |
|-----------------------|-----------|---------|----------|-------|-------|---------|
| basic -> basic        | stay      | B, J    | 500.00   | 1000  | 1000  | 1000    |
| basic -> silver       | upgrade   | A       | 900.00   | 900   | 1170  | 1170    |
| silver -> silver      | stay      | C       | 1219.99  | 1463  | 1585  | 1585    |
| silver -> platinum    | upgrade   | G       | 16000.00 | 19200 | 48000 | 48000   |
| gold -> basic         | kept      | H       | 100.00   | 150   | 150   | 100     |
| gold -> silver        | downgrade | F       | 3000.00  | 4500  | 3900  | 3900    |
| gold -> silver        | grace     | D       | 5500.00  | 8250  | 8250  | 7150    |

C: 1200 x 1.2 = 1440 and 19.99 x 1.2 = 23.988 -> 23 (1463); at 1.3: 1560 + 25 (1585).
G: 16000 x 1.5 x 2.00 = 48000. D stays gold through the grace period (8250), then silver at
1.3 (7150). F's grace period (from 10-01) is over: downgraded at once (it would be under the
stored tiers too). Totals: now 35463, after 64055, settled 62905.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from sqlalchemy import Engine

from memberctl.db.session import transaction
from memberctl.domain import evaluation
from tests import ledgers
from tests.factories import act, enroll, move_tier

AS_OF = dt.date(2026, 11, 25)
DT = dt.datetime

NEW_TIERS = """\
[[tier]]
code = "silver"
threshold = "800"
multiplier = "1.3"

[[tier]]
code = "gold"
threshold = "6000"

[[tier]]
code = "platinum"
threshold = "15000"
points_per_unit = "1.5"
"""

MOVES = [
    # from, qualifies for, action, members, spend, points now, after, settled
    ("basic", "basic", "stay", 2, "500.00", 1000, 1000, 1000),
    ("basic", "silver", "upgrade", 1, "900.00", 900, 1170, 1170),
    ("silver", "silver", "stay", 1, "1219.99", 1463, 1585, 1585),
    ("silver", "platinum", "upgrade", 1, "16000.00", 19200, 48000, 48000),
    ("gold", "basic", "kept", 1, "100.00", 150, 150, 100),
    ("gold", "silver", "downgrade", 1, "3000.00", 4500, 3900, 3900),
    ("gold", "silver", "grace", 1, "5500.00", 8250, 8250, 7150),
]
POINTS = {"now": 35463, "after": 64055, "settled": 62905}


def write_tiers(folder: Path, text: str = NEW_TIERS, name: str = "new-tiers.toml") -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def _member(engine: Engine, tier: str | None = None, **raw: str) -> str:
    member_no = enroll(engine, **raw).member_no
    if tier is not None:
        move_tier(engine, member_no, "up", to=tier)
    return member_no


def build(engine: Engine) -> list[str]:
    """The shop above; returns the member numbers M1..M9."""
    ledgers.set_policy(engine, "tier.kept_months", "0")
    f = _member(engine, "gold")
    ledgers.buy(engine, f, "3000.00", at=DT(2026, 6, 1, 10))
    with transaction(engine) as session:  # F falls below gold on 10-01
        evaluation.evaluate(
            session=session,
            as_of=dt.date(2026, 10, 1),
            apply=True,
            operator="t",
            at=DT(2026, 10, 1),
        )
    a = _member(engine)
    ledgers.buy(engine, a, "900.00", at=DT(2026, 10, 15, 10))
    ledgers.buy(engine, a, "300.00", at=DT(2026, 10, 16, 10), order_no="R1")
    ledgers.refund(engine, "R1")
    b = _member(engine, birthday="1990-10-15")
    ledgers.buy(engine, b, "500.00", at=DT(2026, 10, 20, 10))
    c = _member(engine, "silver")
    ledgers.buy(engine, c, "1000.00", at=DT(2025, 11, 25, 23, 0))
    ledgers.buy(engine, c, "1200.00", at=DT(2026, 10, 15, 10))
    ledgers.buy(engine, c, "19.99", at=DT(2026, 11, 1, 10))
    d = _member(engine, "gold")
    ledgers.buy(engine, d, "3000.00", at=DT(2026, 10, 15, 10))
    ledgers.buy(engine, d, "2500.00", at=DT(2026, 11, 2, 10))
    g = _member(engine, "silver")
    ledgers.buy(engine, g, "16000.00", at=DT(2026, 10, 15, 10))
    ledgers.set_policy(engine, "tier.kept_months", "12")
    h = _member(engine, "gold")
    ledgers.buy(engine, h, "100.00", at=DT(2026, 11, 3, 10))
    ledgers.set_policy(engine, "tier.kept_months", "0")
    j = _member(engine)
    i = _member(engine, "silver")
    ledgers.buy(engine, i, "2000.00", at=DT(2026, 10, 15, 10))
    act(engine, i, "freeze")
    return [f, a, b, c, d, g, h, j, i]
