"""The app on a real backend, driven by Pilot, and helpers that look at the screen the way
a user would (the terminal's text, the tree's entries).

Containers are made under the test run's unique owner and removed when the module ends
(``backend_home`` in tests/conftest.py), pass or fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.errors import NoWidget
from textual.geometry import Offset
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from cloudide_tui.app import CloudIDEApp, make_app
from cloudide_tui.backend.base import Backend
from cloudide_tui.config import Settings
from cloudide_tui.screens.main import MainScreen
from cloudide_tui.screens.tabs import Tab
from cloudide_tui.widgets.terminal import Terminal
from testkit.backends import TEST_IMAGE, Home

ScreenT = TypeVar("ScreenT", bound=Screen[Any])

SIZE = (120, 36)
TIMEOUT = 30.0


def screen_text(terminal: Terminal) -> str:
    """What the terminal shows right now, one line per row, right-stripped."""
    emulator = terminal.emulator
    return "\n".join(
        "".join(span.text for span in emulator.row(y)).rstrip() for y in range(emulator.lines)
    )


def notifications_shown(app: App[Any]) -> list[str]:
    """Every notification on screen now, as its toast reads: the title, a newline, then
    the message (Textual's ``Toast`` widgets, read through their public ``render``)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def notification_titles(app: App[Any]) -> list[str]:
    """The titles of the notifications on screen now (their toasts' first lines)."""
    return [text.split("\n", 1)[0] for text in notifications_shown(app)]


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], what: str, timeout: float = TIMEOUT
) -> None:
    """Let the app run until ``condition()`` is true; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.05)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type like a person: one key per character (space and newline by name)."""
    keys = ["space" if c == " " else "enter" if c == "\n" else c for c in text]
    await pilot.press(*keys)


