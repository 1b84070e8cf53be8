"""The project browser: every project with its container state, and the files under it.

A ``Tree`` whose top level is the projects and whose branches are workspace directories.
It does no I/O and never polls: the main screen lists what it shows (``set_projects``,
``set_listing``) when it starts, when the user expands a folder (``ListingWanted``), and
when the backend says something changed (its change events: a file the shell made, a
project made elsewhere). Each listing is diffed into the tree, so nothing flickers and
the cursor stays put. Operations on what is under the cursor (new file, rename, delete)
are the main screen's actions too.
"""

from __future__ import annotations

import posixpath
import time
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from cloudide_tui.backend.base import ContainerState, FileEntry, ProjectInfo
from cloudide_tui.keymap import BROWSER_BINDINGS
from cloudide_tui.widgets.key_routing import hand_on_if_left, run_screen_binding

ItemKind = Literal["project", "dir", "file", "symlink", "other"]


@dataclass(frozen=True, slots=True)
class BrowserItem:
    """What a tree node stands for: a project (``path`` None) or an entry in it."""

    project: str
    path: str | None
    kind: ItemKind

    @property
    def is_project(self) -> bool:
        return self.path is None

    @property
    def is_dir(self) -> bool:
        return self.kind in ("project", "dir")

    @property
    def dir_path(self) -> str:
        """The directory new files go into when this node is under the cursor."""
        if self.path is None:
            return ""
        return self.path if self.kind == "dir" else posixpath.dirname(self.path)


STATE_MARKS: dict[ContainerState, tuple[str, str]] = {
    ContainerState.RUNNING: ("●", "green"),
    ContainerState.STOPPED: ("○", "yellow"),
    ContainerState.NONE: ("·", "bright_black"),
    ContainerState.UNKNOWN: ("?", "bright_black"),
}


def project_label(info: ProjectInfo) -> Text:
    """``● name  running``: the mark and the word, so it reads without colour too."""
    mark, colour = STATE_MARKS[info.state]
    return Text.assemble((mark, colour), " ", (info.name, "bold"), "  ", (info.state.value, "dim"))


EMPTY_LINES = (
    Text("No projects yet.", style="italic"),
    Text.assemble(("Ctrl+N", "bold"), " creates one"),
)
"""What the browser shows with no project at all (choosing a line creates one)."""


def entry_label(entry: FileEntry) -> Text:
    if entry.kind == "dir":
        return Text(entry.name + "/", style="bold")
    if entry.kind == "symlink":
        return Text.assemble(entry.name, (" ->", "dim"))
    return Text(entry.name)


