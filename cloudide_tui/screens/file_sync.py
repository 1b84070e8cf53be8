"""The main screen's file I/O: what the browser and the editors show, kept in step with
the backend by its change events, with no polling.

The browser and the editors do no I/O (house rule: widgets never do); this base of
``MainScreen`` does it for them, in workers:

* the browser's lists: the projects, and each folder the user expands
  (``ProjectBrowser.ListingWanted``); listed again when the backend's events
  (``change_feed``) say something in them changed, or everything after ``EventsLost``;
* the editors: saving (``Editor.SaveRequested``, the version it was read at, so a
  change made elsewhere is never overwritten silently), and following the file when it
  changes (a clean editor reloads within a moment: the shell's ``sed -i``, a save in
  another client; a dirty one keeps its text and saving asks; a file deleted under an
  editor is said there), and reloading one from disk (F5);
* who else has a file open (``FilePresence``, from a shared server): the tab says so,
  and the backend is told which files this app shows (``Backend.set_file_open``).

A failure of this background work is said once (a toast), not once per event.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable

from textual import on, work
from textual.screen import Screen

from cloudide_tui.backend.base import (
    Backend,
    ContainerChanged,
    EventsLost,
    FileChanged,
    FilePresence,
    ProjectChanged,
)
from cloudide_tui.change_feed import ChangeFeed
from cloudide_tui.errors import CloudIDEError, Conflict, DeletedOnDisk, NotFound
from cloudide_tui.messages import BackendChanged
from cloudide_tui.screens.tabs import Tab, TabRegistry
from cloudide_tui.widgets.editor import READ_LIMIT, Editor
from cloudide_tui.widgets.project_browser import ProjectBrowser


def parent_of(path: str) -> str | None:
    """The folder holding ``path`` as the browser names it (None: the project's top)."""
    return posixpath.dirname(path) or None


class FileSync(Screen[None]):
    """See the module docstring."""

    backend: Backend
    tabs: TabRegistry
    # The hub's (MainScreen), used here:
    _set_label: Callable[[Tab], None]

    def __init__(self) -> None:
        super().__init__()
        self._feed: ChangeFeed | None = None
        self._sync_failing = False
        self._listings_asked: dict[tuple[str, str | None], int] = {}
        """How many listings of each folder were asked for (the last one wins)."""

    @property
    def browser(self) -> ProjectBrowser:
        return self.query_one(ProjectBrowser)

    def start_change_feed(self) -> ChangeFeed:
        """Follow the backend's changes from now on (the screen calls it once)."""
        feed = ChangeFeed(self.backend, self.post_message)
        feed.start()
        self._feed = feed
        return feed

    async def stop_change_feed(self) -> None:
        if self._feed is not None:
            await self._feed.stop()

    # -- background failures: said once ------------------------------------------------
    def _background_failed(self, error: CloudIDEError) -> None:
        if not self._sync_failing:
            self._sync_failing = True
            self.app.notify(
                f"{error.message}{' ' + error.hint if error.hint else ''}",
                title=error.title,
                severity="error",
                timeout=8,
            )

    def _background_ok(self) -> None:
        self._sync_failing = False

    # -- the browser ------------------------------------------------------------------------
    async def reload_browser(self) -> None:
        """List the projects and every folder shown again, now (errors raise)."""
        self.browser.set_projects(await self.backend.list_projects())
        for project, path in self.browser.shown_dirs():
            await self._list_dir(project, path)

    async def _list_dir(self, project: str, path: str | None) -> None:
        try:
            entries = await self.backend.list_dir(project, path or "")
        except NotFound:
            self.browser.folder_gone(project, path)
            return
        self.browser.set_listing(project, path, entries)

    @work(group="browser-projects", exclusive=True, exit_on_error=False)
    async def refresh_projects(self) -> None:
        """List the projects again (their container states too), in the background."""
        try:
            self.browser.set_projects(await self.backend.list_projects())
        except CloudIDEError as error:
            self._background_failed(error)
        else:
            self._background_ok()

    @work(group="browser-dir", exit_on_error=False)
    async def refresh_dir(self, project: str, path: str | None) -> None:
        """List one folder again, in the background (of two listings of one folder under
        way, only the one asked last is shown: an older one may miss a change)."""
        key = (project, path)
        asked = self._listings_asked.get(key, 0) + 1
        self._listings_asked[key] = asked
        try:
            entries = await self.backend.list_dir(project, path or "")
        except NotFound:
            if self._listings_asked.get(key) == asked:
                self.browser.folder_gone(project, path)
            return
        except CloudIDEError as error:
            self._background_failed(error)
            return
        self._background_ok()
        if self._listings_asked.get(key) == asked:
            self.browser.set_listing(project, path, entries)

    @work(group="browser-all", exclusive=True, exit_on_error=False)
    async def refresh_all(self) -> None:
        """List everything shown again, and follow every open file (events were lost)."""
        try:
            await self.reload_browser()
        except CloudIDEError as error:
            self._background_failed(error)
            return
        self._background_ok()
        for editor in self._editors():
            self.refresh_editor(editor)

    @on(ProjectBrowser.ListingWanted)
    def _listing_wanted(self, event: ProjectBrowser.ListingWanted) -> None:
        self.refresh_dir(event.project, event.path)

    async def reveal(self, project: str, path: str) -> None:
        """Expand the folders down to ``path`` (listing them now) and put the cursor on it."""
        parts = path.split("/")
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth]) or None
            if not self.browser.expand_folder(project, folder):
                return
            await self._list_dir(project, folder)
        self.browser.move_to(project, path)

    # -- change events ----------------------------------------------------------------------
    @on(BackendChanged)
    def _backend_changed(self, message: BackendChanged) -> None:
        projects = False
        folders: set[tuple[str, str | None]] = set()
        files: set[tuple[str, str]] = set()
        for event in message.events:
            if isinstance(event, EventsLost):
                self.refresh_all()
                projects = False
                folders.clear()
                files.clear()
            elif isinstance(event, ProjectChanged | ContainerChanged):
                projects = True
            elif isinstance(event, FileChanged):
                folders.add((event.project, parent_of(event.path)))
                files.add((event.project, event.path))
            elif isinstance(event, FilePresence):
                self._presence(event)
        if projects:
            self.refresh_projects()
        browser = self.browser
        for project, folder in folders:
            if browser.is_listed(project, folder):
                self.refresh_dir(project, folder)
        for project, path in files:
            tab = self.tabs.editor_on(project, path)
            if tab is not None and isinstance(tab.widget, Editor):
                self.refresh_editor(tab.widget)

    def _editors(self) -> list[Editor]:
        return [t.widget for t in self.tabs.values() if isinstance(t.widget, Editor)]

    # -- editors ----------------------------------------------------------------------------
    @work(group="editor-follow", exit_on_error=False)
    async def refresh_editor(self, editor: Editor) -> None:
        """The editor's file may have changed: a clean editor takes the new text; a file
        deleted on disk is said on the editor (dirty or not), its text kept."""
        editor.reads_asked += 1
        asked = editor.reads_asked
        try:
            entry = await self.backend.stat(editor.project, editor.path)
            if asked == editor.reads_asked:
                editor.set_deleted_on_disk(False)
            if not editor.follows or entry.version == editor.version or entry.kind != "file":
                return  # unsaved text wins (saving will ask), or nothing new
            content = await self.backend.read_file(editor.project, editor.path, READ_LIMIT)
        except NotFound:
            if asked == editor.reads_asked:  # deleted or renamed away: saving makes it anew
                editor.set_deleted_on_disk(True)
            return
        except CloudIDEError as error:
            self._background_failed(error)
            return
        if asked == editor.reads_asked:  # else a later read is under way: it wins
            editor.follow(content)

    @on(Editor.ReloadRequested)
    def _reload_requested(self, event: Editor.ReloadRequested) -> None:
        event.stop()
        self.reload_editor(event.editor)

    @work(group="editor-follow", exit_on_error=False)
    async def reload_editor(self, editor: Editor) -> None:
        """Read the file again for the editor (F5), dropping its unsaved changes; a file
        gone from disk keeps the text and says so. Other failures go to the app."""
        editor.reads_asked += 1
        try:
            content = await self.backend.read_file(editor.project, editor.path, READ_LIMIT)
        except NotFound:
            editor.set_deleted_on_disk(True)
            self.notify(
                f"{editor.path} is no longer on disk; your text stays here (Ctrl+S saves it).",
                title="Not reloaded",
                severity="warning",
            )
            return
        editor.reverted(content)

    @on(Editor.SaveRequested)
    def _save_requested(self, event: Editor.SaveRequested) -> None:
        event.stop()
        self.save_editor(event.editor, event.text, event.force)

    @work(group="editor-save", exit_on_error=False)
    async def save_editor(self, editor: Editor, text: str, force: bool) -> None:
        """Write an editor's text (``write_editor``) in the background; other failures go
        to the app. The text stays either way."""
        await self.write_editor(editor, text, force=force)

    async def write_editor(
        self, editor: Editor, text: str | None = None, *, force: bool = False
    ) -> bool:
        """Write an editor's text (``text``: what it asked to save; None: its text now)
        atomically, against the version it was read at; True once written. On a conflict
        (changed or deleted on disk) nothing is written, the editor asks (through
        ``ChangedOnDisk``) and this returns False.

        Raises:
            CloudIDEError: any other failure (a missing folder, a full disk ...).
        """
        if text is None:
            text = editor.text
            editor.save_started()
        try:
            entry = await self.backend.write_file(
                editor.project,
                editor.path,
                text.encode("utf-8"),
                expected_version=None if force else editor.version,
            )
        except Conflict as conflict:
            editor.save_failed(conflict=True, deleted=isinstance(conflict, DeletedOnDisk))
            return False
        except BaseException:
            editor.save_failed(conflict=False)
            raise
        editor.saved(text, entry)
        return True

    # -- who else has a file open -------------------------------------------------------------
    def _presence(self, event: FilePresence) -> None:
        tab = self.tabs.editor_on(event.project, event.path)
        if tab is not None and isinstance(tab.widget, Editor):
            tab.widget.others = list(event.others)
            self._set_label(tab)

    @work(group="presence", exit_on_error=False)
    async def tell_file_open(self, project: str, path: str, is_open: bool) -> None:
        """Tell the backend this app shows (or stopped showing) a file (a courtesy: a
        failure is not the user's concern)."""
        with contextlib.suppress(CloudIDEError):
            await self.backend.set_file_open(project, path, is_open)
