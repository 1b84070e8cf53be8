"""A shell session over a Docker exec socket, streamed by asyncio itself.

``exec_start(socket=True)`` hijacks the HTTP connection into a raw, bidirectional PTY
stream. We hand that connected socket to the event loop (``create_unix_connection`` /
``create_connection`` with ``sock=``), so output arrives through the loop's selector:
no polling, no thread per session, writes never block (the transport buffers), and
backpressure is the transport's own ``pause_reading`` when the consumer lags.

Docker can neither kill nor re-attach an exec, and dropping its socket leaves the shell
running. So each shell is started through the image's ``cloudide-shell SESSION_ID``
wrapper (which records the shell's pid = its POSIX session id) with ``CLOUDIDE_SESSION``
in its environment; closing runs a short exec that hangs up every process of that
session or carrying that variable, then kills what is left after a grace period.

Closing never waits on the engine while our end of the stream is paused: a reader that
fell behind leaves the engine blocked writing to us, and then (Docker 20.10) it cannot
process the end of any exec of that container, ours included. So ``close`` first shuts
the socket down, then hangs up; every engine call of closing and of settling how a
session ended has a deadline (``Engine.call_within``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import secrets
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

import docker
import docker.errors

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.backend.engine import Engine, is_connection_error
from cloudide_tui.backend.handoff import StartedExec
from cloudide_tui.backend.hang_up import CLOSE_DEADLINE, HangUp, pids_exhausted
from cloudide_tui.errors import CloudIDEError, ContainerError, EngineUnavailable, ResourceLimit

DETACH_KEYS = "ctrl-\\,ctrl-^,ctrl-@,ctrl-]"
"""The exec's detach sequence. The engine holds back every byte that could start it until
the next key arrives, and its default (Ctrl+P, Ctrl+Q) would hold back bash's and emacs's
Ctrl+P. Docker cannot turn detaching off, so it starts with Ctrl+\\ (SIGQUIT, rarely typed:
held until the next key) and is four keys long so that nobody detaches by accident."""

SHELL_WRAPPER = "/usr/local/bin/cloudide-shell"
SESSION_DIR = "/tmp/.cloudide-sessions"

#: Output kept unread before we stop reading the socket (the engine then waits too).
HIGH_WATER = 256 * 1024
#: ... and resume once the consumer brought it under this.
LOW_WATER = 64 * 1024
#: Most bytes one ``read()`` returns: a terminal parses that much between two frames.
READ_MAX = 64 * 1024

#: What the engine says when a container has no process slot left.
_NO_PIDS = "resource temporarily unavailable"

#: Seconds to learn how a session ended (exit code, container state, OOM events).
SETTLE_DEADLINE = 10.0

#: End reasons after which there is nothing left to hang up (or no way to reach it).
_NOTHING_TO_HANG_UP = (
    "container stopped",
    "container removed",
    "connection to the Docker engine lost",
)


def shell_environment(project: str, session_id: str) -> dict[str, str]:
    """The shell's environment: Docker would give TERM=xterm (8 colours) otherwise."""
    return {
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": "C.UTF-8",
        "CLOUDIDE_PROJECT": project,
        "CLOUDIDE_SESSION": session_id,
    }


class _ExecProtocol(asyncio.Protocol):
    """Feeds the session from the event loop; knows nothing else."""

    def __init__(self, session: DockerShellSession) -> None:
        self.session = session

    def data_received(self, data: bytes) -> None:
        self.session._on_data(data)

    def eof_received(self) -> bool:
        self.session._on_eof(None)
        return False  # close the transport: the shell is gone

    def connection_lost(self, exc: Exception | None) -> None:
        self.session._on_eof(exc)

    def pause_writing(self) -> None:
        self.session._write_paused()

    def resume_writing(self) -> None:
        self.session._write_resumed()


