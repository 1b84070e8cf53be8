"""The ``--project`` shell, opened ahead while the UI loads and mounts (a warm start).

Two ways to open it ahead:

- ``warm_start.fork_helper`` (what the CLI does): before this process imports the UI,
  fork a helper that loads the Docker backend and opens the exec with its own code
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

Where shells outlive the app (a server), ``opened_by`` attaches the project's most recent
running shell instead of opening a new one: ``--project X`` comes back to where you left
it. The helper is a local-Docker thing: the CLI never forks it in remote mode.

Importing this module loads no UI and no docker-py.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable

from cloudide_tui.backend.base import Backend, ContainerState, ShellSession
from cloudide_tui.backend.handoff import Adopter, HandedShell, Loader, StartedExec, receive_exec
from cloudide_tui.warm_start import stop_helper

SHOWN_WAIT = 1.0
"""Seconds start-up waits for the handed shell's first output before loading the backend
(so the prompt is drawn first; a shell that prints nothing must not hold start-up)."""


# -- the helper process ---------------------------------------------------------------------
class ShellHelper:
    """The forked helper opening ``project``'s shell (``warm_start.fork_helper``);
    ``result`` receives it and reaps the helper.

    Args:
        pid: The helper's process id.
        channel: Our end of the socket pair it answers on.
        project: The project whose shell it opens.
    """

    def __init__(self, pid: int, channel: socket.socket, project: str) -> None:
        self.pid = pid
        self.channel = channel
        self.project = project
        self.why_not = ""
        """Why no shell came, once ``result`` returned None."""
        self._result: asyncio.Future[StartedExec | None] | None = None

    async def result(self) -> StartedExec | None:
        """The exec the helper opened (once it has), or None (no container yet, the
        engine refused ...: the normal path will open one and say what is wrong)."""
        if self._result is None:
            self._result = asyncio.ensure_future(self._receive())
        return await asyncio.shield(self._result)

    async def _receive(self) -> StartedExec | None:
        started, self.why_not = await asyncio.to_thread(receive_exec, self.channel)
        await asyncio.to_thread(stop_helper, self.pid, self.channel)  # it has left: reaped
        return started


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
                if backend.capabilities.sessions_persist:
                    running = await backend.list_shells(project)
                    if running:
                        newest = running[-1].session_id
                        return await backend.attach_shell(newest, rows=rows, cols=cols)
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
        """The shell if nobody took it (to let it go on quit), else None."""
        return await self.take(self.project)
