"""The protocol's socket layer on the client side: one websocket to a ``cloudide-server``.

Thin by design (the protocol package does the reading and writing): a reader task sorts
what arrives into answers to pending calls, shell channels and event subscriptions.
``RemoteBackend`` (the TUI's remote mode) builds on this; tests and the bench use it
directly. It does not reconnect: a lost connection ends every call with
``ServerUnavailable`` and tells every channel's shell (``RemoteShell._lost``: a plain
one ends; ``RemoteBackend``'s sessions wait to be attached again on a new connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cloudide_tui.backend.base import SessionStatus, ShellSession, StatusCallback
from cloudide_tui.backend.events import BackendEvent
from cloudide_tui.errors import AuthError, CloudIDEError, ProtocolError, ServerUnavailable
from cloudide_tui.protocol import frames
from cloudide_tui.protocol import messages as m
from cloudide_tui.protocol.codec import MessageError, decode_server, encode, result_value
from cloudide_tui.protocol.errors import error_from
from cloudide_tui.protocol.events import event_from_wire

R = TypeVar("R", bound=m.Request)
S = TypeVar("S", bound="RemoteShell")

#: Largest frame accepted from the server (a whole file read, base64 in JSON).
MAX_FRAME = 2 * m.MAX_FILE_BYTES


class RemoteShell(ShellSession):
    """A shell on the server seen through one channel of a ``ServerClient``.

    ``read`` returns output bytes in order; a snapshot (sent when attaching without a
    resumable offset, or after falling behind) comes as its redraw bytes, which start
    with a terminal reset, and sets ``rows``/``cols`` and ``last_snapshot`` as it is
    read. ``offset`` is the session offset after the last byte ``read`` returned: give
    it to ``attach_shell`` to resume exactly there (``received``: after the last byte
    that arrived, read or not).
    """

    def __init__(self, client: ServerClient, attached: m.ShellAttached) -> None:
        self._client = client
        self.session_id = attached.session_id
        self.project = attached.project
        self.snapshots = 0
        self.last_snapshot: frames.SnapshotFrame | None = None
        self.viewers: list[m.Viewer] = []
        # (offset after the chunk, the chunk, its snapshot frame if it is one, or the
        # shell's new size: a mark in the stream, for the bytes after it)
        self._chunks: asyncio.Queue[
            tuple[int, bytes, frames.SnapshotFrame | tuple[int, int] | None] | None
        ] = asyncio.Queue()
        self._shell_size: tuple[int, int] | None = None
        self._exit_status: int | None = None
        self._end_reason: str | None = None
        self._ended = False
        self._status_watchers: list[StatusCallback] = []
        self.backlog = 0
        """Bytes arrived and not read yet."""
        self._bind(client, attached)
        self.offset = attached.offset

    def _bind(self, client: ServerClient, attached: m.ShellAttached) -> None:
        """Take ``attached`` (a channel of ``client``) as where this shell's frames come."""
        self._client = client
        self.channel = attached.channel
        self.read_only = attached.read_only
        self.resumed = attached.resumed
        self.rows, self.cols = attached.rows, attached.cols
        self.received = attached.offset
        """The session offset after the last byte that arrived (read or not)."""

    # -- fed by the client's reader -------------------------------------------------------
    def _output(self, frame: frames.OutputFrame) -> None:
        data, end = frame.data, frame.offset + len(frame.data)
        if frame.offset < self.received:  # already had these (a resume overlapping): once
            data = data[self.received - frame.offset :]
        if not data:
            return
        self.received = end
        self.backlog += len(data)
        self._chunks.put_nowait((end, data, None))

    def _snapshot(self, frame: frames.SnapshotFrame) -> None:
        self.received = frame.offset
        self.backlog += len(frame.data)
        self._chunks.put_nowait((frame.offset, frame.data, frame))

    def _resized(self, rows: int, cols: int) -> None:
        """The shell has a new size (a viewer typed or resized): output after this was
        made for it, so the mark goes in the stream, before it."""
        self.rows, self.cols = rows, cols
        self._chunks.put_nowait((self.received, b"", (rows, cols)))

    def _presence(self, viewers: list[m.Viewer]) -> None:
        self.viewers = viewers
        self._status_changed()

    def _lost(self, reason: str) -> None:
        """The connection went away under this channel: the shell ends here (a session
        that can be attached again overrides this)."""
        self._end(None, reason)

    def _end(self, status: int | None, reason: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._exit_status, self._end_reason = status, reason
        self._chunks.put_nowait(None)
        self._status_changed()

    # -- status --------------------------------------------------------------------------
    @property
    def status(self) -> SessionStatus:
        return SessionStatus(viewers=max(1, len(self.viewers)), read_only=self.read_only)

    def watch_status(self, callback: StatusCallback) -> Callable[[], None]:
        self._status_watchers.append(callback)
        return lambda: (
            self._status_watchers.remove(callback) if callback in self._status_watchers else None
        )

    def _status_changed(self) -> None:
        status = self.status
        for callback in list(self._status_watchers):
            callback(status)

    # -- ShellSession ------------------------------------------------------------------------
    async def read(self) -> bytes:
        while True:
            if self._chunks.empty() and self._ended:
                return b""
            item = await self._chunks.get()
            if item is None:
                self._chunks.put_nowait(None)
                return b""
            offset, data, mark = item
            if isinstance(mark, tuple):  # the size the bytes after it were made for
                self._shell_size = mark
                continue
            self.backlog -= len(data)
            if mark is not None:
                self.rows, self.cols = mark.rows, mark.cols
                self._shell_size = (mark.rows, mark.cols)
                self.snapshots += 1
                self.last_snapshot = mark
            self.offset = offset
            return data

    @property
    def shell_size(self) -> tuple[int, int] | None:
        """The shell's size as of the bytes read so far (a snapshot's, or the last one
        the server announced): another viewer's when they typed or resized last."""
        return self._shell_size

    async def write(self, data: bytes) -> None:
        if not self._ended and data:
            await self._client.send_binary(frames.encode_input(self.channel, data))

    async def reply(self, data: bytes) -> None:
        """A terminal's answer to a query: sent as REPLY (the server takes one viewer's)."""
        if not self._ended and data:
            await self._client.send_binary(frames.encode_reply(self.channel, data))

    async def resize(self, rows: int, cols: int) -> None:
        if not self._ended:
            await self._client.call(m.Resize, channel=self.channel, rows=rows, cols=cols)

    async def close(self) -> None:
        """End the shell for good (every viewer's)."""
        if not self._ended:
            with contextlib.suppress(CloudIDEError):
                await self._client.call(m.CloseShell, channel=self.channel)
            self._end(self._exit_status, self._end_reason or "session closed")

    async def detach(self) -> None:
        """Stop viewing; the shell runs on."""
        if not self._ended:
            with contextlib.suppress(CloudIDEError):
                await self._client.call(m.DetachShell, channel=self.channel)
            self._end(None, "detached")

    @property
    def exit_status(self) -> int | None:
        return self._exit_status

    @property
    def end_reason(self) -> str | None:
        return self._end_reason


async def settled(task: asyncio.Future[Any]) -> None:
    """Wait until ``task`` is done, whatever its outcome (not raised). Cancelling the
    waiter cancels the wait only (``task`` goes on), and is raised as it must be: a
    waiter that swallowed it could never be stopped (an event loop that ends waits for
    it for ever)."""
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        waiter = asyncio.current_task()
        if not task.cancelled() or (waiter is not None and waiter.cancelling()):
            raise  # the waiter was cancelled (maybe the task too, as an ending loop does)
    except Exception:
        pass  # the task's own failure is its owner's to report


_CHANNEL_ITEMS = (
    frames.OutputFrame,
    frames.SnapshotFrame,
    m.ShellEnd,
    m.Detached,
    m.Presence,
    m.SizeChanged,
)


class ServerClient:
    """A connection to a server (make one with :meth:`connect`)."""

    def __init__(self, ws: ClientConnection, welcome: m.Welcome) -> None:
        self.ws = ws
        self.welcome = welcome
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._progress: dict[int, Callable[[str], None]] = {}
        self.shells: dict[int, RemoteShell] = {}
        self._early: dict[int, list[Any]] = {}  # frames of a channel before its result
        self._subscriptions: dict[int, asyncio.Queue[BackendEvent | None]] = {}
        self.errors: list[m.Error] = []  # errors about no request (bad input frames ...)
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(
        cls,
        url: str,
        token: str,
        *,
        client: str = "cloudide-tui",
        open_timeout: float = 10,
        ssl_context: ssl.SSLContext | None = None,
    ) -> ServerClient:
        """Connect, authenticate and say hello. ``wss://`` checks the server's certificate
        against the system's CAs, or against ``ssl_context``.

        Raises:
            AuthError: the server refused the token (HTTP 401).
            ServerUnavailable: the server cannot be reached or refused otherwise.
        """
        extra: dict[str, Any] = {"ssl": ssl_context} if ssl_context is not None else {}
        try:
            ws = await connect(
                url,
                additional_headers={"Authorization": f"Bearer {token}"},
                compression=None,
                max_size=MAX_FRAME,
                open_timeout=open_timeout,
                ping_interval=20,
                ping_timeout=20,
                **extra,
            )
        except InvalidStatus as e:
            body = e.response.body.decode("utf-8", "replace").strip() if e.response.body else ""
            if e.response.status_code == 401:
                raise AuthError(body or "The server refused the token.") from None
            raise ServerUnavailable(
                f"The server at {url} refused the connection (HTTP "
                f"{e.response.status_code}): {body}"
            ) from None
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as e:
            raise ServerUnavailable(f"Cannot reach the server at {url}: {e}") from None
        try:
            await ws.send(encode(m.Hello(version=m.PROTOCOL_VERSION, client=client)))
            first = decode_server(await asyncio.wait_for(ws.recv(), open_timeout))
        except (ConnectionClosed, TimeoutError) as e:
            await ws.close()
            raise ServerUnavailable(f"The server closed the connection: {e}") from None
        except MessageError as e:
            await ws.close()
            raise ProtocolError(f"The server's welcome is not readable: {e.message}") from None
        if not isinstance(first, m.Welcome):
            await ws.close()
            raise ProtocolError("The server did not answer the hello with a welcome.")
        return cls(ws, first)

    # -- calls ------------------------------------------------------------------------------
    async def call(
        self, cls: type[R], *, progress: Callable[[str], None] | None = None, **fields: Any
    ) -> Any:
        """Send request ``cls(**fields)`` and return its typed result.

        Raises:
            CloudIDEError: the server's error, as the same class as locally.
            ServerUnavailable: the connection was lost.
        """
        request_id = next(self._ids)
        request = cls(id=request_id, **fields)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        if progress is not None:
            self._progress[request_id] = progress
        try:
            await self.send_text(encode(request))
            value = await future
        finally:
            self._pending.pop(request_id, None)
            self._progress.pop(request_id, None)
        return result_value(cls, value)

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed as e:
            raise ServerUnavailable(f"The connection to the server was lost: {e}") from None

    async def send_binary(self, data: bytes) -> None:
        try:
            await self.ws.send(data)
        except ConnectionClosed as e:
            raise ServerUnavailable(f"The connection to the server was lost: {e}") from None

    async def open_shell(self, project: str, rows: int, cols: int) -> RemoteShell:
        attached = await self.call(m.OpenShell, project=project, rows=rows, cols=cols)
        return self.adopt(attached, RemoteShell)

    async def attach_shell(
        self,
        session_id: str,
        *,
        rows: int | None = None,
        cols: int | None = None,
        read_only: bool = False,
        offset: int | None = None,
    ) -> RemoteShell:
        attached = await self.call(
            m.AttachShell,
            session_id=session_id,
            rows=rows,
            cols=cols,
            read_only=read_only,
            offset=offset,
        )
        return self.adopt(attached, RemoteShell)

    def adopt(
        self, attached: m.ShellAttached, make: Callable[[ServerClient, m.ShellAttached], S]
    ) -> S:
        """The shell of a channel just attached (``make(self, attached)``): its frames go
        there from now on, including those that came before the attach's result."""
        return self.bind(make(self, attached), attached)

    def bind(self, shell: S, attached: m.ShellAttached) -> S:
        """Make ``shell`` (perhaps one of another, lost connection) the shell of the
        channel ``attached`` names on this connection."""
        if shell._client is not self or shell.channel != attached.channel:
            shell._bind(self, attached)
        self.shells[attached.channel] = shell
        for item in self._early.pop(attached.channel, []):
            self._to_channel(item)
        return shell

    async def subscribe(self, project: str | None = None) -> asyncio.Queue[BackendEvent | None]:
        """Start a subscription; its events arrive in the returned queue (None: ended)."""
        request_id = next(self._ids)
        queue: asyncio.Queue[BackendEvent | None] = asyncio.Queue()
        self._subscriptions[request_id] = queue
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self.send_text(encode(m.Subscribe(id=request_id, project=project)))
            await future
        except BaseException:
            self._subscriptions.pop(request_id, None)
            raise
        finally:
            self._pending.pop(request_id, None)
        return queue

    async def close(self) -> None:
        await self.ws.close()
        await self.wait_closed()

    async def wait_closed(self) -> None:
        """Wait until the connection is closed (by either side) and everything was told.
        How the reader ended is not raised here; a cancellation of this wait is."""
        await settled(self._reader)

    def stop_reading(self) -> None:
        """Stop reading the socket: what the server sends piles up in the kernel, and the
        server sees a viewer that does not keep up (a bad network, a frozen client)."""
        self._reader.cancel()

    def abort(self) -> None:
        """Drop the connection at once, without the closing handshake (it stopped
        answering): everything pending is told it was lost."""
        self.ws.transport.abort()

    @property
    def closed(self) -> bool:
        """Whether the connection has ended and its reader told everyone."""
        return self._reader.done()

    @property
    def close_code(self) -> int | None:
        """The websocket close code once closed (1001: the server shut down; 4401: the
        token was revoked or expired)."""
        return self.ws.close_code

    @property
    def close_reason(self) -> str:
        """The reason the server gave when it closed (\"token expired\"), else ""."""
        return self.ws.close_reason or ""

    # -- the reader ---------------------------------------------------------------------------
    async def _read(self) -> None:
        reason = "the connection to the server was closed"
        try:
            async for raw in self.ws:
                try:
                    item = decode_server(raw)
                except MessageError:
                    continue  # a newer server's additions: ignored
                self._dispatch(item)
        except ConnectionClosed as e:
            reason = f"the connection to the server was lost ({e})"
        finally:
            lost = ServerUnavailable(reason[0].upper() + reason[1:] + ".")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(lost)
            for shell in list(self.shells.values()):
                shell._lost(reason)
            self.shells.clear()
            for queue in self._subscriptions.values():
                queue.put_nowait(None)

    def _dispatch(self, item: Any) -> None:
        if isinstance(item, m.Result | m.Error):
            future = self._pending.get(item.id) if item.id is not None else None
            if future is None:
                if isinstance(item, m.Error):
                    self.errors.append(item)
                return
            if not future.done():
                if isinstance(item, m.Result):
                    future.set_result(item.value)
                else:
                    future.set_exception(error_from(item.code, item.message, item.hint))
        elif isinstance(item, m.Progress):
            say = self._progress.get(item.id)
            if say is not None:
                say(item.line)
        elif isinstance(item, m.Event):
            queue = self._subscriptions.get(item.subscription)
            if queue is not None:
                with contextlib.suppress(ProtocolError):
                    queue.put_nowait(event_from_wire(item.kind, item.data))
        elif isinstance(item, _CHANNEL_ITEMS):
            self._to_channel(item)

    def _to_channel(self, item: Any) -> None:
        shell = self.shells.get(item.channel)
        if shell is None:
            self._early.setdefault(item.channel, []).append(item)
            return
        if isinstance(item, frames.OutputFrame):
            shell._output(item)
        elif isinstance(item, frames.SnapshotFrame):
            shell._snapshot(item)
        elif isinstance(item, m.ShellEnd):
            shell._end(item.exit_status, item.reason)
            self.shells.pop(item.channel, None)
        elif isinstance(item, m.Detached):
            shell._end(None, item.reason)
            self.shells.pop(item.channel, None)
        elif isinstance(item, m.Presence):
            shell._presence(list(item.viewers))
        elif isinstance(item, m.SizeChanged):
            shell._resized(item.rows, item.cols)


__all__ = ["RemoteShell", "ServerClient", "settled"]
