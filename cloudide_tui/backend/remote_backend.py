"""``RemoteBackend``: the ``Backend`` interface over the protocol, to a ``cloudide-server``.

A mirror of ``DockerBackend`` for the app (which knows it only by its ``capabilities``:
sessions persist, no image is prepared here, containers are the server's to stop), plus
what a network needs:

* **One connection, kept.** A supervisor task watches it and pings the server every
  ``PING_EVERY`` seconds (the round-trip time the status line shows); a connection that
  closes, or stops answering for ``PING_TIMEOUT``, is replaced with backoff (from
  ``BACKOFF_FIRST`` doubling to ``BACKOFF_MOST`` seconds, with jitter). Its state is a
  ``ConnectionStatus`` the app watches (``watch_connection``).
* **Shells survive a drop.** A ``RemoteSession`` does not end when its connection goes:
  it is attached again on the next one from the offset after the last byte it received
  (the server resumes from there when it still holds it, else sends a snapshot of the
  exact screen), so its reader sees every byte once. What is typed meanwhile is held
  whole and sent, in order, right after the new attach; if the shell cannot come back
  (it ended meanwhile, the token was refused) it is dropped and counted in
  ``SessionStatus.dropped``, never sent half.
* **Events survive a drop.** An event stream subscribes again on every new connection
  and first yields ``EventsLost`` (list again: changes made meanwhile were not told).
* **A refused token stops the tries.** An expired or revoked token (close code 4401, or
  HTTP 401 on a new connection) puts the connection in ``unauthorized`` with the
  server's words; ``set_token`` connects again with a new one (sessions come back).

Calls made while disconnected wait up to ``CALL_WAIT`` seconds for the connection, then
fail with ``ServerUnavailable``; a call cut by a drop is made again on the next
connection if it only reads, and fails otherwise (the server may or may not have done
it: the caller decides, the editor's text stays).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from cloudide_tui import defaults
from cloudide_tui.backend.base import (
    Backend,
    BackendEvent,
    Capabilities,
    ConnectionCallback,
    ConnectionStatus,
    ContainerState,
    EventsLost,
    EventStream,
    FileContent,
    FileEntry,
    LimitCallback,
    LimitHit,
    ProgressCallback,
    ProjectInfo,
    SessionStatus,
    ShareLink,
    ShellInfo,
    ShellSession,
)
from cloudide_tui.backend.remote_client import RemoteShell, ServerClient, settled
from cloudide_tui.errors import (
    AuthError,
    CloudIDEError,
    ConfigError,
    NotFound,
    ServerUnavailable,
    SessionEnded,
)
from cloudide_tui.protocol import close as close_codes
from cloudide_tui.protocol import frames
from cloudide_tui.protocol import messages as m

R = TypeVar("R", bound=m.Request)

PING_EVERY = 5.0
"""Seconds between two pings (the round-trip time shown, and how a dead link is found)."""
PING_TIMEOUT = 10.0
"""A ping unanswered this long means the connection is dead: it is dropped and replaced."""
BACKOFF_FIRST, BACKOFF_MOST = 0.25, 10.0
"""Seconds before the first try to connect again, doubling up to the most."""
CALL_WAIT = 10.0
"""Seconds a call made while disconnected waits for the connection to come back."""
INPUT_MEMORY = 64 * 1024
"""Bytes of recent input a session keeps, to send again what a drop lost on the way."""
CLIENT_BACKLOG = 4 << 20
"""Unread output a session holds at most: past it (a flood its terminal cannot parse as
fast as it comes) it skips ahead to a snapshot of the screen, as the server does for a
slow socket, instead of growing without bound."""

TOKEN_HINT = (
    "Ask for a new token (on the server: cloudide-server token create --user {user}) and "
    "give it here, or start again with --token."
)
"""How to get a new token, as the app says it ({user}: who the token was for)."""

#: The server's capabilities until its welcome says otherwise (it says the same).
SERVER_CAPABILITIES = Capabilities(
    sessions_persist=True,
    prepares_image_locally=False,
    stop_containers_on_quit=False,
    shares_shells=True,
)

_READS = (
    m.EnsureReady,
    m.ListProjects,
    m.GetContainerState,
    m.ListDir,
    m.Stat,
    m.ReadFile,
    m.ListShells,
    m.Ping,
)
"""Requests that only read: made again on the next connection when a drop cut them."""


def api_url(server: str) -> str:
    """The API's websocket URL from what a user types: ``ws://host:8000``,
    ``wss://ide.example.com``, ``https://...`` (a browser's address) or the full
    ``.../api``.

    Raises:
        ConfigError: not a ws://, wss://, http:// or https:// URL with a host.
    """
    parts = urlsplit(server.strip())
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.hostname:
        raise ConfigError(
            f"{server!r} is not a server address (like ws://127.0.0.1:8000 or "
            "wss://ide.example.com)"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"{server!r}: a server address has no ?query or #fragment")
    path = parts.path.rstrip("/")
    if not path.endswith("/api"):
        path += "/api"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def page_address(url: str) -> str:
    """The server's pages' address from its API's URL (``wss://h/api`` -> ``https://h``)."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    path = parts.path[: -len("/api")] if parts.path.endswith("/api") else parts.path
    return urlunsplit((scheme, parts.netloc, path.rstrip("/"), "", ""))


