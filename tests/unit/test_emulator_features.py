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
        e.feed(data[i : i + 1])
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


def test_pyte_colour_names_map_to_palette_indices_and_rgb() -> None:
    from cloudide_tui.terminal.colors import from_pyte

    assert from_pyte("default") is None
    assert from_pyte("brown") == 3
    assert from_pyte("brightblack") == 8
    assert from_pyte("bfightmagenta") == 13  # pyte's own typo for SGR 105
    assert from_pyte("ff8000") == (255, 128, 0)
    assert from_pyte(200) == 200
    assert from_pyte("nonsense") is None


def test_the_scrollback_keeps_its_limit_and_counts_every_row_pushed() -> None:
    e = emu(lines=3, scrollback=5)
    e.feed(b"".join(b"%d\r\n" % i for i in range(100)))
    assert e.history_size == 5
    assert e.history_pushed == 98
    assert row_text(e.history_row(0)).rstrip() == "93"
    assert row_text(e.history_row(4)).rstrip() == "97"


def test_switching_to_the_alternate_screen_dirties_every_row() -> None:
    e = emu()
    e.take_dirty()
    e.feed(b"\x1b[?1049h")
    assert e.take_dirty() == set(range(5))
    assert e.modes.alt_screen


def test_a_hidden_cursor_and_input_modes_are_reported() -> None:
    e = emu()
    e.feed(b"\x1b[?25l\x1b[?1h\x1b[?2004h\x1b[?1003h\x1b[?1006h")
    assert e.cursor.visible is False
    m = e.modes
    assert (m.app_cursor, m.bracketed_paste, m.mouse_tracking, m.mouse_sgr) == (
        True,
        True,
        1003,
        True,
    )


def test_vims_startup_queries_are_answered_and_draw_nothing() -> None:
    e = emu(40, 3)
    e.feed(b"\x1b[?4m\x1b[>4;2m\x1bPzz\x1b\\\x1b]10;?\x07\x1b[>c\x1b[c\x1b[6nvim")
    assert e.screen_text()[0] == "vim"
    assert e.row(0)[0].style == DEFAULT_STYLE
    assert e.take_replies() == (
        b"\x1b]10;rgb:e5e5/e5e5/e5e5\x07\x1b[>1;10;0c\x1b[?1;2c\x1b[1;1R"
    )  # in the order asked: vim learns the foreground colour too (OSC 10)


def test_coloured_output_read_after_a_flood_has_its_colours() -> None:
    e = emu(20, 4, scrollback=100)
    e.feed(b"".join(b"\x1b[1;32mok\x1b[0m line %d\x1b[K\r\n" % i for i in range(500)))
    last = e.row(2)
    assert last[0] == Span("ok", CellStyle(fg=2, bold=True))
    assert row_text(last).rstrip() == "ok line 499"
    assert e.fast_lines > 400
