"""Long work (the first-run image build, container start) with its lines streaming in."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, LoadingIndicator, Log


class ProgressDialog(ModalScreen[bool]):
    """Shows progress lines with a busy indicator; dismissed with False when cancelled.

    The owner feeds it with ``add_line`` and closes it with ``finish`` (dismiss True).
    Cancelling dismisses False: the owner then cancels the worker doing the work.

    Args:
        title: What is going on ("Building the runner image").
        cancellable: Offer a Cancel button (and Escape).
    """

    DEFAULT_CSS = """
    ProgressDialog { align: center middle; }
    ProgressDialog > Vertical {
        width: 100; max-width: 95%; height: 20; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ProgressDialog #head { height: 1; }
    ProgressDialog #title { text-style: bold; width: 1fr; }
    ProgressDialog LoadingIndicator { width: 10; height: 1; }
    ProgressDialog Log { height: 1fr; border: none; }
    ProgressDialog #buttons { height: auto; align-horizontal: right; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, cancellable: bool = True) -> None:
        super().__init__()
        self._title = title
        self._cancellable = cancellable
        self._pending: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            with Horizontal(id="head"):
                yield Label(self._title, id="title")
                yield LoadingIndicator()
            yield Log(id="lines", max_lines=2000)
            if self._cancellable:
                with Horizontal(id="buttons"):
                    yield Button("Cancel", id="cancel", variant="error")

    def on_mount(self) -> None:
        log = self.query_one(Log)
        log.write_lines(self._pending)
        self._pending.clear()

    def add_line(self, line: str) -> None:
        """Append one progress line (call on the UI thread)."""
        if not self.is_mounted:
            self._pending.append(line)
            return
        self.query_one(Log).write_line(line.rstrip("\n"))

    def finish(self) -> None:
        """The work is done: close the dialog (and what was opened over it: a help
        screen must not keep it, nor be closed in its place)."""
        if not self.is_attached or self not in self.app.screen_stack:
            return
        if self.app.screen is not self:
            self.pop_until_active()
        self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        if self._cancellable:
            self.dismiss(False)
