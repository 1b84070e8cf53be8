"""Every key the app keeps for itself, as data: the bindings, the help screen and the docs.

One table so that what the app does, what the help screen lists and what the docs say
cannot drift apart (a test checks ``docs/app.md`` mentions every entry). The rule the lead
decided: while a terminal has focus, EVERY key goes to the shell except the few in
``TERMINAL_KEYS``; the other app keys work only outside terminals.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of the help screen: the keys as shown, what they do, and where."""

    keys: str
    description: str
    where: str


def _b(
    key: str,
    action: str,
    description: str,
    *,
    help: str = "",
    show: bool = True,
    priority: bool = False,
    key_display: str | None = None,
) -> Binding:
    """A binding whose footer label is ``description`` and whose help line is ``help``."""
    return Binding(
        key,
        action,
        description,
        show=show,
        priority=priority,
        key_display=key_display,
        tooltip=help or description,
    )


#: App-wide keys, outside terminals (ctrl+q and ctrl+p yield to a focused terminal).
APP_BINDINGS: list[Binding] = [
    _b(
        "ctrl+q",
        "quit",
        "Quit",
        priority=True,
        help="quit (asks first if an editor has unsaved changes)",
    ),
    _b("f1,question_mark", "help", "Help", key_display="F1", help="this list of keys"),
]

#: The main screen's keys (outside terminals, except the tab switches and F12).
MAIN_BINDINGS: list[Binding] = [
    _b(
        "f12",
        "toggle_focus",
        "Terminal/browser",
        key_display="F12",
        help="from the browser to the current tab, and back",
    ),
    _b("ctrl+n", "new_project", "New project", help="create a project and open its terminal"),
    _b("ctrl+t", "new_terminal", "New terminal", help="another terminal on the current project"),
    _b(
        "ctrl+f4,alt+w",
        "close_tab",
        "Close tab",
        key_display="^F4",
        help="close the current tab (asks if the editor has unsaved changes)",
    ),
    _b("ctrl+pageup", "previous_tab", "Prev tab", show=False, help="previous tab"),
    _b("ctrl+pagedown", "next_tab", "Next tab", show=False, help="next tab"),
    _b("ctrl+b", "toggle_browser", "Browser", help="hide or show the project browser"),
]

#: Keys of the project browser (when it has focus).
BROWSER_BINDINGS: list[Binding] = [
    _b("n", "new_file", "New file", help="new file in the folder under the cursor"),
    _b("m", "new_folder", "New folder", help="new folder in the folder under the cursor"),
    _b(
        "f2,r",
        "rename",
        "Rename",
        key_display="F2",
        help="rename the project, file or folder under the cursor",
    ),
    _b(
        "delete,d",
        "delete",
        "Delete",
        key_display="Del",
        help="delete it (asks first; a project's files go too)",
    ),
]

#: Keys of an editor tab (besides TextArea's own editing keys).
EDITOR_BINDINGS: list[Binding] = [
    _b("ctrl+s", "save", "Save", help="save (asks first if the file changed on disk)"),
    _b("ctrl+f", "find", "Find", help="find (Enter/Down next, Up previous, Escape closes)"),
    _b(
        "ctrl+r",
        "replace",
        "Replace",
        show=False,
        help="find and replace (Enter replaces and goes on)",
    ),
    _b("f3", "find_next", "Next match", show=False, key_display="F3", help="next match"),
    _b("shift+f3", "find_next(True)", "Previous match", show=False, help="previous match"),
    _b("ctrl+g", "go_to_line", "Go to line", show=False, help="go to a line (or line:column)"),
    _b(
        "f5",
        "reload",
        "Reload",
        show=False,
        key_display="F5",
        help="reload the file from disk (asks if there are changes)",
    ),
]

#: Keys of the editor's text itself (on top of TextArea's own).
EDITOR_TEXT_BINDINGS: list[Binding] = [
    _b("ctrl+home", "cursor_document_start", "Start of file", show=False, help="start of file"),
    _b("ctrl+end", "cursor_document_end", "End of file", show=False, help="end of file"),
    _b(
        "ctrl+shift+home",
        "cursor_document_start(True)",
        "Select to start",
        show=False,
        help="select to the start of the file",
    ),
    _b(
        "ctrl+shift+end",
        "cursor_document_end(True)",
        "Select to end",
        show=False,
        help="select to the end of the file",
    ),
]

#: What a focused terminal keeps from the shell (everything else reaches it).
TERMINAL_KEYS: list[KeyHelp] = [
    KeyHelp("F12", "leave the terminal (focus the project browser)", "terminal"),
    KeyHelp("Ctrl+PgUp / Ctrl+PgDn", "previous / next tab", "terminal"),
    KeyHelp("Shift+PgUp / Shift+PgDn", "scroll the terminal's history", "terminal"),
    KeyHelp("Enter (once the shell ended)", "start a new shell in the same tab", "terminal"),
]

#: Other keys that are not bindings of ours but that people look for.
OTHER_KEYS: list[KeyHelp] = [
    KeyHelp("Ctrl+P", "command palette: every action, any file of the project, themes", "app"),
    KeyHelp(
        "Enter / click",
        "on a project: open (or show) its terminal; on a folder: expand it; on a file: open it",
        "browser",
    ),
    KeyHelp("Space", "expand or collapse a project or folder", "browser"),
]


def _display(binding: Binding) -> str:
    """Every key of a binding, spelled for people ("ctrl+f4,alt+w" -> "Ctrl+F4 / Alt+W")."""
    names = []
    for key in binding.key.split(","):
        key = key.strip()
        if key == "question_mark":
            names.append("?")
            continue
        if len(key) == 1:
            names.append(key)
            continue
        parts = [
            p.upper() if len(p) <= 3 and p[:1] == "f" and p[1:].isdigit() else p.title()
            for p in key.split("+")
        ]
        names.append("+".join(parts).replace("Pageup", "PgUp").replace("Pagedown", "PgDn"))
    return " / ".join(names)


def help_rows() -> list[KeyHelp]:
    """The help screen's table, built from the binding lists above."""
    rows: list[KeyHelp] = [*TERMINAL_KEYS]
    for where, bindings in (
        ("app", APP_BINDINGS),
        ("main", MAIN_BINDINGS),
        ("browser", BROWSER_BINDINGS),
        ("editor", EDITOR_BINDINGS + EDITOR_TEXT_BINDINGS),
    ):
        rows += [KeyHelp(_display(b), b.tooltip or b.description, where) for b in bindings]
        rows += [k for k in OTHER_KEYS if k.where == where]
    return rows


WHERE_TITLES = {
    "terminal": "In a terminal (all other keys go to the shell)",
    "app": "Anywhere outside a terminal",
    "main": "Tabs and panes (outside a terminal, except F12 and Ctrl+PgUp/PgDn)",
    "browser": "In the project browser",
    "editor": "In an editor (plus the usual editing keys)",
}


def markdown_table() -> str:
    """The keys as a Markdown table (docs/app.md carries it; a test keeps them equal)."""
    lines = ["| Keys | What | Where |", "| --- | --- | --- |"]
    for row in help_rows():
        lines.append(f"| {row.keys} | {row.description} | {WHERE_TITLES[row.where]} |")
    return "\n".join(lines)
