"""The terminal widget with real programs under real PTYs: what a user does, what they see."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.widgets.terminal import Terminal
from testkit.pty_session import PtySession
from testkit.terminal_support import (
    PROMPT,
    TerminalApp,
    all_lines,
    bash,
    hex_echo,
    received,
    screen_lines,
    screen_text,
    wait_for_text,
    wait_until,
)


@dataclass
class Story:
    """A TerminalApp under Pilot whose program is ready: what a test does and waits for."""

    app: TerminalApp
    pilot: Pilot[None]
    terminal: Terminal

    def lines(self) -> list[str]:
        return screen_lines(self.terminal)

    async def run(self, command: str) -> None:
        """Type ``command`` and Enter."""
        await self.pilot.press(*command, "enter")

    async def until(self, predicate: Callable[[], object], what: str) -> None:
        """Let the app run until ``predicate()`` holds (fails showing the screen if not)."""
        await wait_until(self.pilot, predicate, what, self.terminal)

    async def until_line(self, line: str, what: str = "") -> None:
        """Wait until ``line`` is one of the lines on screen (the whole line)."""
        await self.until(lambda: line in self.lines(), what or line)

    async def until_received(self, expected: bytes, what: str = "") -> None:
        """Wait until the key echo has received exactly ``expected``."""
        await self.until(lambda: received(self.terminal) == expected, what or repr(expected))


def after_line(lines: list[str], line: str) -> list[str]:
    """The lines below the first that is exactly ``line`` (none if it is not there)."""
    return lines[lines.index(line) + 1 :] if line in lines else []


@asynccontextmanager
async def started(
    session: ShellSession,
    ready: str,
    size: tuple[int, int],
    restart: Callable[[], ShellSession] | None = None,
) -> AsyncIterator[Story]:
    app = TerminalApp(session, restart=restart)
    async with app.run_test(size=size) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, ready)
        yield Story(app, pilot, terminal)


def shell(
    size: tuple[int, int] = (60, 12), restart: Callable[[], ShellSession] | None = None
) -> AbstractAsyncContextManager[Story]:
    """bash at its prompt."""
    return started(bash(), PROMPT.strip(), size, restart)


def key_echo(modes: str = "") -> AbstractAsyncContextManager[Story]:
    """The key echo (it prints the bytes it receives) on 80x24, after printing ``modes``."""
    return started(hex_echo(modes), "READY", (80, 24))


def wheel_up(terminal: Terminal) -> events.MouseScrollUp:
    """One notch of the wheel up over the cell (2, 1)."""
    return events.MouseScrollUp(terminal, 2, 1, 0, -1, 0, False, False, False)


async def print_two_lines(t: Story) -> None:
    """``alpha beta`` over ``gamma delta`` on screen, for the selection tests."""
    await t.run("printf 'alpha beta\\ngamma delta\\n'")
    await t.until_line("gamma delta", "output")


async def drag(t: Story, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Press the mouse at ``start``, move to ``end`` and let go (cells of the terminal);
    returns once the release has copied the selection (the events pass from the app to
    the widget through queues: a guessed pause may end before that on a loaded machine)."""
    copied = t.app.clipboard
    await t.pilot.mouse_down(Terminal, offset=start)
    await t.pilot.hover(Terminal, offset=end)
    await t.pilot.mouse_up(Terminal, offset=end)
    await t.until(lambda: t.app.clipboard != copied, "the selection copied")


async def test_typing_a_command_runs_it_and_shows_its_output() -> None:
    async with shell() as t:
        await t.run("echo $((6 * 7))")
        await t.until_line("42", "42 on its own line")
        assert t.lines()[0] == "sh> echo $((6 * 7))"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["a", "é", "中"], "aé中".encode()),
        (["enter", "tab", "escape"], b"\r\t\x1b"),
        (
            ["ctrl+c", "ctrl+d", "ctrl+z", "ctrl+r", "ctrl+w", "ctrl+a", "ctrl+e"],
            b"\x03\x04\x1a\x12\x17\x01\x05",
        ),
        (["ctrl+p", "ctrl+q"], b"\x10\x11"),  # the app's priority bindings yield to the shell
        (["up", "down", "right", "left", "home", "end"], b"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F"),
        (
            ["f1", "f5", "f11", "shift+tab", "delete", "pageup"],
            b"\x1bOP\x1b[15~\x1b[23~\x1b[Z\x1b[3~\x1b[5~",
        ),
        (["alt+x", "ctrl+left"], b"\x1bx\x1b[1;5D"),
    ],
)
async def test_keys_reach_the_program_as_xterm_sends_them(keys: list[str], expected: bytes) -> None:
    async with key_echo() as t:
        await t.pilot.press(*keys)
        await t.until_received(expected, f"{expected!r} received")


