"""The points ledger directly: FIFO spending by expiry, expiry write-offs, caches and keys."""

from __future__ import annotations

import datetime as dt

import pytest

from memberctl.domain import points, policy
from memberctl.errors import InvalidInput, RuleViolation, UsageProblem
from tests import ledgers
from tests.factories import enroll

D = dt.date


def test_deduct_spends_soonest_expiring_first_then_oldest_and_never_expiring_last(engine):
    m = enroll(engine).member_no
    never = ledgers.add(engine, m, 10, expires_on=None).entry.id
    late = ledgers.add(engine, m, 10, expires_on=D(2027, 12, 31)).entry.id
    soon = ledgers.add(engine, m, 10, expires_on=D(2027, 1, 31)).entry.id
    old_mid = ledgers.add(engine, m, 10, expires_on=D(2027, 6, 30)).entry.id
    new_mid = ledgers.add(
        engine, m, 10, expires_on=D(2027, 6, 30), at=ledgers.NOW + dt.timedelta(hours=1)
    ).entry.id

    result = ledgers.deduct(engine, m, 35)

    assert result.allocations == [
        {"lot": soon, "points": 10},
        {"lot": old_mid, "points": 10},
        {"lot": new_mid, "points": 10},
        {"lot": late, "points": 5},
    ]
    assert ledgers.lots(engine, m) == {late: 5, never: 10}
    ledgers.deduct(engine, m, 15)
    assert ledgers.lots(engine, m) == {}
    assert ledgers.cached_and_summed(engine, m) == (0, 0)
    assert ledgers.problems(engine) == []


def test_deduct_does_not_spend_lapsed_points_and_refuses_when_short(engine):
    m = enroll(engine).member_no
    ledgers.add(engine, m, 50, expires_on=D(2026, 12, 1))
    ledgers.add(engine, m, 20, expires_on=None)

    with pytest.raises(RuleViolation, match="has 20 points to spend, not 30"):
        ledgers.deduct(engine, m, 30, at=dt.datetime(2026, 12, 2, 9, 0))

    assert ledgers.deduct(engine, m, 30, at=dt.datetime(2026, 12, 1, 23, 0)).points == 40


def test_expire_writes_off_only_what_is_left_and_twice_is_a_no_op(engine):
    m = enroll(engine).member_no
    lot = ledgers.add(engine, m, 100, expires_on=D(2026, 12, 31)).entry.id
    keep = ledgers.add(engine, m, 40, expires_on=D(2027, 1, 1)).entry.id
    ledgers.deduct(engine, m, 30)

    assert ledgers.expire(engine, D(2026, 12, 31)).entries == 0  # still valid on its last day
    first = ledgers.expire(engine, D(2027, 1, 1))
    second = ledgers.expire(engine, D(2027, 1, 1))

    assert (first.entries, first.points, first.members) == (1, 70, 1)
    assert (second.entries, second.points) == (0, 0)
    assert ledgers.kinds(engine, m) == [
        ("adjust", 100),
        ("adjust", 40),
        ("redeem", -30),
        ("expire", -70),
    ]
    assert ledgers.lots(engine, m) == {keep: 40}
    assert lot not in ledgers.lots(engine, m)
    assert ledgers.cached_and_summed(engine, m) == (40, 40)
    assert ledgers.problems(engine) == []


def test_a_lot_written_after_the_days_expiry_is_written_off_by_a_second_run(engine):
    """A second run for the same day looks only at lots newer than the first run's writes:
    a lapsed lot added after it (an import of old points, a refund's `return` lot) is seen."""
    m = enroll(engine).member_no
    ledgers.add(engine, m, 100, expires_on=D(2026, 12, 31))
    assert ledgers.expire(engine, D(2027, 1, 1)).entries == 1
    late = ledgers.add(engine, m, 25, expires_on=D(2026, 12, 15)).entry.id

    second = ledgers.expire(engine, D(2027, 1, 1))

    assert (second.entries, second.points) == (1, 25)
    assert late not in ledgers.lots(engine, m)
    assert ledgers.expire(engine, D(2027, 1, 1)).entries == 0
    assert ledgers.problems(engine) == []


