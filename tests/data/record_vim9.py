"""How ``vim9_100x30.raw`` was made: vim 9.0 (the host's, with syntax highlighting, line
numbers and cursorline) editing a Python file through a local pty at 100x30, with
TERM=xterm-256color, scripted keys: page down and up, moves, an insertion, ``:q!``.

vim 9 sends what breaks stock pyte at start-up (``CSI ? 4 m`` raises, ``CSI > 4;2 m``
turns underline on, ``ESC P zz ESC \\`` is drawn, ``OSC 10;?`` garbles the icon name), and
redraws with scroll regions and insert/delete line. Run from the repository root:
``python tests/data/record_vim9.py FILE_TO_EDIT``.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time
from pathlib import Path

COLUMNS, LINES = 100, 30
KEYS = [
    b"\x06",
    b"\x06",
    b"j" * 20,
    b"\x02",
    b"k" * 5,
    b"Onew line from the test\x1b",
    b"\x05",
    b"\x05",
    b"\x05",
    b"\x19",
    b"\x19",
    b"ddp",
    b"\x04",
    b"u",
    b":q!\r",
]


def main(path: str) -> None:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(
            "vim",
            [
                "vim",
                "-N",
                "-u",
                "NONE",
                "-i",
                "NONE",
                "-n",
                "-c",
                "syntax on",
                "-c",
                "set number",
                "-c",
                "set cursorline",
                path,
            ],
        )
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    out = bytearray()
    keys = list(KEYS)
    last = time.monotonic()
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
            last = time.monotonic()
        elif keys and time.monotonic() - last > 0.5:
            os.write(fd, keys.pop(0))
            last = time.monotonic()
        elif not keys and time.monotonic() - last > 3:
            break
    os.waitpid(pid, 0)
    Path(__file__).with_name("vim9_100x30.raw").write_bytes(bytes(out))
    print(len(out), "bytes")


if __name__ == "__main__":
    main(sys.argv[1])
