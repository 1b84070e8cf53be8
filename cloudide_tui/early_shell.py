"""The ``--project`` shell, opened ahead while the UI loads and mounts (a warm start).

Two ways to open it ahead:

- ``spawn_helper`` (what the CLI does): before this process imports the UI, fork a
  helper that loads the Docker backend and opens the exec with its own code
  (``DockerBackend.open_exec``), on the machine's other core while this one imports
  Textual; the helper hands the exec's socket over (``backend.handoff``) and exits. The
  terminal shows it at once (``HandedShell``), and the backend's own session takes it
  over once the backend is loaded, after the prompt is on screen.
- ``EarlyShell.opened_by`` (an app given its backend, as in the tests): open it through
  that backend while the screen mounts.

Either way the app hands the ``EarlyShell`` to the main screen, whose first terminal of
that project takes it; start-up waits for it to know the engine answers; on quit a shell
nobody took is closed with the others. A missing container (or image) is left to the
normal path, which makes it with progress and reports failures.

Importing this module loads no UI and no docker-py (the CLI imports it first).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
from collections.abc import Awaitable
from typing import TYPE_CHECKING, NoReturn

from cloudide_tui.backend.base import Backend, ContainerState, ShellSession
from cloudide_tui.backend.engine_address import engine_host
from cloudide_tui.backend.handoff import (
    Adopter,
    HandedShell,
    Loader,
    StartedExec,
    receive_exec,
    send_exec,
)

if TYPE_CHECKING:
    from cloudide_tui.config import Settings

BROWSER_WIDTH, NARROW_BROWSER_WIDTH, NARROW_BELOW = 32, 22, 100
"""The browser's width, and its width in an app narrower than ``NARROW_BELOW`` columns
(main.tcss says the same; ``expected_terminal_size`` counts on it)."""

SHOWN_WAIT = 1.0
"""Seconds start-up waits for the handed shell's first output before loading the backend
(so the prompt is drawn first; a shell that prints nothing must not hold start-up)."""


def expected_terminal_size(width: int, height: int) -> tuple[int, int]:
    """Rows and columns the first terminal tab will get in a ``width`` x ``height`` app
    (status line, tab bar and footer above and below; the browser on the left, slimmer
    in a narrow app; the terminal's scrollbar column on the right).
    A wrong guess only costs a resize on attach."""
    browser = BROWSER_WIDTH if width >= NARROW_BELOW else NARROW_BROWSER_WIDTH
    return max(height - 4, 2), max(width - browser - 1, 10)


# -- the helper process ---------------------------------------------------------------------
class ShellHelper:
    """The forked helper opening ``project``'s shell; ``result`` receives it."""

    def __init__(self, pid: int, channel: socket.socket, project: str) -> None:
        self.pid = pid
        self.channel = channel
        self.project = project
        self.why_not = ""
        """Why no shell came (for the log), once ``result`` returned None."""
        self._result: asyncio.Future[StartedExec | None] | None = None

    async def result(self) -> StartedExec | None:
        """The exec the helper opened (once it has), or None (no container yet, the
        engine refused ...: the normal path will open one and say what is wrong)."""
        if self._result is None:
            self._result = asyncio.ensure_future(self._receive())
        return await asyncio.shield(self._result)

    async def _receive(self) -> StartedExec | None:
        started, self.why_not = await asyncio.to_thread(receive_exec, self.channel)
        self.channel.close()
        await asyncio.to_thread(_reap, self.pid)
        return started

    def stop(self) -> None:
        """The app is leaving before the helper said anything: end it (its exec, if it
        started one, ends when its socket closes with it)."""
        if self._result is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.channel.close()
            _reap(self.pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def spawn_helper(settings: Settings) -> ShellHelper | None:
    """Fork the helper for ``settings.project`` (None: no project, an engine address a
    socket cannot be handed from, or no fork on this system)."""
    host = engine_host(settings.docker_host)
    if not settings.project or not host.startswith(("unix://", "tcp://", "http://")):
        return None
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    width, height = shutil.get_terminal_size()
    rows, cols = expected_terminal_size(width, height)
    parent, child = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the helper
        parent.close()
        _helper(settings, rows, cols, child)
    child.close()
    return ShellHelper(pid, parent, settings.project)


def _helper(settings: Settings, rows: int, cols: int, channel: socket.socket) -> NoReturn:
    """The helper's life: open the shell, hand it over, leave without any clean-up of
    the parent's (``os._exit``: no atexit, no flushing of inherited buffers)."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the terminal is the parent's
            os.dup2(devnull, fd)
        started, why = asyncio.run(_open_exec(settings, rows, cols))
        send_exec(channel, started, why)
    except BaseException as error:
        with contextlib.suppress(BaseException):
            send_exec(channel, None, f"{type(error).__name__}: {error}")
    finally:
        os._exit(0)


async def _open_exec(settings: Settings, rows: int, cols: int) -> tuple[StartedExec | None, str]:
    from cloudide_tui.backend.docker_backend import DockerBackend

    assert settings.project is not None
    backend = DockerBackend.from_settings(settings)
    if await backend.container_state(settings.project) is ContainerState.NONE:
        return None, "no container yet"
    started, _response = await backend.open_exec(settings.project, rows, cols)
    return started, ""


# -- the shell opened ahead, for the app ---------------------------------------------------
class EarlyShell:
    """A shell for ``project`` being opened in the background (see the module docstring).

    Args:
        project: The project given with ``--project``.
        opening: What gives the shell (None when it could not be opened ahead).
    """

    def __init__(self, project: str, opening: Awaitable[ShellSession | None]) -> None:
        self.project = project
        self._task: asyncio.Future[ShellSession | None] | None = asyncio.ensure_future(opening)
        self._session: ShellSession | None = None
        self._taken = asyncio.Event()

    @classmethod
    def opened_by(cls, backend: Backend, project: str, rows: int, cols: int) -> EarlyShell:
        """Open it through ``backend`` (at the size the terminal is expected to get: a
        wrong guess only costs a resize when it attaches)."""

        async def opening() -> ShellSession | None:
            try:
                if await backend.container_state(project) is ContainerState.NONE:
                    return None
                return await backend.open_shell(project, rows, cols)
            except Exception:
                return None  # the normal path opens again and reports what is wrong

        return cls(project, opening())

    @classmethod
    def from_helper(cls, helper: ShellHelper, load: Loader, adopter: Adopter) -> EarlyShell:
        """Take the shell the helper opened: shown at once, taken over by the backend's
        session (``adopter``) once the backend is loaded (``load``)."""

        async def opening() -> ShellSession | None:
            started = await helper.result()
            return HandedShell(started, load, adopter) if started is not None else None

        return cls(helper.project, opening())

    async def opened(self) -> bool:
        """Whether it gives a shell that is still there to take (waits for the attempt):
        then the engine answers and the project exists."""
        task = self._task
        if task is None:
            return False
        await asyncio.wait({task})
        return task.result() is not None

    async def shown(self, timeout: float = SHOWN_WAIT) -> None:
        """Wait (a moment at most) until a handed shell's first output was read by its
        terminal (which takes it in a worker, maybe later than this is called)."""

        async def read_once() -> None:
            await self._taken.wait()
            if isinstance(self._session, HandedShell):
                await self._session.shown.wait()

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(read_once(), timeout)

    async def take(self, project: str) -> ShellSession | None:
        """The shell for ``project``, once: None for another project, after it was
        taken, or when it could not be opened."""
        task = self._task
        if task is None or project != self.project:
            return None
        self._task = None
        self._session = await task
        self._taken.set()
        return self._session

    async def take_untaken(self) -> ShellSession | None:
        """The shell if nobody took it (to close it on quit), else None."""
        return await self.take(self.project)
