"""`report churn --model`: the members the forecast's model thinks have gone, instead of the fixed
"no purchase in N days" rule of `report churn`.

A member is listed when their p_alive (the chance they are still a customer, as `report
forecast` computes it, to 4 decimals: the models fitted on the whole shop's history up to
`as_of`) is below `below` (default 0.5: more likely gone than not). Members who bought on one day
only are never listed (the model cannot tell whether they left: their p_alive is 1; `report
churn --days N` finds them), nor are cancelled members. Highest value at risk first, as in the
forecast, so the ones most worth winning back come first. Too little history is exit 4, as for
the forecast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from memberctl.domain.reports import Scope, forecast

DEFAULT_BELOW = 0.5


@dataclass(slots=True)
class ModelChurnRow:
    member_no: str
    name: str | None
    phone: str | None
    tier: str
    status: str
    last_purchase_at: dt.datetime
    inactive_days: int
    purchase_days: int
    p_alive: float
    value_at_risk: Decimal


def build(*, session: Session, scope: Scope, below: float = DEFAULT_BELOW) -> list[ModelChurnRow]:
    found = forecast.build(session=session, scope=scope)
    return [
        ModelChurnRow(
            row.member_no,
            row.name,
            row.phone,
            row.tier,
            row.status,
            row.last_purchase_at,
            (scope.as_of - row.last_purchase_at.date()).days,
            row.purchase_days,
            row.p_alive,
            row.value_at_risk,
        )  # fmt: skip
        for row in found.members
        if row.p_alive < below
    ]
