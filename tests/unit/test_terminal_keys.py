"""The key table, case by case: what a user presses → what the program receives."""

from __future__ import annotations

import pytest

from cloudide_tui.terminal.keys import APP_KEYS, RESERVED_KEYS, SCROLL_KEYS, encode_key
from cloudide_tui.terminal.model import Modes

NORMAL = Modes()
APP_CURSOR = Modes(app_cursor=True)

# (Textual key, character, bytes in normal mode, bytes in application cursor mode)
CASES = [
    # text
    ("a", "a", b"a", b"a"),
    ("A", "A", b"A", b"A"),
    ("shift+a", "A", b"A", b"A"),
    ("e_acute", "é", "é".encode(), "é".encode()),
    ("中", "中", "中".encode(), "中".encode()),
    ("grinning_face", "😀", "😀".encode(), "😀".encode()),
    ("space", " ", b" ", b" "),
    ("plus", "+", b"+", b"+"),
    # editing keys
    ("enter", "\r", b"\r", b"\r"),
    ("shift+enter", None, b"\r", b"\r"),
    ("tab", "\t", b"\t", b"\t"),
    ("shift+tab", None, b"\x1b[Z", b"\x1b[Z"),
    ("escape", "\x1b", b"\x1b", b"\x1b"),
    ("backspace", "\x7f", b"\x7f", b"\x7f"),
    ("backspace", None, b"\x7f", b"\x7f"),
    ("backspace", "\x08", b"\x08", b"\x08"),  # the host sent ^H: Ctrl+H
    ("ctrl+h", None, b"\x08", b"\x08"),  # kitty protocol
    ("ctrl+backspace", None, b"\x08", b"\x08"),
    # cursor keys follow DECCKM
    ("up", None, b"\x1b[A", b"\x1bOA"),
    ("down", None, b"\x1b[B", b"\x1bOB"),
    ("right", None, b"\x1b[C", b"\x1bOC"),
    ("left", None, b"\x1b[D", b"\x1bOD"),
    ("home", None, b"\x1b[H", b"\x1bOH"),
    ("end", None, b"\x1b[F", b"\x1bOF"),
    # modified cursor keys: xterm's CSI 1;<mod> form in both modes
    ("shift+up", None, b"\x1b[1;2A", b"\x1b[1;2A"),
    ("alt+down", None, b"\x1b[1;3B", b"\x1b[1;3B"),
    ("ctrl+right", None, b"\x1b[1;5C", b"\x1b[1;5C"),
    ("ctrl+left", None, b"\x1b[1;5D", b"\x1b[1;5D"),
    ("ctrl+shift+left", None, b"\x1b[1;6D", b"\x1b[1;6D"),
    ("alt+ctrl+up", None, b"\x1b[1;7A", b"\x1b[1;7A"),
    ("shift+home", None, b"\x1b[1;2H", b"\x1b[1;2H"),
    ("ctrl+end", None, b"\x1b[1;5F", b"\x1b[1;5F"),
    # tilde keys
    ("insert", None, b"\x1b[2~", b"\x1b[2~"),
    ("delete", None, b"\x1b[3~", b"\x1b[3~"),
    ("pageup", None, b"\x1b[5~", b"\x1b[5~"),
    ("pagedown", None, b"\x1b[6~", b"\x1b[6~"),
    ("shift+delete", None, b"\x1b[3;2~", b"\x1b[3;2~"),
    ("ctrl+delete", None, b"\x1b[3;5~", b"\x1b[3;5~"),
    ("alt+pageup", None, b"\x1b[5;3~", b"\x1b[5;3~"),
    # function keys (xterm)
    ("f1", None, b"\x1bOP", b"\x1bOP"),
    ("f2", None, b"\x1bOQ", b"\x1bOQ"),
    ("f3", None, b"\x1bOR", b"\x1bOR"),
    ("f4", None, b"\x1bOS", b"\x1bOS"),
    ("f5", None, b"\x1b[15~", b"\x1b[15~"),
    ("f6", None, b"\x1b[17~", b"\x1b[17~"),
    ("f7", None, b"\x1b[18~", b"\x1b[18~"),
    ("f8", None, b"\x1b[19~", b"\x1b[19~"),
    ("f9", None, b"\x1b[20~", b"\x1b[20~"),
    ("f10", None, b"\x1b[21~", b"\x1b[21~"),
    ("f11", None, b"\x1b[23~", b"\x1b[23~"),
    ("f12", None, b"\x1b[24~", b"\x1b[24~"),
    ("ctrl+f1", None, b"\x1b[1;5P", b"\x1b[1;5P"),
    ("ctrl+f5", None, b"\x1b[15;5~", b"\x1b[15;5~"),
    ("f13", None, b"\x1b[1;2P", b"\x1b[1;2P"),  # Textual's name for Shift+F1
    ("f17", None, b"\x1b[15;2~", b"\x1b[15;2~"),  # Shift+F5
    ("ctrl+f13", None, b"\x1b[1;6P", b"\x1b[1;6P"),
    ("shift+f3", None, b"\x1b[1;2R", b"\x1b[1;2R"),
    # Ctrl+letter
    ("ctrl+a", "\x01", b"\x01", b"\x01"),
    ("ctrl+c", "\x03", b"\x03", b"\x03"),
    ("ctrl+d", "\x04", b"\x04", b"\x04"),
    ("ctrl+e", "\x05", b"\x05", b"\x05"),
    ("ctrl+p", "\x10", b"\x10", b"\x10"),
    ("ctrl+q", "\x11", b"\x11", b"\x11"),
    ("ctrl+r", "\x12", b"\x12", b"\x12"),
    ("ctrl+w", "\x17", b"\x17", b"\x17"),
    ("ctrl+z", "\x1a", b"\x1a", b"\x1a"),
    ("ctrl+j", "\n", b"\n", b"\n"),
    ("ctrl+c", None, b"\x03", b"\x03"),  # kitty protocol: no character
    ("ctrl+shift+a", None, b"\x01", b"\x01"),
    # Ctrl+symbol
    ("ctrl+@", "\x00", b"\x00", b"\x00"),
    ("ctrl+space", None, b"\x00", b"\x00"),
    ("ctrl+left_square_bracket", None, b"\x1b", b"\x1b"),
    ("ctrl+backslash", "\x1c", b"\x1c", b"\x1c"),
    ("ctrl+right_square_bracket", "\x1d", b"\x1d", b"\x1d"),
    ("ctrl+circumflex_accent", "\x1e", b"\x1e", b"\x1e"),
    ("ctrl+underscore", "\x1f", b"\x1f", b"\x1f"),
    ("ctrl+2", None, b"\x00", b"\x00"),
    ("ctrl+6", None, b"\x1e", b"\x1e"),
    # Alt: ESC prefix
    ("alt+x", "x", b"\x1bx", b"\x1bx"),
    ("alt+shift+x", "X", b"\x1bX", b"\x1bX"),
    ("alt+b", "b", b"\x1bb", b"\x1bb"),
    ("alt+period", ".", b"\x1b.", b"\x1b."),
    ("alt+ctrl+a", None, b"\x1b\x01", b"\x1b\x01"),
    ("alt+backspace", None, b"\x1b\x7f", b"\x1b\x7f"),
    ("alt+enter", None, b"\x1b\r", b"\x1b\r"),
    # nothing to send
    ("ctrl+f99", None, None, None),
    ("shift+escape", None, b"\x1b", b"\x1b"),
]


@pytest.mark.parametrize(("key", "character", "normal", "app"), CASES)
def test_a_key_sends_what_xterm_sends(
    key: str, character: str | None, normal: bytes | None, app: bytes | None
) -> None:
    assert encode_key(key, character, NORMAL) == normal
    assert encode_key(key, character, APP_CURSOR) == app


def test_the_reserved_keys_are_the_documented_small_set() -> None:
    assert set(APP_KEYS) == {"f12", "ctrl+pageup", "ctrl+pagedown"}
    assert set(SCROLL_KEYS) == {"shift+pageup", "shift+pagedown"}
    assert set(APP_KEYS) | set(SCROLL_KEYS) == RESERVED_KEYS
    # the shell's own keys are never reserved
    for key in (
        "ctrl+c",
        "ctrl+d",
        "ctrl+z",
        "ctrl+r",
        "ctrl+w",
        "ctrl+a",
        "ctrl+e",
        "ctrl+p",
        "ctrl+q",
        "escape",
        "tab",
        *(f"f{n}" for n in range(1, 12)),
    ):
        assert key not in RESERVED_KEYS
