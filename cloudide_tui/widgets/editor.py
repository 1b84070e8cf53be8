"""An editor tab: Textual's TextArea with highlighting; the main screen reads and writes.

The editor does no I/O: saving posts ``SaveRequested`` and the screen writes through the
backend, passing the version the text was read at, so a file changed (or deleted) on disk
meanwhile (by the shell, by git, by another client) is never overwritten silently: the
user is asked first. While the text has no unsaved changes the editor follows the file:
the screen hears of every change from the backend's events (``sed -i`` in the shell, a
save in another client) and calls ``follow``; a file deleted under it is said on its
notice line. ``others`` says who else has it open.

Besides TextArea's own keys: Ctrl+Home/Ctrl+End, find and replace (``find_bar``), go to
line, reload from disk. What needs a question (go to which line? discard the changes?)
or the disk (reload) goes up as a message: the main screen asks or reads, then calls
back down.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection

from cloudide_tui.backend.base import FileContent, FileEntry
from cloudide_tui.errors import BinaryFile, FileTooLarge, InvalidPosition
from cloudide_tui.keymap import EDITOR_BINDINGS, EDITOR_TEXT_BINDINGS
from cloudide_tui.widgets.find_bar import FindBar, Match, find_matches, next_match, replace_all
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

LANGUAGE_NAMES: dict[str, str] = {
    "python": "Python",
    "bash": "Shell",
    "css": "CSS",
    "go": "Go",
    "html": "HTML",
    "java": "Java",
    "javascript": "JavaScript",
    "json": "JSON",
    "markdown": "Markdown",
    "rust": "Rust",
    "sql": "SQL",
    "toml": "TOML",
    "xml": "XML",
    "yaml": "YAML",
}
"""How the status line names each language."""

PLAIN_TEXT = "Plain text"


def language_for(path: str) -> str | None:
    """The TextArea language for a file name, or None (plain text)."""
    name = posixpath.basename(path)
    ext = posixpath.splitext(name)[1].lower() or (name.lower() if name.startswith(".") else "")
    return LANGUAGES.get(ext)


def language_name(path: str) -> str:
    """The file's language as the status line shows it ("Python", "Plain text")."""
    language = language_for(path)
    return LANGUAGE_NAMES.get(language, PLAIN_TEXT) if language else PLAIN_TEXT


def parse_position(text: str, line_count: int) -> tuple[int, int]:
    """``"12"`` or ``"12:5"`` (1-based, as shown) -> a (row, column) location (0-based).

    A column past the end of its line is clamped by the editor, not refused.

    Raises:
        InvalidPosition: not a number, or a line outside 1..``line_count``.
    """
    line_text, _, col_text = text.strip().partition(":")
    if not line_text.isdigit() or (col_text and not col_text.isdigit()):
        raise InvalidPosition(f"Type a line number (1-{line_count}), or line:column.")
    line, col = int(line_text), int(col_text) if col_text else 1
    if not 1 <= line <= line_count:
        raise InvalidPosition(f"The file has lines 1 to {line_count}.")
    return line - 1, max(col, 1) - 1


