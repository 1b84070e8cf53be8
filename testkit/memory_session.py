"""A ``ShellSession`` over bytes in memory: recorded output in, written input kept.

For what must be deterministic (snapshot pictures) or must not depend on a program's speed
(benchmarks replaying a recorded stream). Everything else is tested on real PTYs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from cloudide_tui.backend.base import ShellSession


class MemorySession(ShellSession):
    """Replays ``chunks`` as output, then waits for more (``push``) or ends (``end``).

    Args:
        chunks: Output to hand out, one chunk per ``read``.
        end: End the session once ``chunks`` are read (as if the program exited).
        status: The exit status reported when it ends. reason: Its end reason.
    """

    def __init__(
        self,
        chunks: Iterable[bytes] = (),
        *,
        end: bool = False,
        status: int | None = 0,
        reason: str = "replay ended",
    ) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        for chunk in chunks:
            if chunk:
                self._queue.put_nowait(chunk)
        self._final_status, self._final_reason = status, reason
        self._status: int | None = None
        self._reason: str | None = None
        self._done = False
        self.written = bytearray()
        """Every byte the terminal wrote (keys, pastes, replies)."""
        self.sizes: list[tuple[int, int]] = []
        """Every (rows, cols) the terminal asked for."""
        self.closed = False
        if end:
            self._queue.put_nowait(b"")

    @property
    def unread(self) -> int:
        """Chunks not read yet."""
        return self._queue.qsize()

    def push(self, data: bytes) -> None:
        """More output, as if the program printed it."""
        if data:
            self._queue.put_nowait(data)

    def end(self) -> None:
        """The program exits after the output pushed so far."""
        self._queue.put_nowait(b"")

    async def read(self) -> bytes:
        if self._done:
            return b""
        data = await self._queue.get()
        if not data:
            self._done = True
            self._status = self._status if self.closed else self._final_status
            self._reason = self._reason or self._final_reason
        return data

    async def write(self, data: bytes) -> None:
        if not self._done:
            self.written += data

    async def resize(self, rows: int, cols: int) -> None:
        self.sizes.append((rows, cols))

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._reason = self._reason or "session closed"
            self._queue.put_nowait(b"")

    @property
    def exit_status(self) -> int | None:
        return self._status

    @property
    def end_reason(self) -> str | None:
        return self._reason
