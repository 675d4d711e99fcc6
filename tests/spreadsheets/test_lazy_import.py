"""The spreadsheet side room stays closed until a command that needs it runs."""

from __future__ import annotations

import subprocess
import sys


def test_help_does_not_load_pandas_or_spreadsheets():
    code = (
        "import sys\n"
        "from memberctl.cli import app\n"
        "from typer.testing import CliRunner\n"
        "CliRunner().invoke(app, ['import', '--help'])\n"
        "CliRunner().invoke(app, ['export', 'members', '--help'])\n"
        "heavy = [m for m in ('pandas', 'openpyxl', 'xlsxwriter', 'python_calamine',"
        " 'memberctl.spreadsheets') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
