"""Run the whole test suite several times in a row beside a CPU burner: races show up.

    .venv/bin/python scripts/stress_suite.py [--runs N] [--burners K] [-- PYTEST ARGS]
    (or: make test-stress RUNS=N ARGS="...")

The burner is one busy process per core (``os.cpu_count()`` by default), at normal
priority, so the suite's processes, threads, containers and the engine fight for the CPU
as on a loaded shared machine. Runs stop at the first failure (its output is pytest's
own, above); the last line says how many runs were clean under load. The burners are
this script's own child processes, ended by their pids when it finishes, however it
finishes. Exit status: 0 when every run was clean, else pytest's status.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import time


def burn() -> None:
    """Keep one core busy until terminated."""
    x = 0
    while True:
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="suite runs (default 3)")
    parser.add_argument(
        "--burners", type=int, default=os.cpu_count() or 2, help="busy processes (one per core)"
    )
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)

    # SIGTERM ends us through the finally below too (burners and a running suite go).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(args.burners)]
    for process in burners:
        process.start()
    print(f"stress: {args.burners} CPU burner(s) running; {args.runs} suite run(s)", flush=True)
    clean = 0
    status = 0
    suite: subprocess.Popen[bytes] | None = None
    try:
        for run in range(1, args.runs + 1):
            start = time.monotonic()
            print(f"\n=== stress run {run}/{args.runs} ===", flush=True)
            suite = subprocess.Popen([sys.executable, "-m", "pytest", *args.pytest_args])
            status = suite.wait()
            took = time.monotonic() - start
            if status != 0:
                print(f"\nstress: run {run} FAILED after {took:.0f} s", flush=True)
                break
            clean += 1
            print(f"stress: run {run} clean in {took:.0f} s", flush=True)
    finally:
        if suite is not None and suite.poll() is None:
            suite.send_signal(signal.SIGINT)  # pytest cleans up (containers) on SIGINT
            try:
                suite.wait(120)
            except subprocess.TimeoutExpired:
                suite.kill()
        for process in burners:
            process.terminate()
        for process in burners:
            process.join(5)
    print(f"\nstress: {clean} of {args.runs} runs clean under load", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
