"""Parsing a session's output without freezing the app: the terminal's output pump.

Measured (bench/bench_widget.py): the emulator is fast only when fed large batches (its
fast path sends lines that scroll off within one batch straight to the scrollback): on a
coloured listing it parses 0.8 MB/s in 4 KiB feeds and 9 MB/s in 256 KiB feeds, and one
such feed takes 30-90 ms. Large batches on the event loop would freeze the app; small ones
would make it slow. So the pump feeds large batches in a worker thread, holding a lock, and
the widget only reads the emulator between feeds (under the same lock), keeping a snapshot
of what it shows. Python's GIL still hands the event loop the CPU every few milliseconds
(``sys.getswitchinterval``), so keys and frames are served while a flood is parsed.

Bounds: a batch is about ``BATCH_SECONDS`` of parsing at the measured rate, and at most
``BACKLOG_SECONDS`` of parsing is read ahead; past that the reader stops reading, the PTY
fills and the program waits (back-pressure). So Ctrl+C's effect reaches the screen after at
most about ``BATCH_SECONDS + BACKLOG_SECONDS`` of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable

from cloudide_tui.terminal.emulator import TerminalEmulator

BATCH_SECONDS = 0.06
"""Target parsing time of one batch (its size follows the measured rate). In a worker
thread it never blocks the event loop (the GIL is handed over every few ms); larger
batches let the emulator skip more (lines that scroll off, rows a later frame writes
again): on top's output, 0.06 s gave ~1.7x the throughput of 0.03 s (A/B, six pairs)."""

BACKLOG_SECONDS = 0.1
"""Read ahead at most this much parsing work; then let the program wait."""

MIN_BATCH, MAX_BATCH = 4 * 1024, 4 * 1024 * 1024
INITIAL_RATE = 2e6
"""A first guess of the parsing speed (bytes/s), about the slowest measured: full-screen
programs. It is refined after every batch."""
MIN_BACKLOG, MAX_BACKLOG = 64 * 1024, 4 * 1024 * 1024

MIN_PUBLISH_INTERVAL = 1 / 60
"""The screen is published at most this often (Textual draws at most 60 frames a second)."""

PUBLISH_COST_RATIO = 5
"""...and at most once per this many times what the last publication and the frame drawn
from it cost (the widget adds its rendering time to ``render_cost``): both run on the
event loop and share the GIL with the parser, so a flood that changes every row of a
200x50 screen (~12 ms a frame) is shown about 15 times a second and the parser keeps ~80%
of the CPU, instead of 40 frames a second eating 40% of it."""

MAX_PUBLISH_INTERVAL = 0.1
"""...but at least this often (a flood is shown at 10 frames a second or more, and one
slow frame, e.g. the first, does not hold the screen back for long)."""

SYNC_TIMEOUT = 0.25
"""A synchronized update (mode 2026: the program draws a frame between ``CSI ? 2026 h``
and ``l``) holds the screen back at most this long: a program that dies mid-frame must
not freeze the view."""

INLINE_BYTES = 2048
"""Batches this small (typing, prompts) are parsed on the event loop: no thread hop."""

THREADED = True
"""Parse batches in a worker thread (else on the event loop, one batch per turn)."""


