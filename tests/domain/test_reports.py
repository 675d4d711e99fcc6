"""The report rules that are easier to see directly than through the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from memberctl.domain import reports
from memberctl.domain.reports import birthdays, growth, kpi, rfm, summary, upgrades
from memberctl.errors import UsageProblem
from tests.reportdata import AS_OF, seed


@pytest.mark.parametrize(
    ("scores", "segment"),
    [
        ((5, 5, 5), "champions"),
        ((4, 4, 4), "champions"),
        ((5, 1, 1), "potential"),
        ((4, 4, 3), "potential"),
        ((3, 4, 4), "loyal"),
        ((3, 1, 5), "needs_attention"),
        ((2, 3, 3), "at_risk"),
        ((1, 5, 5), "at_risk"),
        ((2, 2, 3), "hibernating"),
        ((1, 1, 1), "lost"),
        ((1, 3, 2), "lost"),
    ],
)
def test_segment_rule(scores, segment):
    assert rfm.segment_of(*scores) == segment


def test_every_score_combination_has_a_known_segment():
    seen = {rfm.segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert seen == set(rfm.SEGMENTS)


def test_month_starts_cross_the_year():
    starts = growth.month_starts(dt.date(2026, 2, 14), 3)
    assert starts == [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]


def test_leap_day_birthdays():
    born = dt.date(2000, 2, 29)
    assert birthdays.birthday_in(born, 2027) == dt.date(2027, 2, 28)
    assert birthdays.birthday_in(born, 2028) == dt.date(2028, 2, 29)


def test_birthday_days_window_takes_leap_day_birthdays_on_the_28th(engine, session):
    seed(engine)
    scope = reports.scope(session, as_of=dt.date(2027, 2, 27))
    rows = birthdays.build(session=session, scope=scope, days=1)
    assert [(r.member_no, r.next_birthday) for r in rows] == [("M000003", dt.date(2027, 2, 28))]


def test_birthdays_month_and_days_together_is_a_usage_error(session):
    scope = reports.scope(session, as_of=AS_OF)
    with pytest.raises(UsageProblem):
        birthdays.build(session=session, scope=scope, month=1, days=3)


def test_kpi_default_period_is_30_days_and_from_after_to_is_refused():
    assert kpi.period(AS_OF, None, None) == (dt.date(2026, 10, 27), AS_OF)
    with pytest.raises(UsageProblem):
        kpi.period(AS_OF, dt.date(2026, 12, 1), None)


def test_upgrade_bounds():
    assert upgrades.lowest(Decimal("1000.00"), Decimal("0.2")) == Decimal("800.00")
    assert upgrades.lowest(Decimal("5000.00"), Decimal("0")) == Decimal("5000.00")


def test_scope_counts_only_members_matching_where_and_store(engine, session):
    seed(engine)
    scope = reports.scope(session, as_of=AS_OF, where="tier = basic", store="north")
    result = summary.build(session=session, scope=scope)
    assert result.members == 1  # M2
    assert result.by_status["active"] == 1


def test_rfm_quintiles_over_many_members_are_balanced(engine, session):
    """Ten buyers on ten days with ten amounts: NTILE(5) puts two in each quintile of recency
    and monetary; each bought once, so all share the middle frequency score."""
    from sqlmodel import select

    from memberctl.db.session import transaction
    from memberctl.models import Member
    from tests import factories
    from tests.reportdata import add_purchases

    numbers = [factories.enroll(engine).member_no for _ in range(10)]
    with transaction(engine) as tx:
        ids = {
            i: tx.exec(select(Member.id).where(Member.member_no == no)).one()
            for i, no in enumerate(numbers, start=1)
        }
        rows = [(i, f"2026-{1 + i:02d}-10 10:00", f"{i * 10}.00", False) for i in ids]
        add_purchases(tx, ids, rows)
    result = rfm.build(session=session, scope=reports.scope(session, as_of=AS_OF))
    for measure in ("recency", "monetary"):
        counts = [sum(1 for r in result if getattr(r, measure) == s) for s in range(1, 6)]
        assert counts == [2, 2, 2, 2, 2], measure
    assert {r.frequency for r in result} == {3}
    by_no = {r.member_no: r for r in result}
    assert (by_no[numbers[-1]].recency, by_no[numbers[-1]].monetary) == (5, 5)
    assert (by_no[numbers[0]].recency, by_no[numbers[0]].monetary) == (1, 1)


@pytest.mark.parametrize("buyers", [3, 23])
def test_rfm_scores_are_the_databases_own_ntile_with_ties_at_their_middle(engine, session, buyers):
    """Where values differ, the scores equal NTILE(5) OVER (ORDER BY measure, member_no) run by
    the database itself; a run of equal values all take the NTILE at the run's middle place.
    Ties on every measure, and a count that does not divide by 5."""
    from itertools import groupby

    from sqlalchemy import func
    from sqlmodel import col, select

    from memberctl.db.session import transaction
    from memberctl.models import Member, Purchase
    from tests import factories
    from tests.reportdata import add_purchases

    # Member numbers in the opposite order to enrolment: ties follow the number, not the id.
    numbers = [
        factories.enroll(engine, member_no=f"V{buyers - i:03d}").member_no for i in range(buyers)
    ]
    with transaction(engine) as tx:
        ids = {
            i: tx.exec(select(Member.id).where(Member.member_no == no)).one()
            for i, no in enumerate(numbers, start=1)
        }
        rows = [
            (i, f"2026-{1 + i % 4:02d}-10 {10 + i % 5}:00", f"{(i % 3) * 10 + 5}.50", False)
            for i in ids
            for _ in range(1 + i % 3)
        ]
        add_purchases(tx, ids, rows)
    per = (
        select(
            col(Purchase.member_id).label("member_id"),
            func.max(Purchase.at).label("last"),
            func.count().label("orders"),
            func.sum(Purchase.amount).label("spend"),
        )
        .group_by(col(Purchase.member_id))
        .subquery()
    )
    number = col(Member.member_no)
    expected: dict[str, list[int]] = {no: [] for no in numbers}
    for measure in (func.date(per.c.last), per.c.orders, per.c.spend):
        ranked = session.exec(
            select(number, measure, func.ntile(5).over(order_by=(measure, number)))
            .join(per, per.c.member_id == col(Member.id))
            .order_by(measure, number)
        ).all()
        for _, tied in groupby(ranked, key=lambda row: row[1]):
            run = list(tied)
            middle = run[(len(run) - 1) // 2][2]
            for no, _value, _tile in run:
                expected[no].append(middle)
    result = rfm.build(session=session, scope=reports.scope(session, as_of=AS_OF))
    assert {r.member_no: [r.recency, r.frequency, r.monetary] for r in result} == expected
    assert len(expected) == buyers
    totals = [r.recency + r.frequency + r.monetary for r in result]
    assert totals == sorted(totals, reverse=True)


def test_rfm_gives_members_level_on_everything_the_same_middle_scores(engine, session):
    """The issue's small shop: five members who each bought 100.00 today, at 01:00 to 05:00,
    were scored 5/5/5 down to 1/1/1 (champions to lost). Equal values, equal scores."""
    from sqlmodel import select

    from memberctl.db.session import transaction
    from memberctl.models import Member
    from tests import factories
    from tests.reportdata import add_purchases

    numbers = [factories.enroll(engine).member_no for _ in range(5)]
    with transaction(engine) as tx:
        ids = {
            i: tx.exec(select(Member.id).where(Member.member_no == no)).one()
            for i, no in enumerate(numbers, start=1)
        }
        add_purchases(tx, ids, [(i, f"{AS_OF} 0{i}:00", "100.00", False) for i in ids])
    result = rfm.build(session=session, scope=reports.scope(session, as_of=AS_OF))
    assert sorted((r.member_no, r.recency, r.frequency, r.monetary, r.segment) for r in result) == [
        (no, 3, 3, 3, "needs_attention") for no in numbers
    ]


def test_rfm_in_a_small_shop_scores_todays_buyers_most_recent(engine, session):
    """30 members: 6 bought today (one of them at 00:30), the rest 1 to 24 days ago. Today's
    buyers share the top recency score whatever the hour; nobody who bought today is
    `hibernating` or `lost`; the member who bought twice as often scores higher on frequency."""
    from sqlmodel import select

    from memberctl.db.session import transaction
    from memberctl.models import Member
    from tests import factories
    from tests.reportdata import add_purchases

    numbers = [factories.enroll(engine).member_no for _ in range(30)]
    with transaction(engine) as tx:
        ids = {
            i: tx.exec(select(Member.id).where(Member.member_no == no)).one()
            for i, no in enumerate(numbers, start=1)
        }
        day = AS_OF.toordinal()
        rows = [
            (
                i,
                f"{dt.date.fromordinal(day - max(0, i - 6))} {'00:30' if i == 1 else '18:00'}",
                "50.00",
                False,
            )
            for i in ids
        ]
        rows.append((30, f"{dt.date.fromordinal(day - 24)} 12:00", "50.00", False))
        add_purchases(tx, ids, rows)
    by_no = {
        r.member_no: r
        for r in rfm.build(session=session, scope=reports.scope(session, as_of=AS_OF))
    }
    today = [by_no[no] for no in numbers[:6]]
    assert {(r.recency, r.recency_days) for r in today} == {(5, 0)}
    assert all(r.segment not in ("hibernating", "lost") for r in today)
    assert by_no[numbers[-1]].frequency > by_no[numbers[-2]].frequency
