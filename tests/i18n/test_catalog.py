"""The Chinese catalog is complete: every message the package wraps in `_()` is translated.

The msgids are extracted from the source with Babel (as `pybabel extract` does), so a new
`_("...")` anywhere in memberctl fails here until memberctl/locale/zh_CN/LC_MESSAGES/memberctl.po
has it. To add them:
pybabel extract -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 -o /tmp/m.pot memberctl
&& pybabel update -i /tmp/m.pot -d memberctl/locale -D memberctl --no-fuzzy-matching, translate.
"""

from __future__ import annotations

import collections
import itertools
import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import memberctl
from memberctl import i18n

PACKAGE = Path(memberctl.__file__).parent
PO = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "memberctl.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _extracted() -> dict[tuple[str | None, str], str]:
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PACKAGE), keywords=KEYWORDS, comment_tags=()
    ):
        msgid = message if isinstance(message, str) else message[0]
        found[(context, msgid)] = f"memberctl/{filename}:{lineno}"
    return found


def _catalog():
    with PO.open("rb") as source:
        return read_po(source, locale="zh_CN", domain="memberctl")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def test_the_package_has_messages_to_translate():
    assert len(_extracted()) > 500


def test_every_message_is_in_the_chinese_catalog_and_translated():
    catalog = _catalog()
    problems = []
    for (context, msgid), where in sorted(_extracted().items(), key=lambda kv: kv[1]):
        entry = catalog.get(msgid, context=context)
        if entry is None:
            problems.append(f"{where}: missing from the catalog: {msgid!r}")
            continue
        text = entry.string if isinstance(entry.string, str) else entry.string[0]
        if not text.strip():
            problems.append(f"{where}: empty translation: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"{where}: fuzzy translation: {msgid!r}")
        elif placeholders(text) != placeholders(msgid):
            problems.append(f"{where}: placeholders differ: {msgid!r} -> {text!r}")
    assert problems == [], "\n".join(problems)


def test_no_message_is_defined_twice_in_the_catalog():
    """Entries are appended by hand and merged by git; babel keeps the last of two definitions
    of a message without a word (msgfmt -c refuses the file)."""
    keys: list[tuple[str | None, str]] = []
    context: str | None = None
    lines = PO.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.startswith("msgctxt "):
            context = line[len("msgctxt ") :]
        elif line.startswith("msgid "):
            text = [line[len("msgid ") :]]
            text += itertools.takewhile(lambda more: more.startswith('"'), lines[number + 1 :])
            keys.append((context, "".join(text)))
            context = None
    assert [key for key, count in collections.Counter(keys).items() if count > 1] == []


def test_the_catalog_is_not_fuzzy_and_has_a_plural_rule():
    catalog = _catalog()
    assert not catalog.fuzzy
    assert catalog.num_plurals == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh", "zh"),
        ("zh_CN.UTF-8", "zh"),
        ("zh-Hans", "zh"),
        ("zh_TW", "zh"),
        ("ZH_cn", "zh"),
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("C.UTF-8", None),
        ("fr_FR", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize(value, expected):
    assert i18n.normalize(value) == expected


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--lang", "zh", "tier", "list"], {}, "zh"),
        (["--lang=zh", "tier", "list"], {"MEMBERCTL_LANG": "en"}, "zh"),
        (["--db", "x.db", "--lang", "zh", "tier"], {}, "zh"),
        (["--lang", "en", "tier"], {"LANG": "zh_CN.UTF-8"}, "en"),
        # after the subcommand, --lang is the subcommand's own (export members --lang)
        (["export", "members", "f.xlsx", "--lang", "zh"], {}, "en"),
        (["tier", "list"], {"MEMBERCTL_LANG": "zh"}, "zh"),
        (["tier", "list"], {"MEMBERCTL_LANG": "xx", "LANG": "zh_CN.UTF-8"}, "zh"),
        (["tier", "list"], {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        (["tier", "list"], {"LC_ALL": "", "LC_MESSAGES": "zh_TW", "LANG": "en_US"}, "zh"),
        (["tier", "list"], {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        (["tier", "list"], {"LANG": "de_DE.UTF-8"}, "en"),
        ([], {}, "en"),
    ],
)
def test_choose(argv, env, expected):
    assert i18n.choose(argv, env) == expected


def _with_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, mo: bool) -> Path:
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "memberctl.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(PO.read_bytes())
    if mo:
        from babel.messages.mofile import write_mo

        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, _catalog())
    monkeypatch.setitem(i18n.CATALOGS, "zh", po)
    return po


def test_the_compiled_catalog_is_read(tmp_path, monkeypatch):
    _with_catalog(tmp_path, monkeypatch, mo=True)
    assert i18n.load("zh").gettext("Never prompt.") == "从不询问。"


def test_without_a_compiled_catalog_the_po_is_compiled_in_memory(tmp_path, monkeypatch):
    po = _with_catalog(tmp_path, monkeypatch, mo=False)
    assert i18n.load("zh").gettext("Never prompt.") == "从不询问。"
    assert not po.with_suffix(".mo").exists()


def test_without_a_catalog_or_babel_messages_stay_english(tmp_path, monkeypatch):
    _with_catalog(tmp_path, monkeypatch, mo=False)
    monkeypatch.setattr(i18n, "_compiled_in_memory", lambda _po: None)
    assert i18n.load("zh").gettext("Never prompt.") == "Never prompt."
    monkeypatch.setitem(i18n.CATALOGS, "zh", tmp_path / "nowhere" / "memberctl.po")
    assert i18n.load("zh").gettext("Never prompt.") == "Never prompt."


def test_a_broken_catalog_never_breaks_a_command(tmp_path, monkeypatch):
    po = _with_catalog(tmp_path, monkeypatch, mo=False)
    po.with_suffix(".mo").write_bytes(b"not a catalog")
    po.write_bytes(b"")
    os.utime(po, (0, 0))  # older than the .mo: the broken .mo is tried, then English
    assert i18n.load("zh").gettext("Never prompt.") == "Never prompt."
