"""The workspace seen from both sides: files saved through the backend are there in the
shell and the reverse, with the right owner, surviving the container; and what a user
plants in the shell (symlinks out of the workspace) never reaches the host through the
backend's file API."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.errors import InvalidPath, NotFound
from testkit import docker_helpers
from testkit.docker_helpers import ShellDriver

PROJECT = "files"


@pytest.fixture
async def shell(backend: DockerBackend) -> AsyncIterator[ShellDriver]:
    """A shell in the module's project (made once; the container is shared)."""
    if PROJECT not in {p.name for p in await backend.list_projects()}:
        await backend.create_project(PROJECT)
    driver = ShellDriver(await backend.open_shell(PROJECT, 24, 120))
    await driver.prompt()
    try:
        yield driver
    finally:
        await driver.session.close()


async def test_a_file_saved_through_the_backend_is_read_by_cat_in_the_shell(
    backend: DockerBackend, shell: ShellDriver
) -> None:
    await backend.make_dir(PROJECT, "src")
    await backend.write_file(PROJECT, "src/hello.txt", "héllo from the editor\n".encode())
    assert (await shell.run("cat src/hello.txt")).strip() == "héllo from the editor"
    # The shell's user owns it, so it can change it in place.
    assert (await shell.run("stat -c '%u %g' src src/hello.txt")).split() == ["1000"] * 4
    assert (await shell.run("echo more >> src/hello.txt && echo ok")).strip() == "ok"
    host = backend.workspaces / PROJECT / "src" / "hello.txt"
    assert (host.stat().st_uid, host.stat().st_gid) == (1000, 1000)


async def test_a_file_written_in_the_shell_is_read_through_the_backend(
    backend: DockerBackend, shell: ShellDriver
) -> None:
    await shell.run("mkdir -p notes && printf 'line 1\\nline 2\\n' > notes/todo.md")
    content = await backend.read_file(PROJECT, "notes/todo.md")
    assert content.data == b"line 1\nline 2\n"
    assert not content.truncated and not content.binary
    assert [e.name for e in await backend.list_dir(PROJECT, "notes")] == ["todo.md"]
    host = backend.workspaces / PROJECT / "notes" / "todo.md"
    assert (host.stat().st_uid, host.stat().st_gid) == (1000, 1000)
    # And the editor's save over it keeps it the shell user's.
    entry = await backend.write_file(
        PROJECT, "notes/todo.md", b"line 1\n", expected_version=content.entry.version
    )
    assert entry.size == 7
    assert (await shell.run("cat notes/todo.md; stat -c %u notes/todo.md")).split() == [
        "line",
        "1",
        "1000",
    ]


async def test_renames_and_deletes_through_the_backend_are_seen_in_the_shell(
    backend: DockerBackend, shell: ShellDriver
) -> None:
    await shell.run("mkdir -p old && echo x > old/a.txt")
    await backend.rename_path(PROJECT, "old", "new")
    assert (await shell.run("ls -d old new 2>&1")).split()[-1] == "new"
    await backend.delete_path(PROJECT, "new")
    assert (await shell.run("ls new 2>&1 | grep -c 'No such'")).strip() == "1"


async def test_files_survive_the_container_being_removed_and_made_again(
    backend: DockerBackend,
) -> None:
    await backend.create_project("durable")
    first = ShellDriver(await backend.open_shell("durable", 24, 80))
    await first.prompt()
    await first.run("echo from-the-shell > shell.txt")
    await backend.write_file("durable", "api.txt", b"from-the-api\n")
    await first.session.close()
    await backend.stop_container("durable")
    client = docker_helpers.api()
    try:
        await asyncio.to_thread(
            client.remove_container, backend.container_name("durable"), force=True
        )
    finally:
        client.close()
    second = ShellDriver(await backend.open_shell("durable", 24, 80))
    try:
        await second.prompt()
        assert (await second.run("cat shell.txt api.txt")).split() == [
            "from-the-shell",
            "from-the-api",
        ]
    finally:
        await second.session.close()


