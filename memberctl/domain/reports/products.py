"""`report products`: what sells, who buys it, and what is bought together (issue 19).

Over the days `start` through `end` (default: the 30 days ending with `as_of`, as `report kpi`),
the purchases not refunded of the members in scope (a manager: their stores' members), made in
the store `--store` names when it is given (where the purchase was made, `purchase.store`):

- Revenue is what the goods sold for (`purchase.amount`: after the tier's price and the coupon,
  as `report kpi` counts it). A till sale rung up item by item shares its amount among its
  `sale_line`s in proportion to their list amounts (a 100.00 line of a 150.00 sale sold for
  142.50 brings 95.00), so the rows add up to the shop's revenue (to the cent, each row rounded).
  Any other purchase (imported, `purchase record`, a sale of an amount alone) counts whole
  under its `purchase.category` (set by `import purchases`). A sale is counted once: through its
  lines when it has some, else through its purchase.
- `by="category"` (the default): one row per category. Lines and purchases without one are one
  row whose `category` is null ("(no category)" in tables), listed last and always, outside
  `limit`. `by="item"`: one row per item of the sale lines (its name) with its category (the
  highest, should lines of one item carry several); purchases without lines take no part, and
  with no sale line in the period the report is empty.
- `sellers`: by revenue (ties: more buyers, then the name). `rank` is the place by revenue,
  `buyers_rank` the place by buyers, the distinct members who bought it (ties: more revenue,
  then the name); `revenue_share` of the period's revenue, `buyer_share` of its buyers (one
  member buys several categories: these add up to more than 1); `purchases`: the purchases
  holding it. `limit`: the first `limit` rows.
- `member`: the group `--member`, `--segment` or `--where` names (segment and where together:
  both), their revenue by category (or item), by revenue: `share` of the group's revenue,
  `shop_share` the share of the same category in the shop's revenue (everyone in scope), and
  `index` = share / shop_share (2 places; above 1 the group favours it, below 1 it buys it less
  than the shop does). Everything else in the report stays the shop's.
- `pairs`, bought together. A basket is one till sale with lines (its lines' categories, or its
  items), or, for purchases without lines, one member's purchases of one day. `baskets` is the
  number of baskets holding at least one category (item); uncategorised lines and purchases take
  no part in pairs. For two categories A and B (A before B by name): `baskets` holding both,
  `a_baskets` and `b_baskets` holding each, `support` = both / baskets, `confidence_ab` = both /
  a_baskets (of the baskets with A, the share that also hold B), `confidence_ba` the other way,
  and `lift` = support(A,B) / (support(A) x support(B)) = both x baskets / (a_baskets x
  b_baskets) (2 places): above 1, bought together more often than chance would have it. Only a
  pair in at least `min_baskets` baskets (default 2) is listed, so that a one-off does not top
  the list; the first `top` (default 10) by lift, then more baskets, then the names. Counted
  with a self-join of the basket items in SQL.

Shares, support and confidence are 0-1 with four places. Names sort as the database compares
text (SQLite: by code point; PostgreSQL: its collation, C.UTF-8 in the tests).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal_column, union_all
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from memberctl.domain import segments, stores
from memberctl.domain.reports import Scope, cents, counted, fetch, midnight, ratio
from memberctl.domain.reports.kpi import period
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Purchase, Sale, SaleLine

BY = ("category", "item")
TOP = 10
MIN_BASKETS = 2


@dataclass(frozen=True)
class SellerRow:
    rank: int | None  # the place by revenue; None for the row without a category
    category: str | None
    item: str | None  # --by item: the item (the line's name); --by category: null
    revenue: Decimal
    revenue_share: float
    buyers: int
    buyer_share: float
    buyers_rank: int | None
    purchases: int


@dataclass(frozen=True)
class GroupRow:
    category: str | None
    item: str | None
    revenue: Decimal
    share: float
    shop_share: float
    index: float | None  # None: the shop sold none of it (never, the group being in the shop)
    purchases: int


@dataclass(frozen=True)
class Group:
    member_no: str | None
    segment: str | None
    where: str | None
    buyers: int
    purchases: int
    revenue: Decimal
    rows: list[GroupRow]


@dataclass(frozen=True)
class PairRow:
    a: str
    b: str
    baskets: int
    a_baskets: int
    b_baskets: int
    support: float
    confidence_ab: float
    confidence_ba: float
    lift: float


@dataclass(frozen=True)
class Products:
    start: dt.date
    end: dt.date
    by: str
    store: str | None
    revenue: Decimal
    purchases: int
    buyers: int
    baskets: int
    min_baskets: int
    sellers: list[SellerRow]
    member: Group | None
    pairs: list[PairRow]


def check_group(member: str | None, where: str | None, segment: str | None) -> None:
    """`--member` names one member; `--segment`/`--where` a group: not both (exit 2)."""
    if member is not None and (where is not None or segment is not None):
        raise UsageProblem(
            _("give --member, or --segment and --where, not both"),
            _("compare one member, or a group of members, with the shop"),
        )


def _items(by: str, conditions: list[ColumnElement[bool]], join_member: bool) -> Any:
    """Every basket item of the period: (sale_id, member_id, day) name the basket (sale_id 0:
    the member's purchases of that day without lines), `name` the category or item, `revenue`
    its share of what the goods sold for."""
    day = func.date(col(Purchase.at)).label("day")
    name = func.coalesce(col(SaleLine.name), col(SaleLine.sku)) if by == "item" else None
    lines = (
        core_select(
            col(Sale.id).label("sale_id"),
            col(Purchase.member_id).label("member_id"),
            day,
            col(Purchase.id).label("purchase_id"),
            (name if name is not None else col(SaleLine.category)).label("name"),
            col(SaleLine.category).label("category"),
            (col(SaleLine.amount) * col(Purchase.amount) / col(Sale.list_total)).label("revenue"),
        )
        .select_from(SaleLine)
        .join(Sale, col(Sale.id) == col(SaleLine.sale_id))
        .join(Purchase, col(Purchase.id) == col(Sale.purchase_id))
    )
    if join_member:
        lines = lines.join(Member, col(Member.id) == col(Purchase.member_id))
    lines = lines.where(*conditions)
    if by == "item":
        return lines.subquery("items")
    has_lines = (
        core_select(col(SaleLine.id))
        .join(Sale, col(Sale.id) == col(SaleLine.sale_id))
        .where(col(Sale.purchase_id) == col(Purchase.id))
        .exists()
    )
    others = core_select(
        literal_column("0").label("sale_id"),
        col(Purchase.member_id).label("member_id"),
        day,
        col(Purchase.id).label("purchase_id"),
        col(Purchase.category).label("name"),
        col(Purchase.category).label("category"),
        col(Purchase.amount).label("revenue"),
    ).select_from(Purchase)
    if join_member:
        others = others.join(Member, col(Member.id) == col(Purchase.member_id))
    others = others.where(*conditions, ~has_lines)
    return union_all(lines, others).subquery("items")


def _totals(session: Session, items: Any) -> tuple[Decimal, int, int]:
    """Revenue, buyers and purchases of `items` in all."""
    revenue, buyers, purchases = fetch(
        session,
        core_select(
            func.round(func.sum(items.c.revenue), 2),
            func.count(items.c.member_id.distinct()),
            func.count(items.c.purchase_id.distinct()),
        ),
    ).one()
    return cents(revenue), int(buyers), int(purchases)


def _grouped(items: Any) -> Any:
    return (
        core_select(
            items.c.name,
            func.max(items.c.category).label("category"),
            func.round(func.sum(items.c.revenue), 2).label("revenue"),
            func.count(items.c.member_id.distinct()).label("buyers"),
            func.count(items.c.purchase_id.distinct()).label("purchases"),
        )
        .group_by(items.c.name)
        .subquery("grouped")
    )


def _sellers(
    session: Session, items: Any, by: str, totals: tuple[Decimal, int, int]
) -> list[SellerRow]:
    grouped = _grouped(items)
    unnamed = case((grouped.c.name.is_(None), 1), else_=0)
    by_revenue = (grouped.c.revenue.desc(), grouped.c.buyers.desc(), grouped.c.name)
    by_buyers = (grouped.c.buyers.desc(), grouped.c.revenue.desc(), grouped.c.name)
    rank = func.row_number().over(partition_by=unnamed, order_by=by_revenue)
    buyers_rank = func.row_number().over(partition_by=unnamed, order_by=by_buyers)
    query = core_select(
        grouped.c.name, grouped.c.category, grouped.c.revenue, grouped.c.buyers,
        grouped.c.purchases, rank.label("rank"), buyers_rank.label("buyers_rank"),
    ).order_by(unnamed, *by_revenue)  # fmt: skip
    revenue, buyers, _purchases = totals
    rows = []
    for name, category, spent, bought, purchases, place, buyers_place in fetch(session, query):
        amount = cents(spent)
        rows.append(
            SellerRow(
                rank=int(place) if name is not None else None,
                category=category,
                item=name if by == "item" else None,
                revenue=amount,
                revenue_share=ratio(amount, revenue),
                buyers=int(bought),
                buyer_share=ratio(bought, buyers),
                buyers_rank=int(buyers_place) if name is not None else None,
                purchases=int(purchases),
            )
        )
    return rows


def _name(row: SellerRow | GroupRow) -> str | None:
    return row.item if row.item is not None else row.category


def label(row: SellerRow | GroupRow) -> str:
    """A row as a reader calls it: its item, else its category, else "(no category)"."""
    name = _name(row)
    return name if name is not None else _("(no category)")


def _index(share: Decimal, shop: Decimal) -> float | None:
    if not shop:
        return None
    return float((share / shop).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _group_rows(
    session: Session, items: Any, by: str, shop: dict[str | None, Decimal], shop_total: Decimal
) -> tuple[list[GroupRow], tuple[Decimal, int, int]]:
    grouped = _grouped(items)
    unnamed = case((grouped.c.name.is_(None), 1), else_=0)
    query = core_select(
        grouped.c.name, grouped.c.category, grouped.c.revenue, grouped.c.purchases
    ).order_by(unnamed, grouped.c.revenue.desc(), grouped.c.buyers.desc(), grouped.c.name)
    totals = _totals(session, items)
    total = totals[0]
    rows = []
    for name, category, spent, purchases in fetch(session, query):
        amount = cents(spent)
        share = amount / total if total else Decimal(0)
        in_shop = shop.get(name, Decimal(0)) / shop_total if shop_total else Decimal(0)
        rows.append(
            GroupRow(
                category=category,
                item=name if by == "item" else None,
                revenue=amount,
                share=ratio(amount, total),
                shop_share=ratio(shop.get(name, Decimal(0)), shop_total),
                index=_index(share, in_shop),
                purchases=int(purchases),
            )
        )
    return rows, totals


def _pairs(session: Session, items: Any, min_baskets: int, top: int) -> tuple[int, list[PairRow]]:
    """The number of baskets holding a category (item), and the top pairs by lift."""
    keys = (items.c.sale_id, items.c.member_id, items.c.day)
    basket_item = (
        core_select(*keys, items.c.name).where(items.c.name.is_not(None)).distinct()
    ).cte("basket_item")
    single = (
        core_select(basket_item.c.name, func.count().label("n")).group_by(basket_item.c.name)
    ).cte("item_count")
    first, second = basket_item.alias("pa"), basket_item.alias("pb")
    same = and_(
        first.c.sale_id == second.c.sale_id,
        first.c.member_id == second.c.member_id,
        first.c.day == second.c.day,
        first.c.name < second.c.name,
    )
    both = (
        core_select(first.c.name.label("a"), second.c.name.label("b"), func.count().label("n"))
        .select_from(first.join(second, same))
        .group_by(first.c.name, second.c.name)
        .having(func.count() >= min_baskets)
    ).subquery("pair_count")
    one, other = single.alias("ca"), single.alias("cb")
    lift = cast(both.c.n, Float) / (one.c.n * other.c.n)
    query = (
        core_select(both.c.a, both.c.b, both.c.n, one.c.n, other.c.n)
        .join(one, one.c.name == both.c.a)
        .join(other, other.c.name == both.c.b)
        .order_by(lift.desc(), both.c.n.desc(), both.c.a, both.c.b)
        .limit(top)
    )
    baskets_query = core_select(func.count()).select_from(
        core_select(basket_item.c.sale_id, basket_item.c.member_id, basket_item.c.day)
        .distinct()
        .subquery("basket")
    )
    baskets = int(fetch(session, baskets_query).scalar_one())
    return baskets, [_pair(row, baskets) for row in fetch(session, query)]


def _pair(row: Any, baskets: int) -> PairRow:
    a, b, n, a_n, b_n = row
    lift = Decimal(n * baskets) / Decimal(a_n * b_n)
    return PairRow(
        a=a,
        b=b,
        baskets=int(n),
        a_baskets=int(a_n),
        b_baskets=int(b_n),
        support=ratio(n, baskets),
        confidence_ab=ratio(n, a_n),
        confidence_ba=ratio(n, b_n),
        lift=float(lift.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
    )


@dataclass(frozen=True)
class _Where:
    conditions: list[ColumnElement[bool]]
    join_member: bool
    store: str | None


def _where(
    session: Session, scope: Scope, start: dt.date, end: dt.date, store: str | None
) -> _Where:
    """The purchases the report counts: the period, not refunded, the members in scope, the
    store where they were made (outside a manager's stores: exit 6)."""
    low, high = midnight(start), midnight(end + dt.timedelta(days=1))
    at = col(Purchase.at)
    conditions = [at >= low, at < high, counted()]
    if scope.filtered:
        conditions.append(scope.members)
    code = stores.resolve(session, store)  # not registered: exit 3
    if code is not None:
        kept = stores.kept_to(scope.staff, code, Purchase.store)
        assert kept is not None
        conditions.append(kept)
    return _Where(conditions, scope.filtered, code)


def _group(
    session: Session,
    base: _Where,
    by: str,
    sellers: list[SellerRow],
    shop_total: Decimal,
    who: tuple[Member | None, str | None, str | None],
    as_of: dt.date,
) -> Group | None:
    member, where, segment = who
    if member is not None:
        condition: ColumnElement[bool] | None = col(Purchase.member_id) == member.id
    else:
        condition = segments.resolve_filter(session, where, segment, as_of)
    if condition is None:
        return None
    items = _items(by, [*base.conditions, condition], join_member=True)
    shop = {_name(row): row.revenue for row in sellers}
    rows, (revenue, buyers, purchases) = _group_rows(session, items, by, shop, shop_total)
    member_no = member.member_no if member is not None else None
    return Group(member_no, segment, where, buyers, purchases, revenue, rows)


def _limited(rows: list[Any], limit: int | None) -> list[Any]:
    """The first `limit` named rows, and the row without a name (always)."""
    named = [row for row in rows if _name(row) is not None]
    return named[:limit] + [row for row in rows if _name(row) is None]


def build(
    *,
    session: Session,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: str = "category",
    member: Member | None = None,
    where: str | None = None,
    segment: str | None = None,
    store: str | None = None,
    limit: int | None = None,
    top: int = TOP,
    min_baskets: int = MIN_BASKETS,
) -> Products:
    start, end = period(scope.as_of, start, end)
    base = _where(session, scope, start, end, store)
    items = _items(by, base.conditions, base.join_member)
    totals = _totals(session, items)
    sellers = _sellers(session, items, by, totals)
    group = _group(session, base, by, sellers, totals[0], (member, where, segment), scope.as_of)
    if group is not None:
        group = dataclasses.replace(group, rows=_limited(group.rows, limit))
    baskets, pairs = _pairs(session, items, min_baskets, top)
    revenue, buyers, purchases = totals
    return Products(
        start, end, by, base.store, revenue, purchases, buyers, baskets, min_baskets,
        _limited(sellers, limit), group, pairs,
    )  # fmt: skip
