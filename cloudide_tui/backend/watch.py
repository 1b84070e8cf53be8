"""The sources of ``DockerBackend``'s change events: the workspaces on disk, the engine.

Files: ``watchfiles`` (inotify through the Rust ``notify`` crate) on the owner's
workspaces folder, so changes made in a shell (the workspace is a bind mount: same
inode, same kernel) are seen as well as those made through the API. Paths map to
(project, workspace path); the temp files of atomic writes and what ``watchfiles``'s
default filter leaves out (``.git``, ``__pycache__``, editor swap files...) are skipped.

Containers: the engine's event stream filtered by our app and owner labels, read by a
blocking docker-py generator in one of the engine's threads, ended by closing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import watchfiles

from cloudide_tui.backend import containers
from cloudide_tui.backend.base import ContainerState
from cloudide_tui.backend.engine import Engine
from cloudide_tui.backend.events import BackendEvent, ContainerChanged, FileChanged, ProjectChanged
from cloudide_tui.backend.workspace_fs import TEMP_PREFIX
from cloudide_tui.errors import CloudIDEError
from cloudide_tui.validation import PROJECT_NAME_RE

#: Milliseconds ``watchfiles`` gathers changes before yielding them (its default, 1.6 s,
#: is too slow for "a save in a shell shows within a second").
DEBOUNCE_MS = 80
STEP_MS = 40

_CHANGES = {
    watchfiles.Change.added: "created",
    watchfiles.Change.modified: "changed",
    watchfiles.Change.deleted: "deleted",
}

#: Engine actions → the container's state after them.
_ACTIONS = {
    "start": ContainerState.RUNNING,
    "unpause": ContainerState.RUNNING,
    "die": ContainerState.STOPPED,
    "stop": ContainerState.STOPPED,
    "pause": ContainerState.STOPPED,
    "destroy": ContainerState.NONE,
}


class _Filter(watchfiles.DefaultFilter):
    """watchfiles' default filter, plus the temp files of our atomic writes."""

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return not os.path.basename(path).startswith(TEMP_PREFIX) and super().__call__(change, path)


def file_events(root: Path, changes: set[tuple[watchfiles.Change, str]]) -> list[BackendEvent]:
    """Events for a batch of ``watchfiles`` changes under the workspaces folder ``root``.

    Sorted by path so a parent comes before its children; a path that is not under a
    valid project name is dropped.
    """
    events: list[BackendEvent] = []
    for change, raw in sorted(changes, key=lambda c: (c[1], c[0])):
        try:
            parts = Path(raw).relative_to(root).parts
        except ValueError:
            continue
        if not parts or not PROJECT_NAME_RE.fullmatch(parts[0]):
            continue
        kind = _CHANGES[change]
        if len(parts) == 1:
            if kind != "changed":
                events.append(ProjectChanged(parts[0], kind))  # type: ignore[arg-type]
            continue
        events.append(FileChanged(parts[0], "/".join(parts[1:]), kind))  # type: ignore[arg-type]
    return events


SENTINEL_PREFIX = ".cloudide-watching-"
"""A file touched in the watched folder until its own change comes back: then the watch
is known to be in place (``watchfiles`` sets it up in a thread and does not say when).
Not a project name, so it never becomes an event."""


async def watch_files(
    root: Path,
    publish: Callable[[BackendEvent], None],
    stop: asyncio.Event,
    ready: asyncio.Future[None] | None = None,
) -> None:
    """Publish the file events under ``root`` until ``stop`` is set; ``ready`` is set
    once the watch is in place."""
    await asyncio.to_thread(os.makedirs, root, 0o700, True)
    sentinel = root / f"{SENTINEL_PREFIX}{os.getpid()}-{id(stop):x}"
    toucher = asyncio.ensure_future(_touch_until(sentinel, ready))
    try:
        async for changes in watchfiles.awatch(
            root,
            watch_filter=_Filter(),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=stop,
            recursive=True,
            ignore_permission_denied=True,
        ):
            seen = any(path == str(sentinel) for _, path in changes)
            if seen and ready is not None and not ready.done():
                ready.set_result(None)
            new_dirs = [path for change, path in changes if change == watchfiles.Change.added]
            changes |= await asyncio.to_thread(_inside_new_dirs, new_dirs)
            for event in file_events(root, changes):
                publish(event)
    finally:
        toucher.cancel()
        with contextlib.suppress(OSError):
            await asyncio.to_thread(sentinel.unlink)


NEW_DIR_SCAN = 2000
"""Entries of a new directory reported at most (see :func:`_inside_new_dirs`)."""


