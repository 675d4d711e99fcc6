"""What memberctl takes from Typer's private parts (memberctl/cli/_framework.py), pinned.

Every behaviour _framework patches or reads runs here through the real CLI, in English and in
Chinese, and is compared whole (a help line with its runs of spaces collapsed, since the column
widths follow the longest option): a Typer release that renames a click message, moves a help
word or drops a private name fails here, naming the case. The language is fixed when memberctl.cli
is imported, so each language is one child process running every case with CliRunner.
(The current context, the one private name not pinned here, is pinned by the tier names in a
Chinese table: tests/i18n/test_words.py.)

And only _framework may touch those parts: ruff bans `typer._click` elsewhere, and the test at
the end also catches private Typer names and patched Typer classes anywhere else in memberctl.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from typing import Annotated
import typer
from typer.testing import CliRunner
from memberctl.cli import app
from memberctl.cli._errors import ErrorBoundary

# No memberctl command has a required option or a two-value one: click's messages for them,
# through memberctl's own error boundary.
toy = typer.Typer(cls=ErrorBoundary, name="toy", pretty_exceptions_enable=False)

@toy.callback()
def root() -> None: ...

@toy.command()
def need(
    name: Annotated[str, typer.Option()],
    pair: Annotated[tuple[int, int], typer.Option()] = (0, 0),
) -> None: ...

out = {}
for case, (args, env) in json.load(sys.stdin).items():
    program = toy if args[:1] == ["toy"] else app
    result = CliRunner(env=env).invoke(program, args[1:] if program is toy else args)
    out[case] = [result.exit_code, result.stdout, result.stderr]
json.dump(out, sys.stdout, ensure_ascii=False)
"""

