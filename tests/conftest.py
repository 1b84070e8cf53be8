"""Shared fixtures: the real Docker engine, and backends that clean up after themselves.

No test is ever skipped for want of an engine: ``docker_engine`` fails loudly with the
reason and the fix. Every backend made here has an owner unique to this test run
(``docker_helpers.RUN_PREFIX``), because other people's suites share the engine, and
every container made for that owner is removed afterwards, pass or fail, and the
projects' disks (loop mounts, as the suite runs as root) are unmounted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from cloudide_tui.backend import disks
from cloudide_tui.backend.docker_backend import DockerBackend
from testkit import docker_helpers
from testkit.backends import TEST_IMAGE, BackendHome

#: Test tiers, by what a test needs; a test's tier is the folder it lives in.
TIERS = {
    "unit": "nothing but Python (pure logic, in-memory sessions, headless widgets)",
    "pty": "real pseudo-terminals and host programs (bash, vim, tmux)",
    "engine": "the real Docker engine and the runner image",
    "app": "the whole app driven by Pilot against the real engine",
    "snapshot": "deterministic pictures of the app (in-memory backend)",
    "differential": "tmux and xterm.js (node) as reference terminals for the emulator",
    "package": "the wheel installed in a fresh venv (package index, Docker engine)",
    "server": "the real engine and a real cloudide-server process on 127.0.0.1",
    "remote": "the whole app driven by Pilot against a real cloudide-server on 127.0.0.1",
    "browser": "a real headless Chromium (selenium) on the pages of a real cloudide-server",
}
_TIER_OF_FOLDER = {
    "unit": "unit",
    "pty": "pty",
    "engine": "engine",
    "app": "app",
    "snapshots": "snapshot",
    "differential": "differential",
    "package": "package",
    "server": "server",
    "remote": "remote",
    "browser": "browser",
}


#: Hypothesis profiles: properties without their own example count run "full" (the default,
#: `make test`) or "fast" (`make test-fast`: ``--hypothesis-profile=fast``).
settings.register_profile("full", max_examples=400, deadline=None)
settings.register_profile("fast", max_examples=50, deadline=None)
settings.load_profile("full")


def pytest_configure(config: pytest.Config) -> None:
    for tier, needs in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: needs {needs}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its folder's tier; a test outside every tier folder is an error
    (so ``make test-fast`` can never silently leave one out)."""
    root = Path(__file__).parent
    for item in items:
        relative = Path(str(item.path)).relative_to(root)
        tier = _TIER_OF_FOLDER.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if tier is None:
            raise pytest.UsageError(
                f"{relative} is in no test tier: move it under one of {sorted(_TIER_OF_FOLDER)}"
            )
        item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    """The Docker engine answers and has the runner image; else every user test FAILS."""
    problem = docker_helpers.engine_problem(TEST_IMAGE)
    if problem:
        pytest.fail(
            f"\n\n*** These tests need a Docker engine: {problem}.\n"
            f"*** {docker_helpers.ENGINE_FIX}\n",
            pytrace=False,
        )
    yield
    # Whatever a crashed test left behind under this run's owners goes now.
    docker_helpers.remove_containers(docker_helpers.RUN_PREFIX)


@pytest.fixture(scope="module")
def backend_home(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendHome]:
    """A data dir and owner shared by one test module, so its container is reused.

    The module's containers are removed when it ends.
    """
    home = BackendHome(tmp_path_factory.mktemp("data"), docker_helpers.new_owner())
    try:
        yield home
    finally:
        docker_helpers.remove_containers(home.owner)
        disks.release_under(home.data_dir)


@pytest.fixture
async def backend(backend_home: BackendHome) -> AsyncIterator[DockerBackend]:
    """A DockerBackend on the module's home (its projects and containers persist
    between the module's tests; they are removed at the module's end)."""
    instance = backend_home.backend()
    try:
        yield instance
    finally:
        await instance.close()


@pytest.fixture
async def make_backend(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Callable[..., DockerBackend]]:
    """Factory of fresh backends (own data dir and owner, any limits): for stories that
    need a clean slate or special limits. All their containers go after the test."""
    made: list[DockerBackend] = []

    def make(**kwargs: Any) -> DockerBackend:
        kwargs.setdefault("image", TEST_IMAGE)
        data_dir = kwargs.pop("data_dir", None) or tmp_path_factory.mktemp("data")
        owner = kwargs.pop("owner", None) or docker_helpers.new_owner()
        instance = DockerBackend(data_dir, owner=owner, **kwargs)
        made.append(instance)
        return instance

    try:
        yield make
    finally:
        for instance in made:
            await instance.close()
            docker_helpers.remove_containers(instance.owner)
            disks.release_under(instance.data_dir)
