"""What the UI remembers between runs: the theme, the open tabs, and the layout.

One small JSON file per data dir and owner (``paths.ui_state_file``), written atomically
(a temporary file in the same folder, flushed, renamed over the old one), so a crash
leaves the old state or the new one, never half of one. Reading never fails: a missing
file is a first run, and an unreadable or corrupt one is ignored with a note that the
app shows (it is replaced at the next save). Nothing here knows Textual.

``layout`` is a JSON object this module does not interpret: ``tab_memory`` keeps whether
the browser is shown and which tab a split shows there.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cloudide_tui.validation import validate_project_name, workspace_parts

VERSION = 1
"""The file's format version; a file of another version is ignored with a note."""

TabKind = Literal["terminal", "editor"]


@dataclass(frozen=True)
class SavedTab:
    """One open tab: a terminal on a project, or an editor on a file of it."""

    kind: TabKind
    project: str
    path: str | None = None
    """An editor's file (workspace-relative); None for a terminal."""
    cursor: tuple[int, int] = (0, 0)
    """An editor's cursor (row, column)."""


@dataclass(frozen=True)
class UIState:
    """Everything remembered; the defaults are a first run's."""

    theme: str | None = None
    tabs: tuple[SavedTab, ...] = ()
    active: int | None = None
    """The index in ``tabs`` of the tab that was shown."""
    layout: dict[str, Any] | None = None
    """The tab area's arrangement, for whoever lays it out (kept as read)."""


def to_json(state: UIState) -> str:
    """The state as the file holds it."""
    tabs = []
    for tab in state.tabs:
        entry: dict[str, Any] = {"kind": tab.kind, "project": tab.project}
        if tab.kind == "editor":
            entry["path"] = tab.path
            entry["cursor"] = list(tab.cursor)
        tabs.append(entry)
    data: dict[str, Any] = {"version": VERSION, "theme": state.theme, "tabs": tabs}
    data["active"] = state.active
    data["layout"] = state.layout
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def from_json(text: str) -> UIState:
    """Parse the file's text.

    Raises:
        ValueError: not JSON, another version, or an entry of the wrong shape (names and
            paths are checked by ``validation``, as everything that reaches the backend).
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("version") != VERSION:
        raise ValueError(f"format version {data.get('version')!r}, not {VERSION}")
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise ValueError("theme is not text")
    raw_tabs = data.get("tabs", [])
    if not isinstance(raw_tabs, list):
        raise ValueError("tabs is not a list")
    tabs = tuple(_tab(entry) for entry in raw_tabs)
    active = data.get("active")
    if active is not None and not (isinstance(active, int) and 0 <= active < len(tabs)):
        active = None
    layout = data.get("layout")
    if layout is not None and not isinstance(layout, dict):
        raise ValueError("layout is not an object")
    return UIState(theme=theme, tabs=tabs, active=active, layout=layout)


def _tab(entry: object) -> SavedTab:
    if not isinstance(entry, dict):
        raise ValueError("a tab is not an object")
    kind, project = entry.get("kind"), entry.get("project")
    if not isinstance(project, str):
        raise ValueError("a tab has no project")
    validate_project_name(project)  # InvalidName, InvalidPath: ValueErrors (a hand edit)
    if kind == "terminal":
        return SavedTab("terminal", project)
    path = entry.get("path")
    if kind != "editor" or not isinstance(path, str) or not workspace_parts(path):
        raise ValueError("a tab is neither a terminal nor an editor on a file")
    cursor = entry.get("cursor", [0, 0])
    if (
        not isinstance(cursor, list)
        or len(cursor) != 2
        or not all(isinstance(n, int) and n >= 0 for n in cursor)
    ):
        cursor = [0, 0]
    return SavedTab("editor", project, path, (cursor[0], cursor[1]))


def load(path: Path) -> tuple[UIState, str | None]:
    """The state in ``path`` and None; or a first run's state and, when the file exists
    but cannot be used, a note saying why (for the user: it will be replaced)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UIState(), None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return UIState(), f"{path} could not be read ({reason})"
    try:
        return from_json(text), None
    except ValueError as error:
        return UIState(), f"{path} is not a state this version understands ({error})"


def save(path: Path, state: UIState) -> None:
    """Write the state atomically (the folder is made, private, if needed).

    Raises:
        OSError: the folder or the file cannot be written (the caller decides whether
            the user hears of it).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".ui-state-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(to_json(state))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
