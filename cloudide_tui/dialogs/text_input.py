"""Ask for a name (project, file, folder), showing the validator's message inline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from cloudide_tui.errors import CloudIDEError
from cloudide_tui.widgets.ordered_keys import OrderedInput

Validator = Callable[[str], object]
"""Raises ``CloudIDEError`` (e.g. ``InvalidName``) with the message to show; else accepts."""

TakenCheck = Callable[[str], Awaitable[str | None]]
"""Says (asynchronously: it asks the backend) why a valid value is taken ("src/a.py exists
already"), or None when it is free."""


class TextInputDialog(ModalScreen[str | None]):
    """A one-line prompt; dismisses with the text, or None when cancelled.

    The validator runs on every change: its error message is shown under the field and
    the OK button stays disabled, so a bad name never reaches the backend. A value it
    accepts is then checked with ``taken`` (a name that exists already), still while the
    user types, and once more on OK (the disk may have changed meanwhile).

    Args:
        title: What is asked ("New project").
        label: A line of help above the field.
        value: The initial text (the old name when renaming).
        validate: Raises ``CloudIDEError`` for a value that must be refused.
        taken: Why a valid value cannot be used (it exists already), or None.
        confirm: The OK button's label.
        password: Hide what is typed (a token).
    """

    DEFAULT_CSS = """
    TextInputDialog { align: center middle; }
    TextInputDialog > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    TextInputDialog #title { text-style: bold; }
    TextInputDialog #error { color: $text-error; height: auto; min-height: 1; }
    TextInputDialog #buttons { height: auto; align-horizontal: right; }
    TextInputDialog Button { margin-left: 2; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        label: str = "",
        *,
        value: str = "",
        validate: Validator | None = None,
        taken: TakenCheck | None = None,
        confirm: str = "OK",
        password: bool = False,
    ) -> None:
        super().__init__()
        self._password = password
        self._title = title
        self._label = label
        self._value = value
        self._validate = validate
        self._taken = taken
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="title")
            if self._label:
                yield Static(self._label, id="label", markup=False)
            yield OrderedInput(
                self._value, id="value", select_on_focus=True, password=self._password
            )
            yield Static("", id="error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self._check(self._value):
            self._check_taken(self._value)

    def _check(self, value: str) -> bool:
        """Run the validator; show its message and enable OK accordingly."""
        message = ""
        if not value.strip():
            message = " "  # empty: nothing to say yet, but nothing to accept either
        elif self._validate is not None:
            try:
                self._validate(value)
            except CloudIDEError as error:
                message = error.message + (f" ({error.hint})" if error.hint else "")
        self._show(message)
        return not message

    def _show(self, message: str) -> None:
        self.query_one("#error", Static).update(message.strip())
        self.query_one("#ok", Button).disabled = bool(message)

    @work(group="taken", exclusive=True, exit_on_error=False)
    async def _check_taken(self, value: str) -> None:
        """Say under the field if the valid ``value`` is taken (as the user types)."""
        if self._taken is None or value == self._value:
            return  # the initial value (a rename's old name) is the entry itself
        why = await self._taken(value)
        if why and self.query_one(Input).value == value:
            self._show(why)

    async def _accept(self, value: str) -> None:
        """OK or Enter: dismiss with ``value`` if it is valid and not taken (asked again)."""
        if not self._check(value):
            return
        if self._taken is not None and value != self._value:
            why = await self._taken(value)
            if why:
                self._show(why)
                return
        self.dismiss(value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._check(event.value):
            self._check_taken(event.value)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self._accept(event.value)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            await self._accept(self.query_one(Input).value)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
