"""Environment failures (issues 13 and 14): each is one line on stderr, a documented exit code and
what to do; never "unexpected". Global options: --db, --operator, --debug, arguments that are not
valid text."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import column, func, select, table

from tests.conftest import TEST_ENV, failure


def _members(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table("member"))).scalar_one()


# -- --debug (read from the parsed options, not sys.argv) ----------------------------------------


@pytest.fixture
def broken(engine):
    """A database whose member table is gone: every member command fails unexpectedly."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE member RENAME TO member_gone")
    yield
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE member_gone RENAME TO member")


def test_debug_prints_a_traceback_for_an_unexpected_error(run, broken):  # noqa: ARG001
    result = run("--debug", "member", "list")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: unexpected ") and "--debug" not in last


def test_without_debug_an_unexpected_error_is_one_line(run, broken):  # noqa: ARG001
    result = run("member", "list", env={"MEMBERCTL_DEBUG": ""})
    line = failure(result, 1, "unexpected", "(run again with --debug for details)")
    assert "Traceback" not in line


def test_memberctl_debug_in_the_environment_prints_the_traceback(run, broken):  # noqa: ARG001
    result = run("member", "list", env={"MEMBERCTL_DEBUG": "1"})
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr


# -- --operator / MEMBERCTL_OPERATOR -------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("x" * 100_000, "an operator name has at most 64 characters (this one has 100000)"),
        ("x" * 65, "an operator name has at most 64 characters (this one has 65)"),
        ("ann\nbob", "an operator name cannot hold control characters such as tabs or line breaks"),
        ("ann\tbob", "an operator name cannot hold control characters such as tabs or line breaks"),
        ("ann\u202ebob", "an operator name cannot hold control characters such as tabs or line"),
    ],
)
@pytest.mark.parametrize("source", ["option", "env"])
def test_an_operator_too_long_or_with_control_characters_is_a_usage_error(
    run, engine, operator, expected, source
):
    if source == "option":
        result = run(
            "--operator", operator, "member", "enroll", "--name", "A", "--phone", "13800138000"
        )
    else:
        result = run(
            "member",
            "enroll",
            "--name",
            "A",
            "--phone",
            "13800138000",
            env={"MEMBERCTL_OPERATOR": operator},
        )
    failure(result, 2, "Invalid value for '--operator'", expected)
    assert _members(engine) == 0


def test_an_operator_of_64_characters_is_recorded(run):
    name = "店员" * 32
    run.json("--operator", name, "member", "enroll", "--name", "A", "--phone", "13800138000")
    (entry,) = [e for e in run.json("audit") if e["action"] == "member.enroll"]
    assert entry["operator"] == name


# -- --db ----------------------------------------------------------------------------------------


def test_an_empty_db_option_is_a_usage_error_not_the_default_database(run):
    result = run("--db", "", "member", "list")
    failure(
        result,
        2,
        "Invalid value for '--db'",
        "it is empty: give a SQLite file path or a database URL, or leave --db out to use "
        "the default database",
    )


# -- arguments that are not valid text -----------------------------------------------------------


def test_an_argument_with_bytes_that_are_not_utf8_is_a_usage_error(db_url, engine):  # noqa: ARG001
    """`member show $'\\xed\\xa0\\x80'`: Python decodes the bytes to lone surrogates, which no
    database driver can send."""
    env = {**os.environ, **TEST_ENV, "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "memberctl",
            "--db",
            db_url,
            "--no-input",
            "member",
            "show",
            b"\xed\xa0\x80",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: the argument '\\xed\\xa0\\x80' is not valid text (bytes that are not UTF-8); "
        "type it again, or set the terminal to UTF-8"
    ]


def test_a_lone_surrogate_in_an_option_is_a_usage_error(run, engine):
    result = run("member", "enroll", "--name", "A\udcff", "--phone", "13800138000")
    failure(result, 2, "the argument 'A\\xff' is not valid text")
    assert _members(engine) == 0


# -- --as-of: a range the arithmetic can hold; no writes for a day that has not come -------------

