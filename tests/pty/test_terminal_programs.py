"""Real full-screen programs in the terminal widget: vim, less and htop.

Each one must draw its screen, obey keys, and on exit give the shell's screen back.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from cloudide_tui.widgets.terminal import Terminal
from testkit.pty_session import PtySession
from testkit.terminal_support import (
    PROMPT,
    TerminalApp,
    bash,
    screen_lines,
    screen_text,
    wait_for_text,
    wait_until,
)

IMAGE = "cloudide-runner:latest"


class ExecSession(PtySession):
    """``docker exec -it`` under a PTY that does not pass on a resize to the same size.

    Seen here (Docker 20.10 CLI): a TIOCSWINSZ on the CLI's PTY in the first moments of
    an exec, even to the size it already has, leaves htop's output stalled after its first
    lines (tmux, which never resizes, shows the same exec fine). The widget always sends
    its size when it starts a session, as real backends need (docker starts execs at 0x0).
    """

    def __init__(self, argv: list[str], rows: int, cols: int) -> None:
        super().__init__(argv, rows=rows, cols=cols)
        self.size = (rows, cols)

    async def resize(self, rows: int, cols: int) -> None:
        if (rows, cols) != self.size:
            self.size = (rows, cols)
            await super().resize(rows, cols)


async def test_vim_draws_edits_saves_and_gives_the_screen_back(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("first line of the note\nsecond line\n")
    app = TerminalApp(bash(cwd=str(tmp_path)))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"echo before-vim", "enter")
        await wait_until(pilot, lambda: "before-vim" in screen_lines(terminal), "echo", terminal)
        await pilot.press(*"vim -u NONE -N -i NONE -n note.txt", "enter")
        await wait_for_text(pilot, terminal, "second line")
        lines = screen_lines(terminal)
        assert lines[0] == "first line of the note"
        assert lines[2] == "~"  # vim's empty-line markers: its own screen
        assert terminal.modes.alt_screen
        await pilot.press("G", "o", *"added in vim", "escape")
        await wait_for_text(pilot, terminal, "added in vim")
        await pilot.press(*":wq", "enter")
        await wait_until(pilot, lambda: not terminal.modes.alt_screen, "vim gone", terminal)
        await wait_until(
            pilot,
            lambda: "before-vim" in screen_lines(terminal),
            "the shell's screen restored",
            terminal,
        )
        assert "~" not in screen_lines(terminal)
    assert note.read_text() == "first line of the note\nsecond line\nadded in vim\n"


async def test_a_click_in_vim_with_the_mouse_on_moves_its_cursor(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("alpha\nbravo\ncharlie\n")
    app = TerminalApp(bash(cwd=str(tmp_path)))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"vim -u NONE -N -i NONE -n -c 'set mouse=a' note.txt", "enter")
        await wait_for_text(pilot, terminal, "charlie")
        await wait_until(pilot, lambda: terminal.modes.mouse_tracking != 0, "vim's mouse", terminal)
        await pilot.click(Terminal, offset=(3, 2))  # the "r" of "charlie"
        await wait_until(
            pilot,
            lambda: (terminal.cursor.x, terminal.cursor.y) == (3, 2),
            "the cursor under the click",
            terminal,
        )
        await pilot.press("x", *":wq", "enter")
        await wait_until(pilot, lambda: not terminal.modes.alt_screen, "vim gone", terminal)
    assert note.read_text() == "alpha\nbravo\nchalie\n"


async def test_less_pages_with_keys_and_quits_with_q(tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text("".join(f"line number {n}\n" for n in range(1, 201)))
    app = TerminalApp(bash(cwd=str(tmp_path)))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"less long.txt", "enter")
        await wait_until(
            pilot, lambda: screen_lines(terminal)[0] == "line number 1", "page 1", terminal
        )
        await pilot.press("space")
        await wait_until(
            pilot, lambda: screen_lines(terminal)[0] == "line number 24", "page 2", terminal
        )
        await pilot.press("G")
        await wait_for_text(pilot, terminal, "line number 200")
        await pilot.press("q")
        await wait_until(
            pilot,
            lambda: screen_lines(terminal)[0] == "sh> less long.txt",
            "the shell's screen restored",
            terminal,
        )


def htop_session(stack: list[str]) -> PtySession:
    """htop on this host if installed (``make setup`` installs it), else in the runner image
    through ``docker exec -it`` (the container's name is appended to ``stack``).

    The host comes first because Docker 20.10's ``exec -it`` attach stream was seen here to
    stall now and then after htop's first lines (with tmux too), which would make the test
    fail for Docker's reasons, not ours.
    """
    if shutil.which("htop"):
        return PtySession(["htop"], rows=30, cols=100, env={"HOME": tempfile.mkdtemp()})
    name = f"cloudide-test-htop-{uuid.uuid4().hex[:10]}"
    stack.append(name)
    started = subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--init",
            "--network",
            "none",
            "--name",
            name,
            "--label",
            "cloudide.test=widget",
            IMAGE,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode == 0, f"cannot start the runner image: {started.stderr}"
    return ExecSession(
        ["docker", "exec", "-it", "-e", "TERM=xterm-256color", name, "htop"], rows=30, cols=100
    )


async def test_htop_draws_takes_the_mouse_and_quits() -> None:
    containers: list[str] = []
    try:
        app = TerminalApp(htop_session(containers))
        async with app.run_test(size=(101, 30)) as pilot:
            terminal = app.query_one(Terminal)
            await wait_for_text(pilot, terminal, "Load average", timeout=60)
            await wait_until(
                pilot,
                lambda: "F10Quit" in screen_text(terminal).replace(" ", ""),
                "htop's function-key bar",
                terminal,
            )
            text = screen_text(terminal)
            assert "Tasks:" in text
            assert "PID" in text and "Command" in text  # the process list header
            assert terminal.modes.mouse_tracking  # htop asks for the mouse
            # a click on "F10 Quit" in htop's function-key bar quits it: the mouse works
            lines = screen_lines(terminal)
            await pilot.click(Terminal, offset=(lines[-1].index("F10") + 4, len(lines) - 1))
            await wait_until(pilot, lambda: terminal.ended, "htop exited", terminal, timeout=60)
            exited = [m for m in app.messages if isinstance(m, Terminal.Exited)]
            assert exited and exited[0].status == 0
    finally:
        for name in containers:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
