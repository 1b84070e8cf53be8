"""Alt+key, the whole table: what xterm sends in, what the shell gets out.

xterm (``metaSendsEscape``, the default of tmux, gnome-terminal, konsole, iTerm2's "Esc+")
sends Alt+key as ESC followed by the key's own bytes. The app reads them with
``driver.AltKeyParser`` and the terminal widget encodes them back with
``terminal.keys.encode_key``: every key must come out as it went in, alone or in a burst.
(tests/pty/test_alt_keys_in_tmux.py does the same through tmux and the real driver.)
"""

from __future__ import annotations

import ast
import inspect
import string
import textwrap

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.web_driver import WebDriver
from textual.keys import KEY_NAME_REPLACEMENTS, _character_to_key

from cloudide_tui.driver import AltKeyParser, CloudIDEDriver, CloudIDEWebDriver, alt_key_name
from cloudide_tui.keynames import NAME_REPLACEMENTS, key_character
from cloudide_tui.terminal.keys import encode_key
from cloudide_tui.terminal.model import Modes

ESC = "\x1b"

PRINTABLE = [c for c in string.printable if c.isprintable()]
"""Every printable ASCII character, space to tilde (95 keys)."""

# Alt with a control key: what xterm sends is ESC + the control character.
CONTROL = {
    "alt+enter": "\r",
    "alt+tab": "\t",
    "alt+backspace": "\x7f",
    "alt+backspace (^H)": "\x08",
    **{f"alt+ctrl+{c}": chr(ord(c) & 0x1F) for c in "abcdefgklnopqrstuvwxyz"},
    "alt+ctrl+backslash": "\x1c",
    "alt+ctrl+right_square_bracket": "\x1d",
}


def parse(data: str) -> list[events.Key]:
    """The key events the app's parser makes of ``data`` (read in one go, then EOF)."""
    parser = AltKeyParser()
    keys = [e for e in parser.feed(data) if isinstance(e, events.Key)]
    keys += [e for e in parser.feed("") if isinstance(e, events.Key)]
    return keys


def sent(keys: list[events.Key], modes: Modes | None = None) -> str:
    """The bytes the terminal widget sends for ``keys``, as text."""
    out = b""
    for key in keys:
        data = encode_key(key.key, key.character, modes or Modes())
        assert data is not None, f"{key.key!r} sends nothing"
        out += data
    return out.decode()


@pytest.mark.parametrize("char", PRINTABLE, ids=[f"alt+{c!r}" for c in PRINTABLE])
def test_alt_with_every_printable_key_reaches_the_shell_as_xterm_sent_it(char: str) -> None:
    keys = parse(ESC + char)
    assert len(keys) == 1
    assert keys[0].key.startswith("alt+"), keys[0].key
    assert sent(keys) == ESC + char
    assert sent(keys, Modes(app_cursor=True)) == ESC + char


def test_a_burst_of_alt_keys_keeps_every_key_and_its_order() -> None:
    # tmux send-keys, a paste of keys, a fast typist: all in one read.
    burst = "".join(ESC + c + c for c in PRINTABLE)
    assert sent(parse(burst)) == burst


@pytest.mark.parametrize(("key", "control"), CONTROL.items())
def test_alt_with_control_keys_sends_esc_and_the_control_character(key: str, control: str) -> None:
    keys = parse(ESC + control)
    assert len(keys) == 1 and keys[0].key.startswith("alt+"), keys
    assert sent(keys) == ESC + control


def test_alt_with_a_non_ascii_key_sends_esc_and_its_utf8() -> None:
    assert sent(parse(ESC + "é")) == ESC + "é"


def test_bashs_alt_keys_come_through_an_arrow_key_typed_next() -> None:
    # Alt+. then Up (ESC . ESC [ A) typed "^." before: the pending ESC became "^".
    keys = parse(ESC + "." + ESC + "[A" + ESC + "1" + ESC + "b" + ESC + "f")
    assert [k.key for k in keys] == ["alt+full_stop", "up", "alt+1", "alt+b", "alt+f"]
    assert sent(keys) == ESC + "." + ESC + "[A" + ESC + "1" + ESC + "b" + ESC + "f"


