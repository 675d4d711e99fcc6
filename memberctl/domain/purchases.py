"""Purchases and the points they earn.

A purchase earns `floor(amount x per_unit x tier.multiplier x birthday)` points, where `per_unit`
is the tier's `points_per_unit`, or the shop's `points.per_unit` setting when the tier sets none,
where `birthday` is the shop's birthday multiplier (default 2) when the purchase falls in the
member's birthday month and 1 otherwise. Each factor is taken to the cent (two decimals) and the
product is computed exactly in whole hundredths, then rounded down: 19.99 at 1.20 earns 23,
never 24. The same integer arithmetic runs in Python (`record`) and in SQL
(`earn_for_import_run`), so both paths always agree. The points are one `earn` lot that follows
the expiry policy from the purchase date.

An order number is unique per store ('' when none is given) and names one purchase: recording
exactly that purchase again changes nothing (`duplicate`), but the same number for another
member, amount or time (when the time is given) is refused (exit 4; an import rejects the row),
and an empty `--order-no` is a usage error (exit 2), never "generate one".
A refund reverses what is left of the purchase's own lot and no more: points already spent (or
expired) are not taken back from the member's other lots; the result says how many could not be
reversed (`points_not_reversed`). Refunded purchases stop counting toward tier spend.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    String,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    insert,
    literal,
    true,
)
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from memberctl.db import statistics
from memberctl.domain import audit, fields, limits, money, points, policy, refs, stores
from memberctl.errors import InvalidInput, NotFound, RuleViolation, UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, PointsEntry, Purchase, Sale, Tier

SCALE = 10**8  # four factors, each in hundredths


@dataclass(frozen=True)
class PurchaseResult:
    member_no: str
    order_no: str
    store: str | None
    amount: Decimal
    at: dt.datetime
    points_earned: int
    points: int  # the member's points after
    duplicate: bool  # the order was already recorded: nothing changed


@dataclass(frozen=True)
class RefundResult:
    member_no: str
    order_no: str
    store: str | None
    amount: Decimal
    points_earned: int
    points_reversed: int
    points_not_reversed: int  # already spent or expired: not taken back
    points: int
    refunded_at: dt.datetime
    duplicate: bool  # already refunded: nothing changed


def hundredths(value: Decimal) -> int:
    return int(money.quantize(Decimal(value)) * 100)


def points_for(amount: Decimal, per_unit: Decimal, multiplier: Decimal, bonus: Decimal) -> int:
    """Points for `amount`: the exact product of the factors (each to the cent), rounded down."""
    product = hundredths(amount) * hundredths(per_unit) * hundredths(multiplier)
    return product * hundredths(bonus) // SCALE


def earn_rate(tier: Tier, rules: policy.Policy) -> Decimal:
    """Points per 1.00 for `tier`: its own rate, else the shop's `points.per_unit`."""
    return tier.points_per_unit if tier.points_per_unit is not None else rules.per_unit


def in_birthday_month(member: Member, at: dt.datetime) -> bool:
    return member.birthday is not None and member.birthday.month == at.month


def find(session: Session, order_no: str, store: str | None) -> Purchase | None:
    """The purchase (or sale) recorded under `order_no` in `store`, or None."""
    return session.exec(
        select(Purchase).where(Purchase.order_no == order_no, Purchase.store == (store or ""))
    ).first()


def order_number(raw: str | None) -> str | None:
    """`--order-no` as typed: None when not given; an empty or blank one is a usage error (exit 2),
    never "no number" (which would record the same sale twice under generated numbers)."""
    if raw is None:
        return None
    text = fields.parse_text(raw, _("the order number"), 64)
    if text is None:
        raise UsageProblem(
            _("the --order-no is empty"), _("give the order's number, or leave --order-no out")
        )
    return text


@dataclass(frozen=True)
class StoredOrder:
    """What an order number already names: its purchase's member, amount and time."""

    order_no: str
    store: str
    member_id: int
    member_no: str
    amount: Decimal
    at: dt.datetime


