"""The server: routes by path, auth before the handshake, the access log, start and stop.

Built on the ``websockets`` asyncio server. Every request goes through
:meth:`ServerCore.process_request` before any websocket exists, so an HTTP answer can be
given there: ``/healthz`` (no auth), 404 for unknown paths, 403 for a cross-site
``Origin``, 400 for a bad project name, 401 for a missing/forged/expired/revoked token,
429 past a user's connection limit.

Routes: ``/api`` (the protocol, ``api.ApiConnection``), ``/ws/terminal/<project>/`` (the
original endpoint, ``mvp.TerminalEndpoint``), ``/healthz``; the browser's paths (``web``:
the IDE page at ``/`` and its websocket ``/ide/ws``, served by ``browser.IdePage``; the
share page ``/share/<id>`` and its websocket, the protocol again; sign-in, assets).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import ssl
import time
import weakref
from collections.abc import Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import watchfiles
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.errors import AuthError, CloudIDEError
from cloudide_tui.protocol import close
from cloudide_tui.protocol.messages import MAX_FILE_BYTES
from cloudide_tui.validation import validate_project_name

from .api import ApiConnection
from .auth import Principal, Revocations, TokenChecker, server_dir
from .browser import MAX_FRAME as PAGE_MAX_FRAME
from .browser import BrowserDoor, IdePage
from .mvp import MAX_FRAME as MVP_MAX_FRAME
from .mvp import TerminalEndpoint
from .settings import ServerSettings
from .shares import ShareLinks
from .users import Limits, Registry
from .web import WebDoor, WebSocketRoute

access_log = logging.getLogger("cloudide_server.access")
log = logging.getLogger("cloudide_server")

MAX_FRAME = 2 * MAX_FILE_BYTES
"""Largest frame on /api: a whole file written base64 in JSON fits."""
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
SHUTDOWN_FLUSH = 2.0
"""Seconds given to connections to send what they have queued before closing."""

_TERMINAL = re.compile(r"^/ws/terminal/([^/]*)/?$")


@dataclass(frozen=True, slots=True)
class Handshake:
    """What ``process_request`` learnt, for the handler."""

    principal: Principal
    route: str
    project: str | None
    new: bool
    started: float


class ServerCore:
    """Everything the running server holds (see the module docstring).

    Args:
        settings: The server's settings.
        secret: The token signing secret (checked for length already).
    """

    def __init__(self, settings: ServerSettings, secret: bytes) -> None:
        self.settings = settings
        self.limits = Limits(
            connections_per_user=settings.connections_per_user,
            sessions_per_user=settings.sessions_per_user,
            session_idle=settings.session_idle,
            container_idle=settings.container_idle,
            reap_every=min(30.0, settings.session_idle / 4, settings.container_idle / 4),
        )
        self.revocations = Revocations(settings.data_dir)
        self.checker = TokenChecker(secret, self.revocations)
        self.registry = Registry(settings.data_dir, self._backend_for, self.limits)
        secure = settings.certfile is not None or (settings.public_url or "").startswith("https:")
        self.web = WebDoor(self.checker, self._origin_allowed, secure_cookies=secure)
        self.links = ShareLinks(secret, settings.public_url)
        self.browser = BrowserDoor(settings, secret, self.revocations, self.links)
        self.clients: dict[
            ServerConnection, tuple[Principal, ApiConnection | TerminalEndpoint | IdePage]
        ] = {}
        # weak: a handshake that dies half-way (the client hung up) leaves nothing behind
        self._handshakes: weakref.WeakKeyDictionary[ServerConnection, Handshake] = (
            weakref.WeakKeyDictionary()
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: Server | None = None
        self._stop_watch = asyncio.Event()
        self.stopping = False

    def _backend_for(self, user: str) -> DockerBackend:
        s = self.settings
        return DockerBackend(
            s.data_dir,
            image=s.image,
            owner=user,
            docker_host=s.docker_host,
            memory=s.memory,
            cpus=s.cpus,
            pids=s.pids,
        )

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` as a task the server keeps (and cancels when it stops)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- before the handshake ---------------------------------------------------------------
    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        path = parts.path
        if path == "/healthz":
            body = json.dumps(
                {
                    "status": "stopping" if self.stopping else "ok",
                    "users": len(self.registry.spaces),
                    "sessions": self.registry.session_count(),
                    "connections": len(self.clients),
                    "browser_sessions": self.browser.count,
                }
            )
            status = HTTPStatus.SERVICE_UNAVAILABLE if self.stopping else HTTPStatus.OK
            return _respond(connection, status, body + "\n", "application/json")
        project: str | None = None
        principal: Principal | None = None
        if path == "/api":
            route = "api"
        elif match := _TERMINAL.match(path):
            route, project = "terminal", match.group(1)
        else:
            web = self.web.answer(request, path, parts.query)
            if web is None:
                return _respond(connection, HTTPStatus.NOT_FOUND, f"No such path: {path[:100]}\n")
            if not isinstance(web, WebSocketRoute):
                return web
            route, principal = web.route, web.principal
        if not self._origin_allowed(request.headers):
            return _respond(
                connection,
                HTTPStatus.FORBIDDEN,
                "Cross-site request refused: this Origin is not allowed (see --origin).\n",
            )
        if project is not None:
            try:
                validate_project_name(project)
            except CloudIDEError as e:
                return _respond(connection, HTTPStatus.BAD_REQUEST, f"{e}\n")
        query = parse_qs(parts.query)
        if principal is None:
            try:
                principal = self.checker.check(_token(request.headers, query))
            except AuthError as e:
                return _respond(connection, HTTPStatus.UNAUTHORIZED, f"{e}\n")
        if self.stopping:
            return _respond(connection, HTTPStatus.SERVICE_UNAVAILABLE, "Shutting down.\n")
        space = self.registry.space(principal.user)
        if len(space.connections) >= self.limits.connections_per_user:
            return _respond(
                connection,
                HTTPStatus.TOO_MANY_REQUESTS,
                f"You have {len(space.connections)} connections open, the most allowed.\n",
            )
        new = query.get("new", [""])[0] in ("1", "true", "yes")
        self._handshakes[connection] = Handshake(principal, route, project, new, time.monotonic())
        return None

    def _origin_allowed(self, headers: Headers) -> bool:
        """No Origin (not a browser), the server's own host, or one of ``--origin``."""
        origin = headers.get("Origin")
        if origin is None:
            return True
        origin = origin.lower().rstrip("/")
        if origin in self.settings.origins:
            return True
        host = (headers.get("Host") or "").lower()
        return bool(host) and urlsplit(origin).netloc == host

    def process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        hs = self._handshakes.get(connection)
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            self._handshakes.pop(connection, None)
        self._access(
            connection,
            event="request",
            path=urlsplit(request.path).path,  # never the query: it may hold a token
            status=response.status_code,
            user=hs.principal.user if hs else None,
        )

    def _access(self, connection: ServerConnection, **fields: Any) -> None:
        remote = connection.remote_address
        record = {"ts": round(time.time(), 3), "remote": remote[0] if remote else None}
        record.update(fields)
        access_log.info(json.dumps(record))

    # -- after it ---------------------------------------------------------------------------
    async def handler(self, connection: ServerConnection) -> None:
        hs = self._handshakes.pop(connection, None)
        if hs is None:  # cannot happen: process_request let it through
            await connection.close(close.INTERNAL, "no handshake record")
            return
        client: ApiConnection | TerminalEndpoint | IdePage
        if hs.route == "ide":
            connection.protocol.max_message_size = PAGE_MAX_FRAME
            client = IdePage(self.browser, connection, hs.principal)
        elif hs.route == "terminal" and hs.project is not None:
            connection.protocol.max_message_size = MVP_MAX_FRAME
            client = TerminalEndpoint(
                self.registry, connection, hs.principal, hs.project, new=hs.new, spawn=self.spawn
            )
        else:
            client = ApiConnection(self.registry, connection, hs.principal, self.links)
        self.clients[connection] = (hs.principal, client)
        # counted once connected (concurrent handshakes of one user can pass the limit
        # together: by as many as are in flight at that instant)
        self.registry.space(hs.principal.user).connections.add(connection)
        try:
            await client.run()
        finally:
            self.clients.pop(connection, None)
            self.registry.space(hs.principal.user).connections.discard(connection)
            self._access(
                connection,
                event="closed",
                route=hs.route,
                user=hs.principal.user,
                code=connection.close_code,
                seconds=round(time.monotonic() - hs.started, 3),
            )

    # -- tokens revoked or expired while connected ------------------------------------------
    async def _watch_tokens(self) -> None:
        folder = server_dir(self.settings.data_dir)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        async for _ in watchfiles.awatch(
            folder,
            stop_event=self._stop_watch,
            debounce=50,
            step=50,
            rust_timeout=5_000,
            yield_on_timeout=True,
        ):
            self.revocations.reload()
            await self.close_revoked()

    async def close_revoked(self) -> None:
        """Close every connection whose token is revoked or expired now."""
        now = time.time()
        for connection, (principal, _client) in list(self.clients.items()):
            if self.revocations.is_revoked(principal):
                why = "token revoked"
            elif principal.expires + 10 < now:
                why = "token expired"
            else:
                continue
            self.spawn(connection.close(close.UNAUTHORIZED, why))

    # -- start and stop ---------------------------------------------------------------------
    async def start(self, *, ssl_context: ssl.SSLContext | None = None) -> list[tuple[str, int]]:
        """Listen; returns the (host, port) of each listening socket."""
        await self.registry.recover()
        self.registry.start_reaper()
        self.spawn(self._watch_tokens())
        self.spawn(self.browser.check())
        self._server = await serve(
            self.handler,
            self.settings.host,
            self.settings.port,
            process_request=self.process_request,
            process_response=self.process_response,
            compression=None,
            max_size=MAX_FRAME,
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            close_timeout=5,
            ssl=ssl_context,
            server_header="cloudide-server",
        )
        addresses = [sock.getsockname()[:2] for sock in self._server.sockets]
        host, port = addresses[0]
        self.browser.listening(host, port, tls=ssl_context is not None)
        return addresses

    async def shutdown(self, reason: str = "the server is shutting down") -> None:
        """Stop: no new connections, every shell ended with ``reason`` (viewers told),
        every socket closed with 1001. Files and containers stay."""
        self.stopping = True
        self._stop_watch.set()
        if self._server is not None:
            self._server.close(close_connections=False)
        await self.registry.close(reason)
        deadline = time.monotonic() + SHUTDOWN_FLUSH
        while time.monotonic() < deadline and any(
            isinstance(c, ApiConnection) and c.pending_control for _, c in self.clients.values()
        ):
            await asyncio.sleep(0.02)
        await asyncio.gather(
            *(c.close(close.GOING_AWAY, "server shutting down") for c in list(self.clients)),
            return_exceptions=True,
        )
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 10)
        for task in list(self._tasks):
            task.cancel()


def _token(headers: Headers, query: dict[str, list[str]]) -> str | None:
    auth = headers.get("Authorization") or ""
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    tokens = query.get("token")
    return tokens[0] if tokens else None


def _respond(
    connection: ServerConnection, status: HTTPStatus, body: str, content_type: str = "text/plain"
) -> Response:
    response = connection.respond(status, body)
    response.headers["Content-Type"] = f"{content_type}; charset=utf-8"
    return response


def ssl_context(settings: ServerSettings) -> ssl.SSLContext | None:
    """A server TLS context from ``certfile``/``keyfile`` (None: plain ws://)."""
    if settings.certfile is None or settings.keyfile is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.certfile, settings.keyfile)
    return context
