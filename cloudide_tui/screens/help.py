"""The help screen (F1 or ?): every key, generated from ``keymap`` (the bindings' own data)."""

from __future__ import annotations

from itertools import groupby

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cloudide_tui import defaults
from cloudide_tui.keymap import WHERE_TITLES, help_rows, spell_key


def help_tables(prefix_key: str = defaults.PREFIX_KEY) -> list[Table]:
    """One table per place the keys work, in the order of ``help_rows``."""
    tables = []
    for where, rows in groupby(help_rows(prefix_key), key=lambda r: r.where):
        table = Table(
            title=Text(WHERE_TITLES[where], style="bold underline"),
            title_justify="left",
            box=None,
            show_header=False,
            padding=(0, 2, 0, 0),
            expand=True,
        )
        table.add_column("keys", style="bold", no_wrap=True, width=24)
        table.add_column("what", ratio=1)
        for row in rows:
            table.add_row(row.keys, row.description)
        tables.append(table)
    return tables


class HelpScreen(ModalScreen[None]):
    """Lists every key; Escape, F1, ? or q closes it.

    Args:
        prefix_key: The configured prefix key (spelled in its rows).
    """

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #intro { margin-bottom: 1; color: $text-muted; }
    HelpScreen .keys { margin-bottom: 1; }
    """

    BINDINGS = [
        Binding("escape,f1,question_mark,q", "close", "Close"),
    ]

    def __init__(self, prefix_key: str = defaults.PREFIX_KEY) -> None:
        super().__init__()
        self.prefix_key = prefix_key

    def compose(self) -> ComposeResult:
        prefix = spell_key(self.prefix_key)
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "Esc closes"
            yield Static(
                "A focused terminal gets every key except the few below, so bash, vim "
                "and emacs keep Ctrl+C, Ctrl+D, Ctrl+Z, Ctrl+R, Ctrl+W, Ctrl+A/E, Ctrl+P, "
                f"Ctrl+Q, Escape, Tab and F1-F11. From a terminal, {prefix} then a key "
                "reaches the app (a panel lists the keys); F12 goes to the browser; the "
                "mouse works everywhere.",
                id="intro",
            )
            for table in help_tables(self.prefix_key):
                yield Static(table, classes="keys")

    def action_close(self) -> None:
        self.dismiss(None)
