"""Hearing that a project hit a limit: out-of-memory kills and full disks.

Memory: the engine reports every out-of-memory kill in a container as an ``oom`` event
(cgroup v1: containerd's eventfd on ``memory.oom_control``; v2: ``memory.events``),
kills of a child while the shell lives on included. :class:`OomEvents` follows the event
stream of our owner's containers on a thread of its own (the stream blocks) and hands on
the container id and its labels; the backend keeps those of its own workspaces.

The engine does not say which process died; the kernel log does: ``oom-kill:...,
task_memcg=/docker/<container id>,task=python3,pid=...``. :class:`KernelLog` reads new
records of ``/dev/kmsg``, which root may read (``kernel.dmesg_restrict=1`` on Debian and
here); without it (a desktop user's app, a remote engine) the process is not named.

Disk: :class:`DiskPoller` asks the disks of the projects this backend opened for their
free space every ``POLL`` seconds (a ``statvfs``, nothing more) and reports a disk once
when it fills up, and again only after it has had room again.

:class:`LimitReporter` puts them together for a backend's ``watch_limits``. All of it
runs on daemon threads: callbacks come from them.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import docker

from cloudide_tui.backend.base import LimitCallback, LimitHit
from cloudide_tui.backend.containers import APP_LABEL, APP_NAME, OWNER_LABEL

#: Seconds between two looks at the disks.
POLL = 2.0
#: A disk with less free than this (bytes, or this share of it) counts as full ...
FULL_BYTES = 1 << 20
FULL_SHARE = 0.005
#: ... until it has this share free again.
ROOM_SHARE = 0.05
#: Seconds to wait for the kernel's record of a kill the engine reported.
KERNEL_LOG_WAIT = 1.0

_OOM_KILL = re.compile(r"oom-kill:.*?task_memcg=(?P<memcg>[^,]*),task=(?P<task>[^,]*),pid=")
_CONTAINER_ID = re.compile(r"[0-9a-f]{64}")


class KernelLog:
    """New records of the kernel log, for the names of processes killed for memory.

    Opened at the end of the log: only kills after that are seen. Unavailable (every
    answer None) when this process may not read ``/dev/kmsg``.
    """

    def __init__(self) -> None:
        self._fd: int | None = None
        with contextlib.suppress(OSError):
            fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            os.lseek(fd, 0, os.SEEK_END)
            self._fd = fd
        self._killed: collections.deque[tuple[str, str]] = collections.deque(maxlen=256)
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether the kernel log can be read."""
        return self._fd is not None

    def killed_in(self, container_id: str, wait: float = KERNEL_LOG_WAIT) -> str | None:
        """The name of the last process killed for memory in that container, if the
        kernel logged one (waiting up to ``wait`` seconds for its record)."""
        if self._fd is None:
            return None
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._read_new()
                for index in range(len(self._killed) - 1, -1, -1):
                    memcg_id, task = self._killed[index]
                    if memcg_id == container_id:
                        del self._killed[index]
                        return task
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def _read_new(self) -> None:
        assert self._fd is not None
        while True:
            try:
                record = os.read(self._fd, 8192)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # older records were overwritten: go on
                    continue
                return
            if not record:
                return
            self._parse(record.decode("utf-8", "replace"))

    def _parse(self, record: str) -> None:
        match = _OOM_KILL.search(record)
        if match is None:
            return
        found = _CONTAINER_ID.search(match.group("memcg"))
        if found is not None:
            self._killed.append((found.group(0), match.group("task")))

    def close(self) -> None:
        """Stop reading the log."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class OomEvents:
    """Follows the engine's ``oom`` events of one owner's containers, on its own thread.

    Args:
        connect: Makes a docker-py client for the stream (it must not time out).
        owner: Only containers with our app label and this owner label are followed.
        on_oom: Called with (container id, the container's labels) for each event.
    """

    def __init__(
        self,
        connect: Callable[[], docker.APIClient],
        owner: str,
        on_oom: Callable[[str, dict[str, str]], None],
    ) -> None:
        self._connect = connect
        self._owner = owner
        self._on_oom = on_oom
        self._stopped = threading.Event()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="cloudide-oom", daemon=True)

    def start(self) -> None:
        """Start following (returns at once)."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._follow()
            except Exception:  # the engine went away: try again a little later
                self._stopped.wait(2.0)

    def _follow(self) -> None:
        api = self._connect()
        try:
            self._stream = api.events(
                filters={
                    "type": "container",
                    "event": "oom",
                    "label": [f"{APP_LABEL}={APP_NAME}", f"{OWNER_LABEL}={self._owner}"],
                },
                decode=True,
            )
            if self._stopped.is_set():
                return
            for event in self._stream:
                actor = event.get("Actor") or {}
                container_id = str(actor.get("ID") or event.get("id") or "")
                if container_id:
                    self._on_oom(container_id, dict(actor.get("Attributes") or {}))
        finally:
            self._close_stream()
            api.close()

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def stop(self) -> None:
        """Stop following (the thread ends once the stream is closed)."""
        self._stopped.set()
        self._close_stream()


class DiskPoller:
    """Looks at some disks' free space every ``POLL`` seconds, on its own thread.

    Args:
        disks: Returns the (project, free bytes, total bytes) of each disk to look at.
        on_full: Called with the project each time its disk becomes full.
    """

    def __init__(
        self,
        disks: Callable[[], Iterable[tuple[str, int, int]]],
        on_full: Callable[[str], None],
        poll: float = POLL,
    ) -> None:
        self._disks = disks
        self._on_full = on_full
        self._poll = poll
        self._full: set[str] = set()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cloudide-disks", daemon=True)

    def start(self) -> None:
        """Start looking (returns at once)."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._poll):
            with contextlib.suppress(Exception):  # a disk gone meanwhile: next round
                self.look()

    def look(self) -> None:
        """One round: report each disk that became full since the last one."""
        for project, free, total in self._disks():
            if free < max(FULL_BYTES, total * FULL_SHARE):
                if project not in self._full:
                    self._full.add(project)
                    self._on_full(project)
            elif free > total * ROOM_SHARE:
                self._full.discard(project)

    def stop(self) -> None:
        """Stop looking."""
        self._stopped.set()


class LimitReporter:
    """What a backend runs for its ``watch_limits`` listeners: the ``oom`` events with the
    kernel log's names, and the disk poller; started with the first listener, stopped
    with the last (or ``stop``).

    Args:
        connect: Makes a docker-py client that does not time out (for the event stream).
        owner: The backend's owner (the events are filtered by it).
        memory_limit: The memory limit, as configured, for the reports.
        project_of: The backend's project for a container's labels (None: not its own).
        disks: (project, free bytes, total bytes) of each disk to look at.
        disk_limit: The limit of a project's disk, as a setting would say it (None: gone).
    """

    def __init__(
        self,
        connect: Callable[[], docker.APIClient],
        owner: str,
        *,
        memory_limit: str,
        project_of: Callable[[dict[str, str]], str | None],
        disks: Callable[[], Iterable[tuple[str, int, int]]],
        disk_limit: Callable[[str], str | None],
    ) -> None:
        self._connect = connect
        self._owner = owner
        self._memory_limit = memory_limit
        self._project_of = project_of
        self._disks = disks
        self._disk_limit = disk_limit
        self._callbacks: list[LimitCallback] = []
        self._running: tuple[KernelLog, OomEvents, DiskPoller] | None = None

    def add(self, callback: LimitCallback) -> Callable[[], None]:
        """Start telling ``callback``; returns the function that stops it."""
        self._callbacks.append(callback)
        if self._running is None:
            events = OomEvents(self._connect, self._owner, self._oom)
            poller = DiskPoller(self._disks, self._disk_full)
            self._running = (KernelLog(), events, poller)
            events.start()
            poller.start()

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)
            if not self._callbacks:
                self.stop()

        return remove

    def stop(self) -> None:
        """Stop every watcher (listeners added later start them again)."""
        running, self._running = self._running, None
        if running is not None:
            kernel_log, events, poller = running
            events.stop()
            poller.stop()
            kernel_log.close()

    def _tell(self, hit: LimitHit) -> None:
        for callback in list(self._callbacks):
            with contextlib.suppress(Exception):  # one bad listener must not silence others
                callback(hit)

    def _oom(self, container_id: str, labels: dict[str, str]) -> None:
        project = self._project_of(labels)
        if project is None:
            return  # another data dir's container with our owner: not ours to report
        running = self._running
        process = running[0].killed_in(container_id) if running is not None else None
        self._tell(LimitHit(project, "memory", self._memory_limit, process))

    def _disk_full(self, project: str) -> None:
        limit = self._disk_limit(project)
        if limit is not None:
            self._tell(LimitHit(project, "disk", limit))