@dataclass
class Ide:
    """A running app on a real backend, with the steps tests repeat."""

    app: CloudIDEApp
    pilot: Pilot[Any]
    backend: Backend
    home: Home

    @property
    def main(self) -> MainScreen:
        return self.app.main

    def terminal(self, index: int = -1) -> Terminal:
        terminals = self.main.terminals()
        assert terminals, "no terminal tab is open"
        return terminals[index]

    async def wait_for(
        self, condition: Callable[[], object], what: str, timeout: float = TIMEOUT
    ) -> None:
        await wait_for(self.pilot, condition, what, timeout)

    async def wait_screen(
        self, kind: type[ScreenT], what: str, timeout: float = TIMEOUT
    ) -> ScreenT:
        """Until the app shows a screen of ``kind`` with its widgets mounted; returns it.

        A pushed screen is the app's screen at once, its widgets come a moment later:
        looking into it as soon as it is shown finds nothing on a loaded machine."""
        await self.wait_for(
            lambda: isinstance(self.app.screen, kind) and self.app.screen.is_mounted, what, timeout
        )
        screen = self.app.screen
        assert isinstance(screen, kind)
        return screen

    async def search_palette(self, query: str, shows: str) -> list[str]:
        """Open the command palette, type ``query``, and wait until its search has ended
        with ``shows`` in the highlighted option (Enter then runs that one); the options'
        first lines, best first.

        Results come from a worker, in batches: pressing Enter a guessed moment after
        typing picks whatever the list held then (nothing, on a loaded machine)."""
        await self.pilot.press("ctrl+p")
        palette = await self.wait_screen(CommandPalette, "the command palette")
        await type_text(self.pilot, query)
        options = palette.query_one(CommandList)

        def first_lines() -> list[str]:
            prompts = (options.get_option_at_index(i).prompt for i in range(options.option_count))
            return [str(prompt).split("\n")[0] for prompt in prompts]

        def found() -> bool:
            searching = any(w.node is palette and not w.is_finished for w in self.app.workers)
            if searching or palette.query_one(Input).value != query:
                return False
            best = options.highlighted
            return best is not None and shows.lower() in first_lines()[best].lower()

        await self.wait_for(found, f"{shows!r} first in the palette's results for {query!r}")
        return first_lines()

    async def wait_prompt(self, terminal: Terminal | None = None) -> Terminal:
        """Until the shell's prompt (``...$``) is on the terminal's screen (by default the
        last terminal tab, waited for too: a tab opens a moment after its project shows)."""
        if terminal is None:
            await self.wait_for(lambda: self.main.terminals(), "a terminal tab")
        term = terminal or self.terminal()
        await self.wait_for(lambda: "$" in screen_text(term), "the shell's prompt")
        return term

    async def run_in_terminal(
        self, command: str, expect: str, terminal: Terminal | None = None
    ) -> str:
        """Type a command into the focused terminal; wait until ``expect`` is printed on a
        line of its own making (the echoed command line itself does not count)."""
        term = terminal or self.terminal()
        assert self.app.focused is term, f"the terminal is not focused: {self.app.focused}"
        await type_text(self.pilot, command + "\n")

        def printed() -> bool:
            return any(
                expect in line and command not in line for line in screen_text(term).splitlines()
            )

        await self.wait_for(printed, f"{expect!r} printed by {command!r}")
        return screen_text(term)

    async def create_project(self, name: str) -> Terminal:
        """Ctrl+N, type the name, Enter: the project's terminal opens focused."""
        if isinstance(self.app.focused, Terminal):
            await self.pilot.press("f12")
        await self.pilot.press("ctrl+n")
        await type_text(self.pilot, name + "\n")
        await self.wait_for(
            lambda: any(t.project == name for t in self.main.tabs.values()),
            f"a terminal tab for {name}",
        )
        term = await self.wait_prompt()
        await self.wait_for(lambda: self.app.focused is term, "the terminal to have focus")
        return term

    async def put_cursor(self, project: str, path: str | None = None) -> None:
        """Put the browser's cursor on a project's own line (``path`` None) or on a listed
        entry, and wait until it is there: a key for the browser acts on what it is on.

        A node just listed has no line number until the tree's next render, and the
        browser's ``select_project`` moves there only after that refresh: pressing a key a
        guessed moment later acts on whatever the cursor was on (another project)."""
        browser = self.main.browser

        def there() -> bool:
            item = browser.cursor_item
            return item is not None and item.project == project and item.path == path

        def moved() -> bool:
            node = browser.node_for(project, path)
            if not there() and node is not None and node.line >= 0:
                browser.move_cursor(node)
            return there()

        await self.wait_for(moved, f"the browser's cursor on {project}:{path or ''}")

    async def click_on(self, widget: Widget, x: int = 0, y: int = 0, **kwargs: Any) -> None:
        """Click the cell (``x``, ``y``) of ``widget`` (a negative ``x`` counts from its
        right edge: -2 is the last cell before one of padding) once that cell shows it.

        A widget just mounted, or moved by a neighbour's going, is drawn at its new place
        a refresh later: a click computed from its region before that lands on whatever
        was there. ``kwargs``: as ``Pilot.click`` (``button``, ``control``...)."""

        def cell() -> Offset:
            region = widget.region
            return region.offset + Offset(region.width + x if x < 0 else x, y)

        def drawn_there() -> bool:
            if not widget.region:
                return False
            try:
                hit, _ = self.app.screen.get_widget_at(*cell())
            except NoWidget:
                return False
            return hit is widget

        await self.wait_for(drawn_there, f"{widget} drawn where it is to be clicked")
        await self.pilot.click(widget, offset=cell() - widget.region.offset, **kwargs)

    def tab_of(self, widget: Widget) -> Tab:
        """The tab showing ``widget`` (which must be in one)."""
        tab = self.main.tab_of(widget)
        assert tab is not None, f"{widget} is in no tab"
        return tab

    def tab_label(self, widget: Widget) -> str:
        """The label of the tab showing ``widget``, as the user reads it."""
        return str(self.main.tabbed.get_tab(self.tab_of(widget).pane_id).label)

    def tree_paths(self, project: str) -> set[str]:
        """Paths in the browser's tree under a project (inside collapsed folders too)."""
        return self.main.browser.paths_under(project)


def settings_for(home: Home, **kwargs: Any) -> Settings:
    return Settings(data_dir=home.data_dir, owner=home.owner, image=TEST_IMAGE, **kwargs)


@asynccontextmanager
async def running_ide(
    home: Home,
    backend: Backend | None = None,
    size: tuple[int, int] = SIZE,
    wait_ready: bool = True,
    remember: bool = False,
    **settings: Any,
) -> AsyncIterator[Ide]:
    """The app on a real backend, started and ready; no unexpected error may happen.

    ``remember``: restore and save the tabs and theme as the real app does (off by
    default: a module's tests share a data dir, and one test's tabs are not the next's).
    """
    backend = backend or home.backend()
    app = make_app(settings_for(home, **settings), backend, remember=remember)
    try:
        # Notifications on, as a user has them: tests read the toasts on screen.
        async with app.run_test(size=size, notifications=True) as pilot:
            if wait_ready:
                await asyncio.wait_for(app.ready.wait(), TIMEOUT)
            await pilot.pause()
            yield Ide(app, pilot, backend, home)
            assert not app.unexpected_errors, app.unexpected_errors
    finally:
        await backend.close()


async def settled(pilot: Pilot[Any], terminal: Terminal, quiet: float = 0.5) -> str:
    """Wait until the terminal has parsed everything and its screen stayed the same for
    ``quiet`` seconds (a program done drawing); returns that screen."""
    deadline = time.monotonic() + TIMEOUT
    last, since = screen_text(terminal), time.monotonic()
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        now = screen_text(terminal)
        if now != last or terminal.backlog:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError("the terminal never settled")
