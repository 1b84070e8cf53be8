"""The main screen: the hub between the project browser, the tabs and the status line.

Widgets below it post what the user did (a project or file opened, a shell's title or
exit, an editor's unsaved state); this screen decides what happens and calls the backend
in workers. It never reaches up to the app: what it needs is handed to it (the backend,
the settings it uses, the shell opened ahead), and what it has to say goes up as a
message (``Ready``, ``messages.Activity``; failed workers as ``messages.WorkFailed``).

What it leans on, one job each: ``tabs`` remembers the tabs and words their labels,
``workspace_actions`` (its base) creates, renames and deletes projects and files,
``sessions`` (its base) attaches, restores and ends shells that outlive the app (a
server's), ``file_sync`` (its base) does the browser's and the editors' I/O and follows
the backend's change events, ``editor_actions`` (its base) answers what editors ask and
puts them in the status line, ``questions`` builds the dialogs they ask, ``validation``
checks the names typed in them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Static, TabbedContent, TabPane, Tabs

from cloudide_tui import defaults
from cloudide_tui.backend.base import Backend, ShellSession
from cloudide_tui.dialogs import ChoiceDialog
from cloudide_tui.early_shell import EarlyShell
from cloudide_tui.keymap import FOOTER, MAIN_BINDINGS
from cloudide_tui.messages import Activity, OpenLink
from cloudide_tui.screens.editor_actions import EditorActions
from cloudide_tui.screens.sessions import SessionActions
from cloudide_tui.screens.tabs import Tab, TabKind, TabRegistry
from cloudide_tui.screens.workspace_actions import WorkspaceActions
from cloudide_tui.warm_start import NARROW_BELOW, expected_terminal_size
from cloudide_tui.widgets.editor import READ_LIMIT, Editor
from cloudide_tui.widgets.project_browser import ProjectBrowser
from cloudide_tui.widgets.status_line import StatusLine
from cloudide_tui.widgets.terminal import Terminal
from cloudide_tui.widgets.terminal_find import links
from cloudide_tui.widgets.terminal_pane import TerminalPane
from cloudide_tui.worker_errors import ReportWorkerErrors

EMPTY_TEXT = """\
[b]No project open.[/b]

  [b]Ctrl+N[/b]   create a project
  [b]Enter[/b]    on a project (left) opens its terminal
  [b]Ctrl+P[/b]   every action, and any file
  [b]F1[/b]       all the keys
