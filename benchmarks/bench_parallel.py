"""Wall time of ``harness test`` serial vs ``-n WORKERS`` (pytest-xdist), same selection, same machine.

Each run is a fresh ``harness test`` process (what a user runs), reports and cassettes in a
temporary folder; the best of ``--repeat`` runs is kept. Two selections by default:

- ``main job``: every suite and collection, recording fresh cassettes (the README command);
- ``suites, replay``: the suites only, replaying the committed cassettes (what CI's pytest does).

    python benchmarks/bench_parallel.py [--workers 2] [--repeat 1] [--only main]

Each worker starts its own simulator and gets its own tokens, so parallel runs pay a fixed
start-up cost per worker; the ratio says how much of the run was parallel work.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "main": ("main job", []),
    "replay": ("suites, replay", ["--no-collections", "--cassette-dir", str(REPO / "cassettes"),
                                  "--record-mode", "none"]),
}
PASSED = re.compile(r"=+ (\d+) passed")


def run_once(args: list[str], workers: int | None) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        env = {**os.environ, "TMPDIR": tmp}
        env.pop("CI", None)
        command = [sys.executable, "-m", "harness.cli", "test", "--reports", str(Path(tmp) / "reports"), *args]
        if workers:
            command += ["-n", str(workers)]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=1800)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"harness test failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    passed = PASSED.search(result.stdout)
    return elapsed, int(passed.group(1)) if passed else 0


def best(args: list[str], workers: int | None, repeat: int) -> tuple[float, int]:
    runs = [run_once(args, workers) for _ in range(repeat)]
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the best is kept")
    parser.add_argument("--only", choices=sorted(SCENARIOS), default=None)
    options = parser.parse_args(argv)
    print(f"harness test, serial vs -n {options.workers} ({os.cpu_count()} cores), best of {options.repeat}")
    print(f"{'selection':<16} {'tests':>5} {'serial':>9} {'-n ' + str(options.workers):>9} {'speed-up':>9}")
    for key, (label, args) in SCENARIOS.items():
        if options.only and key != options.only:
            continue
        serial, tests = best(args, None, options.repeat)
        parallel, tests_parallel = best(args, options.workers, options.repeat)
        if tests != tests_parallel:
            sys.exit(f"{label}: {tests} tests serial but {tests_parallel} with -n {options.workers}")
        print(f"{label:<16} {tests:>5} {serial:>8.1f}s {parallel:>8.1f}s {serial / parallel:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
