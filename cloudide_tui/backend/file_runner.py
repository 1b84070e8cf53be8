"""Where the blocking file operations run: threads of their own per project, and a
deadline for every call.

A file operation can get stuck where no code of ours can help: a disk that crawls, a hung
network mount under the data dir. The caller must still get an answer, and one stuck
project must not stall the others. ``asyncio.to_thread`` gives neither: its default pool
is shared by everything in the process (cpu count + 4 threads: 6 on a two-core host), so
a handful of stuck operations would stall every project's file API, and the caller would
wait forever.

So each *lane* (a project; ``WORKSPACES`` for the operations on the workspaces folder
itself) has its own small pool, made on first use, and each call has a deadline: past it
the caller gets a ``FileOperationError`` saying so, and the thread is left to finish (a
system call cannot be interrupted), holding one of its own lane's threads only. A lane
whose threads are all stuck answers its next calls with the same error at their
deadline; the other lanes do not notice.

Operations that can stop cleanly take a ``deadline`` of their own, a little earlier than
the runner's (``WorkspaceFS.delete``), so that they end by themselves in time.

A lane unused for ``IDLE_LANE`` seconds, with nothing running in it (a stuck call counts
until its thread comes back), is dropped: a server with many projects keeps threads only
for the ones in use.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from cloudide_tui.errors import FileOperationError

P = ParamSpec("P")
T = TypeVar("T")

FILE_DEADLINE = 30.0
"""Seconds a file operation may take before its caller is told it did not finish."""

THREADS_PER_LANE = 4
"""Threads of one lane: operations of one project that may run at once."""

WORKSPACES = ""
"""The lane of operations on the workspaces folder (list, create, trash a project)."""

IDLE_LANE = 60.0
"""Seconds a lane may sit unused, nothing running in it, before its threads go."""


@dataclass
class _Lane:
    executor: ThreadPoolExecutor
    running: int = 0
    """Calls whose thread has not come back (a call past its deadline still counts)."""
    last_used: float = field(default_factory=time.monotonic)


class FileRunner:
    """Runs blocking file operations in per-lane threads, each call with a deadline.

    Args:
        deadline: Default seconds per call.
        threads: Threads per lane.
    """

    def __init__(
        self,
        deadline: float = FILE_DEADLINE,
        threads: int = THREADS_PER_LANE,
        idle: float = IDLE_LANE,
    ) -> None:
        self.deadline = deadline
        self.threads = threads
        self.idle = idle
        self._lanes: dict[str, _Lane] = {}
        self._lock = threading.Lock()  # ``running`` is counted down from worker threads

    def _submit(self, name: str, call: Callable[[], T]) -> Future[T]:
        now = time.monotonic()
        with self._lock:
            for other, idle in list(self._lanes.items()):
                if other != name and not idle.running and now - idle.last_used > self.idle:
                    del self._lanes[other]
                    idle.executor.shutdown(wait=False)
            found = self._lanes.get(name)
            if found is None:
                executor = ThreadPoolExecutor(
                    self.threads, thread_name_prefix=f"cloudide-files-{name}"
                )
                found = self._lanes[name] = _Lane(executor)
            found.running += 1
            found.last_used = now
            future = found.executor.submit(call)

        def finished(_: Future[T]) -> None:
            with self._lock:
                found.running -= 1
                found.last_used = time.monotonic()

        future.add_done_callback(finished)  # (at once, here, if it is done already)
        return future

    def lanes(self) -> dict[str, int]:
        """Lanes that have threads now, with how many calls run in each."""
        with self._lock:
            return {name: lane.running for name, lane in self._lanes.items()}

    async def run(
        self,
        lane: str,
        what: str,
        fn: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``fn(*args, **kwargs)`` on ``lane``'s threads and wait for it, up to the
        runner's deadline.

        Args:
            what: The operation in words, for the error ("deleting 'build'").

        Raises:
            FileOperationError: the deadline passed; or ``fn`` let an OSError through
                (file code turns them into words itself: this is the safety net that
                keeps a host path or a raw errno from ever reaching the user).
            CloudIDEError: whatever ``fn`` raised.
        """
        future = asyncio.wrap_future(self._submit(lane, functools.partial(fn, *args, **kwargs)))
        try:
            return await asyncio.wait_for(future, self.deadline)
        except TimeoutError:
            raise FileOperationError(
                f"{what[:1].upper()}{what[1:]} did not finish within {self.deadline:g} s.",
                hint="the disk may be slow or stuck; it may still finish, try again later",
            ) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise FileOperationError(f"{what[:1].upper()}{what[1:]} failed: {reason}.") from None

    def forget(self, lane: str) -> None:
        """Drop a lane (a deleted project): its threads end once idle."""
        with self._lock:
            dropped = self._lanes.pop(lane, None)
        if dropped is not None:
            dropped.executor.shutdown(wait=False)

    def close(self) -> None:
        """Drop every lane (threads end once idle; a stuck one ends when it can)."""
        for lane in list(self._lanes):
            self.forget(lane)
