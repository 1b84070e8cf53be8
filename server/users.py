"""Users, their backends and their sessions; limits, idle reaping, restarts.

Each user (a token's ``sub``) gets a ``DockerBackend`` whose owner is that user: the
backend's own validation and labels keep users apart (two users' projects of the same
name are different folders and containers). The server's sessions of a user are kept
here, by id, with a record on disk so that after a restart an old id is answered "the
server restarted" and the shell it left behind in the container is hung up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cloudide_tui.backend.base import (
    BackendEvent,
    ContainerState,
    FilePresence,
    LimitHit,
    ProgressCallback,
)
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.hang_up import CLOSE_DEADLINE, HangUp
from cloudide_tui.errors import CloudIDEError, NotFound, ResourceLimit, SessionEnded
from cloudide_tui.validation import display, validate_project_name

from .auth import server_dir
from .sessions import ServerSession

log = logging.getLogger("cloudide_server.users")

SESSIONS_FILE = "sessions.json"
GONE_KEPT = 10_000
"""Ended session ids remembered (to say why they ended) at most."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-user and per-connection bounds (each refusal says which limit it hit)."""

    connections_per_user: int = 32
    sessions_per_user: int = 64
    channels_per_connection: int = 64
    pending_requests: int = 32
    ring_bytes: int = 1 << 20
    session_idle: float = 3600.0
    container_idle: float = 1800.0
    reap_every: float = 30.0


class Listener(Protocol):
    """A client of the API that hears what the server itself tells (``ApiConnection``)."""

    def tell(self, event: BackendEvent) -> None:
        """Send ``event`` to each of its subscriptions that wants it."""


@dataclass
class UserSpace:
    """One user's backend, sessions and connections."""

    user: str
    backend: DockerBackend
    sessions: dict[str, ServerSession] = field(default_factory=dict)
    connections: set[Any] = field(default_factory=set)
    #: project -> when its last session ended (its container may stop after a while)
    project_idle_since: dict[str, float] = field(default_factory=dict)
    #: the API clients, told of file presence and limit hits
    listeners: set[Listener] = field(default_factory=set)
    #: (project, path) -> the clients that have it open in an editor, with their label
    open_files: dict[tuple[str, str], dict[Listener, str]] = field(default_factory=dict)
    #: stops the backend's limit watch (None: not watching)
    unwatch_limits: Callable[[], None] | None = None


