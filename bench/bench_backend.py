"""Shells through DockerBackend vs a bare docker-py exec socket (the floor)

In one run, on one running container: the time to open a shell until its first prompt
bytes arrive, and the echo round trip (type ``echo xN``, wait for ``xN`` to come back),
through ``DockerBackend`` and through a bare exec socket driven synchronously (the same
engine calls: exec_create, exec_start(socket), exec_resize; then blocking send/recv).
Also the cold open (container created and started, then the first prompt), and, to
justify the design, the echo round trip through a reader thread feeding an asyncio queue
(the other way not to block the loop) next to ours (the socket handed to the loop).
And closing: a shell flooding a reader that fell behind (``yes``, one chunk read every
50 ms for 3 s: the engine is left blocked writing to us) next to closing an idle shell.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import docker

from bench.report import Report, percentile
from bench.shells import echo_marker, read_until
from cloudide_tui.backend import disks
from cloudide_tui.backend.base import ShellSession
from cloudide_tui.backend.containers import APP_LABEL, APP_NAME, OWNER_LABEL
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.docker_shell import (
    HIGH_WATER,
    SHELL_WRAPPER,
    DockerShellSession,
    shell_environment,
)

OPENS = 30
ROUND_TRIPS = 200
CLOSES = 5
FALL_BEHIND_SECONDS = 3.0
PROJECT = "bench"


class BareShell:
    """The floor: docker-py's exec socket used the plainest way (blocking, one thread)."""

    def __init__(self, api: docker.APIClient, container: str) -> None:
        self.api = api
        self.container = container
        self.sock: socket.socket | None = None
        self.raw: Any = None
        self.pending = b""

    def open(self) -> bytes:
        """Create, start and size the exec; return its first output bytes."""
        ex = self.api.exec_create(
            self.container,
            [SHELL_WRAPPER, secrets.token_hex(8)],
            stdin=True,
            tty=True,
            workdir="/workspace",
            environment=shell_environment(PROJECT, "bare"),
        )
        self.raw = self.api.exec_start(ex["Id"], socket=True, tty=True)
        self.api.exec_resize(ex["Id"], height=24, width=80)
        self.sock = self.raw._sock
        self.sock.settimeout(30)
        self.pending = self.sock.recv(65536)
        return self.pending

    def until(self, pattern: re.Pattern[bytes]) -> None:
        assert self.sock is not None
        buf, self.pending = self.pending, b""
        while not pattern.search(buf):
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("bare shell ended")
            buf = buf[-64:] + data

    def echo(self, n: int) -> None:
        assert self.sock is not None
        self.sock.sendall(b"echo x%d\r" % n)
        self.until(echo_marker(n))

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError, EOFError):  # it may end before saying so
                self.sock.sendall(b"exit\r")
                self.until(re.compile(rb"logout|exit"))
            self.sock.close()
        with contextlib.suppress(Exception):
            self.raw._response.close()


async def _echo_ours(session: ShellSession, n: int) -> None:
    await session.write(b"echo x%d\r" % n)
    await read_until(session, echo_marker(n))


class ThreadReader:
    """The alternative design: a reader thread per shell feeding an asyncio.Queue."""

    def __init__(self, bare: BareShell, loop: asyncio.AbstractEventLoop) -> None:
        self.bare = bare
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.loop = loop
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        assert self.bare.sock is not None
        while True:
            try:
                data = self.bare.sock.recv(65536)
            except OSError:
                data = b""
            self.loop.call_soon_threadsafe(self.queue.put_nowait, data)
            if not data:
                return

    async def echo(self, n: int) -> None:
        assert self.bare.sock is not None
        self.bare.sock.sendall(b"echo x%d\r" % n)  # a few bytes: never blocks in practice
        pattern, buf = echo_marker(n), b""
        while not pattern.search(buf):
            data = await self.queue.get()
            if not data:
                raise EOFError("thread-read shell ended")
            buf = buf[-64:] + data


