"""What the main screen asks before it changes the workspace or loses text.

Each function builds the dialog for one question, with its wording and validator; the
screen pushes it and acts on the answer. Names are checked as they are typed by the one
validator (``validation``), so a bad name never reaches the backend.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudide_tui.config import parse_value
from cloudide_tui.dialogs import ConfirmDialog, TextInputDialog
from cloudide_tui.validation import validate_file_name, validate_project_name
from cloudide_tui.widgets.project_browser import BrowserItem


def new_project() -> TextInputDialog:
    """The name of a new project."""
    return TextInputDialog(
        "New project",
        "Lower-case letters, digits, '.', '_' and '-'; it names the workspace "
        "folder and the container.",
        validate=validate_project_name,
        confirm="Create",
    )


def new_entry(item: BrowserItem, *, folder: bool) -> TextInputDialog:
    """The name of a new file or folder in the folder of ``item``."""
    where = item.dir_path or "the project's top folder"
    return TextInputDialog(
        "New folder" if folder else "New file",
        f"In {item.project}: {where}",
        validate=validate_file_name,
        confirm="Create",
    )


def rename(item: BrowserItem, old: str) -> TextInputDialog:
    """The new name of a project, file or folder (``old`` is its current name)."""
    return TextInputDialog(
        "Rename project" if item.is_project else f"Rename {item.path}",
        "The project's container is recreated under the new name when next used."
        if item.is_project
        else "",
        value=old,
        validate=validate_project_name if item.is_project else validate_file_name,
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


def close_unsaved(path: str) -> ConfirmDialog:
    """Close an editor whose text is not saved?"""
    return ConfirmDialog(
        "Unsaved changes",
        f"{path} has unsaved changes. Close it and lose them?",
        confirm="Close without saving",
        danger=True,
    )


def quit_unsaved(paths: Sequence[str]) -> ConfirmDialog:
    """Quit while editors hold unsaved text (the first five are named)?"""
    names = ", ".join(paths[:5]) + (" …" if len(paths) > 5 else "")
    return ConfirmDialog(
        "Quit with unsaved changes?",
        f"Unsaved changes in: {names}. Quit anyway and lose them?",
        confirm="Quit without saving",
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
