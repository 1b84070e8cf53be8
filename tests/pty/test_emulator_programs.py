"""Real programs through a real PTY: vim, less, htop and top run in the runner image
(``docker run -it`` under a local pty); their recorded output is replayed into our
emulator and into tmux (the reference, research note §4.3), and the screens must match
at the moment the program is on screen and after it exits (the shell's screen back).

tmux's ``capture-pane -p`` prints DEC line-drawing cells as their ASCII letters
(``lqqk``) while we draw box characters, and programs such as mc send the Unicode box
characters themselves: both screens are mapped to the letters before comparing.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time
import uuid

import pytest

from cloudide_tui.terminal.emulator import TerminalEmulator
from testkit.tmux_replay import TO_ACS, tmux_screen

IMAGE = os.environ.get("CLOUDIDE_IMAGE", "cloudide-runner:latest")
COLUMNS, LINES = 100, 30
MARKER = "shell-before-the-program"


def record(
    command: str,
    keys: list[tuple[float, bytes]],
    idle: float = 0.6,
    limit: float = 40.0,
    running: bytes = b"\x1b[?1049h",
) -> bytes:
    """Run ``command`` in a throw-away runner container on a pty of our size; send each
    key after the output has been quiet for ``idle`` seconds (or its own delay), the
    first only once the program printed ``running`` (by default: it took the alternate
    screen): a quiet spell alone may come before the program even started, on a loaded
    machine, and the key then goes to the tty still in the shell's cooked mode."""
    if shutil.which("docker") is None:
        pytest.fail("docker CLI not found: these tests need the Docker engine")
    name = f"cloudide-emutest-{uuid.uuid4().hex[:10]}"
    script = (
        f"stty rows {LINES} cols {COLUMNS}; clear; echo {MARKER}; sleep 0.3; "
        f"{command}; echo shell-after-the-program"
    )
    argv = [
        "docker",
        "run",
        "--rm",
        "-i",
        "-t",
        "--name",
        name,
        "--network",
        "none",
        "--label",
        "cloudide.test=emulator",
        "-e",
        "TERM=xterm-256color",
        "-e",
        "LANG=C.UTF-8",
        IMAGE,
        "bash",
        "-c",
        script,
    ]
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    out = bytearray()
    pending = list(keys)
    last = time.monotonic()
    start = last
    try:
        while time.monotonic() - start < limit:
            ready, _, _ = select.select([fd], [], [], 0.05)
            now = time.monotonic()
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
                last = now
            elif pending and now - last >= max(idle, pending[0][0]) and started(out, running):
                os.write(fd, pending.pop(0)[1])
                last = now
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        os.close(fd)
        os.waitpid(pid, 0)
    if MARKER.encode() not in out:
        pytest.fail(f"the runner container did not start: {bytes(out[-500:])!r}")
    return bytes(out)


def started(out: bytes | bytearray, ready: bytes) -> bool:
    """Whether ``ready`` was printed after the shell's marker (by the program)."""
    at = out.find(MARKER.encode())
    return at >= 0 and out.find(ready, at) >= 0


def our_screen(data: bytes, fast_path: bool) -> tuple[list[str], tuple[int, int], int]:
    e = TerminalEmulator(COLUMNS, LINES, fast_path=fast_path)
    for i in range(0, len(data), 4096):
        e.feed(data[i : i + 4096])
    rows = [r.translate(TO_ACS) for r in e.screen_text()]
    return rows, (e.cursor.x, e.cursor.y), e.errors


def assert_same_as_tmux(data: bytes) -> list[str]:
    tmux = tmux_screen(data, COLUMNS, LINES)
    expected, cursor = tmux.rows, tmux.cursor
    for fast in (True, False):
        rows, our_cursor, errors = our_screen(data, fast)
        assert errors == 0
        diff = [(y, a, b) for y, (a, b) in enumerate(zip(rows, expected, strict=True)) if a != b]
        assert not diff, f"rows differing from tmux (ours, tmux): {diff[:5]}"
        assert our_cursor == cursor
    return expected


def while_on_screen(data: bytes, leaving: bytes = b"\x1b[?1049l") -> bytes:
    """The stream up to the program leaving (the alternate screen, by default)."""
    cut = data.rfind(leaving)
    assert cut > 0, f"the program never sent {leaving!r}"
    return data[:cut]


