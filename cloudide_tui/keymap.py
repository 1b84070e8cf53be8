"""Every key the app keeps for itself, as data: the bindings, the footer, the prefix panel,
the help screen and the docs.

One table so that what the app does, what the footer and the help screen list and what
the docs say cannot drift apart (a test checks ``docs/app.md`` carries ``markdown_table``).
The rule: while a terminal has focus, every key goes to the shell except the few in
``TERMINAL_KEYS``; the app is reached from a terminal through the **prefix key**
(``defaults.PREFIX_KEY``, tmux-style: the prefix, then one key of ``PREFIX_KEYS``) and
Alt+1..9; the other keys work outside terminals.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from cloudide_tui import defaults
from cloudide_tui.keynames import key_character


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
    id: str | None = None,
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
        id=id,
    )


PREFIX_ID = "prefix"
"""The prefix binding's id: the app rebinds it to the configured key (``set_keymap``)."""

#: App-wide keys (ctrl+q and ctrl+p yield to a focused terminal; the prefix never does).
APP_BINDINGS: list[Binding] = [
    _b(
        defaults.PREFIX_KEY,
        "prefix",
        "App keys",
        priority=True,
        id=PREFIX_ID,
        help="the app's keys from anywhere, a terminal too: this key, then one of the "
        "list below (pressed twice: sends it to the shell)",
    ),
    _b(
        "ctrl+q",
        "quit",
        "Quit",
        priority=True,
        help="quit (asks first if an editor has unsaved changes)",
    ),
    _b("f1,question_mark", "help", "Keys", key_display="F1", help="this list of keys"),
]


def _tab_binding(number: int) -> Binding:
    return _b(
        f"alt+{number}",
        f"go_tab({number})",
        "Tab",
        priority=True,  # before a focused terminal (unless alt_digits = "shell")
        show=number == 1,
        key_display="Alt+1-9",
        help='go to tab 1-9 (in a terminal too, unless alt_digits = "shell")',
    )


#: The main screen's keys (outside terminals, except F12, the tab switches and Alt+1..9).
MAIN_BINDINGS: list[Binding] = [
    _b(
        "f12",
        "toggle_focus",
        "Browser/tab",
        key_display="F12",
        help="from the browser to the current tab, and back",
    ),
    _b("ctrl+n", "new_project", "Project", help="create a project and open its terminal"),
    _b("ctrl+t", "new_terminal", "Terminal", help="another terminal on the current project"),
    _b(
        "ctrl+f4,alt+w",
        "close_tab",
        "Close",
        help="close the current tab (asks if the editor has unsaved changes)",
    ),
    # priority: before the tree's and the editor's own Ctrl+PgUp/PgDn (page left/right)
    _b("ctrl+pageup", "previous_tab", "Prev tab", show=False, priority=True, help="previous tab"),
    _b("ctrl+pagedown", "next_tab", "Next tab", show=False, priority=True, help="next tab"),
    *(_tab_binding(n) for n in range(1, 10)),
    _b("ctrl+b", "toggle_browser", "Browser", help="hide or show the project browser"),
]