# case: (arguments, English line on stderr, Chinese line on stderr); each exits 2, stdout empty
ERRORS: dict[str, tuple[list[str], str, str]] = {
    "missing-argument": (
        ["member", "show"],
        "error: Missing argument 'REF'. (see 'memberctl member show --help')",
        "错误：缺少参数 'REF'。（参见 'memberctl member show --help'）",
    ),
    "extra-argument": (
        ["member", "show", "A", "B"],
        "error: Got unexpected extra argument(s) (B) (see 'memberctl member show --help')",
        "错误：多余的参数（B）（参见 'memberctl member show --help'）",
    ),
    "no-such-option": (
        ["member", "list", "--bogus"],
        "error: No such option: --bogus (see 'memberctl member list --help')",
        "错误：没有选项 --bogus（参见 'memberctl member list --help'）",
    ),
    "no-such-option-with-a-guess": (
        ["member", "list", "--limt", "3"],
        "error: No such option: --limt (Possible options: --limit) "
        "(see 'memberctl member list --help')",
        "错误：没有选项 --limt（是不是：--limit）（参见 'memberctl member list --help'）",
    ),
    "option-needs-a-value": (
        ["member", "list", "--limit"],
        "error: Option '--limit' requires an argument.",
        "错误：选项 '--limit' 需要一个值。",
    ),
    "flag-takes-no-value": (
        ["--no-input=yes", "tier", "list"],
        "error: Option '--no-input' does not take a value.",
        "错误：选项 '--no-input' 不接受值。",
    ),
    "missing-option": (
        ["toy", "need"],
        "error: Missing option '--name'. (see 'toy need --help')",
        "错误：缺少选项 '--name'。（参见 'toy need --help'）",
    ),
    "option-needs-two-values": (
        ["toy", "need", "--name", "x", "--pair", "1"],
        "error: Option '--pair' requires 2 arguments.",
        "错误：选项 '--pair' 需要 2 个值。",
    ),
    "bad-integer": (
        ["member", "list", "--limit", "abc"],
        "error: Invalid value for '--limit': Input should be a valid integer, unable to parse "
        "string as an integer (see 'memberctl member list --help')",
        "错误：'--limit' 的值无效：请填写整数（参见 'memberctl member list --help'）",
    ),
    "bad-number": (
        ["report", "upgrades", "--within", "x"],
        "error: Invalid value for '--within': Input should be a valid number, unable to parse "
        "string as a number (see 'memberctl report upgrades --help')",
        "错误：'--within' 的值无效：请填写数字（参见 'memberctl report upgrades --help'）",
    ),
    "too-small": (
        ["member", "list", "--limit", "0"],
        "error: Invalid value for '--limit': Input should be greater than or equal to 1 "
        "(see 'memberctl member list --help')",
        "错误：'--limit' 的值无效：请填写 1 或更大的数（参见 'memberctl member list --help'）",
    ),
    "too-large": (
        ["report", "growth", "--months", "601"],
        "error: Invalid value for '--months': Input should be less than or equal to 600 "
        "(see 'memberctl report growth --help')",
        "错误：'--months' 的值无效：请填写 600 或更小的数（参见 'memberctl report growth --help'）",
    ),
    "invalid-choice": (
        ["tier", "list", "--format", "bogus"],
        "error: Invalid value for '--format' / '-f': Value error, 'bogus' is not one of "
        "'table', 'json', 'csv'. (see 'memberctl tier list --help')",
        "错误：'--format' / '-f' 的值无效：'bogus' 不是以下之一：'table', 'json', 'csv'"
        "（参见 'memberctl tier list --help'）",
    ),
    "bad-date": (
        ["report", "growth", "--as-of", "nope"],
        "error: Invalid value for '--as-of': Value error, 'nope' does not match the formats "
        "'%Y-%m-%d'. (see 'memberctl report growth --help')",
        "错误：'--as-of' 的值无效：'nope' 不是 '%Y-%m-%d' 格式的日期"
        "（参见 'memberctl report growth --help'）",
    ),
    "a-hint-as-given": (
        ["--lang", "fr", "tier", "list"],
        "error: Invalid value for --lang: use en or zh (see 'memberctl --help')",
        "错误：--lang 的值无效：请使用 en 或 zh（参见 'memberctl --help'）",
    ),
    "no-such-command": (
        ["report", "nope"],
        "error: No such command 'nope'. (see 'memberctl report --help')",
        "错误：没有命令 'nope'。（参见 'memberctl report --help'）",
    ),
    "no-such-command-with-a-guess": (
        ["member", "lst"],
        "error: No such command 'lst'. Did you mean 'list'? (see 'memberctl member --help')",
        "错误：没有命令 'lst'；是不是 'list'？（参见 'memberctl member --help'）",
    ),
    # ParameterSource: an option typed without a command is a usage error ...
    "options-without-a-command": (
        ["--operator", "x"],
        "error: Missing command. (see 'memberctl --help')",
        "错误：缺少命令。（参见 'memberctl --help'）",
    ),
}
# ... while one from the environment is not (help, as for no arguments): see NO_COMMAND.
ENV_VAR_ERROR = (
    "error: Invalid value for '--db' (env var: 'MEMBERCTL_DB'): it is empty: give a SQLite file "
    "path or a database URL, or leave --db out to use the default database "
    "(see 'memberctl --help')",
    "错误：'--db'（环境变量 MEMBERCTL_DB） 的值无效：值为空：请给出 SQLite 文件路径或数据库 URL，"
    "或不写 --db 以使用默认数据库（参见 'memberctl --help'）",
)

# no_args_is_help: a group without its command prints its help and exits 2
NO_COMMAND: dict[str, tuple[list[str], dict[str, str], str, str]] = {
    "memberctl-alone": (
        [], {}, "Usage: memberctl [OPTIONS] COMMAND [ARGS]...",
        "用法：memberctl [OPTIONS] COMMAND [ARGS]...",
    ),
    "an-option-from-the-environment": (
        [], {"MEMBERCTL_OPERATOR": "x"}, "Usage: memberctl [OPTIONS] COMMAND [ARGS]...",
        "用法：memberctl [OPTIONS] COMMAND [ARGS]...",
    ),
    "a-group-alone": (
        ["member"], {}, "Usage: memberctl member [OPTIONS] COMMAND [ARGS]...",
        "用法：memberctl member [OPTIONS] COMMAND [ARGS]...",
    ),
}  # fmt: skip

