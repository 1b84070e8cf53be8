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

from cloudide_tui.keymap import WHERE_TITLES, help_rows


def help_tables() -> list[Table]:
    """One table per place the keys work, in the order of ``help_rows``."""
    tables = []
    for where, rows in groupby(help_rows(), key=lambda r: r.where):
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
    """Lists every key; Escape, F1, ? or q closes it."""

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

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "Esc closes"
            yield Static(
                "A focused terminal gets every key except the few below, so bash, vim "
                "and emacs keep Ctrl+C, Ctrl+D, Ctrl+Z, Ctrl+R, Ctrl+W, Ctrl+A/E, Ctrl+P, "
                "Ctrl+Q, Escape, Tab and F1-F11. Press F12 to leave the terminal; the mouse "
                "works everywhere.",
                id="intro",
            )
            for table in help_tables():
                yield Static(table, classes="keys")

    def action_close(self) -> None:
        self.dismiss(None)
