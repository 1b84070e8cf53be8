"""Choose one of a few things from a list (a link among those a terminal shows)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ChoiceDialog(ModalScreen[str | None]):
    """A list to pick from; dismisses with the chosen item, or None (Escape).

    Args:
        title: What is chosen ("Open a link").
        items: The choices, shown as they are (never read as markup).
    """

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical {
        width: 80; max-width: 95%; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ChoiceDialog #title { text-style: bold; margin-bottom: 1; }
    ChoiceDialog OptionList { height: auto; max-height: 20; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, items: list[str]) -> None:
        super().__init__()
        self._title = title
        self.items = items
        """The choices, in the order shown."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="title", markup=False)
            yield OptionList(*(Option(item) for item in self.items))

    def on_mount(self) -> None:
        # (Looked for, not required: see ConfirmDialog.on_mount.)
        for options in self.query(OptionList):
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.items[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
