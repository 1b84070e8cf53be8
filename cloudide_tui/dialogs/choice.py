"""A question with more than two answers ("Save", "Close without saving", "Cancel")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


@dataclass(frozen=True)
class Choice:
    """One answer: what it returns, its button's label, and how the button looks."""

    answer: str
    label: str
    variant: Literal["default", "primary", "error"] = "default"


class ChoiceDialog(ModalScreen[str | None]):
    """Ask one question with several answers; dismisses with the chosen ``answer``, or
    None for Cancel (a button of its own, last) and Escape.

    The first choice has the focus: make it the safe one (Enter must never lose work).

    Args:
        title: The question, short.
        message: What each answer does, in full.
        choices: The answers, left to right before Cancel.
        danger: Draw the dialog's border as a warning (some answer loses something).
    """

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ChoiceDialog.-danger > Vertical { border: thick $warning; }
    ChoiceDialog #title { text-style: bold; margin-bottom: 1; }
    ChoiceDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ChoiceDialog Button { margin-left: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, message: str, choices: Sequence[Choice], *, danger: bool = False
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self._title = title
        self._message = message
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="title", markup=False)
            yield Static(self._message, id="message", markup=False)
            with Horizontal(id="buttons"):
                for index, choice in enumerate(self._choices):
                    yield Button(choice.label, id=f"choice-{index}", variant=choice.variant)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#choice-0" if self._choices else "#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("choice-"):
            self.dismiss(self._choices[int(button_id.removeprefix("choice-"))].answer)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
