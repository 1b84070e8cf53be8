"""The compact scrollback store (not pyte's ``HistoryScreen``).

pyte's ``HistoryScreen`` keeps a dict of per-cell tuples per line (~34 KB per 200-column
line), is 2-6x slower to feed, and also records rows scrolled inside a region or on the
alternate screen. Here a row is stored in one of three compact forms and turned into a
canonical model ``Row`` only when someone reads it:

* ``str``: plain text in the default style (what the fast path pushes for ``seq``);
* a model ``Row`` (tuple of ``Span``): a row converted from pyte's buffer when it
  scrolled off the normal screen;
* ``(TextBlock, i)``: row ``i`` of a block of raw text with SGR/EL codes pushed by the
  fast path; the block is styled lazily, replaying the codes exactly as the screen would.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from itertools import repeat

from pyte.screens import StaticDefaultDict

from .model import DEFAULT_STYLE, Row, Span
from .rows import blank_row, cells_to_row, fit_row
from .screen import BLANK, Cell, EmulatorScreen, EmulatorStream, apply_sgr

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def sgr_params(text: str) -> list[int]:
    return [min(int(p), 9999) if p else 0 for p in text.split(";")] if text else []


class TextBlock:
    """Raw rows from the fast path, styled on demand.

    ``rows[i]`` holds exactly the characters and codes the screen would have put on that
    row; ``start`` is the SGR state before ``rows[0]``. The state before each later row
    is computed once, on the first read, by replaying the SGR codes in order.
    """

    __slots__ = ("_starts", "columns", "rows", "start")

    def __init__(self, start: Cell, rows: list[str], columns: int) -> None:
        self.start = start
        self.rows = rows
        self.columns = columns
        self._starts: list[Cell] | None = None

    def row(self, i: int) -> Row:
        starts = self._starts
        if starts is None:
            starts = self._starts = []
            state = self.start
            for raw in self.rows:
                starts.append(state)
                for params in SGR.findall(raw):
                    state = apply_sgr(state, sgr_params(params))
        screen = EmulatorScreen(self.columns, 1)
        screen.cursor.attrs = starts[i]
        EmulatorStream(screen).feed(self.rows[i])
        return cells_to_row(screen.buffer.get(0), self.columns)


class Scrollback:
    """Rows that scrolled off the top of the normal screen, oldest first."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self._rows: deque[object] = deque(maxlen=self.limit)
        self.pushed = 0
        """Total rows ever pushed (monotonic), so a viewer can keep its place."""

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self._rows.clear()

    def push_cells(self, line: StaticDefaultDict[int, Cell] | None, columns: int) -> None:
        """A row from pyte's buffer (converted now: the dict is large)."""
        self.pushed += 1
        if self.limit:
            if not line or all(c is BLANK for c in line.values()):
                self._rows.append("")
            else:
                self._rows.append(cells_to_row(line, columns))

    def push_texts(self, rows: list[str]) -> None:
        """Plain default-style rows (no control characters, each at most one row wide)."""
        self.pushed += len(rows)
        self._rows.extend(rows[-self.limit:] if self.limit else ())

    def push_block(self, block: TextBlock) -> None:
        n = len(block.rows)
        self.pushed += n
        keep = min(n, self.limit)
        self._rows.extend(zip(repeat(block, keep), range(n - keep, n), strict=True))

    def row(self, i: int, columns: int) -> Row:
        entry = self._rows[i]
        if isinstance(entry, str):
            if not entry:
                return blank_row(columns)
            return fit_row((Span(entry, DEFAULT_STYLE),), columns)
        if isinstance(entry[0], TextBlock):  # type: ignore[index]
            block, index = entry  # type: ignore[misc]
            return fit_row(block.row(index), columns)
        return fit_row(entry, columns)  # type: ignore[arg-type]

    def rows(self) -> Iterable[object]:
        return iter(self._rows)
