"""The main screen: the hub between the project browser, the tabs and the status line.

Widgets below it post what the user did (a project or file opened, a shell's title or
exit, an editor's unsaved state); this screen decides what happens and calls the backend
in workers. Failures of those workers go up to the app's single error handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Static, TabbedContent, TabPane, Tabs

from cloudide_tui.backend.base import Backend, ShellSession
from cloudide_tui.dialogs import ConfirmDialog, TextInputDialog
from cloudide_tui.errors import AlreadyExists, InvalidPath, NotFound
from cloudide_tui.keymap import MAIN_BINDINGS
from cloudide_tui.validation import validate_project_name
from cloudide_tui.widgets.editor import READ_LIMIT, Editor
from cloudide_tui.widgets.project_browser import BrowserItem, ProjectBrowser
from cloudide_tui.widgets.status_line import StatusLine
from cloudide_tui.widgets.terminal import Terminal
from cloudide_tui.worker_errors import ReportWorkerErrors

if TYPE_CHECKING:
    from cloudide_tui.app import CloudIDEApp

TITLE_WIDTH = 24
"""Tab labels longer than this are shortened with an ellipsis."""

EMPTY_TEXT = """\
[b]No project open.[/b]

  [b]Ctrl+N[/b]   create a project
  [b]Enter[/b]    on a project (left) opens its terminal
  [b]Ctrl+P[/b]   every action, and any file
  [b]F1[/b]       all the keys
