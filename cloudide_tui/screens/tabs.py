"""The main screen's tab registry: what each tab shows, its number and its label.

Plain bookkeeping, no widgets are made or moved here: the screen adds and removes the
panes, this module remembers what they are and says what their labels read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from textual.content import Content
from textual.widget import Widget

from cloudide_tui.backend.base import SessionStatus, ShellSession
from cloudide_tui.widgets.editor import Editor

TITLE_WIDTH = 20
"""A tab's name (without its number and ×) is shortened to this with an ellipsis."""

CLOSE_MARK = " \u00d7"
"""Ends every tab's label: a click on it closes the tab (``TabViews``)."""

TabKind = Literal["terminal", "editor"]


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Tab:
    """What the screen knows of one tab."""

    pane_id: str
    """The ``TabPane``'s id in the screen's ``TabbedContent``."""
    kind: TabKind
    project: str
    widget: Widget
    """The ``Terminal`` or ``Editor`` the tab shows."""
    title: str = ""
    """A terminal's title, as its program set it (the project's name until then)."""
    session: ShellSession | None = None
    """A terminal's shell, once open."""
    ended: bool = False
    """A terminal's shell has ended (Enter restarts it)."""
    number: int = 1
    """A terminal's number among its project's terminals: shown when titles collide."""
    status: SessionStatus = field(default_factory=SessionStatus)
    """A terminal's shell's status (connected, viewers, read-only), as last told."""
    unwatch: Callable[[], None] | None = None
    """Stops watching the shell's status (when the tab closes or the shell is replaced)."""


def terminal_state(tab: Tab) -> str:
    """What a terminal tab's label adds to its name: `` (ended)``, `` (reconnecting…)``,
    `` (read-only, 2 watching)`` ... ("" when there is nothing to say)."""
    if tab.ended:
        return " (ended)"
    words = []
    if not tab.status.connected:
        words.append("reconnecting…")
    if tab.status.read_only:
        words.append("read-only")
    if tab.status.viewers > 1 and tab.status.connected:
        words.append(f"{tab.status.viewers} watching")
    return f" ({', '.join(words)})" if words else ""


class TabRegistry(Mapping[str, Tab]):
    """Every open tab by pane id, in the order they were opened."""

    def __init__(self) -> None:
        self._tabs: dict[str, Tab] = {}
        self._ids = itertools.count(1)

    def __getitem__(self, pane_id: str) -> Tab:
        return self._tabs[pane_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tabs)

    def __len__(self) -> int:
        return len(self._tabs)

    def new_pane_id(self) -> str:
        """An id no pane of this screen has had."""
        return f"tab-{next(self._ids)}"

    def add(self, tab: Tab) -> None:
        self._tabs[tab.pane_id] = tab

    def remove(self, tab: Tab) -> None:
        self._tabs.pop(tab.pane_id, None)

    def of(self, widget: Widget) -> Tab | None:
        """The tab showing ``widget``, or None."""
        for tab in self._tabs.values():
            if tab.widget is widget:
                return tab
        return None

    def of_project(self, project: str, kind: TabKind | None = None) -> list[Tab]:
        """A project's tabs (of one ``kind`` if given), in opening order."""
        return [t for t in self._tabs.values() if t.project == project and kind in (None, t.kind)]

    def editor_on(self, project: str, path: str) -> Tab | None:
        """The editor tab on a file, if one is open."""
        for tab in self._tabs.values():
            if isinstance(tab.widget, Editor) and (tab.project, tab.widget.path) == (project, path):
                return tab
        return None

    def free_terminal_number(self, project: str) -> int:
        """The lowest number none of the project's terminals has."""
        taken = {t.number for t in self.of_project(project, "terminal")}
        return next(n for n in itertools.count(1) if n not in taken)

    def label(self, tab: Tab, position: int | None = None) -> Content:
        """A tab's label, short and stable: its position (what Alt+N goes to), then the
        project (``#2`` for its second terminal) or the file's name, its state (ended,
        ``●`` unsaved), and ``×`` (a click there closes it). What the shell says as its
        title (the directory) goes in the tooltip (``tooltip``), not here: it changes."""
        if isinstance(tab.widget, Editor):
            text, state = tab.widget.name_label, " ●" if tab.widget.dirty else ""
            if tab.widget.others:
                state += f" (+{len(tab.widget.others)})"
        else:
            text = tab.project + (f" #{tab.number}" if tab.number > 1 else "")
            state = terminal_state(tab)
        number = f"{position} " if position is not None and position <= 9 else ""
        name = shorten(text, max(8, TITLE_WIDTH - len(state)))
        return Content.assemble((number, "dim"), name, state, (CLOSE_MARK, "dim"))

    def tooltip(self, tab: Tab) -> str:
        """What hovering a tab says: the shell's title (user@project: directory), or the
        file's path in its project."""
        if isinstance(tab.widget, Editor):
            others = tab.widget.others
            also = f"\nalso open by: {', '.join(others)}" if others else ""
            return f"{tab.project}: {tab.widget.path}{also}"
        status = tab.status
        notes = []
        if tab.ended:
            notes.append("ended: Enter restarts")
        elif not status.connected:
            notes.append("reconnecting: the shell runs on at the server; keys wait")
        if status.read_only:
            notes.append("read-only: you watch, you cannot type")
        if status.viewers > 1:
            notes.append(f"{status.viewers} clients watching")
        return (tab.title or tab.project) + "".join(f"\n{note}" for note in notes)

    def rename_project(self, old: str, new: str) -> None:
        """A project was renamed: its tabs (and editors' files) follow it."""
        for tab in self.of_project(old):
            tab.project = new
            if isinstance(tab.widget, Editor):
                tab.widget.retarget(new, tab.widget.path)

    def move_path(self, project: str, old: str, new: str) -> list[Tab]:
        """A file or folder was renamed: editors on it (or inside it) follow; returns
        their tabs, whose labels changed."""
        moved = []
        for tab in self.of_project(project):
            editor = tab.widget
            if isinstance(editor, Editor) and (
                editor.path == old or editor.path.startswith(old + "/")
            ):
                editor.retarget(project, new + editor.path[len(old) :])
                moved.append(tab)
        return moved
