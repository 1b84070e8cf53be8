"""A fresh tmux fed with raw terminal bytes: the reference screen for replay comparisons."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pyte import charsets

# box characters → the VT100 letters tmux's capture-pane prints for them
TO_ACS = {
    ord(charsets.VT100_MAP[i]): chr(i) for i in range(0x5F, 0x7F) if charsets.VT100_MAP[i] != chr(i)
}


@dataclass(frozen=True)
class TmuxScreen:
    """What tmux shows: rows right-stripped, the cursor, some mode flags."""

    rows: list[str]
    cursor: tuple[int, int]
    alternate_on: bool
    cursor_visible: bool
    mouse: bool
    keypad_cursor: bool
    title: str


@contextmanager
def tmux_showing(
    path: str, cols: int, rows: int, *, raw: bool = True, timeout: float = 60.0
) -> Iterator[str]:
    """A fresh tmux server (its own socket, no config) whose one ``cols`` x ``rows`` pane has
    printed the file at ``path``: yields the socket name for ``tmux -L``, once ``cat`` is
    done; the server is killed on the way out. The bench times tmux with it (the start-up,
    measured with ``/dev/null``, subtracted).

    Args:
        raw: output processing and echo off (``stty -onlcr -echo``), so the bytes reach tmux
            as they were recorded; off, the pane's tty adds a CR before each LF, as a pty
            running a program would.
        timeout: seconds tmux may take to print the file (a bench's stream is tens of MB).

    Raises:
        AssertionError: tmux is not installed (``make test`` installs it).
        subprocess.TimeoutExpired: tmux did not print the file within ``timeout``.
    """
    assert shutil.which("tmux"), "tmux not found: `make test` installs it"
    sock = f"replay{uuid.uuid4().hex[:8]}"
    tty = "stty -onlcr -echo; " if raw else ""
    try:
        subprocess.run(
            [
                "tmux",
                "-L",
                sock,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                str(cols),
                "-y",
                str(rows),
                f"{tty}cat {shlex.quote(path)}; tmux -L {sock} wait -S done; sleep 600",
            ],
            check=True,
        )
        subprocess.run(["tmux", "-L", sock, "wait", "done"], check=True, timeout=timeout)
        yield sock
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True, check=False)


def tmux_pane(sock: str, rows: int) -> list[str]:
    """The first ``rows`` lines tmux's ``capture-pane -p`` prints (trailing blanks kept:
    tmux drops the blank rows at the bottom, so there may be fewer)."""
    return subprocess.run(
        ["tmux", "-L", sock, "capture-pane", "-p"], capture_output=True, text=True, check=True
    ).stdout.split("\n")[:rows]


def _tmux_display(sock: str, fmt: str) -> str:
    return subprocess.run(
        ["tmux", "-L", sock, "display", "-p", fmt], capture_output=True, text=True, check=True
    ).stdout.strip()


def tmux_screen(data: bytes, cols: int, rows: int) -> TmuxScreen:
    """Feed ``data`` to a new tmux pane of ``cols`` x ``rows`` (output processing off) and
    read back what it shows.

    Raises:
        AssertionError: tmux is not installed (``make test`` installs it).
    """
    with tempfile.NamedTemporaryFile(suffix=".raw", delete=False) as f:
        f.write(data)
    fmt = ",".join(
        "#{" + name + "}"
        for name in (
            "cursor_x",
            "cursor_y",
            "alternate_on",
            "cursor_flag",
            "mouse_any_flag",
            "keypad_cursor_flag",
        )
    )
    try:
        with tmux_showing(f.name, cols, rows) as sock:
            pane = tmux_pane(sock, rows)
            flags = _tmux_display(sock, fmt)
            title = _tmux_display(sock, "#{pane_title}")
    finally:
        os.unlink(f.name)
    x, y, alt, visible, mouse, keypad = (int(v) for v in flags.split(","))
    shown = [r.rstrip().translate(TO_ACS) for r in pane]
    return TmuxScreen(
        rows=shown + [""] * (rows - len(shown)),
        cursor=(min(x, cols - 1), y),
        alternate_on=bool(alt),
        cursor_visible=bool(visible),
        mouse=bool(mouse),
        keypad_cursor=bool(keypad),
        title=title,
    )
