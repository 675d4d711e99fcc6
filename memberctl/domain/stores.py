"""The shop's stores: a list the owner keeps (`store add`, `store rename`).

`member.store` and `purchase.store` hold a store's code. Every `--store` names a registered store,
by its code or by its name (case and full-width forms folded): a typo is "not found" (exit 3)
with the list of stores and the command that adds one, never a new store made up on the spot.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from memberctl.domain import audit, fields, permissions
from memberctl.domain.permissions import Identity
from memberctl.errors import NotFound, RuleViolation, UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Purchase, Store

MAX_CODE = 64
MAX_NAME = 100


@dataclass(frozen=True)
class StoreRecord:
    code: str
    name: str
    members: int = 0
    purchases: int = 0


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _all(session: Session) -> list[Store]:
    return list(session.exec(select(Store).order_by(col(Store.code))))


def _match(stores: list[Store], raw: str) -> Store | None:
    """The store `raw` names: its exact code, else its exact name, else the one store whose code
    (then name) it is with case and full-width forms folded. Two stores folding alike (a
    database that had both 'S01' and 's01' in use before 0013) are told apart by the exact text."""
    typed = unicodedata.normalize("NFKC", raw).strip()
    for exact in (
        [store for store in stores if store.code == typed],
        [store for store in stores if store.name == typed],
    ):
        if len(exact) == 1:
            return exact[0]
    wanted = typed.casefold()
    for folded in (
        [store for store in stores if fold(store.code) == wanted],
        [store for store in stores if fold(store.name) == wanted],
    ):
        if len(folded) == 1:
            return folded[0]
    return None


def find(session: Session, raw: str) -> Store | None:
    """The store `raw` names by code or by name, or None."""
    return _match(_all(session), raw)


SHOWN = 20  # stores named in a "not found" line; more are counted


def not_found(session: Session, raw: str) -> NotFound:
    """Exit 3 for a store that is not registered, naming the stores there are (the first
    `SHOWN`) and the command that adds one."""
    every = _all(session)
    shown = [s.code if s.name == s.code else f"{s.code} {s.name}" for s in every[:SHOWN]]
    known = ", ".join(shown)
    if len(every) > SHOWN:
        known += _(" and {count} more (memberctl store list)").format(count=len(every) - SHOWN)
    listed = (
        _("the stores are: {known}").format(known=known) if known else _("no store is registered")
    )
    return NotFound(
        _("no store '{raw}' ({listed})").format(raw=raw, listed=listed),
        _("check the spelling, or add it: memberctl store add CODE --name NAME"),
    )


def resolve(session: Session, raw: str | None) -> str | None:
    """`--store` as typed -> the store's code; None or blank stays None (no store, no filter);
    a store that is not registered -> NotFound (exit 3) listing the stores.

    The one place a typed store becomes a code: `member enroll/edit/list`, `export members`,
    `purchase record/refund`, the reports' `--store` and the enrol wizard call it."""
    typed = fields.parse_label(raw, _("the store"), MAX_NAME)  # control characters: exit 5
    if typed is None:
        return None
    store = find(session, typed)
    if store is None:
        raise not_found(session, typed)
    return store.code


def resolve_for(session: Session, raw: str | None, staff: Identity) -> str | None:
    """`resolve`, then refuse (exit 6) a store `staff` does not work in: a sale, a purchase or
    a refund recorded with `--store`. None given by someone who works in one store: that store,
    so a clerk's sales are in their own store's daily close."""
    return home_for(staff, resolve(session, raw))


def home_for(staff: Identity, code: str | None) -> str | None:
    """The home store of a member `staff` enrols: `code` (--store, resolved), which must be a
    store they work in (exit 6), else the one store they work in (several, or none: no store)."""
    permissions.require_store(staff, code)
    allowed = permissions.within(staff)
    if code is None and allowed is not None and len(allowed) == 1:
        return allowed[0]
    return code


def one_for(staff: Identity | None, code: str | None) -> str | None:
    """The store a one-store report (`report daily`) is for: `code` (--store, resolved), which
    must be one `staff` works in (exit 6); none given, the one store they work in; working in
    several, they must name one (exit 2). None: the whole shop (the owner, a job)."""
    if staff is None:
        return code
    permissions.require_store(staff, code)
    allowed = permissions.within(staff)
    if code is not None or allowed is None:
        return code
    if len(allowed) > 1:
        raise UsageProblem(
            _("{name} works in several stores: give --store").format(name=staff.name),
            _("one of: {stores}").format(stores=", ".join(allowed)),
        )
    return allowed[0]


