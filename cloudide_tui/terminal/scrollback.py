"""The compact scrollback store (not pyte's ``HistoryScreen``).

pyte's ``HistoryScreen`` keeps a dict of per-cell tuples per line (~34 KB per 200-column
line), is 2-6x slower to feed, and also records rows scrolled inside a region or on the
alternate screen. Here a row is stored in one of three compact forms and turned into a
canonical model ``Row`` only when someone reads it:

* ``str``: plain text in the default style (what the fast path pushes for ``seq``);
* a ``PackedRow`` (text + an array of span lengths and style ids): a row converted
  from pyte's buffer when it scrolled off the normal screen;
* ``(TextBlock, i)``: row ``i`` of a block of raw text with SGR/EL codes pushed by the
  fast path; the block is styled lazily, replaying the codes exactly as the screen would.
"""

from __future__ import annotations

import re
from array import array
from collections import deque
from collections.abc import Iterable
from itertools import repeat

from pyte.screens import StaticDefaultDict

from .cells import BLANK, Cell, apply_sgr
from .model import DEFAULT_STYLE, CellStyle, Row, Span
from .rows import blank_row, cells_to_row, fit_row
from .screen import EmulatorScreen
from .stream import EmulatorStream

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def sgr_params(text: str) -> list[int]:
    return [min(int(p), 9999) if p else 0 for p in text.split(";")] if text else []


_APPLIED: dict[tuple[int, str], tuple[Cell, Cell]] = {}
"""(id of an SGR state, parameters) → (that state, the state after): programs repeat the
same few. The state is kept and checked by identity, so a reused id cannot mislead."""


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

    def state_before(self, i: int) -> Cell:
        """The SGR state before row ``i`` (computed for every row on the first call)."""
        starts = self._starts
        if starts is None:
            starts = self._starts = []
            state = self.start
            cache = _APPLIED
            for raw in self.rows:
                starts.append(state)
                for params in SGR.findall(raw):
                    hit = cache.get((id(state), params))
                    if hit is not None and hit[0] is state:
                        state = hit[1]
                        continue
                    new = apply_sgr(state, sgr_params(params))
                    if len(cache) > 8192:
                        cache.clear()
                    cache[id(state), params] = (state, new)
                    state = new
        return starts[i]

    def row(self, i: int) -> Row:
        start = self.state_before(i)
        screen, stream = _scratch(self.columns)
        screen.buffer.clear()
        screen.dirty.clear()
        screen.cursor.x = screen.cursor.y = 0
        screen.cursor.attrs = start
        stream.feed(self.rows[i])
        return cells_to_row(screen.buffer.get(0), self.columns)


_SCRATCH: dict[int, tuple[EmulatorScreen, EmulatorStream]] = {}


def _scratch(columns: int) -> tuple[EmulatorScreen, EmulatorStream]:
    """A one-row screen to replay raw rows on (only text, SGR and EL reach it)."""
    pair = _SCRATCH.get(columns)
    if pair is None:
        if len(_SCRATCH) > 8:
            _SCRATCH.clear()
        screen = EmulatorScreen(columns, 1)
        pair = _SCRATCH[columns] = (screen, EmulatorStream(screen))
    return pair


_STYLE_IDS: dict[CellStyle, int] = {}
_STYLES: list[CellStyle] = []


def _style_id(style: CellStyle) -> int:
    n = _STYLE_IDS.get(style)
    if n is None:
        n = _STYLE_IDS[style] = len(_STYLES)
        _STYLES.append(style)
    return n


class PackedRow:
    """A converted row, compact: its characters in one string and its spans as
    (length, style id) pairs in an array (8 bytes a span, not a ``Span`` object)."""

    __slots__ = ("runs", "text")

    def __init__(self, row: Row) -> None:
        spans = list(row)
        last = spans[-1]
        if last.style == DEFAULT_STYLE:  # the padding comes back from fit_row
            text = last.text.rstrip(" ")
            if text:
                spans[-1] = Span(text, DEFAULT_STYLE)
            else:
                spans.pop()
        self.text = "".join(s.text for s in spans)
        runs = array("I")
        for span in spans:
            runs.append(len(span.text))
            runs.append(_style_id(span.style))
        self.runs = runs

    def row(self) -> Row:
        spans = []
        text, runs = self.text, self.runs
        pos = 0
        for k in range(0, len(runs), 2):
            n = runs[k]
            spans.append(Span(text[pos : pos + n], _STYLES[runs[k + 1]]))
            pos += n
        return tuple(spans)


