"""Column headers: which field each column of a sheet holds.

Headers are matched in Chinese and English through `ALIASES`, ignoring case, spaces, `_`/`-` and
full-width forms (`ＮＡＭＥ`, `手机 号`). A TOML mapping file (`--mapping`) adds aliases of its own:

    [members]
    "客户姓名" = "name"
    "联系方式" = "phone"

Unknown columns are reported once and ignored; a missing required column is an error before any
row is read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memberctl import tomlfile
from memberctl.errors import InvalidInput
from memberctl.i18n import _

MEMBER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "会员姓名", "客户姓名", "name", "full name"),
    "phone": (
        "手机号",
        "手机",
        "电话",
        "手机号码",
        "联系电话",
        "电话号码",
        "phone",
        "mobile",
        "tel",
    ),
    "gender": ("性别", "gender", "sex"),
    "birthday": ("生日", "出生日期", "birthday", "birth date", "date of birth", "dob"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"),
    "address": ("地址", "联系地址", "address"),
    "tier": ("等级", "会员等级", "级别", "tier", "level"),
    "points": ("积分", "当前积分", "可用积分", "points"),
    "balance": ("余额", "储值", "储值余额", "balance"),
    "member_no": ("会员卡号", "会员编号", "卡号", "member_no", "member no", "card no"),
    "joined_at": ("注册时间", "入会时间", "注册日期", "入会日期", "joined_at", "joined"),
    "store": ("门店", "所属门店", "store", "shop"),
    "tags": ("标签", "tags", "tag"),
    "referrer": ("推荐人", "referrer", "referred by"),
    "status": ("状态", "会员状态", "status"),
}
PURCHASE_ALIASES: dict[str, tuple[str, ...]] = {
    "phone": MEMBER_ALIASES["phone"] + ("会员手机号",),
    "member_no": MEMBER_ALIASES["member_no"],
    "order_no": ("订单号", "单号", "订单编号", "流水号", "order_no", "order no", "order"),
    "amount": ("金额", "消费金额", "实付金额", "amount", "total"),
    "at": ("时间", "消费时间", "下单时间", "日期", "time", "at", "date", "purchased_at"),
    "store": MEMBER_ALIASES["store"],
    "category": ("品类", "类别", "分类", "category"),
}
ALIASES = {"members": MEMBER_ALIASES, "purchases": PURCHASE_ALIASES}
# The column an errors file adds; it is ignored on re-import, so a fixed errors file imports as is.
REASON_HEADERS = ("错误原因", "reason")
_IGNORED = re.compile(r"[\s_\-]+")
_EMPTY = re.compile(r"\s*(?: \(\d+\))?")  # an empty header cell, or a repeat of one


def normalize(header: object) -> str:
    """`' 手机 号 '`, `'Ｐｈｏｎｅ'`, `'Member_No'` -> `'手机号'`, `'phone'`, `'memberno'`."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    return _IGNORED.sub("", text)


@dataclass(frozen=True)
class ColumnMap:
    """`fields[field] = source column`; `unknown` columns are ignored."""

    fields: dict[str, str]
    unknown: list[str] = field(default_factory=list)

    def column(self, name: str) -> str:
        return self.fields.get(name, name)


def load_mapping(path: Path | None, kind: str) -> dict[str, str]:
    """Extra aliases from a TOML file: `[members]` / `[purchases]` tables of header = field."""
    if path is None:
        return {}
    document = tomlfile.read(
        path, _("no mapping file '{path}'"), _("check the path given to --mapping")
    )
    table = document.get(kind, {})
    if not isinstance(table, dict):
        raise InvalidInput(
            _("{name}: '{kind}' must be a table [{kind}] of header = field lines").format(
                name=path.name, kind=kind
            ),
            _('write it as [{kind}] and below it lines like "客户姓名" = "name"').format(kind=kind),
        )
    known = ALIASES[kind]
    mapping: dict[str, str] = {}
    for header, target in table.items():
        if not isinstance(target, str) or target not in known:
            raise InvalidInput(
                _("{name}: [{kind}] maps '{header}' to unknown field '{target}'").format(
                    name=path.name, kind=kind, header=header, target=target
                ),
                _("fields are: {known}").format(known=", ".join(known)),
            )
        mapping[normalize(header)] = target
    return mapping


