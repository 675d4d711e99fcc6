"""Parsing and checking of member fields typed by people or found in files: dates, genders,
e-mail addresses, tags and member numbers. Each parser returns the clean value or raises
InvalidInput saying what was wrong and how to write it.

What is matched (dates, genders, e-mail addresses, tags, stores, codes) is normalised (NFKC:
full-width `１` is `1`). Free text (names, addresses, notes, reasons, answers) is stored as typed,
only surrounding whitespace stripped. No stored text may hold a control character (C0, DEL, C1)
or a text-direction override (U+202A-202E, U+2066-2069): `check_text` refuses them, naming the
field; multi-line text (addresses, notes, answers) may hold line breaks and tabs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from memberctl.errors import InvalidInput
from memberctl.i18n import _

GENDERS = {
    "male": "male", "m": "male", "男": "male", "男性": "male", "先生": "male",
    "female": "female", "f": "female", "女": "female", "女性": "female", "女士": "female",
}  # fmt: skip
_DATE_FORMS = [
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
]
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TAG_SPLIT = re.compile(r"[,，;；、]")
_MEMBER_NO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
# Text-direction overrides, and lone surrogates (bytes of a command line that were not UTF-8).
_DIRECTION = "\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_DIRECTION}]")
_CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_DIRECTION}]")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def first_unstorable(text: str, *, multiline: bool = False) -> re.Match[str] | None:
    """The first character of `text` that may not be stored (see `check_text`), or None."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)


def check_text(text: str, what: str, *, multiline: bool = False) -> str:
    """`text` unchanged, or InvalidInput (exit 5) naming `what` and the first character that may
    not be stored: a control character, or a text-direction override. Both databases then hold
    the same (PostgreSQL refuses NUL outright) and nothing stored can rewrite a terminal."""
    found = first_unstorable(text, multiline=multiline)
    if found is None:
        return text
    raise InvalidInput(
        _(
            "{what} holds a character that cannot be stored (U+{code:04X}) at character {position}"
        ).format(what=what, code=ord(found.group()), position=found.start() + 1),
        _("retype it without control characters; line breaks and tabs are allowed")
        if multiline
        else _("retype it on one line without control characters or text-direction marks"),
    )


def parse_date(raw: str, what: str | None = None) -> dt.date:
    """`2020-01-02`, `2020/1/2`, `2020.1.2`, `2020年1月2日`, `20200102`; a date that does not exist
    (1990-02-30) is refused, never rolled over."""
    what = what or _("date")
    text = _nfkc(str(raw))
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise InvalidInput(
                    _("{what} '{raw}' does not exist").format(what=what, raw=raw),
                    _("check the day and month"),
                ) from None
    raise InvalidInput(
        _("{what} '{raw}' is not a date").format(what=what, raw=raw),
        _("write it as YYYY-MM-DD, e.g. 1990-05-06"),
    )


FIRST_BIRTHDAY = dt.date(1900, 1, 1)


def check_birthday(day: dt.date | None, today: dt.date) -> dt.date | None:
    """A birthday is in the past (today at the latest) and not before 1900: a year typed as 9999
    or 0001 would match `age < 0` and fill reports with impossible ages."""
    if day is not None and not FIRST_BIRTHDAY <= day <= today:
        raise InvalidInput(
            _("birthday {day} is not between {first} and today ({today})").format(
                day=day, first=FIRST_BIRTHDAY, today=today
            ),
            _("check the year"),
        )
    return day


def parse_birthday(raw: str, today: dt.date) -> dt.date | None:
    """A birthday typed by a person (empty: none)."""
    if not str(raw).strip():
        return None
    return check_birthday(parse_date(raw, _("birthday")), today)


def parse_datetime(raw: str, what: str | None = None) -> dt.datetime:
    """ISO 8601 date-time (`2026-01-02T10:30`), or a date alone meaning its midnight."""
    text = _nfkc(str(raw))
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime.combine(parse_date(text, what or _("time")), dt.time())
    return value.replace(tzinfo=None) if value.tzinfo is None else _to_local_naive(value)


def _to_local_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone().replace(tzinfo=None)


def parse_gender(raw: str | None) -> str | None:
    if raw is None or _nfkc(raw) == "":
        return None
    gender = GENDERS.get(_nfkc(raw).lower())
    if gender is None:
        raise InvalidInput(
            _("gender '{raw}' is not understood").format(raw=raw),
            _("use male or female (男/女, M/F)"),
        )
    return gender


def parse_email(raw: str | None) -> str | None:
    if raw is None or _nfkc(raw) == "":
        return None
    email = check_text(_nfkc(raw), _("the e-mail address"))
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise InvalidInput(
            _("'{raw}' is not an e-mail address").format(raw=raw),
            _("write it like name@example.com"),
        )
    return email


def parse_name(raw: str) -> str:
    """A name as typed (full-width letters and spaces kept), surrounding whitespace stripped."""
    name = check_text(raw.strip(), _("the name"))
    if not name:
        raise InvalidInput(_("the name is empty"), _("give the member's name"))
    if len(name) > 100:
        raise InvalidInput(_("the name is longer than 100 characters"), _("shorten it"))
    return name


def parse_tags(values: list[str] | tuple[str, ...] | None) -> list[str]:
    """Tags from repeated options or one cell: split on , ， ; ； 、, trimmed, without repeats."""
    tags: list[str] = []
    for value in values or []:
        for part in _TAG_SPLIT.split(_nfkc(value)):
            tag = check_text(part.strip(), _("a tag"))
            if len(tag) > 64:
                raise InvalidInput(
                    _("tag '{tag}' is longer than 64 characters").format(tag=tag), _("shorten it")
                )
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def parse_member_no(raw: str) -> str:
    member_no = _nfkc(raw).upper()
    if not _MEMBER_NO.fullmatch(member_no):
        raise InvalidInput(
            _("member number '{raw}' is not valid").format(raw=raw),
            _("use up to 32 letters, digits, '-' or '_', e.g. M000123"),
        )
    return member_no


def parse_label(raw: str | None, what: str, limit: int) -> str | None:
    """Text that is matched later (a store): normalised (NFKC), one line, checked."""
    if raw is None or _nfkc(raw) == "":
        return None
    return _within(check_text(_nfkc(raw), what), what, limit)


def parse_text(raw: str | None, what: str, limit: int) -> str | None:
    """Normalised (NFKC) text of a spreadsheet cell or an order number: control characters are
    refused, line breaks and tabs kept as before (the import's columns use it)."""
    if raw is None or _nfkc(raw) == "":
        return None
    return _within(check_text(_nfkc(raw), what, multiline=True), what, limit)


def parse_free_text(
    raw: str | None, what: str, limit: int, *, multiline: bool = False
) -> str | None:
    """Free text (an address, a note, a reason): stored as typed, surrounding whitespace
    stripped; empty is None."""
    if raw is None or not raw.strip():
        return None
    return _within(check_text(raw.strip(), what, multiline=multiline), what, limit)


def _within(text: str, what: str, limit: int) -> str:
    if len(text) > limit:
        raise InvalidInput(
            _("{what} is longer than {limit} characters").format(what=what, limit=limit),
            _("shorten it"),
        )
    return text
