"""The browser tier: a real headless Chromium on the pages of a real cloudide-server.

One server per module (a process on 127.0.0.1, the real engine), whose IDE pages run
their app processes as the unprivileged test account (``scripts/ensure-browser.sh`` made
it, as root; a server that is not root runs them as itself). Every test gets users of its
own and a fresh browser profile; the module's containers go at its end. The server,
user and client fixtures are testkit's (``testkit/server_fixtures.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from testkit.browser import FIX, browser_problem, chromium, server_env
from testkit.server_fixtures import connect, new_user, owner_prefix, server, user

__all__ = ["connect", "new_user", "owner_prefix", "server", "user"]


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Chromium and its driver are here; else every browser test FAILS saying how."""
    problem = browser_problem()
    if problem:
        why = f"\n\n*** The browser tier needs Chromium: {problem}.\n*** {FIX}\n"
        pytest.fail(why, pytrace=False)


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """The module's server runs its IDE pages' processes as the test account."""
    return server_env()


@pytest.fixture
def browser(browser_ready: None) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile (no cookies from other tests)."""
    with chromium() as driver:
        yield driver
