"""Real full-screen programs in the terminal widget: vim, less (host) and htop (runner image).

Each one must draw its screen, obey keys, and on exit give the shell's screen back.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

from terminal_support import (
    PROMPT,
    TerminalApp,
    bash,
    screen_lines,
    screen_text,
    wait_for_text,
    wait_until,
)

from cloudide_tui.terminal.pty_session import PtySession
from cloudide_tui.widgets.terminal import Terminal

IMAGE = "cloudide-runner:latest"


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
        assert terminal.emulator.modes.alt_screen
        await pilot.press("G", "o", *"added in vim", "escape")
        await wait_for_text(pilot, terminal, "added in vim")
        await pilot.press(*":wq", "enter")
        await wait_until(pilot, lambda: not terminal.emulator.modes.alt_screen, "vim gone",
                         terminal)
        await wait_until(pilot, lambda: "before-vim" in screen_lines(terminal),
                         "the shell's screen restored", terminal)
        assert "~" not in screen_lines(terminal)
    assert note.read_text() == "first line of the note\nsecond line\nadded in vim\n"


async def test_less_pages_with_keys_and_quits_with_q(tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text("".join(f"line number {n}\n" for n in range(1, 201)))
    app = TerminalApp(bash(cwd=str(tmp_path)))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"less long.txt", "enter")
        await wait_until(pilot, lambda: screen_lines(terminal)[0] == "line number 1",
                         "page 1", terminal)
        await pilot.press("space")
        await wait_until(pilot, lambda: screen_lines(terminal)[0] == "line number 24",
                         "page 2", terminal)
        await pilot.press("G")
        await wait_for_text(pilot, terminal, "line number 200")
        await pilot.press("q")
        await wait_until(pilot, lambda: screen_lines(terminal)[0] == "sh> less long.txt",
                         "the shell's screen restored", terminal)


async def test_htop_in_the_runner_image_draws_and_quits() -> None:
    name = f"cloudide-test-htop-{uuid.uuid4().hex[:10]}"
    session = PtySession(
        ["docker", "run", "--rm", "-it", "--network", "none", "--name", name,
         "--label", "cloudide.test=widget", IMAGE, "htop"],
        rows=30, cols=100,
    )
    try:
        app = TerminalApp(session)
        async with app.run_test(size=(101, 30)) as pilot:
            terminal = app.query_one(Terminal)
            await wait_for_text(pilot, terminal, "Load average", timeout=60)
            text = screen_text(terminal)
            assert "Tasks:" in text
            assert "htop" in text  # its own process in the list
            assert "F10Quit" in text.replace(" ", "")
            await pilot.press("q")
            await wait_until(pilot, lambda: terminal.ended, "htop exited", terminal, timeout=60)
            exited = [m for m in app.messages if isinstance(m, Terminal.Exited)]
            assert exited and exited[0].status == 0
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