def _inside_new_dirs(paths: list[str]) -> set[tuple[watchfiles.Change, str]]:
    """What is already inside directories that just appeared.

    inotify watches a new directory only once it has seen it appear; what a program made
    inside it before that (``mkdir -p a/b && echo x > a/b/f``) would never be reported.
    Each new directory is listed once instead (duplicates of reported entries are
    harmless: "created" twice).
    """
    found: set[tuple[watchfiles.Change, str]] = set()
    keep = _Filter()
    for path in paths:
        if not os.path.isdir(path) or os.path.islink(path):
            continue
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                entry = os.path.join(folder, name)
                if keep(watchfiles.Change.added, entry):
                    found.add((watchfiles.Change.added, entry))
            dirs[:] = [d for d in dirs if keep(watchfiles.Change.added, os.path.join(folder, d))]
            if len(found) >= NEW_DIR_SCAN:
                return found
    return found


async def _touch_until(sentinel: Path, ready: asyncio.Future[None] | None) -> None:
    """Touch ``sentinel`` every few steps until ``ready`` is done; then remove it."""
    if ready is None:
        return
    try:
        while not ready.done():
            await asyncio.to_thread(sentinel.touch)
            await asyncio.sleep(STEP_MS * 2 / 1000)
    finally:
        with contextlib.suppress(OSError):
            await asyncio.to_thread(sentinel.unlink)


class FileWatch:
    """:func:`watch_files` on the owner's workspaces, restarted when a workspace becomes a
    mount point (a project's disk image mounted over its folder): inotify watches the
    directory it was given, and a mount over it later hides everything inside from that
    watch. Restarting is cheap and takes a fresh look at every folder.

    Args:
        root: The owner's workspaces folder.
        publish: Where events go.
    """

    def __init__(self, root: Path, publish: Callable[[BackendEvent], None]) -> None:
        self.root = root
        self.publish = publish
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._devices: dict[str, int] = {}
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _device_of(self, project: str) -> int | None:
        try:
            return (self.root / project).stat().st_dev
        except OSError:
            return None

    def _scan_devices(self) -> dict[str, int]:
        found: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.root):
                if entry.is_dir(follow_symlinks=False):
                    found[entry.name] = entry.stat(follow_symlinks=False).st_dev
        return found

    async def start(self, timeout: float = 10.0) -> None:
        """Start watching; return once the watch is in place (or after ``timeout``)."""
        async with self._lock:
            await self._start(timeout)

    async def _start(self, timeout: float) -> None:
        await asyncio.to_thread(os.makedirs, self.root, 0o700, True)
        self._devices = await asyncio.to_thread(self._scan_devices)
        self._stop = asyncio.Event()
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.ensure_future(watch_files(self.root, self.publish, self._stop, ready))
        await asyncio.wait([ready, self._task], timeout=timeout, return_when="FIRST_COMPLETED")

    async def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)

    async def stop(self) -> None:
        async with self._lock:
            await self._halt()

    async def follow_mounts(self, project: str) -> None:
        """Watch ``project`` again if a mount appeared over (or left) its folder."""
        if not self.running:
            return
        device = await asyncio.to_thread(self._device_of, project)
        if device is None or device == self._devices.get(project):
            return
        async with self._lock:
            if self.running:
                new = project not in self._devices
                await self._halt()
                await self._start(10.0)
                if new:  # its appearance may have been pending in the watch just halted
                    self.publish(ProjectChanged(project, "created"))


def container_event(event: dict[str, Any], owner: str) -> ContainerChanged | None:
    """The state change an engine event means for one of ``owner``'s containers."""
    if event.get("Type") != "container":
        return None
    attributes = (event.get("Actor") or {}).get("Attributes") or {}
    if attributes.get(containers.APP_LABEL) != containers.APP_NAME:
        return None
    if attributes.get(containers.OWNER_LABEL) != owner:
        return None
    project = attributes.get(containers.PROJECT_LABEL)
    state = _ACTIONS.get(str(event.get("Action") or event.get("status") or ""))
    if not project or state is None:
        return None
    return ContainerChanged(str(project), state)


async def watch_containers(
    engine: Engine,
    owner: str,
    publish: Callable[[BackendEvent], None],
    stop: asyncio.Event,
    ready: asyncio.Future[None] | None = None,
) -> None:
    """Publish ``owner``'s container state changes until ``stop`` is set; ``ready`` is set
    once the engine streams (or could not be reached).

    A lost engine ends the watch quietly (shells report that loss themselves).
    """
    loop = asyncio.get_running_loop()
    try:
        api = await engine.api()
        stream = await engine.call(
            "watching containers",
            api.events,
            decode=True,
            filters={
                "type": "container",
                "label": [f"{k}={v}" for k, v in containers.owner_labels(owner).items()],
            },
        )
    except CloudIDEError:
        return
    finally:
        if ready is not None and not ready.done():
            ready.set_result(None)

    def pump() -> None:
        with contextlib.suppress(Exception):
            for raw in stream:
                event = container_event(raw, owner)
                if event is not None:
                    loop.call_soon_threadsafe(publish, event)

    reader = asyncio.ensure_future(engine.run(pump))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        with contextlib.suppress(Exception):
            stream.close()  # ends the blocking read in the thread
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader, 5)
