"""Alt keys through the real input path: tmux types them, the app's driver reads them, the
terminal widget sends them on; the program must get exactly what tmux sends a program
run directly (tmux sends Alt+key as xterm does: ESC, then the key)."""

from __future__ import annotations

import string
import sys
import time
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


def received_through(command: str, log: Path, timeout: float = 30.0) -> bytes:
    """What the program under ``command`` (the hex echo, logging to ``log``) receives when
    tmux types KEYS in one burst."""
    with TmuxPane(f"HEX_ECHO_LOG={log} {command}", width=200, height=60) as pane:
        pane.wait_for(lambda s: "READY" in s, "the program to start")
        pane.send(*KEYS)
        deadline = time.monotonic() + timeout
        while not (log.exists() and log.read_bytes().endswith(LAST)):
            assert time.monotonic() < deadline, f"not every key arrived:\n{pane.screen()}"
            time.sleep(0.05)
        return log.read_bytes()


def test_alt_keys_reach_a_program_in_the_app_as_tmux_sends_them(tmp_path: Path) -> None:
    direct = received_through(f"{sys.executable} -c '{HEX_ECHO}' ''", tmp_path / "direct")
    assert direct.startswith(b"\x1ba\x1bb"), direct[:20]
    through_app = received_through(f"{sys.executable} -m testkit.key_probe", tmp_path / "app")
    assert through_app == direct