def stored_orders(
    session: Session, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], StoredOrder]:
    """The purchases already recorded under (store, order_no) `keys`. Asked store by store, so
    each lookup is a search of the (store, order_no) unique index: by order number alone it was a
    scan of every purchase per 500 rows of an import, which grew with the shop."""
    found: dict[tuple[str, str], StoredOrder] = {}
    by_store: dict[str, list[str]] = {}
    for store, order_no in keys:
        by_store.setdefault(store, []).append(order_no)
    lookup = _orders_by_lateral if session.get_bind().dialect.name == "postgresql" else _orders_in
    for store, order_nos in sorted(by_store.items()):
        order_nos.sort()
        for start in range(0, len(order_nos), 500):
            for row in session.execute(lookup(store, order_nos[start : start + 500])):
                found[(row[1], row[0])] = StoredOrder(*row)
    return found


def _orders_in(store: str, order_nos: list[str]) -> Any:
    return (
        core_select(
            col(Purchase.order_no),
            col(Purchase.store),
            col(Purchase.member_id),
            col(Member.member_no),
            col(Purchase.amount),
            col(Purchase.at),
        )
        .join(Member, col(Member.id) == Purchase.member_id)
        .where(col(Purchase.store) == store, col(Purchase.order_no).in_(order_nos))
    )


def _orders_by_lateral(store: str, order_nos: list[str]) -> Any:
    """PostgreSQL: one descent of the unique index per order number. With `order_no IN (...)`
    the planner, trusting the statistics of a table an import is filling in its own transaction
    (empty, as last analysed), searched the index by store alone and filtered every purchase of
    the store: 0.28 s per 500 rows into a 1,000,000-member shop, 1.2 ms this way. LIMIT 1 (the
    key is unique) keeps the subquery from being flattened back into that join. The plan still
    rests on the statistics (a test schema shared with other tests once planned the store alone
    here too); tests/db/test_pg_order_lookup.py checks it in a schema of its own."""
    asked = (
        func.unnest(cast(literal(order_nos), ARRAY(String)))
        .table_valued("order_no")
        .render_derived(name="asked")
    )
    stored = (
        core_select(
            col(Purchase.order_no),
            col(Purchase.store),
            col(Purchase.member_id),
            col(Purchase.amount),
            col(Purchase.at),
        )
        .where(col(Purchase.store) == store, col(Purchase.order_no) == asked.c.order_no)
        .limit(1)
        .lateral("stored")
    )
    return (
        core_select(
            stored.c.order_no,
            stored.c.store,
            stored.c.member_id,
            col(Member.member_no),
            stored.c.amount,
            stored.c.at,
        )
        .select_from(asked)
        .join(stored, true())
        .join(Member, col(Member.id) == stored.c.member_id)
    )


def order_conflict(
    stored: StoredOrder, member_id: int, amount: Decimal, at: dt.datetime | None
) -> str | None:
    """Why a purchase cannot take `stored`'s order number (None: it is the same purchase).
    `at` None: the time was not given and is not compared."""
    checks = [
        (stored.member_id != member_id, _("member")),
        (money.quantize(stored.amount) != money.quantize(amount), _("amount")),
        (at is not None and stored.at != at, _("time")),
    ]
    differs = [what for differs, what in checks if differs]
    if not differs:
        return None
    where = _(" of store {store}").format(store=stored.store) if stored.store else ""
    return _(
        "order {order_no}{where} is already recorded for {member_no} ({amount} at {at}); "
        "this one differs in {differs}"
    ).format(
        order_no=stored.order_no,
        where=where,
        member_no=refs.shown(stored.member_no),
        amount=money.format(stored.amount),
        at=stored.at.isoformat(sep=" ", timespec="seconds"),
        differs=", ".join(differs),
    )


