"""The browser tier: a real headless Chromium on the pages of a real cloudide-server.

One server per module (a process on 127.0.0.1, the real engine), whose IDE pages run
their app processes as the unprivileged test account (``scripts/ensure-browser.sh`` made
it, as root; a server that is not root runs them as itself). Every test gets users of its
own and a fresh browser profile; the module's containers go at its end.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from selenium import webdriver

from cloudide_tui.backend.remote_client import ServerClient
from testkit import docker_helpers
from testkit.browser import FIX, browser_problem, chromium, server_env
from testkit.server_process import ServerProcess


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Chromium and its driver are here; else every browser test FAILS saying how."""
    problem = browser_problem()
    if problem:
        why = f"\n\n*** The browser tier needs Chromium: {problem}.\n*** {FIX}\n"
        pytest.fail(why, pytrace=False)


@pytest.fixture(scope="module")
def owner_prefix(docker_engine: None) -> Iterator[str]:
    prefix = docker_helpers.new_owner()
    try:
        yield prefix
    finally:
        docker_helpers.remove_containers(prefix)


@pytest.fixture(scope="module")
def server(owner_prefix: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("server") / "data", env=server_env())
    process.start()
    try:
        yield process
    finally:
        process.stop()


_users = itertools.count(1)


@pytest.fixture
def new_user(owner_prefix: str) -> Callable[[], str]:
    return lambda: f"{owner_prefix}-w{next(_users)}"


@pytest.fixture
def user(new_user: Callable[[], str]) -> str:
    return new_user()


@pytest.fixture
def browser(browser_ready: None) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile (no cookies from other tests)."""
    with chromium() as driver:
        yield driver


@pytest.fixture
async def connect(server: ServerProcess) -> AsyncIterator[Callable[..., Awaitable[ServerClient]]]:
    """``await connect(user)``: an API client for ``user`` (closed after the test)."""
    made: list[ServerClient] = []

    async def make(user: str) -> ServerClient:
        client = await ServerClient.connect(server.api_url, server.token(user))
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.close()
