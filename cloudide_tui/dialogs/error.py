"""The error dialog: a title, what went wrong, and what to do about it. Never a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

RETRY = "retry"
"""What the dialog answers when the user chose Retry (None: closed)."""


class ErrorDialog(ModalScreen[str | None]):
    """Show one error until the user closes it (Enter, Escape or the button), or asks to
    try again (``retry``: a Retry button; the dialog answers ``RETRY``).

    Args:
        title: The kind of failure ("Docker engine unreachable").
        message: What went wrong, in plain words.
        hint: What the user can do about it, if anything.
        retry: Offer a Retry button (the owner tries again when it is chosen).
    """

    DEFAULT_CSS = """
    ErrorDialog { align: center middle; }
    ErrorDialog > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ErrorDialog #title { text-style: bold; color: $text-error; margin-bottom: 1; }
    ErrorDialog #hint { margin-top: 1; color: $text-muted; }
    ErrorDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ErrorDialog Button { margin-left: 2; }
    """

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(
        self, title: str, message: str, hint: str | None = None, *, retry: bool = False
    ) -> None:
        super().__init__()
        self.error_title = title
        self.message = message
        self.hint = hint
        self.retry = retry

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.error_title, id="title", markup=False)
            yield Static(self.message, id="message", markup=False)
            if self.hint:
                yield Static(self.hint, id="hint", markup=False)
            with Horizontal(id="buttons"):
                if self.retry:
                    yield Button("Retry", id="retry")
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(RETRY if event.button.id == "retry" else None)

    def action_close(self) -> None:
        self.dismiss(None)
