"""Shells in a project's container, as a user meets them: typing, sizes, several at once,
closing, and the container going away underneath. Real engine, real containers."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from cloudide_tui.backend.base import ContainerState
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.docker_shell import (
    HIGH_WATER,
    READ_MAX,
    SETTLE_DEADLINE,
    DockerShellSession,
)
from cloudide_tui.backend.hang_up import CLOSE_DEADLINE
from testkit import docker_helpers
from testkit.backends import BackendHome
from testkit.docker_helpers import ShellDriver

PROJECT = "shells"


@pytest.fixture
async def project(backend: DockerBackend) -> str:
    """The module's project (made once; its container is shared by the module's tests)."""
    await ensure_project(backend, PROJECT)
    return PROJECT


async def open_driver(
    backend: DockerBackend, project: str, rows: int = 24, cols: int = 80
) -> ShellDriver:
    session = await backend.open_shell(project, rows, cols)
    driver = ShellDriver(session)
    await driver.prompt()
    return driver


@asynccontextmanager
async def shell_in(
    backend: DockerBackend, project: str, rows: int = 24, cols: int = 80
) -> AsyncIterator[ShellDriver]:
    """A shell of ``project`` at its prompt, closed on the way out."""
    driver = await open_driver(backend, project, rows, cols)
    try:
        yield driver
    finally:
        await driver.session.close()


async def ensure_project(backend: DockerBackend, name: str) -> None:
    """Make the project ``name`` unless it is there already."""
    if name not in {p.name for p in await backend.list_projects()}:
        await backend.create_project(name)


@pytest.fixture
async def relayed(
    backend_home: BackendHome, tmp_path: Path
) -> AsyncIterator[tuple[DockerBackend, docker_helpers.EngineProxy]]:
    """A backend that reaches the engine through a relay the test can cut or freeze, with
    the module's project made; the relay is cut and the backend closed at the end."""
    proxy = await docker_helpers.EngineProxy(str(tmp_path / "engine.sock")).start()
    backend = backend_home.backend(docker_host=proxy.address)
    try:
        await ensure_project(backend, PROJECT)
        yield backend, proxy
    finally:
        await proxy.cut()
        await backend.close()


def session_processes(backend: DockerBackend, project: str, session_id: str) -> list[str]:
    """`ps` lines of processes still carrying the session's id (seen from outside)."""
    _, out = docker_helpers.exec_in(
        backend.container_name(project),
        f"grep -lzx CLOUDIDE_SESSION={session_id} /proc/[0-9]*/environ 2>/dev/null"
        " | cut -d/ -f3 | xargs -r ps -o pid,sid,args -p",
    )
    return [line for line in out.splitlines()[1:] if line.strip()]


def all_processes(backend: DockerBackend, project: str) -> str:
    return docker_helpers.exec_in(backend.container_name(project), "ps -eo pid,sid,args")[1]


async def test_opening_a_shell_shows_a_prompt_naming_the_project(
    backend: DockerBackend, project: str
) -> None:
    session = await backend.open_shell(project, 24, 80)
    try:
        driver = ShellDriver(session)
        await driver.expect(rf"{project}.*\$ ")
        assert await backend.container_state(project) is ContainerState.RUNNING
        assert (await driver.run("echo $CLOUDIDE_PROJECT; hostname")).split() == [project, project]
    finally:
        await session.close()


async def test_what_i_type_is_echoed_and_answered(backend: DockerBackend, project: str) -> None:
    async with shell_in(backend, project) as driver:
        out = await driver.run("echo hello-$((6*7))")
        assert out.strip() == "hello-42"


async def test_the_shell_starts_at_the_size_it_was_opened_with(
    backend: DockerBackend, project: str
) -> None:
    async with shell_in(backend, project, 50, 200) as driver:
        assert (await driver.run("stty size; tput lines; tput cols")).split() == [
            "50",
            "200",
            "50",
            "200",
        ]


async def test_the_very_first_command_sees_the_opening_size(
    backend: DockerBackend, project: str
) -> None:
    session = await backend.open_shell(project, 50, 200)
    driver = ShellDriver(session)
    try:
        # Docker 20.10 starts an exec at 0x0; typed before the prompt appears (as fast as
        # a user could possibly be), the first `stty size` must already be right.
        await session.write(b"stty size\r")
        seen = await driver.expect(r"\n\d+ \d+\n")
        assert seen.strip().endswith("50 200")
    finally:
        await session.close()


