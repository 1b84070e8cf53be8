"""A shell's exec handed to another process (the warm start's helper does it): shown at
once, then taken over by the backend's own session, which resizes, closes and says how
it ended. Real engine; the two processes are played by two sockets of one socketpair
(the descriptor really goes through SCM_RIGHTS)."""

from __future__ import annotations

import asyncio
import socket

from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.handoff import HandedShell, StartedExec, receive_exec, send_exec
from testkit import docker_helpers
from testkit.docker_helpers import ShellDriver

PROJECT = "handed"


async def _hand_over(backend: DockerBackend) -> StartedExec:
    """Open an exec as the helper does and pass it through a socket, as between processes."""
    if PROJECT not in {p.name for p in await backend.list_projects()}:
        await backend.create_project(PROJECT)
    started, _response = await backend.open_exec(PROJECT, 24, 80)
    helper_end, app_end = socket.socketpair()
    with helper_end, app_end:
        await asyncio.to_thread(send_exec, helper_end, started)
        started.sock.close()  # the helper's copy goes with the helper
        received, why = await asyncio.to_thread(receive_exec, app_end)
    assert received is not None, why
    assert (received.exec_id, received.session_id) == (started.exec_id, started.session_id)
    return received


def _processes(backend: DockerBackend, session_id: str) -> str:
    return docker_helpers.exec_in(
        backend.container_name(PROJECT),
        f"grep -lzx CLOUDIDE_SESSION={session_id} /proc/[0-9]*/environ 2>/dev/null"
        " | cut -d/ -f3 | xargs -r ps -o pid=,args= -p",
    )[1].strip()


async def test_a_handed_shell_is_read_at_once_then_taken_over(backend: DockerBackend) -> None:
    started = await _hand_over(backend)
    loaded = asyncio.Event()

    async def load() -> object:
        await loaded.wait()  # the backend "loading" (docker-py) takes as long as we say
        return backend

    shell = HandedShell(started, load, backend.adopt_shell)
    driver = ShellDriver(shell)
    await driver.prompt()  # shown before the backend is there
    assert (await driver.run("echo early-$((6*7))")).strip() == "early-42"
    await shell.resize(30, 100)  # asked now, applied by the take-over
    loaded.set()
    real = await shell.adopt()
    assert real is not None and real in backend.open_sessions()
    assert (await driver.run("stty size")).strip() == "30 100"
    await shell.resize(20, 60)
    assert (await driver.run("stty size")).strip() == "20 60"
    await driver.run("sleep 600 &")
    assert "sleep 600" in _processes(backend, started.session_id)
    await shell.close()  # the backend's session hangs up every process of the shell
    assert _processes(backend, started.session_id) == ""
    assert shell.end_reason == "session closed"


async def test_a_handed_shell_that_ends_early_says_how(backend: DockerBackend) -> None:
    started = await _hand_over(backend)
    loaded = asyncio.Event()

    async def load() -> object:
        await loaded.wait()
        return backend

    shell = HandedShell(started, load, backend.adopt_shell)
    driver = ShellDriver(shell)
    await driver.prompt()
    await shell.write(b"exit 3\r")
    reading = asyncio.ensure_future(driver.wait_end())
    await asyncio.sleep(0)
    loaded.set()  # the end is settled by the backend's session, once it takes over
    await asyncio.wait_for(reading, 30)
    assert shell.exit_status == 3
    assert shell.end_reason == "shell exited (status 3)"
    await shell.close()
