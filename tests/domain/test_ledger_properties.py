"""Property: any sequence of add / deduct / purchase / refund / expire keeps the points ledger
sound (cache = sum >= 0, no lot over-spent, every debit allocated) and agrees with a tiny
reference model of FIFO-by-expiry spending.

One database serves every example; each example works on a member of its own.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memberctl.errors import RuleViolation
from tests import ledgers
from tests.factories import enroll

START = dt.datetime(2026, 1, 1, 12, 0)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 60), st.one_of(st.none(), st.integers(0, 90))),
        st.tuples(st.just("deduct"), st.integers(1, 80), st.none()),
        st.tuples(st.just("buy"), st.integers(1, 60), st.none()),
        st.tuples(st.just("refund"), st.integers(0, 5), st.none()),
        st.tuples(st.just("expire"), st.none(), st.none()),
        st.tuples(st.just("wait"), st.integers(1, 40), st.none()),
    ),
    min_size=1,
    max_size=14,
)


class Model:
    """Lots as [expires_on or None, at, seq, left]; spending order as the contract says."""

    def __init__(self) -> None:
        self.lots: list[list] = []
        self.sales: list[tuple[str, list]] = []
        self.refunded: set[str] = set()

    def credit(self, n: int, expires: dt.date | None, at: dt.datetime) -> list:
        lot = [expires, at, len(self.lots), n]
        self.lots.append(lot)
        return lot

    def usable(self, day: dt.date) -> list[list]:
        live = [lot for lot in self.lots if lot[3] > 0 and (lot[0] is None or lot[0] >= day)]
        return sorted(live, key=lambda lot: (lot[0] is None, lot[0] or day, lot[1], lot[2]))

    def spend(self, n: int, day: dt.date) -> bool:
        if sum(lot[3] for lot in self.usable(day)) < n:
            return False
        for lot in self.usable(day):
            take = min(lot[3], n)
            lot[3] -= take
            n -= take
        return True

    def expire(self, day: dt.date) -> None:
        for lot in self.lots:
            if lot[0] is not None and lot[0] < day:
                lot[3] = 0

    @property
    def total(self) -> int:
        return sum(lot[3] for lot in self.lots)


def _apply(engine, member_no: str, model: Model, step: tuple, now: dt.datetime) -> dt.datetime:
    kind, a, b = step
    if kind == "wait":
        return now + dt.timedelta(days=a)
    if kind == "add":
        expires = None if b is None else now.date() + dt.timedelta(days=b)
        ledgers.add(engine, member_no, a, at=now, expires_on=expires)
        model.credit(a, expires, now)
    elif kind == "deduct":
        try:
            ledgers.deduct(engine, member_no, a, at=now)
            assert model.spend(a, now.date()), "the ledger spent what the model could not"
        except RuleViolation:
            assert not model.spend(a, now.date()), "the ledger refused what the model could spend"
    elif kind == "buy":
        order = f"{member_no}-{len(model.sales)}"
        ledgers.buy(engine, member_no, f"{a}.00", at=now, order_no=order)
        model.sales.append((order, model.credit(a, _policy_expiry(now), now)))
    elif kind == "refund" and model.sales:
        order, lot = model.sales[a % len(model.sales)]
        ledgers.refund(engine, order, at=now)
        if order not in model.refunded:
            model.refunded.add(order)
            lot[3] = 0
    elif kind == "expire":
        ledgers.expire(engine, now.date())
        model.expire(now.date())
    return now + dt.timedelta(minutes=1)


def _policy_expiry(now: dt.datetime) -> dt.date:
    from memberctl.domain.policy import Policy

    return Policy(24, None, 30).expiry_for(now.date())  # type: ignore[arg-type]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_random_ledger_sequences_keep_every_invariant(engine, steps):
    member_no = enroll(engine).member_no
    model, now = Model(), START
    for step in steps:
        now = _apply(engine, member_no, model, step, now)
        cached, summed = ledgers.cached_and_summed(engine, member_no)
        assert cached == summed == model.total >= 0
    assert ledgers.problems(engine) == []