class DockerShellSession(ShellSession):
    """One ``bash -l`` in a project container, through an exec with a TTY.

    Made by :func:`open_shell`. One reader at a time (the terminal widget).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        container_id: str,
        exec_id: str,
        session_id: str,
        user: str,
        started_at: float,
    ) -> None:
        self._engine = engine
        self.container_id = container_id
        self.exec_id = exec_id
        self.session_id = session_id
        self._user = user
        self._started_at = started_at
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._sock: socket.socket | None = None
        self._response: Any = None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._reading_paused = False
        self._read_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._tail = b""  # last output bytes: the engine's words if the exec failed
        self._eof = False
        self._closing = False
        self._close_task: asyncio.Task[None] | None = None
        self._end_task: asyncio.Task[None] | None = None
        self._exit_status: int | None = None
        self._end_reason: str | None = None
        self._resize_lock = asyncio.Lock()
        self._wanted_size: tuple[int, int] | None = None
        self._applied_size: tuple[int, int] | None = None
        #: Called with this session once closed (the backend forgets it).
        self.on_closed: Callable[[DockerShellSession], None] | None = None

    # -- the interface ------------------------------------------------------------------
    @property
    def exit_status(self) -> int | None:
        return self._exit_status

    @property
    def end_reason(self) -> str | None:
        return self._end_reason

    async def read(self) -> bytes:
        while True:
            if self._chunks:
                data = self._take(READ_MAX)
                if self._reading_paused and self._buffered < LOW_WATER and self._transport:
                    self._reading_paused = False
                    self._transport.resume_reading()
                return data
            if self._eof:
                # Once the end is known (a closing session: once closed).
                task = self._close_task or self._end_task
                if task is not None:
                    await asyncio.shield(task)
                return b""
            self._read_waiter = self._loop.create_future()
            try:
                await self._read_waiter
            finally:
                self._read_waiter = None

    def _take(self, most: int) -> bytes:
        """Up to ``most`` unread bytes, in order (chunks are joined or split)."""
        parts: list[bytes] = []
        size = 0
        while self._chunks and size < most:
            chunk = self._chunks.popleft()
            if size + len(chunk) > most:
                cut = most - size
                self._chunks.appendleft(chunk[cut:])
                chunk = chunk[:cut]
            parts.append(chunk)
            size += len(chunk)
        self._buffered -= size
        return parts[0] if len(parts) == 1 else b"".join(parts)

    @property
    def unread_bytes(self) -> int:
        """Output received and not read yet (bounded: reading pauses above HIGH_WATER)."""
        return self._buffered

    async def write(self, data: bytes) -> None:
        transport = self._transport
        if not data or self._eof or self._closing or transport is None:
            return
        transport.write(data)
        if self._drain_waiter is not None:
            await asyncio.shield(self._drain_waiter)

    async def resize(self, rows: int, cols: int) -> None:
        # A window being dragged sends many sizes: apply them one at a time, skipping
        # to the latest, so that the last size asked is the one the shell ends with.
        self._wanted_size = (rows, cols)
        async with self._resize_lock:
            size = self._wanted_size
            if self._eof or self._closing or size == self._applied_size:
                return
            api = await self._engine.api()
            try:
                await self._engine.call(
                    "resizing the terminal",
                    api.exec_resize,
                    self.exec_id,
                    height=size[0],
                    width=size[1],
                )
            except EngineUnavailable:
                raise
            except CloudIDEError:
                return  # the shell is ending as we resize: its end is reported by read()
            self._applied_size = size

    async def close(self) -> None:
        """Hang the session up; returns within about CLOSE_DEADLINE + SETTLE_DEADLINE
        seconds whatever the engine does (at once in the usual case).

        The work runs in a task of its own: a caller cancelled while waiting (a widget
        being unmounted) does not leave the session half closed.
        """
        if self._close_task is None:
            self._closing = True
            self._chunks.clear()  # unread output is moot once the user closed the session
            self._buffered = 0
            self._drop_stream()  # before anything waits on the engine: see _drop_stream
            self._close_task = self._loop.create_task(self._finish_close())
        await asyncio.shield(self._close_task)

    async def _finish_close(self) -> None:
        if self._end_reason not in _NOTHING_TO_HANG_UP:
            with contextlib.suppress(CloudIDEError):
                await self._engine.call_within(CLOSE_DEADLINE, "closing the shell", self._hang_up)
        self._on_eof(None)  # (the dropped stream may have said so already)
        if self._end_task is None:  # it ran until now: learn its exit code
            self._end_task = self._loop.create_task(self._settle_end(False))
        # _settle_end bounds itself (SETTLE_DEADLINE) and never raises.
        await asyncio.shield(self._end_task)
        if self.on_closed is not None:
            self.on_closed(self)

    def _drop_stream(self) -> None:
        """End our side of the exec's stream at once, without waiting for anyone.

        Why first: a reader that fell behind leaves the stream paused (HIGH_WATER), so
        the engine is blocked writing the shell's output to us. Docker 20.10 handles the
        end of an exec only once its output is copied, and the ends of a container's
        execs one after the other: a hang-up run now would never be seen to end, and no
        other session of that container would see its own end either. Shutting the
        socket down makes the engine's write fail at once. ``abort`` drops input not
        sent yet (keys typed into a shell being hung up are moot).
        """
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._transport is not None:
            self._transport.abort()
        self._release_response()

    # -- feeding (event loop callbacks) -------------------------------------------------
    def _attach(
        self, transport: asyncio.Transport, sock: socket.socket, response: Any, pending: bytes
    ) -> None:
        self._transport = transport
        self._sock = sock
        self._response = response
        if pending:
            self._on_data(pending)

    def _on_data(self, data: bytes) -> None:
        if self._closing:
            return  # what a closing shell still prints has no reader
        self._chunks.append(data)
        self._buffered += len(data)
        self._tail = (self._tail + data)[-512:]
        if self._buffered > HIGH_WATER and not self._reading_paused and self._transport:
            self._reading_paused = True
            self._transport.pause_reading()
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_eof(self, exc: Exception | None) -> None:
        if self._eof:
            return
        self._eof = True
        if not self._closing:  # (a closing session settles once hung up: _finish_close)
            self._end_task = self._loop.create_task(self._settle_end(exc is not None))
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self._write_resumed()

    def _write_paused(self) -> None:
        if self._drain_waiter is None:
            self._drain_waiter = self._loop.create_future()

    def _write_resumed(self) -> None:
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _release_response(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            with contextlib.suppress(Exception):
                response.close()

    # -- how it ended (blocking parts run in a thread) ----------------------------------
    async def _settle_end(self, engine_lost: bool) -> None:
        try:
            status, reason = await self._engine.call_within(
                SETTLE_DEADLINE, "learning how the shell ended", self._inspect_end, engine_lost
            )
        except Exception as e:  # never let the end of a session raise
            status, reason = None, f"session ended ({e})"
        self._exit_status = status
        self._end_reason = "session closed" if self._closing else reason
        if not self._closing:
            self._release_response()

    def _inspect_end(self, api: docker.APIClient, engine_lost: bool) -> tuple[int | None, str]:
        try:
            status = self._exit_code(api)
            if self._closing:
                return status, "session closed"
            return status, self._reason(api, status)
        except Exception as e:
            if is_connection_error(e) or engine_lost:
                return None, "connection to the Docker engine lost"
            raise

    def _exit_code(self, api: docker.APIClient) -> int | None:
        """The exec's exit code, waiting briefly for the engine to record it."""
        deadline = time.monotonic() + 2.0
        while True:
            try:
                info = api.exec_inspect(self.exec_id)
            except docker.errors.NotFound:
                return None  # gone with its container
            if not info.get("Running"):
                code = info.get("ExitCode")
                return int(code) if code is not None else None
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def _reason(self, api: docker.APIClient, status: int | None) -> str:
        # A shell killed by a signal may be the container going away: the engine
        # records the container's end a moment after the exec's, so look a bit longer.
        patience = 2.0 if status is None or status >= 128 else 0.0
        deadline = time.monotonic() + patience
        while True:
            try:
                info = api.inspect_container(self.container_id)
            except docker.errors.NotFound:
                return "container removed"
            state = info.get("State") or {}
            if state.get("Dead") or state.get("Status") == "removing":
                return "container removed"
            if not state.get("Running"):
                return (
                    "container ran out of memory"
                    if state.get("OOMKilled")
                    else ("container stopped")
                )
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        if status is not None and status >= 128 and self._had_oom(api):
            return "container ran out of memory"
        if status:
            limit = pids_exhausted(api, self.container_id)
            if limit is not None:
                return f"container ran out of processes (limit {limit})"
        failure = self._start_failure()
        if failure:
            return failure
        return f"shell exited (status {status})" if status is not None else "shell exited"

    def _had_oom(self, api: docker.APIClient) -> bool:
        """Whether the engine reported an out-of-memory kill since this session began.

        A plain request rather than docker-py's ``events()``, which reads without any
        socket timeout: this one is bounded by the client's (``until`` ends the answer).
        """
        response = api.get(
            f"{api.base_url}/v{api.api_version}/events",
            params={
                "since": int(self._started_at) - 1,
                "until": int(time.time()) + 1,
                "filters": json.dumps({"container": [self.container_id], "event": ["oom"]}),
            },
            timeout=api.timeout,
        )
        try:
            response.raise_for_status()
            return any(line.strip() for line in response.text.splitlines())
        finally:
            response.close()

    def _start_failure(self) -> str | None:
        """The engine's own words when the exec could not start the shell at all."""
        text = self._tail.decode("utf-8", "replace")
        if "OCI runtime exec failed" not in text and "exec failed" not in text:
            return None
        if _NO_PIDS in text.lower():
            return "container ran out of processes (pids limit reached)"
        return "could not start the shell: " + text.strip().splitlines()[-1][:200]

    def _hang_up(self, api: docker.APIClient) -> None:
        """Hang up every process of this session (blocking: a bounded call's thread)."""
        HangUp(self.container_id, self.session_id, self._user)(api)