def test_a_second_run_the_same_day_reads_only_what_the_first_did_not_see(engine):
    """What makes the second run cheap, pinned: a lot the first run left with points (here an
    expiry taken back behind memberctl's back) is not looked at again the same day, and is
    written off by the next day's run, which reads every lapsed lot."""
    from sqlalchemy import delete

    from memberctl.models import PointsAllocation, PointsEntry

    m = enroll(engine).member_no
    lot = ledgers.add(engine, m, 100, expires_on=D(2026, 12, 31)).entry.id
    assert ledgers.expire(engine, D(2027, 1, 1)).entries == 1
    with engine.begin() as connection:
        connection.execute(delete(PointsAllocation).where(PointsAllocation.credit_id == lot))
        connection.execute(delete(PointsEntry).where(PointsEntry.kind == "expire"))

    assert ledgers.expire(engine, D(2027, 1, 1)).entries == 0
    assert ledgers.expire(engine, D(2027, 1, 2)).points == 100


def test_a_run_that_wrote_nothing_off_is_recorded_for_the_next_run_the_same_day(engine):
    """Lots lapse at the end of a month, so most nights' first run finds nothing: it is
    recorded all the same, and a second run that day reads only the lots written after it."""
    from sqlalchemy import update

    from memberctl.models import PointsEntry

    m = enroll(engine).member_no
    lot = ledgers.add(engine, m, 10, expires_on=D(2027, 6, 30)).entry.id
    assert ledgers.expire(engine, D(2027, 1, 1)).entries == 0
    with engine.begin() as connection:  # an older lot lapsed behind memberctl's back
        connection.execute(
            update(PointsEntry).where(PointsEntry.id == lot).values(expires_on=D(2026, 12, 31))
        )

    assert ledgers.expire(engine, D(2027, 1, 1)).entries == 0  # not looked at again that day
    assert ledgers.expire(engine, D(2027, 1, 2)).points == 10  # another day reads them all


def test_expire_is_set_based_across_members(engine):
    members = [enroll(engine).member_no for _ in range(5)]
    for i, m in enumerate(members):
        ledgers.add(engine, m, 10 * (i + 1), expires_on=D(2027, 1, 31))
    result = ledgers.expire(engine, D(2027, 2, 1))
    assert (result.entries, result.points, result.members) == (5, 150, 5)
    assert all(ledgers.cached_and_summed(engine, m) == (0, 0) for m in members)


@pytest.mark.parametrize(
    ("earned", "months", "expires"),
    [
        (D(2026, 11, 25), "24", D(2028, 11, 30)),
        (D(2026, 1, 31), "24", D(2028, 1, 31)),
        (D(2026, 12, 1), "1", D(2027, 1, 31)),
        (D(2027, 12, 15), "2", D(2028, 2, 29)),
        (D(2026, 5, 5), "never", None),
    ],
)
def test_default_expiry_is_the_end_of_the_nth_month_after(engine, earned, months, expires):
    ledgers.set_policy(engine, "points.expiry_months", months)
    m = enroll(engine).member_no
    at = dt.datetime.combine(earned, dt.time(12))
    assert ledgers.add(engine, m, 5, at=at).entry.expires_on == expires
    assert policy.Policy(24, policy.Decimal(2), 30).expiry_for(D(2026, 2, 10)) == D(2028, 2, 29)


def test_keys_make_a_write_idempotent_and_refuse_a_different_write(engine):
    m = enroll(engine).member_no
    first = ledgers.add(engine, m, 10, key="k1")
    again = ledgers.add(engine, m, 10, key="k1")
    assert (first.duplicate, again.duplicate, again.entry.id) == (False, True, first.entry.id)
    assert ledgers.cached_and_summed(engine, m) == (10, 10)
    with pytest.raises(RuleViolation, match="key 'k1' was already used"):
        ledgers.deduct(engine, m, 10, key="k1")
    assert ledgers.deduct(engine, m, 4, key="d1").points == 6
    assert ledgers.deduct(engine, m, 4, key="d1").duplicate is True
    assert ledgers.cached_and_summed(engine, m) == (6, 6)


def test_bad_values_are_invalid_input(engine):
    m = enroll(engine).member_no
    with pytest.raises(InvalidInput):
        ledgers.add(engine, m, 0)
    with pytest.raises(InvalidInput, match="in the past"):
        ledgers.add(engine, m, 5, expires_on=D(2020, 1, 1))
    with pytest.raises(InvalidInput):
        ledgers.add(engine, m, 5, key="x" * 101)
    with pytest.raises(UsageProblem, match="the --key is empty"):
        points.check_key("  ")  # never "no key": that would switch idempotency off
