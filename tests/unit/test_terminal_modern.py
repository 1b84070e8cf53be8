"""What programs ask of a modern terminal, through the widget: colour queries answered
from the theme, synchronized output, hyperlinks, the clipboard, selection across soft
wraps. Recorded bytes in (MemorySession), what the user sees and what the program gets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot

from cloudide_tui.messages import OpenLink
from cloudide_tui.widgets.terminal import Terminal
from cloudide_tui.widgets.terminal_pump import SYNC_TIMEOUT
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, screen_lines, wait_until


async def parsed(pilot: Pilot[Any], terminal: Terminal, session: MemorySession) -> None:
    await wait_until(
        pilot, lambda: session.unread == 0 and terminal.backlog == 0, "output parsed", terminal
    )
    await pilot.pause()


async def test_a_program_asking_for_the_background_gets_the_themes() -> None:
    session = MemorySession([b"\x1b]11;?\x07\x1b]10;?\x1b\\"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: b"\x1b]10;" in session.written, "both replies", terminal)
        red, green, blue = terminal.rich_style.bgcolor.get_truecolor()  # type: ignore[union-attr]
        background = f"rgb:{red * 257:04x}/{green * 257:04x}/{blue * 257:04x}"
        assert f"\x1b]11;{background}\x07".encode() in session.written
        app.theme = "textual-light" if app.current_theme.dark else "textual-dark"
        await pilot.pause()
        session.push(b"\x1b]11;?\x07")
        await wait_until(
            pilot, lambda: session.written.count(b"\x1b]11;") == 2, "a second reply", terminal
        )
        assert session.written.rsplit(b"\x1b]11;", 1)[1] != f"{background}\x07".encode()


async def test_a_synchronized_update_is_shown_only_once_complete() -> None:
    session = MemorySession([b"old frame"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: screen_lines(terminal)[0] == "old frame", "old", terminal)
        session.push(b"\x1b[?2026h\x1b[H\x1b[2Jhalf of the new")
        await parsed(pilot, terminal, session)
        assert screen_lines(terminal)[0] == "old frame"  # not torn: the old frame stays
        session.push(b" frame\x1b[?2026l")
        await wait_until(
            pilot, lambda: screen_lines(terminal)[0] == "half of the new frame", "new", terminal
        )


async def test_a_synchronized_update_that_never_ends_is_shown_after_a_moment() -> None:
    session = MemorySession([b"old frame"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: screen_lines(terminal)[0] == "old frame", "old", terminal)
        session.push(b"\x1b[?2026h\x1b[H\x1b[2Jthe program died here")
        await parsed(pilot, terminal, session)
        await asyncio.sleep(SYNC_TIMEOUT)
        await wait_until(
            pilot,
            lambda: screen_lines(terminal)[0] == "the program died here",
            "the held frame after the timeout",
            terminal,
        )


async def test_ctrl_clicking_a_hyperlink_asks_the_app_to_open_it() -> None:
    link = b"\x1b]8;;https://example.com/docs\x1b\\the docs\x1b]8;;\x1b\\ and plain text"
    session = MemorySession([link])
    app = TerminalApp(session)

    def opened() -> list[str]:
        return [m.url for m in app.messages if isinstance(m, OpenLink)]

    async with app.run_test(size=(40, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: "the docs" in screen_lines(terminal)[0], "link", terminal)
        await pilot.click(Terminal, offset=(2, 0))  # a plain click on "the docs": nothing
        await pilot.click(Terminal, offset=(14, 0), control=True)  # "plain": nothing
        await pilot.click(Terminal, offset=(2, 0), control=True)  # "the docs"
        await wait_until(pilot, opened, "an OpenLink message", terminal)
        assert opened() == ["https://example.com/docs"]
        assert app.clipboard == ""  # a click is not a selection


@pytest.mark.parametrize("allowed", [False, True])
async def test_a_program_sets_the_clipboard_only_when_the_setting_allows(allowed: bool) -> None:
    copy = b"\x1b]52;c;Y29waWVkIGJ5IHRoZSBwcm9ncmFt\x07ok"  # "copied by the program"
    session = MemorySession([copy])
    app = TerminalApp(session, allow_clipboard=allowed)
    async with app.run_test(size=(40, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: screen_lines(terminal)[0] == "ok", "ok", terminal)
        if allowed:  # the widget takes the request after the text is parsed: wait for it
            await wait_until(pilot, lambda: app.clipboard != "", "the copy", terminal)
        else:
            await pilot.pause()
        assert app.clipboard == ("copied by the program" if allowed else "")


async def test_selecting_a_long_wrapped_line_copies_it_as_one_line() -> None:
    text = b"echo " + b"x" * 30 + b" end\r\nnext line"
    session = MemorySession([text])
    app = TerminalApp(session)
    async with app.run_test(size=(20, 8)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: "next line" in screen_lines(terminal), "text", terminal)
        width = terminal.scrollable_content_region.width
        assert width < 40  # the command wrapped
        await pilot.mouse_down(Terminal, offset=(0, 0))
        await pilot.hover(Terminal, offset=(3, 3))
        await pilot.mouse_up(Terminal, offset=(3, 3))
        await wait_until(pilot, lambda: app.clipboard != "", "the selection copied", terminal)
        assert app.clipboard == "echo " + "x" * 30 + " end\nnext"