# -- attacks planted from inside the container --------------------------------------------


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A host file outside every workspace, that no operation may read or change."""
    path = tmp_path / f"canary-{secrets.token_hex(3)}"
    path.write_text("host secret\n")
    return path


async def test_a_symlink_to_etc_shadow_made_in_the_shell_is_refused(
    backend: DockerBackend, shell: ShellDriver
) -> None:
    await shell.run("ln -sf /etc/shadow x")
    shadow_before = Path("/etc/shadow").stat()
    with pytest.raises(InvalidPath, match="symbolic link"):
        await backend.read_file(PROJECT, "x")
    with pytest.raises(InvalidPath, match="symbolic link"):
        await backend.write_file(PROJECT, "x", b"root::0:0:::::\n")
    # Stat shows the link itself, never its target.
    assert (await backend.stat(PROJECT, "x")).kind == "symlink"
    after = Path("/etc/shadow").stat()
    assert (after.st_mtime_ns, after.st_size) == (shadow_before.st_mtime_ns, shadow_before.st_size)


async def test_a_symlink_to_the_root_gives_no_way_into_the_hosts_etc(
    backend: DockerBackend, shell: ShellDriver, canary: Path
) -> None:
    await shell.run("ln -sfn / root")
    for call in (
        backend.read_file(PROJECT, "root/etc/passwd"),
        backend.list_dir(PROJECT, "root/etc"),
        backend.stat(PROJECT, "root/etc/passwd"),
        backend.write_file(PROJECT, "root/etc/cloudide-pwned", b"x"),
        backend.make_dir(PROJECT, "root/tmp/cloudide-pwned"),
        backend.rename_path(PROJECT, "root/etc/hostname", "stolen"),
        backend.delete_path(PROJECT, f"root{canary}"),
        backend.read_file(PROJECT, f"root{canary}"),
    ):
        with pytest.raises(InvalidPath):
            await call
    assert not Path("/etc/cloudide-pwned").exists()
    assert not Path("/tmp/cloudide-pwned").exists()
    assert canary.read_text() == "host secret\n"
    assert not (backend.workspaces / PROJECT / "stolen").exists()


async def test_a_link_to_a_host_file_planted_in_the_shell_is_never_followed(
    backend: DockerBackend, shell: ShellDriver, canary: Path
) -> None:
    # The container cannot see the host's canary, but the link's text names its host path:
    # were the backend to follow it on the host, it would land there.
    await shell.run(f"ln -sf {canary} bait; mkdir -p d; ln -sfn {canary.parent} d/out")
    with pytest.raises(InvalidPath):
        await backend.read_file(PROJECT, "bait")
    with pytest.raises(InvalidPath):
        await backend.write_file(PROJECT, "bait", b"overwritten")
    with pytest.raises(InvalidPath):
        await backend.write_file(PROJECT, f"d/out/{canary.name}", b"overwritten")
    with pytest.raises(InvalidPath):
        await backend.delete_path(PROJECT, f"d/out/{canary.name}")
    assert canary.read_text() == "host secret\n"
    # Deleting the link removes the link only.
    await backend.delete_path(PROJECT, "bait")
    assert canary.exists()
    assert (await shell.run("ls bait 2>&1 | grep -c 'No such'")).strip() == "1"


@pytest.mark.parametrize(
    "path",
    ["../outside", "/etc/passwd", "a/../../b", "..", "bad\0name", "new\nline", "x/../y"],
)
async def test_bad_paths_are_refused_by_every_file_operation(
    backend: DockerBackend, path: str
) -> None:
    if PROJECT not in {p.name for p in await backend.list_projects()}:
        await backend.create_project(PROJECT)
    for call in (
        backend.list_dir(PROJECT, path),
        backend.stat(PROJECT, path),
        backend.read_file(PROJECT, path),
        backend.write_file(PROJECT, path, b"x"),
        backend.make_dir(PROJECT, path),
        backend.rename_path(PROJECT, path, "fine"),
        backend.rename_path(PROJECT, "fine", path),
        backend.delete_path(PROJECT, path),
    ):
        with pytest.raises(InvalidPath):
            await call


async def test_file_operations_on_a_missing_project_say_so(backend: DockerBackend) -> None:
    with pytest.raises(NotFound):
        await backend.list_dir("no-such-project")
    with pytest.raises(NotFound):
        await backend.write_file("no-such-project", "a.txt", b"x")
    assert not os.path.exists(backend.workspaces / "no-such-project")