#: Keys of the project browser (when it has focus): the tree's own Enter, the screen's
#: actions on what is under the cursor.
BROWSER_BINDINGS: list[Binding] = [
    _b(
        "enter",
        "select_cursor",
        "Open",
        help="on a project: open (or show) its terminal; on a folder: expand it; on a "
        "file: open it (a click too)",
    ),
    _b("n", "screen.new_file", "New file", help="new file in the folder under the cursor"),
    _b("m", "screen.new_folder", "Folder", help="new folder in the folder under the cursor"),
    _b(
        "f2,r",
        "screen.rename",
        "Rename",
        key_display="F2",
        help="rename the project, file or folder under the cursor",
    ),
    _b(
        "delete,d",
        "screen.delete",
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


@dataclass(frozen=True, slots=True)
class PrefixKey:
    """A key pressed after the prefix key, and the action it runs.

    ``keys`` are Textual key names (or the characters they type); ``action`` is run on
    the main screen (``app.`` for the app's own) once the prefix panel is gone.
    """

    keys: tuple[str, ...]
    action: str
    description: str


#: What the prefix key leads to (the prefix panel lists them in this order).
PREFIX_KEYS: list[PrefixKey] = [
    PrefixKey(("t", "c"), "new_terminal", "new terminal on this project"),
    PrefixKey(("n",), "next_tab", "next tab"),
    PrefixKey(("p",), "previous_tab", "previous tab"),
    PrefixKey(tuple(str(n) for n in range(1, 10)), "go_tab", "tab 1-9"),
    PrefixKey(("w", "x"), "close_tab", "close this tab"),
    PrefixKey(("vertical_line", "percent_sign"), "split", "split: another tab beside, or one"),
    PrefixKey(("o",), "next_pane", "next pane: the browser, each side of a split"),
    PrefixKey(("b",), "toggle_browser", "hide or show the browser"),
    PrefixKey(("slash",), "search", "search the terminal's history"),
    PrefixKey(("u",), "open_link", "open a link the terminal shows"),
    PrefixKey(("N",), "new_project", "new project"),
    PrefixKey(("colon",), "app.command_palette", "command palette"),
    PrefixKey(("question_mark",), "app.help", "every key"),
    PrefixKey(("q",), "app.quit", "quit"),
]

PREFIX_AGAIN = "send the prefix key itself to the shell"
PREFIX_CANCEL = "cancel"


def prefix_action(key: str, character: str | None) -> str | None:
    """The action of the key pressed after the prefix (``"go_tab(3)"`` for 3), or None.

    Matched by Textual's key name, or by the character typed (an ``N`` may arrive as
    ``shift+n`` or as ``N`` depending on the terminal's keyboard protocol).
    """
    for entry in PREFIX_KEYS:
        for name in entry.keys:
            if key == name or (character is not None and character == _typed(name)):
                if entry.action == "go_tab":
                    return f"go_tab({entry.keys.index(name) + 1})"
                return entry.action
    return None


def _typed(name: str) -> str | None:
    """The character a key name types (``"slash"`` -> ``"/"``), or None for named keys."""
    char = key_character(name)
    return char if char is not None and char.isprintable() else None


#: What a focused terminal keeps from the shell (everything else reaches it).
TERMINAL_KEYS: list[KeyHelp] = [
    KeyHelp("F12", "leave the terminal (focus the project browser)", "terminal"),
    KeyHelp("Ctrl+PgUp / Ctrl+PgDn", "previous / next tab", "terminal"),
    KeyHelp(
        "Alt+1 … Alt+9",
        'go to tab 1-9 (alt_digits = "shell" gives them to the shell; Esc then 1 sends Alt+1 too)',
        "terminal",
    ),
    KeyHelp("Shift+PgUp / Shift+PgDn", "scroll the terminal's history", "terminal"),
    KeyHelp("Enter, once it ended", "start a new shell in the same tab", "terminal"),
]

#: Other keys that are not bindings of ours but that people look for.
OTHER_KEYS: list[KeyHelp] = [
    KeyHelp("Ctrl+P", "command palette: every action, any file of the project, themes", "app"),
    KeyHelp("Space", "expand or collapse a project or folder", "browser"),
    KeyHelp("Middle click / click ×", "close a tab", "main"),
]

#: The footer, per focused place: which bindings it shows (by action) and their labels
#: there, most important first; ``MainScreen.active_bindings`` shows as many as fit.
FOOTER: dict[str, list[tuple[str, str]]] = {
    "terminal": [("toggle_focus", "Browser"), ("prefix", "App keys"), ("go_tab", "Tab")],
    "browser": [
        ("select_cursor", "Open"),
        ("new_file", "New file"),
        ("new_project", "Project"),
        ("new_terminal", "Terminal"),
        ("toggle_focus", "Tab"),
        ("help", "Keys"),
        ("rename", "Rename"),
        ("delete", "Delete"),
        ("new_folder", "Folder"),
    ],
    "editor": [
        ("save", "Save"),
        ("find", "Find"),
        ("close_tab", "Close"),
        ("toggle_focus", "Browser"),
        ("go_tab", "Tab"),
        ("new_terminal", "Terminal"),
        ("help", "Keys"),
    ],
    "other": [
        ("new_project", "Project"),
        ("new_terminal", "Terminal"),
        ("toggle_focus", "Browser/tab"),
        ("go_tab", "Tab"),
        ("toggle_browser", "Browser"),
        ("help", "Keys"),
    ],
}


_NAMES = {
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "escape": "Esc",
    "delete": "Delete",
    "question_mark": "?",
    "backspace": "Backspace",
}


def spell_key(key: str) -> str:
    """A Textual key name spelled for people: ``"ctrl+backslash"`` -> ``"Ctrl+\\"``,
    ``"ctrl+pageup"`` -> ``"Ctrl+PgUp"``, ``"f12"`` -> ``"F12"``, ``"percent_sign"`` -> ``"%"``."""
    *mods, base = key.split("+") if key not in ("+", "plus") else ["+"]
    if base in _NAMES:
        name = _NAMES[base]
    elif len(base) <= 3 and base[:1] == "f" and base[1:].isdigit():
        name = base.upper()
    elif len(base) == 1:
        name = base.upper() if mods else base
    else:
        char = key_character(base)
        name = char if char is not None and char.isprintable() else base.title()
    return "+".join([*(m.title() for m in mods), name])


def short_key(key: str) -> str:
    """A key as the footer spells it, short: ``"ctrl+n"`` -> ``"^N"``, ``"f12"`` -> ``"F12"``."""
    mods, _, base = key.rpartition("+")
    if mods == "ctrl":
        return "^" + spell_key(base).upper()
    return spell_key(key)


def _display(binding: Binding) -> str:
    """Every key of a binding, spelled for people ("ctrl+f4,alt+w" -> "Ctrl+F4 / Alt+W")."""
    return " / ".join(spell_key(key.strip()) for key in binding.key.split(","))


def help_rows(prefix_key: str = defaults.PREFIX_KEY) -> list[KeyHelp]:
    """The help screen's table, built from the binding lists above (``prefix_key``: the
    configured prefix, spelled in the prefix rows)."""
    prefix = spell_key(prefix_key)
    rows: list[KeyHelp] = [*TERMINAL_KEYS]
    rows.append(KeyHelp(prefix, "then one of the keys below", "prefix"))
    for entry in PREFIX_KEYS:
        keys = "1 … 9" if entry.action == "go_tab" else " / ".join(spell_key(k) for k in entry.keys)
        rows.append(KeyHelp(f"{prefix} {keys}", entry.description, "prefix"))
    rows.append(KeyHelp(f"{prefix} {prefix}", PREFIX_AGAIN, "prefix"))
    rows.append(KeyHelp(f"{prefix} Esc", PREFIX_CANCEL, "prefix"))
    for where, bindings in (
        ("app", APP_BINDINGS),
        ("main", MAIN_BINDINGS),
        ("browser", BROWSER_BINDINGS),
        ("editor", EDITOR_BINDINGS + EDITOR_TEXT_BINDINGS),
    ):
        for binding in bindings:
            if binding.id == PREFIX_ID:
                continue  # its own group, above
            if binding.action.startswith("go_tab("):
                if binding.key != "alt+1":
                    continue
                keys = "Alt+1 … Alt+9"
            else:
                keys = _display(binding)
            rows.append(KeyHelp(keys, binding.tooltip or binding.description, where))
        rows += [k for k in OTHER_KEYS if k.where == where]
    return rows


WHERE_TITLES = {
    "terminal": "In a terminal (all other keys go to the shell)",
    "app": "Anywhere outside a terminal",
    "main": "Tabs and panes (outside a terminal, except F12, Ctrl+PgUp/PgDn and Alt+1-9)",
    "browser": "In the project browser",
    "editor": "In an editor (plus the usual editing keys)",
    "prefix": "The prefix key: the app's keys from anywhere, a terminal too",
}


def markdown_table(prefix_key: str = defaults.PREFIX_KEY) -> str:
    """The keys as a Markdown table (docs/app.md carries it; a test keeps them equal)."""
    lines = ["| Keys | What | Where |", "| --- | --- | --- |"]
    for row in help_rows(prefix_key):
        keys = row.keys.replace("|", "\\|")
        lines.append(f"| {keys} | {row.description} | {WHERE_TITLES[row.where]} |")
    return "\n".join(lines)
