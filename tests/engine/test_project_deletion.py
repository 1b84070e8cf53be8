"""Deleting projects and folders when it is hard: a tree deeper than Python's recursion
made in the shell, a container that cannot be removed (the engine is gone), what an
earlier deletion left behind. All or nothing, never half. Real engine, real containers."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cloudide_tui.backend.base import ContainerState
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.workspace_fs import TRASH_PREFIX
from cloudide_tui.errors import CloudIDEError, EngineUnavailable
from testkit import docker_helpers
from testkit.docker_helpers import ShellDriver

MakeBackend = Callable[..., DockerBackend]

#: Deeper than Python's default recursion limit (1,000): shutil.rmtree raised half way.
DEPTH = 1200


async def make_deep_tree_in_the_shell(backend: DockerBackend, project: str) -> None:
    driver = ShellDriver(await backend.open_shell(project, 24, 120))
    try:
        await driver.prompt()
        out = await driver.run(
            f"python3 -c \"import os\nfor _ in range({DEPTH}): os.mkdir('d'); os.chdir('d')\n"
            "open('bottom.txt', 'w').write('bottom')\" && echo made-deep",
            timeout=60,
        )
        assert "made-deep" in out
    finally:
        await driver.session.close()


async def test_a_folder_deeper_than_python_recursion_is_deleted_through_the_api(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend()
    await backend.create_project("deep")
    await make_deep_tree_in_the_shell(backend, "deep")
    bottom = "/".join(["d"] * DEPTH + ["bottom.txt"])
    assert (await backend.read_file("deep", bottom)).data == b"bottom"
    await backend.write_file("deep", "kept.txt", b"kept")
    await backend.delete_path("deep", "d")
    assert [e.name for e in await backend.list_dir("deep", "")] == ["kept.txt"]


async def test_a_project_holding_a_deep_tree_is_deleted_whole(make_backend: MakeBackend) -> None:
    backend = make_backend()
    await backend.create_project("deep")
    await backend.create_project("neighbour")
    await make_deep_tree_in_the_shell(backend, "deep")
    assert await backend.container_state("deep") is ContainerState.RUNNING
    await backend.delete_project("deep")
    assert [p.name for p in await backend.list_projects()] == ["neighbour"]
    assert await backend.container_state("deep") is ContainerState.NONE
    assert sorted(os.listdir(backend.workspaces)) == ["neighbour"]  # no trash left either


async def test_a_project_whose_container_cannot_be_removed_is_kept_whole(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    proxy = await docker_helpers.EngineProxy(str(tmp_path / "engine.sock")).start()
    backend = make_backend(docker_host=proxy.address)
    try:
        await backend.create_project("kept")
        await backend.write_file("kept", "notes.txt", b"precious")
        await backend.start_container("kept")
        await proxy.cut()  # the engine is gone: the container cannot be removed
        with pytest.raises(EngineUnavailable):
            await backend.delete_project("kept")
    finally:
        await proxy.cut()
        await backend.close()
    # Nothing was deleted: the project, its files and its container are all there.
    again = make_backend(data_dir=backend.data_dir, owner=backend.owner)
    assert [p.name for p in await again.list_projects()] == ["kept"]
    assert (await again.read_file("kept", "notes.txt")).data == b"precious"
    assert await again.container_state("kept") is ContainerState.RUNNING
    assert os.listdir(again.workspaces) == ["kept"]


async def test_what_a_deletion_left_is_never_listed_and_is_finished_later(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend()
    await backend.create_project("alive")
    # A deletion cut short (a crash, a deadline) left its trash among the workspaces.
    leftover = backend.workspaces / f"{TRASH_PREFIX}0123456789abcdef"
    (leftover / "deep" / "er").mkdir(parents=True)
    (leftover / "deep" / "er" / "file.txt").write_text("old")
    assert [p.name for p in await backend.list_projects()] == ["alive"]
    with pytest.raises(CloudIDEError):
        await backend.list_dir(leftover.name)  # not a project name at all
    # The next start finishes it (in the background).
    await backend.ensure_ready()
    deadline = time.monotonic() + 30
    while os.listdir(backend.workspaces) != ["alive"]:
        assert time.monotonic() < deadline, os.listdir(backend.workspaces)
        await asyncio.sleep(0.05)
