"""The fast path: runs of plain scrolling lines skip pyte except for the last screenful.

When output is a run of complete lines (``text\\r\\n``) made only of printable
characters one cell wide, SGR and ``EL 0``, and the screen is in the plain state
(normal screen, no scroll region, autowrap on, no insert mode, default character set,
cursor at column 0 of an empty bottom row), everything but the last ``lines - 1`` lines
of the run will scroll off the top. Feeding those through pyte would build every cell
only to throw it away. Instead:

* the screen's rows above the cursor go to the scrollback (they would scroll off first);
* the run's first lines are split into screen rows by width and pushed to the scrollback
  as raw text (styled lazily, see ``scrollback.TextBlock``);
* the SGR state after them is computed from the codes after the last full reset;
* the screen is cleared and the last ``lines - 1`` lines are kept raw ("deferred"): they
  are drawn through pyte only when someone looks at the screen or other output arrives,
  with the scrollback told to drop the ``lines - 1`` blank rows this pushes off the top;
  a following run simply continues from them (so a flood costs pyte work once per look,
  not once per chunk). An unfinished last line is held back the same way.

The result (screen, cursor, attributes, scrollback) equals what the plain path gives;
``tests/test_emulator_fastpath.py`` checks that with hypothesis.
"""

from __future__ import annotations

import re

from pyte import charsets as _cs

from .cells import BLANK, Cell
from .graphemes import CHAR_KINDS
from .screen import EmulatorScreen
from .scrollback import SGR, sgr_params

SIMPLE_LINES = re.compile(
    r"(?:(?:[^\x00-\x08\x0a-\x1f\x7f-\x9f]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r\n)+"
)
"""A run of complete simple lines, matched in C (non-ASCII lines are checked further
by :func:`first_complex_line`)."""

_SIMPLE_LINE = r"(?:[^\x00-\x08\x0a-\x1f\x7f-\x9f]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r\n"
_NEXT_RUN: dict[int, re.Pattern[str]] = {}


def next_run(count: int) -> re.Pattern[str]:
    """The first line end followed by at least ``count`` complete simple lines. The fast
    path takes a run of more than a screenful of them (``count``), so it cannot start
    before that: the lines up to there go to pyte in one piece instead of one by one (a
    full-screen program's rows, e.g. top's, never start such a run)."""
    pattern = _NEXT_RUN.get(count)
    if pattern is None:
        pattern = _NEXT_RUN[count] = re.compile(rf"\r\n(?=(?:{_SIMPLE_LINE}){{{count}}})")
    return pattern


SIMPLE_PARTIAL = re.compile(
    r"(?:[^\x00-\x08\x0a-\x1f\x7f-\x9f]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r?\Z"
)
"""The unfinished last line of a chunk, if it could continue a run of simple lines."""

_LAT1 = _cs.LAT1_MAP
_CODES = re.compile(r"(\x1b\[[0-9;]*[mK])")
_RESETS = ("\x1b[m", "\x1b[0m", "\x1b[00m", "\x1b[0;", "\x1b[;")


def plain_state(screen: EmulatorScreen) -> bool:
    """Whether the screen's modes allow the fast path at all (on the normal or the
    alternate screen, with or without a scroll region)."""
    mode = screen.mode
    return (
        7 << 5 in mode  # DECAWM
        and 4 not in mode  # IRM
        and 20 not in mode  # LNM
        and not screen.charset
        and screen.g0_charset is _LAT1
    )


def scroll_area(screen: EmulatorScreen) -> tuple[int, int]:
    """The rows a line feed at the bottom scrolls: the scroll region or the screen."""
    margins = screen.margins
    return (margins.top, margins.bottom) if margins is not None else (0, screen.lines - 1)


def at_fresh_bottom(screen: EmulatorScreen) -> bool:
    """Cursor at column 0 of an empty row at the bottom of the scroll area: where a run
    of lines can start."""
    cursor = screen.cursor
    bottom = scroll_area(screen)[1]
    return cursor.x == 0 and cursor.y == bottom and not screen.buffer.get(bottom)


