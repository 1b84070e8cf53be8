"""The main screen's actions on the workspace: create a project, and make, rename or
delete what the browser's cursor is on.

Each action asks first (``questions``: the name, checked as it is typed, or "for good?"),
then calls the backend in a worker whose failure goes up to the app; the tabs follow
(editors retarget on a rename, a deleted project's tabs close). A base of ``MainScreen``
(on ``FileSync``, which lists what the browser shows): the hub's parts these actions use
are declared here and defined there.
"""

from __future__ import annotations

import posixpath
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from textual import on, work

from cloudide_tui.backend.base import Backend
from cloudide_tui.errors import AlreadyExists, CloudIDEError, NotFound
from cloudide_tui.screens import questions
from cloudide_tui.screens.file_sync import FileSync
from cloudide_tui.screens.tabs import Tab, TabKind, TabRegistry
from cloudide_tui.validation import validate_new_path, validate_project_name
from cloudide_tui.widgets.editor import Editor
from cloudide_tui.widgets.project_browser import BrowserItem, ProjectBrowser


class WorkspaceActions(FileSync):
    """New project, new file, new folder, rename and delete (see the module docstring)."""

    backend: Backend
    tabs: TabRegistry
    opened_projects: set[str]
    _projects_changing: set[str]
    """Projects being renamed or deleted here (set up by the hub)."""
    # The hub's (MainScreen), used here:
    open_project: Callable[[str], Awaitable[None]]
    open_file: Callable[[str, str], object]
    close_project_tabs: Callable[[str, TabKind | None], Awaitable[None]]
    _set_label: Callable[[Tab], None]
    _update_status: Callable[[], None]

    # -- actions on projects --------------------------------------------------------------
    def action_new_project(self) -> None:
        self._new_project()

    @work(group="dialog")
    async def _new_project(self) -> None:
        name = await self.app.push_screen_wait(questions.new_project(self._project_taken))
        if name:
            self.create_project(name)

    async def _project_taken(self, name: str) -> str | None:
        """Why ``name`` cannot be a new project's (one has it, as last listed), or None."""
        return f"A project called {name} exists already." if name in self.browser.projects else None

    def _path_taken(self, project: str, folder: str) -> Callable[[str], Awaitable[str | None]]:
        """A check for the name dialogs: why ``folder``/name is taken in ``project``."""

        async def taken(name: str) -> str | None:
            path = posixpath.join(folder, name)
            try:
                entry = await self.backend.stat(project, path)
            except NotFound:
                return None
            except CloudIDEError:
                return (
                    None  # cannot tell (a file where a folder should be ...): the backend decides
                )
            what = {"dir": "A folder", "file": "A file"}.get(entry.kind, "Something")
            return f"{what} called {path} exists already in {project}."

        return taken

    @work(group="projects", exit_on_error=False)
    async def create_project(self, name: str, *, open_it: bool = True) -> None:
        """Create a project (validated again by the backend), then open its terminal."""
        validate_project_name(name)
        await self.backend.create_project(name)
        await self.reload_browser()
        self.browser.select_project(name)
        if open_it:
            await self.open_project(name)

    # -- actions on what is under the browser's cursor --------------------------------
    def _cursor(self) -> BrowserItem | None:
        item = self.browser.cursor_item
        if item is None:
            self.notify("Select a project or a file in the browser first.", severity="warning")
        return item

    def action_new_file(self) -> None:
        item = self._cursor()
        if item is not None:
            self._new_entry(item, folder=False)

    def action_new_folder(self) -> None:
        item = self._cursor()
        if item is not None:
            self._new_entry(item, folder=True)

    @work(group="dialog")
    async def _new_entry(self, item: BrowserItem, *, folder: bool) -> None:
        taken = self._path_taken(item.project, item.dir_path)
        name = await self.app.push_screen_wait(
            questions.new_entry(item, folder=folder, taken=taken)
        )
        if name:
            self.make_entry(item.project, posixpath.join(item.dir_path, name), folder=folder)

    @work(group="files", exit_on_error=False)
    async def make_entry(self, project: str, path: str, *, folder: bool) -> None:
        """Make a folder, or an empty file (never over an existing one), and show it;
        the folders on its way are made first (``src/main.py``)."""
        validate_new_path(path)
        parts = path.split("/")
        folders = len(parts) if folder else len(parts) - 1
        for depth in range(1, folders + 1):
            step = "/".join(parts[:depth])
            try:
                await self.backend.stat(project, step)
            except NotFound:
                await self.backend.make_dir(project, step)
                continue
            if step == path:  # the new folder itself is there already
                raise AlreadyExists(f"{path} exists already in {project}.")
        if not folder:
            # Never clobber a file of that name (the shell may have made it meanwhile).
            try:
                await self.backend.stat(project, path)
            except NotFound:
                await self.backend.write_file(project, path, b"")
            else:
                raise AlreadyExists(
                    f"{path} exists already in {project}.",
                    hint="choose another name, or open the file",
                )
        await self.reload_browser()
        await self.reveal(project, path)
        if not folder:
            self.open_file(project, path)

    def action_rename(self) -> None:
        item = self._cursor()
        if item is not None:
            self._rename(item)

    @work(group="dialog")
    async def _rename(self, item: BrowserItem) -> None:
        old = item.project if item.path is None else posixpath.basename(item.path)
        taken = (
            self._project_taken
            if item.path is None
            else self._path_taken(item.project, posixpath.dirname(item.path))
        )
        new = await self.app.push_screen_wait(questions.rename(item, old, taken))
        if new and new != old:
            self.rename(item, new)

    @work(group="projects", exit_on_error=False)
    async def rename(self, item: BrowserItem, new: str) -> None:
        """Rename a project (its shells end first: its container goes) or a file or
        folder (editors on it follow)."""
        if item.path is None:
            with self._changing(item.project):
                await self.close_project_tabs(item.project, "terminal")
                await self.backend.rename_project(item.project, new)
                editors = self._editor_paths(item.project)
                self.tabs.rename_project(item.project, new)
                self.opened_projects.discard(item.project)
            for path in editors:
                self.tell_file_open(item.project, path, False)
                self.tell_file_open(new, path, True)
        else:
            dst = posixpath.join(posixpath.dirname(item.path), new)
            await self.backend.rename_path(item.project, item.path, dst)
            before = self._editor_paths(item.project)
            for tab in self.tabs.move_path(item.project, item.path, dst):
                self._set_label(tab)
            after = self._editor_paths(item.project)
            for path in before - after:
                self.tell_file_open(item.project, path, False)
            for path in after - before:
                self.tell_file_open(item.project, path, True)
        await self.reload_browser()
        self._update_status()

    def _editor_paths(self, project: str) -> set[str]:
        return {
            tab.widget.path
            for tab in self.tabs.of_project(project, "editor")
            if isinstance(tab.widget, Editor)
        }

    def action_delete(self) -> None:
        item = self._cursor()
        if item is not None:
            self._delete(item)

    @work(group="dialog")
    async def _delete(self, item: BrowserItem) -> None:
        if await self.app.push_screen_wait(questions.delete(item)):
            self.delete(item)

    @work(group="projects", exit_on_error=False)
    async def delete(self, item: BrowserItem) -> None:
        """Delete a project (its tabs close first) or a file or folder, for good."""
        if item.path is None:
            with self._changing(item.project):
                await self.close_project_tabs(item.project, None)
                await self.backend.delete_project(item.project)
                self.opened_projects.discard(item.project)
        else:
            await self.backend.delete_path(item.project, item.path)
        await self.reload_browser()
        self._update_status()

    # -- a project folder deleted on disk (not by us) -------------------------------------
    @contextmanager
    def _changing(self, project: str) -> Iterator[None]:
        """While we rename or delete ``project``, its leaving the list is no surprise."""
        self._projects_changing.add(project)
        try:
            yield
        finally:
            self._projects_changing.discard(project)

    @on(ProjectBrowser.ProjectsChanged)
    def _projects_removed(self, event: ProjectBrowser.ProjectsChanged) -> None:
        for project in event.removed:
            if project in self._projects_changing:
                continue
            if self.tabs.of_project(project) or project in self.opened_projects:
                self.project_vanished(project)

    @work(group="vanished", exit_on_error=False)
    async def project_vanished(self, project: str) -> None:
        """The project's folder was deleted on disk (not through the app) while it was
        open: say so, end its shells (they run in a /workspace that is gone) and stop
        its container. Editors stay, with their text (saving it would fail)."""
        await self.close_project_tabs(project, "terminal")
        self.opened_projects.discard(project)
        editors = len(self.tabs.of_project(project, "editor"))
        kept = (
            f" Its {editors} editor tab(s) keep their text: copy what you need elsewhere."
            if editors
            else ""
        )
        self.notify(
            f"The folder of project {project} was deleted on disk: its shells were ended "
            f"and its container is being stopped.{kept}",
            title="Project deleted on disk",
            severity="warning",
            timeout=20,
        )
        await self.backend.stop_container(project)
        self._update_status()