OUT_OF_RANGE = "Invalid value for '--as-of': the day must be from 1900-01-01 to 9899-12-31"
AS_OF_COMMANDS = [
    ["report", "summary"], ["report", "growth"], ["report", "rfm"], ["report", "churn"],
    ["report", "upgrades"], ["report", "birthdays"], ["report", "kpi"], ["report", "liability"],
    ["tier", "evaluate"], ["tier", "evaluate", "--apply"], ["points", "expire"], ["nightly"],
    ["campaign", "run", "x"], ["campaign", "run", "x", "--dry-run"], ["member", "list"],
    ["coupon", "list"], ["segment", "show", "x"], ["points", "balance", "M000001"],
]  # fmt: skip


@pytest.mark.parametrize("command", AS_OF_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_as_of_outside_the_range_is_a_usage_error_on_every_command(run, command, day):
    failure(run(*command, "--as-of", day), 2, OUT_OF_RANGE)


@pytest.mark.parametrize("day", ["1899-12-31", "9900-01-01"])
def test_the_range_ends_where_it_says(run, day):
    failure(run("report", "summary", "--as-of", day), 2, OUT_OF_RANGE)


@pytest.mark.parametrize("option", ["--from", "--to"])
def test_the_kpi_period_has_the_same_range(run, option):
    expected = f"Invalid value for '{option}': the day must be from 1900-01-01 to 9899-12-31"
    failure(run("report", "kpi", option, "0001-01-01"), 2, expected)


@pytest.mark.parametrize("day", ["1900-01-01", "9899-12-31"])
def test_the_first_and_last_days_work_on_reports_and_writers(run, day):
    run.json(
        "member", "enroll", "--name", "A", "--phone", "13800138000", "--birthday", "1990-05-06"
    )
    run.json("points", "add", "M000001", "10", "--reason", "gift")
    for command in (
        ["report", "summary"],
        ["report", "kpi"],
        ["report", "birthdays"],
        ["tier", "evaluate", "--apply", "--allow-future"],
        ["points", "expire", "--allow-future"],
    ):
        result = run(*command, "--as-of", day, "-f", "json")
        assert result.exit_code == 0, (command, result.stderr)
    result = run("nightly", "--as-of", day, "--allow-future")
    assert result.exit_code == 0, result.stderr


def _after_today(days: int = 1) -> str:
    from memberctl import clock

    return (clock.today() + dt.timedelta(days=days)).isoformat()


def test_points_expire_with_a_future_as_of_refuses_and_keeps_the_points(run):
    """Issue 14: `points expire --as-of` a year ahead destroyed points that were still valid."""
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    run.json("points", "add", "M000001", "100", "--reason", "gift", "--expires", _after_today(30))
    day = _after_today(400)
    line = failure(run("points", "expire", "--as-of", day), 2)
    assert line == (
        f"error: --as-of {day} is after today ({dt.date.today()}), and this command writes what "
        "it does for that day now, with no undo; give --allow-future if that is what you mean"
    )
    assert run.json("points", "balance", "M000001")["points"] == 100
    assert run.json("points", "expire", "--as-of", day, "--allow-future")["points"] == 100
    assert run.json("points", "balance", "M000001")["points"] == 0


def test_tier_evaluate_may_look_ahead_but_applies_a_future_day_only_when_allowed(run):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    day = _after_today()
    assert run.json("tier", "evaluate", "--as-of", day)["evaluated"] == 1
    failure(run("tier", "evaluate", "--as-of", day, "--apply"), 2, "--allow-future")
    assert run.json("tier", "evaluate", "--as-of", day, "--apply", "--allow-future")["evaluated"]


def test_campaign_run_for_a_future_day_refuses_unless_a_dry_run(run, tmp_path):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    path = tmp_path / "thanks.toml"
    path.write_text(
        'code = "thanks"\naction = "award_points"\npoints = 5\n'
        'where = "status = active"\nperiod = "daily"\n',
        encoding="utf-8",
    )
    assert run("campaign", "add", str(path)).exit_code == 0
    day = _after_today()
    assert run.json("campaign", "run", "thanks", "--as-of", day, "--dry-run")["awarded"] == 1
    failure(run("campaign", "run", "thanks", "--as-of", day), 2, "--allow-future")
    assert run.json("points", "balance", "M000001")["points"] == 0
    assert run.json("campaign", "run", "thanks", "--as-of", day, "--allow-future")["awarded"] == 1


def test_nightly_for_a_future_day_refuses_and_changes_nothing(run):
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000")
    run.json("points", "add", "M000001", "100", "--reason", "gift", "--expires", _after_today(30))
    failure(run("nightly", "--as-of", _after_today(400)), 2, "--allow-future")
    assert run.json("points", "balance", "M000001")["points"] == 100


# -- the database file: missing folder, new file, folder, not a database, read-only --------------

PG = bool(os.environ.get("MEMBERCTL_TEST_DB"))
sqlite_only = pytest.mark.skipif(PG, reason="a SQLite file")


def _cli(*args: str, env: dict[str, str] | None = None):
    from typer.testing import CliRunner

    from memberctl.cli import app

    return CliRunner(env={**TEST_ENV, **(env or {})}).invoke(
        app, ["--no-input", *args], catch_exceptions=False
    )


def test_a_mistyped_folder_is_not_found_and_creates_nothing(tmp_path):
    path = tmp_path / "nonexistent-dir" / "x.db"
    result = _cli("--db", str(path), "member", "list")
    assert failure(result, 3) == (
        f"error: no folder '{path.parent}' for the database x.db; check the path, create the "
        f"folder, or run 'memberctl --db {path} db upgrade' to create both"
    )
    assert not path.parent.exists()


def test_db_upgrade_creates_the_folders_and_says_which_file_it_created(tmp_path):
    path = tmp_path / "shop" / "data" / "x.db"
    result = _cli("--db", str(path), "db", "upgrade", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert f"created a new database at {path}" in result.stderr.splitlines()
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    again = _cli("--db", str(path), "member", "list", "-f", "json")
    assert (again.exit_code, again.stdout.strip(), again.stderr) == (0, "[]", "")


def test_a_new_file_in_an_existing_folder_is_created_and_said_once(tmp_path):
    path = tmp_path / "new.db"
    first = _cli("--db", str(path), "member", "list", "-f", "json")
    assert (first.exit_code, first.stdout.strip()) == (0, "[]")
    assert first.stderr.strip().splitlines() == [f"created a new database at {path}"]
    second = _cli("--db", str(path), "member", "list", "-f", "json")
    assert second.stderr == ""


def test_the_default_database_and_its_folder_are_created_on_first_use(tmp_path):
    env = {"MEMBERCTL_DB": None, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    result = _cli("member", "list", "-f", "json", env=env)  # type: ignore[arg-type]
    assert (result.exit_code, result.stdout.strip()) == (0, "[]"), result.stderr
    path = tmp_path / "xdg" / "memberctl" / "memberctl.db"
    assert result.stderr.strip().splitlines() == [f"created a new database at {path}"]
    assert path.is_file()


def test_a_folder_as_db_is_a_usage_error(tmp_path):
    result = _cli("--db", str(tmp_path), "member", "list")
    assert failure(result, 2) == (
        f"error: --db '{tmp_path}' is a folder, not a database file; give a file in it, "
        f"e.g. {tmp_path / 'memberctl.db'}"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"name,phone\nAnn,13800138000\n", b"x", b"\x00" * 4096])
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path, content):
    path = tmp_path / "members.csv"
    path.write_bytes(content)
    result = _cli("--db", str(path), "member", "enroll", "--name", "A", "--phone", "13800138000")
    assert failure(result, 5) == (
        f"error: '{path}' is not a SQLite database; check --db: memberctl creates a new "
        "database only where no file exists yet"
    )
    assert path.read_bytes() == content


def _without_write_permission(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    """Run memberctl as root without the capability to override file permissions, as any
    other user runs (the tests run as root, which may write a read-only file)."""
    if os.geteuid() == 0:
        prefix = [
            "setpriv",
            "--bounding-set=-dac_override,-fowner",
            "--inh-caps=-dac_override,-fowner",
        ]
    else:
        prefix = []
    env = {**os.environ, **TEST_ENV}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "memberctl", "--db", db, "--no-input", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


READ_ONLY = (
    "error: cannot write the database {path}: the file or its folder is read-only for this "
    "user; nothing was written; let this user write both (SQLite keeps -wal and -shm files "
    "beside the database), or use a copy"
)


@sqlite_only
def test_a_read_only_database_file_is_read_but_not_written(db_url, engine):
    engine.dispose()
    path = db_url.removeprefix("sqlite:///")
    os.chmod(path, 0o444)
    listed = _without_write_permission("member", "list", "-f", "json", db=path)
    assert (listed.returncode, listed.stdout.strip()) == (0, "[]"), listed.stderr
    done = _without_write_permission(
        "member", "enroll", "--name", "A", "--phone", "13800138000", db=path
    )
    assert (done.returncode, done.stdout) == (6, ""), done.stderr
    assert done.stderr.strip().splitlines() == [READ_ONLY.format(path=path)]
    assert _members(engine) == 0


@sqlite_only
def test_a_database_in_a_read_only_folder_is_refused_with_one_line(tmp_path, db_url, engine):
    engine.dispose()
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "x.db"
    path.write_bytes(Path(db_url.removeprefix("sqlite:///")).read_bytes())
    folder.chmod(0o555)
    try:
        done = _without_write_permission("member", "list", db=str(path))
        assert (done.returncode, done.stdout) == (6, ""), done.stderr
        assert done.stderr.strip().splitlines() == [READ_ONLY.format(path=path)]
        new = _without_write_permission("member", "list", db=str(folder / "new.db"))
        assert new.returncode == 6
        assert new.stderr.strip().splitlines() == [
            f"error: cannot create the database {folder / 'new.db'}: this user may not write "
            "its folder; choose a folder you can write, or ask who owns it"
        ]
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == ["x.db"]


# -- a schema version this memberctl does not know -----------------------------------------------

UNKNOWN = (
    "error: the database has schema version 'zzzz', which this memberctl does not know (it "
    "knows up to {head}); a newer memberctl wrote it, or it was changed by hand: upgrade "
    "memberctl, or restore a backup with 'memberctl db restore FILE'"
)


@pytest.fixture
def unknown_schema(engine):
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'zzzz'")
    yield
    from memberctl.db.migrate import HEAD_REVISION

    with engine.begin() as connection:  # PostgreSQL: the schema is shared by the next test
        connection.execute(
            table("alembic_version", column("version_num"))
            .update()
            .values(version_num=HEAD_REVISION)
        )


@pytest.mark.parametrize(
    "command",
    [
        ["member", "list"],
        ["db", "upgrade"],
        ["db", "check"],
        ["member", "enroll", "--name", "A", "--phone", "13800138000"],
    ],
)
@pytest.mark.usefixtures("unknown_schema")
def test_an_unknown_schema_version_is_refused_without_changing_it(run, engine, command):
    from memberctl.db.migrate import HEAD_REVISION

    assert failure(run(*command), 4) == UNKNOWN.format(head=HEAD_REVISION)
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version == "zzzz"
    assert _members(engine) == 0


@pytest.mark.usefixtures("unknown_schema")
def test_db_info_still_reports_a_database_of_an_unknown_schema_version(run):
    from memberctl.db.migrate import HEAD_REVISION

    result = run("db", "info", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["schema_revision"], data["schema_known"]) == ("zzzz", False)
    assert data["rows"]["tier"] == 4
    assert result.stderr.strip() == (
        f"the schema version 'zzzz' is unknown to this memberctl (it knows up to {HEAD_REVISION}):"
        " upgrade memberctl before using this database"
    )


# -- birthdays: in the past, not before 1900 ------------------------------------------------------


def _birthday_error(day: str) -> str:
    return (
        f"error: birthday {day} is not between 1900-01-01 and today ({dt.date.today()}); "
        "check the year"
    )


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "tomorrow"])
def test_an_impossible_birthday_is_invalid_input_on_enroll_and_edit(run, engine, day):
    if day == "tomorrow":
        day = _after_today()
    enroll = run("member", "enroll", "--name", "A", "--phone", "13800138000", "--birthday", day)
    assert failure(enroll, 5) == _birthday_error(day)
    assert _members(engine) == 0
    run.json(
        "member", "enroll", "--name", "A", "--phone", "13800138000", "--birthday", "1990-05-06"
    )
    assert failure(run("member", "edit", "M000001", "--birthday", day), 5) == _birthday_error(day)
    assert run.json("member", "show", "M000001")["birthday"] == "1990-05-06"


