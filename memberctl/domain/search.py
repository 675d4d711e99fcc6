"""Search: find members the way a clerk asks for them, and the names shell completion offers.

A clerk types part of a name (`三丰`, `wang`), the last digits of the phone (`8000`), the pinyin
initials of the name (`zsf` for 张三丰) or its full pinyin (`zhangsan`), or a member number.
`member.name_initials` holds the initials, lower-case ("张三丰" -> "zsf", "Amy Wang" -> "aw"):
enrolment, edits and imports set it (`names.initials`), and a search only reads it. Migration 0012
filled the rows earlier imports had left NULL; should one still be NULL, it is found by its name,
not its initials, until the nightly job's `backfill` fills it (a search never writes).
Full pinyin is not stored: the typed letters are split into pinyin syllables, their initials
narrow the candidates by the indexed column, and only those candidates' names are converted.

pypinyin is imported only when a name is converted (its dictionary takes ~0.2 s to load),
in domain/names.py, which holds the name-to-pinyin conversion.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import cast

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select, update

from memberctl.domain import members, stores
from memberctl.domain.names import full_pinyin, initials
from memberctl.domain.permissions import Identity
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member

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


def backfill(session: Session) -> int:
    """Compute `name_initials` where it is NULL (after a bulk import), in batches of one
    executemany each; returns how many. A name without letters gets "" (not NULL: done)."""
    pending = select(Member.id, Member.name).where(
        col(Member.name_initials).is_(None), col(Member.name).is_not(None)
    )
    connection = session.connection()
    rows = connection.execute(pending).all()  # Core rows: no ORM bookkeeping for 100,000
    query = (
        update(Member)
        .where(col(Member.id) == bindparam("member_id"))
        .values(name_initials=bindparam("initials"))
    )
    known: dict[str, str] = {}  # common names repeat (王伟, 张伟 ...)
    for start in range(0, len(rows), BATCH):
        values = []
        for member_id, name in rows[start : start + BATCH]:
            if name not in known:
                known[name] = initials(name) or ""
            values.append({"member_id": member_id, "initials": known[name]})
        connection.execute(query, values)
    return len(rows)


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


def find(
    *, session: Session, text: str, limit: int | None = 50, staff: Identity | None = None
) -> list[members.MemberRecord]:
    """Members matching what a clerk typed, by member number; with `staff`, of the stores they
    work in (`stores.kept_to`)."""
    query = _clean_query(text)
    plain = unicodedata.normalize("NFKC", query)  # full-width digits and letters typed
    key = plain.lower().replace(" ", "")
    conditions = [
        col(Member.name).icontains(query, autoescape=True),
        col(Member.name).icontains(plain, autoescape=True),
        col(Member.name).icontains(plain.translate(_WIDE), autoescape=True),
        func.upper(col(Member.member_no)) == query.upper(),
    ]
    if _DIGITS.fullmatch(key):
        conditions.append(col(Member.phone).endswith(key))
    if _LETTERS.fullmatch(key):
        conditions.append(col(Member.name_initials).startswith(key))
    ids = set(session.exec(select(Member.id).where(or_(*conditions))))
    if _LETTERS.fullmatch(key):
        ids.update(_by_full_pinyin(session, key))
    if not ids:
        return []
    found = select(Member).where(col(Member.id).in_(ids)).order_by(col(Member.member_no))
    in_store = stores.kept_to(staff, None, Member.store)
    if in_store is not None:
        found = found.where(in_store)
    return members.records(session, list(session.exec(found.limit(limit))))


def _by_full_pinyin(session: Session, key: str) -> list[int]:
    splits = {s for s in _splits(key) if len(s) < len(key)}
    if not splits:
        return []
    narrowed = select(Member.id, Member.name).where(
        or_(*(col(Member.name_initials).startswith(s) for s in splits))
    )
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
