"""Projects and their containers through DockerBackend: life cycle, states, labels, owners,
hardening as the engine sees it, the runner image, and an engine that is not there."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import docker.errors
import pytest

from cloudide_tui.backend.base import ContainerState, ProjectInfo
from cloudide_tui.backend.containers import (
    APP_LABEL,
    APP_NAME,
    NOFILE,
    NPROC,
    OWNER_LABEL,
    PROJECT_LABEL,
    SECCOMP_PROFILE,
    SPEC_LABEL,
    WORKSPACE_LABEL,
)
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.workspace_fs import create_workspace
from cloudide_tui.config import Settings
from cloudide_tui.errors import (
    AlreadyExists,
    ContainerError,
    EngineUnavailable,
    ImageError,
    ImageMissing,
    InvalidName,
    NotFound,
)
from testkit import docker_helpers
from testkit.backends import TEST_IMAGE

MakeBackend = Callable[..., DockerBackend]


def inspect(backend: DockerBackend, project: str) -> dict:  # type: ignore[type-arg]
    client = docker_helpers.api()
    try:
        return client.inspect_container(backend.container_name(project))  # type: ignore[no-any-return]
    finally:
        client.close()


async def test_projects_are_created_listed_started_stopped_renamed_and_deleted(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend()
    assert await backend.list_projects() == []
    assert await backend.create_project("alpha") == ProjectInfo(
        "alpha", backend.owner, ContainerState.NONE
    )
    await backend.create_project("beta")
    assert [(p.name, p.state) for p in await backend.list_projects()] == [
        ("alpha", ContainerState.NONE),
        ("beta", ContainerState.NONE),
    ]

    await backend.start_container("alpha")
    assert await backend.container_state("alpha") is ContainerState.RUNNING
    await backend.write_file("alpha", "notes.txt", b"keep me\n")
    await backend.start_container("beta")
    await backend.stop_container("beta")
    assert [(p.name, p.state) for p in await backend.list_projects()] == [
        ("alpha", ContainerState.RUNNING),
        ("beta", ContainerState.STOPPED),
    ]

    # Renaming: the files move, the old container goes, a new one comes on demand.
    renamed = await backend.rename_project("alpha", "gamma")
    assert renamed == ProjectInfo("gamma", backend.owner, ContainerState.NONE)
    assert (await backend.read_file("gamma", "notes.txt")).data == b"keep me\n"
    assert [c["Labels"][PROJECT_LABEL] for c in docker_helpers.containers_of(backend.owner)] == [
        "beta"
    ]
    session = await backend.open_shell("gamma", 24, 80)
    driver = docker_helpers.ShellDriver(session)
    try:
        assert (await driver.run("cat notes.txt; echo $CLOUDIDE_PROJECT")).split() == [
            "keep",
            "me",
            "gamma",
        ]
    finally:
        await session.close()

    await backend.delete_project("beta")
    assert [(p.name, p.state) for p in await backend.list_projects()] == [
        ("gamma", ContainerState.RUNNING)
    ]
    assert not (backend.workspaces / "beta").exists()
    await backend.delete_project("gamma")
    assert await backend.list_projects() == []
    assert docker_helpers.containers_of(backend.owner) == []


async def test_project_mistakes_are_refused_with_clear_errors(make_backend: MakeBackend) -> None:
    backend = make_backend()
    await backend.create_project("one")
    await backend.create_project("two")
    with pytest.raises(AlreadyExists):
        await backend.create_project("one")
    with pytest.raises(AlreadyExists):
        await backend.rename_project("one", "two")
    with pytest.raises(NotFound, match="no project called 'ghost'"):
        await backend.rename_project("ghost", "three")
    with pytest.raises(NotFound):
        await backend.delete_project("ghost")
    with pytest.raises(NotFound):
        await backend.open_shell("ghost", 24, 80)
    with pytest.raises(NotFound):
        await backend.start_container("ghost")
    assert [p.name for p in await backend.list_projects()] == ["one", "two"]
    assert docker_helpers.containers_of(backend.owner) == []  # nothing was made for a ghost


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "a/b", "../etc", "a\0b", "a\nb", "x" * 64, "Caps", "-flag", "sp ace", "é"],
)
async def test_bad_project_names_are_refused_everywhere(backend: DockerBackend, name: str) -> None:
    calls = [
        backend.create_project(name),
        backend.delete_project(name),
        backend.rename_project(name, "fine"),
        backend.rename_project("fine", name),
        backend.container_state(name),
        backend.start_container(name),
        backend.stop_container(name),
        backend.list_dir(name),
        backend.read_file(name, "a.txt"),
        backend.write_file(name, "a.txt", b"x"),
        backend.open_shell(name, 24, 80),
    ]
    for call in calls:
        with pytest.raises(InvalidName):
            await call


async def test_bad_owner_is_refused_at_construction(tmp_path: Path) -> None:
    with pytest.raises(InvalidName):
        DockerBackend(tmp_path, owner="../root")


async def test_containers_are_named_and_labelled_after_the_workspace_they_mount(
    backend: DockerBackend,
) -> None:
    await backend.create_project("labelled")
    await backend.start_container("labelled")
    info = inspect(backend, "labelled")
    workspace = str(backend.workspaces / "labelled")
    key = hashlib.sha256(workspace.encode()).hexdigest()[:10]
    assert info["Name"] == f"/cloudide-{backend.owner}-labelled-{key}"
    labels = info["Config"]["Labels"]
    assert labels.pop(SPEC_LABEL)  # a digest of what it was made from
    assert labels == {
        APP_LABEL: APP_NAME,
        OWNER_LABEL: backend.owner,
        PROJECT_LABEL: "labelled",
        WORKSPACE_LABEL: workspace,
    }
    assert info["Config"]["Hostname"] == "labelled"
    assert "CLOUDIDE_PROJECT=labelled" in info["Config"]["Env"]


async def test_a_container_made_from_other_settings_is_made_again(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    before = make_backend(data_dir=tmp_path, memory="300m")
    await before.create_project("tuned")
    await before.start_container("tuned")
    old = inspect(before, "tuned")["Id"]
    # The same workspace with more memory (the user raised it after an OOM kill).
    after = make_backend(data_dir=tmp_path, owner=before.owner, memory="400m")
    lines: list[str] = []
    await after.start_container("tuned", progress=lines.append)
    info = inspect(after, "tuned")
    assert info["Id"] != old and info["HostConfig"]["Memory"] == 400 << 20
    assert any("the settings changed" in line for line in lines), lines


async def test_another_owners_projects_and_containers_are_invisible(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    alice = make_backend(data_dir=tmp_path)
    bob = make_backend(data_dir=tmp_path)  # same data dir, same engine, other owner
    await alice.create_project("shared-name")
    await alice.start_container("shared-name")
    assert await bob.list_projects() == []
    assert await bob.container_state("shared-name") is ContainerState.NONE
    await bob.create_project("shared-name")
    assert [p.state for p in await bob.list_projects()] == [ContainerState.NONE]
    await bob.delete_project("shared-name")
    # Bob's delete touched neither Alice's files nor her running container.
    assert await alice.container_state("shared-name") is ContainerState.RUNNING
    assert [p.name for p in await alice.list_projects()] == ["shared-name"]


async def test_a_strangers_container_under_our_name_is_never_used_or_removed(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend()
    await backend.create_project("squatted")
    name = backend.container_name("squatted")
    client = docker_helpers.api()
    # Not ours: no labels (but the owner label, so that the fixtures clean it up).
    stranger = client.create_container(
        TEST_IMAGE,
        name=name,
        labels={OWNER_LABEL: backend.owner},
        host_config=client.create_host_config(network_mode="none"),
    )
    try:
        with pytest.raises(ContainerError, match="not made by cloudide-tui") as refused:
            await backend.container_state("squatted")
        # It is not ours: the hint never tells the user to remove or change it.
        assert "left alone" in refused.value.message
        assert "docker rm" not in str(refused.value)
        with pytest.raises(ContainerError, match="not made by cloudide-tui"):
            await backend.open_shell("squatted", 24, 80)
        await backend.delete_project("squatted")  # the project goes, the stranger stays
        assert client.inspect_container(name)["Id"] == stranger["Id"]
    finally:
        client.remove_container(stranger["Id"], force=True)
        client.close()


async def test_containers_are_hardened_by_default(backend: DockerBackend) -> None:
    await backend.create_project("hardened")
    await backend.start_container("hardened")
    info = inspect(backend, "hardened")
    host = info["HostConfig"]
    assert host["CapDrop"] == ["ALL"]
    assert not host.get("CapAdd")
    no_new, seccomp = host["SecurityOpt"]
    assert no_new == "no-new-privileges:true"
    assert json.loads(seccomp.removeprefix("seccomp=")) == json.loads(SECCOMP_PROFILE.read_text())
    assert host["Init"] is True
    assert host["Privileged"] is False
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert set(host["Tmpfs"]) == {"/tmp", "/run/cloudide"}
    assert f"size={backend.limits.tmp_size}" in host["Tmpfs"]["/tmp"]
    assert {u["Name"]: (u["Soft"], u["Hard"]) for u in host["Ulimits"]} == {
        "nofile": NOFILE,
        "nproc": (NPROC, NPROC),
        "core": (0, 0),
    }
    assert host["PidsLimit"] == backend.limits.pids
    assert host["Memory"] == host["MemorySwap"] > 0
    assert host["NanoCpus"] == int(backend.limits.cpus * 1e9)
    assert not host.get("Binds")
    assert info["Config"]["User"] == backend.account.user != "0:0"
    mounts = {m["Destination"]: (m["Type"], m["Source"]) for m in info["Mounts"]}
    assert mounts == {
        "/workspace": ("bind", str(backend.workspaces / "hardened")),
        backend.account.home: ("bind", str(backend.homes / "hardened")),
    }


async def test_limits_are_configurable(make_backend: MakeBackend) -> None:
    backend = make_backend(memory="300m", cpus=0.5, pids=99)
    await backend.create_project("limited")
    await backend.start_container("limited")
    host = inspect(backend, "limited")["HostConfig"]
    assert (host["Memory"], host["MemorySwap"]) == (300 << 20, 300 << 20)
    assert (host["NanoCpus"], host["PidsLimit"]) == (500_000_000, 99)


async def test_an_unreachable_engine_says_how_to_start_one(tmp_path: Path) -> None:
    nowhere = f"unix:///tmp/cloudide-no-engine-{secrets.token_hex(4)}.sock"
    backend = DockerBackend(tmp_path, docker_host=nowhere)
    create_workspace(backend.workspaces, "offline")
    for call in (
        backend.ensure_ready(),
        backend.container_state("offline"),
        backend.open_shell("offline", 24, 80),
        backend.create_project("half"),
    ):
        with pytest.raises(EngineUnavailable) as caught:
            await call
        error = caught.value
        assert nowhere in error.message
        assert "no engine listens there" in error.message
        assert error.hint is not None and "make engine" in error.hint
        assert "start Docker" in error.hint
    # Nothing half made; the projects on disk are listed all the same, state unknown.
    assert not (backend.workspaces / "half").exists()
    assert await backend.list_projects() == [
        ProjectInfo("offline", backend.owner, ContainerState.UNKNOWN)
    ]
    await backend.close()


async def test_ensure_ready_passes_when_the_engine_and_image_are_there(
    backend: DockerBackend,
) -> None:
    lines: list[str] = []
    await backend.ensure_ready(lines.append)
    assert lines == []  # nothing to build


# -- the runner image -------------------------------------------------------------------


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


async def test_a_missing_image_is_built_with_progress(make_backend: MakeBackend) -> None:
    # The real build script, on a tag of our own: all layers come from the cache.
    tag = f"cloudide-runner-test:{docker_helpers.RUN_PREFIX}"
    backend = make_backend(image=tag)
    lines: list[str] = []
    client = docker_helpers.api()
    try:
        await backend.ensure_ready(lines.append)
        assert client.inspect_image(tag)["Id"]
        assert lines[0].startswith(f"building the runner image {tag}")
        assert any("build-image:" in line for line in lines)
        assert lines[-1] == f"built {tag}"
        # And the backend uses it: a project's container runs from that image.
        await backend.create_project("built")
        session = await backend.open_shell("built", 24, 80)
        await session.close()
        assert inspect(backend, "built")["Config"]["Image"] == tag
    finally:
        docker_helpers.remove_containers(backend.owner)
        with contextlib.suppress(docker.errors.APIError):
            client.remove_image(tag)
        client.close()


async def test_a_failing_build_reports_its_last_lines(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    script = write_script(
        tmp_path / "build.sh",
        """
        for i in $(seq 1 30); do echo "step $i"; done
        echo "E: Unable to locate package nonsense" >&2
        exit 3
        """,
    )
    backend = make_backend(image=f"cloudide-missing:{secrets.token_hex(4)}", build_script=script)
    lines: list[str] = []
    with pytest.raises(ImageError) as caught:
        await backend.ensure_ready(lines.append)
    message = caught.value.message
    assert "exit status 3" in message
    assert "E: Unable to locate package nonsense" in message
    assert "step 30" in message and "step 1\n" not in message  # the tail, not everything
    assert "step 1" in lines  # progress saw every line as it came


async def test_without_a_build_script_the_error_says_how_to_build(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    backend = make_backend(
        image=f"cloudide-missing:{secrets.token_hex(4)}", build_script=tmp_path / "none.sh"
    )
    with pytest.raises(ImageError) as caught:
        await backend.ensure_ready()
    assert caught.value.hint is not None and "make image" in caught.value.hint


async def test_a_missing_image_is_only_built_when_asked(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    """A name other than the default one may be a typo: without ``build`` it is
    ImageMissing (the app asks first), and opening a shell never builds it on the way."""
    ran = tmp_path / "ran"
    script = write_script(tmp_path / "build.sh", f"touch {ran}\nexit 1\n")
    image = f"cloudide-missing:{secrets.token_hex(4)}"
    backend = make_backend(image=image, build_script=script)
    with pytest.raises(ImageMissing) as caught:
        await backend.ensure_ready(build=False)
    assert caught.value.image == image and image in caught.value.message
    await backend.create_project("nobuild")
    with pytest.raises(ImageMissing):
        await backend.open_shell("nobuild", 24, 80)
    assert not ran.exists(), "the build script ran"


async def test_cancelling_a_build_kills_it(make_backend: MakeBackend, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = write_script(
        tmp_path / "slow.sh",
        f"""
        sleep 300 &
        echo $! > {pid_file}
        echo started
        wait
        """,
    )
    backend = make_backend(image=f"cloudide-missing:{secrets.token_hex(4)}", build_script=script)
    started = asyncio.Event()

    def progress(line: str) -> None:
        if line == "started":
            started.set()

    task = asyncio.create_task(backend.ensure_ready(progress))
    await asyncio.wait_for(started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(int(pid_file.read_text()))  # the build's own children are gone too


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_backend_made_from_settings_uses_them(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, image="img:tag", owner="alice", memory="3g", cpus=0.5, pids=77
    )
    backend = DockerBackend.from_settings(settings)
    assert (backend.data_dir, backend.image, backend.owner) == (tmp_path, "img:tag", "alice")
    assert (backend.limits.memory, backend.limits.cpus, backend.limits.pids) == ("3g", 0.5, 77)
    assert backend.description == "local Docker"
    assert backend.workspaces == tmp_path / "workspaces" / "alice"
    other = DockerBackend.from_settings(settings, owner="bob", docker_host="tcp://127.0.0.1:1")
    assert other.owner == "bob"
    assert other.description == "Docker at tcp://127.0.0.1:1"


def test_the_backend_never_imports_textual() -> None:
    """The server imports the backend: it must stay UI-free."""
    code = (
        "import sys, cloudide_tui.backend.docker_backend; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


async def test_two_data_dirs_with_the_same_owner_keep_their_own_containers(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    # Two data dirs (or two host users) that both use owner X and project "demo".
    first = make_backend(data_dir=tmp_path / "one")
    second = make_backend(data_dir=tmp_path / "two", owner=first.owner)
    for backend, text in ((first, b"one\n"), (second, b"two\n")):
        await backend.create_project("demo")
        await backend.write_file("demo", "where.txt", text)
    one = docker_helpers.ShellDriver(await first.open_shell("demo", 24, 80))
    await one.prompt()
    two = docker_helpers.ShellDriver(await second.open_shell("demo", 24, 80))
    await two.prompt()
    try:
        # Each shell sees its own workspace, and the first one lives on.
        assert (await two.run("cat where.txt")).strip() == "two"
        assert (await one.run("cat where.txt")).strip() == "one"
        assert [p.state for p in await first.list_projects()] == [ContainerState.RUNNING]
        # Stopping and deleting the second's project leave the first's container alone.
        await second.stop_container("demo")
        assert await first.container_state("demo") is ContainerState.RUNNING
        assert [p.state for p in await second.list_projects()] == [ContainerState.STOPPED]
        await second.delete_project("demo")
        assert await first.container_state("demo") is ContainerState.RUNNING
        assert (await one.run("cat where.txt")).strip() == "one"
    finally:
        await one.session.close()
        await two.session.close()


async def test_a_container_an_earlier_version_made_is_replaced_for_its_workspace_only(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    backend = make_backend(data_dir=tmp_path / "mine")
    other = make_backend(data_dir=tmp_path / "other", owner=backend.owner)
    await backend.create_project("old")
    await other.create_project("old")
    # What the previous version made: cloudide-<owner>-<project>, no workspace label.
    client = docker_helpers.api()
    legacy = client.create_container(
        TEST_IMAGE,
        name=f"cloudide-{backend.owner}-old",
        labels={APP_LABEL: APP_NAME, OWNER_LABEL: backend.owner, PROJECT_LABEL: "old"},
        host_config=client.create_host_config(
            binds={str(backend.workspaces / "old"): {"bind": "/workspace", "mode": "rw"}},
            network_mode="none",
        ),
    )
    try:
        client.start(legacy["Id"])
        # Recognised for its own workspace: listed and shown as running ...
        assert [p.state for p in await backend.list_projects()] == [ContainerState.RUNNING]
        # ... but not by another data dir with the same owner, which leaves it alone.
        assert await other.container_state("old") is ContainerState.NONE
        session = await other.open_shell("old", 24, 80)
        await session.close()
        assert client.inspect_container(legacy["Id"])["State"]["Running"]
        # The first shell replaces it (saying why) by a container of today's kind.
        lines: list[str] = []
        session = await backend.open_shell("old", 24, 80, progress=lines.append)
        await session.close()
        assert any("made by an earlier version" in line for line in lines), lines
        with pytest.raises(docker.errors.NotFound):
            client.inspect_container(legacy["Id"])
        assert inspect(backend, "old")["Name"] == f"/{backend.container_name('old')}"
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            client.remove_container(legacy["Id"], force=True)
        client.close()


async def test_shells_opened_at_once_on_a_new_project_share_one_container(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend()
    await backend.create_project("rush")
    sessions = await asyncio.gather(*(backend.open_shell("rush", 24, 80) for _ in range(3)))
    try:
        assert len(docker_helpers.containers_of(backend.owner)) == 1
        for session in sessions:
            driver = docker_helpers.ShellDriver(session)
            assert (await driver.run("echo $CLOUDIDE_PROJECT")).strip() == "rush"
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


async def test_a_data_dir_reached_through_a_symlink_keeps_its_container(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    backend = make_backend(data_dir=tmp_path / "link")
    await backend.create_project("linked")
    for _ in range(2):
        session = await backend.open_shell("linked", 24, 80)
        await session.close()
    client = docker_helpers.api()
    try:
        first = client.inspect_container(backend.container_name("linked"))["Id"]
    finally:
        client.close()
    session = await backend.open_shell("linked", 24, 80)
    await session.close()
    assert inspect(backend, "linked")["Id"] == first
