"""The pytest fixtures of the tiers that run a real ``cloudide-server`` (server, remote,
browser): one server process per module on 127.0.0.1, users unique to this run, and API
clients closed after each test. A tier's ``conftest.py`` imports them (and lists them in
``__all__``); a module that needs a differently configured server overrides
``server_environment``.

One server per module (started as a process, stopped with SIGTERM at the module's end);
every test gets users of its own (owners unique to this run), so tests never see each
other's projects, and every container of the module's users is removed at its end.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from cloudide_tui.backend.remote_client import ServerClient
from testkit import docker_helpers
from testkit.server_process import ServerProcess

_users = itertools.count(1)


@pytest.fixture(scope="module")
def owner_prefix(docker_engine: None) -> Iterator[str]:
    """The owner prefix of this module's users; their containers go at the module's end."""
    prefix = docker_helpers.new_owner()
    try:
        yield prefix
    finally:
        docker_helpers.remove_containers(prefix)


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """More environment variables for the module's server (none: its defaults)."""
    return {}


@pytest.fixture(scope="module")
def server(
    owner_prefix: str,
    server_environment: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    """A running server shared by the module's tests."""
    data_dir = tmp_path_factory.mktemp("server") / "data"
    process = ServerProcess(data_dir, env=server_environment).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def new_user(owner_prefix: str) -> Callable[[], str]:
    """Makes user names unique to this run (valid owners; their containers are cleaned)."""
    return lambda: f"{owner_prefix}-u{next(_users)}"


@pytest.fixture
def user(new_user: Callable[[], str]) -> str:
    return new_user()


@pytest.fixture
async def connect(
    server: ServerProcess,
) -> AsyncIterator[Callable[..., Awaitable[ServerClient]]]:
    """``await connect(user, **options)``: a ServerClient for ``user`` (closed after the
    test); ``options`` go to ``ServerClient.connect``."""
    made: list[ServerClient] = []

    async def make(user: str, **kwargs: object) -> ServerClient:
        client = await ServerClient.connect(server.api_url, server.token(user), **kwargs)  # type: ignore[arg-type]
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.close()
