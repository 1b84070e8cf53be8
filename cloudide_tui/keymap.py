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
    show: bool = True,
    priority: bool = False,
    key_display: str | None = None,
) -> Binding:
    return Binding(key, action, description, show=show, priority=priority, key_display=key_display)


#: App-wide keys, outside terminals (ctrl+q and ctrl+p yield to a focused terminal).
APP_BINDINGS: list[Binding] = [
    _b("ctrl+q", "quit", "Quit", priority=True),
    _b("f1,question_mark", "help", "Help", key_display="F1"),
]

#: The main screen's keys (outside terminals, except the tab switches and F12).
MAIN_BINDINGS: list[Binding] = [
    _b("f12", "toggle_focus", "Terminal/browser", key_display="F12"),
    _b("ctrl+n", "new_project", "New project"),
    _b("ctrl+t", "new_terminal", "New terminal"),
    _b("ctrl+f4,alt+w", "close_tab", "Close tab", key_display="^F4"),
    _b("ctrl+pageup", "previous_tab", "Prev tab", show=False),
    _b("ctrl+pagedown", "next_tab", "Next tab", show=False),
    _b("ctrl+b", "toggle_browser", "Browser"),
]

#: Keys of the project browser (when it has focus).
BROWSER_BINDINGS: list[Binding] = [
    _b("n", "new_file", "New file"),
    _b("m", "new_folder", "New folder"),
    _b("f2,r", "rename", "Rename", key_display="F2"),
    _b("delete,d", "delete", "Delete", key_display="Del"),
]

#: Keys of an editor tab (besides TextArea's own editing keys).
EDITOR_BINDINGS: list[Binding] = [
    _b("ctrl+s", "save", "Save"),
]

#: What a focused terminal keeps from the shell (everything else reaches it).
TERMINAL_KEYS: list[KeyHelp] = [
    KeyHelp("F12", "leave the terminal (focus the project browser)", "terminal"),
    KeyHelp("Ctrl+PgUp / Ctrl+PgDn", "previous / next tab", "terminal"),
    KeyHelp("Shift+PgUp / Shift+PgDn", "scroll the terminal's history", "terminal"),
    KeyHelp("(after the shell ended) the key shown", "restart the shell", "terminal"),
]


def _display(binding: Binding) -> str:
    """Every key of a binding, spelled for people ("ctrl+f4,alt+w" -> "Ctrl+F4 / Alt+W")."""
    names = []
    for key in binding.key.split(","):
        key = key.strip()
        if key == "question_mark":
            names.append("?")
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
    rows.append(KeyHelp("Ctrl+P", "command palette: every action, and open any file", "app"))
    for where, bindings in (
        ("app", APP_BINDINGS),
        ("main", MAIN_BINDINGS),
        ("browser", BROWSER_BINDINGS),
        ("editor", EDITOR_BINDINGS),
    ):
        rows += [KeyHelp(_display(b), b.description, where) for b in bindings]
    return rows


WHERE_TITLES = {
    "terminal": "In a terminal (all other keys go to the shell)",
    "app": "Anywhere outside a terminal",
    "main": "Tabs and panes (outside a terminal, except F12 and Ctrl+PgUp/PgDn)",
    "browser": "In the project browser",
    "editor": "In an editor (plus the usual editing keys)",
}