class Scrollback:
    """Rows that scrolled off the top of the normal screen, oldest first."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self._rows: deque[object] = deque(maxlen=self.limit)
        self.pushed = 0
        """Total rows ever pushed, so a viewer can keep its place (a reflow renumbers)."""
        self._styled: dict[tuple[int, int, int], tuple[TextBlock, Row]] = {}
        self._continued: set[int] = set()
        """Push numbers of the rows whose text goes on from the row before (soft wraps)."""

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self._rows.clear()
        self._styled.clear()
        self._continued.clear()

    def continued(self, i: int) -> bool:
        """Whether row ``i`` (0 = oldest kept) goes on from the row before (soft wrap)."""
        return self.pushed - len(self._rows) + i in self._continued

    def _mark(self, numbers: Iterable[int]) -> None:
        continued = self._continued
        continued.update(numbers)
        if len(continued) > 2 * self.limit + 64:  # forget the rows that were dropped
            first = self.pushed - self.limit
            self._continued = {n for n in continued if n >= first}

    def push_cells(self, line: StaticDefaultDict[int, Cell] | None, columns: int) -> None:
        """A row from pyte's buffer (converted now: the dict is large)."""
        if self.limit and getattr(line, "continued", False):
            self._mark((self.pushed,))
        self.pushed += 1
        if self.limit:
            if not line or all(c is BLANK for c in line.values()):
                self._rows.append("")
                return
            row = cells_to_row(line, columns)
            if len(row) == 1 and row[0].style == DEFAULT_STYLE:
                self._rows.append(row[0].text.rstrip(" "))
            else:
                self._rows.append(PackedRow(row))

    def push_texts(self, rows: list[str], continued: Iterable[int] = ()) -> None:
        """Plain default-style rows (no control characters, each at most one row wide);
        ``continued``: which of them go on from the row before."""
        if self.limit:
            self._mark(self.pushed + i for i in continued)
        self.pushed += len(rows)
        self._rows.extend(rows[-self.limit :] if self.limit else ())

    def push_block(self, block: TextBlock, continued: Iterable[int] = ()) -> None:
        n = len(block.rows)
        if self.limit:
            self._mark(self.pushed + i for i in continued)
        self.pushed += n
        keep = min(n, self.limit)
        self._rows.extend(zip(repeat(block, keep), range(n - keep, n), strict=True))

    def row(self, i: int, columns: int) -> Row:
        entry = self._rows[i]
        if isinstance(entry, str):
            if not entry:
                return blank_row(columns)
            return fit_row((Span(entry, DEFAULT_STYLE),), columns)
        if isinstance(entry, PackedRow):
            row = entry.row()
            return fit_row(row, columns) if row else blank_row(columns)
        assert isinstance(entry, tuple)
        key = (id(entry[0]), entry[1], columns)
        hit = self._styled.get(key)
        if hit is not None and hit[0] is entry[0]:
            return hit[1]
        block: TextBlock = entry[0]
        row = fit_row(block.row(entry[1]), columns)
        if len(self._styled) >= 1024:  # the rows a viewer shows, not the whole history
            self._styled.clear()
        self._styled[key] = (block, row)
        return row

    def rows(self) -> Iterable[object]:
        return iter(self._rows)

    def entry(self, i: int) -> object:
        """Row ``i`` as stored (``str``, ``PackedRow`` or ``(TextBlock, k)``)."""
        return self._rows[i]

    def rebuild(self, entries: list[object], continued: Iterable[int]) -> None:
        """Replace every row (a reflow): ``entries`` as ``entry`` returns them, oldest
        first; ``continued``: which of them go on from the row before. The rows dropped
        so far stay counted in ``pushed``, so push numbers shift by the change in size."""
        dropped = self.pushed - len(self._rows)
        self._rows = deque(entries[-self.limit :] if self.limit else (), maxlen=self.limit)
        start = len(entries) - len(self._rows)
        self.pushed = dropped + len(entries)
        self._styled.clear()
        self._continued = {dropped + n for n in continued if n >= start}