_DEFAULT_TABS: dict[int, set[int]] = {}


def default_tabs(screen: EmulatorScreen) -> bool:
    """Whether the tab stops are the default ones (every 8 columns), as on the scratch
    screen scrollback rows are replayed on."""
    columns = screen.columns
    tabs = _DEFAULT_TABS.get(columns)
    if tabs is None:
        tabs = _DEFAULT_TABS[columns] = set(range(8, columns, 8))
    return screen.tabstops == tabs


_SETS_BACKGROUND = re.compile(r"\x1b\[(?:[0-9]*;)*(?:4[0-8]|10[0-7])(?:;[0-9;]*)?m")
"""An SGR that may set a background colour (or a colour index that looks like one)."""


def first_complex_line(run: str, tabs_ok: bool) -> int:
    """Offset of the first line in ``run`` that must take the plain path: a character
    that may join a grapheme cluster or takes no cell (marks, joiners, selectors...), a
    tab when the tab stops are not the default, or an SGR that may set a background (a
    line feed with a background set scrolls in a coloured line, BCE). -1 if none."""
    cut = -1
    m = _SETS_BACKGROUND.search(run)
    if m is not None:
        k = run.rfind("\r\n", 0, m.start())
        cut = k + 2 if k >= 0 else 0
        run = run[:cut]
    if not tabs_ok and "\t" in run:
        offset = 0
        for line in run.split("\r\n"):
            if "\t" in line:
                return offset
            offset += len(line) + 2
    if run.isascii():
        return cut
    kinds = CHAR_KINDS
    offset = 0
    for line in run.split("\r\n"):
        if not line.isascii() and not all(map(kinds.__getitem__, line)):
            return offset
        offset += len(line) + 2
    return cut


def split_rows(line: str, columns: int) -> list[str]:
    """Split one line into the screen rows autowrap makes of it (codes stay with the
    row the cursor is on when they arrive, also in the pending-wrap state)."""
    if "\t" in line or not line.isascii():
        return _split_general(line, columns)
    if len(line) <= columns:
        return [line]
    if "\x1b" not in line:
        return [line[i : i + columns] for i in range(0, len(line), columns)]
    rows: list[str] = []
    current: list[str] = []
    width = 0
    for k, token in enumerate(_CODES.split(line)):
        if k % 2:
            current.append(token)
            continue
        while token:
            if width == columns:
                rows.append("".join(current))
                current = []
                width = 0
            take = token[: columns - width]
            current.append(take)
            width += len(take)
            token = token[len(take) :]
    rows.append("".join(current))
    return rows


def _split_general(line: str, columns: int) -> list[str]:
    """``split_rows`` for a line with tabs or wide characters, as ``EmulatorScreen``
    draws them: a tab moves to the next default stop (or the last column, even from the
    pending-wrap state); a wide character that does not fit wraps first."""
    rows: list[str] = []
    current: list[str] = []
    x = 0
    for k, token in enumerate(_CODES.split(line)):
        if k % 2:
            current.append(token)
            continue
        for char in token:
            if char == "\t":
                stop = (x // 8 + 1) * 8
                x = stop if stop < columns else columns - 1
            else:
                width = 2 if char > "\x7f" and CHAR_KINDS[char] == 2 else 1
                if x + width > columns and (x >= columns or width == 2):
                    rows.append("".join(current))
                    current = []
                    x = 0
                x += width
            current.append(char)
    rows.append("".join(current))
    return rows


def sgr_after(start: Cell, text: str, apply: object) -> Cell:
    """The SGR state after ``text``, replaying only codes after the last full reset."""
    cut = max(text.rfind(r) for r in _RESETS)
    state = start if cut < 0 else BLANK
    for params in SGR.findall(text, max(cut, 0)):
        state = apply(state, tuple(sgr_params(params)))  # type: ignore[operator]
    return state