def test_birthdays_of_1900_and_today_are_kept(run):
    today = dt.date.today().isoformat()
    run.json("member", "enroll", "--name", "A", "--phone", "13800138000", "--birthday", today)
    run.json(
        "member", "enroll", "--name", "B", "--phone", "13800138001", "--birthday", "1900-01-01"
    )
    assert run.json("member", "list", "--where", "age < 0") == []


@pytest.mark.parametrize("rows", [3, 150])  # 150 distinct days: the bulk date path
def test_an_import_rejects_impossible_birthdays_as_rows(run, engine, tmp_path, rows):
    days = [f"19{50 + i % 50:02d}-0{1 + i % 9}-1{i % 10}" for i in range(rows)]
    days[1], days[-1] = "9999-12-31", "1899-12-31"
    lines = ["name,phone,birthday"]
    lines += [f"N{i},138{i:08d},{day}" for i, day in enumerate(days)]
    path = tmp_path / "members.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", "members", str(path), "-f", "json")
    assert result.exit_code == 5, result.stderr
    errors = json.loads(result.stdout)["errors"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [
        (3, "birthday", "9999-12-31"),
        (rows + 1, "birthday", "1899-12-31"),
    ]
    assert errors[0]["message"] == _birthday_error("9999-12-31").removeprefix("error: ")
    assert _members(engine) == 0


# -- --where: one length limit, a comparison and a nesting limit that the database can compile ----

WHERE_TOO_LONG = (
    "the expression is longer than 2000 characters at column 2001; shorten it, or save parts "
    "of it as segments"
)


@pytest.mark.parametrize(
    "expr",
    [" or ".join(["tier = gold"] * 999), "tag = " + "x" * 120_000],
    ids=["999 or terms", "120 KB"],
)
def test_a_where_too_long_for_the_database_is_a_usage_error(run, expr):
    failure(run("member", "list", "--where", expr), 2, WHERE_TOO_LONG)
    failure(run("report", "summary", "--where", expr), 2, WHERE_TOO_LONG)


def test_the_same_limit_for_where_and_saved_segments(run):
    expr = "tag = " + "x" * 1994  # 2,000 characters: allowed in both
    assert run("member", "list", "--where", expr, "-f", "json").exit_code == 0
    assert run("segment", "save", "long", expr).exit_code == 0
    failure(run("member", "list", "--where", expr + "x"), 2, WHERE_TOO_LONG)
    failure(run("segment", "save", "longer", expr + "x"), 2, "longer than 2000 characters")


def test_more_than_200_comparisons_is_a_usage_error(run):
    expr = " or ".join(["age<5"] * 201)
    failure(
        run("member", "list", "--where", expr),
        2,
        "the expression has more than 200 comparisons (at column 1801); use 'in (...)' for a "
        "list of values, or save parts of it as segments",
    )


def _deepest(make) -> str:
    """make(levels) for the most levels the parser accepts."""
    from memberctl.domain.where import ExpressionError, parse

    levels = 1
    while True:
        try:
            parse(make(levels + 1))
        except ExpressionError:
            return make(levels)
        levels += 1


def _filled(expr: str, unit: str = "age<5") -> str:
    """`expr` and as many `unit` terms as the length and comparison limits allow."""
    from memberctl.domain.where import ExpressionError, parse

    while True:
        longer = f"{unit} and {expr}"
        try:
            parse(longer)
        except ExpressionError:
            return expr
        expr = longer


WORST_WHERE = {
    "200 and-ed age": lambda: " and ".join(["age<5"] * 200),
    "200 or-ed birthday_month": lambda: " or ".join(["birthday_month=3"] * 100),
    "nested or/and": lambda: _deepest(
        lambda n: "".join(f"tag=a {('or', 'and')[i % 2]} (" for i in range(n)) + "tag=b" + ")" * n
    ),
    "not (x and": lambda: _deepest(lambda n: "not (birthday_month=3 and " * n + "tag=a" + ")" * n),
    "not not": lambda: _deepest(lambda n: "not " * n + "spend_12m > 1"),
    "deep and filled": lambda: _filled(
        _deepest(lambda n: "not (inactive_days>3 or " * n + "tag=a" + ")" * n)
    ),
}


@pytest.mark.parametrize("name", list(WORST_WHERE))
def test_every_expression_within_the_limits_compiles_on_this_database(run, tmp_path, name):
    """Measured: SQLite overflows its parser stack from 33 levels of nesting and refuses 999
    `or` terms; the limits (24 levels, 200 comparisons, 2,000 characters) stay below."""
    expr = WORST_WHERE[name]()
    result = run("member", "list", "--where", expr, "-f", "json")
    assert (result.exit_code, result.stdout.strip()) == (0, "[]"), result.stderr
    result = run("report", "summary", "--where", expr, "-f", "json")
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "c.toml"  # a campaign's where sits deeper in its statements
    path.write_text(
        f'code = "c"\naction = "award_points"\npoints = 1\nwhere = "{expr}"\nperiod = "daily"\n',
        encoding="utf-8",
    )
    assert run("campaign", "add", str(path)).exit_code == 0
    for extra in (["--dry-run"], []):
        result = run("campaign", "run", "c", "--as-of", "2026-11-25", *extra, "-f", "json")
        assert result.exit_code == 0, result.stderr


# -- db restore: a damaged backup is refused before anything changes ----------------------------


def _sqlite_backup(tmp_path: Path, members: int = 30) -> Path:
    """A real `db backup` of a SQLite database holding `members` members."""
    source = tmp_path / "source.db"
    sheet = tmp_path / "members.csv"
    rows = [f"N{i},1380013{i:04d}" for i in range(members)]
    sheet.write_text("\n".join(["name,phone", *rows]) + "\n", encoding="utf-8")
    result = _cli("--db", str(source), "import", "members", str(sheet))
    assert result.exit_code == 0, result.stderr
    backup = tmp_path / "shop.backup"
    assert _cli("--db", str(source), "db", "backup", str(backup)).exit_code == 0
    return backup


DAMAGED = (
    "error: the backup 'shop.backup' is damaged ({detail}); nothing was restored; restore an "
    "older backup"
)


@pytest.mark.parametrize("page", [0.25, 0.5, 0.75])
def test_a_backup_with_a_damaged_page_is_refused_and_nothing_changes(run, tmp_path, page):
    backup = _sqlite_backup(tmp_path)
    data = bytearray(backup.read_bytes())
    at = int(len(data) // 4096 * page) * 4096
    data[at : at + 4096] = b"\xff" * 4096
    backup.write_bytes(bytes(data))
    run.json("member", "enroll", "--name", "Keep", "--phone", "13900139000")
    result = run("db", "restore", str(backup), "--yes")
    assert failure(result, 5) == DAMAGED.format(detail="database disk image is malformed")
    assert [m["name"] for m in run.json("member", "list")] == ["Keep"]


def test_a_backup_with_broken_references_is_refused(run, tmp_path):
    import sqlite3

    backup = _sqlite_backup(tmp_path, members=3)
    connection = sqlite3.connect(backup)
    connection.execute("UPDATE member SET referrer_id = 99999")  # foreign keys are off here
    connection.commit()
    connection.close()
    run.json("member", "enroll", "--name", "Keep", "--phone", "13900139000")
    result = run("db", "restore", str(backup), "--yes")
    detail = "3 rows point at rows that are missing, first in member"
    assert failure(result, 5) == DAMAGED.format(detail=detail)
    assert [m["name"] for m in run.json("member", "list")] == ["Keep"]


@pytest.mark.skipif(not PG, reason="PostgreSQL checks lengths that SQLite does not")
def test_a_backup_postgresql_refuses_is_one_line_and_restores_nothing(run, tmp_path):
    """Several refused rows in one batch made psycopg log a second line ("error ignored
    terminating <psycopg.Pipeline ...>") under the error line."""
    import gzip

    run.json("member", "enroll", "--name", "Keep", "--phone", "13900139000")
    backup = tmp_path / "shop.backup"
    assert run("db", "backup", str(backup)).exit_code == 0
    lines = [json.loads(line) for line in gzip.open(backup, "rt", encoding="utf-8")]
    for entry in lines:
        if entry.get("table") == "lifecycle_change":
            first = entry["rows"][0]
            entry["rows"] = [{**first, "id": 1000 + i, "reason": "ok"} for i in range(3000)]
            for i in (100, 101, 2000, 2900):
                entry["rows"][i]["reason"] = "x" * 5000
    with gzip.open(backup, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(entry) + "\n" for entry in lines)
    run.json("member", "enroll", "--name", "Later", "--phone", "13900139001")
    done = subprocess.run(  # a process of its own: pytest's log capture would hide the warning
        [
            sys.executable,
            "-m",
            "memberctl",
            "--db",
            run.db_url,
            "--no-input",
            "db",
            "restore",
            str(backup),
            "--yes",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **TEST_ENV},
        timeout=300,
    )
    assert (done.returncode, done.stdout) == (5, ""), done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: the backup 'shop.backup' holds a value this database refuses (value too long for "
        "type character varying(500)); nothing was restored; restore it into SQLite, or restore "
        "another backup"
    ]
    assert sorted(m["name"] for m in run.json("member", "list")) == ["Keep", "Later"]
