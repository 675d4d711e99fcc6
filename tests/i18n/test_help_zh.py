"""`--help` in Chinese: every command's and every option's help text is translated.

The help texts are built when memberctl.cli is imported, so the Chinese ones are read in a
child process; the English ones are this (English) test process's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from typer.main import get_command

from memberctl.cli import app

CHILD = """
import json, sys
from typer.main import get_command
from memberctl.cli import app
sys.path.insert(0, {root!r})
from tests.i18n.test_help_zh import help_texts
json.dump(help_texts(get_command(app)), sys.stdout, ensure_ascii=False)
"""
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def help_texts(command, path=()):
    """{"member enroll": {"": command help, "--name": option help, ...}, ...} for every command."""
    texts = {"": command.help or ""}
    for param in command.params:
        texts[param.opts[0] if param.opts else param.name] = getattr(param, "help", None) or ""
    found = {" ".join(path): texts}
    for name, sub in getattr(command, "commands", {}).items():
        found.update(help_texts(sub, (*path, name)))
    return found


def _child(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "LC_"))}
    clean.update({"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1", **env})
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean,
        cwd=ROOT,
        timeout=120,
        check=True,
    )


def _english_words(text: str) -> bool:
    """Prose, not just option names, codes, examples or placeholders."""
    prose = re.sub(r"--?[\w-]+|\{\w+\}|`[^`]*`|\"[^\"]*\"|\w+\.\w+|\w*_\w*", "", text)
    return len(re.findall(r"\b[a-zA-Z]{4,}\b", prose)) >= 2


def test_every_help_text_is_translated():
    english = help_texts(get_command(app))
    chinese = json.loads(_child("-c", CHILD.format(root=ROOT), MEMBERCTL_LANG="zh").stdout)

    assert chinese.keys() == english.keys()
    untranslated = [
        f"memberctl {path} {param}: {text!r}"
        for path, texts in english.items()
        for param, text in texts.items()
        if text and _english_words(text) and chinese[path][param] == text
    ]
    assert untranslated == []


def test_the_rendered_help_is_chinese_words_and_all():
    result = _child("-m", "memberctl", "member", "enroll", "--help", MEMBERCTL_LANG="zh")

    assert "新会员入会" in result.stdout
    assert "选项" in result.stdout and "显示此帮助并退出" in result.stdout
    assert "Options" not in result.stdout and "Show this message" not in result.stdout


def test_the_root_help_is_chinese_with_lang_before_the_command():
    result = _child("-m", "memberctl", "--lang", "zh", "--help")

    assert "会员管理" in result.stdout and "命令" in result.stdout