async def test_backspace_sends_del_and_ctrl_h_stays_ctrl_h() -> None:
    async with key_echo() as t:
        # what Textual delivers for a host's Backspace (DEL) and for Ctrl+H (^H)
        t.terminal.post_message(events.Key("backspace", "\x7f"))
        t.terminal.post_message(events.Key("backspace", "\x08"))
        await t.until_received(b"\x7f\x08", "DEL, ^H")


async def test_cursor_keys_follow_application_cursor_mode() -> None:
    async with key_echo(r"\x1b[?1h") as t:
        await t.pilot.press("up", "left", "home", "ctrl+up")
        await t.until_received(b"\x1bOA\x1bOD\x1bOH\x1b[1;5A", "SS3 arrows")


async def test_reserved_keys_are_not_sent_to_the_program() -> None:
    async with key_echo() as t:
        await t.pilot.press(
            "f12", "ctrl+pageup", "ctrl+pagedown", "shift+pageup", "shift+pagedown", "z"
        )
        await t.until(lambda: received(t.terminal) != b"", "input")
        await t.pilot.pause(0.2)
        assert received(t.terminal) == b"z"
        # the app's keys reached the app (its bindings), the scroll keys stayed in the widget
        assert t.app.app_keys == ["f12", "ctrl+pageup", "ctrl+pagedown"]


async def test_ctrl_c_interrupts_a_running_command_and_the_prompt_returns() -> None:
    async with shell() as t:
        await t.run("sh -c 'echo sleep-$((6*7)); sleep 100'; echo not-interrupted")
        # Ctrl+C once the command runs, not at a guessed moment: the first line comes from
        # the command's own process, which has the terminal by then. Earlier, the key may
        # reach only bash (it cancels the line) or a child not yet in the foreground.
        await t.until_line("sleep-42", "the command running")
        await t.pilot.press("ctrl+c")
        await t.until(lambda: PROMPT.strip() in after_line(t.lines(), "sleep-42"), "the prompt")
        await t.run("echo after")
        await t.until_line("after")
        assert "not-interrupted" not in t.lines()


async def test_resizing_the_app_resizes_the_programs_terminal() -> None:
    async with shell(size=(80, 24)) as t:
        width = t.terminal.scrollable_content_region.width
        await t.run("stty size")
        await t.until_line(f"24 {width}", "24 rows")
        for size in ((90, 30), (100, 20), (70, 28)):  # a drag: only the last size matters
            await t.pilot.resize_terminal(*size)
        await t.until(
            lambda: t.terminal.screen_size == (28, t.terminal.scrollable_content_region.width),
            "the last size",
        )
        width = t.terminal.scrollable_content_region.width
        await t.run("clear; stty size")
        await t.until_line(f"28 {width}", "28 rows")


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        ("", b"one\rtwo"),
        (r"\x1b[?2004h", b"\x1b[200~one\rtwo\x1b[201~"),
    ],
)
async def test_paste_is_bracketed_only_when_the_program_asked(modes: str, expected: bytes) -> None:
    async with key_echo(modes) as t:
        t.terminal.post_message(events.Paste("one\ntwo"))
        await t.until_received(expected)


async def test_a_paste_cannot_end_the_bracket_early() -> None:
    async with key_echo(r"\x1b[?2004h") as t:
        t.terminal.post_message(events.Paste("a\x1b[201~rm -rf ~\n"))
        await t.until_received(b"\x1b[200~a" + b"rm -rf ~\r" + b"\x1b[201~", "sanitised")


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        (r"\x1b[?1000h\x1b[?1006h", b"\x1b[<0;6;4M\x1b[<0;6;4m"),
        (r"\x1b[?1000h", b"\x1b[M &$\x1b[M#&$"),
    ],
)
async def test_clicks_are_reported_to_a_program_that_enabled_the_mouse(
    modes: str, expected: bytes
) -> None:
    async with key_echo(modes) as t:
        await t.pilot.click(Terminal, offset=(5, 3))
        await t.until_received(expected)


async def test_the_wheel_is_reported_to_a_program_that_enabled_the_mouse() -> None:
    async with key_echo(r"\x1b[?1002h\x1b[?1006h") as t:
        t.terminal.post_message(wheel_up(t.terminal))
        t.terminal.post_message(
            events.MouseScrollDown(t.terminal, 2, 1, 0, 1, 0, False, False, True)
        )
        await t.until_received(b"\x1b[<64;3;2M\x1b[<81;3;2M", "wheel reports")


async def test_the_wheel_and_shift_pageup_scroll_back_through_history() -> None:
    async with shell() as t:
        await t.run("seq 1 200")
        await t.until(lambda: t.lines()[-2:] == ["200", "sh>"], "200")
        assert t.terminal.read_emulator(lambda e: e.history_size) >= 190
        t.terminal.post_message(wheel_up(t.terminal))
        await t.until(lambda: t.lines()[-1] == "198", "3 lines up")
        await t.pilot.press("shift+pageup")
        await t.until(lambda: t.lines()[-1] == "187", "a page up")
        # output while scrolled back does not move the view
        await t.pilot.press("shift+pagedown")
        view = t.lines()
        await t.pilot.press("shift+pageup")
        await t.until(lambda: t.lines()[-1] == "187", "a page up again")
        view = t.lines()
        await t.pilot.press("x")  # any input snaps back to the bottom
        await t.until(lambda: t.lines()[-1] == "sh> x", "back at bottom")
        assert view != t.lines()