"""

IGNORED_HINT_EVERY = 4.0
"""Seconds between two hints about keys typed where they do nothing (one per burst)."""


def _action_name(action: str) -> str:
    """``"screen.go_tab(3)"`` -> ``"go_tab"``: an action without namespace or arguments."""
    return action.split("(")[0].rpartition(".")[2]


class MainScreen(ReportWorkerErrors, WorkspaceActions, SessionActions, EditorActions):
    """Browser on the left, tabs (terminals and editors) on the right.

    Args:
        backend: Projects, files and shells.
        scrollback: Lines each terminal keeps above its screen.
        clipboard_from_programs: Let programs in the terminals set the clipboard (OSC 52).
        early_shell: The ``--project`` shell being opened ahead; the project's first
            terminal takes it instead of opening another.
        alt_digits: What Alt+1..9 do in a terminal (``Settings.alt_digits``).
    """

    CSS_PATH = "main.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_BINDINGS)
    AUTO_FOCUS = "ProjectBrowser"

    @dataclass
    class Ready(Message):
        """The screen is mounted, its panes exist: start-up can run."""

        screen: MainScreen

        @property
        def control(self) -> MainScreen:
            return self.screen

    def __init__(
        self,
        backend: Backend,
        *,
        scrollback: int = defaults.SCROLLBACK,
        clipboard_from_programs: bool = False,
        early_shell: EarlyShell | None = None,
        alt_digits: str = defaults.ALT_DIGITS,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.scrollback = scrollback
        self.clipboard_from_programs = clipboard_from_programs
        self.early_shell = early_shell
        self.alt_digits = alt_digits
        """``"tabs"``: Alt+1..9 go to a tab even in a terminal; ``"shell"``: not there."""
        self._ignored_hint_at = -IGNORED_HINT_EVERY
        self.prefix_action = False
        """True while an action chosen with the prefix key runs (the app sets it): it
        runs even where its own key would not (Alt+1..9 given to the shell)."""
        self.tabs = TabRegistry()
        """Every open tab (terminals and editors) by pane id."""
        self.opened_projects: set[str] = set()
        """Projects whose container this screen started a shell in (stopped on quit)."""
        self._projects_changing: set[str] = set()

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            browser = ProjectBrowser(id="browser")
            browser.border_title = "Projects"
            yield browser
            with ContentSwitcher(id="right", initial="empty"):
                yield Static(EMPTY_TEXT, id="empty")
                yield TabbedContent(id="tabs")
            yield Static("", id="tab-overflow")  # over the tab bar's right end
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.status.backend_name = self.backend.description
        self.status.connection = self.backend.connection
        self.watch_tab_bar()
        self.start_change_feed()
        self.post_message(self.Ready(self))

    async def on_unmount(self) -> None:
        await self.stop_change_feed()

    # -- parts ----------------------------------------------------------------------
    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

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
        """Every editor tab's editor, in opening order."""
        return [t.widget for t in self.tabs.values() if isinstance(t.widget, Editor)]

    def terminals(self) -> list[Terminal]:
        """Every terminal tab's terminal, in opening order."""
        return [t.widget for t in self.tabs.values() if isinstance(t.widget, Terminal)]

    def tab_of(self, widget: Widget) -> Tab | None:
        """The tab showing ``widget`` (a terminal or an editor), or None."""
        return self.tabs.of(widget)

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
        self.show_editor_position()

    def _set_activity(self, text: str) -> None:
        with contextlib.suppress(NoMatches):  # a shell still opening when quitting
            self.status.activity = text

    def focus_tab_content(self, tab: Tab | None = None, *, now: bool = False) -> None:
        """Focus the tab's terminal or editor text. ``now``: before the next key is
        handled (``Widget.focus`` waits for the message queue, so keys already read would
        still go to the old focus); for a tab that is mounted."""
        tab = tab or self.active_tab
        if tab is None:
            return
        if isinstance(tab.widget, Editor):
            tab.widget.focus_text(now=now)
        elif now:
            self.set_focus(tab.widget)
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
        for tab in self.tabs.of_project(project, "terminal")[:1]:
            self.tabbed.active = tab.pane_id
            self.focus_tab_content(tab)
            return
        await self.new_terminal(project)

    async def new_terminal(
        self,
        project: str,
        *,
        session_id: str | None = None,
        read_only: bool = False,
        focus: bool = True,
    ) -> Tab:
        """A new terminal tab on the project's container, focused (unless ``focus`` is
        False); the shell opens behind, or a running one is attached (``session_id``,
        ``read_only``: watch it only)."""
        terminal = Terminal(
            scrollback=self.scrollback, allow_clipboard=self.clipboard_from_programs
        )
        pane_id = self.tabs.new_pane_id()
        pane = TabPane(Content(project), TerminalPane(terminal), id=pane_id)
        number = self.tabs.free_terminal_number(project)
        tab = Tab(pane_id, "terminal", project, terminal, title=project, number=number)
        self.tabs.add(tab)
        self.opened_projects.add(project)
        await self.tabbed.add_pane(pane)
        self._show_right()
        if focus or len(self.tabs) == 1:
            self.tabbed.active = pane_id
        if focus:
            terminal.focus()
        self.relabel_tabs()
        self._update_status()
        self.start_shell(tab, session_id=session_id, read_only=read_only)
        return tab

    open_terminal = new_terminal

    @work(group="shells", exit_on_error=False)
    async def start_shell(
        self, tab: Tab, *, session_id: str | None = None, read_only: bool = False
    ) -> None:
        """Open a shell at the terminal's size (or attach the running ``session_id``) and
        show it; errors go to the app."""
        terminal = tab.widget
        assert isinstance(terminal, Terminal)
        early = (
            await self.early_shell.take(tab.project)
            if self.early_shell and session_id is None
            else None
        )
        if early is not None:  # ``--project``: opened while the screen mounted
            self.show_session(tab, early)
            return
        await asyncio.sleep(0)  # let the new pane get its size
        for _ in range(20):
            if terminal.size.width > 0 and terminal.size.height > 0:
                break
            await asyncio.sleep(0.02)
        width, height = terminal.scrollable_content_region.size  # what its screen gets
        if width > 0 and height > 0:
            rows, cols = height, width
        else:  # a tab not shown yet (shells restored at start): the size it will have
            rows, cols = expected_terminal_size(self.app.size.width, self.app.size.height)
        rows, cols = max(rows, 2), max(cols, 10)
        self._set_activity(f"opening a shell in {tab.project}…")
        app = self.app

        def progress(line: str) -> None:
            # Called from the backend, possibly in a thread: post, never touch widgets.
            app.post_message(Activity(line))

        try:
            if session_id is not None:
                session = await self.backend.attach_shell(
                    session_id, rows=rows, cols=cols, read_only=read_only
                )
            else:
                session = await self.backend.open_shell(tab.project, rows, cols, progress)
        except BaseException:
            tab.ended = True
            self._set_label(tab)
            raise
        finally:
            self._set_activity("")
        if tab.pane_id not in self.tabs:  # closed while the shell was starting
            await session.detach()
            return
        self.show_session(tab, session)

    @on(Terminal.TitleChanged)
    def _title_changed(self, event: Terminal.TitleChanged) -> None:
        tab = self.tabs.of(event.terminal)
        if tab is not None:
            tab.title = event.title or tab.project
            self._set_label(tab)  # the tooltip says it

    @on(Terminal.Exited)
    def _shell_exited(self, event: Terminal.Exited) -> None:
        tab = self.tabs.of(event.terminal)
        if tab is not None:
            tab.ended = True
            self._set_label(tab)

    @on(Terminal.RestartRequested)
    def _restart(self, event: Terminal.RestartRequested) -> None:
        tab = self.tabs.of(event.terminal)
        if tab is not None and tab.kind == "terminal":
            self.start_shell(tab)

    @work(group="close", exit_on_error=False)
    async def let_go(self, session: ShellSession) -> None:
        """Stop showing a shell (in the background): a server's runs on, a local one
        ends (``ShellSession.detach``)."""
        await session.detach()

    # -- editors --------------------------------------------------------------------
    @on(ProjectBrowser.FileOpened)
    def _file_opened(self, event: ProjectBrowser.FileOpened) -> None:
        self.open_file(event.project, event.path)

    @work(group="open-file", exit_on_error=False)
    async def open_file(self, project: str, path: str) -> None:
        """Open (or show again) an editor tab on a file."""
        tab = self.tabs.editor_on(project, path)
        if tab is not None:
            self.tabbed.active = tab.pane_id
            self.focus_tab_content(tab)
            return
        content = await self.backend.read_file(project, path, READ_LIMIT)
        editor = Editor(project, content)
        pane_id = self.tabs.new_pane_id()
        tab = Tab(pane_id, "editor", project, editor)
        self.tabs.add(tab)
        await self.tabbed.add_pane(TabPane(Content(editor.name_label), editor, id=pane_id))
        self._show_right()
        self.tabbed.active = pane_id
        self.relabel_tabs()
        editor.focus_text()  # a read-only file says why on the editor's notice line
        self.tell_file_open(project, editor.path, True)

    @on(Editor.DirtyChanged)
    def _dirty_changed(self, event: Editor.DirtyChanged) -> None:
        tab = self.tabs.of(event.editor)
        if tab is not None:
            self._set_label(tab)

    @on(Editor.Saved)
    def _saved(self, event: Editor.Saved) -> None:
        self.notify(f"Saved {event.entry.path}", timeout=2)

    # -- tabs -------------------------------------------------------------------------
    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.tab_activated()
        self.call_after_refresh(self.update_overflow)
        tab = self.active_tab
        if tab is not None:
            self.browser.select_project(tab.project)
            if self.focused is None or self.focused is self.tabbed.query_one(Tabs):
                # A click on a tab: go on into its terminal or editor.
                self.focus_tab_content(tab)
        self._update_status()

    async def action_close_tab(self) -> None:
        tab = self.active_tab
        if tab is not None:
            await self.request_close(tab)

    async def request_close(self, tab: Tab) -> None:
        """Close a tab as the user asked (a key, a click on ×, a middle click): an editor
        with unsaved text asks first."""
        if isinstance(tab.widget, Editor) and tab.widget.dirty:
            self.confirm_close(tab)
            return
        await self.close_tab(tab)

    async def close_tab(self, tab: Tab) -> None:
        """Remove a tab; a terminal's shell is hung up (in the background)."""
        was_beside = self.tab_closing(tab)
        self.tabs.remove(tab)
        self.stop_watching(tab)
        if tab.session is not None:
            self.let_go(tab.session)
        if isinstance(tab.widget, Editor):
            self.tell_file_open(tab.project, tab.widget.path, False)
        await self.tabbed.remove_pane(tab.pane_id)
        if was_beside is not None and was_beside in self.tabs:
            self.tabbed.active = was_beside
        self.arrange_split()
        self.relabel_tabs()
        self._show_right()
        self._update_status()
        if self.tabs:
            self.focus_tab_content()
        else:
            self.browser.focus()

    async def close_project_tabs(self, project: str, kind: TabKind | None = None) -> None:
        """Close a project's tabs (only its terminals or editors with ``kind``)."""
        for tab in self.tabs.of_project(project, kind):
            await self.close_tab(tab)

    # -- keys shown and keys that work ----------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Alt+N with alt_digits = "shell": False, and the key goes on to the shell.
        return not (
            action == "go_tab"
            and self.alt_digits == "shell"
            and isinstance(self.focused, Terminal)
            and not self.prefix_action
        )

    def focus_place(self) -> str:
        """Where the keys go now: ``"terminal"``, ``"editor"``, ``"browser"`` or ``"other"``
        (``keymap.FOOTER`` says what the footer shows there)."""
        focused = self.focused
        if isinstance(focused, Terminal):
            return "terminal"
        if focused is not None and any(isinstance(n, Editor) for n in focused.ancestors):
            return "editor"
        if isinstance(focused, ProjectBrowser):
            return "browser"
        return "other"

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings, as the footer shows them: only the keys that work
        where the focus is (a focused terminal keeps every other key for the shell), in
        ``keymap.FOOTER``'s order of importance and labels, as many as fit the width (the
        footer is never cut). Display only: which key does what stays Textual's."""
        bindings = super().active_bindings
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        room = self.size.width
        if palette is not None:  # docked at the right: "▏^P palette "
            room -= len(self.app.get_key_display(palette.binding)) + 10
        shown: dict[str, ActiveBinding] = {}
        for action, label in FOOTER[self.focus_place()]:
            keys = [
                (key, active)
                for key, active in bindings.items()
                if active.binding.show and _action_name(active.binding.action) == action
            ]
            if not keys:
                continue
            # The footer shows one item per action (the first key), whatever its keys.
            width = len(self.app.get_key_display(keys[0][1].binding)) + len(label) + 2
            if width <= room:
                room -= width
                for key, active in keys:
                    shown[key] = active._replace(binding=replace(active.binding, description=label))
        # The others stay known (Textual's "press ^q to quit" reads them), not shown.
        for key, active in bindings.items():
            if key not in shown:
                shown[key] = active._replace(binding=replace(active.binding, show=False))
        return shown

    def on_resize(self) -> None:
        # At 80 columns the browser slims down so a terminal keeps ~57 columns.
        self.set_class(self.size.width < NARROW_BELOW, "-narrow")
        self.refresh_bindings()  # the footer shows as many keys as fit
        self.call_after_refresh(self.update_overflow)

    # -- focus and panes ----------------------------------------------------------------
    def action_toggle_focus(self) -> None:
        """F12: from a terminal (or editor) to the browser, and back."""
        # At once, not at the next message: keys typed right after F12 (read in the same
        # batch) belong where F12 put the focus.
        if self.focused is self.browser or self.focused is None:
            if self.tabs:
                self.focus_tab_content(now=True)
        else:
            tab = self.active_tab
            if tab is not None:
                self.browser.select_project(tab.project)
            self.browser.display = True
            self.set_focus(self.browser)

    def panes(self) -> list[Widget]:
        """What ``next_pane`` moves between, left to right: the browser (when shown) and
        the tabs shown (the active one, and the one beside it in a split)."""
        panes: list[Widget] = [self.browser] if self.browser.display else []
        return panes + [tab.widget for tab in self.shown_tabs()]

    def action_next_pane(self) -> None:
        """The prefix, then o: the next pane to the right (wrapping round)."""
        panes = self.panes()
        if not panes:
            return
        focused = self.focused
        current = next((i for i, p in enumerate(panes) if focused in (p, *p.query("*"))), -1)
        target = panes[(current + 1) % len(panes)]
        if target is self.browser:
            self.browser.focus()
        else:
            self.focus_tab_content(self.tabs.of(target))

    def action_toggle_browser(self) -> None:
        browser = self.browser
        browser.display = not browser.display
        if browser.display:
            browser.focus()
        elif self.focused is None or self.focused is browser:
            self.focus_tab_content()

    # -- terminals ------------------------------------------------------------------------
    async def action_new_terminal(self) -> None:
        project = self.current_project()
        if project is None:
            self.notify("Choose or create a project first (Ctrl+N).", severity="warning")
            return
        await self.new_terminal(project)

    # -- the terminal's history and links -------------------------------------------------
    def _active_terminal(self, what: str) -> Terminal | None:
        tab = self.active_tab
        if tab is None or not isinstance(tab.widget, Terminal):
            self.notify(f"{what} works in a terminal tab.", severity="warning", timeout=3)
            return None
        return tab.widget

    def action_search(self) -> None:
        """The prefix, then /: search the active terminal's history."""
        terminal = self._active_terminal("Searching the history")
        if terminal is not None and isinstance(terminal.parent, TerminalPane):
            terminal.parent.search()

    def action_open_link(self) -> None:
        """The prefix, then u: open a link the active terminal shows (choose if several)."""
        terminal = self._active_terminal("Opening a link")
        if terminal is None:
            return
        found = [f.text for f in reversed(links(terminal.text_rows(visible_only=True)))]
        urls = list(dict.fromkeys(found))  # newest first, once each
        if not urls:
            self.notify("No link in view in this terminal.", timeout=3)
        elif len(urls) == 1:
            self.post_message(OpenLink(urls[0]))
        else:
            self._choose_link(urls)

    @work(group="dialog")
    async def _choose_link(self, urls: list[str]) -> None:
        url = await self.app.push_screen_wait(ChoiceDialog("Open a link", urls))
        if url:
            self.post_message(OpenLink(url))

    @on(Terminal.Copied)
    def _copied(self, event: Terminal.Copied) -> None:
        lines = event.text.count("\n") + 1
        size = f"{len(event.text)} characters" + (f", {lines} lines" if lines > 1 else "")
        self.notify(f"Copied {size} to the clipboard.", timeout=2)

    @on(ProjectBrowser.KeyIgnored)
    def _key_ignored(self, event: ProjectBrowser.KeyIgnored) -> None:
        now = time.monotonic()
        if now - self._ignored_hint_at < IGNORED_HINT_EVERY:
            return
        self._ignored_hint_at = now
        where = "Enter opens a terminal" if not self.tabs else "F12 goes back to the tab"
        self.notify(
            f"The project browser has the keys: {event.character!r} does nothing here. "
            f"{where}; F1 lists every key.",
            title="Typed into the browser",
            severity="warning",
            timeout=IGNORED_HINT_EVERY,
            markup=False,
        )

    @on(ProjectBrowser.ProjectsChanged)
    def _projects_changed(self, event: ProjectBrowser.ProjectsChanged) -> None:
        self._update_status()

    def on_descendant_focus(self) -> None:
        self._update_status()
        self._show_focus()

    def on_descendant_blur(self) -> None:
        self._show_focus()

    def _show_focus(self) -> None:
        """Mark the tabs while their content has the keys (main.tcss highlights the active
        tab's label then, as ``:focus`` does the browser's title). A class, because
        Textual does not restyle the tab bar when the focus moves inside a pane."""
        with contextlib.suppress(NoMatches):  # taken down while quitting
            self.tabbed.set_class(self.focus_place() in ("terminal", "editor"), "-has-focus")