def _same_order(
    session: Session, purchase: Purchase, member: Member, amount: Decimal, at: dt.datetime | None
) -> PurchaseResult:
    """The result of recording `purchase` again: a duplicate, or RuleViolation (exit 4)."""
    holder = session.get(Member, purchase.member_id)
    assert holder is not None  # a foreign key
    stored = StoredOrder(
        purchase.order_no,
        purchase.store,
        purchase.member_id,
        holder.member_no,
        purchase.amount,
        purchase.at,
    )
    conflict = order_conflict(stored, member.id or 0, amount, at)
    if conflict is not None:
        raise RuleViolation(
            conflict, _("an order number names one purchase: check it, or leave --order-no out")
        )
    return _result(session, purchase, True)


def generated_order_no(at: dt.datetime) -> str:
    return f"A{at:%Y%m%d%H%M%S}-{secrets.token_hex(3).upper()}"


def _result(session: Session, purchase: Purchase, duplicate: bool) -> PurchaseResult:
    member = session.get(Member, purchase.member_id)
    assert member is not None
    return PurchaseResult(
        member.member_no,
        purchase.order_no,
        purchase.store or None,
        purchase.amount,
        purchase.at,
        purchase.points_earned,
        member.points,
        duplicate,
    )


def record(
    *,
    session: Session,
    member: Member,
    amount: Decimal,
    operator: str,
    now: dt.datetime,
    at: dt.datetime | None = None,
    order_no: str | None = None,
    store: str | None = None,
) -> PurchaseResult:
    """`purchase record`: a purchase and the points it earns (`at` None: now). The same order
    again changes nothing; its number for a different purchase is refused (exit 4). `store` is
    a registered store's code or name (else exit 3)."""
    store = stores.resolve(session, store)
    existing = find(session, order_no, store) if order_no else None
    if existing is not None:
        return _same_order(session, existing, member, amount, at)
    points.ensure_active(member, _("record a purchase"))
    if amount <= 0:
        raise InvalidInput(
            _("amount {amount} is not a sale").format(amount=money.format(amount)),
            _("give an amount above 0"),
        )
    when = at or now
    purchase = Purchase(
        member_id=member.id or 0,
        order_no=order_no or generated_order_no(when),
        store=store or "",
        amount=amount,
        at=when,
        operator=operator,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(purchase)
    except IntegrityError:  # the same order recorded by another process just now
        raced = find(session, purchase.order_no, store)
        assert raced is not None
        return _same_order(session, raced, member, amount, at)
    earned = _earn(session, member, purchase, operator)
    points.refresh_cache(session, member)
    audit.record(
        session=session,
        operator=operator,
        action="purchase.record",
        at=when,
        recorded_at=now,
        member=member,
        details={"purchase_id": purchase.id, "points": earned},
    )
    return _result(session, purchase, False)


def _earn(session: Session, member: Member, purchase: Purchase, operator: str) -> int:
    tier = session.exec(select(Tier).where(Tier.code == member.tier_code)).one()
    rules = policy.load(session)
    earned = earned_on(purchase.amount, member, tier, rules, purchase.at)
    _check_earning(member, purchase, earned)
    credit_earning(session, member, purchase, earned, rules, operator)
    return earned


def earned_on(
    paid: Decimal, member: Member, tier: Tier, rules: policy.Policy, at: dt.datetime
) -> int:
    """The points `paid` earns `member` at `at`: the tier's rate and multiplier, times the
    birthday multiplier in the member's birthday month (`purchase record` and `sale` alike)."""
    bonus = rules.birthday_multiplier if in_birthday_month(member, at) else Decimal(1)
    return points_for(paid, earn_rate(tier, rules), tier.multiplier, bonus)


def credit_earning(
    session: Session,
    member: Member,
    purchase: Purchase,
    earned: int,
    rules: policy.Policy,
    operator: str,
) -> None:
    """The purchase's one `earn` lot (expiry by the policy from the purchase's day), if any."""
    if earned > 0:
        session.add(
            PointsEntry(
                member_id=member.id or 0,
                kind="earn",
                points=earned,
                expires_on=rules.expiry_for(purchase.at.date()),
                reason=f"order {purchase.order_no}",
                operator=operator,
                at=purchase.at,
                purchase_id=purchase.id,
            )
        )
    purchase.points_earned = earned
    session.add(purchase)


def _check_earning(member: Member, purchase: Purchase, earned: int) -> None:
    check_earning(member, purchase.order_no, earned)


def check_earning(member: Member, order_no: str, earned: int) -> None:
    """One earning is one points entry: at most `limits.MAX_ENTRY_POINTS` (exit 5 past it)."""
    if earned > limits.MAX_ENTRY_POINTS:
        raise InvalidInput(
            _("order {order_no} would earn {earned} points, more than one entry may hold").format(
                order_no=order_no, earned=earned
            ),
            _("one entry holds at most {limit} points").format(
                limit=limits.shown(limits.MAX_ENTRY_POINTS)
            ),
        )
    points.check_total(member, earned)


def refund(
    *,
    session: Session,
    order_no: str,
    store: str | None,
    operator: str,
    at: dt.datetime,
) -> RefundResult:
    """`purchase refund`: mark the order refunded and reverse what is left of its points."""
    purchase = order_to_refund(session, order_no, store)
    if session.exec(select(Sale.id).where(Sale.purchase_id == purchase.id)).first() is not None:
        raise RuleViolation(
            _("order {order_no} is a sale from the till: refund it as a sale").format(
                order_no=purchase.order_no
            ),
            _("memberctl sale refund {order_no}").format(order_no=purchase.order_no),
        )
    member = lock_buyer(session, purchase)
    if purchase.refunded_at is not None:
        reversed_ = -_refunded_points(session, purchase)
        return _refund_result(member, purchase, reversed_, True)
    reversed_ = reverse_earning(session, member, purchase, operator, at)
    purchase.refunded_at = at
    session.add(purchase)
    points.refresh_cache(session, member)
    audit.record(
        session=session,
        operator=operator,
        action="purchase.refund",
        at=at,
        member=member,
        details={"purchase_id": purchase.id, "points_reversed": reversed_},
    )
    return _refund_result(member, purchase, reversed_, False)


def order_to_refund(session: Session, order_no: str, store: str | None) -> Purchase:
    """The purchase `order_no` names in `store` (a registered store's code or name, else exit
    3); NotFound (exit 3) otherwise."""
    store = stores.resolve(session, store)
    purchase = find(session, order_no, store)
    if purchase is None:
        where = _(" in store '{store}'").format(store=store) if store else ""
        raise NotFound(
            _("no order '{order_no}'{where}").format(order_no=order_no, where=where),
            _("check the order number and --store"),
        )
    return purchase


def lock_buyer(session: Session, purchase: Purchase) -> Member:
    """Lock the purchase's member, then read the purchase again: a refund that just finished
    is seen."""
    member = session.exec(
        select(Member).where(Member.id == purchase.member_id).with_for_update()
    ).one()
    session.refresh(purchase)
    return member


def reverse_earning(
    session: Session, member: Member, purchase: Purchase, operator: str, at: dt.datetime
) -> int:
    """Take back what is left of the purchase's own earn lot (a `refund` debit); returns the
    points reversed. Points already spent or expired are not taken from other lots."""
    earn = session.exec(
        select(PointsEntry).where(
            PointsEntry.purchase_id == purchase.id, PointsEntry.kind == "earn"
        )
    ).first()
    if earn is None or (left := points.lot_remaining(session, earn.id or 0)) <= 0:
        return 0
    reversed_ = min(left, earn.points)
    points.post_debit(
        session,
        member,
        [(earn.id or 0, reversed_)],
        kind="refund",
        reason=f"refund of order {purchase.order_no}",
        operator=operator,
        at=at,
        purchase_id=purchase.id,
        reverses_id=earn.id,
    )
    return reversed_


def refunded_points(session: Session, purchase: Purchase) -> int:
    """The points the purchase's refund took back (a positive number)."""
    return -_refunded_points(session, purchase)


def _refunded_points(session: Session, purchase: Purchase) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.purchase_id == purchase.id, PointsEntry.kind == "refund"
        )
    ).one()
    return int(total)


