"""The command palette's own entries: every action (as system commands) and any file.

``ACTIONS`` feeds the app's ``get_system_commands`` (Textual's system-commands provider);
the ``FilesProvider`` lists the current project's files once per palette opening (through
the backend, bounded) and fuzzy-matches them so any file opens in two keystrokes.

Below the app, above the main screen: the app lists these, and they act on the screen
the palette was opened over.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cloudide_tui.backend.base import Backend, Capabilities
from cloudide_tui.errors import CloudIDEError
from cloudide_tui.screens.main import MainScreen

MAX_FILES = 5000
"""Stop listing a project after this many files (the palette must open fast)."""
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", ".mypy_cache", ".tox"}


@dataclass(frozen=True)
class ActionCommand:
    """A palette entry that runs an action of the main screen or the app."""

    title: str
    help: str
    action: str  # "screen.new_project", "app.help", ...
    shared_only: bool = False
    """Only where shells outlive the app (``Capabilities.sessions_persist``: a server)."""
    needs: str | None = None
    """Only where the backend's ``Capabilities`` has this flag set (``"shares_shells"``)."""


ACTIONS: list[ActionCommand] = [
    ActionCommand(
        "New project", "Create a project (a workspace and its container)", "screen.new_project"
    ),
    ActionCommand("New terminal", "Another shell in the current project", "screen.new_terminal"),
    ActionCommand("Close tab", "Close the current terminal or editor", "screen.close_tab"),
    ActionCommand(
        "Split: show a tab beside this one", "Again: one tab (prefix, then |)", "screen.split"
    ),
    ActionCommand("Next tab", "Ctrl+PgDn", "screen.next_tab"),
    ActionCommand("Previous tab", "Ctrl+PgUp", "screen.previous_tab"),
    ActionCommand("New file", "In the folder under the browser's cursor", "screen.new_file"),
    ActionCommand("New folder", "In the folder under the browser's cursor", "screen.new_folder"),
    ActionCommand("Rename", "The project or file under the browser's cursor", "screen.rename"),
    ActionCommand(
        "Delete", "The project or file under the browser's cursor (asks first)", "screen.delete"
    ),
    ActionCommand(
        "Toggle project browser", "Show or hide the left pane (Ctrl+B)", "screen.toggle_browser"
    ),
    ActionCommand("Focus terminal / browser", "F12", "screen.toggle_focus"),
    ActionCommand("Save file", "Save the current editor (Ctrl+S)", "app.save_editor"),
    ActionCommand("Find in file", "In the current editor (Ctrl+F)", "app.in_editor('find')"),
    ActionCommand(
        "Replace in file",
        "Find and replace in the current editor (Ctrl+R)",
        "app.in_editor('replace')",
    ),
    ActionCommand("Go to line", "In the current editor (Ctrl+G)", "app.in_editor('go_to_line')"),
    ActionCommand(
        "Reload file from disk", "The current editor's file (F5)", "app.in_editor('reload')"
    ),
    ActionCommand(
        "Retry the Docker engine",
        "Connect again (after starting the engine): image, projects",
        "app.retry_engine",
    ),
    ActionCommand(
        "Search the terminal's history", "Highlights every match (prefix, then /)", "screen.search"
    ),
    ActionCommand("Open a link", "One the terminal shows (prefix, then u)", "screen.open_link"),
    ActionCommand("Keys", "Every key, and how to reach the app from a terminal (F1)", "app.help"),
    ActionCommand(
        "Attach a running shell…",
        "Any running shell of the project, as a tab (shells outlive the app here)",
        "screen.attach_shell",
        shared_only=True,
    ),
    ActionCommand(
        "Watch a running shell (read-only)…",
        "See it live, with whoever types in it; you cannot type",
        "screen.watch_shell",
        shared_only=True,
    ),
    ActionCommand(
        "Share this shell (read-only link)…",
        "A link that shows this shell live in a browser, for an hour; whoever opens it cannot type",
        "screen.share_shell",
        shared_only=True,
        needs="shares_shells",
    ),
    ActionCommand(
        "End this shell",
        "Close the active tab's shell for good, for everyone (closing a tab only leaves it)",
        "screen.end_shell",
        shared_only=True,
    ),
    ActionCommand(
        "Give a new token",
        "When the server refused yours (expired or revoked): connect again with a new one",
        "app.new_token",
        shared_only=True,
    ),
]


def offered(capabilities: Capabilities) -> list[ActionCommand]:
    """The entries of ``ACTIONS`` that make sense with a backend of these capabilities
    (sessions that outlive the app, share links), in order."""
    return [
        command
        for command in ACTIONS
        if (capabilities.sessions_persist or not command.shared_only)
        and (command.needs is None or getattr(capabilities, command.needs))
    ]


class FilesProvider(Provider):
    """Fuzzy-find any file of the current project and open it in an editor."""

    async def startup(self) -> None:
        self.files: list[tuple[str, str]] = []  # (project, path)
        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        project = screen.current_project()
        if project is None:
            return
        try:
            paths = await list_project_files(screen.backend, project)
            self.files = [(project, p) for p in paths]
        except CloudIDEError:
            self.files = []  # the palette stays usable; the browser reports engine trouble

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        screen = self.screen
        for project, path in self.files:
            score = matcher.match(path)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(path),
                    partial(_open, screen, project, path),
                    text=path,
                    help=f"Open in an editor ({project})",
                )

    async def discover(self) -> Hits:
        screen = self.screen
        for project, path in self.files[:50]:
            yield DiscoveryHit(
                path, partial(_open, screen, project, path), text=path, help=f"Open ({project})"
            )


def _open(screen: object, project: str, path: str) -> None:
    if isinstance(screen, MainScreen):
        screen.open_file(project, path)


async def list_project_files(backend: Backend, project: str) -> list[str]:
    """Every file of a project, breadth first through the backend, at most ``MAX_FILES``."""
    files: list[str] = []
    pending = [""]
    while pending and len(files) < MAX_FILES:
        directory = pending.pop(0)
        for entry in await backend.list_dir(project, directory):
            if entry.kind == "dir":
                if entry.name not in SKIP_DIRS:
                    pending.append(entry.path)
            elif entry.kind in ("file", "symlink"):
                files.append(entry.path)
    return files[:MAX_FILES]