def test_alt_brackets_and_alt_shift_o_typed_before_another_alt_key_keep_their_alt() -> None:
    keys = parse(ESC + "O" + ESC + "P" + ESC + "[" + ESC + "x")
    assert [k.key for k in keys] == [
        "alt+shift+o",
        "alt+shift+p",
        "alt+left_square_bracket",
        "alt+x",
    ]
    assert sent(keys) == ESC + "O" + ESC + "P" + ESC + "[" + ESC + "x"


def test_keys_with_sequences_of_their_own_are_still_read_as_before() -> None:
    for data, key in [
        (ESC + "[A", "up"),
        (ESC + "OP", "f1"),
        (ESC + "[1;3A", "alt+up"),
        (ESC + "[15;5~", "ctrl+f5"),
        (ESC + ESC, "escape"),
        (ESC, "escape"),
    ]:
        assert parse(data)[0].key == key, data


def test_alt_brackets_and_alt_shift_o_arrive_after_the_escape_delay() -> None:
    assert [k.key for k in parse(ESC + "[")] == ["alt+left_square_bracket"]
    assert [k.key for k in parse(ESC + "O")] == ["alt+shift+o"]
    assert sent(parse(ESC + "[")) == ESC + "["
    assert sent(parse(ESC + "O")) == ESC + "O"


def test_the_kitty_protocols_alt_keys_without_their_character_are_sent_too() -> None:
    # kitty, foot, WezTerm, ghostty: CSI <codepoint>;3u, no text.
    for char in ".,1/;'`-=":
        keys = parse(f"{ESC}[{ord(char)};3u")
        assert keys[0].key.startswith("alt+"), keys[0].key
        assert sent(keys) == ESC + char


def test_textual_alone_loses_alt_on_these_keys() -> None:
    """Why the app has its own parser (drop it once this fails: Textual fixed it)."""
    parser = XTermParser()
    keys = [e for e in [*parser.feed(ESC + "."), *parser.feed("")] if isinstance(e, events.Key)]
    assert [k.key for k in keys] == ["full_stop"]
    parser = XTermParser()
    keys = [e for e in [*parser.feed(ESC + "1"), *parser.feed("")] if isinstance(e, events.Key)]
    assert [k.character for k in keys] == ["¡"]


def test_alt_key_names_follow_textuals_modifier_order() -> None:
    assert alt_key_name("a") == "alt+a"
    assert alt_key_name("A") == "alt+shift+a"
    assert alt_key_name("ctrl+a") == "alt+ctrl+a"
    assert alt_key_name("full_stop") == "alt+full_stop"
    assert alt_key_name("shift+tab") == "alt+shift+tab"


def test_key_names_map_back_to_their_characters_as_textual_named_them() -> None:
    assert dict(NAME_REPLACEMENTS) == {v: k for k, v in KEY_NAME_REPLACEMENTS.items()}
    for char in [*PRINTABLE, "é", "€", "«"]:
        assert key_character(_character_to_key(char)) == char, char


def test_the_driver_reads_input_as_textuals_own_driver_does_but_with_our_parser() -> None:
    """``CloudIDEDriver.run_input_thread`` is a copy of Textual's: if Textual changes its
    own, copy it again (with ``AltKeyParser`` in place of ``XTermParser``)."""

    def tree(method: object) -> str:
        node = ast.parse(textwrap.dedent(inspect.getsource(method)))  # type: ignore[arg-type]
        return ast.dump(node).replace("'XTermParser'", "'AltKeyParser'")

    assert tree(CloudIDEDriver.run_input_thread) == tree(LinuxDriver.run_input_thread)


def test_the_web_driver_reads_input_as_textuals_own_does_but_with_our_parser() -> None:
    """The same for ``CloudIDEWebDriver`` (the IDE page in a browser) and Textual's
    ``WebDriver``: its ``run_input_thread`` is Textual's with ``AltKeyParser``."""

    def tree(method: object) -> str:
        node = ast.parse(textwrap.dedent(inspect.getsource(method)))  # type: ignore[arg-type]
        return ast.dump(node).replace("'XTermParser'", "'AltKeyParser'")

    assert tree(CloudIDEWebDriver.run_input_thread) == tree(WebDriver.run_input_thread)
