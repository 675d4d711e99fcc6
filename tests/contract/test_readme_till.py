"""The README's worked receipt ("At the till / 收银") is what `memberctl --lang zh sale` prints
for the issue's example: a gold member, list 300.00, a 20.00 coupon with minimum 200, 1,000
points at 100 = 1.00, 50.00 from the wallet and the rest by WeChat."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.cli.test_sale import code_of, issue

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_example() -> tuple[list[str], list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## At the till / 收银\n") :]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert block, "the till section has no ```text block"
    command, *output = block.group(1).splitlines()
    assert command.startswith("$ memberctl ")
    return command.removeprefix("$ memberctl ").split(), output


def test_the_readme_receipt_is_what_sale_prints(run, db_url, session, tmp_path):
    member_no = run.json("member", "enroll", "--name", "王芳", "--phone", "13800138000",
                         "--tier", "gold", "--tag", "vip")["member_no"]  # fmt: skip
    assert member_no == "M000001"
    issue(run, tmp_path)  # the 20.00 coupon with minimum 200, issued on 2026-11-25
    assert run("points", "add", member_no, "1000", "--reason", "opening").exit_code == 0
    assert run("wallet", "topup", member_no, "100").exit_code == 0
    args, expected = _readme_example()
    shown = args[args.index("--coupon") + 1]
    code = code_of(session, member_no)  # codes are random: the README shows one
    args[args.index("--coupon") + 1] = code
    env = {**os.environ, "COLUMNS": "100", "MEMBERCTL_NO_INPUT": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", db_url, *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = [
        line.rstrip() for line in (done.stdout + done.stderr).replace(code, shown).splitlines()
    ]
    assert printed == expected