@pytest.fixture(scope="module")
def vim_stream() -> bytes:
    return record(
        "vim -N -u NONE -i NONE -n /etc/os-release",
        [(0.8, b"Gohello from the test"), (0.3, b"\x1b"), (0.3, b"gg"), (0.3, b":q!\r")],
    )


def test_vim_draws_its_screen_like_tmux(vim_stream: bytes) -> None:
    for prefix in cuts(vim_stream):
        assert_same_as_tmux(prefix)
    screen = assert_same_as_tmux(while_on_screen(vim_stream))
    assert any("hello from the test" in row for row in screen)
    assert any(row.startswith("PRETTY_NAME") for row in screen)


def test_leaving_vim_restores_the_shells_screen(vim_stream: bytes) -> None:
    screen = assert_same_as_tmux(vim_stream)
    assert screen[0] == MARKER
    assert "shell-after-the-program" in screen
    assert not any("PRETTY_NAME" in row for row in screen)


def test_less_pages_like_tmux_and_restores_the_screen() -> None:
    data = record("seq 1 500 | less", [(0.8, b" "), (0.3, b"/250\r"), (0.3, b"q")])
    for prefix in cuts(data):
        assert_same_as_tmux(prefix)
    screen = assert_same_as_tmux(while_on_screen(data))
    assert "250" in screen
    after = assert_same_as_tmux(data)
    assert after[0] == MARKER


def test_htop_draws_like_tmux() -> None:
    data = record("htop -d 30", [(1.5, b"q")], idle=1.0)
    for prefix in cuts(data):
        assert_same_as_tmux(prefix)
    screen = assert_same_as_tmux(while_on_screen(data))
    assert any("PID" in row for row in screen)
    assert assert_same_as_tmux(data)[0] == MARKER


def test_top_draws_like_tmux() -> None:
    data = record("top -d 3", [(1.5, b"q")], idle=1.0, running=b"PID")  # no alternate screen
    # procps top draws on the normal screen (no smcup here) and leaves its last frame
    screen = assert_same_as_tmux(while_on_screen(data, b"\x1b[?1l\x1b>"))
    assert any("PID" in row for row in screen)
    assert "shell-after-the-program" in assert_same_as_tmux(data)


def cuts(data: bytes, n: int = 4) -> list[bytes]:
    """``n`` prefixes of ``data``, each ending just before an escape sequence."""
    out = []
    for k in range(1, n + 1):
        at = data.find(b"\x1b", len(data) * k // (n + 1))
        if at > 0:
            out.append(data[:at])
    return out


def test_midnight_commander_draws_like_tmux_and_restores_the_screen() -> None:
    data = record("mc", [(1.0, b"\x1b[21~")], idle=1.0)  # F10 quits
    seen_panels = False
    for prefix in cuts(while_on_screen(data)):
        screen = assert_same_as_tmux(prefix)
        seen_panels |= any("Name" in row and "Size" in row for row in screen)
    assert seen_panels
    assert assert_same_as_tmux(data)[0] == MARKER


VIM9 = __import__("pathlib").Path(__file__).parents[1] / "data" / "vim9_100x30.raw"


def test_vim9_recorded_session_matches_tmux_at_every_redraw() -> None:
    """vim 9.0 with syntax colours (recorded by tests/data/record_vim9.py): the start-up
    sequences that break stock pyte, scroll regions, insert-line; every cut matches."""
    data = VIM9.read_bytes()
    assert b"\x1b[?4m" in data and b"\x1bPzz" in data and b"\x1b[>4;2m" in data
    for prefix in cuts(data, 8):
        assert_same_as_tmux(prefix)
    screen = assert_same_as_tmux(while_on_screen(data))
    assert any("class Strip" in row or "def " in row for row in screen)
    e = TerminalEmulator(COLUMNS, LINES)
    e.feed(while_on_screen(data))
    assert e.errors == 0
    # only the cursor line is underlined (stock pyte's `CSI > 4;2 m` underlines everything)
    underlined = {y for y in range(LINES) for s in e.row(y) if s.style.underline}
    assert len(underlined) == 1
    assert any(s.style.fg is not None for y in range(LINES) for s in e.row(y))  # syntax
