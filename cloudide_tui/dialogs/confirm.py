"""A yes/no question (delete a project, overwrite a changed file, quit with unsaved work)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """Ask one question; dismisses with True (confirm) or False (cancel / Escape).

    Args:
        title: The question, short.
        message: What will happen, in full (e.g. "its workspace files are deleted too").
        confirm: The label of the confirming button ("Delete", "Overwrite", "Quit").
        danger: Style the confirming button as destructive.
    """

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ConfirmDialog.-danger > Vertical { border: thick $error; }
    ConfirmDialog #title { text-style: bold; margin-bottom: 1; }
    ConfirmDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmDialog Button { margin-left: 2; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, message: str, *, confirm: str = "OK", danger: bool = False
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self._title = title
        self._message = message
        self._confirm = confirm
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="title")
            yield Static(self._message, id="message", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    self._confirm, id="confirm", variant="error" if self._danger else "primary"
                )

    def on_mount(self) -> None:
        # Destructive choices start on Cancel: Enter alone must not delete anything.
        # (Looked for, not required: a dialog closed before its widgets were mounted, the
        # app quitting as it opened, never gets them, and must not stop the app.)
        for button in self.query("#cancel" if self._danger else "#confirm").results(Button):
            button.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)