class OutputPump:
    """Buffers output and feeds it to ``emulator`` in batches, off the event loop.

    Args:
        emulator: The emulator to feed. Only touch it through ``with_emulator`` (or with
            ``lock`` held) while the pump runs.
        publish: Called on the event loop, with the lock held, after each batch: the
            widget takes its snapshot there.
    """

    def __init__(self, emulator: TerminalEmulator, publish: Callable[[], None]) -> None:
        self.emulator = emulator
        self.lock = threading.Lock()
        self._publish = publish
        self._deferred: list[Callable[[], None]] = []
        self._pending: deque[bytes | Callable[[], None]] = deque()
        self.backlog = 0
        """Bytes received and not parsed yet."""
        self.rate = INITIAL_RATE
        """Parsing speed, bytes per second (smoothed)."""
        self.limit = int(self.rate * BACKLOG_SECONDS)
        self.eof = False
        self._data_ready = asyncio.Event()
        self._space = asyncio.Event()
        self.publish_interval = MIN_PUBLISH_INTERVAL
        self.render_cost = 0.0
        """Seconds the widget spent rendering since the last publication (it adds them)."""
        self._last_sync = 0.0
        self._held_since: float | None = None  # a synchronized update began (monotonic)

    # -- the reader's side ---------------------------------------------------------------
    def push(self, data: bytes) -> None:
        """Output from the program, to be parsed."""
        self._pending.append(data)
        self.backlog += len(data)
        self._data_ready.set()

    def push_operation(self, operation: Callable[[], None]) -> None:
        """Run ``operation`` (which touches the emulator, with the lock held, on the event
        loop) once the output pushed before it is parsed, before the output after it: a
        change that the bytes after it were made for (the shell's new size)."""
        self._pending.append(operation)
        self._data_ready.set()

    def end(self) -> None:
        """No more output will come: ``run`` returns once everything is parsed."""
        self.eof = True
        self._data_ready.set()

    async def wait_for_space(self) -> None:
        """Wait while the backlog is over its limit (that is the back-pressure)."""
        while self.backlog > self.limit:
            self._space.clear()
            await self._space.wait()

    # -- the emulator's side -------------------------------------------------------------
    def with_emulator(self, operation: Callable[[], None]) -> None:
        """Run ``operation`` (which touches the emulator) now if it is free, else right
        after the batch being parsed."""
        if self.lock.acquire(blocking=False):
            try:
                operation()
            finally:
                self.lock.release()
        else:
            self._deferred.append(operation)

    def held(self) -> float:
        """Seconds a synchronized update may still hold the screen back (0: it may not)."""
        if self._held_since is None:
            return 0.0
        return max(0.0, self._held_since + SYNC_TIMEOUT - time.perf_counter())

    def sync(self, force: bool = False) -> bool:
        """Run deferred operations and publish, if no batch is being parsed and the
        program is not in the middle of a synchronized update (``force``: publish even
        then). True if it published."""
        if not self.lock.acquire(blocking=False):
            return False
        start = time.perf_counter()
        try:
            deferred, self._deferred = self._deferred, []
            for operation in deferred:
                operation()
            if self.emulator.synchronized and not force:
                if self._held_since is None:
                    self._held_since = start
                if start - self._held_since < SYNC_TIMEOUT:
                    return False  # the frame is not finished: show the last one meanwhile
            self._held_since = None
            self._publish()
        finally:
            self.lock.release()
        cost = time.perf_counter() - start + self.render_cost
        self.render_cost = 0.0
        self.publish_interval = min(
            MAX_PUBLISH_INTERVAL, max(MIN_PUBLISH_INTERVAL, PUBLISH_COST_RATIO * cost)
        )
        self._last_sync = time.perf_counter()
        return True

    def _take(self, size: int) -> bytes:
        """Up to ``size`` pending bytes, joining small reads (fewer, larger feeds)."""
        pending = self._pending
        parts: list[bytes] = []
        taken = 0
        while pending and taken < size:
            data = pending[0]
            if not isinstance(data, bytes):
                break  # an operation: it runs once what is before it is parsed
            pending.popleft()
            if taken + len(data) > size:
                cut = size - taken
                pending.appendleft(data[cut:])
                data = data[:cut]
            parts.append(data)
            taken += len(data)
        self.backlog -= taken
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _feed_locked(self, data: bytes) -> None:
        with self.lock:
            self.emulator.feed(data)

    async def run(self) -> None:
        """Parse output as it comes, until ``end`` was called and all of it is parsed."""
        clock = time.perf_counter
        while True:
            if not self._pending:
                if self.eof:
                    self.sync(force=True)
                    return
                # Caught up: show it within a frame. (The cost-based interval is for
                # floods; applied here it would delay the end of every burst.)
                wait = self._last_sync + MIN_PUBLISH_INTERVAL - clock()
                self._data_ready.clear()
                if wait <= 0 and not self.sync():
                    # held back (a synchronized update, or the emulator busy): try again
                    # when more output comes, or when the hold runs out
                    wait = max(self.held(), 0.002)
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._data_ready.wait(), wait)
                    continue
                await self._data_ready.wait()
                continue
            first = self._pending[0]
            if not isinstance(first, bytes):
                self._pending.popleft()
                with self.lock:
                    first()
                continue
            batch = int(min(MAX_BATCH, max(MIN_BATCH, self.rate * BATCH_SECONDS)))
            data = self._take(batch)
            start = clock()
            if (not THREADED or len(data) <= INLINE_BYTES) and not self.lock.locked():
                self._feed_locked(data)
            else:
                await asyncio.to_thread(self._feed_locked, data)
            elapsed = clock() - start
            if len(data) >= MIN_BATCH and elapsed > 0:
                rate = len(data) / elapsed
                self.rate = 0.7 * self.rate + 0.3 * rate
                self.limit = int(min(MAX_BACKLOG, max(MIN_BACKLOG, self.rate * BACKLOG_SECONDS)))
            if self.backlog <= self.limit:
                self._space.set()
            if clock() - self._last_sync >= self.publish_interval:
                self.sync()
            await asyncio.sleep(0)
