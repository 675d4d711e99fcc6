"""Shell completion through the real protocol: memberctl in a subprocess with Typer's
`_MEMBERCTL_COMPLETE=complete_bash COMP_WORDS=... COMP_CWORD=...`, answering from the database
named by --db or MEMBERCTL_DB; and `--install-completion` writing a script bash can use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.factories import enroll
from tests.spreadsheets.sheets import write_csv

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("memberctl")  # the console script, as a shell runs it


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "_MEMBERCTL"))}
    return {**env, **extra}


def complete(line: str, **env: str) -> list[str]:
    """What bash would offer for `line` (a trailing space means a new, empty word)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    result = subprocess.run(
        [str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=_env(
            _MEMBERCTL_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(cword), **env
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.split()


@pytest.fixture
def shop(engine, run):
    for name in ("张三", "李四", "王五"):
        enroll(engine, name=name)
    enroll(engine, name="赵六", member_no="V0001")
    campaign = ROOT / "templates" / "campaigns" / "birthday-double.toml"
    assert run("campaign", "add", str(campaign)).exit_code == 0
    assert run("segment", "save", "vip", "tag = vip").exit_code == 0
    assert run("segment", "save", "lapsed", "inactive_days > 90").exit_code == 0


def test_member_numbers_complete_by_prefix(db_url, shop):  # noqa: ARG001
    assert complete(f"memberctl --db {db_url} member show M00") == [
        "M000001",
        "M000002",
        "M000003",
    ]
    assert complete(f"memberctl --db {db_url} member show M000002") == ["M000002"]
    assert complete(f"memberctl --db {db_url} points balance V") == ["V0001"]
    assert complete(f"memberctl --db {db_url} member show X") == []


def test_the_database_comes_from_the_environment_too(db_url, shop):  # noqa: ARG001
    assert complete("memberctl member show M00", MEMBERCTL_DB=db_url) == [
        "M000001",
        "M000002",
        "M000003",
    ]


def test_at_most_50_member_numbers(db_url, run, tmp_path):
    rows = [["姓名", "手机号"]] + [[f"客{i}", f"1390000{i:04d}"] for i in range(60)]
    assert run("import", "members", str(write_csv(tmp_path / "m.csv", rows))).exit_code == 0
    offered = complete(f"memberctl --db {db_url} member show ")
    assert offered == [f"M{i:06d}" for i in range(1, 51)]


def test_tier_codes(db_url, shop):  # noqa: ARG001
    assert complete(f"memberctl --db {db_url} member upgrade M000001 --to ") == [
        "basic",
        "silver",
        "gold",
        "platinum",
    ]
    assert complete(f"memberctl --db {db_url} member list --tier s") == ["silver"]
    assert complete(f"memberctl --db {db_url} member enroll --tier g") == ["gold"]
    assert complete(f"memberctl --db {db_url} member enroll --tier 金") == ["金卡会员", "金卡"]


def test_campaign_codes(db_url, shop):  # noqa: ARG001
    assert complete(f"memberctl --db {db_url} campaign show ") == ["birthday-double"]
    assert complete(f"memberctl --db {db_url} campaign run bi") == ["birthday-double"]
    assert complete(f"memberctl --db {db_url} report campaign b") == ["birthday-double"]
    assert complete(f"memberctl --db {db_url} campaign show x") == []


def test_store_codes_and_names(db_url, shop, run):  # noqa: ARG001
    assert run("store", "add", "S01", "--name", "旗舰店").exit_code == 0
    assert run("store", "add", "S02").exit_code == 0
    assert complete(f"memberctl --db {db_url} member enroll --store ") == ["S01", "S02"]
    assert complete(f"memberctl --db {db_url} purchase record M000001 1 --store 旗") == ["旗舰店"]
    assert complete(f"memberctl --db {db_url} store rename S") == ["S01", "S02"]


def test_segment_names(db_url, shop):  # noqa: ARG001
    assert sorted(complete(f"memberctl --db {db_url} segment show ")) == ["lapsed", "vip"]
    assert complete(f"memberctl --db {db_url} member list --segment v") == ["vip"]


@pytest.mark.skipif(bool(PG_URL), reason="SQLite files: a database that is not there or broken")
def test_a_database_that_cannot_be_opened_completes_nothing_silently(tmp_path):
    missing = tmp_path / "missing.db"
    assert complete(f"memberctl --db {missing} member show M") == []
    assert not missing.exists()  # completion never creates a database
    broken = tmp_path / "broken.db"
    broken.write_text("not a database")
    assert complete(f"memberctl --db {broken} member show M") == []
    assert complete(f"memberctl --db {broken} member upgrade M1 --to ") == []
    assert broken.read_text() == "not a database"


def test_an_unreachable_server_completes_nothing_silently():
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # port 9: nothing listens
    assert complete(f"memberctl --db {url} member show M") == []


def test_subcommands_still_complete():
    assert complete("memberctl member sea") == ["search"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.skipif(bool(PG_URL), reason="the installation does not depend on the database")
def test_install_completion_writes_a_script_bash_uses(tmp_path, db_url, shop):  # noqa: ARG001
    home = tmp_path / "home"
    env = _env(HOME=str(home), _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    installed = subprocess.run(
        [str(SCRIPT), "--install-completion", "bash"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert installed.returncode == 0, installed.stderr
    script = home / ".bash_completions" / "memberctl.sh"
    assert f"source '{script}'" in (home / ".bashrc").read_text()
    # bash itself runs the installed function, which calls memberctl back
    driver = (
        f"source '{script}'; COMP_WORDS=(memberctl member show M00000); COMP_CWORD=3; "
        "_memberctl_completion memberctl; printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    env = {**env, "PATH": f"{SCRIPT.parent}:{env['PATH']}", "MEMBERCTL_DB": db_url}
    used = subprocess.run(
        ["bash", "--norc", "-c", driver], capture_output=True, text=True, env=env, timeout=60
    )
    assert used.stdout.split() == ["M000001", "M000002", "M000003"], used.stderr
