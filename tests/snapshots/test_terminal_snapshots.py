"""Snapshot pictures of the terminal widget, from recorded bytes (deterministic).

A tiny in-memory session replays the bytes: no program, no timing. Update the pictures
with ``pytest --snapshot-update`` after a deliberate change, and look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cloudide_tui.widgets.terminal import Terminal
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, wait_until

DATA = Path(__file__).parents[1] / "data"


def colour_screen() -> bytes:
    """16 colours on both planes, the 256-colour palette, truecolour and every attribute."""
    out = ["16 colours:\r\n"]
    out.append("".join(f"\x1b[{30 + n}m fg{n} " for n in range(8)) + "\x1b[0m\r\n")
    out.append("".join(f"\x1b[{90 + n}m fg{n + 8}" for n in range(8)) + "\x1b[0m\r\n")
    out.append("".join(f"\x1b[{40 + n}m bg{n} " for n in range(8)) + "\x1b[0m\r\n")
    out.append("".join(f"\x1b[{100 + n}m bg{n + 8}" for n in range(8)) + "\x1b[0m\r\n")
    out.append("256 colours:\r\n")
    for start in range(16, 232, 72):
        out.append("".join(f"\x1b[48;5;{n}m " for n in range(start, start + 72)) + "\x1b[0m\r\n")
    out.append("".join(f"\x1b[48;5;{n}m   " for n in range(232, 256)) + "\x1b[0m\r\n")
    out.append("truecolour:\r\n")
    out.append("".join(f"\x1b[48;2;{n * 3};{255 - n * 3};128m " for n in range(72)) + "\x1b[0m\r\n")
    out.append("".join(f"\x1b[38;2;255;{n * 3};0m#" for n in range(72)) + "\x1b[0m\r\n")
    out.append("attributes:\r\n")
    attributes = [
        ("1", "bold"),
        ("2", "dim"),
        ("3", "italic"),
        ("4", "underline"),
        ("5", "blink"),
        ("7", "reverse"),
        ("9", "strike"),
        ("8", "conceal"),
    ]
    out.append(" ".join(f"\x1b[{code}m{name}\x1b[0m" for code, name in attributes) + "\r\n")
    out.append(
        "\x1b[1;31mbold red\x1b[0m \x1b[7;32mreverse green\x1b[0m "
        "\x1b[4;38;5;208munderlined orange\x1b[0m \x1b[41;97mwhite on red\x1b[0m\r\n"
    )
    out.append("$ ")
    return "".join(out).encode()


def wide_screen() -> bytes:
    """CJK and emoji take two cells: the bars on the right must line up."""
    lines = [
        "ascii text      |",
        "日本語のテキスト|",
        "中文字符测试ab  |",
        "한국어 텍스트 a |",
        "emoji 😀🎉🚀 ab |",
        "mixed 漢a字b😀  |",
        "combining: e\u0301a\u0300o\u0308  |",
    ]
    return ("\r\n".join(lines) + "\r\n\x1b[7m 反転 \x1b[0m wide at the edge →").encode()


def replay(data: bytes) -> TerminalApp:
    return TerminalApp(MemorySession([data[i : i + 512] for i in range(0, len(data), 512)]))


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until every recorded byte is parsed and drawn (failing if it never is: the
    picture of a half-parsed screen would fail as a picture, far from the cause)."""
    terminal = pilot.app.query_one(Terminal)
    session = terminal.session
    assert isinstance(session, MemorySession)
    await wait_until(
        pilot, lambda: session.unread == 0 and terminal.backlog == 0, "all parsed", terminal
    )
    await pilot.pause(0.1)


def test_a_coloured_screen(snap_compare: Any) -> None:
    assert snap_compare(replay(colour_screen()), terminal_size=(80, 24), run_before=settled)


def test_wide_characters_take_two_cells(snap_compare: Any) -> None:
    assert snap_compare(replay(wide_screen()), terminal_size=(60, 12), run_before=settled)


def test_vims_screen(snap_compare: Any) -> None:
    data = (DATA / "vim_80x24.raw").read_bytes()
    assert snap_compare(replay(data), terminal_size=(81, 24), run_before=settled)
