"""The terminal widget with real programs under real PTYs: what a user does, what they see."""

from __future__ import annotations

import pytest
from textual import events

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


async def test_typing_a_command_runs_it_and_shows_its_output() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"echo $((6 * 7))", "enter")
        await wait_until(
            pilot, lambda: "42" in screen_lines(terminal), "42 on its own line", terminal
        )
        assert screen_lines(terminal)[0] == "sh> echo $((6 * 7))"


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
    app = TerminalApp(hex_echo())
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        await pilot.press(*keys)
        await wait_until(
            pilot, lambda: received(terminal) == expected, f"{expected!r} received", terminal
        )


async def test_backspace_sends_del_and_ctrl_h_stays_ctrl_h() -> None:
    app = TerminalApp(hex_echo())
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        # what Textual delivers for a host's Backspace (DEL) and for Ctrl+H (^H)
        terminal.post_message(events.Key("backspace", "\x7f"))
        terminal.post_message(events.Key("backspace", "\x08"))
        await wait_until(pilot, lambda: received(terminal) == b"\x7f\x08", "DEL, ^H", terminal)


async def test_cursor_keys_follow_application_cursor_mode() -> None:
    app = TerminalApp(hex_echo(r"\x1b[?1h"))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        await pilot.press("up", "left", "home", "ctrl+up")
        expected = b"\x1bOA\x1bOD\x1bOH\x1b[1;5A"
        await wait_until(pilot, lambda: received(terminal) == expected, "SS3 arrows", terminal)


async def test_reserved_keys_are_not_sent_to_the_program() -> None:
    app = TerminalApp(hex_echo())
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        await pilot.press(
            "f12", "ctrl+pageup", "ctrl+pagedown", "shift+pageup", "shift+pagedown", "z"
        )
        await wait_until(pilot, lambda: received(terminal) != b"", "input", terminal)
        await pilot.pause(0.2)
        assert received(terminal) == b"z"
        # the app's keys reached the app (its bindings), the scroll keys stayed in the widget
        assert app.app_keys == ["f12", "ctrl+pageup", "ctrl+pagedown"]


async def test_ctrl_c_interrupts_a_running_command_and_the_prompt_returns() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"echo sleep-$((6*7)); sleep 100; echo not-interrupted", "enter")
        # Ctrl+C once the command runs (its first line printed), not at a guessed moment:
        # earlier, it only cancels the line being typed.
        await wait_until(pilot, lambda: "sleep-42" in screen_lines(terminal), "sleep", terminal)
        await pilot.press("ctrl+c")
        await wait_until(
            pilot,
            lambda: PROMPT.strip() in screen_lines(terminal)[2:4],
            "the prompt back",
            terminal,
        )
        await pilot.press(*"echo after", "enter")
        await wait_until(pilot, lambda: "after" in screen_lines(terminal), "after", terminal)
        assert "not-interrupted" not in screen_lines(terminal)


async def test_resizing_the_app_resizes_the_programs_terminal() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        width = terminal.scrollable_content_region.width
        await pilot.press(*"stty size", "enter")
        await wait_until(
            pilot, lambda: f"24 {width}" in screen_lines(terminal), "24 rows", terminal
        )
        for size in ((90, 30), (100, 20), (70, 28)):  # a drag: only the last size matters
            await pilot.resize_terminal(*size)
        await pilot.pause(0.3)
        width = terminal.scrollable_content_region.width
        assert terminal.screen_size == (28, width)
        await pilot.press(*"clear; stty size", "enter")
        await wait_until(
            pilot, lambda: f"28 {width}" in screen_lines(terminal), "28 rows", terminal
        )


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        ("", b"one\rtwo"),
        (r"\x1b[?2004h", b"\x1b[200~one\rtwo\x1b[201~"),
    ],
)
async def test_paste_is_bracketed_only_when_the_program_asked(modes: str, expected: bytes) -> None:
    app = TerminalApp(hex_echo(modes))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        terminal.post_message(events.Paste("one\ntwo"))
        await wait_until(pilot, lambda: received(terminal) == expected, repr(expected), terminal)


async def test_a_paste_cannot_end_the_bracket_early() -> None:
    app = TerminalApp(hex_echo(r"\x1b[?2004h"))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        terminal.post_message(events.Paste("a\x1b[201~rm -rf ~\n"))
        expected = b"\x1b[200~a" + b"rm -rf ~\r" + b"\x1b[201~"
        await wait_until(pilot, lambda: received(terminal) == expected, "sanitised", terminal)


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
    app = TerminalApp(hex_echo(modes))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        await pilot.click(Terminal, offset=(5, 3))
        await wait_until(pilot, lambda: received(terminal) == expected, repr(expected), terminal)


async def test_the_wheel_is_reported_to_a_program_that_enabled_the_mouse() -> None:
    app = TerminalApp(hex_echo(r"\x1b[?1002h\x1b[?1006h"))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        terminal.post_message(events.MouseScrollUp(terminal, 2, 1, 0, -1, 0, False, False, False))
        terminal.post_message(events.MouseScrollDown(terminal, 2, 1, 0, 1, 0, False, False, True))
        expected = b"\x1b[<64;3;2M\x1b[<81;3;2M"
        await wait_until(pilot, lambda: received(terminal) == expected, "wheel reports", terminal)


