"""An editor tab: Textual's TextArea with highlighting; the main screen reads and writes.

The editor does no I/O: saving posts ``SaveRequested`` and the screen writes through the
backend, passing the version the text was read at, so a file changed on disk meanwhile
(by the shell, by git, by another client) is never overwritten silently: the user is
asked first. While the text has no unsaved changes the editor follows the file: the
screen hears of every change from the backend's events (``sed -i`` in the shell, a save
in another client) and calls ``reload``. ``others`` says who else has it open.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection

from cloudide_tui.backend.base import FileContent, FileEntry
from cloudide_tui.errors import FileTooLarge
from cloudide_tui.keymap import EDITOR_BINDINGS
from cloudide_tui.widgets.ordered_keys import OrderedTextArea

EDIT_LIMIT = 2 << 20
"""Files up to this size are editable; larger ones open read-only (their first part)."""
READ_LIMIT = EDIT_LIMIT + 1

LANGUAGES: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".sh": "bash",
    ".bash": "bash",
    ".bashrc": "bash",
    ".profile": "bash",
    ".css": "css",
    ".tcss": "css",
    ".go": "go",
    ".html": "html",
    ".htm": "html",
    ".java": "java",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "javascript",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rs": "rust",
    ".sql": "sql",
    ".toml": "toml",
    ".xml": "xml",
    ".svg": "xml",
    ".yaml": "yaml",
    ".yml": "yaml",
}
"""File extension -> a language Textual 8 highlights (with the ``syntax`` extra)."""


def language_for(path: str) -> str | None:
    """The TextArea language for a file name, or None (plain text)."""
    name = posixpath.basename(path)
    ext = posixpath.splitext(name)[1].lower() or (name.lower() if name.startswith(".") else "")
    return LANGUAGES.get(ext)


def decode_for_editing(content: FileContent) -> tuple[str, bool, str | None]:
    """Turn a read into (text, read_only, why) or refuse it.

    Raises:
        FileTooLarge: a binary file (the editor would corrupt it on save).
    """
    if content.binary:
        raise FileTooLarge(
            f"{content.entry.path} looks like a binary file; the editor only opens text.",
            hint="Use the terminal (xxd, hexdump, less) to look at it.",
        )
    if content.truncated or content.entry.size > EDIT_LIMIT:
        text = content.data[:EDIT_LIMIT].decode("utf-8", errors="replace")
        size_mb = content.entry.size / (1 << 20)
        return (
            text,
            True,
            (
                f"read-only: {size_mb:.1f} MB is over the {EDIT_LIMIT >> 20} MB edit limit; "
                "showing the beginning"
            ),
        )
    try:
        return content.data.decode("utf-8"), False, None
    except UnicodeDecodeError:
        return content.data.decode("utf-8", errors="replace"), True, "read-only: not valid UTF-8"


class Editor(Vertical):
    """One open file. The main screen creates it from a read, saves it when asked and
    reloads it when the file changes (see the module docstring).

    Args:
        project: The project the file belongs to.
        content: What was read: the text and the version to save against.
    """

    DEFAULT_CSS = """
    Editor { height: 1fr; }
    Editor > #notice { height: auto; background: $warning 20%; color: $text; padding: 0 1; }
    Editor > TextArea { height: 1fr; border: none; }
    Editor > TextArea:focus { border: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = list(EDITOR_BINDINGS)

    @dataclass
    class DirtyChanged(Message):
        """The unsaved-changes state flipped (the tab shows a marker)."""

        editor: Editor
        dirty: bool

        @property
        def control(self) -> Editor:
            return self.editor

    @dataclass
    class ChangedOnDisk(Message):
        """Saving found the file changed on disk since it was read (by the shell or
        another program): nothing was written. The screen asks whether to overwrite
        (``save(force=True)``); the text stays here either way."""

        editor: Editor

        @property
        def control(self) -> Editor:
            return self.editor

    @dataclass
    class SaveRequested(Message):
        """Write ``text`` (the screen does it, then calls ``saved`` or ``save_failed``);
        ``force``: over whatever the file holds now (the user said overwrite)."""

        editor: Editor
        text: str
        force: bool

        @property
        def control(self) -> Editor:
            return self.editor

    @dataclass
    class Saved(Message):
        """The text was written to the backend."""

        editor: Editor
        entry: FileEntry

        @property
        def control(self) -> Editor:
            return self.editor

    def __init__(self, project: str, content: FileContent) -> None:
        super().__init__()
        self.project = project
        self.path = content.entry.path
        self.version: str | None = content.entry.version
        text, read_only, notice = decode_for_editing(content)
        self.saved_text = text
        self.read_only = read_only
        self.notice = notice
        self._dirty = False
        self._saving = False
        self.others: list[str] = []
        """Who else has this file open (another client of a shared server), in words."""
        self.reads_asked = 0
        """Reads of the file asked by the screen to follow it (the last one wins)."""

    def compose(self) -> ComposeResult:
        if self.notice:
            yield Static(self.notice, id="notice", markup=False)
        area = OrderedTextArea.code_editor(
            self.saved_text,
            language=language_for(self.path),
            read_only=self.read_only,
            soft_wrap=False,
            id="text",
        )
        area.cursor_blink = False  # a blinking cursor makes snapshots and SSH noisy
        yield area

    def on_mount(self) -> None:
        self._match_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._match_theme())

    def _match_theme(self) -> None:
        """Dark or light highlighting to match the app's theme (light themes included)."""
        dark = self.app.current_theme.dark
        self.text_area.theme = "vscode_dark" if dark else "github_light"

    # -- state ----------------------------------------------------------------------
    @property
    def text_area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def text(self) -> str:
        return self.text_area.text

    @property
    def dirty(self) -> bool:
        """Unsaved changes: the text differs from what was last read or saved."""
        return self._dirty

    @property
    def name_label(self) -> str:
        return posixpath.basename(self.path)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._update_dirty()

    def _update_dirty(self) -> None:
        dirty = self.text != self.saved_text
        if dirty != self._dirty:
            self._dirty = dirty
            self.post_message(self.DirtyChanged(self, dirty))

    def focus_text(self) -> None:
        self.text_area.focus()

    def retarget(self, project: str, path: str) -> None:
        """The file (or its project) was renamed: save to the new place from now on."""
        self.project = project
        self.path = path

    # -- saving ---------------------------------------------------------------------
    def action_save(self) -> None:
        if self.read_only:
            self.notify("This file is open read-only.", severity="warning")
            return
        self.save()

    def save(self, *, force: bool = False) -> None:
        """Ask the screen to write the text (``SaveRequested``); it answers with
        ``saved`` or, on a conflict, posts ``ChangedOnDisk``. The text stays here
        whatever happens, so nothing typed is lost."""
        self._saving = True
        self.post_message(self.SaveRequested(self, self.text, force))

    @property
    def saving(self) -> bool:
        """A save was asked and not answered yet (the file is not followed meanwhile)."""
        return self._saving

    def saved(self, text: str, entry: FileEntry) -> None:
        """The screen wrote ``text`` (what the save asked for): it is the saved state."""
        self._saving = False
        self.version = entry.version
        self.saved_text = text
        self._update_dirty()
        self.post_message(self.Saved(self, entry))

    def save_failed(self, *, conflict: bool) -> None:
        """The save wrote nothing: the file changed on disk (``conflict``: the screen is
        told, to ask whether to overwrite) or it failed (reported by the screen)."""
        self._saving = False
        if conflict:
            self.post_message(self.ChangedOnDisk(self))

    # -- following the file on disk -------------------------------------------------
    @property
    def follows(self) -> bool:
        """Whether a change on disk should replace the text now (no unsaved changes, no
        save under way)."""
        return not self._dirty and not self._saving

    def follow(self, content: FileContent) -> bool:
        """The file changed on disk: take ``content`` if nothing here is unsaved (the
        user's text always wins; saving will ask). Returns whether it was taken."""
        if not self.follows or content.entry.version == self.version:
            return False
        try:
            text, _read_only, _notice = decode_for_editing(content)
        except FileTooLarge:
            return False
        self.reload(text, content.entry.version)
        return True

    def reload(self, text: str, version: str) -> None:
        """Replace the text with the file's new content, keeping the cursor where it was."""
        area = self.text_area
        selection = area.selection
        scroll = area.scroll_offset
        self.version = version
        self.saved_text = text
        area.load_text(text)
        last = area.document.line_count - 1
        row = min(selection.end[0], last)
        col = min(selection.end[1], len(area.document.get_line(row)))
        area.selection = Selection.cursor((row, col))
        area.scroll_to(scroll.x, scroll.y, animate=False)
        self._update_dirty()
