"""Searching a terminal's history: a one-line bar under the terminal, matches highlighted.

Type and every match in the history and on the screen is highlighted (smart case, as in
vim and less), the view goes to the most recent one; Enter or Up goes to the one before
(older), Down to the next; Escape closes the bar, removes the highlights and gives the
keys back to the terminal (the view stays where it is: the badge says how far back it
is, any key typed into the terminal brings it to the live screen).

The bar reads the terminal through its public API (``text_rows``, ``mark``,
``scroll_to_line``); it never touches the emulator or the session.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Input, Label

from cloudide_tui.widgets.ordered_keys import OrderedInput
from cloudide_tui.widgets.terminal import Terminal
from cloudide_tui.widgets.terminal_find import Found, search

SEARCH_DELAY = 0.12
"""Seconds of no typing before the history is searched again (a word, not each key)."""


class SearchBar(Horizontal):
    """The search field and "3 of 17" for one terminal.

    Args:
        terminal: The terminal to search.
    """

    DEFAULT_CSS = """
    SearchBar {
        height: 1;
        dock: bottom;
        background: $panel;
        display: none;
    }
    SearchBar.-open { display: block; }
    SearchBar > Label { padding: 0 1; color: $text-muted; width: auto; }
    SearchBar > #search-count { color: $text; }
    SearchBar > Input {
        border: none;
        height: 1;
        padding: 0;
        width: 1fr;
        background: $panel;
    }
    SearchBar > Input:focus { border: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("up", "older", "Older", show=False),
        Binding("down", "newer", "Newer", show=False),
    ]

    def __init__(self, terminal: Terminal) -> None:
        super().__init__()
        self.terminal = terminal
        self.matches: list[Found] = []
        """Every match of the last search, oldest first."""
        self.current: int | None = None
        """Index in ``matches`` of the one shown."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label("Find:")
        yield OrderedInput(
            placeholder="in the history · Enter/↑ older · ↓ newer · Esc", id="search-input"
        )
        yield Label("", id="search-count")

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        """Show the bar and take the keys (the last query stays, selected, to reuse)."""
        self.add_class("-open")
        self.input.focus()
        self.input.select_all()
        if self.input.value:
            self.run_search()

    def action_close(self) -> None:
        """Remove the highlights, hide the bar, give the keys back to the terminal."""
        self.remove_class("-open")
        self.matches, self.current = [], None
        self.terminal.mark(())
        self.terminal.focus()

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.run_search)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_older()  # Enter: the one before

    def run_search(self) -> None:
        """Search the whole history for the query; show the most recent match at or
        above the bottom of the view."""
        self._timer = None
        self.matches = search(self.terminal.text_rows(), self.input.value)
        if not self.matches:
            self.current = None
        else:
            bottom = max(line for line, _row in self.terminal.text_rows(visible_only=True))
            older = [i for i, m in enumerate(self.matches) if m.line <= bottom]
            self.current = older[-1] if older else len(self.matches) - 1
        self._show()

    def action_older(self) -> None:
        self._step(-1)

    def action_newer(self) -> None:
        self._step(+1)

    def _step(self, step: int) -> None:
        if self._timer is not None:  # typed, not searched yet
            self.run_search()
            return
        if not self.matches or self.current is None:
            return
        self.current = (self.current + step) % len(self.matches)
        self._show()

    def _show(self) -> None:
        count = self.query_one("#search-count", Label)
        if self.current is None:
            count.update("no match" if self.input.value else "")
            self.terminal.mark(())
            return
        found = self.matches[self.current]
        count.update(f"{self.current + 1} of {len(self.matches)}")
        self.terminal.mark(((m.line, m.start, m.end) for m in self.matches), self.current)
        self.terminal.scroll_to_line(found.line)
