"""The main screen's shells as things that outlive the app: attach, watch, end, restore.

Where the backend's sessions persist (a server: ``Capabilities.sessions_persist``),
closing a tab or quitting only detaches; the shell runs on. This base of ``MainScreen``
adds what that makes possible:

* ``restore_sessions``: at start, every running shell comes back as a tab (attached:
  its exact screen first);
* the palette's "Attach a running shell…" and "Watch a running shell (read-only)…":
  every running shell of the project, with how many watch it, to attach to;
* "End this shell": close it for good (for every viewer);
* each terminal tab follows its shell's status (``SessionStatus``): "reconnecting…" on
  the tab and over the terminal while the connection is being restored, how many
  watch, read-only; keys typed meanwhile are held and sent after, and any that could
  not be (the shell ended meanwhile) are told, never dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from textual import on, work

from cloudide_tui.backend.base import Backend, SessionStatus, ShellInfo, ShellSession
from cloudide_tui.dialogs import ChoiceDialog, TextInputDialog
from cloudide_tui.messages import SessionStatusChanged
from cloudide_tui.screens.tab_views import TabViews
from cloudide_tui.screens.tabs import Tab
from cloudide_tui.widgets.terminal import Terminal

RECONNECTING = "reconnecting… (keys wait)"
"""The banner over a terminal whose connection is being restored."""


def describe(info: ShellInfo, now: float | None = None) -> str:
    """A running shell as the palette's list shows it: title, age, who watches."""
    age = max(0.0, (now if now is not None else time.time()) - info.started)
    if age < 120:
        since = f"{age:.0f} s"
    elif age < 7200:
        since = f"{age / 60:.0f} min"
    else:
        since = f"{age / 3600:.0f} h"
    watching = {0: "nobody attached", 1: "1 attached"}.get(info.viewers, f"{info.viewers} attached")
    return f"{info.title or info.project} · started {since} ago · {watching} · {info.session_id}"


class SessionActions(TabViews):
    """See the module docstring."""

    backend: Backend
    # The hub's (MainScreen), used here:
    open_terminal: Callable[..., Awaitable[Tab]]
    current_project: Callable[[], str | None]
    close_tab: Callable[[Tab], Awaitable[None]]

    # -- a tab's shell and its status -------------------------------------------------------
    def show_session(self, tab: Tab, session: ShellSession) -> None:
        """Show ``session`` in a terminal tab and follow its status."""
        terminal = tab.widget
        assert isinstance(terminal, Terminal)
        if tab.unwatch is not None:
            tab.unwatch()
        tab.session = session
        tab.ended = False
        tab.status = session.status

        def changed(status: SessionStatus) -> None:
            self.post_message(SessionStatusChanged(session, status))

        tab.unwatch = session.watch_status(changed)
        terminal.attach(session)
        terminal.banner = "" if tab.status.connected else RECONNECTING
        self._set_label(tab)

    def stop_watching(self, tab: Tab) -> None:
        if tab.unwatch is not None:
            tab.unwatch()
            tab.unwatch = None

    @on(SessionStatusChanged)
    def _session_status(self, message: SessionStatusChanged) -> None:
        tab = next((t for t in self.tabs.values() if t.session is message.session), None)
        if tab is None:
            return
        old, status = tab.status, message.status
        tab.status = status
        terminal = tab.widget
        if isinstance(terminal, Terminal):
            if not status.connected:
                held = f" · {status.held} bytes typed will be sent" if status.held else ""
                terminal.banner = RECONNECTING + held
            else:
                terminal.banner = ""
        if status.dropped > old.dropped:
            lost = status.dropped - old.dropped
            why = (
                "this is a read-only view"
                if status.read_only
                else "the shell could not be reached again"
            )
            self.notify(
                f"{lost} byte(s) you typed were not sent: {why}.",
                title=f"Not typed in {tab.project}",
                severity="warning",
                timeout=6,
            )
        self._set_label(tab)

    def session_ids(self) -> set[str]:
        """The shells this screen's tabs show now."""
        return {
            t.session.session_id
            for t in self.tabs.values()
            if t.session is not None and not t.ended and t.session.session_id
        }

    # -- restoring, attaching, ending -----------------------------------------------------------
    async def restore_sessions(self, projects: list[str]) -> int:
        """Attach every running shell of ``projects`` not shown yet, each in a new tab
        (oldest first, not focused). Returns how many came back."""
        if not self.backend.capabilities.sessions_persist:
            return 0
        restored = 0
        for project in projects:
            for info in await self.backend.list_shells(project):
                if info.session_id not in self.session_ids():
                    await self.open_terminal(project, session_id=info.session_id, focus=False)
                    restored += 1
        return restored

    def action_attach_shell(self) -> None:
        self._choose_shell(read_only=False)

    def action_watch_shell(self) -> None:
        self._choose_shell(read_only=True)

    @work(group="dialog", exit_on_error=False)
    async def _choose_shell(self, *, read_only: bool) -> None:
        project = self.current_project()
        if project is None:
            self.notify("Choose a project first.", severity="warning")
            return
        if not self.backend.capabilities.sessions_persist:
            self.notify(
                "Shells end with the app here (local Docker): there is none to attach.",
                title="No running shells to attach",
                timeout=5,
            )
            return
        shown = self.session_ids() if not read_only else set()
        infos = [i for i in await self.backend.list_shells(project) if i.session_id not in shown]
        if not infos:
            self.notify(
                f"Every running shell of {project} is open here already."
                if shown
                else f"{project} has no running shell.",
                title="No shell to attach",
                timeout=4,
            )
            return
        now = time.time()
        items = [describe(info, now) for info in reversed(infos)]  # newest first
        verb = "Watch (read-only)" if read_only else "Attach"
        chosen = await self.app.push_screen_wait(ChoiceDialog(f"{verb}: {project}", items))
        if chosen is None:
            return
        info = list(reversed(infos))[items.index(chosen)]
        await self.open_terminal(project, session_id=info.session_id, read_only=read_only)

    def action_share_shell(self) -> None:
        self._share_shell()

    @work(group="dialog", exit_on_error=False)
    async def _share_shell(self) -> None:
        """A read-only link to the active tab's shell: shown, and on the clipboard."""
        tab = self.active_tab
        session = tab.session if tab is not None and tab.kind == "terminal" else None
        if session is None or not session.session_id:
            self.notify("Sharing works on a terminal tab.", severity="warning")
            return
        link = await self.backend.share_shell(session.session_id)
        self.app.copy_to_clipboard(link.url)
        until = time.strftime("%H:%M", time.localtime(link.expires))
        await self.app.push_screen_wait(
            TextInputDialog(
                "Share this shell, read-only",
                f"Whoever opens this link watches this shell live until {until}; they cannot "
                "type. It is on your clipboard too.",
                value=link.url,
                confirm="Done",
            )
        )

    async def action_end_shell(self) -> None:
        """End the active tab's shell for good (every viewer's), and close the tab."""
        tab = self.active_tab
        if tab is None or tab.kind != "terminal":
            self.notify("Ending a shell works on a terminal tab.", severity="warning")
            return
        session = tab.session
        self.stop_watching(tab)
        tab.session = None
        if session is not None:
            self._end(session)
        await self.close_tab(tab)

    @work(group="close", exit_on_error=False)
    async def _end(self, session: ShellSession) -> None:
        await session.close()