def _refund_result(
    member: Member, purchase: Purchase, reversed_: int, duplicate: bool
) -> RefundResult:
    assert purchase.refunded_at is not None
    return RefundResult(
        member.member_no,
        purchase.order_no,
        purchase.store or None,
        purchase.amount,
        purchase.points_earned,
        reversed_,
        purchase.points_earned - reversed_,
        member.points,
        purchase.refunded_at,
        duplicate,
    )


# -- the bulk path (spreadsheet imports) -------------------------------------------------------


def sql_hundredths(expr: Any) -> Any:
    """`hundredths` in SQL: a numeric expression as whole hundredths (BIGINT)."""
    return cast(func.round(expr * 100), BigInteger)


def earned_sql(rules: policy.Policy, per_unit: Any, multiplier: Any) -> Any:
    """The points a `Purchase` of a `Member` (both in the query) earns at `per_unit` and
    `multiplier`, each given in hundredths (a SQL expression or an int): `points_for` in SQL,
    the birthday month's multiplier included."""
    return (sql_hundredths(Purchase.amount) * per_unit * multiplier * bonus_sql(rules)) // SCALE


def bonus_sql(rules: policy.Policy) -> Any:
    """The birthday multiplier of a `Purchase` of a `Member`, in hundredths: the shop's in the
    member's birthday month, else 100."""
    birthday = and_(
        col(Member.birthday).is_not(None),
        extract("month", col(Member.birthday)) == extract("month", col(Purchase.at)),
    )
    return case((birthday, hundredths(rules.birthday_multiplier)), else_=100)


