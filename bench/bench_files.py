"""Workspace file API: the cost of the symlink-safe walk

Each operation of ``WorkspaceFS`` (open the root, walk every folder with O_NOFOLLOW, check
the resolved location, act through dir_fd) next to the plain path-based call that a naive
file API would make on the same files (the floor, which would follow links).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import Report
from cloudide_tui.backend.workspace_fs import WorkspaceFS

ROUNDS = 2000


def _median_us(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        action()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="cloudide-bench-") as tmp:
        root = Path(tmp) / "ws"
        deep = root / "src" / "pkg" / "mod"
        deep.mkdir(parents=True)
        small = deep / "main.py"
        small.write_bytes(b"print('hello')\n" * 100)
        for i in range(1000):
            (root / "src" / f"file{i:04}.txt").write_bytes(b"x")
        fs = WorkspaceFS(root)
        rel = "src/pkg/mod/main.py"

        ours = _median_us(lambda: fs.read_file(rel))
        floor = _median_us(small.read_bytes)
        report.add(
            "read a 1.5 KB file, 3 folders deep (p50)",
            ours,
            "us",
            anchor_name="Path.read_bytes",
            anchor=floor,
            goal="< 100 us",
        )

        ours = _median_us(lambda: fs.stat(rel))
        floor = _median_us(lambda: os.lstat(small))
        report.add(
            "stat a file, 3 folders deep (p50)",
            ours,
            "us",
            anchor_name="os.lstat",
            anchor=floor,
            goal="< 50 us",
        )

        data = b"x = 1\n" * 1000
        ours = _median_us(lambda: fs.write_file(rel, data), rounds=300)
        floor = _median_us(lambda: small.write_bytes(data), rounds=300)
        report.add(
            "save 6 KB atomically with fsync (p50)",
            ours,
            "us",
            anchor_name="Path.write_bytes (no fsync)",
            anchor=floor,
            goal="< 20 ms (fsync-bound)",
        )

        ours = _median_us(lambda: fs.list_dir("src"), rounds=100)

        def naive_listing() -> list[tuple[str, os.stat_result]]:
            # What any listing with sizes and times costs: scandir, lstat each, sort.
            with os.scandir(root / "src") as it:
                return sorted((e.name, e.stat(follow_symlinks=False)) for e in it)

        floor = _median_us(naive_listing, rounds=100)
        report.add(
            "list a folder of 1000 files (p50)",
            ours,
            "us",
            anchor_name="scandir+lstat+sort",
            anchor=floor,
            goal="< 10 ms",
        )
