"""An in-memory backend for deterministic pictures ONLY (snapshot tests, screenshots).

Every flow it is used to draw is also tested for real against ``DockerBackend`` (house
rule: no mocks for behaviour). Its shells replay fixed bytes, so a snapshot of a terminal
is the same on every run and every machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import posixpath
import time
from dataclasses import replace

from cloudide_tui import defaults
from cloudide_tui.backend.base import (
    Backend,
    ContainerState,
    FileContent,
    FileEntry,
    ProgressCallback,
    ProjectInfo,
    ShellInfo,
    ShellSession,
)
from cloudide_tui.backend.events import ContainerChanged, EventHub, EventSubscription
from cloudide_tui.errors import AlreadyExists, Conflict, NotFound

PROMPT = b"\x1b]0;dev@demo: /workspace\x07\x1b[1;32mdemo\x1b[0m:\x1b[1;34m~\x1b[0m$ "
"""A prompt like the runner image's (project in green, directory in blue, title set)."""

DEMO_OUTPUT = (
    PROMPT
    + b"ls --color=always\r\n"
    + b"\x1b[1;34msrc\x1b[0m  README.md  \x1b[1;32mrun.sh\x1b[0m\r\n"
    + PROMPT
    + b"python3 -c 'print(6 * 7)'\r\n42\r\n"
    + PROMPT
)


class FakeSession(ShellSession):
    """A shell that prints ``script`` once, echoes nothing, and never ends by itself."""

    def __init__(self, script: bytes) -> None:
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._chunks.put_nowait(script)
        self._ended = False
        self.written = bytearray()
        self.size = (24, 80)
        self.project = ""

    async def read(self) -> bytes:
        if self._ended:
            return b""
        return await self._chunks.get()

    async def write(self, data: bytes) -> None:
        self.written += data

    async def resize(self, rows: int, cols: int) -> None:
        self.size = (rows, cols)

    async def close(self) -> None:
        self._ended = True
        self._chunks.put_nowait(b"")

    @property
    def exit_status(self) -> int | None:
        return 0 if self._ended else None

    @property
    def end_reason(self) -> str | None:
        return "closed" if self._ended else None


def _entry(path: str, kind: str, data: bytes = b"", mtime: float = 1_700_000_000.0) -> FileEntry:
    version = hashlib.sha1(data + kind.encode()).hexdigest()[:12]
    return FileEntry(
        path=path,
        name=posixpath.basename(path),
        kind=kind,  # type: ignore[arg-type]
        size=len(data),
        mtime=mtime,
        version=version,
    )


