"""An editor tab: Textual's TextArea with highlighting, saving through the backend.

Saving is atomic on the backend's side and passes the version the text was read at, so a
file changed on disk meanwhile (by the shell, by git) is never overwritten silently: the
user is asked first. While the text has no unsaved changes the editor follows the file
on disk (polled once a second), so ``sed -i`` in the shell shows up here.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection

from cloudide_tui.backend.base import Backend, FileContent, FileEntry
from cloudide_tui.errors import Conflict, FileTooLarge, NotFound
from cloudide_tui.keymap import EDITOR_BINDINGS
from cloudide_tui.widgets.ordered_keys import OrderedTextArea
from cloudide_tui.worker_errors import ReportWorkerErrors

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


class Editor(ReportWorkerErrors, Vertical):
    """One open file. The main screen creates it from a read; it saves and follows itself.

    Args:
        backend: Where the file lives (injected by the app; never constructed here).
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

    FOLLOW_INTERVAL = 1.0
    """Seconds between checks of the file on disk while there are no unsaved changes."""

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
    class Saved(Message):
        """The text was written to the backend."""

        editor: Editor
        entry: FileEntry

        @property
        def control(self) -> Editor:
            return self.editor

    def __init__(self, backend: Backend, project: str, content: FileContent) -> None:
        super().__init__()
        self.backend = backend
        self.project = project
        self.path = content.entry.path
        self.version: str | None = content.entry.version
        text, read_only, notice = decode_for_editing(content)
        self.saved_text = text
        self.read_only = read_only
        self.notice = notice
        self._dirty = False
        self._saving = False

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
        self.set_interval(self.FOLLOW_INTERVAL, self._follow_tick)
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

    @work(group="editor-save", exclusive=True, exit_on_error=False)
    async def save(self, *, force: bool = False) -> None:
        """Write the text; on a conflict post ``ChangedOnDisk``. Other errors go up.

        The text stays in the editor whatever happens, so nothing typed is lost.
        """
        text = self.text
        self._saving = True
        try:
            entry = await self.backend.write_file(
                self.project,
                self.path,
                text.encode("utf-8"),
                expected_version=None if force else self.version,
            )
        except Conflict:
            self.post_message(self.ChangedOnDisk(self))
            return
        finally:
            self._saving = False
        self.version = entry.version
        self.saved_text = text
        self._update_dirty()
        self.post_message(self.Saved(self, entry))

    # -- following the file on disk -------------------------------------------------
    def _follow_tick(self) -> None:
        busy = any(
            w.node is self and w.group == "editor-follow" and not w.is_finished
            for w in self.workers
        )
        if not self._dirty and not self._saving and not busy:
            self.follow()

    @work(group="editor-follow", exclusive=True, exit_on_error=False)
    async def follow(self) -> None:
        """Reload the text if the file changed on disk and nothing here is unsaved."""
        try:
            entry = await self.backend.stat(self.project, self.path)
        except NotFound:
            return  # deleted or renamed away: keep the text, saving recreates it
        except Exception:
            return  # the browser's poll reports engine trouble; don't repeat it per tab
        if entry.version == self.version or entry.kind != "file":
            return
        content = await self.backend.read_file(self.project, self.path, READ_LIMIT)
        if self._dirty or self._saving:
            return  # the user typed meanwhile: their text wins, saving will ask
        try:
            text, _read_only, _notice = decode_for_editing(content)
        except FileTooLarge:
            return
        self.reload(text, content.entry.version)

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
