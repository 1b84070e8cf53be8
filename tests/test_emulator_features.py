"""The emulator's public API, one user-visible behaviour per test."""

from __future__ import annotations

from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.model import DEFAULT_STYLE, CellStyle, Span
from cloudide_tui.terminal.rows import row_text


def emu(columns: int = 10, lines: int = 5, **kw: object) -> TerminalEmulator:
    return TerminalEmulator(columns, lines, **kw)  # type: ignore[arg-type]


def test_text_and_colours_come_out_as_spans_covering_the_row() -> None:
    e = emu()
    e.feed(b"ab\x1b[31mcd\x1b[0m")
    assert e.row(0) == (
        Span("ab", DEFAULT_STYLE),
        Span("cd", CellStyle(fg=1)),
        Span("      ", DEFAULT_STYLE),
    )
    assert e.cursor.x == 4 and e.cursor.y == 0


def test_a_utf8_character_split_across_feeds_is_drawn_once() -> None:
    e = emu()
    data = "é中".encode()
    for i in range(len(data)):
        e.feed(data[i:i + 1])
    assert e.screen_text()[0] == "é中"
    assert e.cursor.x == 3


def test_dirty_rows_are_reported_once() -> None:
    e = emu()
    e.take_dirty()
    e.feed(b"\x1b[3;1Hx")
    assert e.take_dirty() == {2}
    assert e.take_dirty() == set()


def test_lines_scrolled_off_the_top_go_to_the_scrollback() -> None:
    e = emu(lines=3)
    e.feed(b"1\r\n2\r\n3\r\n4\r\n5")
    assert e.screen_text() == ["3", "4", "5"]
    assert e.history_size == 2 and e.history_pushed == 2
    assert [row_text(e.history_row(i)).rstrip() for i in range(2)] == ["1", "2"]


def test_title_replies_and_bell_are_collected() -> None:
    e = emu()
    e.feed(b"\x1b]2;my title\x07\x1b[5n\x07")
    assert e.title == "my title"
    assert e.take_replies() == b"\x1b[0n"
    assert e.take_replies() == b""
    assert e.take_bell() is True
    assert e.take_bell() is False


def test_resize_clamps_the_cursor_and_dirties_every_row() -> None:
    e = emu(10, 5)
    e.feed(b"\x1b[5;10H")
    e.take_dirty()
    e.resize(3, 4)
    assert (e.columns, e.lines) == (4, 3)
    assert e.cursor.x == 3 and e.cursor.y == 2
    assert e.take_dirty() == {0, 1, 2}
    assert all(sum(len(s.text) for s in e.row(y)) == 4 for y in range(3))
