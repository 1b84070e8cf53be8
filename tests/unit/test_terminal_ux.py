"""What a person sees around the terminal's text: the end line, copying, searching the
history, the scrolled-back marker, links (in-memory sessions, headless widgets)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Label

from cloudide_tui.messages import OpenLink
from cloudide_tui.widgets.terminal import Terminal
from cloudide_tui.widgets.terminal_pane import TerminalPane
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, screen_lines, wait_until


async def shown(pilot: Pilot[Any], terminal: Terminal, session: MemorySession) -> None:
    await wait_until(
        pilot, lambda: session.unread == 0 and terminal.backlog == 0, "output parsed", terminal
    )
    await pilot.pause()


async def end_line(session: MemorySession) -> str:
    """The line the terminal shows once ``session`` has ended."""
    app = TerminalApp(session)
    async with app.run_test(size=(80, 6)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_until(
            pilot,
            lambda: (
                terminal.ended and any("Press Enter" in line for line in screen_lines(terminal))
            ),
            "the end shown",
            terminal,
        )
        return next(line for line in screen_lines(terminal) if "Press Enter" in line)


async def test_the_end_line_says_the_status_once() -> None:
    # The Docker backend's reason already names the status ("shell exited (status 0)").
    session = MemorySession([b"bye\r\n"], end=True, status=0, reason="shell exited (status 0)")
    assert await end_line(session) == "[shell exited (status 0)] Press Enter to restart"


async def test_the_end_line_adds_the_status_the_reason_does_not_name() -> None:
    session = MemorySession([], end=True, status=137, reason="the container was stopped")
    assert (
        await end_line(session) == "[the container was stopped (status 137)] Press Enter to restart"
    )


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


class PaneApp(App[None]):
    """A terminal tab's content (terminal + search bar), as the main screen makes it;
    records the links the terminal asks to open."""

    def __init__(self, session: MemorySession) -> None:
        super().__init__()
        self.terminal = Terminal(session)
        self.opened: list[str] = []
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield TerminalPane(self.terminal)

    def on_open_link(self, message: OpenLink) -> None:
        self.opened.append(message.url)

    def on_terminal_copied(self, message: Terminal.Copied) -> None:
        self.copied.append(message.text)


def numbered_lines(count: int) -> bytes:
    return b"".join(b"line %d of the build\r\n" % i for i in range(1, count + 1))


def cell_background(strip: Strip, x: int) -> Any:
    position = 0
    for segment in strip:
        if position <= x < position + segment.cell_length:
            return segment.style.bgcolor if segment.style else None
        position += segment.cell_length
    raise IndexError(x)


async def printed_after_layout(
    pilot: Pilot[Any], terminal: Terminal, session: MemorySession, data: bytes
) -> None:
    """Output that comes once the terminal has its size, as a shell's does."""
    await wait_until(pilot, lambda: terminal.screen_size[0] == terminal.size.height, "sized")
    session.push(data)
    await shown(pilot, terminal, session)


