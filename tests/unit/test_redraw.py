"""A redraw (what a new viewer of a shell gets) shows exactly what the emulator shows:
screen, colours, scrollback tail, alternate screen, modes, title, cursor."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.redraw import redraw

DATA = Path(__file__).parents[1] / "data"


def replayed(source: TerminalEmulator, *, viewer_had: bytes = b"") -> TerminalEmulator:
    """A viewer's emulator (that saw ``viewer_had`` before) after the redraw."""
    viewer = TerminalEmulator(source.columns, source.lines)
    viewer.feed(viewer_had)
    viewer.feed(redraw(source))
    return viewer


def assert_same(a: TerminalEmulator, b: TerminalEmulator) -> None:
    assert [a.row(y) for y in range(a.lines)] == [b.row(y) for y in range(b.lines)]
    assert a.cursor == b.cursor
    assert a.modes == b.modes
    assert a.title == b.title
    assert a.history_size == b.history_size
    assert [a.history_row(i) for i in range(a.history_size)] == [
        b.history_row(i) for i in range(b.history_size)
    ]


@pytest.mark.parametrize(
    ("name", "cols", "rows"), [("vim_80x24.raw", 80, 24), ("vim9_100x30.raw", 100, 30)]
)
def test_a_recorded_vim_session_redraws_exactly(name: str, cols: int, rows: int) -> None:
    source = TerminalEmulator(cols, rows)
    source.feed(b"".join(b"\x1b[3%dmline %d\x1b[0m\r\n" % (i % 8, i) for i in range(60)))
    source.feed((DATA / name).read_bytes())
    assert_same(source, replayed(source))


def test_modes_left_on_by_the_viewer_are_turned_off_and_history_is_not_doubled() -> None:
    source = TerminalEmulator(40, 10)
    source.feed(b"".join(b"row %d\r\n" % i for i in range(30)))
    garbage = b"".join(b"old %d\r\n" % i for i in range(30)) + b"\x1b[?1000h\x1b[?2004h\x1b[?1049h"
    viewer = replayed(source, viewer_had=garbage)
    assert_same(source, viewer)
    assert not viewer.modes.mouse_tracking and not viewer.modes.alt_screen


def test_colours_attributes_wide_characters_and_the_cursor_survive() -> None:
    source = TerminalEmulator(30, 6)
    source.feed(
        b"\x1b[1;4;38;5;208;48;2;10;20;30mstyled\x1b[0m plain \xe4\xbd\xa0\xe5\xa5\xbd\r\n"
        b"\x1b[7mreverse\x1b[27m \x1b[9mstrike\x1b[0m\r\n"
        b"\x1b[44m   blue blanks   \x1b[0m\r\n"
        b"\x1b]2;my title\x07\x1b[?25l\x1b[4;7H"
    )
    viewer = replayed(source)
    assert_same(source, viewer)
    assert not viewer.cursor.visible and viewer.title == "my title"


def test_a_full_screen_program_with_its_input_modes_redraws_on_the_alternate_screen() -> None:
    source = TerminalEmulator(50, 12)
    source.feed(b"".join(b"shell %d\r\n" % i for i in range(20)))
    source.feed(
        b"\x1b[?1049h\x1b[H\x1b[2J\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1004h"
        b"\x1b[5;3Hin the program\x1b[12;1H-- INSERT --\x1b[5;6H"
    )
    viewer = replayed(source)
    assert_same(source, viewer)
    assert viewer.modes.alt_screen and viewer.modes.mouse_tracking == 1002
    viewer.feed(b"\x1b[?1049l")  # the program exits: the history is still there, once
    assert viewer.history_size == source.history_size


def test_the_scrollback_tail_is_bounded() -> None:
    source = TerminalEmulator(20, 5, scrollback=5000)
    source.feed(b"".join(b"%d\r\n" % i for i in range(3000)))
    data = redraw(source, scrollback=100)
    viewer = TerminalEmulator(20, 5)
    viewer.feed(data)
    assert viewer.history_size == 100
    assert viewer.history_row(99) == source.history_row(source.history_size - 1)
    assert len(data) < 2000


def test_hyperlinks_soft_wraps_and_a_frame_being_drawn_survive() -> None:
    source = TerminalEmulator(20, 6)
    source.feed(
        b"\x1b]8;;https://example.com/docs\x1b\\the docs\x1b]8;;\x1b\\ and text\r\n"
        + b"".join(b"long line %d " % i + b"x" * 30 + b"\r\n" for i in range(4))
        + b"\x1b[31m" + b"y" * 25 + b"\x1b[0m\x1b[?2026h"
    )  # fmt: skip
    assert any(source.history_wrapped(i) for i in range(source.history_size))
    viewer = replayed(source)
    assert_same(source, viewer)
    assert [viewer.wrapped(y) for y in range(6)] == [source.wrapped(y) for y in range(6)]
    assert [viewer.history_wrapped(i) for i in range(viewer.history_size)] == [
        source.history_wrapped(i) for i in range(source.history_size)
    ]
    assert viewer.modes.synchronized
    for emulator in (source, viewer):  # and they reflow alike
        emulator.resize(6, 33)
    assert_same(source, viewer)
