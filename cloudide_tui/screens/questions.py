"""What the main screen asks before it changes the workspace or loses text.

Each function builds the dialog for one question, with its wording and validator; the
screen pushes it and acts on the answer. Names are checked as they are typed by the one
validator (``validation``), so a bad name never reaches the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cloudide_tui.config import parse_value
from cloudide_tui.dialogs import Answer, ConfirmDialog, QuestionDialog, TextInputDialog
from cloudide_tui.dialogs.text_input import TakenCheck
from cloudide_tui.validation import validate_file_name, validate_new_path, validate_project_name
from cloudide_tui.widgets.project_browser import BrowserItem

SAVE = "save"
DISCARD = "discard"
"""What ``close_unsaved`` and ``quit_unsaved`` answer (None: cancel)."""


def new_project(taken: TakenCheck | None = None) -> TextInputDialog:
    """The name of a new project (``taken``: says if a project has that name)."""
    return TextInputDialog(
        "New project",
        "Lower-case letters, digits, '.', '_' and '-'; it names the workspace "
        "folder and the container.",
        validate=validate_project_name,
        taken=taken,
        confirm="Create",
    )


def new_entry(
    item: BrowserItem, *, folder: bool, taken: TakenCheck | None = None
) -> TextInputDialog:
    """The name (or path, ``src/main.py``) of a new file or folder in the folder of
    ``item``; ``taken`` says if something has that path already."""
    where = item.dir_path or "the project's top folder"
    return TextInputDialog(
        "New folder" if folder else "New file",
        f"In {item.project}: {where}. A path (src/main.py) makes the folders too.",
        validate=validate_new_path,
        taken=taken,
        confirm="Create",
    )


def rename(item: BrowserItem, old: str, taken: TakenCheck | None = None) -> TextInputDialog:
    """The new name of a project, file or folder (``old`` is its current name; ``taken``
    says if the new one is in use)."""
    return TextInputDialog(
        "Rename project" if item.is_project else f"Rename {item.path}",
        "The project's container is recreated under the new name when next used."
        if item.is_project
        else "",
        value=old,
        validate=validate_project_name if item.is_project else validate_file_name,
        taken=taken,
        confirm="Rename",
    )


def delete(item: BrowserItem) -> ConfirmDialog:
    """Delete a project (its container and files) or a file or folder, for good?"""
    if item.path is None:
        title = f"Delete project {item.project}?"
        message = (
            f"The project {item.project}, its container AND ALL ITS WORKSPACE FILES "
            "are deleted for good. Open terminals and editors on it are closed."
        )
    else:
        what = "folder and everything in it" if item.kind == "dir" else "file"
        title = f"Delete {item.path}?"
        message = f"The {what} {item.path} in {item.project} is deleted for good."
    return ConfirmDialog(title, message, confirm="Delete", danger=True)


def overwrite_changed(path: str) -> ConfirmDialog:
    """Save over a file that changed on disk since the editor read it?"""
    return ConfirmDialog(
        "File changed on disk",
        f"{path} was changed outside the editor since you opened it "
        "(by the shell or another program). Overwrite it with your text, "
        "or cancel and keep both (copy your text elsewhere first)?",
        confirm="Overwrite",
        danger=True,
    )


def recreate_deleted(path: str) -> ConfirmDialog:
    """Save a file that was deleted on disk since the editor read it (making it anew)?"""
    return ConfirmDialog(
        "File deleted on disk",
        f"{path} was deleted outside the editor since you opened it "
        "(by the shell or another program). Save your text as a new file, "
        "or cancel and leave it deleted (your text stays in the editor)?",
        confirm="Save it again",
    )


def close_unsaved(path: str) -> QuestionDialog:
    """Close an editor whose text is not saved: save first, lose the changes, or not close?"""
    return QuestionDialog(
        "Unsaved changes",
        f"{path} has unsaved changes. Save them before closing, or close and lose them?",
        [Answer(SAVE, "Save", "primary"), Answer(DISCARD, "Close without saving", "error")],
        danger=True,
    )


def quit_unsaved(paths: Sequence[str]) -> QuestionDialog:
    """Quit while editors hold unsaved text (the first five are named): save them all
    first, lose them, or stay?"""
    names = ", ".join(paths[:5]) + (" …" if len(paths) > 5 else "")
    return QuestionDialog(
        "Quit with unsaved changes?",
        f"Unsaved changes in: {names}. Save them all and quit, or quit and lose them?",
        [
            Answer(SAVE, "Save all & quit", "primary"),
            Answer(DISCARD, "Quit without saving", "error"),
        ],
        danger=True,
    )


def new_token(why: str, how: str, saved: str | None) -> TextInputDialog:
    """The server refused the token (expired, revoked): paste a new one to go on.

    Args:
        why: The server's words.
        how: How to get a new one (the command to run on the server).
        saved: Where unsaved editor text was put meanwhile, if any.
    """
    kept = f" Your unsaved text is kept in the editors (and copied to {saved})." if saved else ""
    return TextInputDialog(
        "The server refused the token",
        f"{why}{kept}\n{how}",
        validate=lambda text: parse_value("token", text.strip(), "the token"),
        confirm="Connect",
        password=True,
    )


def revert(path: str) -> ConfirmDialog:
    """Reload a file from disk, dropping the editor's unsaved changes?"""
    return ConfirmDialog(
        "Reload from disk?",
        f"{path} has unsaved changes. Reload it from disk and lose them?",
        confirm="Reload and lose changes",
        danger=True,
    )


def go_to_line(line_count: int, validate: Callable[[str], object]) -> TextInputDialog:
    """Which line (or line:column) to go to; ``validate`` refuses what is not one."""
    return TextInputDialog(
        "Go to line",
        f"Line 1-{line_count}, or line:column (e.g. 12:5)",
        validate=validate,
        confirm="Go",
    )


def build_image(image: str) -> ConfirmDialog:
    """Build the runner image under a name that is not the default one (a typo?)?"""
    return ConfirmDialog(
        "Build the runner image?",
        f"The image {image} does not exist on this engine. Build cloudide-tui's runner "
        f"image and tag it {image}? If the name is a typo, cancel and start again with "
        "the right --image.",
        confirm=f"Build {image}",
        danger=True,  # the focus starts on Cancel: Enter must not build under a typo
    )
