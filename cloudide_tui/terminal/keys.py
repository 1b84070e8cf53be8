"""Textual key events → the bytes an xterm sends for them, as data.

Textual hands us keys already parsed (``events.Key``: a name such as ``"ctrl+up"`` plus the
character it types, if any). A terminal must turn them back into what a real xterm would
send, so that bash, vim, emacs, less and htop see what they expect. The tables below are
that mapping; ``encode_key`` is the small amount of logic that combines them with the
modifier keys and the program's modes (DECCKM switches cursor keys to their SS3 form).

Facts about Textual 8.2 that shape this (see docs/terminal-widget.md):

* ``alt+x`` arrives with character ``"x"``: Alt is sent as an ESC prefix (xterm's
  ``metaSendsEscape``). Textual's own parser loses Alt on every key but letters; the
  app's driver (``cloudide_tui/driver.py``) keeps it (``alt+full_stop``, ``alt+1``,
  ``alt+enter``...). The kitty protocol sends some without their character: the key's
  name says it (``key_character``).
* Backspace arrives as ``backspace`` whether the host sent DEL or ^H; the character tells
  them apart, so Ctrl+H keeps sending ^H.
* Shift+F1..F12 arrive as ``f13``..``f24`` (xterm's ``CSI 1;2 P`` is parsed as F13).
* With the kitty keyboard protocol, keys arrive with sorted modifiers and no character
  (``ctrl+shift+a``), so every modifier combination is handled generically.

Keys the app keeps for itself are in ``APP_KEYS``; the widget lets them bubble up.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cloudide_tui.keynames import key_character
from cloudide_tui.terminal.model import Modes

ESC = "\x1b"
CSI = "\x1b["
SS3 = "\x1bO"

APP_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "f12": "Leave the terminal (focus the project browser)",
        "ctrl+pageup": "Previous tab",
        "ctrl+pagedown": "Next tab",
    }
)
"""Keys the app keeps even while a terminal has focus: the widget never sends them to the
program. Chosen not to clash with bash, readline, vim, emacs, less or htop: none of them
binds F12 or Ctrl+PgUp/PgDn by default (terminal emulators commonly use these too)."""

SCROLL_KEYS: Mapping[str, int] = MappingProxyType({"shift+pageup": -1, "shift+pagedown": +1})
"""Keys the terminal widget handles itself: page through its scrollback (direction in
pages). As in xterm, gnome-terminal and konsole, they never reach the program."""

RESERVED_KEYS: frozenset[str] = frozenset(APP_KEYS) | frozenset(SCROLL_KEYS)
"""Every key the program never receives."""

FIXED_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "enter": "\r",
        "tab": "\t",
        "shift+tab": CSI + "Z",
        "escape": ESC,
        "backspace": "\x7f",
        "ctrl+backspace": "\x08",
        "space": " ",
        "ctrl+space": "\x00",
        "ctrl+@": "\x00",
        "ctrl+at": "\x00",
        "ctrl+left_square_bracket": ESC,
        "ctrl+backslash": "\x1c",
        "ctrl+right_square_bracket": "\x1d",
        "ctrl+circumflex_accent": "\x1e",
        "ctrl+underscore": "\x1f",
        "ctrl+minus": "\x1f",
        "ctrl+slash": "\x1f",
        "ctrl+question_mark": "\x7f",
        # VT220 / xterm legacy: Ctrl+digit sends the control characters around ESC.
        "ctrl+2": "\x00",
        "ctrl+3": ESC,
        "ctrl+4": "\x1c",
        "ctrl+5": "\x1d",
        "ctrl+6": "\x1e",
        "ctrl+7": "\x1f",
        "ctrl+8": "\x7f",
    }
)
"""Keys whose bytes never depend on a mode."""

CURSOR_KEYS: Mapping[str, str] = MappingProxyType(
    {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
)
"""Final bytes of the cursor keys: ``CSI X`` normally, ``SS3 X`` in application cursor
mode (DECCKM), ``CSI 1;<mod> X`` with modifiers (in both modes, as xterm does)."""

SS3_FUNCTION_KEYS: Mapping[str, str] = MappingProxyType(
    {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
)
"""F1-F4: ``SS3 X``, or ``CSI 1;<mod> X`` with modifiers."""

TILDE_KEYS: Mapping[str, int] = MappingProxyType(
    {
        "insert": 2,
        "delete": 3,
        "pageup": 5,
        "pagedown": 6,
        "f5": 15,
        "f6": 17,
        "f7": 18,
        "f8": 19,
        "f9": 20,
        "f10": 21,
        "f11": 23,
        "f12": 24,
    }
)
"""Keys sent as ``CSI <n> ~``, or ``CSI <n>;<mod> ~`` with modifiers."""

SHIFTED_FUNCTION_KEYS: Mapping[str, str] = MappingProxyType(
    {f"f{n + 12}": f"f{n}" for n in range(1, 13)}
)
"""Textual names Shift+F1..F12 ``f13``..``f24`` (from xterm's own sequences): map back."""

MODIFIER_BITS: Mapping[str, int] = MappingProxyType(
    {"shift": 1, "alt": 2, "meta": 2, "ctrl": 4, "super": 8, "hyper": 8}
)
"""xterm's modifier parameter is 1 + the sum of these bits (Shift=2, Alt=3, Ctrl=5 ...)."""

_TEXT_KEYS = frozenset({"enter", "tab", "backspace", "escape", "space"})


def split_key(key: str) -> tuple[frozenset[str], str]:
    """Split a Textual key name into its modifiers and its base key.

    ``"ctrl+shift+up"`` → ``({"ctrl", "shift"}, "up")``. A base key of ``+`` (written
    ``plus`` by Textual) is never confused with the separator.
    """
    *mods, base = key.split("+")
    if not base and mods:  # "ctrl++"
        mods.pop()
        base = "+"
    return frozenset(mods), base


def _modifier_param(mods: frozenset[str]) -> int:
    return 1 + sum(MODIFIER_BITS.get(m, 0) for m in mods)


def _control_char(base: str) -> str | None:
    """The C0 character Ctrl+<base> sends (letters, and ``@ [ \\ ] ^ _``)."""
    if len(base) == 1 and "a" <= base.lower() <= "z":
        return chr(ord(base.lower()) & 0x1F)
    if len(base) == 1 and base in "@[\\]^_":
        return chr(ord(base) & 0x1F)
    return None


def encode_key(key: str, character: str | None, modes: Modes) -> bytes | None:
    """The bytes to send for one key press, or None if a terminal sends nothing for it.

    Args:
        key: Textual's key name (``events.Key.key``).
        character: Textual's ``events.Key.character`` (may be None).
        modes: The program's current input modes (DECCKM matters here).

    Returns:
        UTF-8 bytes for the program, or None for keys with no terminal meaning
        (reserved keys are not special-cased here: the widget checks ``RESERVED_KEYS``).
    """
    text = _encode(key, character, modes)
    return None if text is None else text.encode("utf-8", "surrogateescape")


def _encode(key: str, character: str | None, modes: Modes) -> str | None:
    if key == "backspace" and character == "\x08":
        return "\x08"  # the host sent ^H (Ctrl+H): keep it distinct from DEL
    fixed = FIXED_KEYS.get(key)
    if fixed is not None:
        return fixed

    mods, base = split_key(key)
    if base in SHIFTED_FUNCTION_KEYS:
        mods, base = mods | {"shift"}, SHIFTED_FUNCTION_KEYS[base]
    param = _modifier_param(mods)

    if base in CURSOR_KEYS:
        final = CURSOR_KEYS[base]
        if param > 1:
            return f"{CSI}1;{param}{final}"
        return (SS3 if modes.app_cursor else CSI) + final
    if base in SS3_FUNCTION_KEYS:
        final = SS3_FUNCTION_KEYS[base]
        return f"{CSI}1;{param}{final}" if param > 1 else SS3 + final
    if base in TILDE_KEYS:
        number = TILDE_KEYS[base]
        return f"{CSI}{number};{param}~" if param > 1 else f"{CSI}{number}~"

    if mods & {"alt", "meta"}:
        rest = "+".join([*sorted(mods - {"alt", "meta"}), base])
        inner = _encode(rest, character, modes)
        return None if inner is None else ESC + inner

    if base in _TEXT_KEYS:
        # Shift/Ctrl on Enter, Tab, Backspace, Escape, Space: a legacy xterm sends the
        # key itself (the special combinations are in FIXED_KEYS).
        if base == "tab" and "shift" in mods:
            return CSI + "Z"
        return FIXED_KEYS[base]

    if "ctrl" in mods:
        fixed = FIXED_KEYS.get(f"ctrl+{base}")
        if fixed is not None:
            return fixed
        control = _control_char(base)
        if control is not None:
            return control
        if character and len(character) == 1 and ord(character) < 0x20:
            return character
        return None

    if character:
        return character
    # kitty protocol: "shift+a", "alt+full_stop" with no character
    named = key_character(base)
    if named is None or not named.isprintable():
        return None
    return named.upper() if "shift" in mods else named