def where(url: str) -> str:
    """A server's address as the status line shows it (``ws://127.0.0.1:8000``)."""
    parts = urlsplit(url)
    path = parts.path[: -len("/api")] if parts.path.endswith("/api") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def client_name() -> str:
    """How this client introduces itself (others see it in presence lists)."""
    return f"cloudide-tui@{socket.gethostname()}"[:100]


class RemoteSession(RemoteShell):
    """A server's shell that outlives connection drops (see the module docstring).

    Input is delivered exactly once across drops: it is typed under ``input_key``, and
    attaching again tells how many of those bytes reached the shell
    (``ShellAttached.input_received``); the ones that did not (sent into a connection
    that was dying) go again, from the last ``INPUT_MEMORY`` bytes sent, before what was
    held while disconnected.
    """

    def __init__(
        self,
        backend: RemoteBackend,
        client: ServerClient,
        attached: m.ShellAttached,
        input_key: str,
    ) -> None:
        self._backend = backend
        self.input_key = input_key
        self._sent = 0  # bytes handed to a connection under input_key
        self._recent = bytearray()  # the last INPUT_MEMORY of them
        self._connected = True
        self._held: list[bytes] = []
        self._dropped = 0
        self._gone = False  # detached or closed here: never attached again
        self._skipping = False  # far behind: output dropped until a snapshot comes
        self.skips = 0
        """How many times it skipped ahead to a snapshot (a flood it could not keep up with)."""
        self._send_lock = asyncio.Lock()
        super().__init__(client, attached)
        self.wanted_size = (attached.rows, attached.cols)

    # -- the connection ----------------------------------------------------------------
    def _lost(self, reason: str) -> None:
        if self._gone:
            self._end(None, reason)
            return
        self._connected = False
        self._status_changed()

    def _output(self, frame: frames.OutputFrame) -> None:
        if self._skipping:
            return  # a snapshot of the screen is on its way
        if self.backlog > CLIENT_BACKLOG and self._connected:
            self._skipping = True
            self.skips += 1
            self._backend._spawn(self._skip_ahead(self._client))
            return
        super()._output(frame)

    async def _skip_ahead(self, client: ServerClient) -> None:
        """Too far behind: stop this view and attach again from the screen as it is now
        (what is typed meanwhile waits, then goes)."""
        self._connected = False
        old = self.channel
        with contextlib.suppress(CloudIDEError):
            await client.call(m.DetachShell, channel=old)
        client.shells.pop(old, None)
        await self._resume(client, offset=None)

    async def _resume(self, client: ServerClient, offset: int | None = -1) -> None:
        """Attach again on ``client`` from the last byte received (``offset`` None: from
        a snapshot); then send what was typed meanwhile. A shell that ended meanwhile
        ends here, saying why."""
        rows, cols = self.wanted_size
        try:
            attached = await client.call(
                m.AttachShell,
                session_id=self.session_id,
                rows=None if self.read_only else rows,
                cols=None if self.read_only else cols,
                read_only=self.read_only,
                offset=self.received if offset == -1 else offset,
                input_key=None if self.read_only else self.input_key,
            )
        except (SessionEnded, NotFound) as e:
            self._skipping = False
            self._give_up(e.message)
            return
        except ServerUnavailable:
            self._skipping = False
            return  # lost again: the next connection resumes
        self._skipping = False
        client.bind(self, attached)
        async with self._send_lock:
            missing = self._sent - attached.input_received
            if missing > len(self._recent):  # more was lost than is kept: say so
                self._dropped += missing - len(self._recent)
                missing = len(self._recent)
            if missing > 0:
                self._sent -= missing  # sent again below, counted again
                self._held.insert(0, bytes(self._recent[-missing:]))
                del self._recent[-missing:]
            self._connected = True
            while self._held:
                if not await self._send(self._held[0]):
                    break  # lost again at once: the next connection sends the rest
                self._held.pop(0)
        self._status_changed()

    async def _send(self, data: bytes) -> bool:
        """Send typed bytes on the current channel; False (nothing counted) if the
        connection is gone. Hold ``_send_lock``."""
        try:
            await self._client.send_binary(frames.encode_input(self.channel, data))
        except ServerUnavailable:
            self._connected = False  # the client's reader tells the backend at once
            return False
        self._sent += len(data)
        self._recent += data
        if len(self._recent) > INPUT_MEMORY:
            del self._recent[: len(self._recent) - INPUT_MEMORY]
        return True

    def _give_up(self, reason: str) -> None:
        """It cannot come back: end it with ``reason``; held keys are dropped, counted."""
        self._dropped += sum(len(d) for d in self._held)
        self._held = []
        self._backend._forget(self)
        self._end(None, reason)

    # -- ShellSession ------------------------------------------------------------------
    async def write(self, data: bytes) -> None:
        if self._ended or not data:
            return
        if self.read_only:
            self._dropped += len(data)
            self._status_changed()
            return
        async with self._send_lock:
            if self._connected and not self._held and await self._send(data):
                return
            self._held.append(data)
        self._status_changed()

    async def reply(self, data: bytes) -> None:
        # An answer only means something to the query it answers: never held.
        if self._connected and not self.read_only:
            with contextlib.suppress(ServerUnavailable):
                await super().reply(data)

    async def resize(self, rows: int, cols: int) -> None:
        self.wanted_size = (rows, cols)
        if self._connected and not self._ended and not self.read_only:
            with contextlib.suppress(ServerUnavailable):
                await self._client.call(m.Resize, channel=self.channel, rows=rows, cols=cols)

    async def close(self) -> None:
        """End the shell for good, for every viewer (later, if disconnected now)."""
        if self._ended:
            return
        self._gone = True
        self._backend._forget(self)
        if self._connected:
            with contextlib.suppress(CloudIDEError):
                await self._client.call(m.CloseShell, channel=self.channel)
        else:
            self._backend._close_later(self.session_id)
        self._end(self._exit_status, self._end_reason or "session closed")

    async def detach(self) -> None:
        """Stop viewing; the shell runs on at the server (attach it again by its id)."""
        if self._ended:
            return
        self._gone = True
        self._backend._forget(self)
        if self._connected:
            with contextlib.suppress(CloudIDEError):
                await self._client.call(m.DetachShell, channel=self.channel)
        self._end(None, "detached")

    @property
    def status(self) -> SessionStatus:
        return SessionStatus(
            connected=self._connected or self._ended or self._skipping,
            viewers=max(1, len(self.viewers)),
            read_only=self.read_only,
            held=sum(len(d) for d in self._held),
            dropped=self._dropped,
        )


