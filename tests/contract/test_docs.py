"""The README and docs/ stay true to the code (sqlite-utils' test_docs.py): the cog-generated CLI
reference in docs/cli.md is current, every command is also mentioned in the hand-written pages,
the README keeps what a newcomer needs and links every page, links between pages resolve, and
the README's tour of a shop day runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from memberctl.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLI_PAGE = DOCS / "cli.md"
COG_START = "<!-- [[[cog"
COG_END = "<!-- [[[end]]] -->"
PAGES = sorted(DOCS.glob("*.md"))


def _walk(command, path=()):
    """Every command and group, nested groups included, as click itself lists them."""
    yield path, command
    for name in command.list_commands(None) if hasattr(command, "list_commands") else ():
        yield from _walk(command.get_command(None, name), (*path, name))


TREE = list(_walk(get_command(app)))
COMMAND_PATHS = [path for path, _ in TREE if path]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _reference() -> str:
    text = _text(CLI_PAGE)
    return text[text.index(COG_START) : text.index(COG_END)]


def _prose() -> str:
    """README and every docs page without the generated reference, so a mention there does not
    count."""
    parts = [_text(README)] + [_text(page) for page in PAGES if page != CLI_PAGE]
    cli = _text(CLI_PAGE)
    parts.append(cli[: cli.index(COG_START)] + cli[cli.index(COG_END) :])
    return "\n".join(parts)


def _section(text: str, heading: str) -> str:
    """The body under a Markdown heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(rf"\n#{{1,{len(level)}}} ", text[start:])
    return text[start : start + following.start()] if following else text[start:]