def _lookup(kind: str, mapping: dict[str, str]) -> dict[str, str]:
    lookup = {normalize(alias): name for name, names in ALIASES[kind].items() for alias in names}
    lookup.update(mapping)
    return lookup


def picker(
    kind: str, mapping: dict[str, str], required: Sequence[str]
) -> Callable[[list[Any]], bool]:
    """True for a row whose cells name every `required` field: the sheet's header row."""
    lookup = _lookup(kind, mapping)

    def pick(cells: list[Any]) -> bool:
        found = {lookup.get(normalize(cell)) for cell in cells if cell not in ("", None)}
        return all(name in found for name in required)

    return pick


def resolve(
    columns: Sequence[object],
    kind: str,
    mapping: dict[str, str],
    required: Sequence[str],
    header_row: int | None = None,
) -> ColumnMap:
    """Match headers to fields; InvalidInput (exit 5) when a required field has no column.
    `header_row`: the row the user chose (--header-row), named in that error."""
    lookup = _lookup(kind, mapping)
    ignored = {normalize(h) for h in REASON_HEADERS}
    found: dict[str, str] = {}
    unknown: list[str] = []
    for column in columns:
        key = normalize(column)
        target = lookup.get(key)
        if target is not None and target not in found:
            found[target] = str(column)
        elif key and key not in ignored and not key.startswith("unnamed:"):
            unknown.append(str(column))
    missing = [name for name in required if name not in found]
    if missing and header_row is not None:
        raise InvalidInput(
            _("--header-row {row}: row {row} has no column for {missing} (found: {value})").format(
                row=header_row,
                missing=", ".join(missing),
                value=", ".join(_named(columns)) or _("nothing"),
            ),
            _(
                "give the number of the row that holds the column names, as the spreadsheet shows "
                "it, or leave --header-row out to let the import find it"
            ),
        )
    if missing and _looks_like_data(columns):  # list nothing: the cells would be personal data
        raise InvalidInput(
            _("the first row holds a phone number or e-mail address, not column names"),
            _("add a header row (see 'memberctl template members')"),
        )
    if missing and len(columns) > 1 and len(_named(columns)) == 1:  # a title row, or a note
        raise InvalidInput(
            _("no column names found in the first rows (the first holds: {value})").format(
                value=_named(columns)[0]
            ),
            _("give the row of the column names with --header-row N (1 = the first row)"),
        )
    if missing:
        raise InvalidInput(
            _("no column for {missing} in the header row (found: {value})").format(
                missing=", ".join(missing), value=", ".join(str(c) for c in columns) or _("nothing")
            ),
            _(
                "name the column e.g. {ALIASES}, or map it with --mapping FILE.toml (see "
                "templates/mapping.toml)"
            ).format(ALIASES=" or ".join(ALIASES[kind][missing[0]][:2])),
        )
    return ColumnMap(found, unknown)


def _named(columns: Sequence[object]) -> list[str]:
    """The header cells that hold a name: not the empty ones, which pandas calls 'Unnamed: 3'
    and `read.unique_columns` ' (3)'."""
    texts = [str(c) for c in columns]
    return [t for t in texts if not _EMPTY.fullmatch(t) and not normalize(t).startswith("unnamed:")]


def _looks_like_data(columns: Sequence[object]) -> bool:
    """A header row that is really a member's row (a sheet without headers)."""
    from memberctl.domain import phones

    texts = [str(c).strip() for c in columns]
    return any("@" in t or phones.try_parse(t) is not None for t in texts if t)
