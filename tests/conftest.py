"""Shared fixtures: the real Docker engine, and backends that clean up after themselves.

No test is ever skipped for want of an engine: ``docker_engine`` fails loudly with the
reason and the fix. Every backend made here has an owner unique to this test run
(``docker_helpers.RUN_PREFIX``), because other people's suites share the engine, and
every container made for that owner is removed afterwards, pass or fail.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The widget's helper modules in tests/ are imported by bare name however pytest runs.
sys.path.insert(0, str(Path(__file__).parent))

from cloudide_tui.backend.docker_backend import DEFAULT_IMAGE, DockerBackend
from tests import docker_helpers

#: The runner image the suite uses (``make test`` passes the Makefile's IMAGE).
TEST_IMAGE = os.environ.get("CLOUDIDE_IMAGE") or DEFAULT_IMAGE


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


@dataclass(frozen=True)
class BackendHome:
    """Where a module's backends keep their workspaces, and whose they are."""

    data_dir: Path
    owner: str

    def backend(self, **kwargs: Any) -> DockerBackend:
        """A new DockerBackend on this home (same workspaces, same containers)."""
        kwargs.setdefault("image", TEST_IMAGE)
        return DockerBackend(self.data_dir, owner=self.owner, **kwargs)


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