def _stream_socket(raw: Any) -> socket.socket:
    """The plain socket under docker-py's hijacked exec stream.

    Raises:
        ContainerError: a transport asyncio cannot take over (TLS, ssh, named pipe).
    """
    sock = getattr(raw, "_sock", raw)
    plain = isinstance(sock, socket.socket) and not isinstance(sock, ssl.SSLSocket)
    if plain and sock.family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
        return sock  # type: ignore[no-any-return]
    raise ContainerError(
        "Shells need a unix:// or plain tcp:// Docker engine address "
        f"(this one gives a {type(sock).__name__} stream).",
        hint="point DOCKER_HOST at the engine's unix socket, or tunnel it (ssh -L)",
    )


def _pending_bytes(raw: Any) -> bytes:
    """Output the HTTP layer read past the upgrade's headers (else it would be lost).

    The socket must be non-blocking already: ``peek`` then never waits.
    """
    response = getattr(raw, "_response", None)
    try:
        fp = response.raw._fp.fp  # type: ignore[union-attr]
        pending: bytes = fp.peek() or b""
        if pending:
            fp.read(len(pending))
        return pending
    except (AttributeError, OSError, ValueError):
        return b""


async def start_exec(
    engine: Engine,
    *,
    container_id: str,
    project: str,
    rows: int,
    cols: int,
    user: str,
    extra_env: dict[str, str] | None = None,
    workdir: str = "/workspace",
) -> tuple[StartedExec, Any]:
    """Start a login shell's exec in a running container, sized before bash draws
    anything; nothing reads its socket yet (``adopt_shell`` does, here or in the process
    it is handed to). Returns it and docker-py's response object that holds the socket.

    Raises:
        ResourceLimit: the container has no process slot left for a new shell.
        ContainerError, NotFound, EngineUnavailable: from the engine.
    """
    session_id = secrets.token_hex(8)
    api = await engine.api()

    def start() -> tuple[str, Any]:
        ex = api.exec_create(
            container_id,
            [SHELL_WRAPPER, session_id],
            stdin=True,
            tty=True,
            user=user,
            workdir=workdir,
            environment={**shell_environment(project, session_id), **(extra_env or {})},
            detach_keys=DETACH_KEYS,
        )
        exec_id = str(ex["Id"])
        raw = api.exec_start(exec_id, socket=True, tty=True)
        # Docker 20.10 starts an exec at 0x0: size it at once, before bash asks. (An
        # error means the shell already ended: its socket tells us how.)
        with contextlib.suppress(docker.errors.APIError):
            api.exec_resize(exec_id, height=rows, width=cols)
        return exec_id, raw

    started_at = time.time()
    try:
        with engine.translate("starting a shell"):
            exec_id, raw = await engine.run(start)
    except ContainerError as e:
        if _NO_PIDS in e.message.lower():
            raise ResourceLimit(
                "The container has no process slot left for a new shell.",
                hint="close some shells or stop runaway processes (pids limit reached)",
            ) from None
        raise
    try:
        sock = _stream_socket(raw)
    except ContainerError:
        session = DockerShellSession(
            engine,
            container_id=container_id,
            exec_id=exec_id,
            session_id=session_id,
            user=user,
            started_at=started_at,
        )
        with contextlib.suppress(CloudIDEError):
            await engine.call_within(CLOSE_DEADLINE, "closing the shell", session._hang_up)
        raise
    sock.setblocking(False)
    started = StartedExec(
        sock=sock,
        pending=_pending_bytes(raw),
        project=project,
        container_id=container_id,
        exec_id=exec_id,
        session_id=session_id,
        user=user,
        rows=rows,
        cols=cols,
        started_at=started_at,
    )
    return started, getattr(raw, "_response", raw)


