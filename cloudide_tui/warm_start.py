"""The warm start's first step: fork the helper that opens ``--project``'s shell.

The CLI calls ``fork_helper`` as soon as the settings are good, before it imports the UI,
so this module imports nothing heavy (not even asyncio): the sooner the fork, the sooner
the helper starts its own work on the other core. The helper loads the Docker backend,
opens the shell's exec with the backend's own code (``DockerBackend.open_exec``), sends
the exec's socket back (``backend.handoff.send_exec``) and exits; ``early_shell`` receives
it on the app's side.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
from typing import TYPE_CHECKING, NoReturn

from cloudide_tui.backend.engine_address import engine_host

if TYPE_CHECKING:
    from cloudide_tui.backend.handoff import StartedExec
    from cloudide_tui.config import Settings

BROWSER_WIDTH, NARROW_BROWSER_WIDTH, NARROW_BELOW = 32, 22, 100
"""The browser's width, and its width in an app narrower than ``NARROW_BELOW`` columns
(main.tcss says the same; ``expected_terminal_size`` counts on it)."""


def expected_terminal_size(width: int, height: int) -> tuple[int, int]:
    """Rows and columns the first terminal tab will get in a ``width`` x ``height`` app
    (status line, tab bar and footer above and below; the browser on the left, slimmer
    in a narrow app; the terminal's scrollbar column on the right).
    A wrong guess only costs a resize on attach."""
    browser = BROWSER_WIDTH if width >= NARROW_BELOW else NARROW_BROWSER_WIDTH
    return max(height - 4, 2), max(width - browser - 1, 10)


def fork_helper(settings: Settings) -> tuple[int, socket.socket, str] | None:
    """Fork the helper for ``settings.project``: its pid, our end of the channel it
    answers on, and the project. None: no project, a server (``--server``: no local engine
    to open it on), an engine address a socket cannot be handed from (ssh, TLS), or no
    fork (or descriptor passing) on this system."""
    if not settings.project or settings.server:
        return None
    host = engine_host(settings.docker_host)
    if not host.startswith(("unix://", "tcp://", "http://")):
        return None
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    width, height = shutil.get_terminal_size()
    rows, cols = expected_terminal_size(width, height)
    parent, child = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        parent.close()
        _helper(settings, rows, cols, child)
    child.close()
    return pid, parent, settings.project


def stop_helper(pid: int, channel: socket.socket) -> None:
    """Make sure the helper is gone and reaped (leaving the app, or never listened to):
    an exec it started but did not hand over ends when its socket closes with it."""
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        if os.waitpid(pid, os.WNOHANG) == (0, 0):  # still running: it is not needed now
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    channel.close()


def _helper(settings: Settings, rows: int, cols: int, channel: socket.socket) -> NoReturn:
    """The helper's life: open the shell, hand it over, leave without any clean-up of
    the parent's (``os._exit``: no atexit, no flushing of inherited buffers)."""
    from cloudide_tui.backend.handoff import send_exec

    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the terminal is the parent's
            os.dup2(devnull, fd)
        import asyncio

        started, why = asyncio.run(_open_exec(settings, rows, cols))
        send_exec(channel, started, why)
    except BaseException as error:
        with contextlib.suppress(BaseException):
            send_exec(channel, None, f"{type(error).__name__}: {error}")
    finally:
        os._exit(0)


async def _open_exec(settings: Settings, rows: int, cols: int) -> tuple[StartedExec | None, str]:
    from cloudide_tui.backend.base import ContainerState
    from cloudide_tui.backend.docker_backend import DockerBackend

    assert settings.project is not None
    backend = DockerBackend.from_settings(settings)
    if await backend.container_state(settings.project) is ContainerState.NONE:
        return None, "no container yet"
    started, _response = await backend.open_exec(settings.project, rows, cols)
    return started, ""