def decode_for_editing(content: FileContent) -> tuple[str, bool, str | None]:
    """Turn a read into (text, read_only, why) or refuse it.

    Text that is not valid UTF-8 (a Latin-1 file, say) opens read-only, shown as Latin-1
    (every byte is a character there, so nothing is hidden); saving it would change its
    bytes.

    Raises:
        BinaryFile: NUL bytes (the editor would corrupt the file on save).
    """
    if b"\0" in content.data:
        raise BinaryFile(
            f"{content.entry.path} looks like a binary file (it holds NUL bytes); "
            "the editor only opens text.",
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
        return (
            content.data.decode("latin-1"),
            True,
            "read-only: not valid UTF-8, shown as Latin-1 "
            "(iconv -f latin1 -t utf-8 in the terminal converts it)",
        )


class CodeArea(OrderedTextArea):
    """The editor's text: TextArea plus Ctrl+Home / Ctrl+End (with Shift: selecting)."""

    BINDINGS: ClassVar[list[BindingType]] = list(EDITOR_TEXT_BINDINGS)

    def action_cursor_document_start(self, select: bool = False) -> None:
        self.move_cursor((0, 0), select=select)

    def action_cursor_document_end(self, select: bool = False) -> None:
        self.move_cursor(self.document.end, select=select)


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
    Editor > #notice.-empty { display: none; }
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
        another program), or deleted (``deleted``): nothing was written. The screen asks
        whether to overwrite (or make it anew: ``save(force=True)``); the text stays
        here either way."""

        editor: Editor
        deleted: bool = False

        @property
        def control(self) -> Editor:
            return self.editor

    @dataclass
    class CursorMoved(Message):
        """The cursor moved (the status line shows line and column)."""

        editor: Editor

        @property
        def control(self) -> Editor:
            return self.editor

    @dataclass
    class GoToLineAsked(Message):
        """Ctrl+G: the screen asks which line, then calls ``go_to``."""

        editor: Editor

        @property
        def control(self) -> Editor:
            return self.editor

    @dataclass
    class RevertAsked(Message):
        """Reload from disk with unsaved changes: the screen asks before ``revert``."""

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
        """Why the file is read-only, if it is (shown above the text)."""
        self.deleted_on_disk = False
        """The file was deleted on disk while open (the text stays; saving makes it anew)."""
        self._dirty = False
        self._saving = False
        self.others: list[str] = []
        """Who else has this file open (another client of a shared server), in words."""
        self.reads_asked = 0
        """Reads of the file asked by the screen to follow it (the last one wins)."""
        self._matches: list[Match] = []
        self._match_index: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.notice or "", id="notice", markup=False)
        area = CodeArea.code_editor(
            self.saved_text,
            language=language_for(self.path),
            read_only=self.read_only,
            soft_wrap=False,
            id="text",
        )
        area.cursor_blink = False  # a blinking cursor makes snapshots and SSH noisy
        yield area
        yield FindBar(id="find-bar")

    def on_mount(self) -> None:
        self._show_notice()
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

    @property
    def language_label(self) -> str:
        """The file's language as the status line shows it."""
        return language_name(self.path)

    @property
    def cursor(self) -> tuple[int, int]:
        """The cursor's (row, column), 0-based."""
        return self.text_area.cursor_location

    @property
    def find_bar(self) -> FindBar:
        return self.query_one(FindBar)

    def _show_notice(self) -> None:
        """The notice line: why the file is read-only, and whether it was deleted on disk."""
        parts = [self.notice] if self.notice else []
        if self.deleted_on_disk:
            parts.append("deleted on disk: your text stays here; Ctrl+S saves it again")
        notice = self.query_one("#notice", Static)
        notice.update(" · ".join(parts))
        notice.set_class(not parts, "-empty")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._update_dirty()
        self._matches = []  # the text changed: positions are stale, search again when asked

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        event.stop()
        self.post_message(self.CursorMoved(self))

    def _update_dirty(self) -> None:
        dirty = self.text != self.saved_text
        if dirty != self._dirty:
            self._dirty = dirty
            self.post_message(self.DirtyChanged(self, dirty))

    def focus_text(self, *, now: bool = False) -> None:
        """Focus the text; ``now``: before the next key is handled (see
        ``MainScreen.focus_tab_content``)."""
        if now and self.is_mounted:
            self.screen.set_focus(self.text_area)
        else:
            self.text_area.focus()

    def retarget(self, project: str, path: str) -> None:
        """The file (or its project) was renamed: save to the new place from now on."""
        self.project = project
        self.path = path

    def go_to(self, row: int, col: int = 0) -> None:
        """Put the cursor at (row, col) (clamped to the text), centred, and focus the text."""
        area = self.text_area
        row = max(0, min(row, area.document.line_count - 1))
        col = max(0, min(col, len(area.document.get_line(row))))
        area.move_cursor((row, col), center=True)
        area.focus()

    # -- saving ---------------------------------------------------------------------
    def action_save(self) -> None:
        if self.read_only:
            self.notify("This file is open read-only.", severity="warning")
            return
        self.save()

    def save(self, *, force: bool = False) -> None:
        """Ask the screen to write the text (``SaveRequested``); it answers with
        ``saved`` or ``save_failed`` (on a conflict ``ChangedOnDisk`` is posted). The text
        stays here whatever happens, so nothing typed is lost."""
        self._saving = True
        self.post_message(self.SaveRequested(self, self.text, force))

    @property
    def saving(self) -> bool:
        """A save was asked and not answered yet (the file is not followed meanwhile)."""
        return self._saving

    def save_started(self) -> None:
        """The screen writes the text now (a save it does itself: closing, quitting)."""
        self._saving = True

    def save_failed(self, *, conflict: bool, deleted: bool = False) -> None:
        """The save wrote nothing: the file changed (or was ``deleted``) on disk
        (``conflict``: the screen is told, to ask whether to overwrite) or it failed
        (reported by the screen)."""
        self._saving = False
        if conflict:
            self.set_deleted_on_disk(deleted)
            self.post_message(self.ChangedOnDisk(self, deleted=deleted))

    def saved(self, text: str, entry: FileEntry) -> None:
        """The screen wrote ``text`` (what the save asked for): it is the saved state."""
        self._saving = False
        self.version = entry.version
        self.saved_text = text
        self.set_deleted_on_disk(False)
        self._update_dirty()
        self.post_message(self.Saved(self, entry))

    # -- find and replace, go to line ------------------------------------------------
    def action_find(self) -> None:
        self._open_find(replace=False)

    def action_replace(self) -> None:
        if self.read_only:
            self.notify("This file is open read-only.", severity="warning")
        self._open_find(replace=not self.read_only)

    def _open_find(self, *, replace: bool) -> None:
        selected = self.text_area.selected_text
        self.find_bar.open(replace=replace, query=selected if "\n" not in selected else None)

    def action_find_next(self, backwards: bool = False) -> None:
        if not self.find_bar.query_text:
            self._open_find(replace=False)
            return
        self._step(backwards)

    def action_go_to_line(self) -> None:
        self.post_message(self.GoToLineAsked(self))

    @on(FindBar.Search)
    def _search(self, event: FindBar.Search) -> None:
        event.stop()
        self._refresh_matches(event.query)
        area = self.text_area
        index = next_match(self._matches, area.selection.start)
        self._select_match(index)

    @on(FindBar.Step)
    def _step_asked(self, event: FindBar.Step) -> None:
        event.stop()
        self._step(event.backwards)

    def _step(self, backwards: bool) -> None:
        self._refresh_matches(self.find_bar.query_text)
        area = self.text_area
        start, end = sorted(area.selection)
        if backwards:
            index = next_match(self._matches, start, backwards=True)
        else:
            # From the end of the current match (or cursor), so the same one is not found.
            index = next_match(self._matches, end if start != end else start)
            if index is not None and start != end and self._matches[index][0] == start:
                index = (index + 1) % len(self._matches)
        self._select_match(index)

    @on(FindBar.Replace)
    def _replace_asked(self, event: FindBar.Replace) -> None:
        event.stop()
        if self.read_only:
            self.notify("This file is open read-only.", severity="warning")
            return
        area = self.text_area
        self._refresh_matches(self.find_bar.query_text)
        if not self._matches:
            return
        if event.everywhere:
            count = len(self._matches)
            text = replace_all(area.document.lines, self._matches, event.replacement)
            area.replace(text, (0, 0), area.document.end, maintain_selection_offset=False)
            self._matches, self._match_index = [], None
            self.find_bar.show_count(None, 0)
            self.notify(f"Replaced {count} match{'es' if count != 1 else ''}.", timeout=3)
            return
        start, end = sorted(area.selection)
        if (start, end) not in self._matches:
            self._step(False)  # first show which match would be replaced
            return
        result = area.replace(event.replacement, start, end, maintain_selection_offset=False)
        area.selection = Selection.cursor(result.end_location)
        self._refresh_matches(self.find_bar.query_text)
        self._select_match(next_match(self._matches, result.end_location))

    @on(FindBar.Closed)
    def _find_closed(self, event: FindBar.Closed) -> None:
        event.stop()
        self.text_area.focus()

    def _refresh_matches(self, query: str) -> None:
        self._matches = find_matches(self.text_area.document.lines, query)

    def _select_match(self, index: int | None) -> None:
        self._match_index = index
        self.find_bar.show_count(index, len(self._matches))
        if index is None:
            return
        start, end = self._matches[index]
        area = self.text_area
        area.selection = Selection(start, end)
        area.scroll_cursor_visible(center=True)

    # -- reloading from disk --------------------------------------------------------------
    def action_reload(self) -> None:
        if self._dirty:
            self.post_message(self.RevertAsked(self))
        else:
            self.revert()

    @dataclass
    class ReloadRequested(Message):
        """Reload from disk (F5; the user said yes if there were unsaved changes): the
        screen reads the file and calls ``reverted`` (or ``set_deleted_on_disk``)."""

        editor: Editor

        @property
        def control(self) -> Editor:
            return self.editor

    def revert(self) -> None:
        """Drop unsaved changes for what the file holds now (the screen reads it)."""
        self.post_message(self.ReloadRequested(self))

    def reverted(self, content: FileContent) -> None:
        """The screen read the file for ``revert``: show it (unsaved changes dropped).

        Raises:
            BinaryFile: it is not text any more (the text here stays).
        """
        text, read_only, notice = decode_for_editing(content)
        self.read_only = self.text_area.read_only = read_only
        self.notice = notice
        self.deleted_on_disk = False
        self._show_notice()
        self.reload(text, content.entry.version)
        self.notify(f"Reloaded {self.path} from disk.", timeout=2)

    def set_deleted_on_disk(self, deleted: bool) -> None:
        """The file is gone from disk (or back): the notice line says so; the text stays
        (saving makes the file anew)."""
        if deleted != self.deleted_on_disk:
            self.deleted_on_disk = deleted
            if self.is_mounted:
                self._show_notice()

    # -- following the file on disk -------------------------------------------------
    @property
    def follows(self) -> bool:
        """Whether a change on disk should replace the text now (no unsaved changes, no
        save under way)."""
        return not self._dirty and not self._saving

    def follow(self, content: FileContent) -> bool:
        """The file changed on disk: take ``content`` if nothing here is unsaved (the
        user's text always wins; saving will ask). Returns whether it was taken."""
        self.set_deleted_on_disk(False)
        if not self.follows or content.entry.version == self.version:
            return False
        try:
            text, _read_only, _notice = decode_for_editing(content)
        except (BinaryFile, FileTooLarge):
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