def kept_to(staff: Identity | None, code: str | None, column: Any) -> ColumnElement[bool] | None:
    """The condition keeping a query on `column` (`Member.store`, `Purchase.store`) to the
    stores `staff` works in. A `--store` given (`code`, resolved) outside them is exit 6; none
    given: their stores, and rows of no store (everyone's). None: no condition at all."""
    if staff is not None:
        permissions.require_store(staff, code)
    if code is not None:
        return col(column) == code
    allowed = permissions.within(staff) if staff is not None else None
    if allowed is None:
        return None
    return or_(col(column).in_(allowed), col(column).is_(None))


def known(session: Session) -> list[StoreRecord]:
    """The registered stores, by code, without counting their members (the enrol wizard's list)."""
    return [StoreRecord(s.code, s.name) for s in _all(session)]


def list_stores(*, session: Session) -> list[StoreRecord]:
    from sqlalchemy import func

    members = dict(
        session.exec(
            select(Member.store, func.count())
            .where(col(Member.store).is_not(None))
            .group_by(col(Member.store))
        ).all()
    )
    purchases = dict(
        session.exec(select(Purchase.store, func.count()).group_by(col(Purchase.store))).all()
    )
    return [
        StoreRecord(s.code, s.name, int(members.get(s.code, 0)), int(purchases.get(s.code, 0)))
        for s in _all(session)
    ]


def add(
    *, session: Session, code: str, name: str | None, operator: str, at: dt.datetime
) -> StoreRecord:
    """Register a store; a code or name another store already has is refused (exit 4)."""
    code_text = fields.parse_label(code, _("the store code"), MAX_CODE)
    if code_text is None:
        raise UsageProblem(_("the store code is empty"), _("give a code such as S01"))
    name_text = code_text
    if name is not None:
        name_text = fields.parse_label(name, _("the store name"), MAX_NAME) or ""
        if not name_text:
            raise UsageProblem(_("the store name is empty"), _("give a name, or leave out --name"))
    _refuse_taken(session, code_text, name_text, None)
    try:
        with session.begin_nested():  # another process adding the same code just now
            session.add(Store(code=code_text, name=name_text, created_at=at))
    except IntegrityError:
        _refuse_taken(session, code_text, name_text, None)
        raise
    audit.record(
        session=session,
        operator=operator,
        action="store.add",
        at=at,
        details={"code": code_text, "name": name_text},
    )
    return StoreRecord(code_text, name_text)


def rename(*, session: Session, ref: str, name: str, operator: str, at: dt.datetime) -> StoreRecord:
    """A store's new name; its code (what members and purchases hold) stays."""
    store = find(session, ref)
    if store is None:
        raise not_found(session, ref)
    new = fields.parse_label(name, _("the store name"), MAX_NAME)
    if new is None:
        raise UsageProblem(_("the store name is empty"), _("give the store's new name"))
    _refuse_taken(session, None, new, store.id)
    old, store.name = store.name, new
    session.add(store)
    audit.record(
        session=session,
        operator=operator,
        action="store.rename",
        at=at,
        details={"code": store.code, "from": old, "to": new},
    )
    return StoreRecord(store.code, store.name)


def _refuse_taken(session: Session, code: str | None, name: str, own_id: int | None) -> None:
    for store in _all(session):
        if store.id == own_id:
            continue
        spellings = {fold(store.code), fold(store.name)}
        for given in (code, name):
            if given is not None and fold(given) in spellings:
                raise RuleViolation(
                    _("'{given}' already names store {code}").format(given=given, code=store.code),
                    _("choose another code or name"),
                )


class Directory:
    """The registered stores, read once: a bulk import looks each distinct store text up here
    instead of querying per row (`imports/store_cells.py`)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.stores = _all(session)

    def code_of(self, raw: str) -> str | None:
        store = _match(self.stores, raw)
        return store.code if store is not None else None

    def register(self, text: str, *, operator: str, at: dt.datetime) -> str:
        """Add `text` as a new store (code and name), as `store add` does; refused (exit 4) when
        another store already has it."""
        record = add(session=self.session, code=text, name=None, operator=operator, at=at)
        self.stores = _all(self.session)
        return record.code
