"""The prefix panel: after the prefix key (Ctrl+\\ by default), one more key is the app's.

tmux's way to reach the app from a terminal without taking any key from the shell: the
prefix, then a key from ``keymap.PREFIX_KEYS``. While the panel is up it lists them (so
nobody has to remember), at the bottom right, over what was there; the terminal keeps its
focus underneath (a modal screen takes the keys without blurring it, so a program that
asked for focus events sees none). The panel dismisses with the action to run, which the
app runs on the main screen once the panel is gone.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

from cloudide_tui.keymap import PREFIX_AGAIN, PREFIX_KEYS, prefix_action, spell_key

SEND_PREFIX = "send_prefix"
"""The panel's answer when the prefix key is pressed again: hand it to the shell."""


def prefix_rows(prefix_key: str) -> list[tuple[str, str]]:
    """The keys after the prefix and what they do, as the panel lists them."""
    rows = [
        (
            "1-9" if entry.action == "go_tab" else " ".join(spell_key(k) for k in entry.keys),
            entry.description,
        )
        for entry in PREFIX_KEYS
    ]
    rows.append((spell_key(prefix_key), PREFIX_AGAIN.replace(" itself", "")))
    rows.append(("Esc", "cancel"))
    return rows


def prefix_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 0))
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("what", no_wrap=True)
    for keys, description in rows:
        table.add_row(keys, description)
    return table


class PrefixScreen(ModalScreen[str | None]):
    """Waits for the one key after the prefix; dismisses with its action (or None).

    Args:
        prefix_key: The configured prefix key (Textual's name), to spell it and to know
            it when it is pressed again.
    """

    DEFAULT_CSS = """
    PrefixScreen {
        align: right bottom;
        background: transparent;
    }
    PrefixScreen > #prefix-panel {
        width: auto;
        height: auto;
        max-height: 100%;
        margin: 0 1 1 0;
        padding: 0 1;
        background: $panel;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
    }
    """

    def __init__(self, prefix_key: str) -> None:
        super().__init__()
        self.prefix_key = prefix_key
        self.rows = prefix_rows(prefix_key)
        """What the panel lists: (keys, what they do)."""

    def compose(self) -> ComposeResult:
        panel = Static(prefix_table(self.rows), id="prefix-panel")
        panel.border_title = f"{spell_key(self.prefix_key)} then…"
        panel.border_subtitle = "Esc cancels"
        yield panel

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if event.key == "escape":
            self.dismiss(None)
            return
        action = prefix_action(event.key, event.character)
        if action is None:
            shown = event.character if event.is_printable else spell_key(event.key)
            self.notify(
                Text.assemble(
                    (spell_key(self.prefix_key), "bold"),
                    " then ",
                    (str(shown), "bold"),
                    " does nothing; the panel lists the keys that do.",
                ).markup,
                title="Not an app key",
                severity="warning",
                timeout=4,
            )
        self.dismiss(action)

    def press_prefix_again(self) -> None:
        """The prefix key came again (the app's binding sees it first)."""
        self.dismiss(SEND_PREFIX)

    def on_click(self, event: events.Click) -> None:
        self.dismiss(None)
