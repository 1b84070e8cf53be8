"""The remote tier: the whole app (Pilot) in remote mode against a real
``cloudide-server`` process on 127.0.0.1 and the real engine.

One server per module (testkit's server fixtures, as in ``tests/server``); every test
gets a user of its own (an owner unique to this run: an empty server for it), and a
client data dir of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from testkit.remote_ide import RemoteHome
from testkit.server_fixtures import new_user, owner_prefix, server, server_environment, user
from testkit.server_process import ServerProcess
from testkit.tcp_relay import TcpRelay

__all__ = ["new_user", "owner_prefix", "server", "server_environment", "user"]


@pytest.fixture
def home(server: ServerProcess, user: str, tmp_path: Path) -> RemoteHome:
    """This test's user on the module's server, connected straight."""
    return RemoteHome(server, user, tmp_path / "client")


@pytest.fixture
def make_home(
    server: ServerProcess, new_user: Callable[[], str], tmp_path: Path
) -> Callable[..., RemoteHome]:
    """More users (``make_home()``), or another client of one (``make_home(user)``)."""
    count = 0

    def make(user: str | None = None, via: str | None = None, ttl: float = 3600) -> RemoteHome:
        nonlocal count
        count += 1
        return RemoteHome(server, user or new_user(), tmp_path / f"client{count}", via, ttl)

    return make


@pytest.fixture
async def relay(server: ServerProcess) -> AsyncIterator[TcpRelay]:
    """A relay to the server that the test can cut (``relay.cut()``)."""
    made = await TcpRelay(server.port).start()
    try:
        yield made
    finally:
        await made.close()
