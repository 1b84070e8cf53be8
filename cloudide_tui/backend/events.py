"""Change events a backend pushes, so that no client has to poll.

Files created/changed/deleted under a project, projects appearing and going, container
state, shells opened and ended. A backend fans them out through an :class:`EventHub` to
any number of :class:`EventSubscription` s; each subscriber has its own bounded queue, and
one that falls behind gets a single :class:`EventsLost` (then a fresh start: list again)
instead of stalling the others or growing without bound.

UI-free and transport-free: the server forwards these over the protocol, the app turns
them into Messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from cloudide_tui.backend.base import (
    BackendEvent,
    Change,
    ContainerChanged,
    EventsLost,
    EventStream,
    FileChanged,
    ProjectChanged,
    ShellEnded,
    ShellOpened,
)

__all__ = [
    "BackendEvent",
    "Change",
    "ContainerChanged",
    "EventHub",
    "EventSubscription",
    "EventsLost",
    "FileChanged",
    "ProjectChanged",
    "ShellEnded",
    "ShellOpened",
]

#: Events a subscriber may have waiting before it is told it lost some.
QUEUE_LIMIT = 2048


def _project_of(event: BackendEvent) -> str | None:
    return None if isinstance(event, EventsLost) else event.project


class EventSubscription(EventStream):
    """One subscriber's stream: ``async for event in subscription`` until ``close()``.

    Also an async context manager (closing on exit). Made by :meth:`EventHub.subscribe`.

    Args:
        project: Only this project's events (None: all of the owner's).
        on_close: Called once when closed (the hub forgets it).
        ready: Done once the sources watch (events from then on are not missed).
    """

    def __init__(
        self,
        project: str | None,
        on_close: Callable[[EventSubscription], None],
        limit: int = QUEUE_LIMIT,
        ready: asyncio.Future[None] | None = None,
    ) -> None:
        self.project = project
        self._ready = ready
        self._queue: asyncio.Queue[BackendEvent | None] = asyncio.Queue()
        self._limit = limit
        self._dropped = 0
        self._closed = False
        self._on_close = on_close

    def wants(self, event: BackendEvent) -> bool:
        """Whether this subscriber asked for ``event`` (its project filter)."""
        return self.project is None or _project_of(event) in (None, self.project)

    def put(self, event: BackendEvent) -> None:
        """Queue an event (never blocks: past the limit the queue is replaced by EventsLost)."""
        if self._closed:
            return
        if self._queue.qsize() >= self._limit:
            self._dropped += self._queue.qsize() + 1
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(EventsLost(self._dropped))
            return
        self._queue.put_nowait(event)

    async def get(self) -> BackendEvent:
        """The next event.

        Raises:
            StopAsyncIteration: the subscription was closed.
        """
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        if isinstance(event, EventsLost):
            self._dropped = 0
        return event

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until the sources watch: a change made after this is told.

        A source that could not start (no engine) does not hold this up past ``timeout``.
        """
        if self._ready is not None and not self._ready.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._ready), timeout)

    @property
    def pending(self) -> int:
        """Events waiting to be read."""
        return self._queue.qsize()

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Stop receiving; a pending ``get`` ends (StopAsyncIteration)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(None)
        self._on_close(self)


class EventHub:
    """Fans events out to subscribers; starts its sources with the first one.

    Args:
        start: Called when the first subscriber arrives (start watching); returns what
            to await until the sources watch (None: at once).
        stop: Called when the last one leaves (stop watching).
    """

    def __init__(
        self,
        start: Callable[[], Awaitable[None] | None] | None = None,
        stop: Callable[[], None] | None = None,
    ) -> None:
        self._subscribers: set[EventSubscription] = set()
        self._start = start
        self._stop = stop
        self._ready: asyncio.Future[None] | None = None

    def subscribe(self, project: str | None = None, limit: int = QUEUE_LIMIT) -> EventSubscription:
        """A new subscription (see :class:`EventSubscription`) holding at most ``limit``
        events unread."""
        if not self._subscribers and self._start is not None:
            started = self._start()
            self._ready = asyncio.ensure_future(started) if started is not None else None
        subscription = EventSubscription(project, self._forget, limit, ready=self._ready)
        self._subscribers.add(subscription)
        return subscription

    def _forget(self, subscription: EventSubscription) -> None:
        self._subscribers.discard(subscription)
        if not self._subscribers and self._stop is not None:
            self._stop()

    @property
    def active(self) -> bool:
        """Whether anyone listens (sources may skip work otherwise)."""
        return bool(self._subscribers)

    def publish(self, event: BackendEvent) -> None:
        """Give ``event`` to every subscriber that wants it (never blocks)."""
        for subscription in list(self._subscribers):
            if subscription.wants(event):
                subscription.put(event)

    async def close(self) -> None:
        """End every subscription."""
        for subscription in list(self._subscribers):
            with contextlib.suppress(Exception):
                await subscription.close()
