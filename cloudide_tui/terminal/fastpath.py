"""The fast path: runs of plain scrolling lines skip pyte except for the last screenful.

When output is a run of complete lines (``text\\r\\n``) made only of printable ASCII,
SGR and ``EL 0``, and the screen is in the plain state (normal screen, no scroll region,
autowrap on, no insert mode, default character set, cursor at column 0 of an empty
bottom row), everything but the last ``lines - 1`` lines of the run will scroll off the
top. Feeding those through pyte would build every cell only to throw it away. Instead:

* the screen's rows above the cursor go to the scrollback (they would scroll off first);
* the run's first lines are split into screen rows by width and pushed to the scrollback
  as raw text (styled lazily, see ``scrollback.TextBlock``);
* the SGR state after them is computed from the codes after the last full reset;
* the screen is cleared and the last ``lines - 1`` lines are fed through pyte, with the
  scrollback told to drop the ``lines - 1`` blank rows this pushes off the top first.

The result (screen, cursor, attributes, scrollback) equals what the plain path gives;
``tests/test_emulator_fastpath.py`` checks that with hypothesis.
"""

from __future__ import annotations

import re

from pyte import charsets as _cs

from .screen import BLANK, Cell, EmulatorScreen
from .scrollback import SGR, sgr_params

SIMPLE_LINES = re.compile(r"(?:(?:[ -~]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r\n)+")
"""A run of complete simple lines, matched in C."""

_LAT1 = _cs.LAT1_MAP
_CODES = re.compile(r"(\x1b\[[0-9;]*[mK])")
_RESETS = ("\x1b[m", "\x1b[0m", "\x1b[00m", "\x1b[0;", "\x1b[;")


def plain_state(screen: EmulatorScreen) -> bool:
    """Whether the screen's modes allow the fast path at all."""
    mode = screen.mode
    return (
        not screen.alt_screen
        and screen.full_margins
        and 7 << 5 in mode  # DECAWM
        and 4 not in mode  # IRM
        and 20 not in mode  # LNM
        and not screen.charset
        and screen.g0_charset is _LAT1
    )


def at_fresh_bottom(screen: EmulatorScreen) -> bool:
    """Cursor at column 0 of an empty bottom row: where a run of lines can start."""
    cursor = screen.cursor
    bottom = screen.lines - 1
    return cursor.x == 0 and cursor.y == bottom and not screen.buffer.get(bottom)


def split_rows(line: str, columns: int) -> list[str]:
    """Split one line into the screen rows autowrap makes of it (codes stay with the
    row the cursor is on when they arrive, also in the pending-wrap state)."""
    if len(line) <= columns:
        return [line]
    if "\x1b" not in line:
        return [line[i:i + columns] for i in range(0, len(line), columns)]
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
            take = token[:columns - width]
            current.append(take)
            width += len(take)
            token = token[len(take):]
    rows.append("".join(current))
    return rows


def sgr_after(start: Cell, text: str, apply: object) -> Cell:
    """The SGR state after ``text``, replaying only codes after the last full reset."""
    cut = max(text.rfind(r) for r in _RESETS)
    state = start if cut < 0 else BLANK
    for params in SGR.findall(text, max(cut, 0)):
        state = apply(state, tuple(sgr_params(params)))  # type: ignore[operator]
    return state


