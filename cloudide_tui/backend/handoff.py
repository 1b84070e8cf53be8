"""A shell's exec handed from one process to another, and shown before the backend loads.

The warm ``--project`` start opens the project's shell in a helper process forked at the
very start (``warm_start.fork_helper``), while this process imports the UI: the helper
loads docker-py and opens the exec with the backend's own code (``DockerBackend.open_exec``),
then sends the exec's connected socket here (``SCM_RIGHTS``) with what identifies it
(``StartedExec``) and exits. Nothing in this module loads docker-py: ``HandedShell``
shows the shell's output and takes the user's keys at once, and once the backend is
loaded it hands itself to the backend's own session (``adopt``), which then does
everything (resize, close, how it ended).

Only stdlib here: the CLI imports it before anything heavy.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from cloudide_tui.backend.base import ShellSession

READ_MAX = 64 * 1024
"""Most bytes one ``read()`` returns (as the backend's own sessions)."""

ADOPT_AFTER = 0.05
"""Seconds after the first output was read before the backend's session takes over (the
backend loads then: a frame or so later, so the prompt is drawn first)."""

MESSAGE_MAX = 64 * 1024
"""Largest hand-off message (the exec's description and its first output)."""


@dataclass(frozen=True)
class StartedExec:
    """A shell's exec, started, sized, its socket connected: all a session needs."""

    sock: socket.socket
    pending: bytes
    """Output read past the HTTP upgrade (the shell's first bytes)."""
    project: str
    container_id: str
    exec_id: str
    session_id: str
    """Our id of the shell's session (closing hangs up every process carrying it)."""
    user: str
    rows: int
    cols: int
    started_at: float


def send_exec(channel: socket.socket, started: StartedExec | None, error: str = "") -> None:
    """Send ``started`` (its socket as a passed descriptor) over ``channel``; or say
    there is none, and why (``error``)."""
    if started is None:
        channel.sendall(json.dumps({"error": error or "no shell"}).encode())
        return
    fields = asdict(replace(started, sock=None, pending=b""))  # type: ignore[arg-type]
    fields.pop("sock")
    fields["pending"] = started.pending.decode("latin-1")
    socket.send_fds(channel, [json.dumps(fields).encode()], [started.sock.fileno()])


def receive_exec(channel: socket.socket) -> tuple[StartedExec | None, str]:
    """Blocking: the exec sent by ``send_exec`` and "", or None and why not (the other
    end closed without a word, or said what failed)."""
    try:
        data, fds, _flags, _addr = socket.recv_fds(channel, MESSAGE_MAX, 1)
    except OSError as error:
        return None, f"the helper could not be heard ({error})"
    if not data:
        for fd in fds:
            socket.close(fd)
        return None, "the helper ended without a word"
    try:
        fields: dict[str, Any] = json.loads(data)
    except ValueError:
        fields = {"error": "the helper's message was garbled"}
    if "error" in fields or not fds:
        for fd in fds:
            socket.close(fd)
        return None, str(fields.get("error") or "no socket came")
    sock = socket.socket(fileno=fds[0])
    sock.setblocking(False)
    fields["pending"] = str(fields["pending"]).encode("latin-1")
    return StartedExec(sock=sock, **fields), ""


Loader = Callable[[], Awaitable[object]]
"""Loads the backend (docker-py and all), without touching the exec."""

Adopter = Callable[[StartedExec], Awaitable[ShellSession]]
"""Turns the exec into the loaded backend's own session (which reads its socket)."""


class HandedShell(ShellSession):
    """The handed exec as a session, until the backend's own session takes over.

    Reads and writes go straight to the socket; the backend's session takes over
    (``adopt``) once the first output was read, or when a new size is asked for (it is
    applied then); closing waits for that take-over, since only the backend knows how to
    hang up every process of the shell.

    Args:
        started: The exec, as the helper handed it.
        load: Loads the backend (this object reads the socket meanwhile).
        adopter: Makes the backend's session from the exec (which then reads it).
    """

    def __init__(self, started: StartedExec, load: Loader, adopter: Adopter) -> None:
        self.started = started
        self.session_id = started.session_id
        self._load = load
        self._adopter = adopter
        self._loop = asyncio.get_running_loop()
        self._sock = started.sock
        self._chunks: collections.deque[bytes] = collections.deque()
        if started.pending:
            self._chunks.append(started.pending)
        self._eof = False
        self._waiter: asyncio.Future[None] | None = None
        self._real: ShellSession | None = None
        self._adopting: asyncio.Task[ShellSession | None] | None = None
        self._wanted_size: tuple[int, int] | None = None
        self._closed = False
        self.shown = asyncio.Event()
        """Set once output was read from it (the prompt is on its way to the screen)."""
        self._loop.add_reader(self._sock.fileno(), self._readable)

    # -- before the take-over: the socket itself ----------------------------------------
    def _readable(self) -> None:
        try:
            data = self._sock.recv(READ_MAX)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            self._chunks.append(data)
        else:
            self._eof = True
            self._loop.remove_reader(self._sock.fileno())
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _stop_reading(self) -> None:
        with contextlib.suppress(ValueError, OSError):  # closed already
            self._loop.remove_reader(self._sock.fileno())

    # -- the take-over -------------------------------------------------------------------
    def adopt(self) -> asyncio.Task[ShellSession | None]:
        """Hand the exec to the backend's session (once; the task gives it, or None if
        the backend could not take it: the socket then stays with this object)."""
        if self._adopting is None:
            self._adopting = self._loop.create_task(self._adopt())
        return self._adopting

    async def _adopt(self) -> ShellSession | None:
        try:
            await self._load()  # slow (docker-py): the socket is read here meanwhile
        except Exception:
            return None
        # From here the backend's session reads the socket: stop reading it first (one
        # reader per descriptor); what this object holds is still read out before it.
        self._stop_reading()
        try:
            real = await self._adopter(replace(self.started, pending=b""))
        except Exception:
            if not self._eof and not self._closed:
                self._loop.add_reader(self._sock.fileno(), self._readable)
            return None
        self._real = real
        if self._wanted_size is not None:
            with contextlib.suppress(Exception):
                await real.resize(*self._wanted_size)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return real

    # -- the interface --------------------------------------------------------------------
    async def read(self) -> bytes:
        while True:
            if self._chunks:
                data = self._chunks.popleft()
                if not self.shown.is_set():
                    self.shown.set()
                    # The prompt is on its way to the screen: now the backend may load.
                    self._loop.call_later(ADOPT_AFTER, self.adopt)
                return data
            if self._real is not None:
                return await self._real.read()
            if self._eof:
                # How it ended is the backend's to say: let it take over first.
                real = await self.adopt()
                return await real.read() if real is not None else b""
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def write(self, data: bytes) -> None:
        if self._real is not None:
            await self._real.write(data)
        elif not self._eof and not self._closed and data:
            with contextlib.suppress(OSError):
                await self._loop.sock_sendall(self._sock, data)

    async def resize(self, rows: int, cols: int) -> None:
        if self._real is not None:
            await self._real.resize(rows, cols)
        else:  # applied by the take-over (which this hastens)
            self._wanted_size = (rows, cols)
            self.adopt()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        real = self._real or await self.adopt()
        if real is not None:
            await real.close()
        else:  # no backend to hang up the shell: at least drop its input and output
            self._stop_reading()
            self._sock.close()

    @property
    def exit_status(self) -> int | None:
        return self._real.exit_status if self._real is not None else None

    @property
    def end_reason(self) -> str | None:
        if self._real is not None:
            return self._real.end_reason
        return "session ended" if self._eof or self._closed else None
