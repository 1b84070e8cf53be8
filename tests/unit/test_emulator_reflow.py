"""Reflow: a width change wraps soft-wrapped lines again, and loses no text."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.model import Row
from cloudide_tui.terminal.reflow import line_text
from cloudide_tui.terminal.rows import row_text

EXAMPLES = int(os.environ.get("EMULATOR_EXAMPLES", "250"))


def logical_lines(e: TerminalEmulator) -> list[str]:
    """Scrollback and screen as lines of text: rows joined where they wrap."""
    rows = [(e.history_row(i), e.history_wrapped(i)) for i in range(e.history_size)]
    rows += [(e.row(y), e.wrapped(y)) for y in range(e.lines)]
    lines: list[str] = []
    current: list[Row] = []
    for row, wrapped in rows:
        current.append(row)
        if not wrapped:
            lines.append(line_text(current))
            current = []
    while lines and not lines[-1]:
        lines.pop()
    return lines


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.text(alphabet="abc xyz0123é中文", max_size=40), min_size=1, max_size=12),
    widths=st.lists(st.integers(2, 30), min_size=1, max_size=4),
    first=st.integers(2, 30),
    height=st.integers(1, 8),
    fast=st.booleans(),
)
def test_resizing_keeps_every_line_of_text(
    lines: list[str], widths: list[int], first: int, height: int, fast: bool
) -> None:
    # a space written just before a wide character that wraps early is taken for the
    # blank that wrap leaves: the one case reflow cannot tell apart (see reflow.py)
    assume(not any(" 中" in line or " 文" in line for line in lines))
    expected = [line.rstrip() for line in lines]
    while expected and not expected[-1]:
        expected.pop()
    e = TerminalEmulator(first, height, scrollback=10_000, fast_path=fast)
    e.feed("\r\n".join(lines).encode())
    assert logical_lines(e) == expected
    for width in widths:
        e.resize(height, width)
        assert logical_lines(e) == expected, width
    assert e.errors == 0


def test_a_shell_screen_reflows_and_comes_back() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"$ echo a long line that wraps around\r\na long line that wraps around\r\n$ ")
    before = [e.row(y) for y in range(5)], (e.cursor.x, e.cursor.y), e.history_size
    e.resize(5, 8)
    assert logical_lines(e)[:2] == [
        "$ echo a long line that wraps around",
        "a long line that wraps around",
    ]
    assert (e.cursor.x, e.cursor.y) == (2, 4)
    e.resize(5, 20)
    assert ([e.row(y) for y in range(5)], (e.cursor.x, e.cursor.y), e.history_size) == before


def test_selected_rows_know_where_a_long_line_wrapped() -> None:
    e = TerminalEmulator(10, 3)
    e.feed(b"0123456789abc\r\nnext")
    assert [e.wrapped(y) for y in range(3)] == [True, False, False]
    e.resize(3, 5)
    assert [row_text(e.history_row(i)) for i in range(e.history_size)] == ["01234"]
    assert e.history_wrapped(0) and [e.wrapped(y) for y in range(3)] == [True, False, False]
