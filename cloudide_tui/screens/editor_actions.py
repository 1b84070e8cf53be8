"""The main screen's part for editors: what they ask (overwrite? go to which line? lose
the changes?), closing one with unsaved text, and their place in the status line.

An editor never pushes a dialog (widgets never import screens): it posts what it needs
(``Editor.ChangedOnDisk``, ``GoToLineAsked``, ``RevertAsked``, ``CursorMoved``); this base
of ``MainScreen`` asks with ``questions`` and calls the editor back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from functools import partial

from textual import on, work
from textual.css.query import NoMatches
from textual.screen import Screen

from cloudide_tui.messages import WorkFailed
from cloudide_tui.screens import questions
from cloudide_tui.screens.tabs import Tab
from cloudide_tui.widgets.editor import Editor, parse_position
from cloudide_tui.widgets.status_line import StatusLine


class EditorActions(Screen[None]):
    """Questions editors raise, closing them, and their line:column in the status line."""

    # The hub's (MainScreen), used here:
    close_tab: Callable[[Tab], Awaitable[None]]
    write_editor: Callable[..., Awaitable[bool]]

    @property
    def active_tab(self) -> Tab | None:
        """The tab shown (the hub's: ``MainScreen`` says which)."""
        raise NotImplementedError

    # -- the status line ------------------------------------------------------------------
    def show_editor_position(self) -> None:
        """Line, column and language of the active editor in the status line (or none)."""
        tab = self.active_tab
        editor = tab.widget if tab is not None else None
        with contextlib.suppress(NoMatches):  # the screen is being taken down
            status = self.query_one(StatusLine)
            if isinstance(editor, Editor) and editor.is_mounted:
                row, col = editor.cursor
                status.position = f"Ln {row + 1}, Col {col + 1}  {editor.language_label}"
            else:
                status.position = ""

    @on(Editor.CursorMoved)
    def _cursor_moved(self, event: Editor.CursorMoved) -> None:
        tab = self.active_tab
        if tab is not None and tab.widget is event.editor:
            self.show_editor_position()

    # -- questions --------------------------------------------------------------------------
    @on(Editor.ChangedOnDisk)
    def _changed_on_disk(self, event: Editor.ChangedOnDisk) -> None:
        self._confirm_overwrite(event.editor, deleted=event.deleted)

    @work(group="dialog")
    async def _confirm_overwrite(self, editor: Editor, *, deleted: bool) -> None:
        question = (
            questions.recreate_deleted(editor.path)
            if deleted
            else questions.overwrite_changed(editor.path)
        )
        if await self.app.push_screen_wait(question):
            editor.save(force=True)

    @on(Editor.GoToLineAsked)
    def _go_to_line_asked(self, event: Editor.GoToLineAsked) -> None:
        self._go_to_line(event.editor)

    @work(group="dialog")
    async def _go_to_line(self, editor: Editor) -> None:
        lines = editor.text_area.document.line_count
        answer = await self.app.push_screen_wait(
            questions.go_to_line(lines, partial(parse_position, line_count=lines))
        )
        if answer:
            editor.go_to(*parse_position(answer, lines))
        else:
            editor.focus_text()

    @on(Editor.RevertAsked)
    def _revert_asked(self, event: Editor.RevertAsked) -> None:
        self._confirm_revert(event.editor)

    @work(group="dialog")
    async def _confirm_revert(self, editor: Editor) -> None:
        if await self.app.push_screen_wait(questions.revert(editor.path)):
            editor.revert()

    # -- closing ------------------------------------------------------------------------------
    @work(group="dialog")
    async def confirm_close(self, tab: Tab) -> None:
        """Close an editor with unsaved text: save first, drop the changes, or keep it."""
        editor = tab.widget
        assert isinstance(editor, Editor)
        answer = await self.app.push_screen_wait(questions.close_unsaved(editor.path))
        if answer == questions.DISCARD or (
            answer == questions.SAVE and await self._save_for_closing(editor)
        ):
            await self.close_tab(tab)

    async def _save_for_closing(self, editor: Editor) -> bool:
        """Save before closing; False (the tab stays) when it was not written: a
        conflict (its question follows) or an error (reported)."""
        if editor.read_only:
            return False
        try:
            return await self.write_editor(editor)
        except Exception as error:  # reported by the app's one handler, the tab stays
            self.app.post_message(WorkFailed(error))
            return False
