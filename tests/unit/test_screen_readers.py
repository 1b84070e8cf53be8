"""The readers of a terminal's screen that the benches and tests wait on.

A reader that looks at the wrong rows makes a wait time out on output that was shown
(bench_app's ``seq 1 12000`` "stalled" at line 2001: it read the oldest history rows,
not the screen), or end early on the typed command's own echo.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from cloudide_tui.widgets.terminal import Terminal
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, screen_row_text, screen_shows_line, wait_until

COMMAND = b"sh> seq 1 40\r\n"
OUTPUT = b"".join(f"{n}\r\n".encode() for n in range(1, 41)) + b"sh> "


async def parsed(pilot: Pilot[Any], terminal: Terminal, session: MemorySession) -> None:
    await wait_until(
        pilot, lambda: session.unread == 0 and terminal.backlog == 0, "output parsed", terminal
    )
    await pilot.pause()


async def test_a_screen_row_is_read_from_the_screen_once_history_filled() -> None:
    session = MemorySession([COMMAND, OUTPUT])
    app = TerminalApp(session, scrollback=20)
    async with app.run_test(size=(30, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await parsed(pilot, terminal, session)
        rows = [screen_row_text(terminal, y).rstrip() for y in range(terminal.screen_size[0])]
        # the view follows the output: the screen's last rows are the last numbers
        assert rows[-2:] == ["40", "sh>"], rows
        cursor_row = terminal.read_emulator(lambda emulator: emulator.cursor.y)
        assert screen_row_text(terminal, cursor_row).rstrip() == "sh>"


async def test_the_typed_command_is_not_taken_for_its_output() -> None:
    session = MemorySession([COMMAND])
    app = TerminalApp(session, scrollback=20)
    async with app.run_test(size=(30, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await parsed(pilot, terminal, session)
        assert not screen_shows_line(terminal, "40")  # "sh> seq 1 40" is not the output
        session.push(OUTPUT)
        await parsed(pilot, terminal, session)
        assert screen_shows_line(terminal, "40")