async def test_resizing_the_terminal_is_seen_inside(backend: DockerBackend, project: str) -> None:
    async with shell_in(backend, project, 24, 80) as driver:
        assert (await driver.run("stty size")).strip() == "24 80"
        await driver.session.resize(40, 132)
        assert (await driver.run("stty size")).strip() == "40 132"
        await driver.session.resize(10, 33)
        assert (await driver.run("stty size")).strip() == "10 33"


async def test_a_burst_of_resizes_ends_at_the_last_size(
    backend: DockerBackend, project: str
) -> None:
    # Dragging a window edge: many sizes at once; the shell must end at the last one.
    async with shell_in(backend, project, 24, 80) as driver:
        sizes = [(24 + i, 80 + 3 * i) for i in range(1, 16)]
        await asyncio.gather(*(driver.session.resize(r, c) for r, c in sizes))
        assert (await driver.run("stty size")).strip() == "39 125"


async def test_the_terminal_is_xterm_256color_with_truecolor_and_utf8(
    backend: DockerBackend, project: str
) -> None:
    async with shell_in(backend, project) as driver:
        out = await driver.run("echo $TERM $COLORTERM $LANG; tput colors; printf 'é✓\\n'")
        assert out.split() == ["xterm-256color", "truecolor", "C.UTF-8", "256", "é✓"]


async def test_two_shells_on_one_project_at_once_are_independent(
    backend: DockerBackend, project: str
) -> None:
    one, two = await asyncio.gather(open_driver(backend, project), open_driver(backend, project))
    try:
        await one.run("cd /tmp; X=first")
        await two.run("X=second")
        assert (await one.run("echo $X $PWD")).split() == ["first", "/tmp"]
        assert (await two.run("echo $X $PWD")).split() == ["second", "/workspace"]
        # The two are different shells, both alive in the same container.
        pids = {(await one.run("echo $$")).strip(), (await two.run("echo $$")).strip()}
        assert len(pids) == 2
    finally:
        await asyncio.gather(one.session.close(), two.session.close())


async def test_a_shell_that_exits_reports_its_status(backend: DockerBackend, project: str) -> None:
    driver = await open_driver(backend, project)
    await driver.session.write(b"exit 7\r")
    await driver.wait_end()
    assert driver.session.exit_status == 7
    assert driver.session.end_reason == "shell exited (status 7)"
    assert await driver.session.read() == b""
    await driver.session.close()
    assert driver.session.end_reason == "shell exited (status 7)"


async def test_closing_a_session_leaves_none_of_its_processes(
    backend: DockerBackend, project: str
) -> None:
    driver = await open_driver(backend, project)
    other = await open_driver(backend, project)  # a second session must not be touched
    session = driver.session
    assert isinstance(session, DockerShellSession)
    try:
        await driver.run("sleep 1000 &")  # a background job
        await driver.run("(sleep 1001 &) ")  # an orphan: its parent subshell is gone
        await driver.run("setsid sleep 1002 < /dev/null > /dev/null 2>&1 &")  # its own session
        await driver.run("trap '' HUP; sleep 1003 &")  # ignores the hang-up
        await driver.run("nohup sleep 1004 > /dev/null 2>&1 &")
        await other.run("sleep 2000 &")
        before = all_processes(backend, project)
        for n in range(1000, 1005):
            assert f"sleep {n}" in before
        await session.close()
        assert session.end_reason == "session closed"
        assert session_processes(backend, project, session.session_id) == []
        after = all_processes(backend, project)
        assert not re.search(r"sleep 100[0-4]", after), after
        assert "sleep 2000" in after  # the other session's job lives on
        assert (await other.run("echo still-here")).strip() == "still-here"
        assert await session.read() == b""
    finally:
        await other.session.close()
    assert "sleep 2000" not in all_processes(backend, project)


async def test_closing_twice_and_writing_after_close_are_harmless(
    backend: DockerBackend, project: str
) -> None:
    driver = await open_driver(backend, project)
    await driver.session.close()
    await driver.session.close()
    await driver.session.write(b"echo nothing\r")
    await driver.session.resize(30, 90)
    assert await driver.session.read() == b""


async def fall_behind(session: DockerShellSession, seconds: float = 3.0) -> None:
    """Read like a terminal that cannot keep up, one chunk every 50 ms for ``seconds``,
    and on until the session has stopped reading its socket (more than HIGH_WATER
    unread): the engine then waits to write the rest."""
    start = time.monotonic()
    while time.monotonic() - start < seconds or session.unread_bytes < HIGH_WATER:
        assert time.monotonic() - start < seconds + 30, "the flood never filled the buffer"
        await session.read()
        await asyncio.sleep(0.05)  # the slow reader itself, not a wait for something