class ProjectBrowser(Tree[BrowserItem]):
    """Projects and their files, as listed for it; posts what the user opens."""

    DEFAULT_CSS = """
    ProjectBrowser { background: $surface; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(b.key, b.action, b.description, show=b.show, key_display=b.key_display)
        for b in BROWSER_BINDINGS
    ]

    TYPING_PAUSE = 1.0
    """Seconds after a key typed here that does nothing during which more printable keys
    are taken as the same typing (and do nothing either), not as the browser's keys."""

    @dataclass
    class ProjectOpened(Message):
        """The user chose a project (Enter or click): open or focus its terminal."""

        browser: ProjectBrowser
        project: str

        @property
        def control(self) -> ProjectBrowser:
            return self.browser

    @dataclass
    class FileOpened(Message):
        """The user chose a file: open it in an editor tab."""

        browser: ProjectBrowser
        project: str
        path: str

        @property
        def control(self) -> ProjectBrowser:
            return self.browser

    @dataclass
    class ListingWanted(Message):
        """A folder (``path``; None: the project's top) was expanded: list it for me."""

        browser: ProjectBrowser
        project: str
        path: str | None

        @property
        def control(self) -> ProjectBrowser:
            return self.browser

    @dataclass
    class ProjectsChanged(Message):
        """The project list or a container state changed; ``removed``: the projects
        listed before and gone now (deleted here, or their folder deleted on disk)."""

        browser: ProjectBrowser
        projects: list[ProjectInfo]
        removed: list[str] = field(default_factory=list)

        @property
        def control(self) -> ProjectBrowser:
            return self.browser

    @dataclass
    class KeyIgnored(Message):
        """A key was typed here that does nothing here (a person typing for the shell
        while the browser had the keys): say so rather than lose it silently."""

        browser: ProjectBrowser
        character: str

        @property
        def control(self) -> ProjectBrowser:
            return self.browser

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Projects", id=id)
        self.show_root = False
        self.guide_depth = 2
        # Enter/click opens (a project's terminal, a file); what expands is decided here,
        # not toggled by Tree (which would collapse an open project chosen again).
        self.auto_expand = False
        self.projects: dict[str, ProjectInfo] = {}
        """Every project the tree shows, by name, as last listed."""
        self._item_nodes: dict[tuple[str, str | None], TreeNode[BrowserItem]] = {}
        self._loaded: set[tuple[str, str | None]] = set()
        self._placeholder: list[TreeNode[BrowserItem]] = []
        self._typing_until = 0.0

    # -- what the screen asks -------------------------------------------------------
    @property
    def cursor_item(self) -> BrowserItem | None:
        """What the cursor is on (None on the "no projects" lines or an empty tree)."""
        node = self.cursor_node
        return node.data if node is not None else None

    def node_for(self, project: str, path: str | None = None) -> TreeNode[BrowserItem] | None:
        """The tree node of a project (``path`` None) or of a listed entry in it."""
        return self._item_nodes.get((project, path))

    def paths_under(self, project: str) -> set[str]:
        """The paths of every entry listed under ``project`` (inside collapsed folders
        too: what was listed and is not known to be gone)."""
        return {path for name, path in self._item_nodes if name == project and path is not None}

    def select_project(self, project: str, *, exact: bool = False) -> None:
        """Put the cursor on a project (after creating or opening it), unless it is
        already somewhere inside that project (``exact``: on the project's own line)."""
        item = self.cursor_item
        if item is not None and item.project == project and (item.is_project or not exact):
            return
        node = self._item_nodes.get((project, None))
        if node is None:
            return
        if node.line < 0:  # lines are numbered at the next render
            self.call_after_refresh(self._move_to, node)
        else:
            self.move_cursor(node)

    def show_project(self, project: str) -> None:
        """An opened project shows its files: expand its node (``ListingWanted``) and
        put the cursor on it unless it is already inside the project."""
        node = self._item_nodes.get((project, None))
        if node is None:
            return
        if not node.is_expanded:
            node.expand()  # NodeExpanded loads the listing
        self.select_project(project)

    def _move_to(self, node: TreeNode[BrowserItem]) -> None:
        if node.tree is self and node.line >= 0:
            self.move_cursor(node)

    def expand_folder(self, project: str, path: str | None) -> bool:
        """Expand a listed folder (None: the project); False if it is not in the tree."""
        node = self._item_nodes.get((project, path))
        if node is None:
            return False
        if not node.is_expanded:
            node.expand()
        return True

    def move_to(self, project: str, path: str | None) -> None:
        """Put the cursor on a listed entry (once the tree has drawn it)."""
        node = self._item_nodes.get((project, path))
        if node is not None:
            self.call_after_refresh(self._move_to, node)

    def is_listed(self, project: str, path: str | None) -> bool:
        """Whether this folder's entries are in the tree (listed, not removed since)."""
        return (project, path) in self._loaded and (project, path) in self._item_nodes

    def shown_dirs(self) -> list[tuple[str, str | None]]:
        """The listed folders a user can see now (expanded, their parents too): what to
        list again when everything may have changed."""
        keys = []
        for key, node in self._item_nodes.items():
            if key in self._loaded and node.is_expanded and node.data and node.data.is_dir:
                # A directory inside a collapsed parent is hidden: skip it.
                parent = node.parent
                while parent is not None and parent is not self.root and parent.is_expanded:
                    parent = parent.parent
                if parent is None or parent is self.root:
                    keys.append(key)
        return keys

    def _set_placeholder(self, show: bool) -> None:
        """With no project at all, say so (and how to make one) rather than a blank pane."""
        if show and not self._placeholder:
            for line in EMPTY_LINES:
                self._placeholder.append(self.root.add_leaf(line))
            self.cursor_line = 0
        elif not show and self._placeholder:
            for node in self._placeholder:
                node.remove()
            self._placeholder = []

    def set_projects(self, infos: list[ProjectInfo]) -> None:
        """Show these projects (the backend's list): diffed into the tree."""
        new = {info.name: info for info in infos}
        self._set_placeholder(not infos)
        if new == self.projects:
            return
        removed = [n for n in self.projects if n not in new]
        for name in removed:
            self._remove_subtree(name, None)
        for index, info in enumerate(infos):
            node = self._item_nodes.get((info.name, None))
            if node is None:
                item = BrowserItem(info.name, None, "project")
                before = index if index < len(self.root.children) else None
                node = self.root.add(project_label(info), item, before=before)
                self._item_nodes[(info.name, None)] = node
            elif self.projects.get(info.name) != info:
                node.set_label(project_label(info))
        self.projects = new
        if self.cursor_line < 0 and self.root.children:
            self.cursor_line = 0
        self.post_message(self.ProjectsChanged(self, infos, removed))

    def set_listing(self, project: str, path: str | None, entries: list[FileEntry]) -> None:
        """Show these entries in a folder (None: the project's top), diffed into the tree;
        nothing happens if the folder is no longer in it."""
        node = self._item_nodes.get((project, path))
        if node is None:
            return
        self._loaded.add((project, path))
        self._diff_children(node, project, entries)

    def folder_gone(self, project: str, path: str | None) -> None:
        """A folder (or the project) no longer exists: remove it and what was under it."""
        if path is not None:
            self._remove_subtree(project, path)

    def _diff_children(
        self, node: TreeNode[BrowserItem], project: str, entries: list[FileEntry]
    ) -> None:
        """Make ``node``'s children match ``entries`` with as few changes as possible."""
        wanted = [(e.path, e.kind) for e in entries]
        have = [(c.data.path, c.data.kind) for c in node.children if c.data is not None]
        if wanted == have:
            return
        wanted_set = set(wanted)
        for child in list(node.children):
            if child.data is not None and (child.data.path, child.data.kind) not in wanted_set:
                assert child.data.path is not None
                self._remove_subtree(project, child.data.path)
        present = {(c.data.path, c.data.kind) for c in node.children if c.data is not None}
        for index, entry in enumerate(entries):
            if (entry.path, entry.kind) in present:
                continue
            item = BrowserItem(project, entry.path, entry.kind)
            before = index if index < len(node.children) else None
            child = node.add(
                entry_label(entry), item, before=before, allow_expand=entry.kind == "dir"
            )
            self._item_nodes[(project, entry.path)] = child

    def _remove_subtree(self, project: str, path: str | None) -> None:
        node = self._item_nodes.pop((project, path), None)
        prefix = None if path is None else path + "/"
        for key in [
            k
            for k in self._item_nodes
            if k[0] == project and (prefix is None or (k[1] or "").startswith(prefix))
        ]:
            del self._item_nodes[key]
        self._loaded = {
            k
            for k in self._loaded
            if not (
                k[0] == project
                and (prefix is None or k[1] == path or (k[1] or "").startswith(prefix))
            )
        }
        if node is not None:
            node.remove()

    # -- events ---------------------------------------------------------------------
    async def on_key(self, event: events.Key) -> None:
        if not self.is_attached or hand_on_if_left(self, event):
            return
        if not event.is_printable:
            await run_screen_binding(self, event)  # F12, Ctrl+T ...: at once
            return
        now = time.monotonic()
        typing = now < self._typing_until
        if typing or event.key not in self.screen.active_bindings:
            # Text typed here (for a shell that does not have the keys): say so, and
            # while it goes on, letters bound here (d: delete, r: rename...) stay letters.
            self._typing_until = now + self.TYPING_PAUSE
            if typing:
                event.stop()
                event.prevent_default()
            self.post_message(self.KeyIgnored(self, event.character or event.key))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[BrowserItem]) -> None:
        item = event.node.data
        if item is not None and item.is_dir:
            self.post_message(self.ListingWanted(self, item.project, item.path))

    async def on_tree_node_selected(self, event: Tree.NodeSelected[BrowserItem]) -> None:
        event.stop()
        item = event.node.data
        if item is None:
            if event.node in self._placeholder:  # "Ctrl+N creates one", chosen
                await self.run_action("screen.new_project")
            return
        if item.is_project:
            self.post_message(self.ProjectOpened(self, item.project))
        elif item.kind == "dir":
            event.node.toggle()
        elif item.kind in ("file", "symlink"):
            assert item.path is not None
            self.post_message(self.FileOpened(self, item.project, item.path))