async def test_searching_the_history_highlights_matches_and_steps_through_them() -> None:
    session = MemorySession()
    app = PaneApp(session)
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.terminal
        await printed_after_layout(pilot, terminal, session, numbered_lines(300) + b"$ ")
        pane = app.query_one(TerminalPane)
        pane.search()
        bar = pane.search_bar
        await wait_until(
            pilot, lambda: bar.is_open and app.focused is bar.input, "the search bar's focus"
        )
        await pilot.press(*"line 1")  # lines 1, 10-19, 100-199: all in the history
        await wait_until(pilot, lambda: len(bar.matches) == 111, "the matches", terminal)
        count = bar.query_one("#search-count", Label)
        assert str(count.render()) == "111 of 111"
        # The newest match is in view, drawn as the current one.
        newest = bar.matches[-1]
        assert newest.text == "line 1" and terminal.scrolled_back > 0
        row = newest.line - terminal.text_rows(visible_only=True)[0][0]
        current = terminal.get_component_rich_style("terminal--match-current").bgcolor
        assert cell_background(terminal.render_line(row), newest.start) == current
        # Up (or Enter) goes to the one before; Down back.
        await pilot.press("up")
        assert bar.current == 109 and str(count.render()) == "110 of 111"
        await pilot.press("enter")
        assert bar.current == 108
        await pilot.press("down")
        assert bar.current == 109
        # Nothing typed into the bar reached the shell.
        assert bytes(session.written) == b""
        # Escape: highlights gone, the terminal has the keys, the view stays back.
        await pilot.press("escape")
        assert not bar.is_open and app.focused is terminal
        other = terminal.get_component_rich_style("terminal--match").bgcolor
        shown_rows = [terminal.render_line(y) for y in range(1, 10)]  # 0: the badge
        found = [
            (y, x, cell_background(strip, x))
            for y, strip in enumerate(shown_rows)
            for x in range(strip.cell_length)
            if cell_background(strip, x) in (current, other)
        ]
        assert not found, (found[:3], current, other)
        assert terminal.scrolled_back > 0


async def test_a_search_without_matches_says_so() -> None:
    session = MemorySession([numbered_lines(20)])
    app = PaneApp(session)
    async with app.run_test(size=(60, 12)) as pilot:
        await shown(pilot, app.terminal, session)
        pane = app.query_one(TerminalPane)
        pane.search()
        await pilot.press(*"nowhere")
        bar = pane.search_bar
        count = bar.query_one("#search-count", Label)
        await wait_until(pilot, lambda: str(count.render()) == "no match", "no match")


async def test_a_scrolled_back_view_says_how_far_and_typing_returns() -> None:
    session = MemorySession()
    app = PaneApp(session)
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.terminal
        await printed_after_layout(pilot, terminal, session, numbered_lines(100) + b"$ ")
        terminal.focus()
        assert terminal.scrolled_back == 0
        assert "lines back" not in terminal.render_line(0).text
        await pilot.press("shift+pageup")
        back = terminal.scrolled_back
        assert back == 11  # a page: the view's height less one
        assert terminal.render_line(0).text.rstrip().endswith(f"↑ {back} lines back · Shift+PgDn")
        await pilot.press("x")
        await wait_until(pilot, lambda: terminal.scrolled_back == 0, "the live screen")
        assert "lines back" not in terminal.render_line(0).text


async def test_copying_a_selection_is_announced() -> None:
    session = MemorySession([b"alpha beta\r\ngamma\r\n"])
    app = PaneApp(session)
    async with app.run_test(size=(40, 6)) as pilot:
        await shown(pilot, app.terminal, session)
        await pilot.mouse_down(Terminal, offset=(6, 0))
        await pilot.hover(Terminal, offset=(9, 0))
        await pilot.mouse_up(Terminal, offset=(9, 0))
        await wait_until(pilot, lambda: app.copied, "Copied")
        assert app.copied == ["beta"] and app.clipboard == "beta"


async def test_ctrl_click_on_a_link_asks_to_open_it() -> None:
    session = MemorySession([b"docs: https://example.org/guide_(v2). done\r\n"])
    app = PaneApp(session)
    async with app.run_test(size=(60, 6)) as pilot:
        await shown(pilot, app.terminal, session)
        # A plain click opens nothing; Ctrl+click on any cell of the link does.
        await pilot.click(Terminal, offset=(12, 0))
        await pilot.pause()
        assert app.opened == []
        await pilot.click(Terminal, offset=(12, 0), control=True)
        await wait_until(pilot, lambda: app.opened, "the link")
        assert app.opened == ["https://example.org/guide_(v2)"]
        await pilot.click(Terminal, offset=(40, 0), control=True)  # after the link: nothing
        await pilot.pause()
        assert app.opened == ["https://example.org/guide_(v2)"]
