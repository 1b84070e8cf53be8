"""The open tabs and the layout as ``ui_state`` remembers them, and putting them back at the
next start.

The layout is whether the project browser is shown and which tab a split shows beside
the active one (its index in the saved tabs): ``{"browser": bool, "beside": int | None}``.

Terminals come back as new shells on their projects (a shell cannot outlive the app's
session with Docker exec; on a server, where shells do, the running shells came back
already and saved terminals are left out); editors reopen their files where their cursor
was. What cannot
come back (a project or file gone since) is returned in words for the user.
"""

from __future__ import annotations

import contextlib
from typing import Any

from cloudide_tui.backend.base import Backend
from cloudide_tui.errors import CloudIDEError, NotFound
from cloudide_tui.screens.main import MainScreen
from cloudide_tui.screens.tabs import Tab
from cloudide_tui.ui_state import SavedTab, UIState
from cloudide_tui.widgets.editor import Editor


def snapshot(main: MainScreen, *, theme: str | None) -> UIState:
    """The state to remember now: the tabs in their order, the shown one, the theme, the
    layout."""
    tabs: list[SavedTab] = []
    active = beside = None
    shown = main.active_tab
    for tab in main.tabs.values():
        if tab is shown:
            active = len(tabs)
        if tab.pane_id == main.beside:
            beside = len(tabs)
        if isinstance(tab.widget, Editor):
            editor = tab.widget
            cursor = editor.cursor if editor.is_mounted else (0, 0)
            tabs.append(SavedTab("editor", tab.project, editor.path, cursor))
        else:
            tabs.append(SavedTab("terminal", tab.project))
    layout = {"browser": bool(main.browser.display), "beside": beside}
    return UIState(theme=theme, tabs=tuple(tabs), active=active, layout=layout)


def apply_layout(
    main: MainScreen, layout: dict[str, Any] | None, placed: list[Tab | None] | None = None
) -> None:
    """Show or hide the browser and put the split back as ``layout`` says. A layout of
    another shape (an older or newer app's) changes nothing: it is only a preference."""
    if not layout:
        return
    browser = layout.get("browser")
    if isinstance(browser, bool) and not browser and main.tabs:
        main.browser.display = False  # hidden only with a tab to show instead
    beside = layout.get("beside")
    if placed and isinstance(beside, int) and 0 <= beside < len(placed):
        tab = placed[beside]
        if tab is not None and tab.pane_id in main.tabs and tab.pane_id != main.tabbed.active:
            main.beside = tab.pane_id
            main.arrange_split()


async def restore(
    main: MainScreen, backend: Backend, saved: UIState, *, opened: str | None = None
) -> list[str]:
    """Open the saved tabs again, in their order, and show the one that was shown.

    Args:
        opened: A project whose terminal is open already (``--project``): its first
            saved terminal is that one, and it stays the tab shown.

    Returns:
        What could not be restored, one phrase each ("notes.txt in demo: no such file").
    """
    missing: list[str] = []
    placed: list[Tab | None] = []
    first = main.active_tab if opened is not None else None
    for item in saved.tabs:
        tab: Tab | None = None
        if item.project not in main.browser.projects:
            what = (
                f"{item.path} in {item.project}" if item.path else f"a terminal on {item.project}"
            )
            missing.append(f"{what}: the project is gone")
        elif item.kind == "terminal" and backend.capabilities.sessions_persist:
            pass  # a server's shells came back as they are (``SessionActions``), not anew
        elif item.kind == "terminal":
            if item.project == opened and first is not None:
                tab, opened = first, None
            else:
                main.browser.show_project(item.project)  # its files, as when opened by hand
                tab = await main.new_terminal(item.project)
        else:
            assert item.path is not None
            tab = await _reopen_editor(main, backend, item, missing)
        placed.append(tab)
    if first is not None:
        shown: Tab | None = first
    elif saved.active is not None and saved.active < len(placed):
        shown = placed[saved.active]
    else:
        shown = None
    if shown is not None and shown.pane_id in main.tabs:
        main.tabbed.active = shown.pane_id
        main.focus_tab_content(shown)
    apply_layout(main, saved.layout, placed)
    return missing


async def _reopen_editor(
    main: MainScreen, backend: Backend, item: SavedTab, missing: list[str]
) -> Tab | None:
    assert item.path is not None
    try:
        entry = await backend.stat(item.project, item.path)
    except NotFound:
        missing.append(f"{item.path} in {item.project}: no such file")
        return None
    except CloudIDEError as error:
        missing.append(f"{item.path} in {item.project}: {error.message}")
        return None
    if entry.kind != "file":
        missing.append(f"{item.path} in {item.project}: not a file any more")
        return None
    worker = main.open_file(item.project, item.path)
    with contextlib.suppress(Exception):  # a failure is reported by the app's handler
        await worker.wait()
    tab = main.tabs.editor_on(item.project, item.path)
    if tab is None:
        missing.append(f"{item.path} in {item.project}: could not be opened")
    elif isinstance(tab.widget, Editor):
        tab.widget.go_to(*item.cursor)
    return tab
