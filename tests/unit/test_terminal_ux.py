"""What a person sees around the terminal's text: the end line, copying, searching the
history, the scrolled-back marker, links (in-memory sessions, headless widgets)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from cloudide_tui.widgets.terminal import Terminal
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, screen_lines, wait_until


async def shown(pilot: Pilot[Any], terminal: Terminal, session: MemorySession) -> None:
    await wait_until(
        pilot, lambda: session.unread == 0 and terminal.backlog == 0, "output parsed", terminal
    )
    await pilot.pause()


async def test_the_end_line_says_the_status_once() -> None:
    # The Docker backend's reason already names the status ("shell exited (status 0)").
    session = MemorySession([b"bye\r\n"], end=True, status=0, reason="shell exited (status 0)")
    app = TerminalApp(session)
    async with app.run_test(size=(80, 6)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: terminal.ended, "the end shown", terminal)
        await pilot.pause()
        end = next(line for line in screen_lines(terminal) if "Press Enter" in line)
        assert end == "[shell exited (status 0)] Press Enter to restart"


async def test_the_end_line_adds_the_status_the_reason_does_not_name() -> None:
    session = MemorySession([], end=True, status=137, reason="the container was stopped")
    app = TerminalApp(session)
    async with app.run_test(size=(80, 6)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: terminal.ended, "the end shown", terminal)
        await pilot.pause()
        end = next(line for line in screen_lines(terminal) if "Press Enter" in line)
        assert end == "[the container was stopped (status 137)] Press Enter to restart"


async def test_keys_typed_before_the_shell_is_there_reach_it_once_attached() -> None:
    # The terminal is focused before its session opens (a --project start, a new tab):
    # what the user types meanwhile is kept and sent first, in order.
    app = TerminalApp(None)
    async with app.run_test(size=(40, 6)) as pilot:
        terminal = app.query_one(Terminal)
        terminal.focus()
        await pilot.press("l", "s", "enter")
        session = MemorySession([b"$ "])
        terminal.attach(session)
        await wait_until(pilot, lambda: bytes(session.written) == b"ls\r", "the keys sent")
        await pilot.press("x")
        await wait_until(pilot, lambda: bytes(session.written) == b"ls\rx", "then the next")
