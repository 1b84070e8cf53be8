"""Modal dialogs: confirm, a question with several answers, a name prompt with inline
validation, errors, long-work progress, a choice from a list."""

from cloudide_tui.dialogs.choice import ChoiceDialog
from cloudide_tui.dialogs.confirm import ConfirmDialog
from cloudide_tui.dialogs.error import ErrorDialog
from cloudide_tui.dialogs.progress import ProgressDialog
from cloudide_tui.dialogs.question import Answer, QuestionDialog
from cloudide_tui.dialogs.text_input import TextInputDialog

__all__ = [
    "Answer",
    "ChoiceDialog",
    "ConfirmDialog",
    "ErrorDialog",
    "ProgressDialog",
    "QuestionDialog",
    "TextInputDialog",
]
