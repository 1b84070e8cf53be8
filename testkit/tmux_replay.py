"""A fresh tmux fed with raw terminal bytes: the reference screen for replay comparisons."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
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


def tmux_screen(data: bytes, cols: int, rows: int) -> TmuxScreen:
    """Feed ``data`` to a new tmux pane of ``cols`` x ``rows`` (output processing off) and
    read back what it shows.

    Raises:
        AssertionError: tmux is not installed (``make test`` installs it).
    """
    assert shutil.which("tmux"), "tmux not found: `make test` installs it"
    sock = f"replay{uuid.uuid4().hex[:8]}"
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
                f"stty -onlcr -echo; cat {f.name}; tmux -L {sock} wait -S done; sleep 60",
            ],
            check=True,
        )
        subprocess.run(["tmux", "-L", sock, "wait", "done"], check=True, timeout=60)
        pane = subprocess.run(
            ["tmux", "-L", sock, "capture-pane", "-p"], capture_output=True, text=True, check=True
        ).stdout.split("\n")[:rows]
        flags = subprocess.run(
            ["tmux", "-L", sock, "display", "-p", fmt], capture_output=True, text=True, check=True
        ).stdout.strip()
        title = subprocess.run(
            ["tmux", "-L", sock, "display", "-p", "#{pane_title}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True, check=False)
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
