"""A backend made on first use, in a thread: the first frame does not wait for its imports.

``DockerBackend``'s module loads docker-py (and requests), a good part of the start-up
time. The app gets this stand-in instead: it knows its description from the start (the
status line), and makes the real backend (in a worker thread, once) when the first call
comes, which every method then passes on to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cloudide_tui import defaults
from cloudide_tui.backend.base import (
    Backend,
    BackendEvent,
    Capabilities,
    ConnectionCallback,
    ConnectionStatus,
    ContainerState,
    EventStream,
    FileContent,
    FileEntry,
    LimitCallback,
    ProgressCallback,
    ProjectInfo,
    ShareLink,
    ShellInfo,
    ShellSession,
)


class LazyBackend(Backend):
    """Stands for the backend ``make`` builds, building it (in a thread) when first used.

    The app knows a backend only by its ``capabilities`` and ``connection``: this one
    declares the real one's from the start (given, since the real one is not made yet),
    and passes on everything else, watchers asked for before it is made included.

    Args:
        make: Builds the real backend (blocking: imports and all).
        description: The real one's description, known without building it.
        capabilities: The real one's (the base class's defaults: a local engine's).
    """

    def __init__(
        self,
        make: Callable[[], Backend],
        description: str,
        capabilities: Capabilities | None = None,
    ) -> None:
        self._make = make
        self.description = description
        if capabilities is not None:
            self.capabilities = capabilities
        self._real: Backend | None = None
        self._making: asyncio.Future[Backend] | None = None
        self._watchers: dict[int, LimitCallback] = {}
        self._unwatch: dict[int, Callable[[], None]] = {}
        self._connection_watchers: dict[int, ConnectionCallback] = {}
        self._unwatch_connection: dict[int, Callable[[], None]] = {}
        self._token: str | None = None

    async def real(self) -> Backend:
        """The real backend (made now, once, if it was not yet)."""
        if self._real is not None:
            return self._real
        if self._making is None:
            self._making = asyncio.ensure_future(asyncio.to_thread(self._make))
        real = await asyncio.shield(self._making)
        if self._real is None:
            self._real = real
            for key, callback in self._watchers.items():  # watching asked for before
                self._unwatch[key] = real.watch_limits(callback)
            for key, follow in self._connection_watchers.items():
                self._unwatch_connection[key] = real.watch_connection(follow)
                follow(real.connection)
            if self._token is not None:
                real.set_token(self._token)
        return real

    @property
    def connection(self) -> ConnectionStatus:
        """The real one's, once made (until then a local engine's, by its description)."""
        if self._real is not None:
            return self._real.connection
        return super().connection

    def watch_connection(self, callback: ConnectionCallback) -> Callable[[], None]:
        """Watch with the real backend once it is made (now, if it is)."""
        key = id(callback)
        self._connection_watchers[key] = callback
        if self._real is not None:
            self._unwatch_connection[key] = self._real.watch_connection(callback)

        def stop() -> None:
            self._connection_watchers.pop(key, None)
            unwatch = self._unwatch_connection.pop(key, None)
            if unwatch is not None:
                unwatch()

        return stop

    def set_token(self, token: str) -> None:
        """Passed on now, or once the real backend is made."""
        self._token = token
        if self._real is not None:
            self._real.set_token(token)

    def watch_limits(self, callback: LimitCallback) -> Callable[[], None]:
        """Watch with the real backend once it is made (now, if it is)."""
        key = id(callback)
        self._watchers[key] = callback
        if self._real is not None:
            self._unwatch[key] = self._real.watch_limits(callback)

        def stop() -> None:
            self._watchers.pop(key, None)
            unwatch = self._unwatch.pop(key, None)
            if unwatch is not None:
                unwatch()

        return stop

    # -- every call goes to the real one ------------------------------------------------
    async def ensure_ready(
        self, progress: ProgressCallback | None = None, *, build: bool = True
    ) -> None:
        await (await self.real()).ensure_ready(progress, build=build)

    async def close(self) -> None:
        if self._real is not None or self._making is not None:
            await (await self.real()).close()

    async def list_projects(self) -> list[ProjectInfo]:
        return await (await self.real()).list_projects()

    async def create_project(self, name: str) -> ProjectInfo:
        return await (await self.real()).create_project(name)

    async def rename_project(self, old: str, new: str) -> ProjectInfo:
        return await (await self.real()).rename_project(old, new)

    async def delete_project(self, name: str) -> None:
        await (await self.real()).delete_project(name)

    async def container_state(self, project: str) -> ContainerState:
        return await (await self.real()).container_state(project)

    async def start_container(self, project: str, progress: ProgressCallback | None = None) -> None:
        await (await self.real()).start_container(project, progress)

    async def stop_container(self, project: str) -> None:
        await (await self.real()).stop_container(project)

    async def list_dir(self, project: str, path: str = "") -> list[FileEntry]:
        return await (await self.real()).list_dir(project, path)

    async def stat(self, project: str, path: str) -> FileEntry:
        return await (await self.real()).stat(project, path)

    async def read_file(
        self, project: str, path: str, limit: int = defaults.READ_LIMIT
    ) -> FileContent:
        return await (await self.real()).read_file(project, path, limit)

    async def write_file(
        self, project: str, path: str, data: bytes, *, expected_version: str | None = None
    ) -> FileEntry:
        return await (await self.real()).write_file(
            project, path, data, expected_version=expected_version
        )

    async def make_dir(self, project: str, path: str) -> FileEntry:
        return await (await self.real()).make_dir(project, path)

    async def rename_path(self, project: str, src: str, dst: str) -> FileEntry:
        return await (await self.real()).rename_path(project, src, dst)

    async def delete_path(self, project: str, path: str) -> None:
        await (await self.real()).delete_path(project, path)

    async def open_shell(
        self, project: str, rows: int, cols: int, progress: ProgressCallback | None = None
    ) -> ShellSession:
        return await (await self.real()).open_shell(project, rows, cols, progress)

    async def list_shells(self, project: str) -> list[ShellInfo]:
        return await (await self.real()).list_shells(project)

    async def attach_shell(
        self,
        session_id: str,
        *,
        rows: int | None = None,
        cols: int | None = None,
        read_only: bool = False,
    ) -> ShellSession:
        return await (await self.real()).attach_shell(
            session_id, rows=rows, cols=cols, read_only=read_only
        )

    async def share_shell(self, session_id: str, ttl: float = 3600.0) -> ShareLink:
        return await (await self.real()).share_shell(session_id, ttl)

    async def set_file_open(self, project: str, path: str, is_open: bool) -> None:
        await (await self.real()).set_file_open(project, path, is_open)

    def events(self, project: str | None = None) -> EventStream:
        return _LazyEvents(self, project)


class _LazyEvents(EventStream):
    """The real backend's event stream, subscribed once the backend is made."""

    def __init__(self, backend: LazyBackend, project: str | None) -> None:
        self._backend = backend
        self._project = project
        self._stream: EventStream | None = None
        self._lock = asyncio.Lock()

    async def _real(self) -> EventStream:
        async with self._lock:
            if self._stream is None:
                self._stream = (await self._backend.real()).events(self._project)
            return self._stream

    async def get(self) -> BackendEvent:
        return await (await self._real()).get()

    async def wait_ready(self, timeout: float = 10.0) -> None:
        await (await self._real()).wait_ready(timeout)

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()
