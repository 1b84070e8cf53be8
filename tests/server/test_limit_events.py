"""A limit hit in a container (a process killed for memory) is told to the user's
clients as an event, so that the app can say what it cost them (as it does locally)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from cloudide_tui.backend.base import LimitHit
from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.protocol import messages as m
from testkit.remote_helpers import Watcher

Connect = Callable[..., Awaitable[ServerClient]]

HOG = b"python3 -c 'x = bytearray(300 << 20)'; echo status=$?\r"


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """This module's server gives containers 64 MiB of memory."""
    return {"CLOUDIDE_SERVER_MEMORY": "64m"}


async def test_a_process_killed_for_memory_is_told_to_every_client(
    connect: Connect, user: str
) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="hungry")
    watching = await (await connect(user)).subscribe()
    shell = Watcher(await client.open_shell("hungry", 24, 80))
    await shell.expect(r"\$ ")
    await shell.shell.write(HOG)
    await shell.expect(r"status=137")

    async def first_hit() -> LimitHit:
        while True:
            event = await watching.get()
            if isinstance(event, LimitHit):
                return event

    hit = await asyncio.wait_for(first_hit(), 20)
    assert (hit.project, hit.kind, hit.limit) == ("hungry", "memory", "64m")
