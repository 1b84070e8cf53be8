"""Alt keys through the real input path: tmux types them, the app's driver reads them, the
terminal widget sends them on; the program must get exactly what tmux sends a program
run directly (tmux sends Alt+key as xterm does: ESC, then the key)."""

from __future__ import annotations

import string
import sys
from pathlib import Path

from testkit.terminal_support import HEX_ECHO
from testkit.tmux import TmuxPane

# Every Alt+printable key tmux can name, plus the control keys bash and emacs use.
KEYS = [
    *(f"M-{c}" for c in string.ascii_letters + string.digits + "!#$%&'()*+,-./:<=>?@\\]^_`{|}~"),
    "M-Enter",
    "M-BSpace",
    "M-Tab",
    "M-Space",
    "M-C-a",
    "M-C-e",
    "M-Up",
    "C-Left",
]


LAST = b"\x1b[1;5D"
"""What the last key (C-Left) sends: once it arrived, every key before it did."""


def received_through(command: str, ready: str, log: Path) -> bytes:
    """What the program under ``command`` receives when tmux types KEYS in one burst.

    Read from the program's own record (``log``), not from the screen: it prints a line
    per read, and through the app the keys may come one read each, so the first ones
    scrolled off the screen now and then (the app's own screen has no scrollback).
    """
    with TmuxPane(command, width=200, height=60) as pane:
        pane.wait_for(lambda s: ready in s, "the program to start")
        pane.send(*KEYS)
        pane.wait_for(lambda s: log.read_bytes().endswith(LAST), "every key")
        return log.read_bytes()


def test_alt_keys_reach_a_program_in_the_app_as_tmux_sends_them(tmp_path: Path) -> None:
    direct_log, app_log = tmp_path / "direct.bin", tmp_path / "app.bin"
    direct_log.touch()
    app_log.touch()
    direct = received_through(
        f"{sys.executable} -c '{HEX_ECHO}' '' {direct_log}", "READY", direct_log
    )
    assert direct.startswith(b"\x1ba\x1bb"), direct[:20]
    through_app = received_through(
        f"env KEY_PROBE_LOG={app_log} {sys.executable} -m testkit.key_probe", "READY", app_log
    )
    assert through_app == direct