async def test_new_output_does_not_move_a_scrolled_back_view(tmp_path: Path) -> None:
    go = tmp_path / "go"
    async with shell() as t:
        # The new output comes when the test says so, once the view is scrolled back and
        # read: after a fixed sleep in the command it could come before, on a loaded machine.
        await t.run(f"seq 1 100; until [ -e {go} ]; do sleep 0.05; done; seq 101 150")
        await t.until_line("100")
        await t.pilot.press("shift+pageup")
        await t.until(lambda: t.terminal.scrolled_back > 0, "the view scrolled back")

        def text_shown() -> list[str]:  # without the "↑ N lines back" badge, which grows
            return [line.split(" ↑ ")[0].rstrip() for line in t.lines()]

        view = text_shown()
        back = t.terminal.scrolled_back
        go.touch()
        await t.until(
            lambda: any(line == "150" for line in all_lines(t.terminal)), "150 in the buffer"
        )
        # the badge counts the new lines (once they are all parsed: 150 may be seen first)
        await t.until(lambda: t.terminal.scrolled_back == back + 50, "50 more lines back")
        assert text_shown() == view


async def test_dragging_selects_text_and_copies_it() -> None:
    async with shell() as t:
        await print_two_lines(t)
        await drag(t, (6, 1), (4, 2))
        assert t.app.clipboard == "beta\ngamma"
        assert t.terminal.selected_text == "beta\ngamma"


async def test_the_title_a_program_sets_is_announced() -> None:
    async with shell() as t:
        await t.run("printf '\\033]0;my build\\007'")
        # The message reaches the app after the widget has taken the title: wait for it.
        await t.until(
            lambda: any(
                isinstance(m, Terminal.TitleChanged) and m.title == "my build"
                for m in t.app.messages
            ),
            "the title announced",
        )
        assert t.terminal.title == "my build"
        titles = [m.title for m in t.app.messages if isinstance(m, Terminal.TitleChanged)]
        assert titles[-1] == "my build"


async def test_the_bell_flashes_and_is_announced() -> None:
    async with shell() as t:
        await t.run("printf '\\a'")
        await t.until(lambda: any(isinstance(m, Terminal.Bell) for m in t.app.messages), "bell")


async def test_when_the_shell_exits_it_says_why_and_enter_restarts_it() -> None:
    async with shell(restart=bash) as t:
        await t.run("echo keep-me; exit 3")
        await wait_for_text(t.pilot, t.terminal, "Press Enter to restart")
        exited = [m for m in t.app.messages if isinstance(m, Terminal.Exited)]
        assert [(m.status, m.reason) for m in exited] == [(3, "bash exited")]
        assert "[bash exited (status 3)] Press Enter to restart" in screen_text(t.terminal)
        assert "keep-me" in t.lines()
        await t.pilot.press("x")  # nothing happens but Enter
        await t.pilot.press("enter")

        def new_prompt() -> bool:
            lines = t.lines()
            ended = next(i for i, line in enumerate(lines) if "Press Enter" in line)
            return lines[ended + 1] == PROMPT.strip()

        await t.until(new_prompt, "a new prompt below the message")
        assert any(isinstance(m, Terminal.RestartRequested) for m in t.app.messages)
        await t.run("echo again; stty size")
        await t.until_line("again")
        assert "keep-me" in screen_text(t.terminal)
        # the new shell was told the terminal's size (its PTY started at 24x80)
        width = t.terminal.scrollable_content_region.width
        await t.until_line(f"12 {width}", "its size")


async def test_a_program_that_cannot_start_is_a_clear_error() -> None:
    from cloudide_tui.errors import CloudIDEError

    with pytest.raises(CloudIDEError, match="Could not start"):
        PtySession(["/nonexistent/program"])


async def test_the_wheel_scrolls_a_pager_on_the_alternate_screen() -> None:
    # xterm's "alternate scroll": no mouse reporting, alternate screen → arrow keys
    async with key_echo(r"\x1b[?1049h") as t:
        t.terminal.post_message(
            events.MouseScrollDown(t.terminal, 2, 1, 0, 1, 0, False, False, False)
        )
        await t.until_received(b"\x1b[B" * 3, "3 downs")


async def test_selecting_backwards_copies_the_same_text() -> None:
    async with shell() as t:
        await print_two_lines(t)
        await drag(t, (4, 2), (6, 1))
        assert t.app.clipboard == "beta\ngamma"
        await t.pilot.click(Terminal, offset=(3, 3))  # a click clears it, copies nothing new
        await t.until(lambda: t.terminal.selected_text == "", "the selection cleared")
        assert t.app.clipboard == "beta\ngamma"
