"""Shells owned by the server: read without pause, remembered, watched by any number of
viewers that come and go.

A ``ServerSession`` wraps one backend ``ShellSession``. Its pump reads the shell all the
time (whether anyone watches or not), feeds a headless ``TerminalEmulator`` (the exact
current screen, for new viewers) and appends to an ``OutputRing`` (the recent bytes, by
offset, for viewers that resume). Nothing a viewer does can slow the pump.

A ``Viewer`` is one attachment of one connection. It has its own sender task that awaits
its socket: it sends the ring from its offset on, and when it has fallen out of the ring
(a slow viewer) or was told to skip (Ctrl+C under a flood) it sends a snapshot of the
screen instead and goes on from there. The size of the shell follows the viewer that
resized or typed last; read-only viewers can do neither.

Terminal queries (cursor position, device attributes ...) reach every viewer, and every
viewer's terminal answers: the program must get one answer. The **answerer** is the
viewer that typed or resized last, else the writable viewer attached most recently; only
its REPLY frames reach the shell. With no writable viewer at all, the server's own
emulator (which has seen every byte) answers, so a program never waits for an answer
nobody gives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from cloudide_tui.backend.base import ShellInfo, ShellSession
from cloudide_tui.errors import NotAllowed
from cloudide_tui.protocol import frames
from cloudide_tui.protocol.messages import Message, Presence, ShellEnd, SizeChanged
from cloudide_tui.protocol.messages import Viewer as ViewerInfo
from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.redraw import SCROLLBACK_TAIL, redraw

from .ring import OutputRing

log = logging.getLogger("cloudide_server.sessions")

CHUNK = 64 * 1024
"""Most output bytes in one frame."""

SKIP_KEYS = (b"\x03", b"\x1a", b"\x1c")
"""Ctrl+C, Ctrl+Z, Ctrl+\\: a viewer that types one skips its unsent backlog (as Eternal
Terminal does), so the prompt comes back at once under a flood."""

SKIP_BACKLOG = 64 * 1024
"""A backlog under this is sent anyway (it goes fast)."""

INPUT_KEYS_KEPT = 64
"""Input keys whose byte counts a session remembers (the oldest is forgotten first)."""


class Link(Protocol):
    """What a viewer needs of its connection."""

    async def send_binary(self, data: bytes) -> None:
        """Send a binary frame, waiting while the socket is congested."""

    def send_control(self, message: Message) -> None:
        """Queue a control message (sent in order by the connection's writer)."""


class Viewer:
    """One attachment of a connection to a session (see the module docstring)."""

    def __init__(
        self,
        session: ServerSession,
        link: Link,
        *,
        channel: int,
        user: str,
        client: str,
        read_only: bool,
        offset: int | None,
        input_key: str | None = None,
    ) -> None:
        self.session = session
        self.link = link
        self.input_key = input_key
        """The client's name for its input (``AttachShell.input_key``), or None."""
        self.channel = channel
        self.user = user
        self.client = client
        self.read_only = read_only
        self.wanted_size: tuple[int, int] | None = None
        ring = session.ring
        self.resumed = offset is not None and ring.holds(offset)
        self.offset = offset if offset is not None and self.resumed else ring.end
        self._snapshot_due = not self.resumed
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._done = False
        self.frames_sent = 0
        self.snapshots_sent = 0
        self.seq = session.next_viewer_seq()
        """Attach order within the session (the newest writable viewer answers queries
        when nobody has typed)."""

    @property
    def info(self) -> ViewerInfo:
        return ViewerInfo(user=self.user, client=self.client, read_only=self.read_only)

    def start(self) -> None:
        """Start sending (after the attach result went out)."""
        if self._task is None and not self._done:
            self._task = asyncio.ensure_future(self._send_loop())
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def skip_backlog(self) -> None:
        """Drop the unsent backlog: the next frame is a snapshot of the screen now."""
        if self.session.ring.end - self.offset > SKIP_BACKLOG:
            self._snapshot_due = True
            self._wake.set()

    async def _send_loop(self) -> None:
        session = self.session
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while True:
                    ring = session.ring
                    if self._snapshot_due or self.offset < ring.start:
                        self._snapshot_due = False
                        offset, rows, cols, data = session.snapshot()
                        self.offset = offset
                        self.snapshots_sent += 1
                        await self.link.send_binary(
                            frames.encode_snapshot(self.channel, offset, rows, cols, data)
                        )
                        continue
                    if self.offset < ring.end:
                        data = ring.read(self.offset, CHUNK)
                        frame = frames.encode_output(self.channel, self.offset, data)
                        self.offset += len(data)
                        self.frames_sent += 1
                        await self.link.send_binary(frame)
                        continue
                    break
                if session.ended and self.offset >= session.ring.end:
                    self._finish(session.end_message(self.channel))
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away: the connection detaches us
            log.debug("viewer %s of %s stopped sending", self.channel, session.id, exc_info=True)

    def _finish(self, message: Message | None) -> None:
        if self._done:
            return
        self._done = True
        if message is not None:
            self.link.send_control(message)
        self.session.viewers.discard(self)
        self.session.viewer_left(self)
        self.session.viewers_changed()

    async def stop(self) -> None:
        """Stop sending and leave the session (it runs on)."""
        self._finish(None)
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


class ServerSession:
    """A shell held by the server (see the module docstring).

    Args:
        shell: The backend's session (the pump is its only reader).
        project, user: Whose it is.
        rows, cols: Its size now.
        on_end: Called once when it has ended and every byte was read.
    """

    def __init__(
        self,
        shell: ShellSession,
        *,
        project: str,
        user: str,
        rows: int,
        cols: int,
        ring_limit: int,
        on_end: Callable[[ServerSession], Awaitable[None]],
    ) -> None:
        self.shell = shell
        self.id = shell.session_id
        self.project = project
        self.user = user
        self.started = time.time()
        self.rows, self.cols = rows, cols
        self.emulator = TerminalEmulator(cols, rows, scrollback=SCROLLBACK_TAIL)
        self.ring = OutputRing(ring_limit)
        self.viewers: set[Viewer] = set()
        self.input_received: dict[str, int] = {}
        """Bytes written to the shell per input key (``AttachShell.input_key``)."""
        self.answerer: Viewer | None = None
        """Whose terminal answers the program's queries (see the module docstring)."""
        self._viewer_seq = 0
        self.idle_since: float | None = time.monotonic()
        self.ended = False
        self.exit_status: int | None = None
        self.reason: str | None = None
        self.opened_by_mvp = False
        self._on_end = on_end
        self._pump_task: asyncio.Task[None] | None = None
        self._closing = False
        self._close_reason: str | None = None

    def start(self) -> None:
        self._pump_task = asyncio.ensure_future(self._pump())

    @property
    def info(self) -> ShellInfo:
        return ShellInfo(
            self.id, self.project, self.started, self.emulator.title, len(self.viewers)
        )

    # -- output ---------------------------------------------------------------------------
    async def _pump(self) -> None:
        shell, emulator, ring = self.shell, self.emulator, self.ring
        try:
            while True:
                data = await shell.read()
                if not data:
                    break
                emulator.feed(data)
                replies = emulator.take_replies()
                if replies and self.answerer is None:  # nobody to answer: we do
                    await shell.write(replies)
                ring.append(data)
                for viewer in self.viewers:
                    viewer.wake()
                await asyncio.sleep(0)  # a flood must not starve the other sessions
        except Exception:
            log.exception("session %s: reading the shell failed", self.id)
        await self._ended(
            shell.exit_status, self._close_reason or shell.end_reason or "session ended"
        )

    async def _ended(self, status: int | None, reason: str) -> None:
        if self.ended:
            return
        self.ended = True
        self.exit_status = status
        self.reason = reason
        for viewer in list(self.viewers):
            viewer.wake()  # each sends what is left, then shell_end
        with contextlib.suppress(Exception):
            await self.shell.close()
        await self._on_end(self)

    @property
    def ending_reason(self) -> str | None:
        """Why it ended or is ending (None while it runs on)."""
        return self.reason or self._close_reason

    def end_message(self, channel: int) -> ShellEnd:
        return ShellEnd(
            channel=channel,
            session_id=self.id,
            exit_status=self.exit_status,
            reason=self.reason or "session ended",
        )

    def snapshot(self) -> tuple[int, int, int, bytes]:
        """(offset, rows, cols, redraw bytes) of the screen now."""
        return self.ring.end, self.emulator.lines, self.emulator.columns, redraw(self.emulator)

    # -- viewers --------------------------------------------------------------------------
    def next_viewer_seq(self) -> int:
        self._viewer_seq += 1
        return self._viewer_seq

    def viewer_left(self, viewer: Viewer) -> None:
        """A viewer went: if it answered queries, the newest writable one does now."""
        if self.answerer is viewer:
            writable = [v for v in self.viewers if not v.read_only]
            self.answerer = max(writable, key=lambda v: v.seq) if writable else None

    def attach(
        self,
        link: Link,
        *,
        channel: int,
        user: str,
        client: str,
        read_only: bool,
        offset: int | None,
        input_key: str | None = None,
    ) -> Viewer:
        """A new viewer (not sending yet: call its ``start``)."""
        viewer = Viewer(
            self,
            link,
            channel=channel,
            user=user,
            client=client,
            read_only=read_only,
            offset=offset,
            input_key=input_key,
        )
        self.viewers.add(viewer)
        if not read_only and (self.answerer is None or self.answerer not in self.viewers):
            self.answerer = viewer
        self.viewers_changed()
        return viewer

    def viewers_changed(self) -> None:
        """Tell every viewer who is attached; note when the last one left."""
        self.idle_since = None if self.viewers else time.monotonic()
        infos = [v.info for v in sorted(self.viewers, key=lambda v: (v.user, v.channel))]
        for viewer in self.viewers:
            viewer.link.send_control(Presence(channel=viewer.channel, viewers=infos))

    # -- input ------------------------------------------------------------------------------
    async def write(self, viewer: Viewer, data: bytes) -> None:
        """Type ``data`` as ``viewer``; the size follows whoever typed last.

        Raises:
            NotAllowed: a read-only viewer.
        """
        if viewer.read_only:
            raise NotAllowed("This is a read-only view of the shell: typing is not allowed.")
        if self.ended:
            return
        self.answerer = viewer
        if viewer.wanted_size is not None and viewer.wanted_size != (self.rows, self.cols):
            await self._apply_size(*viewer.wanted_size)
        if any(key in data for key in SKIP_KEYS):
            viewer.skip_backlog()
        await self.shell.write(data)
        key = viewer.input_key
        if key is not None:
            counts = self.input_received
            counts[key] = counts.pop(key, 0) + len(data)  # the newest last
            while len(counts) > INPUT_KEYS_KEPT:
                del counts[next(iter(counts))]

    async def reply(self, viewer: Viewer, data: bytes) -> None:
        """``viewer``'s terminal answered a query: written only if it is the answerer
        (the others' answers to the same query are dropped); never resizes, never skips."""
        if viewer is self.answerer and not self.ended:
            await self.shell.write(data)

    async def resize(self, viewer: Viewer | None, rows: int, cols: int) -> None:
        """Resize as ``viewer`` (None: the server itself).

        Raises:
            NotAllowed: a read-only viewer.
        """
        if viewer is not None:
            if viewer.read_only:
                raise NotAllowed("This is a read-only view of the shell: it cannot resize it.")
            viewer.wanted_size = (rows, cols)
            self.answerer = viewer
        await self._apply_size(rows, cols)

    async def _apply_size(self, rows: int, cols: int) -> None:
        if (rows, cols) == (self.rows, self.cols) or self.ended:
            return
        self.rows, self.cols = rows, cols
        self.emulator.resize(rows, cols)
        for viewer in self.viewers:
            viewer.link.send_control(SizeChanged(channel=viewer.channel, rows=rows, cols=cols))
        await self.shell.resize(rows, cols)

    # -- ending -----------------------------------------------------------------------------
    async def close(self, reason: str | None = None) -> None:
        """End the session for good (every viewer is told ``reason``)."""
        if self._closing or self.ended:
            return
        self._closing = True
        self._close_reason = reason
        with contextlib.suppress(Exception):
            await self.shell.close()
        if self._pump_task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(self._pump_task), 15)
        await self._ended(self.shell.exit_status, reason or "session closed")
