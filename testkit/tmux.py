"""A program in a real terminal: tmux on its own server socket, keys sent, the screen read.

What a person's terminal does, for tests that must go through the real input path (the
driver's parser, Alt keys as xterm sends them, keys typed while the app starts). Each
``TmuxPane`` has a server of its own (``-L``), so nothing touches a developer's tmux.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Self


class TmuxPane:
    """``command`` running in a ``width`` x ``height`` tmux pane (a fresh tmux server).

    Use as a context manager: the server (and the command) end on exit.
    """

    def __init__(self, command: str, width: int = 120, height: int = 36) -> None:
        if shutil.which("tmux") is None:
            raise AssertionError("tmux not found: `make venv` installs it")
        self.socket = f"cloudide-test-{uuid.uuid4().hex[:10]}"
        self.command = command
        self.width, self.height = width, height

    def tmux(self, *args: str) -> str:
        """Run a tmux command on this pane's server; its output."""
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def __enter__(self) -> Self:
        self.tmux(
            "new-session",
            "-d",
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-e",
            "TERM=xterm-256color",
            self.command,
        )
        # Keep the pane after the command ends, so its last screen can be read.
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)

    def send(self, *keys: str) -> None:
        """``tmux send-keys``: key names (``M-.``, ``C-c``, ``Enter``) or text, in one go."""
        self.tmux("send-keys", "-t", "0", *keys)

    def send_text(self, text: str) -> None:
        """Type ``text`` literally (``send-keys -l``)."""
        self.tmux("send-keys", "-t", "0", "-l", text)

    def screen(self) -> str:
        """What the pane shows now, one line per row."""
        return self.tmux("capture-pane", "-p", "-t", "0")

    def wait_for(self, condition: Callable[[str], object], what: str, timeout: float = 30.0) -> str:
        """Read the screen until ``condition(screen)`` holds; fail saying what never came
        (and what the screen showed)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f} s waiting for {what}:\n{screen}"
                )
            time.sleep(0.05)
