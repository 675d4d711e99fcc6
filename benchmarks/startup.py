"""Start-up time of memberctl: `memberctl --help` and `memberctl member show` (wall clock).

    python benchmarks/startup.py [--runs 10]

Each command runs in a fresh process, `--runs` times after one warm-up run; the median is
printed beside a floor measured in the same run (`python -c pass`, `python -c "import typer"`),
so a slow or busy machine shows as a high floor rather than as a slow memberctl. `member show`
reads a temporary SQLite database holding one member. Targets: `--help` under 0.2 s,
`member show` under 0.5 s. Record the figures in README.md ("Measured").

Bytecode is cached as after `pip install` (in a temporary PYTHONPYCACHEPREFIX, so nothing is
written into the source tree), even where PYTHONDONTWRITEBYTECODE is set: without a cache every
run would compile memberctl's modules again, which users never pay.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def memberctl_command() -> list[str]:
    """The console script next to this interpreter (what users run), else `python -m memberctl`."""
    script = Path(sys.executable).parent / "memberctl"
    if script.exists():
        return [str(script)]
    found = shutil.which("memberctl")
    return [found] if found else [sys.executable, "-m", "memberctl"]


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def medians(
    commands: dict[str, list[str]], runs: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (user + system) time of each command. Runs are interleaved (one of
    each, `runs` times), so a burst of load elsewhere slows the floor as much as memberctl; CPU
    time hardly moves with load, so it tells a busy machine from a slower program."""
    for command in commands.values():  # warm-up: bytecode cache, OS file cache
        subprocess.run(command, env=env, capture_output=True, check=True)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            cpu_before, start = _cpu_of_children(), time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(_cpu_of_children() - cpu_before)
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in commands
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"MEMBERCTL_NO_INPUT": "1", "MEMBERCTL_OPERATOR": "benchmark"})
    memberctl = memberctl_command()
    with tempfile.TemporaryDirectory() as tmp:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        db = ["--db", str(Path(tmp) / "bench.db")]
        enroll = [*db, "member", "enroll", "--name", "张三", "--phone", "13800138000"]
        subprocess.run([*memberctl, *enroll], env=env, capture_output=True, check=True)

        py = sys.executable
        show = [*db, "member", "show", "M000001"]
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import typer'": [py, "-c", "import typer"],
            "memberctl --help": [*memberctl, "--help"],
            "memberctl member --help": [*memberctl, "member", "--help"],
            "memberctl member show M000001": [*memberctl, *show],
        }
        result = medians(commands, args.runs, env)

    floor = result["python -c 'import typer'"][0]
    targets = {"memberctl --help": 0.2, "memberctl member show M000001": 0.5}
    print(
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; median of {args.runs} runs; "
        f"command: {' '.join(Path(c).name for c in memberctl)}"
    )
    print(
        f"floor: python -c pass {result['python -c pass'][0]:.3f} s, "
        f"python -c 'import typer' {floor:.3f} s"
    )
    print()
    print("| command | median | CPU | floor (`import typer`) | target |")
    print("|---|---|---|---|---|")
    failed = False
    for name in list(commands)[2:]:
        seconds, cpu = result[name]
        target = targets.get(name)
        verdict = "-" if target is None else f"< {target:.1f} s"
        if target is not None and seconds >= target:
            verdict += " (over)"
            failed = True
        print(f"| `{name}` | {seconds:.3f} s | {cpu:.3f} s | {floor:.3f} s | {verdict} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