def _earn_select(run_id: int, rules: policy.Policy, expiry: Any) -> Any:
    """One row per purchase of the run that has not earned yet, with its points (SQL twin of
    `points_for`)."""
    earned = earned_sql(
        rules,
        sql_hundredths(func.coalesce(col(Tier.points_per_unit), rules.per_unit)),
        sql_hundredths(Tier.multiplier),
    )
    already = exists().where(
        col(PointsEntry.purchase_id) == Purchase.id, col(PointsEntry.kind) == "earn"
    )
    return (
        core_select(
            col(Purchase.id),
            col(Purchase.member_id),
            col(Purchase.order_no),
            col(Purchase.at),
            earned.label("pts"),
            expiry.label("expires_on"),
        )
        .join(Member, col(Member.id) == Purchase.member_id)
        .join(Tier, col(Tier.code) == Member.tier_code)
        .where(
            col(Purchase.import_run_id) == run_id,
            col(Purchase.refunded_at).is_(None),
            col(Member.status) == "active",
            ~already,
        )
    ).subquery("due")


def _expiry_case(session: Session, run_id: int, rules: policy.Policy) -> Any:
    """expires_on for each purchase month of the run, as a CASE over year*12+month."""
    month_key = extract("year", col(Purchase.at)) * 12 + extract("month", col(Purchase.at))
    if rules.expiry_months is None:
        return literal(None, type_=PointsEntry.__table__.c.expires_on.type)  # type: ignore[attr-defined]
    keys = session.exec(select(month_key).where(Purchase.import_run_id == run_id).distinct()).all()
    whens = {}
    for key in keys:
        year, month0 = divmod(int(key) - 1, 12)
        whens[int(key)] = rules.expiry_for(dt.date(year, month0 + 1, 1))
    if not whens:
        return literal(None)
    return case(whens, value=cast(month_key, BigInteger))


