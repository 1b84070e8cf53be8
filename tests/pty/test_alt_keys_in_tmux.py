"""Alt keys through the real input path: tmux types them, the app's driver reads them, the
terminal widget sends them on; the program must get exactly what tmux sends a program
run directly (tmux sends Alt+key as xterm does: ESC, then the key)."""

from __future__ import annotations

import string
import sys

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


def hex_bytes(screen: str) -> bytes:
    """Every byte the hex echo program reported receiving."""
    out = b""
    for part in screen.split("<")[1:]:
        if ">" in part:
            out += bytes.fromhex(part.split(">")[0].replace("\n", ""))
    return out


LAST = b"\x1b[1;5D"
"""What the last key (C-Left) sends: once it arrived, every key before it did."""


def received_through(command: str, ready: str) -> bytes:
    """What the program under ``command`` receives when tmux types KEYS in one burst."""
    with TmuxPane(command, width=200, height=60) as pane:
        pane.wait_for(lambda s: ready in s, "the program to start")
        pane.send(*KEYS)
        return hex_bytes(pane.wait_for(lambda s: hex_bytes(s).endswith(LAST), "every key"))


def test_alt_keys_reach_a_program_in_the_app_as_tmux_sends_them() -> None:
    direct = received_through(f"{sys.executable} -c '{HEX_ECHO}' ''", "READY")
    assert direct.startswith(b"\x1ba\x1bb"), direct[:20]
    through_app = received_through(f"{sys.executable} -m testkit.key_probe", "READY")
    assert through_app == direct