async def adopt_shell(
    engine: Engine, started: StartedExec, response: Any = None
) -> DockerShellSession:
    """The session of a started exec: its socket read by this event loop from now on.

    Args:
        started: From ``start_exec`` (here, or in the process that handed it over).
        response: docker-py's response holding the socket, if it was started here.
    """
    session = DockerShellSession(
        engine,
        container_id=started.container_id,
        exec_id=started.exec_id,
        session_id=started.session_id,
        user=started.user,
        started_at=started.started_at,
    )
    sock = started.sock
    loop = asyncio.get_running_loop()
    protocol = _ExecProtocol(session)
    if sock.family == socket.AF_UNIX:
        transport, _ = await loop.create_unix_connection(lambda: protocol, sock=sock)
    else:
        transport, _ = await loop.create_connection(lambda: protocol, sock=sock)
    session._applied_size = (started.rows, started.cols)
    session._attach(transport, sock, response, started.pending)
    return session


async def open_shell(
    engine: Engine,
    *,
    container_id: str,
    project: str,
    rows: int,
    cols: int,
    user: str,
    extra_env: dict[str, str] | None = None,
    workdir: str = "/workspace",
) -> DockerShellSession:
    """Start a login shell in a running container and read it here (``start_exec`` +
    ``adopt_shell``).

    Raises:
        ResourceLimit: the container has no process slot left for a new shell.
        ContainerError, NotFound, EngineUnavailable: from the engine.
    """
    started, response = await start_exec(
        engine,
        container_id=container_id,
        project=project,
        rows=rows,
        cols=cols,
        user=user,
        extra_env=extra_env,
        workdir=workdir,
    )
    return await adopt_shell(engine, started, response)
