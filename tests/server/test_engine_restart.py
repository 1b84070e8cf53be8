"""The engine restarting under the server (a second dockerd of our own; the shared one is
never touched): shells end saying why, calls that need the engine fail clearly while it
is gone, and once it is back everything works again with the files intact."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import EngineUnavailable
from cloudide_tui.protocol import messages as m
from testkit.backends import TEST_IMAGE
from testkit.remote_helpers import Watcher
from testkit.second_engine import SecondEngine
from testkit.server_process import ServerProcess


@pytest.fixture(scope="module")
def engine(docker_engine: None) -> Iterator[SecondEngine]:
    second = SecondEngine().start()
    try:
        second.load_image(TEST_IMAGE)
        yield second
    finally:
        second.remove()


async def test_an_engine_restart_ends_shells_saying_why_and_the_server_serves_on(
    engine: SecondEngine, tmp_path: Path, user: str
) -> None:
    server = ServerProcess(
        tmp_path / "data", env={"CLOUDIDE_SERVER_DOCKER_HOST": engine.address}
    ).start()
    try:
        client = await ServerClient.connect(server.api_url, server.token(user))
        await client.call(m.CreateProject, name="eng")
        watcher = Watcher(await client.open_shell("eng", 24, 80))
        await watcher.expect(r"\$ ")
        await watcher.shell.write(b"echo before > kept.txt\r")
        await watcher.expect(r"\$ ")
        await asyncio.to_thread(engine.stop)
        async with asyncio.timeout(60):
            while not watcher.ended:
                await watcher.read_once(60)
        reason = watcher.shell.end_reason or ""
        assert "engine" in reason or "container" in reason, reason
        with pytest.raises(EngineUnavailable):
            await client.call(m.GetContainerState, project="eng")
        assert (await client.call(m.ReadFile, project="eng", path="kept.txt")).data == b"before\n"
        await asyncio.to_thread(engine.start)
        again = Watcher(await client.open_shell("eng", 24, 80))
        await again.expect(r"\$ ")
        await again.shell.write(b"cat kept.txt\r")
        await again.expect(r"before\n")
        await client.close()
    finally:
        server.stop()
