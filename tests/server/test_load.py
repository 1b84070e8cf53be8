"""A bounded load on loopback: many users, connections and shells at once, each typing and
reading its echo; every one is answered, and the server stays healthy. (Figures live in
`make bench`; this only checks nothing is lost or stuck under load.)"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Awaitable, Callable

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.protocol import messages as m
from testkit.remote_helpers import Watcher
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]
USERS, SHELLS_EACH, ROUNDS = 4, 6, 15


async def test_many_users_and_shells_at_once_all_get_their_echoes(
    server: ServerProcess, connect: Connect, new_user: Callable[[], str]
) -> None:
    async def one_user() -> int:
        client = await connect(new_user())
        await client.call(m.CreateProject, name="load")
        shells = [Watcher(await client.open_shell("load", 24, 80)) for _ in range(SHELLS_EACH)]
        await asyncio.gather(*(s.expect(r"\$ ", timeout=60) for s in shells))

        async def rounds(watcher: Watcher, n: int) -> int:
            for i in range(ROUNDS):
                await watcher.shell.write(f"echo r{n}-$(({i}+1000))\r".encode())
                await watcher.expect(rf"r{n}-{i + 1000}\n", timeout=60)
            return ROUNDS

        done = await asyncio.gather(*(rounds(s, n) for n, s in enumerate(shells)))
        return sum(done)

    start = time.monotonic()
    totals = await asyncio.wait_for(asyncio.gather(*(one_user() for _ in range(USERS))), 240)
    assert sum(totals) == USERS * SHELLS_EACH * ROUNDS
    http = server.base.replace("ws://", "http://")
    health = json.loads(
        await asyncio.to_thread(lambda: urllib.request.urlopen(f"{http}/healthz").read())
    )
    assert health["status"] == "ok" and health["sessions"] >= USERS * SHELLS_EACH
    assert time.monotonic() - start < 240