def earn_for_import_run(*, session: Session, import_run_id: int, operator: str, at: Any) -> int:
    """Credit the points of every purchase of import run `import_run_id` that has not earned yet
    (active members only; tier and birthday-month multipliers as in `record`), set-based: one
    INSERT ... SELECT of the lots, one UPDATE of the purchases, one UPDATE of the member caches.
    Returns the points credited; calling it again credits nothing."""
    _refresh_statistics(session)
    rules = policy.load(session)
    due = _earn_select(import_run_id, rules, _expiry_case(session, import_run_id, rules))
    watermark = session.exec(select(func.coalesce(func.max(PointsEntry.id), 0))).one()
    table = PointsEntry.__table__  # type: ignore[attr-defined]
    session.execute(
        insert(table).from_select(
            [
                "member_id",
                "kind",
                "points",
                "expires_on",
                "reason",
                "operator",
                "at",
                "purchase_id",
                "import_run_id",
            ],
            core_select(
                due.c.member_id,
                literal("earn"),
                due.c.pts,
                due.c.expires_on,
                literal("order ") + due.c.order_no,
                literal(operator),
                due.c.at,
                due.c.id,
                literal(import_run_id),
            ).where(due.c.pts > 0),
        )
    )
    new = and_(
        col(PointsEntry.id) > watermark,
        col(PointsEntry.kind) == "earn",
        col(PointsEntry.import_run_id) == import_run_id,
    )
    _check_import_limits(session, new)
    _set_points_earned(session, new)
    points.bump_caches(session, new)
    total = int(
        session.exec(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(new)).one()
    )
    audit.record(
        session=session,
        operator=operator,
        action="points.earn_import",
        at=at,
        details={"import_run_id": import_run_id, "points": total},
    )
    return total


def _check_import_limits(session: Session, new_entries: Any) -> None:
    """The limits of `record` for the bulk path: no earning above one entry's limit, no member
    past the member limit (the run is refused, exit 5; the import's transaction rolls back)."""
    big = session.exec(
        select(Purchase.order_no, PointsEntry.points)
        .join(Purchase, col(Purchase.id) == PointsEntry.purchase_id)
        .where(new_entries, PointsEntry.points > limits.MAX_ENTRY_POINTS)
        .order_by(col(PointsEntry.id))
    ).first()
    if big is not None:
        raise InvalidInput(
            _("order {order_no} would earn {earned} points, more than one entry may hold").format(
                order_no=big[0], earned=big[1]
            ),
            _("one entry holds at most {limit} points").format(
                limit=limits.shown(limits.MAX_ENTRY_POINTS)
            ),
        )
    gained = (
        select(PointsEntry.member_id, func.sum(PointsEntry.points).label("pts"))
        .where(new_entries)
        .group_by(col(PointsEntry.member_id))
        .subquery()
    )
    over = session.exec(
        select(Member.member_no, Member.points + gained.c.pts)
        .join(gained, gained.c.member_id == Member.id)
        .where(Member.points + gained.c.pts > limits.MAX_MEMBER_POINTS)
        .order_by(col(Member.member_no))
    ).first()
    if over is not None:
        raise InvalidInput(
            _("{member_no} would have {total} points, more than a member may hold").format(
                member_no=over[0], total=over[1]
            ),
            _("a member holds at most {limit} points").format(
                limit=limits.shown(limits.MAX_MEMBER_POINTS)
            ),
        )


def _refresh_statistics(session: Session) -> None:
    """The purchases were just bulk inserted in this transaction: without fresh statistics
    PostgreSQL's anti-join turns quadratic (100,000 rows: 47 s instead of 5 s)."""
    statistics.refresh(session, ("ANALYZE member", "ANALYZE purchase", "ANALYZE points_entry"))


def _set_points_earned(session: Session, new_entries: Any) -> None:
    from sqlalchemy import update

    purchases = Purchase.__table__  # type: ignore[attr-defined]
    earned = select(PointsEntry.purchase_id, PointsEntry.points).where(new_entries).subquery()
    session.execute(
        update(purchases)
        .where(purchases.c.id == earned.c.purchase_id)
        .values(points_earned=earned.c.points)
    )
