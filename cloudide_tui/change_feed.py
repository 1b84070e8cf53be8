"""The backend's change events as messages: one watcher service for the whole app.

Instead of each widget polling (the browser listed its folders once a second, each
editor checked its file), the main screen runs one ``ChangeFeed``: it subscribes to
``Backend.events()`` (inotify on the local workspaces, the server's stream remotely) and
posts what it hears as ``messages.BackendChanged``, a few events at a time (those that
arrive within ``GATHER`` of the first go together: a ``git checkout`` or ``npm install``
becomes a few messages, not thousands). The screen decides what to list or read again.

If the subscription fails (the engine is away), it says so once and tries again every
``RETRY`` seconds; once it is back, it posts ``EventsLost`` (list everything again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from textual.message import Message

from cloudide_tui.backend.base import Backend, BackendEvent, EventsLost, EventStream
from cloudide_tui.messages import BackendChanged

log = logging.getLogger(__name__)

GATHER = 0.05
"""Seconds during which more events join the first one in one message."""
MOST = 500
"""Events in one message at most."""
RETRY = 5.0
"""Seconds between two tries to subscribe when it failed."""


class ChangeFeed:
    """Posts ``BackendChanged`` messages with ``post`` (see the module docstring).

    Args:
        backend: Whose events to follow.
        post: Where they go (the main screen's ``post_message``: thread- and task-safe).
    """

    def __init__(self, backend: Backend, post: Callable[[Message], object]) -> None:
        self.backend = backend
        self._post = post
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        """Set once the first subscription watches (a change made after it is told)."""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def _run(self) -> None:
        failed = False
        while True:
            try:
                async with self.backend.events() as stream:
                    self.ready.set()
                    if failed:
                        self._post(BackendChanged([EventsLost(0)]))
                        failed = False
                    while True:
                        batch = [await stream.get()]
                        await self._gather(stream, batch)
                        self._post(BackendChanged(batch))
            except StopAsyncIteration:
                failed = True  # the stream ended (the backend closed it): subscribe again
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("change events: subscribing failed", exc_info=True)
                failed = True
            self.ready.set()  # do not hold anyone up: the screen lists what it shows anyway
            await asyncio.sleep(RETRY)

    @staticmethod
    async def _gather(stream: EventStream, batch: list[BackendEvent]) -> None:
        """Add what comes within ``GATHER`` of the first event (at most ``MOST``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER
        while len(batch) < MOST:
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                batch.append(await asyncio.wait_for(stream.get(), left))
            except TimeoutError:
                return