async def test_the_wheel_and_shift_pageup_scroll_back_through_history() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"seq 1 200", "enter")
        await wait_until(
            pilot, lambda: screen_lines(terminal)[-2:] == ["200", "sh>"], "200", terminal
        )
        assert terminal.read_emulator(lambda e: e.history_size) >= 190
        terminal.post_message(events.MouseScrollUp(terminal, 2, 1, 0, -1, 0, False, False, False))
        await wait_until(pilot, lambda: screen_lines(terminal)[-1] == "198", "3 lines up", terminal)
        await pilot.press("shift+pageup")
        await wait_until(pilot, lambda: screen_lines(terminal)[-1] == "187", "a page up", terminal)
        # output while scrolled back does not move the view
        await pilot.press("shift+pagedown")
        view = screen_lines(terminal)
        await pilot.press("shift+pageup")
        await pilot.pause(0.1)
        view = screen_lines(terminal)
        await pilot.press("x")  # any input snaps back to the bottom
        await wait_until(
            pilot, lambda: screen_lines(terminal)[-1] == "sh> x", "back at bottom", terminal
        )
        assert view != screen_lines(terminal)


async def test_new_output_does_not_move_a_scrolled_back_view() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"seq 1 100; sleep 0.5; seq 101 150", "enter")
        await wait_until(pilot, lambda: "100" in screen_lines(terminal), "100", terminal)
        await pilot.press("shift+pageup")
        await pilot.pause(0.05)

        def text_shown() -> list[str]:  # without the "↑ N lines back" badge, which grows
            return [line.split(" ↑ ")[0].rstrip() for line in screen_lines(terminal)]

        view = text_shown()
        back = terminal.scrolled_back
        await wait_until(
            pilot,
            lambda: any(line == "150" for line in all_lines(terminal)),
            "150 in the buffer",
            terminal,
        )
        await pilot.pause(0.1)
        assert text_shown() == view
        assert terminal.scrolled_back == back + 50  # the badge counts the new lines


async def test_dragging_selects_text_and_copies_it() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"printf 'alpha beta\\ngamma delta\\n'", "enter")
        await wait_until(pilot, lambda: "gamma delta" in screen_lines(terminal), "output", terminal)
        await pilot.mouse_down(Terminal, offset=(6, 1))
        await pilot.hover(Terminal, offset=(4, 2))
        await pilot.mouse_up(Terminal, offset=(4, 2))
        await pilot.pause(0.05)
        assert app.clipboard == "beta\ngamma"
        assert terminal.selected_text == "beta\ngamma"


async def test_the_title_a_program_sets_is_announced() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"printf '\\033]0;my build\\007'", "enter")
        await wait_until(pilot, lambda: terminal.title == "my build", "title", terminal)
        await pilot.pause(0.05)
        titles = [m.title for m in app.messages if isinstance(m, Terminal.TitleChanged)]
        assert titles[-1] == "my build"


async def test_the_bell_flashes_and_is_announced() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"printf '\\a'", "enter")
        await wait_until(
            pilot, lambda: any(isinstance(m, Terminal.Bell) for m in app.messages), "bell", terminal
        )


async def test_when_the_shell_exits_it_says_why_and_enter_restarts_it() -> None:
    app = TerminalApp(bash(), restart=bash)
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"echo keep-me; exit 3", "enter")
        await wait_for_text(pilot, terminal, "Press Enter to restart")
        exited = [m for m in app.messages if isinstance(m, Terminal.Exited)]
        assert [(m.status, m.reason) for m in exited] == [(3, "bash exited")]
        assert "[bash exited (status 3)] Press Enter to restart" in screen_text(terminal)
        assert "keep-me" in screen_lines(terminal)
        await pilot.press("x")  # nothing happens but Enter
        await pilot.press("enter")

        def new_prompt() -> bool:
            lines = screen_lines(terminal)
            ended = next(i for i, line in enumerate(lines) if "Press Enter" in line)
            return lines[ended + 1] == PROMPT.strip()

        await wait_until(pilot, new_prompt, "a new prompt below the message", terminal)
        assert any(isinstance(m, Terminal.RestartRequested) for m in app.messages)
        await pilot.press(*"echo again; stty size", "enter")
        await wait_until(pilot, lambda: "again" in screen_lines(terminal), "again", terminal)
        assert "keep-me" in screen_text(terminal)
        # the new shell was told the terminal's size (its PTY started at 24x80)
        width = terminal.scrollable_content_region.width
        await wait_until(
            pilot, lambda: f"12 {width}" in screen_lines(terminal), "its size", terminal
        )


async def test_a_program_that_cannot_start_is_a_clear_error() -> None:
    from cloudide_tui.errors import CloudIDEError

    with pytest.raises(CloudIDEError, match="Could not start"):
        PtySession(["/nonexistent/program"])


async def test_the_wheel_scrolls_a_pager_on_the_alternate_screen() -> None:
    # xterm's "alternate scroll": no mouse reporting, alternate screen → arrow keys
    app = TerminalApp(hex_echo(r"\x1b[?1049h"))
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, "READY")
        terminal.post_message(events.MouseScrollDown(terminal, 2, 1, 0, 1, 0, False, False, False))
        await wait_until(pilot, lambda: received(terminal) == b"\x1b[B" * 3, "3 downs", terminal)


async def test_selecting_backwards_copies_the_same_text() -> None:
    app = TerminalApp(bash())
    async with app.run_test(size=(60, 12)) as pilot:
        terminal = app.query_one(Terminal)
        await wait_for_text(pilot, terminal, PROMPT.strip())
        await pilot.press(*"printf 'alpha beta\\ngamma delta\\n'", "enter")
        await wait_until(pilot, lambda: "gamma delta" in screen_lines(terminal), "output", terminal)
        await pilot.mouse_down(Terminal, offset=(4, 2))
        await pilot.hover(Terminal, offset=(6, 1))
        await pilot.mouse_up(Terminal, offset=(6, 1))
        await pilot.pause(0.05)
        assert app.clipboard == "beta\ngamma"
        await pilot.click(Terminal, offset=(3, 3))  # a click clears it, copies nothing new
        assert terminal.selected_text == ""
