"""Watching a RemoteShell like a terminal would: every byte kept, an emulator fed, plain
text to wait on."""

from __future__ import annotations

import asyncio
import re
import time

from cloudide_tui.backend.remote_client import RemoteShell
from testkit.docker_helpers import plain


class Watcher:
    """Reads a remote shell; keeps its bytes, its screen and its plain text."""

    def __init__(self, shell: RemoteShell) -> None:
        from cloudide_tui.terminal.emulator import TerminalEmulator

        self.shell = shell
        self.data = bytearray()
        self.text = ""
        self.emulator = TerminalEmulator(shell.cols, shell.rows)
        self.ended = False

    async def read_once(self, timeout: float) -> bytes:
        chunk = await asyncio.wait_for(self.shell.read(), timeout)
        if not chunk:
            self.ended = True
            return chunk
        snap = self.shell.last_snapshot
        if snap is not None and snap.data is chunk:
            self.emulator.resize(snap.rows, snap.cols)
        self.data += chunk
        self.emulator.feed(chunk)
        self.text += plain(chunk)
        return chunk

    async def expect(self, pattern: str, timeout: float = 20.0) -> str:
        """Wait until ``pattern`` (regex) is in the plain text; consume up to it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while not (match := regex.search(self.text)):
            left = deadline - time.monotonic()
            if left <= 0 or self.ended:
                raise TimeoutError(f"no {pattern!r}; text so far: {self.text[-1500:]!r}")
            try:
                await self.read_once(left)
            except TimeoutError:
                raise TimeoutError(f"no {pattern!r}; text so far: {self.text[-1500:]!r}") from None
        seen, self.text = self.text[: match.end()], self.text[match.end() :]
        return seen

    async def screen_shows(self, pattern: str, timeout: float = 20.0) -> None:
        """Wait until the emulator's screen text matches ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while not regex.search("\n".join(self.emulator.screen_text())):
            left = deadline - time.monotonic()
            if left <= 0 or self.ended:
                shown = "\n".join(self.emulator.screen_text())
                raise TimeoutError(f"screen never showed {pattern!r}:\n{shown}")
            try:
                await self.read_once(left)
            except TimeoutError:
                continue

    async def quiet(self, idle: float = 0.5, timeout: float = 20.0) -> None:
        """Read until nothing came for ``idle`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                await self.read_once(idle)
            except TimeoutError:
                return
        raise TimeoutError("the shell never went quiet")

    async def read_to(self, offset: int, timeout: float = 20.0) -> None:
        """Read until the shell's offset reaches ``offset``."""
        async with asyncio.timeout(timeout):
            while self.shell.offset < offset:
                await self.read_once(timeout)