async def test_closing_a_flooding_shell_with_a_slow_reader_returns_and_the_container_lives_on(
    backend: DockerBackend, project: str
) -> None:
    other = await open_driver(backend, project)  # another tab on the same container
    flood = await open_driver(backend, project)
    session = flood.session
    assert isinstance(session, DockerShellSession)
    try:
        await session.write(b"yes\r")
        await fall_behind(session)
        # Before the fix this never returned (stuck in the hang-up exec, for minutes).
        await asyncio.wait_for(session.close(), 20)
        assert session.end_reason == "session closed"
        assert session_processes(backend, project, session.session_id) == []
        # The container is healthy: a shell in it works, and sees its own end ...
        assert (await other.run("echo still-here")).strip() == "still-here"
        await other.session.write(b"exit 3\r")
        await asyncio.wait_for(other.wait_end(), 20)
        assert other.session.end_reason == "shell exited (status 3)"
        # ... and closing an idle shell works as well.
        idle = await open_driver(backend, project)
        await asyncio.wait_for(idle.session.close(), 20)
        assert idle.session.end_reason == "session closed"
    finally:
        await other.session.close()


async def test_a_slow_reader_gets_everything_in_order(backend: DockerBackend, project: str) -> None:
    # Far more output than the session buffers: reading pauses the socket, nothing is lost.
    async with shell_in(backend, project) as driver:
        session = driver.session
        assert isinstance(session, DockerShellSession)
        await session.write(b"seq 1 200000; printf '@@%s@@\\n' end\r")
        # Let it pile up while nobody reads: until the session's buffer is full (a fixed
        # 1.5 s could end before the container printed anything, on a loaded machine),
        # then a while longer, in which nothing more may come in.
        deadline = time.monotonic() + 60
        while session.unread_bytes < HIGH_WATER:
            assert time.monotonic() < deadline, f"only {session.unread_bytes} bytes came"
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        # About 1.3 MB is printed; the session holds a bounded part and the rest waits.
        assert 0 < session.unread_bytes <= HIGH_WATER + 256 * 1024
        chunk = await session.read()
        assert 0 < len(chunk) <= READ_MAX
        driver.feed(chunk)
        text = await driver.expect(r"@@end@@", timeout=60)
        numbers = [int(n) for n in re.findall(r"^(\d+)$", text, re.M)]
        assert numbers == list(range(1, 200001))


async def test_stopping_the_container_ends_its_shells_and_reopening_starts_it(
    backend: DockerBackend, project: str
) -> None:
    one = await open_driver(backend, project)
    two = await open_driver(backend, project)
    await backend.stop_container(project)
    await asyncio.gather(one.wait_end(), two.wait_end())
    assert one.session.end_reason == two.session.end_reason == "container stopped"
    assert await backend.container_state(project) is ContainerState.STOPPED
    await asyncio.gather(one.session.close(), two.session.close())
    async with shell_in(backend, project) as again:
        assert (await again.run("echo back")).strip() == "back"
        assert await backend.container_state(project) is ContainerState.RUNNING


async def test_a_container_stopped_from_outside_ends_the_shell_with_that_reason(
    backend: DockerBackend, project: str
) -> None:
    driver = await open_driver(backend, project)
    client = docker_helpers.api()
    try:
        await asyncio.to_thread(client.stop, backend.container_name(project), timeout=1)
    finally:
        client.close()
    await driver.wait_end()
    assert driver.session.end_reason == "container stopped"
    await driver.session.close()


async def test_a_container_removed_underneath_ends_the_shell_and_reopening_recreates_it(
    backend: DockerBackend, project: str
) -> None:
    driver = await open_driver(backend, project)
    await driver.run("echo kept > kept.txt")
    name = backend.container_name(project)
    client = docker_helpers.api()
    try:
        old_id = client.inspect_container(name)["Id"]
        await asyncio.to_thread(client.remove_container, name, force=True)
    finally:
        client.close()
    await driver.wait_end()
    assert driver.session.end_reason == "container removed"
    await driver.session.close()
    assert await backend.container_state(project) is ContainerState.NONE

    progress: list[str] = []
    session = await backend.open_shell(project, 24, 80, progress=progress.append)
    again = ShellDriver(session)
    try:
        await again.prompt()
        assert any("creating the container" in line for line in progress)
        assert (await again.run("cat kept.txt")).strip() == "kept"  # the files stayed
        client = docker_helpers.api()
        try:
            assert client.inspect_container(name)["Id"] != old_id
        finally:
            client.close()
    finally:
        await session.close()


