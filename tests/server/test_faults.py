"""Faults: a client gone mid-flood, a container killed under a shell, SIGTERM, a crash and
a restart, idle shells and containers. Each leaves the server serving, tells viewers
why, and loses nothing on disk."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from cloudide_tui.backend.base import ContainerState
from cloudide_tui.backend.containers import PROJECT_LABEL
from cloudide_tui.backend.events import ShellEnded
from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import SessionEnded
from cloudide_tui.protocol import messages as m
from testkit import docker_helpers
from testkit.remote_helpers import Watcher
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.1)


async def shell_in(client: ServerClient, project: str) -> Watcher:
    await client.call(m.CreateProject, name=project)
    watcher = Watcher(await client.open_shell(project, 24, 80))
    await watcher.expect(r"\$ ")
    return watcher


def container_of(owner: str, project: str) -> str:
    """The id of the container of ``owner``'s ``project`` (found by its labels)."""
    [found] = [
        c["Id"]
        for c in docker_helpers.containers_of(owner)
        if (c.get("Labels") or {}).get(PROJECT_LABEL) == project
    ]
    return str(found)


def processes_of(owner: str, project: str, session_id: str) -> str:
    _, out = docker_helpers.exec_in(
        container_of(owner, project),
        f"grep -lzx CLOUDIDE_SESSION={session_id} /proc/[0-9]*/environ 2>/dev/null || true",
    )
    return out.strip()


async def test_a_client_gone_mid_flood_leaves_the_shell_for_the_next_one(
    connect: Connect, user: str
) -> None:
    client = await connect(user)
    flood = await shell_in(client, "gone")
    await flood.shell.write(b"yes gone-mid-flood\r")
    await flood.expect(r"(gone-mid-flood\n){20}")
    client.ws.transport.abort()
    other = await connect(user)
    [info] = await other.call(m.ListShells, project="gone")
    back = Watcher(await other.attach_shell(info.session_id))
    await back.shell.write(b"\x03")
    await back.shell.write(b"echo after-$((6*7))\r")
    await back.screen_shows(r"after-42")


async def test_a_killed_container_ends_its_shells_saying_why(connect: Connect, user: str) -> None:
    client = await connect(user)
    watcher = await shell_in(client, "killed")
    second = Watcher(await (await connect(user)).attach_shell(watcher.shell.session_id))
    await asyncio.to_thread(docker_helpers.api().kill, container_of(user, "killed"))
    for viewer in (watcher, second):
        async with asyncio.timeout(30):
            while not viewer.ended:
                await viewer.read_once(30)
        assert "container" in (viewer.shell.end_reason or ""), viewer.shell.end_reason
    assert await client.call(m.ListShells, project="killed") == []
    with pytest.raises(SessionEnded):
        await client.attach_shell(watcher.shell.session_id)
    again = await shell_in(client, "killed2")  # the server serves on
    await again.shell.write(b"echo fine\r")


async def own_server(tmp_path: Path, **env: str) -> ServerProcess:
    return await asyncio.to_thread(ServerProcess(tmp_path / "data", env=env).start)


async def test_sigterm_ends_shells_with_a_reason_closes_with_1001_and_keeps_files(
    tmp_path: Path, user: str, docker_engine: None
) -> None:
    server = await own_server(tmp_path)
    try:
        client = await ServerClient.connect(server.api_url, server.token(user))
        watcher = await shell_in(client, "term")
        await watcher.shell.write(b"echo kept > on-disk.txt; sync\r")
        await watcher.expect(r"\$ ")
        code = await asyncio.to_thread(lambda: server.stop(signal.SIGTERM, release=False))
        assert code == 0
        async with asyncio.timeout(30):
            while not watcher.ended:
                await watcher.read_once(30)
        assert watcher.shell.end_reason == "the server is shutting down"
        await asyncio.wait_for(client.wait_closed(), 30)
        assert client.close_code == 1001
        workspace = tmp_path / "data" / "workspaces" / user / "term"
        assert (workspace / "on-disk.txt").read_text() == "kept\n"
    finally:
        server.stop()


@pytest.mark.parametrize("how", ["sigterm", "crash"])
async def test_after_a_restart_old_shells_are_told_ended_and_files_and_containers_stay(
    tmp_path: Path, user: str, docker_engine: None, how: str
) -> None:
    server = await own_server(tmp_path)
    try:
        client = await ServerClient.connect(server.api_url, server.token(user))
        watcher = await shell_in(client, "restart")
        await watcher.shell.write(b"sleep 1000 &\r")
        await watcher.expect(r"\[1\] [0-9]+\n.*\$ ")
        await client.call(m.WriteFile, project="restart", path="kept.txt", data=b"kept")
        session_id = watcher.shell.session_id
        assert processes_of(user, "restart", session_id)
        records = tmp_path / "data" / "server" / "sessions.json"

        async def recorded() -> bool:
            return records.exists() and session_id in records.read_text()

        await until(recorded)  # written by a thread right after the open
        if how == "crash":
            await asyncio.to_thread(server.kill)
            assert processes_of(user, "restart", session_id), "a crash leaves the shell running"
        else:
            await asyncio.to_thread(server.stop)
        await client.close()
        await asyncio.to_thread(server.start)
        client = await ServerClient.connect(server.api_url, server.token(user))
        with pytest.raises(SessionEnded) as caught:
            await client.attach_shell(session_id)
        assert "the server restarted" in caught.value.message
        assert processes_of(user, "restart", session_id) == ""  # hung up at start
        assert (await client.call(m.ReadFile, project="restart", path="kept.txt")).data == b"kept"
        state = await client.call(m.GetContainerState, project="restart")
        assert state is ContainerState.RUNNING
        await client.close()
    finally:
        server.stop()


async def test_idle_shells_close_and_idle_containers_stop(
    tmp_path: Path, user: str, docker_engine: None
) -> None:
    server = await own_server(
        tmp_path, CLOUDIDE_SERVER_SESSION_IDLE="2", CLOUDIDE_SERVER_CONTAINER_IDLE="2"
    )
    try:
        client = await ServerClient.connect(server.api_url, server.token(user))
        events = await client.subscribe()
        watcher = await shell_in(client, "idle")
        await watcher.shell.detach()  # nobody watches now

        async def no_shells() -> bool:
            shells: list[object] = await client.call(m.ListShells, project="idle")
            return shells == []

        await until(no_shells)

        async def stopped() -> bool:
            state = await client.call(m.GetContainerState, project="idle")
            return state is ContainerState.STOPPED

        await until(stopped)
        seen = []
        while not events.empty():
            seen.append(events.get_nowait())
        ended = [e for e in seen if isinstance(e, ShellEnded)]
        assert ended and "nobody attached" in ended[0].reason
        await client.close()
    finally:
        server.stop()
