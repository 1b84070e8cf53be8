"""Helpers for the terminal tests: a host app, readers of the rendered screen, waiting."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.messages import OpenLink
from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.keys import APP_KEYS
from cloudide_tui.terminal.model import Row
from cloudide_tui.widgets.terminal import Terminal
from testkit.pty_session import PtySession

PROMPT = "sh> "


def bash(**kwargs: Any) -> PtySession:
    """A plain interactive bash (no rc files) with a fixed prompt."""
    return PtySession(
        ["bash", "--norc", "--noprofile", "-i"],
        env={"PS1": PROMPT, "HISTFILE": "/dev/null"},
        **kwargs,
    )


# A program that shows, in hex, every byte it receives (raw mode: nothing is interpreted).
# argv[1] is written first: the modes it should enable (DECCKM, 2004, mouse...).
HEX_ECHO = r"""
import os, sys, tty
tty.setraw(0)
log = os.environ.get("HEX_ECHO_LOG")
os.write(1, sys.argv[1].encode().decode("unicode_escape").encode("latin-1") + b"READY\r\n")
while True:
    data = os.read(0, 4096)
    if not data:
        break
    if log:
        with open(log, "ab") as f:
            f.write(data)
    os.write(1, b"<" + data.hex().encode() + b">\r\n")
"""
"""Prints, in hex, each read of its input; with ``HEX_ECHO_LOG`` set, also appends the raw
bytes to that file (a screen only holds its last lines: a burst read key by key scrolls
the first ones away)."""


def hex_echo(modes: str = "") -> PtySession:
    """A session running HEX_ECHO; ``modes`` is a Python-escaped string to print first."""
    return PtySession([sys.executable, "-c", HEX_ECHO, modes])


def received(terminal: Terminal) -> bytes:
    """Every byte HEX_ECHO reported receiving, from its output on screen and in history."""
    text = "".join(all_lines(terminal))
    out = b""
    for part in text.split("<")[1:]:
        if ">" in part:
            out += bytes.fromhex(part.split(">")[0])
    return out


class TerminalApp(App[None]):
    """One Terminal filling the screen; records the terminal's messages.

    Like the real app, it lets a focused terminal have Ctrl+Q and Ctrl+P (Textual makes
    them priority bindings of the App).
    """

    def __init__(
        self,
        session: ShellSession | None,
        restart: Callable[[], ShellSession] | None = None,
        **terminal_args: Any,
    ) -> None:
        super().__init__()
        self.session = session
        self.restart = restart
        self.terminal_args = terminal_args
        self.messages: list[Message] = []

    BINDINGS = [(key, f"app_key('{key}')", description) for key, description in APP_KEYS.items()]

    def compose(self) -> ComposeResult:
        yield Terminal(self.session, **self.terminal_args)

    app_keys: list[str]

    def action_app_key(self, key: str) -> None:
        """What the real app does with its reserved keys (focus the browser, switch tabs)."""
        self.app_keys = [*getattr(self, "app_keys", []), key]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        terminal_has_focus = isinstance(self.focused, Terminal)
        return not (action in ("quit", "command_palette") and terminal_has_focus)

    def on_terminal_title_changed(self, message: Terminal.TitleChanged) -> None:
        self.messages.append(message)

    def on_terminal_exited(self, message: Terminal.Exited) -> None:
        self.messages.append(message)

    def on_terminal_bell(self, message: Terminal.Bell) -> None:
        self.messages.append(message)

    def on_open_link(self, message: OpenLink) -> None:
        self.messages.append(message)

    def on_terminal_restart_requested(self, message: Terminal.RestartRequested) -> None:
        self.messages.append(message)
        if self.restart is not None:
            message.terminal.attach(self.restart())


def screen_lines(terminal: Terminal) -> list[str]:
    """The terminal's visible lines as rendered (trailing blanks removed)."""
    height = terminal.scrollable_content_region.height
    return [terminal.render_line(y).text.rstrip() for y in range(height)]


def screen_row_text(terminal: Terminal, y: int) -> str:
    """Row ``y`` of the program's screen (0 = its top, as ``emulator.cursor.y`` counts) as
    the widget paints it (``render_line``: the published snapshot, what the compositor
    draws), wherever the view is scrolled and however much history there is."""
    # render_line takes a row of the view; the screen starts below the history rows the
    # view can scroll to (virtual height = history shown + screen lines)
    top = terminal.virtual_size.height - terminal.screen_size[0]
    return terminal.render_line(top + y - int(terminal.scroll_offset.y)).text


def screen_shows_line(terminal: Terminal, text: str) -> bool:
    """Whether a row of the program's screen reads exactly ``text`` (trailing blanks
    aside): a line a program printed, not the same digits inside the typed command."""
    rows = range(terminal.screen_size[0])
    return any(screen_row_text(terminal, y).rstrip() == text for y in rows)


def all_lines(terminal: Terminal) -> list[str]:
    """Scrollback and screen, as text."""
    from cloudide_tui.widgets.terminal_render import row_text

    def read(emulator: TerminalEmulator) -> list[Row]:
        rows = [emulator.history_row(i) for i in range(emulator.history_size)]
        return rows + [emulator.row(y) for y in range(emulator.lines)]

    return [row_text(row) for row in terminal.read_emulator(read)]


def screen_text(terminal: Terminal) -> str:
    return "\n".join(screen_lines(terminal))


async def wait_until(
    pilot: Pilot[Any],
    predicate: Callable[[], object],
    what: str,
    terminal: Terminal | None = None,
    timeout: float = 20.0,
) -> None:
    """Let the app run until ``predicate()`` holds; fail (showing the screen) after ``timeout``.

    Not a timing assertion: the timeout only stops a test that would otherwise hang.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            screen = screen_text(terminal) if terminal is not None else ""
            raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")
        await pilot.pause(0.03)


async def wait_for_text(
    pilot: Pilot[Any], terminal: Terminal, text: str, timeout: float = 20.0
) -> None:
    await wait_until(pilot, lambda: text in screen_text(terminal), repr(text), terminal, timeout)