async def test_a_shell_killed_for_lack_of_memory_says_so(
    make_backend: Callable[..., DockerBackend],
) -> None:
    backend = make_backend(memory="64m")
    await backend.create_project("hungry")
    driver = await open_driver(backend, "hungry")
    # The shell itself becomes the hungry program, so the kill ends the session.
    await driver.session.write(b"exec python3 -c 'x = bytearray(512 << 20); print(len(x))'\r")
    await driver.wait_end(timeout=60)
    assert driver.session.end_reason == "container ran out of memory"
    assert driver.session.exit_status == 137
    await driver.session.close()
    assert await backend.container_state("hungry") is ContainerState.RUNNING


async def test_losing_the_engine_ends_the_shell_with_that_reason(
    relayed: tuple[DockerBackend, docker_helpers.EngineProxy],
) -> None:
    backend, proxy = relayed
    driver = await open_driver(backend, PROJECT)
    assert (await driver.run("echo through-the-relay")).strip() == "through-the-relay"
    await proxy.cut()
    await driver.wait_end()
    assert driver.session.end_reason == "connection to the Docker engine lost"
    await driver.session.close()  # nothing to reach: still returns


async def test_closing_a_shell_when_the_engine_stops_answering_still_returns(
    relayed: tuple[DockerBackend, docker_helpers.EngineProxy],
) -> None:
    backend, proxy = relayed
    driver = await open_driver(backend, PROJECT)
    await driver.run("echo through-the-relay")
    proxy.freeze()  # connections stay open, nothing comes back
    # Every engine call of closing has a deadline: it returns, however late.
    await asyncio.wait_for(driver.session.close(), CLOSE_DEADLINE + SETTLE_DEADLINE + 10)
    assert driver.session.end_reason == "session closed"
    assert await driver.session.read() == b""


async def test_what_an_exited_shell_left_running_goes_when_its_session_is_closed(
    backend: DockerBackend, project: str
) -> None:
    driver = await open_driver(backend, project)
    session = driver.session
    assert isinstance(session, DockerShellSession)
    await driver.run("nohup sleep 1100 > /dev/null 2>&1 &")
    await session.write(b"exit\r")
    await driver.wait_end()
    assert session.end_reason == "shell exited (status 0)"
    assert "sleep 1100" in all_processes(backend, project)  # Docker left it running
    await session.close()
    assert "sleep 1100" not in all_processes(backend, project)


async def test_closing_the_backend_closes_its_open_sessions(
    backend_home: BackendHome,
) -> None:
    backend = backend_home.backend()
    await ensure_project(backend, PROJECT)
    one, two = await open_driver(backend, PROJECT), await open_driver(backend, PROJECT)
    await one.run("sleep 1200 &")
    await two.run("sleep 1201 &")
    assert len(backend.open_sessions()) == 2
    await backend.close()
    assert one.session.end_reason == two.session.end_reason == "session closed"
    assert not re.search(r"sleep 120[01]", all_processes(backend, PROJECT))
    assert backend.open_sessions() == []


async def test_ctrl_p_reaches_the_shell_on_its_own(backend: DockerBackend, project: str) -> None:
    """Docker's default detach keys (Ctrl+P, Ctrl+Q) would hold a lone Ctrl+P back until
    the next key: bash's and emacs's previous-line would lag one key behind."""
    async with shell_in(backend, project) as driver:
        # cat's own first words say it owns the terminal: a Ctrl+C sent before that would
        # reach bash (still handing the terminal over), and cat would then wait forever.
        await driver.session.write(b"sh -c 'printf \"@@%s@@\\n\" cat-reads; exec cat -v'\r")
        await driver.expect(r"@@cat-reads@@\n")
        await driver.session.write(b"\x10")
        await driver.expect(r"\^P")  # held back, it would never come
        await driver.session.write(b"\x03")
        await driver.prompt()


async def test_history_outlives_a_shell_that_never_exits_cleanly(
    backend: DockerBackend, project: str
) -> None:
    """Commands reach the history file at each prompt (runner/bashrc), so a shell killed
    with its container (the app stops containers on quit) keeps its history."""
    driver = await open_driver(backend, project)
    marker = f"history-marker-{secrets.token_hex(3)}"
    await driver.run(f"echo {marker}")
    await backend.stop_container(project)  # the shell dies with it: no clean exit
    await driver.wait_end()
    await driver.session.close()
    async with shell_in(backend, project) as again:
        # "[h]" keeps this command's own line from matching itself.
        shown = await again.run(f"history | grep -c 'echo [h]{marker[1:]}'")
        assert re.search(r"^1\s*$", shown, re.M), shown