class Registry:
    """Every user's space, sessions by id, and what happens to them over time.

    Args:
        data_dir: The server's data dir (workspaces, and ``server/`` for its records).
        make_backend: Builds the backend of one user (owner = user).
        limits: The bounds.
    """

    def __init__(
        self, data_dir: Path, make_backend: Callable[[str], DockerBackend], limits: Limits
    ) -> None:
        self.data_dir = data_dir
        self.limits = limits
        self._make_backend = make_backend
        self.spaces: dict[str, UserSpace] = {}
        self.gone: dict[str, str] = {}  # session id -> why it ended
        self._state_path = server_dir(data_dir) / SESSIONS_FILE
        self._reaper: asyncio.Task[None] | None = None
        self._saver: asyncio.Task[None] | None = None
        self._dirty = False
        self._closing = False

    def space(self, user: str) -> UserSpace:
        space = self.spaces.get(user)
        if space is None:
            space = self.spaces[user] = UserSpace(user, self._make_backend(user))
        return space

    # -- sessions -------------------------------------------------------------------------
    async def open_shell(
        self,
        space: UserSpace,
        project: str,
        rows: int,
        cols: int,
        progress: ProgressCallback | None = None,
    ) -> ServerSession:
        """Open a shell the server holds (the user's session limit applies).

        Raises:
            ResourceLimit: the user has as many sessions as allowed.
            and whatever the backend's open_shell raises.
        """
        if len(space.sessions) >= self.limits.sessions_per_user:
            raise ResourceLimit(
                f"You have {len(space.sessions)} shells open on this server, the most "
                "allowed per user.",
                hint="close some shells (they live on when you disconnect)",
            )
        shell = await space.backend.open_shell(project, rows, cols, progress)
        session = ServerSession(
            shell,
            project=project,
            user=space.user,
            rows=rows,
            cols=cols,
            ring_limit=self.limits.ring_bytes,
            on_end=self._session_ended,
        )
        space.sessions[session.id] = session
        space.project_idle_since.pop(project, None)
        session.start()
        self._save_soon()
        return session

    def find(self, space: UserSpace, session_id: str) -> ServerSession:
        """A running session of this user.

        Raises:
            SessionEnded: it ended (the reason says how; "the server restarted" after one).
            NotFound: this user never had it (another user's id looks the same as none).
        """
        session = space.sessions.get(session_id)
        if session is not None and not session.ended:
            return session
        reason = self.gone.get(f"{space.user}/{session_id}")
        if reason is not None:
            raise SessionEnded(f"That shell has ended: {reason}.")
        raise NotFound(f"There is no shell session {display(session_id)}.")

    def container_started(self, space: UserSpace, project: str) -> None:
        """A container started without a shell idles from now (it stops after a while)."""
        if not any(s.project == project for s in space.sessions.values()):
            space.project_idle_since.setdefault(project, time.monotonic())

    def reason_of(self, space: UserSpace, session_id: str) -> str | None:
        """The server's own words for how a session ended (None: it does not know)."""
        session = space.sessions.get(session_id)
        if session is not None:
            return session.ending_reason
        return self.gone.get(f"{space.user}/{session_id}")

    def shells_of(self, space: UserSpace, project: str) -> list[ServerSession]:
        validate_project_name(project)
        return sorted(
            (s for s in space.sessions.values() if s.project == project and not s.ended),
            key=lambda s: s.started,
        )

    async def _session_ended(self, session: ServerSession) -> None:
        space = self.spaces.get(session.user)
        if space is not None and space.sessions.pop(session.id, None) is not None:
            others = [s for s in space.sessions.values() if s.project == session.project]
            if not others:
                space.project_idle_since[session.project] = time.monotonic()
        self._forget(f"{session.user}/{session.id}", session.reason or "session ended")
        if not self._closing:
            self._save_soon()

    def _forget(self, key: str, reason: str) -> None:
        self.gone[key] = reason
        while len(self.gone) > GONE_KEPT:
            del self.gone[next(iter(self.gone))]

    # -- records across restarts -------------------------------------------------------------
    def _save_soon(self) -> None:
        """Record the sessions at once, in a thread (the event loop never waits on the
        disk); changes made while a write is under way are written together after it, so
        a burst of opens costs a few writes, not one each."""
        self._dirty = True
        if self._saver is None or self._saver.done():
            self._saver = asyncio.ensure_future(self._save_while_dirty())

    async def _save_while_dirty(self) -> None:
        while self._dirty:
            self._dirty = False
            await asyncio.to_thread(self._write_records, self._records())

    def _records(self) -> dict[str, dict[str, Any]]:
        return {
            s.id: {
                "user": s.user,
                "project": s.project,
                "container": getattr(s.shell, "container_id", None),
            }
            for space in self.spaces.values()
            for s in space.sessions.values()
            if not s.ended
        }

    def _save_state(self) -> None:
        """Record the live sessions (user, project, container) now, for the next start."""
        self._write_records(self._records())

    def _write_records(self, records: dict[str, dict[str, Any]]) -> None:
        path = self._state_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sessions-")
            with os.fdopen(fd, "w") as f:
                json.dump({"sessions": records}, f)
            os.replace(tmp, path)
        except OSError:
            log.warning("could not record the sessions in %s", path, exc_info=True)

    async def recover(self) -> None:
        """At start: the sessions of the previous run ended with it; say so to whoever
        asks, and hang up the shells they left in their containers."""
        try:
            data = json.loads(await asyncio.to_thread(self._state_path.read_text))
            records = data.get("sessions", {}) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            records = {}
        for session_id, record in records.items():
            if not isinstance(record, dict):
                continue
            user, container = record.get("user"), record.get("container")
            if not isinstance(user, str):
                continue
            self._forget(f"{user}/{session_id}", "the server restarted")
            if isinstance(container, str):
                with contextlib.suppress(CloudIDEError, ValueError):
                    await self._hang_up(self.space(user).backend, container, session_id)
        self._save_state()

    @staticmethod
    async def _hang_up(backend: DockerBackend, container: str, session_id: str) -> None:
        hang_up = HangUp(container, session_id, backend.account.user)
        what = "hanging up a shell left by the last run"
        await backend.engine.call_within(CLOSE_DEADLINE, what, hang_up)

    # -- time -------------------------------------------------------------------------------
    def start_reaper(self) -> None:
        self._reaper = asyncio.ensure_future(self._reap_forever())

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(self.limits.reap_every)
            try:
                await self.reap()
            except Exception:
                log.exception("reaping idle sessions failed")

    async def reap(self) -> None:
        """Close sessions nobody watched for ``session_idle``; stop containers that had
        no session for ``container_idle`` (files stay)."""
        now = time.monotonic()
        limits = self.limits
        for space in list(self.spaces.values()):
            for session in list(space.sessions.values()):
                idle = session.idle_since
                if idle is not None and now - idle >= limits.session_idle:
                    await session.close(
                        f"closed after {limits.session_idle:g} s with nobody attached"
                    )
            for project, since in list(space.project_idle_since.items()):
                if now - since < limits.container_idle:
                    continue
                del space.project_idle_since[project]
                if any(s.project == project for s in space.sessions.values()):
                    continue
                with contextlib.suppress(CloudIDEError):
                    if await space.backend.container_state(project) is ContainerState.RUNNING:
                        await space.backend.stop_container(project)

    async def close(self, reason: str) -> None:
        """End every session (viewers are told ``reason``) and release the backends."""
        # the records stay as they are: the next start tells their ids "the server restarted"
        if self._saver is not None:
            self._saver.cancel()
        self._save_state()
        self._closing = True
        if self._reaper is not None:
            self._reaper.cancel()
        for space in self.spaces.values():
            if space.unwatch_limits is not None:
                space.unwatch_limits()
        sessions = [s for space in self.spaces.values() for s in space.sessions.values()]
        await asyncio.gather(*(s.close(reason) for s in sessions), return_exceptions=True)
        await asyncio.gather(
            *(space.backend.close() for space in self.spaces.values()), return_exceptions=True
        )

    # -- what the server tells on its own: limits hit, files open elsewhere -----------------
    def listen(self, space: UserSpace, listener: Listener) -> None:
        """``listener`` hears this user's limit hits and file presence from now on (the
        backend's limit watch starts with the first one)."""
        space.listeners.add(listener)
        if space.unwatch_limits is None:
            loop = asyncio.get_running_loop()

            def hit(event: LimitHit) -> None:  # from the backend's watcher threads
                loop.call_soon_threadsafe(self._tell, space, event)

            space.unwatch_limits = space.backend.watch_limits(hit)

    def forget(self, space: UserSpace, listener: Listener) -> None:
        """``listener`` went: it hears nothing more, and every file it had open closes."""
        space.listeners.discard(listener)
        for key in [k for k, holders in space.open_files.items() if listener in holders]:
            self.set_file_open(space, listener, *key, is_open=False, label="")

    @staticmethod
    def _tell(space: UserSpace, event: BackendEvent) -> None:
        for listener in list(space.listeners):
            listener.tell(event)

    def set_file_open(
        self,
        space: UserSpace,
        listener: Listener,
        project: str,
        path: str,
        *,
        is_open: bool,
        label: str,
    ) -> None:
        """Note that ``listener`` shows (or stopped showing) a file; on a change every
        client is told who else has it open (``FilePresence``, itself left out)."""
        key = (project, path)
        holders = space.open_files.setdefault(key, {})
        changed = (listener in holders) != is_open
        if is_open:
            holders[listener] = label
        else:
            holders.pop(listener, None)
        if not holders:
            del space.open_files[key]
        if not changed:
            return
        for client in list(space.listeners):
            others = sorted(label for who, label in holders.items() if who is not client)
            client.tell(FilePresence(project, path, others))

    def session_count(self) -> int:
        return sum(len(space.sessions) for space in self.spaces.values())
