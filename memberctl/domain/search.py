"""Search: find members the way a clerk asks for them, and the names shell completion offers.

A clerk types part of a name (`三丰`, `wang`), the last digits of the phone (`8000`), the pinyin
initials of the name (`zsf` for 张三丰) or its full pinyin (`zhangsan`), or a member number.
`member.name_initials` holds the initials, lower-case ("张三丰" -> "zsf", "Amy Wang" -> "aw"):
enrolment, edits and imports set it (`names.initials`), and a search only reads it. Migration 0012
filled the rows earlier imports had left NULL; should one still be NULL, it is found by its name,
not its initials, until the nightly job's `backfill` fills it (a search never writes).
Full pinyin is not stored: the typed letters are split into pinyin syllables, their initials
narrow the candidates by the indexed column, and only those candidates' names are converted.
Since migration 0017 a search reads ranges of `member_search_key` (kept by the database's
triggers from each member's name, initials, phone and number; see `find`), not `member` whole.

pypinyin's table of characters is read only when a name is converted (about 0.03 s; pypinyin
itself, 0.16 s, is not imported), in domain/names.py, which holds the name-to-pinyin conversion.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    func,
    or_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select, update

from memberctl.domain import members, stores
from memberctl.domain.names import full_pinyin, initials
from memberctl.domain.permissions import Identity
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, MemberSearchKey
from memberctl.models.member import NAME_KEY_LENGTH

BATCH = 1000
COMPLETION_LIMIT = 50
_LETTERS = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"[0-9]{4,}")
# ASCII -> its full-width form, to find a name typed in an input method's full-width mode.
_WIDE = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}

# Every pinyin syllable is one of these initials followed by one of these finals (a superset
# of the real syllables, which is all the splitting below needs: candidates are checked after).
_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
    "",
)
_FINALS = ("a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er", "i",
           "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong", "u", "ua", "uo", "uai",
           "ui", "uan", "un", "uang", "v", "ve", "ue", "van", "vn")  # fmt: skip
_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS)
_PREFIXES = frozenset(s[:n] for s in _SYLLABLES for n in range(1, len(s) + 1))
_MAX_SPLITS = 16


def backfill(session: Session, *, after: int = 0) -> int | None:
    """Compute `name_initials` where it is NULL (after a bulk import) for the next BATCH members
    by id after `after`, in one executemany; returns the last id filled, None when none is left.
    A name without letters gets "" (not NULL: done). The nightly job commits each batch on its
    own, so a till waits at most for one batch's row locks, never for a whole import's."""
    pending = (
        select(Member.id, Member.name)
        .where(
            col(Member.id) > after,
            col(Member.name_initials).is_(None),
            col(Member.name).is_not(None),
        )
        .order_by(col(Member.id))
        .limit(BATCH)
    )
    connection = session.connection()
    rows = connection.execute(pending).all()  # Core rows: no ORM bookkeeping
    if not rows:
        return None
    query = (
        update(Member)
        .where(col(Member.id) == bindparam("member_id"))
        .values(name_initials=bindparam("initials"))
    )
    known: dict[str, str] = {}  # common names repeat (王伟, 张伟 ...)
    values = []
    for member_id, name in rows:
        if name not in known:
            known[name] = initials(name) or ""
        values.append({"member_id": member_id, "initials": known[name]})
    connection.execute(query, values)
    return int(rows[-1][0])


def _splits(text: str) -> set[str]:
    """The initials of every way to split `text` into pinyin syllables, the last one perhaps
    unfinished: "zhangsan" -> {"zs", "zsa", ...}; at most a few, as typed words are short."""

    @cache
    def ways(start: int) -> frozenset[str]:
        found: set[str] = set()
        for end in range(start + 1, min(start + 6, len(text)) + 1):
            piece = text[start:end]
            if end == len(text) and piece in _PREFIXES:
                found.add(piece[0])
            elif piece in _SYLLABLES:
                found.update(piece[0] + rest for rest in ways(end))
            if len(found) > _MAX_SPLITS:
                break
        return frozenset(found)

    return set(ways(0)) if text else set()


def _clean_query(text: str) -> str:
    query = " ".join(text.split())
    if not query:
        raise UsageProblem(
            _("nothing to search for"), _("give part of a name, a phone or initials")
        )
    return query


@dataclass(frozen=True)
class _Way:
    """One way of asking: `keys`, the candidates' ids from a range of `member_search_key`, and
    `match`, the condition on their own columns that decides (on `member`, or on the walk's
    first members)."""

    keys: Select[Any] | CompoundSelect[Any]
    match: Callable[[Any], ColumnElement[bool]]


def find(
    *, session: Session, text: str, limit: int | None = 50, staff: Identity | None = None
) -> list[members.MemberRecord]:
    """Members matching what a clerk typed, by member number; with `staff`, of the stores they
    work in (`stores.kept_to`). Each way of asking reads a range of `member_search_key` (the
    database's triggers keep it) and checks only those candidates' own columns. A common text
    (a surname, one character) is first looked for among the first members by number."""
    query = _clean_query(text)
    plain = unicodedata.normalize("NFKC", query)  # full-width digits and letters typed
    key = plain.lower().replace(" ", "")
    ways = _ways(query, plain, key)
    by_pinyin = _by_full_pinyin(session, key) if _LETTERS.fullmatch(key) else []
    if limit is not None and _common(session, ways):
        walked = _walk(session, ways, by_pinyin, staff, limit)
        if len(walked) == limit:
            return members.records(session, walked)
    # The matches stay in the database: a common character matches tens of thousands of
    # members in a large shop, of which only the first `limit` by number are fetched.
    asked = [
        select(Member.id).where(col(Member.id).in_(way.keys), way.match(Member)) for way in ways
    ]
    matched: ColumnElement[bool] = col(Member.id).in_(union(*asked))
    if by_pinyin:
        matched = or_(matched, col(Member.id).in_(by_pinyin))
    found = select(Member).where(matched).order_by(col(Member.member_no))
    in_store = stores.kept_to(staff, None, Member.store)
    if in_store is not None:
        found = found.where(in_store)
    return members.records(session, list(session.exec(found.limit(limit))))


def _ways(query: str, plain: str, key: str) -> list[_Way]:
    """The ways to ask for `query` as typed, `plain` (NFKC) and `key` (lower, no spaces)."""
    ways = [_name_way(part) for part in dict.fromkeys((query, plain, plain.translate(_WIDE)))]
    # Ｍ000001 as M000001
    ways += [_number_way(number) for number in dict.fromkeys((query.upper(), plain.upper()))]
    if _DIGITS.fullmatch(key):
        ways.append(_Way(_keyed("p", key[-4:], whole=True), lambda m: col(m.phone).endswith(key)))
    if _LETTERS.fullmatch(key):
        ways.append(_initials_way({key}))
    return ways


def _name_way(part: str) -> _Way:
    return _Way(
        _keyed("n", func.lower(part[:PIECE])),
        lambda m: col(m.name).icontains(part, autoescape=True),
    )


def _number_way(number: str) -> _Way:
    return _Way(_keyed("m", number, whole=True), lambda m: func.upper(col(m.member_no)) == number)


COMMON = 2000  # keys: from this many on, a text is common enough to walk the members for
WALK = 4000  # members: the first by number, among which a common text is looked for first


def _common(session: Session, ways: list[_Way]) -> bool:
    """At least COMMON keys match (an index-only count that stops there)."""
    some = union_all(*(way.keys for way in ways)).limit(COMMON).subquery()
    return session.exec(select(func.count()).select_from(some)).one() >= COMMON


def _walk(
    session: Session, ways: list[_Way], by_pinyin: list[int], staff: Identity | None, limit: int
) -> list[Member]:
    """The matches among the first WALK members by number, at most `limit`. When there are
    `limit` of them they are the first `limit` matches of all: a text in one name of fifty
    reads a few thousand members, not the tens of thousands it matches."""
    first = aliased(Member, select(Member).order_by(col(Member.member_no)).limit(WALK).subquery())
    matched = or_(*(way.match(first) for way in ways), col(first.id).in_(by_pinyin))
    walk = select(first).where(matched).order_by(col(first.member_no)).limit(limit)
    in_store = stores.kept_to(staff, None, first.store)
    if in_store is not None:
        walk = walk.where(in_store)
    return list(session.exec(walk))


PIECE = NAME_KEY_LENGTH  # a text longer than a key narrows by its start, then names are compared
_AFTER_ALL = "\U0010ffff"  # sorts after every character: the end of a range of keys


def _keyed(kind: str, start: str | ColumnElement[str], *, whole: bool = False) -> Select[Any]:
    """The members with a search key of `kind` equal to `start` (`whole`) or starting with it:
    one range of the key's index, compared by code point."""
    keys = MemberSearchKey
    if whole:
        match = col(keys.piece) == start
    else:
        match = and_(col(keys.piece) >= start, col(keys.piece) < start + _AFTER_ALL)
    return select(keys.member_id).where(col(keys.kind) == kind, match)


def _initials_way(prefixes: set[str]) -> _Way:
    """Pinyin initials starting with one of `prefixes`, found by their keys' ranges."""
    keyed = [_keyed("i", prefix[:PIECE]) for prefix in sorted(prefixes)]
    return _Way(
        union(*keyed) if len(keyed) > 1 else keyed[0],
        lambda m: or_(*(col(m.name_initials).startswith(prefix) for prefix in prefixes)),
    )


def _by_full_pinyin(session: Session, key: str) -> list[int]:
    splits = {s for s in _splits(key) if len(s) < len(key)}
    if not splits:
        return []
    way = _initials_way(splits)
    narrowed = select(Member.id, Member.name).where(col(Member.id).in_(way.keys), way.match(Member))
    return [
        cast(int, member_id)  # a stored member's id is never NULL
        for member_id, name in session.exec(narrowed)
        if name and full_pinyin(name).startswith(key)
    ]


# -- shell completion ------------------------------------------------------------------------
def member_nos(session: Session, prefix: str, limit: int = COMPLETION_LIMIT) -> list[str]:
    """Member numbers starting with `prefix` (case-insensitive), in order."""
    query = select(Member.member_no).where(
        func.upper(col(Member.member_no)).startswith(prefix.upper(), autoescape=True)
    )
    return list(session.exec(query.order_by(col(Member.member_no)).limit(limit)))
