"""atheris: `memberctl import members` on arbitrary bytes, as .csv, .xlsx or .xls by the first
byte, through the real CLI on one SQLite database. Run: python fuzz/import_sheet.py -help=1"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from sqlalchemy import create_engine

    from memberctl.cli import app
    from memberctl.db.engine import make_engine
    from memberctl.db.migrate import ensure_schema

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from typer.testing import CliRunner  # noqa: E402

from tests.fuzz.outcome import check_clean_outcome, table_counts  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="memberctl-fuzz-"))
DB = f"sqlite:///{WORK / 'fuzz.db'}"
SUFFIXES = (".csv", ".xlsx", ".xls")
RUNNER = CliRunner(env={"COLUMNS": "120", "MEMBERCTL_OPERATOR": "fuzz"})


def one_input(data: bytes) -> None:
    if not data:
        return
    path = WORK / f"input{SUFFIXES[data[0] % len(SUFFIXES)]}"
    path.write_bytes(data[1:])
    before = table_counts(ENGINE)
    errors = str(WORK / "rejects.csv")
    args = [
        "--db",
        DB,
        "--no-input",
        "import",
        "members",
        str(path),
        "-f",
        "json",
        "--errors",
        errors,
    ]
    result = RUNNER.invoke(app, args)
    check_clean_outcome(result, {0, 2, 5})
    if result.exit_code != 0:
        assert table_counts(ENGINE) == before, result.stderr


if __name__ == "__main__":
    migrate = make_engine(DB)
    ensure_schema(migrate)
    migrate.dispose()
    ENGINE = create_engine(DB)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