# --help: (arguments, the whole English line, the whole Chinese line)
HELP: dict[str, tuple[list[str], str, str]] = {
    "usage-line": (
        ["member", "show", "--help"],
        "Usage: memberctl member show [OPTIONS] {REF}",
        "用法：memberctl member show [OPTIONS] {REF}",
    ),
    "help-option": (
        ["member", "list", "--help"],
        "│ --help -h Show this message and exit. │",
        "│ --help -h 显示此帮助并退出。 │",
    ),
    "short-help-option": (
        ["member", "list", "-h"],
        "│ --help -h Show this message and exit. │",
        "│ --help -h 显示此帮助并退出。 │",
    ),
    "options-panel": (["member", "list", "--help"], "╭─ Options ─╮", "╭─ 选项 ─╮"),
    "arguments-panel": (["member", "show", "--help"], "╭─ Arguments ─╮", "╭─ 参数 ─╮"),
    "commands-panel": (["member", "--help"], "╭─ Commands ─╮", "╭─ 命令 ─╮"),
    "default": (
        ["member", "list", "--help"],
        "│ --format -f <table|json|csv> Output: table (default), json or csv. [default: table] │",
        "│ --format -f <table|json|csv> 输出：table（默认）、json 或 csv。 [默认：table] │",
    ),
    "env-var": (
        ["--help"],
        "│ --no-input Never prompt. [env var: MEMBERCTL_NO_INPUT] │",
        "│ --no-input 从不询问。 [环境变量：MEMBERCTL_NO_INPUT] │",
    ),
    "install-completion": (
        ["--help"],
        "│ --install-completion Install completion for the current shell. │",
        "│ --install-completion 为当前 shell 安装命令补全。 │",
    ),
    "show-completion": (
        ["--help"],
        "│ --show-completion Show completion for the current shell, to copy it or │",
        "│ --show-completion 显示当前 shell 的补全脚本，便于复制或自定义安装。 │",
    ),
}


def _cases(db: str) -> dict[str, tuple[list[str], dict[str, str | None]]]:
    env: dict[str, str | None] = {"MEMBERCTL_DB": db, "MEMBERCTL_NO_INPUT": "1"}
    cases = {f"error {k}": (args, env) for k, (args, _en, _zh) in ERRORS.items()}
    cases["error env-var"] = (["--db", "", "tier", "list"], env)
    cases |= {f"alone {k}": (args, {**env, **more}) for k, (args, more, *_) in NO_COMMAND.items()}
    cases |= {f"help {k}": (case[0], env) for k, case in HELP.items()}
    return cases


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("framework") / "never-created.db"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a default database would go, should a case ever reach one."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def outputs(db: Path, home: Path) -> dict[str, dict[str, list[Any]]]:
    """{language: {case: [exit code, stdout, stderr]}}, each language from one child process."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "LC_", "LANG"))}
    found = {}
    for language in ("en", "zh"):
        env = {
            **keep,
            "MEMBERCTL_LANG": language,
            "COLUMNS": "100",
            "TERMINAL_WIDTH": "100",
            "NO_COLOR": "1",
            "MEMBERCTL_OPERATOR": "tester",
            "HOME": str(home),
            "XDG_DATA_HOME": str(home),
        }
        child = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=json.dumps(_cases(str(db))),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=ROOT,
            timeout=300,
            check=True,
        )
        found[language] = json.loads(child.stdout)
    return found


def _collapsed(line: str) -> str:
    return re.sub("─+", "─", " ".join(line.split()))


@pytest.mark.parametrize("case", ERRORS)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_click_error_is_one_line_in_each_language(outputs, db, case, language):
    expected = ERRORS[case][1 if language == "en" else 2]

    code, stdout, stderr = outputs[language][f"error {case}"]

    assert (code, stdout, stderr) == (2, "", expected + "\n")
    assert not db.exists()  # refused while parsing: no database was touched


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_option_with_its_env_var_is_named_whole(outputs, language):
    expected = ENV_VAR_ERROR[0 if language == "en" else 1]

    assert outputs[language]["error env-var"] == [2, "", expected + "\n"]


@pytest.mark.parametrize("case", NO_COMMAND)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_command_shows_the_help_as_a_usage_error(outputs, case, language):
    expected = NO_COMMAND[case][2 if language == "en" else 3]

    code, stdout, stderr = outputs[language][f"alone {case}"]

    assert (code, stderr) == (2, "")
    first = next(line for line in stdout.splitlines() if line.strip())
    assert _collapsed(first) == expected


@pytest.mark.parametrize("case", HELP)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_help_word_in_each_language(outputs, case, language):
    expected = HELP[case][1 if language == "en" else 2]

    code, stdout, stderr = outputs[language][f"help {case}"]

    assert (code, stderr) == (0, "")
    assert expected in [_collapsed(line) for line in stdout.splitlines()], stdout


# --- only _framework touches the private parts -------------------------------------------------

FRAMEWORK = ROOT / "memberctl" / "cli" / "_framework.py"
TYPER = ("typer", "click")


def _private(dotted: str) -> bool:
    return dotted.split(".")[0] in TYPER and any(
        part.startswith("_") and not part.startswith("__") for part in dotted.split(".")
    )


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """`rich_utils.X` -> "typer.rich_utils.X" when `rich_utils` came from typer; else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in bound:
        return ".".join([bound[node.id], *parts])
    return None


