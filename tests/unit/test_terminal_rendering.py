"""Bytes in, rendered lines out: what the widget draws for what a program prints.

A MemorySession replays the bytes, so each picture is exact (real programs are in
test_terminal_widget.py and test_terminal_programs.py).
"""

from __future__ import annotations

from typing import Any

from rich.color import Color as RichColor
from textual.geometry import Offset, Region
from textual.pilot import Pilot
from textual.strip import Strip

from cloudide_tui.widgets.terminal import Terminal
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, hex_echo, received, screen_lines, wait_until


async def shown(pilot: Pilot[Any], terminal: Terminal, session: MemorySession) -> None:
    await wait_until(
        pilot, lambda: session.unread == 0 and terminal.backlog == 0, "output parsed", terminal
    )
    await pilot.pause()


def cell_style(strip: Strip, x: int) -> Any:
    """The Rich style of cell ``x`` of a rendered line."""
    position = 0
    for segment in strip:
        if position <= x < position + segment.cell_length:
            return segment.style
        position += segment.cell_length
    raise IndexError(x)


async def test_coloured_text_is_drawn_in_its_colours() -> None:
    session = MemorySession([b"plain \x1b[31mred\x1b[0m \x1b[1;38;2;10;20;30mrgb\x1b[0m"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 5)) as pilot:
        terminal = app.query_one(Terminal)
        terminal.min_contrast = 1.0  # as chosen (test_terminal_contrast.py: readable)
        await shown(pilot, terminal, session)
        line = terminal.render_line(0)
        assert line.text.rstrip() == "plain red rgb"
        assert cell_style(line, 6).color == RichColor.from_ansi(1)
        rgb = cell_style(line, 10)
        assert rgb.color.triplet == (10, 20, 30) and rgb.bold
        # default cells use the theme's colours
        plain = cell_style(line, 0)
        background = app.get_css_variables()["background"]
        assert plain.bgcolor.triplet == RichColor.parse(background).triplet


async def test_default_colours_follow_a_light_theme() -> None:
    session = MemorySession([b"text"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 5)) as pilot:
        terminal = app.query_one(Terminal)
        await shown(pilot, terminal, session)
        dark = cell_style(terminal.render_line(0), 0).bgcolor
        app.theme = "textual-light"
        await pilot.pause()
        light = cell_style(terminal.render_line(0), 0).bgcolor
        assert light != dark
        assert light.triplet == RichColor.parse(app.get_css_variables()["background"]).triplet


async def test_the_cursor_is_drawn_where_the_program_put_it_and_hidden_when_asked() -> None:
    session = MemorySession([b"abc\x1b[1;2H"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 5)) as pilot:
        terminal = app.query_one(Terminal)
        await shown(pilot, terminal, session)
        line = terminal.render_line(0)
        normal, cursor = cell_style(line, 0), cell_style(line, 1)
        assert (cursor.color, cursor.bgcolor) == (normal.bgcolor, normal.color)  # reversed
        region = terminal.scrollable_content_region
        assert app.cursor_position == Offset(region.x + 1, region.y)  # IME goes there
        session.push(b"\x1b[?25l")
        await shown(pilot, terminal, session)
        line = terminal.render_line(0)
        assert cell_style(line, 1) == cell_style(line, 0)


async def test_a_full_screen_redraw_shows_what_changed_and_where_the_cursor_went() -> None:
    # top and vim rewrite every row of every frame; the widget redraws only the rows
    # that differ, so what is on screen (the widget's cached lines) must still be right
    session = MemorySession([b"aaa\r\nbbb\r\nccc"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 5)) as pilot:
        terminal = app.query_one(Terminal)
        await shown(pilot, terminal, session)
        crop = Region(0, 0, terminal.size.width, terminal.size.height)
        terminal.render_lines(crop)  # cache every line as drawn now
        session.push(b"\x1b[Haaa\r\nbXb\r\nccc\x1b[1;2H")
        await shown(pilot, terminal, session)
        lines = terminal.render_lines(crop)
        assert [line.text[:3] for line in lines[:3]] == ["aaa", "bXb", "ccc"]
        normal = cell_style(lines[2], 0)
        cursor = cell_style(lines[0], 1)
        assert (cursor.color, cursor.bgcolor) == (normal.bgcolor, normal.color)  # moved here
        assert cell_style(lines[2], 3) == normal  # and left the end of the last row


async def test_wide_characters_take_two_cells() -> None:
    session = MemorySession(["中文ab\r\n😀x".encode()])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 5)) as pilot:
        terminal = app.query_one(Terminal)
        await shown(pilot, terminal, session)
        assert screen_lines(terminal)[:2] == ["中文ab", "😀x"]
        assert terminal.render_line(0).cell_length == terminal.scrollable_content_region.width
        assert terminal.cursor.x == 3  # after the emoji (2 cells) and x


async def test_output_split_anywhere_renders_the_same() -> None:
    data = "caf\u00e9 \x1b[32mgreen\x1b[0m 日本\r\nnext".encode()
    whole, split = MemorySession([data]), MemorySession([bytes([b]) for b in data])
    lines = []
    for session in (whole, split):
        app = TerminalApp(session)
        async with app.run_test(size=(40, 5)) as pilot:
            terminal = app.query_one(Terminal)
            await shown(pilot, terminal, session)
            lines.append([terminal.render_line(y) for y in range(2)])
    assert lines[0] == lines[1]
    assert lines[0][0].text.rstrip() == "café green 日本"


async def test_the_widget_sends_its_size_and_the_last_size_of_a_drag() -> None:
    session = MemorySession()
    app = TerminalApp(session)
    async with app.run_test(size=(60, 20)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: session.sizes != [], "a size", terminal)
        width = terminal.scrollable_content_region.width
        assert session.sizes[0] == (20, width)
        for size in ((70, 22), (80, 24), (90, 26)):
            await pilot.resize_terminal(*size)
        width = terminal.scrollable_content_region.width
        await wait_until(
            pilot, lambda: session.sizes[-1] == (26, width), "the final size", terminal
        )


async def test_focus_changes_are_reported_when_the_program_asks() -> None:
    app = TerminalApp(hex_echo(r"\x1b[?1004h"))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(
            pilot, lambda: "READY" in "".join(screen_lines(terminal)), "ready", terminal
        )
        await pilot.pause(0.2)
        before = received(terminal)  # the app may give the terminal focus after start-up
        assert before in (b"", b"\x1b[I")
        terminal.blur()
        await pilot.pause()
        terminal.focus()
        await wait_until(
            pilot,
            lambda: received(terminal) == before + b"\x1b[O\x1b[I",
            "focus out, then in",
            terminal,
        )


async def test_replies_to_queries_go_back_to_the_program() -> None:
    session = MemorySession([b"\x1b[5;10H\x1b[6n"])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 10)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: b"\x1b[5;10R" in session.written, "a CPR reply", terminal)
