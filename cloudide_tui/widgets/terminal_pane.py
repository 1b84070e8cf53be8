"""A terminal tab's content: the terminal, and its search bar docked under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from cloudide_tui.widgets.terminal import Terminal
from cloudide_tui.widgets.terminal_search import SearchBar


class TerminalPane(Vertical):
    """What a terminal tab shows: ``terminal`` filling it, a search bar when asked for.

    Args:
        terminal: The terminal (the tab's registry keeps it as the tab's widget).
    """

    DEFAULT_CSS = """
    TerminalPane { height: 1fr; width: 1fr; }
    """

    def __init__(self, terminal: Terminal) -> None:
        super().__init__()
        self.terminal = terminal
        self.search_bar = SearchBar(terminal)

    def compose(self) -> ComposeResult:
        yield self.terminal
        yield self.search_bar

    def search(self) -> None:
        """Open the search bar (focused) on the terminal's history."""
        self.search_bar.open()