class FakeBackend(Backend):
    """Projects and files in dicts; shells replay ``DEMO_OUTPUT``."""

    description = "local Docker"

    def __init__(self, projects: dict[str, dict[str, bytes | None]] | None = None) -> None:
        # project -> {path: bytes (file) or None (directory)}
        self.projects: dict[str, dict[str, bytes | None]] = projects or {}
        self.states: dict[str, ContainerState] = {}
        self.sessions: list[FakeSession] = []
        self.hub = EventHub()

    @classmethod
    def demo(cls) -> FakeBackend:
        """Two projects; ``demo`` holds a small Python program."""
        backend = cls(
            {
                "demo": {
                    "src": None,
                    "src/app.py": SAMPLE_PY.encode(),
                    "README.md": b"# demo\n\nA sample project.\n",
                    "run.sh": b"#!/bin/sh\npython3 src/app.py\n",
                },
                "website": {"index.html": b"<h1>hi</h1>\n"},
            }
        )
        backend.states = {"demo": ContainerState.STOPPED, "website": ContainerState.NONE}
        return backend

    async def ensure_ready(
        self, progress: ProgressCallback | None = None, *, build: bool = True
    ) -> None:
        return None

    async def list_projects(self) -> list[ProjectInfo]:
        return [
            ProjectInfo(name, "fake", self.states.get(name, ContainerState.NONE))
            for name in sorted(self.projects)
        ]

    async def create_project(self, name: str) -> ProjectInfo:
        if name in self.projects:
            raise AlreadyExists(f"A project named {name!r} exists already.")
        self.projects[name] = {}
        return ProjectInfo(name, "fake", ContainerState.NONE)

    async def rename_project(self, old: str, new: str) -> ProjectInfo:
        self.projects[new] = self.projects.pop(old)
        self.states[new] = self.states.pop(old, ContainerState.NONE)
        return ProjectInfo(new, "fake", self.states[new])

    async def delete_project(self, name: str) -> None:
        self.projects.pop(name, None)
        self.states.pop(name, None)

    async def container_state(self, project: str) -> ContainerState:
        return self.states.get(project, ContainerState.NONE)

    async def start_container(self, project: str, progress: ProgressCallback | None = None) -> None:
        self.states[project] = ContainerState.RUNNING

    async def stop_container(self, project: str) -> None:
        self.states[project] = ContainerState.STOPPED

    def _files(self, project: str) -> dict[str, bytes | None]:
        try:
            return self.projects[project]
        except KeyError:
            raise NotFound(f"No project named {project!r}.") from None

    async def list_dir(self, project: str, path: str = "") -> list[FileEntry]:
        files = self._files(project)
        entries = [
            _entry(p, "dir" if data is None else "file", data or b"")
            for p, data in files.items()
            if posixpath.dirname(p) == path
        ]
        return sorted(entries, key=lambda e: (e.kind != "dir", e.name))

    async def stat(self, project: str, path: str) -> FileEntry:
        files = self._files(project)
        if path not in files:
            raise NotFound(f"{path} does not exist.")
        data = files[path]
        return _entry(path, "dir" if data is None else "file", data or b"")

    async def read_file(
        self, project: str, path: str, limit: int = defaults.READ_LIMIT
    ) -> FileContent:
        entry = await self.stat(project, path)
        data = self._files(project)[path] or b""
        return FileContent(entry, data[:limit], len(data) > limit, b"\0" in data[:limit])

    async def write_file(
        self, project: str, path: str, data: bytes, *, expected_version: str | None = None
    ) -> FileEntry:
        files = self._files(project)
        if expected_version is not None and path in files:
            current = await self.stat(project, path)
            if current.version != expected_version:
                raise Conflict(f"{path} changed on disk since it was opened.")
        files[path] = data
        return replace(_entry(path, "file", data), mtime=time.time())

    async def make_dir(self, project: str, path: str) -> FileEntry:
        self._files(project)[path] = None
        return _entry(path, "dir")

    async def rename_path(self, project: str, src: str, dst: str) -> FileEntry:
        files = self._files(project)
        for p in [p for p in files if p == src or p.startswith(src + "/")]:
            files[dst + p[len(src) :]] = files.pop(p)
        return await self.stat(project, dst)

    async def delete_path(self, project: str, path: str) -> None:
        files = self._files(project)
        for p in [p for p in files if p == path or p.startswith(path + "/")]:
            del files[p]

    async def open_shell(
        self, project: str, rows: int, cols: int, progress: ProgressCallback | None = None
    ) -> ShellSession:
        self._files(project)
        if self.states.get(project) is not ContainerState.RUNNING:
            self.states[project] = ContainerState.RUNNING
            self.hub.publish(ContainerChanged(project, ContainerState.RUNNING))
        session = FakeSession(DEMO_OUTPUT.replace(b"demo", project.encode()))
        session.size = (rows, cols)
        session.session_id = f"fake{len(self.sessions) + 1}"
        session.project = project
        self.sessions.append(session)
        return session

    async def list_shells(self, project: str) -> list[ShellInfo]:
        return [
            ShellInfo(s.session_id, project, 0.0)
            for s in self.sessions
            if s.project == project and s.end_reason is None
        ]

    async def attach_shell(
        self,
        session_id: str,
        *,
        rows: int | None = None,
        cols: int | None = None,
        read_only: bool = False,
    ) -> ShellSession:
        for session in self.sessions:
            if session.session_id == session_id and session.end_reason is None:
                return session
        raise NotFound(f"There is no running shell session {session_id!r}.")

    def events(self, project: str | None = None) -> EventSubscription:
        return self.hub.subscribe(project)


SAMPLE_PY = '''\
"""A tiny program to show the editor's highlighting."""

from dataclasses import dataclass


@dataclass
class Greeter:
    name: str
    times: int = 3

    def greet(self) -> str:
        # Say hello a few times.
        return " ".join(f"Hello, {self.name}!" for _ in range(self.times))


if __name__ == "__main__":
    print(Greeter("world").greet())
'''
