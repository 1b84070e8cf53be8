"""The API websocket (``/api``): the protocol's socket layer on the server side.

One ``ApiConnection`` per websocket, already authenticated (``app.process_request``).
After the hello it reads frames in a loop: input frames go straight to their shell;
requests run as tasks (a slow one never holds up the others, at most
``pending_requests`` at once) and answer through the connection's writer, which sends
control messages in order. Each attached shell has its own sender (``sessions.Viewer``),
each subscription its own forwarder; all await the socket, none can grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from cloudide_tui import __version__
from cloudide_tui.backend.base import BackendEvent, Capabilities
from cloudide_tui.backend.events import EventSubscription, ShellEnded
from cloudide_tui.errors import CloudIDEError, NotAllowed, ProtocolError
from cloudide_tui.protocol import close, frames
from cloudide_tui.protocol import messages as m
from cloudide_tui.protocol.codec import MessageError, decode_client, encode, error_message
from cloudide_tui.protocol.events import event_to_wire
from cloudide_tui.validation import join_parts, validate_project_name, workspace_parts

from .auth import Principal
from .sessions import ServerSession, Viewer
from .shares import ShareLinks
from .users import Registry

log = logging.getLogger("cloudide_server.api")

HELLO_TIMEOUT = 10.0
SERVER_CAPABILITIES = Capabilities(
    sessions_persist=True,
    prepares_image_locally=False,
    stop_containers_on_quit=False,
    shares_shells=True,
)
"""What a client of this server declares as its backend's capabilities."""

_SHARE_ALLOWED = (m.AttachShell, m.DetachShell, m.Ping)
"""All a share token (read-only view of one session) may ask."""


