"""Every file memberctl writes (memberctl/atomic.py): output paths that are symbolic links,
folders that do not exist, folders given as files, places that may not be written; the BOM
rule for CSV; the caps on `notify render`. Faults while writing (a full disk, signals) are in
tests/slow/test_output_faults.py.

WRITERS lists every command that writes a file; a new writer belongs here."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import failure
from tests.factories import enroll
from tests.spreadsheets.sheets import write_csv

BOM = b"\xef\xbb\xbf"
Args = Callable[[Path, Path], list[str]]  # (output path, tmp_path) -> the command's arguments


def _import_source(tmp: Path) -> Path:
    return write_csv(tmp / "source.csv", [["姓名", "手机号"], ["甲", "12345"], ["乙", "1.38E+10"]])


def _template(tmp: Path) -> Path:
    path = tmp / "msg.txt"
    path.write_text("{name}您好\n", encoding="utf-8")
    return path


# name: (arguments, suffix of the file, exit code when it was written)
WRITERS: dict[str, tuple[Args, str, int]] = {
    "export csv": (lambda out, _t: ["export", "members", str(out)], ".csv", 0),
    "export xlsx": (lambda out, _t: ["export", "members", str(out)], ".xlsx", 0),
    "export ods": (lambda out, _t: ["export", "members", str(out)], ".ods", 0),
    "report csv": (lambda out, _t: ["report", "summary", "--out", str(out)], ".csv", 0),
    "report json": (lambda out, _t: ["report", "growth", "--out", str(out)], ".json", 0),
    "report xlsx": (lambda out, _t: ["report", "summary", "--out", str(out)], ".xlsx", 0),
    "report ods": (lambda out, _t: ["report", "summary", "--out", str(out)], ".ods", 0),
    "template": (lambda out, _t: ["template", "members", str(out)], ".xlsx", 0),
    "template ods": (lambda out, _t: ["template", "members", str(out)], ".ods", 0),
    "notify": (
        lambda out, t: ["notify", "render", "--template", str(_template(t)), "--out", str(out)],
        ".csv",
        0,
    ),
    "errors csv": (
        lambda out, t: ["import", "members", str(_import_source(t)), "--errors", str(out)],
        ".csv",
        5,
    ),
    "errors xlsx": (
        lambda out, t: ["import", "members", str(_import_source(t)), "--errors", str(out)],
        ".xlsx",
        5,
    ),
    "errors ods": (
        lambda out, t: ["import", "members", str(_import_source(t)), "--errors", str(out)],
        ".ods",
        5,
    ),
    "db backup": (lambda out, _t: ["db", "backup", str(out)], ".backup", 0),
}


def _writer(name: str, out: Path, tmp: Path) -> list[str]:
    return WRITERS[name][0](out, tmp)


def _listing(folder: Path) -> dict[str, bytes | str]:
    """Every name in `folder` but the test database: a link's target, a file's bytes
    (temporary files show up)."""
    return {
        p.name: f"-> {os.readlink(p)}" if p.is_symlink() else p.read_bytes()
        for p in folder.iterdir()
        if (p.is_symlink() or p.is_file()) and not p.name.startswith("members.db")
    }


@pytest.fixture
def shop(engine):
    enroll(engine, name="张三", phone="13800138000", birthday="1990-11-05")
    enroll(engine, name="李四", phone="13800138001")


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("dangling", [False, True], ids=["link", "dangling link"])
def test_an_output_path_that_is_a_link_is_replaced_never_written_through(
    run, tmp_path, writer, dangling
):
    _args, suffix, code = WRITERS[writer]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    precious = elsewhere / "precious.txt"
    if not dangling:
        precious.write_text("precious\n")
    out = tmp_path / "out" / f"link{suffix}"
    out.parent.mkdir()
    out.symlink_to(precious)

    result = run(*_writer(writer, out, tmp_path))

    assert result.exit_code == code, result.stderr
    assert not out.is_symlink() and out.stat().st_size > 100
    assert _listing(elsewhere) == ({} if dangling else {"precious.txt": b"precious\n"})
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", WRITERS)
def test_a_missing_folder_is_exit_3_and_nothing_is_created(run, tmp_path, writer):
    out = tmp_path / "nowhere" / f"out{WRITERS[writer][1]}"
    args = _writer(writer, out, tmp_path)
    before = _listing(tmp_path)

    result = run(*args)

    failure(result, 3)
    assert result.stderr.strip() == (
        f"error: no folder '{out.parent}' for {out.name}; create it first, or choose another folder"
    )
    assert not out.parent.exists()
    assert _listing(tmp_path) == before


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_given_as_the_file_is_exit_2(run, tmp_path, writer):
    out = tmp_path / f"folder{WRITERS[writer][1]}"
    out.mkdir()
    (out / "kept.txt").write_text("kept")

    result = run(*_writer(writer, out, tmp_path))

    failure(result, 2)
    assert result.stderr.strip() == (
        f"error: cannot write {out}: it is a folder; give a file name inside it"
    )
    assert _listing(out) == {"kept.txt": b"kept"}


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_in_place_of_the_folder_is_exit_2(run, tmp_path, writer):
    """ENOTDIR: a refusal root cannot bypass, unlike mode bits."""
    parent = tmp_path / "plain.txt"
    parent.write_text("plain")
    out = parent / f"out{WRITERS[writer][1]}"

    result = run(*_writer(writer, out, tmp_path))

    failure(result, 2)
    assert result.stderr.strip() == (
        f"error: cannot write {out}: '{parent}' is not a folder; choose a file in a folder"
    )
    assert parent.read_text() == "plain"


SYS_CLOSED = Path("/sys").is_dir() and not os.access("/sys", os.W_OK | os.X_OK, effective_ids=True)


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_that_may_not_be_written_is_exit_2(run, tmp_path, writer):
    """/sys refuses new files even to root (sysfs): permission denied that root meets too."""
    out = Path("/sys") / f"memberctl-test{WRITERS[writer][1]}"
    if not Path("/sys").is_dir():
        pytest.skip("no /sys on this system")
    probe = Path("/sys") / ".memberctl-probe"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError:
        pass
    else:
        probe.unlink()
        pytest.skip("/sys takes new files here")

    result = run(*_writer(writer, out, tmp_path))

    failure(result, 2)
    assert result.stderr.strip() == (
        f"error: cannot write {out}: permission denied; choose a folder you can write to"
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores mode bits")
@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", ["export csv", "report json", "db backup"])
def test_a_read_only_folder_is_exit_2(run, tmp_path, writer):
    folder = tmp_path / "locked"
    folder.mkdir()
    out = folder / f"out{WRITERS[writer][1]}"
    folder.chmod(0o500)
    try:
        result = run(*_writer(writer, out, tmp_path))
    finally:
        folder.chmod(0o700)
    failure(result, 2)
    assert result.stderr.strip() == (
        f"error: cannot write {out}: permission denied; choose a folder you can write to"
    )
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores mode bits")
@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", ["export csv", "report json", "db backup"])
def test_a_read_only_file_is_kept_and_exit_2(run, tmp_path, writer):
    out = tmp_path / f"kept{WRITERS[writer][1]}"
    out.write_text("kept")
    out.chmod(0o444)
    result = run(*_writer(writer, out, tmp_path))
    failure(result, 2)
    assert result.stderr.strip() == (
        f"error: cannot write {out}: permission denied; choose a folder you can write to"
    )
    assert out.read_text() == "kept"


# -- the BOM rule ----------------------------------------------------------------------------
REPORTS = ["summary", "growth", "rfm", "churn", "upgrades", "birthdays", "kpi", "liability"]
CSV_WRITERS = ["export csv", "report csv", "notify", "errors csv"]


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", CSV_WRITERS)
def test_every_csv_written_to_a_file_starts_with_a_bom(run, tmp_path, writer):
    out = tmp_path / "out.csv"
    result = run(*_writer(writer, out, tmp_path))
    assert result.exit_code == WRITERS[writer][2], result.stderr
    raw = out.read_bytes()
    assert raw.startswith(BOM) and not raw[3:].startswith(BOM)
    header = next(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert header[0] in ("会员卡号", "as_of", "member_no", "姓名"), header


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("report", REPORTS)
def test_every_report_csv_has_a_bom_in_a_file_and_none_on_stdout(run, tmp_path, report):
    printed = run("report", report, "--as-of", "2026-11-25", "-f", "csv")
    assert printed.exit_code == 0, printed.stderr
    out = tmp_path / f"{report}.csv"
    written = run("report", report, "--as-of", "2026-11-25", "-o", str(out))
    assert written.exit_code == 0, written.stderr
    assert not printed.stdout.startswith("\ufeff")
    assert out.read_bytes() == BOM + printed.stdout.encode("utf-8")


@pytest.mark.usefixtures("shop")
def test_csv_on_stdout_has_no_bom(run):
    for args in (["member", "list"], ["db", "check"], ["tier", "list"]):
        result = run(*args, "-f", "csv")
        assert result.exit_code == 0, result.stderr
        assert result.stdout and not result.stdout.startswith("\ufeff"), args


# -- notify render's caps --------------------------------------------------------------------
def test_a_template_over_64_kb_is_refused(run, engine, tmp_path):
    enroll(engine, name="张三", phone="13800138000")
    template, out = tmp_path / "long.txt", tmp_path / "list.csv"
    template.write_bytes(b"{name} " + b"x" * (64 * 1024 - 7 + 1))
    out.write_text("previous list")

    result = run("notify", "render", "--template", str(template), "--out", str(out))

    failure(result, 5)
    assert result.stderr.strip() == (
        "error: long.txt is larger than 64 KB: too long for a message; a template is one "
        "message; shorten it"
    )
    assert _listing(tmp_path) == {"long.txt": template.read_bytes(), "list.csv": b"previous list"}
    template.write_bytes(b"{name} " + b"x" * (64 * 1024 - 7))  # exactly 64 KB: fine
    assert run("notify", "render", "--template", str(template), "--out", str(out)).exit_code == 0
    assert read_rows(out)[1][2] == "张三 " + "x" * (64 * 1024 - 7)


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_a_list_over_the_output_cap_is_refused_and_nothing_written(run, engine, tmp_path):
    for i in range(40):
        enroll(engine, name=f"会员{i}", phone=f"139{i:08d}")
    template, out = tmp_path / "msg.txt", tmp_path / "list.csv"
    template.write_text("{name} " + "长" * 10_000, encoding="utf-8")  # ~30 KB a message
    out.write_text("previous list")
    env = {"MEMBERCTL_MAX_OUTPUT_MB": "1"}

    result = run("notify", "render", "--template", str(template), "--out", str(out), env=env)

    failure(result, 5)
    line = result.stderr.strip()
    assert line.startswith("error: the message list would be larger than 1 MB after "), line
    assert line.endswith(
        " members; nothing was written; shorten the template, choose fewer members with --where"
        " or --segment, or raise the limit with MEMBERCTL_MAX_OUTPUT_MB"
    ), line
    assert _listing(tmp_path) == {"msg.txt": template.read_bytes(), "list.csv": b"previous list"}
    env = {"MEMBERCTL_MAX_OUTPUT_MB": "2"}
    done = run("notify", "render", "--template", str(template), "--out", str(out), env=env)
    assert done.exit_code == 0, done.stderr
    assert len(read_rows(out)) == 41


@pytest.mark.parametrize("value", ["0", "lots", "-5"])
def test_a_bad_output_cap_is_a_usage_error(run, engine, tmp_path, value):
    enroll(engine, name="张三", phone="13800138000")
    template = _template(tmp_path)
    env = {"MEMBERCTL_MAX_OUTPUT_MB": value}
    result = run(
        "notify", "render", "--template", str(template), "--out", str(tmp_path / "o.csv"), env=env
    )
    failure(result, 2)
    assert result.stderr.strip() == (
        f"error: MEMBERCTL_MAX_OUTPUT_MB must be a whole number of MB, at least 1 (not "
        f"'{value}'); e.g. MEMBERCTL_MAX_OUTPUT_MB=4096"
    )
    assert not (tmp_path / "o.csv").exists()


# -- modes ---------------------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.usefixtures("shop")
def test_a_replaced_export_gets_the_umask_mode_and_a_backup_stays_owner_only(run, tmp_path):
    old = os.umask(0o027)
    try:
        export, backup = tmp_path / "m.csv", tmp_path / "shop.backup"
        export.write_text("old")
        backup.write_text("old")
        assert run("export", "members", str(export)).exit_code == 0
        assert run("db", "backup", str(backup)).exit_code == 0
    finally:
        os.umask(old)
    assert (export.stat().st_mode & 0o777, backup.stat().st_mode & 0o777) == (0o640, 0o600)


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("writer", WRITERS)
def test_an_interrupt_the_moment_the_temporary_file_exists_leaves_nothing(
    run, tmp_path, writer, monkeypatch
):
    """Ctrl-C (or SIGTERM) landing between creating the temporary file and writing to it: the
    file is removed and the earlier output stays as it was."""
    from memberctl.atomic import TEMP_MARK

    opened = os.open

    def open_then_interrupted(path, flags, *args, **kwargs):
        fd = opened(path, flags, *args, **kwargs)
        if TEMP_MARK in os.fspath(path):
            raise KeyboardInterrupt
        return fd

    _args, suffix, _code = WRITERS[writer]
    out = tmp_path / "out" / f"kept{suffix}"
    out.parent.mkdir()
    out.write_bytes(b"the earlier output\n")
    monkeypatch.setattr(os, "open", open_then_interrupted)

    result = run(*_writer(writer, out, tmp_path))

    assert result.exit_code == 130, result.stderr
    assert _listing(out.parent) == {out.name: b"the earlier output\n"}


@pytest.mark.usefixtures("shop")
def test_a_signal_whose_clean_up_fails_still_ends_as_the_signal(run, tmp_path, monkeypatch):
    """SIGTERM cutting a PostgreSQL backup mid-message, and closing that connection then
    failing with its own error (seen in CI as "cannot reach the database server", exit 1): the
    process still ends as the signal did, 143 and silent, and the earlier backup stays."""
    import signal

    from memberctl.atomic import Terminated
    from memberctl.db import backup

    def cut_then_closing_fails(_engine):
        try:
            raise Terminated(signal.SIGTERM)
        finally:
            raise RuntimeError("consuming input failed: the connection was closed")

    out = tmp_path / "out" / "kept.backup"
    out.parent.mkdir()
    out.write_bytes(b"the earlier backup\n")
    monkeypatch.setattr(backup, "_row_counts", cut_then_closing_fails)

    result = run("db", "backup", str(out))

    assert (result.exit_code, result.stdout, result.stderr) == (143, "", "")
    assert _listing(out.parent) == {out.name: b"the earlier backup\n"}
