"""The app on a server (--server): start to prompt and keystroke echo, next to the local app

One run, one machine, both paths interleaved so they meet the same noise: a real
``cloudide-server`` process on 127.0.0.1 and, for the anchors, the local app on the same
data dir, owner and container (so the remote path pays for the server and the protocol,
not for another container).

* ``cloudide-tui --project X`` in a real pseudo-terminal (tmux, 120x36) until the prompt
  shows: locally (warm: container running) as the anchor; through the server opening a
  new shell (its earlier ones ended first); through the server coming back to a running
  shell (attach + the server's snapshot of its screen: what a reconnect or a second
  machine pays).
* Keystroke to echo on screen, headless, 200 keys 33 ms apart then back to back: the app
  on a ``RemoteBackend`` next to the app on the local ``DockerBackend`` (goal: p99 < 30 ms
  remote, on loopback); also the bare remote session echo (no UI) for where it goes.
* A clean editor following a save made by another client: from the write to the text
  shown (goal: within 1 s).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_app import (
    CLI,
    KEY_GAP,
    KEYS,
    _line_text,
    _time_to_prompt,
    keystroke_echo_samples,
    until,
)
from bench.report import Report, percentile
from cloudide_tui.app import make_app
from cloudide_tui.backend import disks
from cloudide_tui.backend.base import Backend, ShellSession
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.remote_backend import RemoteBackend
from cloudide_tui.config import Settings
from cloudide_tui.widgets.terminal import Terminal
from testkit.backends import TEST_IMAGE
from testkit.docker_helpers import remove_containers
from testkit.server_process import ServerProcess

RUNS = 3
PROJECT = "start"
ECHO_PROJECT = "keys"
FOLLOWS = 10


def _start_commands(
    data_dir: Path, server: ServerProcess, token_file: Path, user: str
) -> dict[str, str]:
    env = f"CLOUDIDE_IMAGE={TEST_IMAGE} CLOUDIDE_CONFIG=/dev/null TERM=xterm-256color"
    local = (
        f"{env} CLOUDIDE_OWNER={user} {CLI} --data-dir {server.data_dir} --project {PROJECT} "
        "--keep-running"
    )
    remote = (
        f"{env} {CLI} --data-dir {data_dir}/client --server {server.base} "
        f"--token-file {token_file} --project {PROJECT}"
    )
    return {"local": local, "remote": remote}


async def _end_shells(backend: Backend, project: str) -> None:
    for info in await backend.list_shells(project):
        session = await backend.attach_shell(info.session_id)
        await session.close()


def bench_startup(report: Report, data_dir: Path, server: ServerProcess, user: str) -> None:
    token_file = data_dir / "token"
    token_file.write_text(server.token(user) + "\n")
    token_file.chmod(0o600)
    commands = _start_commands(data_dir, server, token_file, user)

    async def ended() -> None:
        backend = RemoteBackend(server.base, server.token(user))
        try:
            await _end_shells(backend, PROJECT)
        finally:
            await backend.close()

    _time_to_prompt(commands["local"])  # the project and its running container
    local: list[float] = []
    fresh: list[float] = []
    back: list[float] = []
    for _ in range(RUNS):
        local.append(_time_to_prompt(commands["local"]))
        asyncio.run(ended())
        fresh.append(_time_to_prompt(commands["remote"]))  # its shell is left running
        back.append(_time_to_prompt(commands["remote"]))  # so this one attaches it
    asyncio.run(ended())  # shells outlive the app: the next benches start without them
    anchor = statistics.median(local)
    report.add(
        "start to prompt, server, new shell",
        statistics.median(fresh),
        "s",
        anchor_name="local app, warm",
        anchor=anchor,
        goal="< 1.5 s",
    )
    report.add(
        "start to prompt, server, back to a running shell",
        statistics.median(back),
        "s",
        anchor_name="local app, warm",
        anchor=anchor,
        goal="< 1.5 s",
    )


async def _read_some(session: ShellSession) -> bytes:
    data = await asyncio.wait_for(session.read(), 30)
    if not data:
        raise RuntimeError(f"the shell ended: {session.end_reason}")
    return data


async def _bare_echo(backend: Backend, project: str) -> list[float]:
    """The session alone: one byte written, read until it comes back."""
    session = await backend.open_shell(project, 24, 80)
    buffer = b""
    while not re.search(rb"/workspace(\x1b\[[0-9;]*m)*\$ $", buffer):
        buffer += await _read_some(session)
    samples = []
    for i in range(KEYS):
        start = time.perf_counter()
        await session.write(b"b")
        got = b""
        while b"b" not in got:
            got += await _read_some(session)
        samples.append(time.perf_counter() - start)
        if i % 50 == 49:
            await session.write(b"\x15")
            while True:
                try:
                    await asyncio.wait_for(session.read(), 0.05)
                except TimeoutError:
                    break
    await session.close()
    return samples


async def _app_echo(settings: Settings, backend: Backend, gap: float) -> list[float]:
    """Keystroke to echo on the rendered screen, ``KEYS`` keys ``gap`` seconds apart."""
    app = make_app(settings, backend, remember=False)
    async with app.run_test(size=(120, 36)):
        await app.ready.wait()
        await app.main.open_project(ECHO_PROJECT)
        terminal = app.main.tabs.of_project(ECHO_PROJECT, "terminal")[0].widget
        assert isinstance(terminal, Terminal)
        emulator = terminal.emulator

        await until(lambda: "/workspace$" in _line_text(terminal, emulator.cursor.y))
        return await keystroke_echo_samples(app, terminal, gap)


async def bench_echo(report: Report, data_dir: Path, server: ServerProcess, user: str) -> None:
    local_settings = Settings(data_dir=server.data_dir, owner=user, image=TEST_IMAGE)
    remote_settings = Settings(data_dir=data_dir / "client", owner=user, image=TEST_IMAGE)
    local_backend = DockerBackend(server.data_dir, owner=user, image=TEST_IMAGE)
    if ECHO_PROJECT not in {p.name for p in await local_backend.list_projects()}:
        await local_backend.create_project(ECHO_PROJECT)
    remote_bare = RemoteBackend(server.base, server.token(user))
    bare = await _bare_echo(remote_bare, ECHO_PROJECT)
    await remote_bare.close()
    for label, gap, goal in [
        (f"typing, {KEY_GAP * 1e3:.0f} ms apart", KEY_GAP, "p99 < 30 ms"),
        ("back to back", 0.0, ""),
    ]:
        local = await _app_echo(local_settings, local_backend, gap)
        remote_backend = RemoteBackend(server.base, server.token(user))
        try:
            remote = await _app_echo(remote_settings, remote_backend, gap)
        finally:
            await remote_backend.close()
        cleaner = RemoteBackend(server.base, server.token(user))
        await _end_shells(cleaner, ECHO_PROJECT)  # shells outlive the app: end them
        await cleaner.close()
        for p in (50, 99):
            report.add(
                f"keystroke to echo, server, p{p} ({label})",
                percentile(remote, p) * 1e3,
                "ms",
                anchor_name="local app",
                anchor=percentile(local, p) * 1e3,
                goal=goal if p == 99 else "",
            )
    report.add(
        "remote session echo alone, p50 / p99",
        percentile(bare, 50) * 1e3,
        "ms",
        anchor_name="its p99",
        anchor=percentile(bare, 99) * 1e3,
    )
    await local_backend.close()


async def bench_follow(report: Report, data_dir: Path, server: ServerProcess, user: str) -> None:
    """A clean editor in the app following a save made by another client."""
    settings = Settings(data_dir=data_dir / "client", owner=user, image=TEST_IMAGE)
    writer = RemoteBackend(server.base, server.token(user))
    await writer.write_file(ECHO_PROJECT, "follow.txt", b"start\n")
    app = make_app(settings, RemoteBackend(server.base, server.token(user)), remember=False)
    samples = []
    async with app.run_test(size=(120, 36)) as pilot:
        await app.ready.wait()
        app.main.open_file(ECHO_PROJECT, "follow.txt")
        while not app.main.editors():
            await pilot.pause(0.01)
        editor = app.main.editors()[0]
        for n in range(FOLLOWS):
            text = f"saved elsewhere {n}\n"
            start = time.perf_counter()
            await writer.write_file(ECHO_PROJECT, "follow.txt", text.encode())
            while editor.text != text:
                if time.perf_counter() - start > 10:
                    raise RuntimeError("the editor never followed")
                await asyncio.sleep(0.005)
            samples.append(time.perf_counter() - start)
    await writer.close()
    report.add(
        "editor follows another client's save, median",
        statistics.median(samples),
        "s",
        anchor_name="max",
        anchor=max(samples),
        goal="< 1 s",
    )


def run(report: Report) -> None:
    user = f"bench{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="cloudide-bench-remote-") as tmp:
        root = Path(tmp)
        server = ServerProcess(root / "server")
        server.start()
        try:
            bench_startup(report, root, server, user)
            asyncio.run(bench_echo(report, root, server, user))
            asyncio.run(bench_follow(report, root, server, user))
        finally:
            server.stop()
            remove_containers(user)
            disks.release_under(root)