def _imports(tree: ast.AST) -> tuple[dict[str, str], list[str]]:
    """The names bound to Typer/click objects ({"rich_utils": "typer.rich_utils"}), and each
    import of a private one."""
    bound: dict[str, str] = {}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in TYPER:
                    bound[(alias.asname or alias.name).split(".")[0]] = alias.name.split(".")[0]
                found += [f"import {alias.name}"] if _private(alias.name) else []
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in TYPER:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                bound[alias.asname or alias.name] = dotted
                found += [f"from {node.module} import {alias.name}"] if _private(dotted) else []
    return bound, found


def _touches(node: ast.AST, bound: dict[str, str]) -> list[str]:
    """A private name read, an attribute of a Typer/click object assigned or set by name."""
    if isinstance(node, ast.Attribute) and _private(_dotted(node, bound) or ""):
        return [str(_dotted(node, bound))]
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        dotted = [_dotted(t, bound) for t in targets if isinstance(t, ast.Attribute)]
        return [f"{name} = ..." for name in dotted if name]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        if node.func.id in {"setattr", "getattr", "delattr"} and _dotted(node.args[0], bound):
            return [f"{node.func.id}({_dotted(node.args[0], bound)}, ...)"]
    return []


def trespasses(source: str) -> list[str]:
    """Each private Typer/click name used, and each Typer/click object patched, in `source`."""
    tree = ast.parse(source)
    bound, found = _imports(tree)
    for node in ast.walk(tree):
        found += _touches(node, bound)
    return sorted(set(found))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from typer._click.core import Command", ["from typer._click.core import Command"]),
        ("from typer import _click", ["from typer import _click"]),
        ("import typer\nx = typer._click.core", ["typer._click", "typer._click.core"]),
        ("from typer import completion\ncompletion._install", ["typer.completion._install"]),
        ("from typer import rich_utils\nrich_utils.X = 'y'", ["typer.rich_utils.X = ..."]),
        (
            "from typer import rich_utils\nsetattr(rich_utils, 'X', 1)",
            ["setattr(typer.rich_utils, ...)"],
        ),
        (
            "from typer.core import TyperGroup\nTyperGroup.main = f",
            ["typer.core.TyperGroup.main = ..."],
        ),
        ("import typer\nclass G(typer.core.TyperGroup):\n    debug = False", []),
        ("import typer\nctx: typer.Context\nctx.obj = 1\nx = typer.__version__", []),
        ("import signal\ngetattr(signal, 'SIGHUP')", []),
    ],
)
def test_the_trespass_check_sees_each_kind(source, expected):
    assert trespasses(source) == expected


def test_only_this_module_touches_the_private_parts():
    found = {
        str(path.relative_to(ROOT)): trespasses(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "memberctl").rglob("*.py"))
        if path != FRAMEWORK
    }

    assert {path: names for path, names in found.items() if names} == {}
    assert trespasses(FRAMEWORK.read_text(encoding="utf-8"))  # it does, and it is seen


def test_no_help_shows_a_python_type_name() -> None:
    """The help's type column: flags and arguments show none, values click's words (TEXT,
    INTEGER, PATH), never Typer's <bool>, <str> or <list[str]>."""
    import typer
    from typer.main import get_command

    from memberctl.cli import app

    shown: dict[str, set[str]] = {}

    def walk(command: object, path: str) -> None:
        for name in getattr(command, "list_commands", lambda _: [])(None):
            walk(command.get_command(None, name), f"{path} {name}".strip())  # type: ignore[attr-defined]
        for param in command.params:  # type: ignore[attr-defined]
            text = param.display_type_rich(typer.Context(command))  # type: ignore[arg-type]
            shown.setdefault(str(text), set()).add(f"{path} {param.name}")

    walk(get_command(app), "")
    python = {t: sorted(where)[:3] for t, where in shown.items() if "[" in t or t in PYTHON}
    assert python == {}
    assert {"TEXT", "INTEGER", "None"} <= set(shown)


PYTHON = {"<bool>", "<str>", "<int>", "<float>", "<path>", "<int range>", "<float range>"}
