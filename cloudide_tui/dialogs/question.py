"""A question with more than two answers, as buttons ("Save", "Close without saving", Cancel)."""

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
class Answer:
    """One answer: what it returns, its button's label, and how the button looks."""

    answer: str
    label: str
    variant: Literal["default", "primary", "error"] = "default"


class QuestionDialog(ModalScreen[str | None]):
    """Ask one question with several answers; dismisses with the chosen ``answer``, or
    None for Cancel (a button of its own, last) and Escape.

    The first answer has the focus: make it the safe one (Enter must never lose work).

    Args:
        title: The question, short.
        message: What each answer does, in full.
        answers: The answers, left to right before Cancel.
        danger: Draw the dialog's border as a warning (some answer loses something).
    """

    DEFAULT_CSS = """
    QuestionDialog { align: center middle; }
    QuestionDialog > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    QuestionDialog.-danger > Vertical { border: thick $warning; }
    QuestionDialog #title { text-style: bold; margin-bottom: 1; }
    QuestionDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    QuestionDialog Button { margin-left: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, message: str, answers: Sequence[Answer], *, danger: bool = False
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self._title = title
        self._message = message
        self._answers = list(answers)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="title", markup=False)
            yield Static(self._message, id="message", markup=False)
            with Horizontal(id="buttons"):
                for index, answer in enumerate(self._answers):
                    yield Button(answer.label, id=f"answer-{index}", variant=answer.variant)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#answer-0" if self._answers else "#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("answer-"):
            self.dismiss(self._answers[int(button_id.removeprefix("answer-"))].answer)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
