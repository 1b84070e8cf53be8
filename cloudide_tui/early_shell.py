"""The ``--project`` shell, opened ahead while the screen mounts (a warm start).

The app starts it as soon as it runs and hands it down to the main screen, whose
terminal takes it once its tab exists; start-up waits for it to know the engine answers;
on quit a shell nobody took is let go with the others. A missing container (or image)
is left to the normal path, which makes it with progress and reports failures.

Where shells outlive the app (a server), the project's most recent running shell is
attached instead of a new one opened: ``--project X`` comes back to where you left it.
"""

from __future__ import annotations

import asyncio

from cloudide_tui.backend.base import Backend, ContainerState, ShellSession


class EarlyShell:
    """A shell for ``project`` being opened at ``rows`` x ``cols`` in the background.

    Args:
        backend: Where the shell opens.
        project: The project given with ``--project``.
        rows, cols: The size its terminal is expected to get (a wrong guess only costs a
            resize when it attaches).
    """

    def __init__(self, backend: Backend, project: str, rows: int, cols: int) -> None:
        self.project = project
        self._task: asyncio.Task[ShellSession | None] | None = asyncio.create_task(
            self._open(backend, rows, cols)
        )

    async def _open(self, backend: Backend, rows: int, cols: int) -> ShellSession | None:
        try:
            if backend.capabilities.sessions_persist:
                running = await backend.list_shells(self.project)
                if running:
                    return await backend.attach_shell(running[-1].session_id, rows=rows, cols=cols)
            if await backend.container_state(self.project) is ContainerState.NONE:
                return None
            return await backend.open_shell(self.project, rows, cols)
        except Exception:
            return None  # the normal path opens again and reports what is wrong

    async def opened(self) -> bool:
        """Whether it gives a shell that is still there to take (waits for the attempt):
        then the engine answers and the project exists."""
        task = self._task
        if task is None:
            return False
        await asyncio.wait({task})
        return task.result() is not None

    async def take(self, project: str) -> ShellSession | None:
        """The shell for ``project``, once: None for another project, after it was
        taken, or when it could not be opened."""
        task = self._task
        if task is None or project != self.project:
            return None
        self._task = None
        return await task

    async def take_untaken(self) -> ShellSession | None:
        """The shell if nobody took it (to let it go on quit), else None."""
        return await self.take(self.project)
