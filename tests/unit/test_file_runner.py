"""The file runner: a file operation that gets stuck (a hung mount, a crawling disk) gets
its caller an answer at its deadline, and never stalls another project's files. Real
threads, a real blocking call (a lock nobody releases until the test says so)."""

from __future__ import annotations

import asyncio
import errno
import threading

import pytest

from cloudide_tui.backend.file_runner import FileRunner
from cloudide_tui.errors import FileOperationError


async def test_a_stuck_project_answers_at_its_deadline_and_the_others_go_on() -> None:
    runner = FileRunner(deadline=0.5, threads=2)
    release = threading.Event()
    try:

        def stuck() -> str:
            release.wait(60)  # a system call that does not come back
            return "late"

        # Every thread of project A is stuck (and one more call waits behind them).
        calls = [asyncio.create_task(runner.run("a", "reading 'big.bin'", stuck)) for _ in range(3)]
        for call in calls:
            with pytest.raises(FileOperationError, match=r"Reading 'big.bin' did not finish"):
                await call

        # Project B does not notice, however many calls it makes.
        def double(n: int) -> int:
            return n * 2

        results = await asyncio.gather(
            *(runner.run("b", "listing '/'", double, n) for n in range(20))
        )
        assert results == [n * 2 for n in range(20)]
        # Once A's disk answers again, A works again too.
        release.set()
        assert await runner.run("a", "reading 'small.txt'", lambda: "ok") == "ok"
    finally:
        release.set()
        runner.close()


async def test_a_raw_system_error_reaches_the_caller_in_words_without_a_host_path() -> None:
    runner = FileRunner()

    def fails() -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/host/secret/path")

    try:
        with pytest.raises(FileOperationError) as caught:
            await runner.run("a", "saving 'x'", fails)
        assert str(caught.value) == "Saving 'x' failed: Permission denied."
    finally:
        runner.close()


async def test_idle_projects_keep_no_threads_but_a_stuck_one_is_kept_until_it_returns() -> None:
    runner = FileRunner(deadline=0.5, idle=0)  # any lane with nothing running is idle
    release = threading.Event()
    try:
        assert await runner.run("a", "listing '/'", lambda: 1) == 1
        with pytest.raises(FileOperationError):
            await runner.run("stuck", "reading 'x'", release.wait, 60)
        await runner.run("b", "listing '/'", lambda: 2)
        # "a" went (nothing ran there); "stuck" stays: its thread has not come back.
        assert runner.lanes() == {"stuck": 1, "b": 0}
        release.set()
        await runner.run("a", "listing '/'", lambda: 3)  # back, once asked again
        assert set(runner.lanes()) <= {"stuck", "a"}
    finally:
        release.set()
        runner.close()