class RemoteEventStream(EventStream):
    """Change events from the server, across connections (see the module docstring)."""

    def __init__(self, backend: RemoteBackend, project: str | None) -> None:
        self._backend = backend
        self.project = project
        self._queue: asyncio.Queue[BackendEvent | None] = asyncio.Queue()
        self._forwarder: asyncio.Task[None] | None = None
        self._on: ServerClient | None = None
        self._closed = False
        self._started = False

    async def _attach(self, client: ServerClient, *, again: bool) -> None:
        """Subscribe on ``client`` (once); ``again``: events may have been missed before
        it, so the first one says so (``EventsLost``: list again)."""
        if self._on is client or self._closed:
            return
        self._on = client
        try:
            queue = await client.subscribe(self.project)
        except BaseException:
            if self._on is client:
                self._on = None
            raise
        if self._closed:
            return
        if again:
            self._queue.put_nowait(EventsLost(0))
        if self._forwarder is not None:
            self._forwarder.cancel()
        self._forwarder = asyncio.ensure_future(self._forward(queue))

    async def _forward(self, queue: asyncio.Queue[BackendEvent | None]) -> None:
        while (event := await queue.get()) is not None:
            self._queue.put_nowait(event)

    async def get(self) -> BackendEvent:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        return event

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Subscribe (waiting up to ``timeout`` for a connection); without one, events
        start with ``EventsLost`` once it comes."""
        if self._started:
            return
        self._started = True
        await self._backend._add_stream(self, timeout)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._backend._streams.discard(self)
        if self._forwarder is not None:
            self._forwarder.cancel()
        self._queue.put_nowait(None)


class RemoteBackend(Backend):
    """Projects, files and shells of a ``cloudide-server`` (see the module docstring).

    Args:
        server: Its address (``ws://host:8000``, ``wss://...``; see ``api_url``).
        token: The access token (``cloudide-server token create --user NAME``).
        ssl_context: For ``wss://``: the certificates to trust (default: the system's,
            with the normal checks).
        client: How this client introduces itself to the server and to other clients.
    """

    capabilities = SERVER_CAPABILITIES

    def __init__(
        self,
        server: str,
        token: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        client: str | None = None,
    ) -> None:
        self.url = api_url(server)
        self.description = where(self.url)
        self._token = token
        self._ssl = ssl_context
        self._client_name = client or client_name()
        self._client: ServerClient | None = None
        self._status = ConnectionStatus("connecting", self.description)
        self._connection_watchers: list[ConnectionCallback] = []
        self._connected = asyncio.Event()
        self._token_given = asyncio.Event()
        self._sessions: set[RemoteSession] = set()
        self._streams: set[RemoteEventStream] = set()
        self._open_files: set[tuple[str, str]] = set()
        self._closing_later: set[str] = set()
        self._limit_callbacks: list[LimitCallback] = []
        self._limit_stream: RemoteEventStream | None = None
        self._limit_task: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._first: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self.reconnects = 0
        """How many times the connection was made again (tests and the bench read it)."""

    # -- the connection ----------------------------------------------------------------
    @property
    def connection(self) -> ConnectionStatus:
        return self._status

    def watch_connection(self, callback: ConnectionCallback) -> Callable[[], None]:
        self._connection_watchers.append(callback)

        def stop() -> None:
            if callback in self._connection_watchers:
                self._connection_watchers.remove(callback)

        return stop

    def _set_status(self, **changes: Any) -> None:
        old = self._status
        self._status = dataclasses.replace(old, **changes)
        if self._status != old:
            for callback in list(self._connection_watchers):
                callback(self._status)

    @property
    def user(self) -> str:
        """Who the server says we are ("" before the first connection)."""
        return self._status.user

    async def connect(self) -> None:
        """Connect now if not connected (the first time: its failure is raised as it is;
        the supervisor keeps trying in the background).

        Raises:
            AuthError: the token was refused.
            ServerUnavailable: the server cannot be reached.
        """
        if self._client is not None and not self._client.closed and self._connected.is_set():
            return
        if self.unauthorized:
            raise self._auth_error()
        if self._first is None:
            self._first = asyncio.ensure_future(self._first_connection())
            self._supervisor = asyncio.ensure_future(self._supervise())
            await asyncio.shield(self._first)
        else:
            await self._client_now()

    async def _first_connection(self) -> None:
        try:
            client = await self._open()
        except AuthError as e:
            self._refused(e.message)
            raise
        except CloudIDEError as e:
            self._set_status(state="reconnecting", message=e.message)
            raise
        await self._adopt_connection(client)

    async def _open(self) -> ServerClient:
        return await ServerClient.connect(
            self.url, self._token, client=self._client_name, ssl_context=self._ssl
        )

    async def _adopt_connection(self, client: ServerClient) -> None:
        """A new connection: the welcome's facts, then shells, events and open files are
        carried over from the last one; then it counts as connected."""
        again = self._client is not None or self.reconnects > 0 or bool(self._sessions)
        self._client = client
        welcome = client.welcome
        self.capabilities = welcome.capabilities
        self._set_status(user=welcome.user)
        sessions = list(self._sessions)
        streams = list(self._streams)
        jobs: list[Any] = [s._resume(client) for s in sessions]
        # a stream waiting here may have missed events (none if this is the first time)
        jobs += [stream._attach(client, again=again or stream._started) for stream in streams]
        jobs += [self._send_open(client, p, f, True) for p, f in sorted(self._open_files)]
        jobs += [self._close_orphan(client, sid) for sid in sorted(self._closing_later)]
        results = await asyncio.gather(*jobs, return_exceptions=True)
        if client.closed:  # lost again while carrying over: the supervisor goes on
            return
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, CloudIDEError):
                raise result
        self._set_status(state="connected", message="")
        self._connected.set()

    async def _supervise(self) -> None:
        """Keep a connection: ping it; replace it when it goes (backoff), unless the
        token was refused (then wait for ``set_token``)."""
        delay = BACKOFF_FIRST
        while not self._closing:
            client = self._client
            if client is not None and not client.closed:
                pinger = asyncio.ensure_future(self._ping_loop(client))
                try:
                    await client.wait_closed()
                finally:
                    pinger.cancel()
                if self._closing:
                    return
                self._connected.clear()
                if client.close_code == close_codes.UNAUTHORIZED:
                    self._refused(f"The server closed the connection: {client.close_reason}.")
                else:
                    reason = client.close_reason or "the connection was lost"
                    self._set_status(state="reconnecting", rtt=None, message=reason)
                delay = BACKOFF_FIRST
                continue
            if self.unauthorized:
                self._token_given.clear()
                await self._token_given.wait()
                delay = BACKOFF_FIRST
                self._set_status(state="reconnecting", message="")
                continue
            if self._first is not None and not self._first.done():
                await settled(self._first)
                continue
            try:
                new = await self._open()
            except AuthError as e:
                self._refused(e.message)
                continue
            except CloudIDEError as e:
                self._set_status(state="reconnecting", message=e.message)
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, BACKOFF_MOST)
                continue
            self.reconnects += 1
            try:
                await self._adopt_connection(new)
            except Exception:
                new.abort()
                raise

    async def _ping_loop(self, client: ServerClient) -> None:
        while not client.closed:
            start = time.perf_counter()
            try:
                await asyncio.wait_for(client.call(m.Ping), PING_TIMEOUT)
            except TimeoutError:
                client.abort()  # dead: the supervisor replaces it
                return
            except CloudIDEError:
                return
            self._set_status(rtt=time.perf_counter() - start)
            await asyncio.sleep(PING_EVERY)

    def _refused(self, message: str) -> None:
        """The token was refused: no more tries until ``set_token``."""
        self._connected.clear()
        self._set_status(state="unauthorized", rtt=None, message=message)
        for session in list(self._sessions):
            if session._held:
                session._dropped += sum(len(d) for d in session._held)
                session._held = []
                session._status_changed()

    @property
    def unauthorized(self) -> bool:
        """The server refused the token: nothing works until ``set_token``."""
        return self._status.state == "unauthorized"

    def _auth_error(self) -> AuthError:
        return AuthError(
            self._status.message or "The server refused the token.",
            hint=TOKEN_HINT.format(user=self._status.user or "NAME"),
        )

    def set_token(self, token: str) -> None:
        """Use ``token`` from now on: connect again at once (sessions come back)."""
        self._token = token
        self._token_given.set()
        if self._client is not None and not self._client.closed:
            self._client.abort()

    async def _client_now(self, timeout: float = CALL_WAIT) -> ServerClient:
        """The connection, waiting up to ``timeout`` for it to come back.

        Raises:
            AuthError: the token was refused (with how to get a new one).
            ServerUnavailable: still not connected after ``timeout``.
        """
        if self._first is None:
            await self.connect()
        client = self._client
        if client is not None and not client.closed and self._connected.is_set():
            return client
        if self.unauthorized:
            raise self._auth_error()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout)
        client = self._client
        if client is not None and not client.closed and self._connected.is_set():
            return client
        if self.unauthorized:
            raise self._auth_error()
        raise ServerUnavailable(
            f"Not connected to the server at {self.description}"
            + (f" ({self._status.message})" if self._status.message else "")
            + ": reconnecting.",
            hint="Nothing is lost: try again once the status line says connected.",
        )

    async def _call(
        self, cls: type[R], *, progress: ProgressCallback | None = None, **fields: Any
    ) -> Any:
        client = await self._client_now()
        try:
            return await client.call(cls, progress=progress, **fields)
        except ServerUnavailable:
            if cls not in _READS or self._closing:
                raise ServerUnavailable(
                    f"The connection to {self.description} was lost before the server "
                    "answered: it may or may not have been done.",
                    hint="Look, then try again once the status line says connected.",
                ) from None
        client = await self._client_now()
        return await client.call(cls, progress=progress, **fields)

    # -- set-up ------------------------------------------------------------------------
    async def ensure_ready(
        self, progress: ProgressCallback | None = None, *, build: bool = True
    ) -> None:
        """Connected, and the server ready (its image is its own: ``build`` is for a
        local backend, the server decides)."""
        await self.connect()
        await self._call(m.EnsureReady, progress=progress)

    async def close(self) -> None:
        """Close the connection: the server detaches our views; shells run on there."""
        self._closing = True
        for task in (self._supervisor, self._first, self._limit_task):
            if task is not None:
                task.cancel()
        for stream in list(self._streams):
            await stream.close()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.close(), 5)
        for session in list(self._sessions):
            session._gone = True
            session._end(None, "the app closed the connection")

    def watch_limits(self, callback: LimitCallback) -> Callable[[], None]:
        """Limits hit on the server (memory, disk) come as events; each is handed on."""
        self._limit_callbacks.append(callback)
        if self._limit_task is None:
            stream = self._limit_stream = RemoteEventStream(self, None)
            self._limit_task = asyncio.ensure_future(self._read_limits(stream))

        def stop() -> None:
            if callback in self._limit_callbacks:
                self._limit_callbacks.remove(callback)

        return stop

    async def _read_limits(self, stream: RemoteEventStream) -> None:
        with contextlib.suppress(StopAsyncIteration):
            await stream.wait_ready()
            async for event in stream:
                if isinstance(event, LimitHit):
                    for callback in list(self._limit_callbacks):
                        callback(event)

    # -- projects ------------------------------------------------------------------------
    async def list_projects(self) -> list[ProjectInfo]:
        return list(await self._call(m.ListProjects))

    async def create_project(self, name: str) -> ProjectInfo:
        info: ProjectInfo = await self._call(m.CreateProject, name=name)
        return info

    async def rename_project(self, old: str, new: str) -> ProjectInfo:
        info: ProjectInfo = await self._call(m.RenameProject, old=old, new=new)
        return info

    async def delete_project(self, name: str) -> None:
        await self._call(m.DeleteProject, name=name)

    # -- containers ---------------------------------------------------------------------
    async def container_state(self, project: str) -> ContainerState:
        state: ContainerState = await self._call(m.GetContainerState, project=project)
        return state

    async def start_container(self, project: str, progress: ProgressCallback | None = None) -> None:
        await self._call(m.StartContainer, project=project, progress=progress)

    async def stop_container(self, project: str) -> None:
        await self._call(m.StopContainer, project=project)

    # -- files ---------------------------------------------------------------------------
    async def list_dir(self, project: str, path: str = "") -> list[FileEntry]:
        return list(await self._call(m.ListDir, project=project, path=path))

    async def stat(self, project: str, path: str) -> FileEntry:
        entry: FileEntry = await self._call(m.Stat, project=project, path=path)
        return entry

    async def read_file(
        self, project: str, path: str, limit: int = defaults.READ_LIMIT
    ) -> FileContent:
        content: FileContent = await self._call(
            m.ReadFile, project=project, path=path, limit=min(limit, m.MAX_FILE_BYTES)
        )
        return content

    async def write_file(
        self, project: str, path: str, data: bytes, *, expected_version: str | None = None
    ) -> FileEntry:
        entry: FileEntry = await self._call(
            m.WriteFile, project=project, path=path, data=data, expected_version=expected_version
        )
        return entry

    async def make_dir(self, project: str, path: str) -> FileEntry:
        entry: FileEntry = await self._call(m.MakeDir, project=project, path=path)
        return entry

    async def rename_path(self, project: str, src: str, dst: str) -> FileEntry:
        entry: FileEntry = await self._call(m.RenamePath, project=project, src=src, dst=dst)
        return entry

    async def delete_path(self, project: str, path: str) -> None:
        await self._call(m.DeletePath, project=project, path=path)

    async def set_file_open(self, project: str, path: str, is_open: bool) -> None:
        key = (project, path)
        if is_open:
            self._open_files.add(key)
        else:
            self._open_files.discard(key)
        client = self._client
        if client is not None and not client.closed and self._connected.is_set():
            await self._send_open(client, project, path, is_open)

    @staticmethod
    async def _send_open(client: ServerClient, project: str, path: str, is_open: bool) -> None:
        with contextlib.suppress(CloudIDEError):  # presence is a courtesy: never an error
            await client.call(m.SetFileOpen, project=project, path=path, open=is_open)

    # -- shells --------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as a task kept until it ends (a session skipping ahead)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _session_maker(
        self, input_key: str
    ) -> Callable[[ServerClient, m.ShellAttached], RemoteSession]:
        def make(client: ServerClient, attached: m.ShellAttached) -> RemoteSession:
            session = RemoteSession(self, client, attached, input_key)
            self._sessions.add(session)
            return session

        return make

    def _forget(self, session: RemoteSession) -> None:
        self._sessions.discard(session)

    def _close_later(self, session_id: str) -> None:
        self._closing_later.add(session_id)

    async def _close_orphan(self, client: ServerClient, session_id: str) -> None:
        """End a shell closed here while disconnected, now that we can."""
        self._closing_later.discard(session_id)
        with contextlib.suppress(CloudIDEError):
            attached = await client.call(m.AttachShell, session_id=session_id)
            await client.call(m.CloseShell, channel=attached.channel)

    async def open_shell(
        self, project: str, rows: int, cols: int, progress: ProgressCallback | None = None
    ) -> ShellSession:
        client = await self._client_now()
        key = secrets.token_hex(8)
        attached = await client.call(
            m.OpenShell, project=project, rows=rows, cols=cols, progress=progress, input_key=key
        )
        session = client.adopt(attached, self._session_maker(key))
        if client.closed:  # lost during the open: it comes back with the next connection
            session._lost("the connection was lost")
        return session

    async def list_shells(self, project: str) -> list[ShellInfo]:
        return list(await self._call(m.ListShells, project=project))

    async def share_shell(self, session_id: str, ttl: float = 3600.0) -> ShareLink:
        link = await self._call(m.ShareShell, session_id=session_id, ttl=ttl)
        # the server says the whole address when it knows it; else ours, as a browser's
        url = link.url or page_address(self.url) + link.path
        return ShareLink(session_id=link.session_id, url=url, expires=link.expires)

    async def attach_shell(
        self,
        session_id: str,
        *,
        rows: int | None = None,
        cols: int | None = None,
        read_only: bool = False,
    ) -> ShellSession:
        client = await self._client_now()
        key = secrets.token_hex(8)
        attached = await client.call(
            m.AttachShell,
            session_id=session_id,
            rows=None if read_only else rows,
            cols=None if read_only else cols,
            read_only=read_only,
            input_key=None if read_only else key,
        )
        session = client.adopt(attached, self._session_maker(key))
        if rows is not None and cols is not None:
            session.wanted_size = (rows, cols)
        if client.closed:
            session._lost("the connection was lost")
        return session

    # -- change events -------------------------------------------------------------------
    def events(self, project: str | None = None) -> EventStream:
        return RemoteEventStream(self, project)

    async def _add_stream(self, stream: RemoteEventStream, timeout: float) -> None:
        self._streams.add(stream)
        with contextlib.suppress(CloudIDEError):
            client = await self._client_now(timeout)
            await stream._attach(client, again=False)


__all__ = ["RemoteBackend", "RemoteEventStream", "RemoteSession", "api_url"]