class ApiConnection:
    """One client of the API (see the module docstring)."""

    def __init__(
        self,
        registry: Registry,
        ws: ServerConnection,
        principal: Principal,
        links: ShareLinks | None = None,
    ) -> None:
        self.registry = registry
        self.links = links
        self.limits = registry.limits
        self.ws = ws
        self.principal = principal
        self.space = registry.space(principal.user)
        self.client = ""
        self.channels: dict[int, Viewer] = {}
        self._next_channel = 1
        self._control: asyncio.Queue[tuple[m.Message, Callable[[], None] | None]] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscriptions: dict[int, tuple[EventSubscription, asyncio.Task[None]]] = {}

    # -- the Link the viewers use -----------------------------------------------------------
    async def send_binary(self, data: bytes) -> None:
        await self.ws.send(data)

    def send_control(self, message: m.Message, after: Callable[[], None] | None = None) -> None:
        if isinstance(message, m.ShellEnd | m.Detached):
            self.channels.pop(message.channel, None)
        self._control.put_nowait((message, after))

    @property
    def pending_control(self) -> bool:
        """Whether control messages wait to be sent."""
        return not self._control.empty()

    async def _write_control(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                message, after = await self._control.get()
                await self.ws.send(encode(message))
                if after is not None:
                    after()

    # -- the connection's life ----------------------------------------------------------------
    async def run(self) -> None:
        writer = asyncio.ensure_future(self._write_control())
        try:
            if not await self._hello():
                return
            async for frame in self.ws:
                await self._receive(frame)
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            await self._cleanup()

    async def _hello(self) -> bool:
        try:
            frame = await asyncio.wait_for(self.ws.recv(), HELLO_TIMEOUT)
        except TimeoutError:
            await self.ws.close(close.HELLO_TIMEOUT, "no hello in time")
            return False
        try:
            hello = decode_client(frame)
        except MessageError as e:
            await self.ws.close(close.BAD_HELLO, f"expected a hello: {e.message}"[:120])
            return False
        if not isinstance(hello, m.Hello):
            await self.ws.close(close.BAD_HELLO, "the first message must be a hello")
            return False
        if hello.version != m.PROTOCOL_VERSION:
            await self.ws.close(
                close.UNSUPPORTED_VERSION,
                f"this server speaks protocol version {m.PROTOCOL_VERSION}",
            )
            return False
        self.client = hello.client
        self.send_control(
            m.Welcome(
                version=m.PROTOCOL_VERSION,
                server=f"cloudide-server {__version__}",
                user=self.principal.user,
                scope=self.principal.scope,
                capabilities=SERVER_CAPABILITIES,
            )
        )
        return True

    async def _receive(self, frame: str | bytes) -> None:
        try:
            message = decode_client(frame)
        except MessageError as e:
            self.send_control(error_message(e.request_id, e))
            return
        if isinstance(message, frames.InputFrame | frames.ReplyFrame):
            await self._input(message)
        elif isinstance(message, m.Hello):
            self.send_control(error_message(None, ProtocolError("Hello was already said.")))
        elif len(self._tasks) >= self.limits.pending_requests:
            self.send_control(
                error_message(
                    message.id,
                    ProtocolError(
                        f"More than {self.limits.pending_requests} requests are pending "
                        "on this connection; wait for some answers first.",
                        code="bad_message",
                    ),
                )
            )
        else:
            task = asyncio.ensure_future(self._answer(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _input(self, frame: frames.InputFrame | frames.ReplyFrame) -> None:
        viewer = self.channels.get(frame.channel)
        if viewer is None:
            self.send_control(error_message(None, _unknown_channel(frame.channel)))
            return
        try:
            if isinstance(frame, frames.ReplyFrame):
                await viewer.session.reply(viewer, frame.data)
            else:
                await viewer.session.write(viewer, frame.data)
        except CloudIDEError as e:
            self.send_control(error_message(None, e))

    async def _cleanup(self) -> None:
        self.registry.forget(self.space, self)
        for task in list(self._tasks):
            task.cancel()
        for viewer in list(self.channels.values()):
            await viewer.stop()
        self.channels.clear()
        for subscription, forwarder in list(self._subscriptions.values()):
            forwarder.cancel()
            await subscription.close()
        self._subscriptions.clear()

    # -- requests -----------------------------------------------------------------------------
    async def _answer(self, request: m.Request) -> None:
        after: list[Callable[[], None]] = []
        try:
            if self.principal.view_only_session is not None and not isinstance(
                request, _SHARE_ALLOWED
            ):
                raise NotAllowed("A share link can only watch the shell it was made for.")
            value = await self._dispatch(request, after)
        except CloudIDEError as e:
            self.send_control(error_message(request.id, e))
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("request %s failed", m.tag_of(type(request)))
            self.send_control(
                m.Error(id=request.id, code="internal", message="The server hit a bug (logged).")
            )
            return
        self.send_control(m.Result(id=request.id, value=value), after[0] if after else None)

    def _progress(self, request_id: int) -> Callable[[str], None]:
        loop = asyncio.get_running_loop()

        def say(line: str) -> None:
            loop.call_soon_threadsafe(
                self.send_control, m.Progress(id=request_id, line=line[:2000])
            )

        return say

    async def _dispatch(self, r: m.Request, after: list[Callable[[], None]]) -> Any:
        backend = self.space.backend
        match r:
            case m.Ping():
                return None
            case m.ShareShell():
                self.registry.find(self.space, r.session_id)  # a running shell of this user
                if self.links is None:
                    raise NotAllowed("This server does not make share links.")
                return self.links.make(self.principal, r.session_id, r.ttl)
            case m.EnsureReady():
                return await backend.ensure_ready(self._progress(r.id))
            case m.ListProjects():
                return await backend.list_projects()
            case m.CreateProject():
                return await backend.create_project(r.name)
            case m.RenameProject():
                return await backend.rename_project(r.old, r.new)
            case m.DeleteProject():
                return await backend.delete_project(r.name)
            case m.GetContainerState():
                return await backend.container_state(r.project)
            case m.StartContainer():
                await backend.start_container(r.project, self._progress(r.id))
                self.registry.container_started(self.space, r.project)
                return None
            case m.StopContainer():
                return await backend.stop_container(r.project)
            case m.ListDir():
                return await backend.list_dir(r.project, r.path)
            case m.Stat():
                return await backend.stat(r.project, r.path)
            case m.ReadFile():
                return await backend.read_file(r.project, r.path, r.limit)
            case m.WriteFile():
                return await backend.write_file(
                    r.project, r.path, r.data, expected_version=r.expected_version
                )
            case m.MakeDir():
                return await backend.make_dir(r.project, r.path)
            case m.RenamePath():
                return await backend.rename_path(r.project, r.src, r.dst)
            case m.DeletePath():
                return await backend.delete_path(r.project, r.path)
            case m.OpenShell():
                self._check_channels()
                session = await self.registry.open_shell(
                    self.space, r.project, r.rows, r.cols, self._progress(r.id)
                )
                # the opener sees every byte from the first (no snapshot of a fresh shell)
                attached = self._attach(
                    session, read_only=False, offset=0, after=after, input_key=r.input_key
                )
                self.channels[attached.channel].wanted_size = (r.rows, r.cols)
                return attached
            case m.ListShells():
                sessions = self.registry.shells_of(self.space, r.project)
                return [s.info for s in sessions]
            case m.AttachShell():
                return await self._attach_shell(r, after)
            case m.DetachShell():
                viewer = self._viewer(r.channel)
                self.channels.pop(r.channel, None)
                await viewer.stop()
                return None
            case m.CloseShell():
                await self._viewer(r.channel).session.close("closed by a user")
                return None
            case m.Resize():
                viewer = self._viewer(r.channel)
                await viewer.session.resize(viewer, r.rows, r.cols)
                return None
            case m.Subscribe():
                subscription = backend.events(r.project)
                await subscription.wait_ready()
                forwarder = asyncio.ensure_future(self._forward(r.id, subscription))
                self._subscriptions[r.id] = (subscription, forwarder)
                self.registry.listen(self.space, self)
                return None
            case m.SetFileOpen():
                validate_project_name(r.project)
                self.registry.set_file_open(
                    self.space,
                    self,
                    r.project,
                    join_parts(workspace_parts(r.path)),
                    is_open=r.open,
                    label=f"{self.principal.user} ({self.client or 'a client'})",
                )
                return None
            case m.Unsubscribe():
                found = self._subscriptions.pop(r.subscription, None)
                if found is None:
                    raise ProtocolError(f"There is no subscription {r.subscription}.")
                found[1].cancel()
                await found[0].close()
                return None
        raise ProtocolError(f"{m.tag_of(type(r))} is not handled.", code="unknown_message")

    async def _attach_shell(self, r: m.AttachShell, after: list[Callable[[], None]]) -> Any:
        shared = self.principal.view_only_session
        if shared is not None and shared != r.session_id:
            raise NotAllowed("This share link is for another shell.")
        self._check_channels()
        session = self.registry.find(self.space, r.session_id)
        read_only = r.read_only or shared is not None
        if r.rows is not None and r.cols is not None and not read_only:
            await session.resize(None, r.rows, r.cols)
        attached = self._attach(
            session, read_only=read_only, offset=r.offset, after=after, input_key=r.input_key
        )
        if r.rows is not None and r.cols is not None and not read_only:
            self.channels[attached.channel].wanted_size = (r.rows, r.cols)
        return attached

    def _attach(
        self,
        session: ServerSession,
        *,
        read_only: bool,
        offset: int | None,
        after: list[Callable[[], None]],
        input_key: str | None = None,
    ) -> m.ShellAttached:
        channel = self._next_channel
        self._next_channel += 1
        viewer = session.attach(
            self,
            channel=channel,
            user=self.principal.user,
            client=self.client,
            read_only=read_only,
            offset=offset,
            input_key=input_key,
        )
        self.channels[channel] = viewer
        after.append(viewer.start)
        return m.ShellAttached(
            channel=channel,
            session_id=session.id,
            project=session.project,
            rows=session.rows,
            cols=session.cols,
            read_only=read_only,
            offset=viewer.offset,
            resumed=viewer.resumed,
            input_received=session.input_received.get(input_key, 0) if input_key else 0,
        )

    def _viewer(self, channel: int) -> Viewer:
        viewer = self.channels.get(channel)
        if viewer is None:
            raise _unknown_channel(channel)
        return viewer

    def _check_channels(self) -> None:
        most = self.limits.channels_per_connection
        if len(self.channels) >= most:
            raise ProtocolError(
                f"This connection has {most} shells attached, the most allowed; detach some first.",
                code="bad_message",
            )

    async def _forward(self, subscription_id: int, subscription: EventSubscription) -> None:
        with contextlib.suppress(ConnectionClosed, StopAsyncIteration):
            async for event in subscription:
                if isinstance(event, ShellEnded):
                    # the backend knows "session closed"; the server knows why it closed it
                    reason = self.registry.reason_of(self.space, event.session_id)
                    event = dataclasses.replace(event, reason=reason or event.reason)
                kind, data = event_to_wire(event)
                await self.ws.send(
                    encode(m.Event(subscription=subscription_id, kind=kind, data=data))
                )

    def tell(self, event: BackendEvent) -> None:
        """An event the server itself makes (a limit hit, who has a file open): to each
        subscription of this connection that wants it, in order with the other messages."""
        kind, data = event_to_wire(event)
        for subscription_id, (subscription, _forwarder) in self._subscriptions.items():
            if subscription.wants(event):
                self.send_control(m.Event(subscription=subscription_id, kind=kind, data=data))

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)


def _unknown_channel(channel: int) -> ProtocolError:
    return ProtocolError(
        f"Channel {channel} is not attached on this connection.", code="unknown_channel"
    )
