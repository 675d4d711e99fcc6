"""Start-up: a command declares only the tables it touches, and never a table without those its
foreign keys name; what reads the whole metadata sees every table.

`memberctl.models` loads a table module when one of its names is first used (see its
docstring). Each case runs in a fresh interpreter, since this test process has long since
declared every table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import memberctl.models

MODELS = Path(memberctl.models.__file__).parent


def python(code: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_every_table_module_is_listed():
    files = {p.stem for p in MODELS.glob("*.py") if not p.stem.startswith("_")}
    assert set(memberctl.models.MODULES) == files


def test_load_all_declares_every_table_the_package_names():
    found = json.loads(
        python(
            "import json, memberctl.models as m; from sqlmodel import SQLModel\n"
            "m.load_all()\n"
            "print(json.dumps([sorted(SQLModel.metadata.tables), "
            "sorted(getattr(m, n).__tablename__ for n in m.__all__)]))"
        )
    )
    tables, named = found
    assert tables == named
    assert len(tables) == len(memberctl.models.__all__) == 31


@pytest.mark.parametrize("module", sorted(memberctl.models.MODULES))
def test_a_table_module_alone_brings_the_tables_its_foreign_keys_name(module):
    """A flush resolves every foreign key of the tables it writes: a target left undeclared
    raises NoReferencedTableError in the middle of a command."""
    code = (
        "import importlib, sys; from sqlmodel import SQLModel\n"
        "importlib.import_module('memberctl.models.' + sys.argv[1])\n"
        "for table in SQLModel.metadata.tables.values():\n"
        "    for fk in table.foreign_keys:\n"
        "        print(table.name, fk.column.table.name)\n"
    )
    python(code, module)  # fails (exit 1) on the first foreign key that does not resolve


def test_member_show_declares_few_tables(tmp_path):
    db = str(tmp_path / "one.db")
    enroll = ["--db", db, "--no-input", "member", "enroll", "--name", "A", "--phone", "13800138000"]
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(' '.join(sorted(k for k in sys.modules "
        "if k.startswith('memberctl.models.') and k != 'memberctl.models._indexes'))))\n"
        "sys.argv = ['memberctl', *sys.argv[1:]]\n"
        "from memberctl.cli import main\n"
        "main()\n"
    )
    python(code, *enroll)
    out = python(code, "--db", db, "--no-input", "member", "show", "M000001", "-f", "json")
    document, _, modules = out.rpartition("}\n")
    assert json.loads(document + "}")["member_no"] == "M000001"
    loaded = set(modules.split())
    assert "memberctl.models.member" in loaded
    assert not loaded & {
        f"memberctl.models.{m}" for m in ("campaign", "ledger", "sale", "survey", "segment")
    }, loaded


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("privacy", "privacy.member_tables()"),
        ("import_runs", "[t.name for t, _ in import_runs._referring()]"),
    ],
)
def test_what_reads_the_metadata_sees_every_table(module, call):
    """Forgetting a member and an import's marks walk the metadata: a table not yet declared
    would be skipped silently, so these declare every table first."""
    alone = python(f"import json; from memberctl.domain import {module}; print(json.dumps({call}))")
    everything = python(
        "import json, memberctl.models; memberctl.models.load_all()\n"
        f"from memberctl.domain import {module}; print(json.dumps({call}))"
    )
    assert json.loads(alone) == json.loads(everything)
    assert len(json.loads(alone)) >= 8


def test_the_garbage_collector_is_back_on_once_the_database_is_open(tmp_path):
    """main() pauses the collector for the imports; opening the database turns it back on (what
    existed then frozen), so a command's own work, an import of a million rows, has it."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('collector', gc.isenabled(), gc.get_freeze_count() > 0))\n"
        "sys.argv = ['memberctl', *sys.argv[1:]]\n"
        "from memberctl.cli import main\n"
        "main()\n"
    )
    db = ["--db", str(tmp_path / "m.db"), "--no-input"]
    opened = python(code, *db, "tier", "list", "-f", "json")
    assert opened.splitlines()[-1] == "collector True True"
    help_only = python(code, *db, "tier", "--help")
    assert help_only.splitlines()[-1] == "collector False True"  # paused, frozen at exit