def _cog_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cogapp",
            "--check",
            "--diff",
            "--check-fail-msg=run `python -m cogapp -r docs/cli.md` to refresh the CLI reference",
            "docs/cli.md",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_reference_is_current():
    result = _cog_check(dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_reference_does_not_depend_on_the_terminal_or_settings():
    """A narrow coloured terminal, another locale and MEMBERCTL_* settings change nothing."""
    env = {
        **os.environ,
        "COLUMNS": "40",
        "TERMINAL_WIDTH": "200",
        "FORCE_COLOR": "1",
        "GITHUB_ACTIONS": "true",
        "LANG": "zh_CN.UTF-8",
        "MEMBERCTL_DB": "/elsewhere/x.db",
        "MEMBERCTL_OPERATOR": "someone",
        "MEMBERCTL_NO_INPUT": "1",
    }
    result = _cog_check(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_reference_has_no_machine_specific_text():
    reference = _reference()
    for needle in (str(ROOT), str(Path.home()), sys.executable, "\x1b["):
        assert needle not in reference, f"{needle!r} in the generated CLI reference"


def test_the_readme_holds_no_generated_reference():
    """The reference lives in docs/cli.md alone: a second copy in the README would drift."""
    assert COG_START not in _text(README)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_is_mentioned_in_the_docs(path):
    name = " ".join(path)
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", _prose()), (
        f"neither README.md nor docs/*.md mentions `{name}` outside the generated reference"
    )


@pytest.mark.parametrize(
    ("path", "group"),
    [(p, c) for p, c in TREE if hasattr(c, "commands")],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_no_group_reaches_commands_it_does_not_list(path, group):
    """A command reachable only through a group's own routing (as `member note resolve` was) is
    missing from --help, the reference and this walk: groups resolve commands the standard way."""
    from typer.core import TyperGroup

    for method in ("resolve_command", "get_command", "list_commands"):
        assert getattr(type(group), method) is getattr(TyperGroup, method), (
            f"memberctl {' '.join(path)}: {type(group).__name__}.{method} is overridden"
        )


def test_nested_commands_are_walked():
    assert ("member", "notes", "resolve") in COMMAND_PATHS


def test_every_command_has_a_reference_section():
    reference = _reference()
    for path in COMMAND_PATHS:
        assert f"\n## `memberctl {' '.join(path)}`\n" in reference, (
            f"run `python -m cogapp -r docs/cli.md` ({path})"
        )


def test_the_readme_keeps_what_a_newcomer_needs():
    readme = _text(README)
    setup = _section(readme, "## Set-up")
    assert "pip install . && memberctl import members samples/members.xlsx" in setup
    assert "```bash\npip install -e '.[test]' && pytest\n```" in setup  # CI runs this command
    headings = (
        "## A shop day / 店里的一天",
        "### Exit codes",
        "## Where to read more",
        "## Measured",
    )
    for heading in headings:
        assert f"\n{heading}\n" in readme, heading


def test_the_exit_codes_table_lists_every_code_the_code_uses():
    from memberctl import errors
    from memberctl.db import engine

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    assert engine  # imported for its error class (exit 6), which lives beside the engine
    used = {0} | {cls.exit_code for cls in subclasses(errors.MemberctlError)}
    table = _section(_text(README), "### Exit codes")
    documented = {int(code) for code in re.findall(r"^\| (\d) \|", table, re.MULTILINE)}
    assert used <= documented and documented == set(range(7)), (used, documented)


def test_the_readme_links_every_docs_page():
    more = _section(_text(README), "## Where to read more")
    links = set(re.findall(r"\]\(docs/([\w-]+\.md)(?:#[\w-]+)?\)", more))
    assert links == {page.name for page in PAGES}


def _slug(heading: str) -> str:
    """The anchor Python-Markdown's toc (and so mkdocs) gives a heading: folded to ASCII first,
    so Chinese words drop out ("收银 / Checkout" -> "checkout")."""
    folded = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", folded.replace("`", "")).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", _text(page), flags=re.DOTALL)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_links_between_pages_resolve(page):
    """Every relative link names a file that exists and, with #anchor, a heading in it (mkdocs
    checks the same for docs/ in CI; this also covers the README)."""
    text = re.sub(r"```.*?```", "", _text(page), flags=re.DOTALL)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        assert linked.exists(), f"{page.name}: {target} does not exist"
        if anchor:
            assert anchor in _anchors(linked), f"{page.name}: no heading #{anchor} in {file}"


def _tour() -> list[list[str]]:
    block = _section(_text(README), "## A shop day / 店里的一天")
    commands = re.search(r"```bash\n(.*?)```", block, re.DOTALL)
    assert commands, "the tour has no ```bash block"
    lines = [shlex.split(line, comments=True) for line in commands.group(1).splitlines()]
    return [words for words in lines if words]


def test_the_tour_of_a_shop_day_runs(run, tmp_path, monkeypatch):
    """Each command of the README's tour, in order, on a new database, as a new owner runs them
    from the project folder (the sample sheet is copied, so its errors file lands in tmp)."""
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    tour = _tour()
    assert len(tour) >= 10
    for words in tour:
        assert words[0] == "memberctl", words
        result = run(*words[1:])
        assert result.exit_code == 0, (words, result.stdout, result.stderr)


def _nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists (read as text: the test needs no mkdocs or YAML)."""
    config = _text(ROOT / "mkdocs.yml")
    nav = config[config.index("\nnav:\n") :]
    return re.findall(r"^\s+- (?:[^\n]*: )?([\w/-]+\.md)\s*$", nav, re.MULTILINE)


def test_every_docs_page_is_in_the_site_nav():
    """A page left out of the nav is unreachable on the site (mkdocs --strict fails on it in CI;
    this says so without installing mkdocs)."""
    nav = _nav_pages()
    assert sorted(nav) == sorted(page.name for page in PAGES)
    assert len(nav) == len(set(nav)), "a page is listed twice"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_included_sections_exist(page):
    """`--8<-- "FILE:NAME"` (pymdownx.snippets) includes the lines between FILE's
    `--8<-- [start:NAME]` and `--8<-- [end:NAME]` markers: both must be there, in order."""
    for file, name in re.findall(r'^--8<-- "([^":]+):([\w-]+)"$', _text(page), re.MULTILINE):
        text = _text(ROOT / file)
        start, end = f"--8<-- [start:{name}]", f"--8<-- [end:{name}]"
        assert start in text and end in text, f"{page.name}: no section {name} in {file}"
        assert text.index(start) < text.index(end)


def _keys(text: str) -> dict[str, Any]:
    """`a, b {c, d}, e [{f}]` -> {"a": None, "b": {"c": None, "d": None}, "e": {"f": None}}: the
    documented keys of a JSON object, nested objects and arrays of objects included."""
    keys: dict[str, Any] = {}
    tokens = re.findall(r"[\w]+|[{}\[\],]", text)
    stack = [keys]
    last = ""
    for token in tokens:
        if token == "{":
            stack[-1][last] = stack[-1].get(last) or {}
            stack.append(stack[-1][last])
        elif token == "}":
            stack.pop()
        elif token not in ("[", "]", ","):
            stack[-1][token] = None
            last = token
    return keys


def _documented_json() -> list[tuple[list[str], bool, dict[str, Any]]]:
    """(command, is an array, keys) for each row of the ledgers' JSON table."""
    page = _text(DOCS / "points-purchases-wallet.md")
    rows = re.findall(r"^\| (`.+?) \| (.+) \|$", _section(page, "## JSON results"), re.MULTILINE)
    documented = []
    for names, cell in rows:
        group = ""
        spans = re.findall(r"`([^`]+)`", cell)
        is_array = cell.startswith("array of")  # `array of {a, b}`: the keys of each element
        if is_array:
            keys = _keys(spans[0].strip("{}"))
        else:  # backticked key lists; a bare `[{...}]` is an aside on one of them
            keys = _keys(", ".join(s for s in spans if not s.startswith(("[", "{"))))
        for name in re.findall(r"`([^`]+)`", names):
            words = name.split()
            group = words[0] if len(words) > 1 else group
            documented.append(([group, words[-1]], is_array, keys))
    return documented


def _compare(path: str, documented: dict[str, Any], actual: Any) -> None:
    assert isinstance(actual, dict), (path, actual)
    assert set(actual) == set(documented), (path, sorted(actual), sorted(documented))
    for key, nested in documented.items():
        value = actual[key]
        if nested is None or value is None or value == []:
            continue
        for item in value if isinstance(value, list) else [value]:
            _compare(f"{path}.{key}", nested, item)


def test_the_documented_json_keys_are_what_the_commands_print(run):
    """docs/points-purchases-wallet.md's JSON table, command by command, against real output:
    the same keys at every level the output fills in."""
    run.json("member", "enroll", "--name", "张三", "--phone", "13800138000")
    arguments = {
        ("points", "add"): ["M000001", "100", "--reason", "gift"],
        ("points", "deduct"): ["M000001", "10", "--reason", "gift"],
        ("purchase", "record"): ["M000001", "100.00", "--order-no", "A1"],
        ("purchase", "refund"): ["A1"],
        ("wallet", "topup"): ["M000001", "100", "--bonus", "5"],
        ("wallet", "pay"): ["M000001", "10"],
        ("wallet", "refund"): ["M000001", "5"],
    }
    documented = _documented_json()
    assert len(documented) == 13
    for command, is_array, keys in documented:
        per_member = command[0] in ("points", "wallet") and command[1] != "expire"
        args = arguments.get((command[0], command[1]), ["M000001"] if per_member else [])
        actual = run.json(*command, *args)
        for item in actual if is_array else [actual]:
            _compare(" ".join(command), keys, item)


# JSON keys written in the prose of a page: (page, the words as the page has them, the command
# that prints them, whether it prints an array of such objects)
PROSE_JSON = [
    (
        "campaigns-coupons-nightly.md",
        "`-f json` prints exactly `campaign, period, targeted, awarded, already_awarded, points, "
        "coupons, dry_run`",
        ["campaign", "run", "wake-up-coupon", "--dry-run"],
        False,
    ),
    (
        "campaigns-coupons-nightly.md",
        "`{as_of, expired: {entries, points, members}, tiers: {evaluated, upgrades, downgrades, "
        "in_grace, kept}, campaigns: [run results], ok, errors: [{step, message}], backup, "
        "checkpoint}`",
        ["nightly"],
        False,
    ),
    ("segments.md", "# {name, expr, count, sample}", ["segment", "show", "vip"], False),
    (
        "members.md",
        "(JSON: `id, member_no, kind, text, operator, at, status, resolved_at, resolved_by, "
        "resolution`)",
        ["member", "notes"],
        True,
    ),
    (
        "spreadsheets.md",
        "`-f json` prints `{inserted, updated, skipped, rejected, would_insert, would_update, "
        "dry_run, errors: [{row, column, value, message}], header_row, total_rows: [row...]}`",
        ["import", "members", "new.csv", "--dry-run", "--skip-invalid"],
        False,
    ),
    (
        "spreadsheets.md",
        "(`-f json` keys: `run, file, at, operator, kind, inserted, updated, rejected, undone, "
        "undone_at, undone_by`)",
        ["import", "runs"],
        True,
    ),
    (
        "spreadsheets.md",
        "`-f json`: `{run, kind, file, dry_run, already_undone, removed, restored, members: "
        "[{member_no, action, fields}]}`",
        ["import", "undo", "1", "--dry-run"],
        False,
    ),
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_json_keys_in_the_prose_are_what_the_commands_print(run, tmp_path, monkeypatch):
    """Key lists written into the pages' prose, each against the command's real output."""
    monkeypatch.chdir(tmp_path)
    Path("new.csv").write_text(
        "姓名,手机号,积分\n李四,13900139000,1.5\n王五,13700137000,3\n", "utf-8"
    )
    Path("old.csv").write_text("姓名,手机号\n张三,13800138000\n", "utf-8")
    campaign = str(ROOT / "templates" / "campaigns" / "wake-up-coupon.toml")
    setups = [
        ["member", "enroll", "--name", "赵六", "--phone", "13600136000"],
        ["member", "note", "M000001", "slow service", "--kind", "complaint"],
        ["import", "members", "old.csv"],  # run 1, which `import undo 1 --dry-run` takes back
        ["segment", "save", "vip", "tag = vip"],
        ["campaign", "add", campaign],
    ]
    for setup in setups:
        assert run(*setup).exit_code == 0, setup
    for page, words, command, is_array in PROSE_JSON:
        assert _flat(words) in _flat(_text(DOCS / page)), f"{page} no longer says {words}"
        spans = re.findall(r"`([^`]+)`", words)  # the last one lists the keys
        listed = re.sub(r"\[(run results|row\.\.\.)\]", "", spans[-1] if spans else words[2:])
        keys = _keys(listed.strip("{}"))
        actual = run.json(*command)
        for item in actual if is_array else [actual]:
            _compare(" ".join(command[:2]), keys, item)


def _report_keys(cell: str) -> set[str]:
    """The keys a row of the reports table names: `key`, `{key, key, ...}` and `prefix_*`."""
    keys: set[str] = set()
    for span in re.findall(r"`([^`]+)`", cell):
        if span.startswith("{"):
            keys |= set(re.findall(r"\w+", span))
        elif re.fullmatch(r"[a-z][a-z0-9_]*\*?", span):
            keys.add(span)
    return keys


def test_the_report_keys_in_the_docs_are_in_the_output(run):
    """Each key docs/reports.md names for a report is in its JSON (the table names the keys that
    matter, not every key: a subset)."""
    member = ["--name", "张三", "--phone", "13800138000", "--birthday", "1990-11-03"]
    run.json("member", "enroll", *member, "--joined-at", "2026-01-01T10:00")
    run.json("purchase", "record", "M000001", "900.00", "--at", "2026-10-10T10:00")
    referred = ["--name", "李四", "--phone", "13800138001", "--referrer", "M000001"]
    run.json("member", "enroll", *referred, "--joined-at", "2026-02-01T10:00")
    run.json("campaign", "add", str(ROOT / "templates" / "campaigns" / "wake-up-coupon.toml"))
    page = _text(DOCS / "reports.md")
    rows = re.findall(r"^\| `report (\w+)([^`]*)` \| (.+) \|$", page, re.MULTILINE)
    assert len(rows) == 16
    checked = 0
    for name, options, cell in rows:
        keys = _report_keys(cell)
        if not keys or name == "forecast" or "--model" in options:
            continue  # a model needs 30 repeat buyers: tests/cli/test_report_forecast.py
        code = ["wake-up-coupon"] if name == "campaign" else []
        result = run.json("report", name, *code, "--as-of", "2026-11-25")
        assert result, f"report {name} printed nothing to check the keys against"
        actual = set(result if isinstance(result, dict) else result[0])
        for value in result.values() if isinstance(result, dict) else ():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                actual |= set(value[0])  # an object report's lists: their rows' keys
        for key in keys:
            found = (
                any(a.startswith(key[:-1]) for a in actual) if key.endswith("*") else key in actual
            )
            assert found, f"docs/reports.md: report {name} has no key {key!r} ({sorted(actual)})"
        checked += 1
    assert (
        checked == 12
    )  # every report but survey (its keys: the JSON in docs/surveys.md) and birthdays


def test_the_survey_report_example_has_the_keys_the_report_prints(run):
    """docs/surveys.md shows `report survey`'s JSON as an example: the same keys at every level."""
    example = re.search(r"```json\n(.*?)```", _text(DOCS / "surveys.md"), re.DOTALL)
    assert example, "docs/surveys.md has no JSON example"
    documented = json.loads(example.group(1))
    run.json("member", "enroll", "--name", "张三", "--phone", "13800138000")
    run.json("survey", "load", str(ROOT / "templates" / "surveys" / "satisfaction.toml"))
    answers = ["overall=4", "visit_reason=1", "comments=很好"]
    run.json("survey", "take", "satisfaction", "M000001", *(f"--answer={a}" for a in answers))
    actual = run.json("report", "survey", "satisfaction")

    def same_keys(path: str, doc: dict[str, Any], out: dict[str, Any]) -> None:
        assert set(out) == set(doc), (path, sorted(out), sorted(doc))
        for key, value in doc.items():
            if isinstance(value, list) and value and isinstance(value[0], dict) and out[key]:
                same_keys(f"{path}.{key}", value[0], out[key][0])

    same_keys("report survey", documented, actual)
    by_type = {q["type"]: q for q in actual["questions"]}
    for question in documented["questions"]:  # the rating and the text question, each in full
        same_keys(f"questions[{question['type']}]", question, by_type[question["type"]])


def _commands_in(line: str) -> list[list[str]]:
    """The words after `memberctl` of each memberctl command on a shell line: `a && memberctl b`
    holds one; a redirection (`>> FILE`, `2>> FILE`) ends a command's words."""
    commands, words, redirected = [], [], False
    for word in [*shlex.split(line, comments=True), "&&"]:
        if word == "&&":
            if "memberctl" in words:
                commands.append(words[words.index("memberctl") + 1 :])
            words, redirected = [], False
        elif re.fullmatch(r"\d?>>?", word):
            redirected = True
        elif not redirected:
            words.append(word)
    return commands


def _example_commands() -> list[tuple[str, list[str]]]:
    """(page, words after `memberctl`) for every memberctl command in a bash, console (`$ `
    lines) or cron example of the README and the hand-written pages."""
    found = []
    for page in [README, *PAGES]:
        if page == CLI_PAGE:
            continue
        blocks = re.findall(r"```(bash|console|cron)\n(.*?)```", _text(page), re.DOTALL)
        for kind, block in blocks:
            lines = block.splitlines()
            if kind == "console":  # the commands, not what they printed
                lines = [line[2:] for line in lines if line.startswith("$ ")]
            found += [(page.name, words) for line in lines for words in _commands_in(line)]
    return found


def _known_options(command: Any) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


@pytest.mark.parametrize(
    ("page", "words"),
    _example_commands(),
    ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else v,
)
def test_every_example_names_a_command_and_options_that_exist(page, words):
    """The examples in the docs name commands and options memberctl has (the tour runs too;
    these are checked by name, as their files are the reader's)."""
    command = get_command(app)
    known = _known_options(command) | {"-h", "--help"}
    rest = list(words)
    while hasattr(command, "commands") and rest:
        word = rest.pop(0)
        if word.startswith("-"):
            assert word.split("=")[0] in known, f"{page}: no global option {word}"
            continue
        if word not in command.commands and hasattr(command, "default_command"):
            rest.insert(0, word)  # `sale REF ...` is `sale record REF ...`
            word = command.default_command
        assert word in command.commands, f"{page}: memberctl has no command {word!r}: {words}"
        command = command.commands[word]
        known = _known_options(command) | {"-h", "--help"}
    assert not hasattr(command, "commands") or not rest, words
    for word in rest:
        if word.startswith("-") and not re.fullmatch(r"-\d[\d.]*", word):
            assert word.split("=")[0] in known, f"{page}: {' '.join(words[:2])} has no {word}"
