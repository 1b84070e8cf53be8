"""A dialog opened just as the app quits (start-up asks about the image while the user
presses Ctrl+Q) must not stop the app on an error: a screen closed before its widgets
were mounted never gets them, and a dialog that looked them up at mount time failed.
Also, each dialog starts with the focus where its docstring says. Headless apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList

from cloudide_tui.dialogs import (
    Answer,
    ChoiceDialog,
    ConfirmDialog,
    ErrorDialog,
    ProgressDialog,
    QuestionDialog,
    TextInputDialog,
)
from testkit.terminal_support import wait_until

DIALOGS: dict[str, Callable[[], Screen[Any]]] = {
    "confirm": lambda: ConfirmDialog("Go on?", "It goes on.", confirm="Go"),
    "confirm, danger": lambda: ConfirmDialog("Delete?", "Gone.", confirm="Delete", danger=True),
    "question": lambda: QuestionDialog("Save?", "Unsaved.", [Answer("save", "Save")]),
    "question, no answers": lambda: QuestionDialog("Well?", "Nothing to choose.", []),
    "choice": lambda: ChoiceDialog("Open a link", ["https://a.example", "https://b.example"]),
    "error": lambda: ErrorDialog("Broken", "It broke.", "Mend it.", retry=True),
    "text input": lambda: TextInputDialog("New project", value="demo"),
    "progress": lambda: ProgressDialog("Building"),
}


class _Opener(App[None]):
    def __init__(self, dialog: Screen[Any], *, quit_at_once: bool) -> None:
        super().__init__()
        self.dialog = dialog
        self.quit_at_once = quit_at_once

    def on_mount(self) -> None:
        self.push_screen(self.dialog)
        if self.quit_at_once:
            self.exit()


@pytest.mark.parametrize("name", DIALOGS)
async def test_a_dialog_opened_as_the_app_quits_stops_nothing(name: str) -> None:
    app = _Opener(DIALOGS[name](), quit_at_once=True)
    async with app.run_test():
        pass  # leaving re-raises what stopped the app


FOCUS_STARTS_ON: dict[str, Callable[[object], bool]] = {
    "confirm": lambda w: isinstance(w, Button) and w.id == "confirm",
    "confirm, danger": lambda w: isinstance(w, Button) and w.id == "cancel",
    "question": lambda w: isinstance(w, Button) and w.id == "answer-0",
    "question, no answers": lambda w: isinstance(w, Button) and w.id == "cancel",
    "choice": lambda w: isinstance(w, OptionList),
    "error": lambda w: isinstance(w, Button) and w.id == "ok",
    "text input": lambda w: isinstance(w, Input),
}


@pytest.mark.parametrize("name", FOCUS_STARTS_ON)
async def test_a_dialog_starts_with_the_focus_on_its_safe_choice(name: str) -> None:
    app = _Opener(DIALOGS[name](), quit_at_once=False)
    async with app.run_test() as pilot:
        # The dialog is pushed at mount; its widgets and its first focus come after.
        await wait_until(
            pilot,
            lambda: app.screen is app.dialog and app.dialog.is_mounted and app.focused,
            "the dialog shown with something focused",
        )
        assert FOCUS_STARTS_ON[name](app.focused), app.focused