async def _measure(report: Report, data_dir: Path, owner: str) -> None:
    backend = DockerBackend(data_dir, owner=owner)
    await backend.ensure_ready()
    await backend.create_project(PROJECT)
    loop = asyncio.get_running_loop()

    # Cold open: no container yet.
    start = time.perf_counter()
    session = await backend.open_shell(PROJECT, 24, 80)
    await session.read()
    cold = time.perf_counter() - start
    await session.close()

    api = docker.APIClient(version="auto", **docker.utils.kwargs_from_env())
    container = backend.container_name(PROJECT)

    # Warm opens, interleaved (alternating which goes first) so that both see the same
    # machine noise; a short pause lets the previous shell's teardown finish.
    ours_open: list[float] = []
    bare_open: list[float] = []

    async def open_ours() -> None:
        start = time.perf_counter()
        session = await backend.open_shell(PROJECT, 24, 80)
        first = await session.read()
        ours_open.append(time.perf_counter() - start)
        assert first, session.end_reason
        await session.close()

    async def open_bare() -> None:
        bare = BareShell(api, container)
        start = time.perf_counter()
        first = await asyncio.to_thread(bare.open)
        bare_open.append(time.perf_counter() - start)
        assert first
        await asyncio.to_thread(bare.close)

    for i in range(OPENS):
        for step in (open_ours, open_bare) if i % 2 == 0 else (open_bare, open_ours):
            await asyncio.sleep(0.2)
            await step()

    # Echo round trips, interleaved in blocks of 20.
    session = await backend.open_shell(PROJECT, 24, 80)
    await read_until(session, re.compile(rb"\$ "))
    bare = BareShell(api, container)
    await asyncio.to_thread(bare.open)
    await asyncio.to_thread(bare.until, re.compile(rb"\$ "))
    threaded_bare = BareShell(api, container)
    await asyncio.to_thread(threaded_bare.open)
    await asyncio.to_thread(threaded_bare.until, re.compile(rb"\$ "))
    threaded = ThreadReader(threaded_bare, loop)
    ours_echo: list[float] = []
    bare_echo: list[float] = []
    thread_echo: list[float] = []
    n = 0
    while len(ours_echo) < ROUND_TRIPS:
        for _ in range(20):
            n += 1
            start = time.perf_counter()
            await _echo_ours(session, n)
            ours_echo.append(time.perf_counter() - start)
        for _ in range(20):
            n += 1
            start = time.perf_counter()
            await asyncio.to_thread(bare.echo, n)  # the loop waits as ours does
            bare_echo.append(time.perf_counter() - start)
        for _ in range(20):
            n += 1
            start = time.perf_counter()
            await threaded.echo(n)
            thread_echo.append(time.perf_counter() - start)
    bare_sync: list[float] = []
    for _ in range(ROUND_TRIPS):
        n += 1
        start = time.perf_counter()
        bare.echo(n)  # blocking, no thread hop at all: the absolute floor
        bare_sync.append(time.perf_counter() - start)
    await session.close()
    await asyncio.to_thread(bare.close)
    await asyncio.to_thread(threaded_bare.close)
    close_idle, close_flood = await _closes(backend)
    await backend.close()
    api.close()

    ms = 1000.0
    report.add(
        "open a shell until its first prompt bytes",
        statistics.median(ours_open) * ms,
        "ms",
        anchor_name="bare socket",
        anchor=statistics.median(bare_open) * ms,
        goal="<= 1.2x",
    )
    for p in (50, 99):
        report.add(
            f"echo round trip p{p} ({ROUND_TRIPS} trips)",
            percentile(ours_echo, p) * ms,
            "ms",
            anchor_name="bare socket",
            anchor=percentile(bare_echo, p) * ms,
            goal="<= 1.2x" if p == 50 else "",
        )
    report.add(
        "echo p50 vs blocking recv in the caller",
        percentile(ours_echo, 50) * ms,
        "ms",
        anchor_name="no thread hop",
        anchor=percentile(bare_sync, 50) * ms,
        goal="context",
    )
    report.add(
        "echo p50: socket on the loop vs reader thread",
        percentile(ours_echo, 50) * ms,
        "ms",
        anchor_name="thread+queue",
        anchor=percentile(thread_echo, 50) * ms,
        goal="<= 1x (design choice)",
    )
    report.add("cold open: create + start + first prompt", cold, "s", goal="a few seconds")
    for name, pick in (("median", statistics.median), ("worst", max)):
        report.add(
            f"close a flooding shell, slow reader ({name} of {CLOSES})",
            pick(close_flood) * ms,
            "ms",
            anchor_name="idle shell",
            anchor=pick(close_idle) * ms,
            goal="< 1 s",
        )


async def _closes(backend: DockerBackend) -> tuple[list[float], list[float]]:
    """Seconds ``close()`` takes on idle shells and on flooding ones (interleaved)."""
    idle: list[float] = []
    flood: list[float] = []
    for _ in range(CLOSES):
        session = await backend.open_shell(PROJECT, 24, 80)
        await read_until(session, re.compile(rb"\$ "))
        start = time.perf_counter()
        await session.close()
        idle.append(time.perf_counter() - start)

        session = await backend.open_shell(PROJECT, 24, 80)
        await read_until(session, re.compile(rb"\$ "))
        assert isinstance(session, DockerShellSession)
        await session.write(b"yes\r")
        begun = time.monotonic()
        while time.monotonic() - begun < FALL_BEHIND_SECONDS or session.unread_bytes < HIGH_WATER:
            await session.read()
            await asyncio.sleep(0.05)  # a terminal that cannot keep up
        start = time.perf_counter()
        await session.close()
        flood.append(time.perf_counter() - start)
    return idle, flood


def run(report: Report) -> None:
    owner = f"bench-{secrets.token_hex(4)}"
    try:
        with tempfile.TemporaryDirectory(prefix="cloudide-bench-") as tmp:
            try:
                asyncio.run(_measure(report, Path(tmp), owner))
            finally:
                _remove_containers(owner)
                disks.release_under(Path(tmp))
    finally:
        _remove_containers(owner)


def _remove_containers(owner: str) -> None:
    api = docker.APIClient(version="auto", **docker.utils.kwargs_from_env())
    for entry in api.containers(
        all=True, filters={"label": [f"{APP_LABEL}={APP_NAME}", f"{OWNER_LABEL}={owner}"]}
    ):
        api.remove_container(entry["Id"], force=True)
    api.close()
