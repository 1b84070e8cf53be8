"""Modal dialogs: confirm, a name prompt with inline validation, errors, long-work progress."""

from cloudide_tui.dialogs.choice import Choice, ChoiceDialog
from cloudide_tui.dialogs.confirm import ConfirmDialog
from cloudide_tui.dialogs.error import ErrorDialog
from cloudide_tui.dialogs.progress import ProgressDialog
from cloudide_tui.dialogs.text_input import TextInputDialog

__all__ = [
    "Choice",
    "ChoiceDialog",
    "ConfirmDialog",
    "ErrorDialog",
    "ProgressDialog",
    "TextInputDialog",
]