"""


def validate_file_name(name: str) -> None:
    """A single path component for a new file, folder or rename (the backend checks again).

    Raises:
        InvalidPath: empty, ``.``/``..``, a slash, NUL or a control character.
    """
    if not name or name in (".", ".."):
        raise InvalidPath("Give a name (not . or ..).")
    if "/" in name:
        raise InvalidPath("A name cannot contain a slash.")
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        raise InvalidPath("A name cannot contain control characters.")
    if len(name.encode()) > 255:
        raise InvalidPath("A name is at most 255 bytes long.")


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Tab:
    """What the screen knows of one tab."""

    pane_id: str
    kind: Literal["terminal", "editor"]
    project: str
    widget: Widget
    title: str = ""
    session: ShellSession | None = None
    ended: bool = False
    number: int = 1
    """A terminal's number among its project's terminals: shown when titles collide."""
    extra: dict[str, str] = field(default_factory=dict)


class MainScreen(ReportWorkerErrors, Screen[None]):
    """Browser on the left, tabs (terminals and editors) on the right."""

    CSS_PATH = "main.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_BINDINGS)
    AUTO_FOCUS = "ProjectBrowser"

    def __init__(
        self,
        backend: Backend,
        *,
        scrollback: int = 10_000,
        clipboard_from_programs: bool = False,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.scrollback = scrollback
        self.clipboard_from_programs = clipboard_from_programs
        self.tabs: dict[str, Tab] = {}
        self.opened_projects: set[str] = set()
        self._ids = itertools.count(1)

    @property
    def ide(self) -> CloudIDEApp:
        from cloudide_tui.app import CloudIDEApp

        assert isinstance(self.app, CloudIDEApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            yield ProjectBrowser(self.backend, id="browser")
            with ContentSwitcher(id="right", initial="empty"):
                yield Static(EMPTY_TEXT, id="empty")
                yield TabbedContent(id="tabs")
        yield Footer()

    def on_mount(self) -> None:
        self.status.backend_name = self.backend.description
        self.ide.on_main_screen_ready()

    def on_resize(self) -> None:
        # At 80 columns the browser slims down so a terminal keeps ~57 columns.
        self.set_class(self.size.width < 100, "-narrow")

    # -- parts ----------------------------------------------------------------------
    @property
    def browser(self) -> ProjectBrowser:
        return self.query_one(ProjectBrowser)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def tabbed(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    @property
    def active_tab(self) -> Tab | None:
        return self.tabs.get(self.tabbed.active) if self.tabbed.active else None

    def current_project(self) -> str | None:
        """The project an action applies to: under the browser's cursor, else the tab's."""
        if self.focused is self.browser and self.browser.cursor_item is not None:
            return self.browser.cursor_item.project
        tab = self.active_tab
        if tab is not None:
            return tab.project
        item = self.browser.cursor_item
        return item.project if item is not None else None

    def editors(self) -> list[Editor]:
        return [t.widget for t in self.tabs.values() if isinstance(t.widget, Editor)]

    def terminals(self) -> list[Terminal]:
        return [t.widget for t in self.tabs.values() if isinstance(t.widget, Terminal)]

    def _tab_of(self, widget: Widget) -> Tab | None:
        for tab in self.tabs.values():
            if tab.widget is widget:
                return tab
        return None

    def _set_label(self, tab: Tab) -> None:
        """A tab's label: the file name or the shell's title, and its state marker
        (kept visible when the rest is shortened)."""
        if isinstance(tab.widget, Editor):
            text, suffix = tab.widget.name_label, " ●" if tab.widget.dirty else ""
        else:
            text, suffix = tab.title or tab.project, " (ended)" if tab.ended else ""
            if self._title_collides(tab):
                suffix = f" [{tab.number}]{suffix}"
        try:
            label = shorten(text, TITLE_WIDTH - len(suffix)) + suffix
            # Content, not a str: a shell's title must never be read as markup.
            self.tabbed.get_tab(tab.pane_id).label = Content(label)
        except NoMatches:
            pass

    def _title_collides(self, tab: Tab) -> bool:
        """Another terminal tab shows the same title (two shells in one directory)."""
        text = tab.title or tab.project
        return any(
            other is not tab and other.kind == "terminal" and (other.title or other.project) == text
            for other in self.tabs.values()
        )

    def _relabel_terminals(self) -> None:
        """Titles collide or stop colliding: every terminal's number shows or goes."""
        for tab in self.tabs.values():
            if tab.kind == "terminal":
                self._set_label(tab)

    def _show_right(self) -> None:
        self.query_one("#right", ContentSwitcher).current = "tabs" if self.tabs else "empty"

    def _update_status(self) -> None:
        try:
            status = self.status
            project = self.current_project()
        except NoMatches:  # focus moving while the screen is taken down (quitting)
            return
        status.project = project
        info = self.browser.projects.get(project) if project else None
        status.state = info.state if info else None

    def _set_activity(self, text: str) -> None:
        with contextlib.suppress(NoMatches):  # a shell still opening when quitting
            self.status.activity = text

    def focus_tab_content(self, tab: Tab | None = None) -> None:
        tab = tab or self.active_tab
        if tab is None:
            return
        if isinstance(tab.widget, Editor):
            tab.widget.focus_text()
        else:
            tab.widget.focus()

    # -- projects and terminals -----------------------------------------------------
    @on(ProjectBrowser.ProjectOpened)
    async def _project_opened(self, event: ProjectBrowser.ProjectOpened) -> None:
        await self.open_project(event.project)

    async def open_project(self, project: str) -> None:
        """Show the project's terminal, opening one if it has none; focus it. The
        browser shows the project's files (its node expanded)."""
        self.browser.show_project(project)
        for tab in self.tabs.values():
            if tab.project == project and tab.kind == "terminal":
                self.tabbed.active = tab.pane_id
                self.focus_tab_content(tab)
                return
        await self.new_terminal(project)

    async def new_terminal(self, project: str) -> Tab:
        """A new terminal tab on the project's container, focused; the shell opens behind."""
        terminal = Terminal(
            scrollback=self.scrollback, allow_clipboard=self.clipboard_from_programs
        )
        pane_id = f"tab-{next(self._ids)}"
        pane = TabPane(Content(shorten(project)), terminal, id=pane_id)
        taken = {
            t.number for t in self.tabs.values() if t.project == project and t.kind == "terminal"
        }
        number = next(n for n in itertools.count(1) if n not in taken)
        tab = Tab(pane_id, "terminal", project, terminal, title=project, number=number)
        self.tabs[pane_id] = tab
        self.opened_projects.add(project)
        await self.tabbed.add_pane(pane)
        self._show_right()
        self.tabbed.active = pane_id
        terminal.focus()
        self._relabel_terminals()
        self._update_status()
        self.start_shell(tab)
        return tab

    @work(group="shells", exit_on_error=False)
    async def start_shell(self, tab: Tab) -> None:
        """Open a shell at the terminal's size and attach it; errors go to the app."""
        terminal = tab.widget
        assert isinstance(terminal, Terminal)
        early = await self.ide.take_early_shell(tab.project)
        if early is not None:  # ``--project``: opened while the screen mounted
            tab.session = early
            tab.ended = False
            terminal.attach(early)
            self._set_label(tab)
            return
        await asyncio.sleep(0)  # let the new pane get its size
        for _ in range(20):
            if terminal.size.width > 0 and terminal.size.height > 0:
                break
            await asyncio.sleep(0.02)
        rows = max(terminal.size.height, 2)
        cols = max(terminal.size.width, 10)
        self._set_activity(f"opening a shell in {tab.project}…")

        def progress(line: str) -> None:
            # Called from the backend, possibly in a thread: post, never touch widgets.
            self.ide.post_message(self.ide.Activity(line))

        try:
            session = await self.backend.open_shell(tab.project, rows, cols, progress)
        except BaseException:
            tab.ended = True
            self._set_label(tab)
            raise
        finally:
            self._set_activity("")
        if tab.pane_id not in self.tabs:  # closed while the shell was starting
            await session.close()
            return
        tab.session = session
        tab.ended = False
        terminal.attach(session)
        self._set_label(tab)
        self.browser.poll(projects=True)

    @on(Terminal.TitleChanged)
    def _title_changed(self, event: Terminal.TitleChanged) -> None:
        tab = self._tab_of(event.terminal)
        if tab is not None:
            tab.title = event.title or tab.project
            self._relabel_terminals()

    @on(Terminal.Exited)
    def _shell_exited(self, event: Terminal.Exited) -> None:
        tab = self._tab_of(event.terminal)
        if tab is not None:
            tab.ended = True
            self._set_label(tab)
            self.browser.poll(projects=True)

    @on(Terminal.RestartRequested)
    def _restart(self, event: Terminal.RestartRequested) -> None:
        tab = self._tab_of(event.terminal)
        if tab is not None and tab.kind == "terminal":
            self.start_shell(tab)

    @work(group="close", exit_on_error=False)
    async def close_session(self, session: ShellSession) -> None:
        await session.close()

    # -- editors --------------------------------------------------------------------
    @on(ProjectBrowser.FileOpened)
    def _file_opened(self, event: ProjectBrowser.FileOpened) -> None:
        self.open_file(event.project, event.path)

    @work(group="open-file", exit_on_error=False)
    async def open_file(self, project: str, path: str) -> None:
        """Open (or show again) an editor tab on a file."""
        for tab in self.tabs.values():
            if isinstance(tab.widget, Editor) and (tab.project, tab.widget.path) == (project, path):
                self.tabbed.active = tab.pane_id
                self.focus_tab_content(tab)
                return
        content = await self.backend.read_file(project, path, READ_LIMIT)
        editor = Editor(self.backend, project, content)
        pane_id = f"tab-{next(self._ids)}"
        tab = Tab(pane_id, "editor", project, editor)
        self.tabs[pane_id] = tab
        await self.tabbed.add_pane(TabPane(Content(shorten(editor.name_label)), editor, id=pane_id))
        self._show_right()
        self.tabbed.active = pane_id
        self._set_label(tab)
        editor.focus_text()
        if editor.notice:
            self.notify(editor.notice, title=path, severity="warning")

    @on(Editor.DirtyChanged)
    def _dirty_changed(self, event: Editor.DirtyChanged) -> None:
        tab = self._tab_of(event.editor)
        if tab is not None:
            self._set_label(tab)

    @on(Editor.Saved)
    def _saved(self, event: Editor.Saved) -> None:
        self.notify(f"Saved {event.entry.path}", timeout=2)

    # -- tabs -------------------------------------------------------------------------
    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = self.active_tab
        if tab is not None:
            self.browser.select_project(tab.project)
            if self.focused is None or self.focused is self.tabbed.query_one(Tabs):
                # A click on a tab: go on into its terminal or editor.
                self.focus_tab_content(tab)
        self._update_status()

    def action_next_tab(self) -> None:
        self._move_tab(+1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, step: int) -> None:
        if not self.tabs:
            return
        tabs = self.tabbed.query_one(Tabs)
        tabs.action_next_tab() if step > 0 else tabs.action_previous_tab()
        self.call_after_refresh(self.focus_tab_content)

    async def action_close_tab(self) -> None:
        tab = self.active_tab
        if tab is None:
            return
        if isinstance(tab.widget, Editor) and tab.widget.dirty:
            self._confirm_close(tab)
            return
        await self.close_tab(tab)

    @work(group="dialog")
    async def _confirm_close(self, tab: Tab) -> None:
        assert isinstance(tab.widget, Editor)
        if await self.app.push_screen_wait(
            ConfirmDialog(
                "Unsaved changes",
                f"{tab.widget.path} has unsaved changes. Close it and lose them?",
                confirm="Close without saving",
                danger=True,
            )
        ):
            await self.close_tab(tab)

    async def close_tab(self, tab: Tab) -> None:
        """Remove a tab; a terminal's shell is hung up (in the background)."""
        self.tabs.pop(tab.pane_id, None)
        if tab.session is not None:
            self.close_session(tab.session)
        await self.tabbed.remove_pane(tab.pane_id)
        self._relabel_terminals()
        self._show_right()
        self._update_status()
        if self.tabs:
            self.focus_tab_content()
        else:
            self.browser.focus()

    async def close_project_tabs(self, project: str) -> None:
        for tab in [t for t in self.tabs.values() if t.project == project]:
            await self.close_tab(tab)

    # -- focus and panes ----------------------------------------------------------------
    def action_toggle_focus(self) -> None:
        """F12: from a terminal (or editor) to the browser, and back."""
        if self.focused is self.browser or self.focused is None:
            if self.tabs:
                self.focus_tab_content()
        else:
            tab = self.active_tab
            if tab is not None:
                self.browser.select_project(tab.project)
            self.browser.display = True
            self.browser.focus()

    def action_toggle_browser(self) -> None:
        browser = self.browser
        browser.display = not browser.display
        if browser.display:
            browser.focus()
        elif self.focused is None or self.focused is browser:
            self.focus_tab_content()

    # -- actions on projects --------------------------------------------------------------
    def action_new_project(self) -> None:
        self._new_project()

    @work(group="dialog")
    async def _new_project(self) -> None:
        name = await self.app.push_screen_wait(
            TextInputDialog(
                "New project",
                "Lower-case letters, digits, '.', '_' and '-'; it names the workspace "
                "folder and the container.",
                validate=validate_project_name,
                confirm="Create",
            )
        )
        if name:
            self.create_project(name)

    @work(group="projects", exit_on_error=False)
    async def create_project(self, name: str, *, open_it: bool = True) -> None:
        """Create a project (validated again by the backend), then open its terminal."""
        validate_project_name(name)
        await self.backend.create_project(name)
        await self.browser.reload()
        self.browser.select_project(name)
        if open_it:
            await self.open_project(name)

    async def action_new_terminal(self) -> None:
        project = self.current_project()
        if project is None:
            self.notify("Choose or create a project first (Ctrl+N).", severity="warning")
            return
        await self.new_terminal(project)

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
        where = item.dir_path or "the project's top folder"
        name = await self.app.push_screen_wait(
            TextInputDialog(
                "New folder" if folder else "New file",
                f"In {item.project}: {where}",
                validate=validate_file_name,
                confirm="Create",
            )
        )
        if name:
            self.make_entry(item.project, posixpath.join(item.dir_path, name), folder=folder)

    @work(group="files", exit_on_error=False)
    async def make_entry(self, project: str, path: str, *, folder: bool) -> None:
        if folder:
            await self.backend.make_dir(project, path)
        else:
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
        await self.browser.reload()
        await self.browser.reveal(project, path)
        if not folder:
            self.open_file(project, path)

    def action_rename(self) -> None:
        item = self._cursor()
        if item is not None:
            self._rename(item)

    @work(group="dialog")
    async def _rename(self, item: BrowserItem) -> None:
        old = item.project if item.path is None else posixpath.basename(item.path)
        new = await self.app.push_screen_wait(
            TextInputDialog(
                "Rename project" if item.is_project else f"Rename {item.path}",
                "The project's container is recreated under the new name when next used."
                if item.is_project
                else "",
                value=old,
                validate=validate_project_name if item.is_project else validate_file_name,
                confirm="Rename",
            )
        )
        if new and new != old:
            self.rename(item, new)

    @work(group="projects", exit_on_error=False)
    async def rename(self, item: BrowserItem, new: str) -> None:
        if item.path is None:
            if any(t.kind == "terminal" for t in self.tabs.values() if t.project == item.project):
                await self.close_project_tabs_terminals(item.project)
            await self.backend.rename_project(item.project, new)
            for tab in self.tabs.values():
                if tab.project == item.project:
                    tab.project = new
                    if isinstance(tab.widget, Editor):
                        tab.widget.retarget(new, tab.widget.path)
            self.opened_projects.discard(item.project)
        else:
            dst = posixpath.join(posixpath.dirname(item.path), new)
            await self.backend.rename_path(item.project, item.path, dst)
            for tab in self.tabs.values():
                editor = tab.widget
                if (
                    isinstance(editor, Editor)
                    and tab.project == item.project
                    and (editor.path == item.path or editor.path.startswith(item.path + "/"))
                ):
                    editor.retarget(item.project, dst + editor.path[len(item.path) :])
                    self._set_label(tab)
        await self.browser.reload()
        self._update_status()

    async def close_project_tabs_terminals(self, project: str) -> None:
        """A project's shells end before it is renamed (its container goes)."""
        for tab in [t for t in self.tabs.values() if t.project == project and t.kind == "terminal"]:
            await self.close_tab(tab)

    def action_delete(self) -> None:
        item = self._cursor()
        if item is not None:
            self._delete(item)

    @work(group="dialog")
    async def _delete(self, item: BrowserItem) -> None:
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
        if await self.app.push_screen_wait(
            ConfirmDialog(title, message, confirm="Delete", danger=True)
        ):
            self.delete(item)

    @work(group="projects", exit_on_error=False)
    async def delete(self, item: BrowserItem) -> None:
        if item.path is None:
            await self.close_project_tabs(item.project)
            await self.backend.delete_project(item.project)
            self.opened_projects.discard(item.project)
        else:
            await self.backend.delete_path(item.project, item.path)
        await self.browser.reload()
        self._update_status()

    @on(ProjectBrowser.ProjectsChanged)
    def _projects_changed(self, event: ProjectBrowser.ProjectsChanged) -> None:
        self._update_status()

    def on_descendant_focus(self) -> None:
        self._update_status()
