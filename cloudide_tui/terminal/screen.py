"""The pyte ``Screen`` subclass: a screen that behaves like xterm.

pyte 0.8.2 gets many things wrong (see docs/terminal.md and the research note): no
alternate screen, no REP/SU/SD/CBT/CHT/HPA/SCOSC, the delete-line bug, partial BCE, no
wide-char wrap, zero-width characters that drop the rest of a chunk, CPR off by one in
the pending-wrap state, no cursor clamp on resize, only six SGR attributes and its own
colour names. Everything is fixed here by overriding methods, never by editing pyte;
``stream.py`` feeds it (and makes sure no handler gets arguments it cannot take).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import itemgetter
from typing import Any

import pyte
from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Margins, Savepoint, StaticDefaultDict

from .cells import BLANK, Cell, CellCache, apply_sgr, make_cell, with_link
from .colors import RGB, XTERM_ANSI, palette_rgb, x11_colour
from .graphemes import CHAR_KINDS, cluster_width, clusters
from .model import Color

DEC_GRAPHICS = cs.VT100_MAP[:0x5F] + "_◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·" + cs.VT100_MAP[0x7F:]
"""DEC special graphics (``ESC ( 0``) as xterm.js and tmux draw it: pyte's table has
``h`` as ░ (it is U+2424, SYMBOL FOR NEWLINE) and ``_`` as a no-break space."""
CHARSETS = {**cs.MAPS, "0": DEC_GRAPHICS}


class Line(StaticDefaultDict[int, Cell]):
    """A row: sparse ``{x: Cell}`` (missing cells are blank), and whether its text goes on
    from the row above (``continued``: autowrap moved onto it). As in xterm.js, a line
    feed onto the row, or erasing it from its first column, ends that. The flag travels
    with the row when rows move or scroll into the scrollback, so reflow and selection
    know which rows are one line."""

    continued = False

    def __init__(self) -> None:
        super().__init__(BLANK)


def _blank_row() -> Line:
    return Line()


SEGMENT_MIN = 16
"""Text runs shorter than this are drawn directly (caching them gains nothing)."""
SEGMENT_CELLS = 100_000
"""At most this many cached cells (a few MB); past that the cache starts over."""

_MINUS_ONE = (-1).__add__
_PLUS_ONE = (1).__add__
_SGR_PARAMS = re.compile(r"\x1b\[([0-9;]*)m")

_ALT_MODES = (47 << 5, 1047 << 5, 1048 << 5, 1049 << 5)
_MOUSE_MODES = (1000, 1002, 1003)
_IGNORED_PRIVATE = {3 << 5, 5 << 5}  # DECCOLM (would resize to 132 columns), DECSCNM
_DEC_TRACKED = {1, 6, 7, 25, 1004, 1006, 2004, 2026}
_DEC_FIXED = {2027: 3}  # grapheme clusters: always on (graphemes.py)
_ANSI_FIXED = {2: 4, 12: 3}  # KAM never set, SRM always set (as xterm.js answers)
_SOFT_RESET_OFF = {mo.IRM, mo.DECOM, 1 << 5, 1004 << 5, 2004 << 5, 2026 << 5}


@dataclass(frozen=True)
class Palette:
    """The terminal's colours: default foreground and background, the 16 ANSI colours."""

    foreground: RGB = (229, 229, 229)
    background: RGB = (0, 0, 0)
    ansi: tuple[RGB, ...] = XTERM_ANSI


class _Segments(dict[tuple[int, int, str], tuple[CellCache, dict[int, Cell]]]):
    """(id(cell cache), x, text) → (that cell cache, {x: Cell}): the cells of text runs
    drawn before (see ``draw``); ``cells`` counts them (at most SEGMENT_CELLS)."""

    cells = 0


_CELL_CACHES: dict[int, CellCache] = {}
_SGR_CACHE: dict[tuple[int, tuple[int, ...]], tuple[Cell, Cell]] = {}
_ERASE_CELLS: dict[Color, Cell] = {}
_SGR_TEXT_CACHE: dict[tuple[int, str], tuple[Cell, Cell]] = {}
_SGR_RUN_CACHE: dict[tuple[int, str], tuple[Cell, Cell, str | None]] = {}
_SEGMENTS = _Segments()
_ROWS: dict[tuple[int, int, int, str], tuple[Cell, str, dict[int, Cell], int, Cell, str]] = {}
"""(id of the attributes, id of the G0 set, the width, a row's token) → (those
attributes, that G0 set, the row's cells, the cursor's column, the attributes and G0 set
after): rows written whole from column 0 (see ``write_row``)."""
ROW_CACHE = 512
"""At most this many rows are kept (each a few KB at 200 columns)."""


class CellCursor(pyte.screens.Cursor):
    """pyte's cursor, holding our ``Cell`` attributes."""

    attrs: Cell  # type: ignore[assignment]


class EmulatorScreen(pyte.Screen):
    """A pyte ``Screen`` fixed to behave like xterm (see the module docstring).

    Hooks the emulator sets: ``on_scroll_off(row)`` receives each row that leaves the top
    of the normal screen in a full-screen scroll (the scrollback), ``on_clear_history()``
    is ED 3; ``replies`` collects what must be written back to the program.
    """

    buffer: defaultdict[int, Line]  # type: ignore[assignment]
    cursor: CellCursor

    def __init__(self, columns: int, lines: int) -> None:
        self.replies: list[str] = []
        self.bell_rang = False
        self.palette = Palette()
        """The colours colour queries are answered with (the widget sets the theme's)."""
        self.alt_screen = False
        self.app_keypad = False
        self.mouse_tracking = 0
        self.on_scroll_off: Callable[[Line], None] | None = None
        self.on_clear_history: Callable[[], None] | None = None
        self._saved: list[Savepoint | None] = [None, None]
        self._other_buffer: defaultdict[int, Line] | None = None
        self._last_char = ""
        self._join = False  # the last character drawn may join the next one's cluster
        # Keyed by id(): hashing a Cell hashes its CellStyle, a dataclass (slow). Each
        # entry keeps its Cell alive and is checked by identity, so ids cannot be reused.
        # Shared by every screen (the attributes are interned, the results pure): a new
        # terminal starts warm, and a server's many terminals share one copy.
        self._caches = _CELL_CACHES
        self._sgr_cache = _SGR_CACHE
        self._erase_cells = _ERASE_CELLS
        self._sgr_text_cache = _SGR_TEXT_CACHE
        self._sgr_run_cache = _SGR_RUN_CACHE
        self.segment_cache = True
        """Reuse the cells of text drawn before at the same column (``draw``); the
        emulator turns it off with its other shortcuts."""
        # (id(cell cache), x, text) → (that cell cache, {x: Cell}); the cache object is
        # kept and checked by identity, so a reused id cannot return another style's cells
        self._segments = _SEGMENTS
        super().__init__(columns, lines)

    # -- state --------------------------------------------------------------------
    @property
    def default_char(self) -> Cell:  # type: ignore[override]
        return BLANK

    def _new_buffer(self) -> defaultdict[int, Line]:
        return defaultdict(_blank_row)

    def reset(self) -> None:
        super().reset()
        self.buffer = self._new_buffer()
        self.cursor = CellCursor(0, 0, BLANK)  # type: ignore[arg-type]
        self.g1_charset = cs.LAT1_MAP  # ASCII until ESC ) 0 (xterm.js, tmux; pyte: graphics)
        self.savepoints = []
        self._saved = [None, None]  # DECSC: normal, alternate
        self.alt_screen = False
        self._other_buffer = None
        self.app_keypad = False
        self.mouse_tracking = 0
        self._last_char = ""

    def cells(self, attrs: Cell) -> CellCache:
        cache = self._caches.get(id(attrs))
        if cache is None or cache.attrs is not attrs:
            if len(self._caches) > 4096:
                self._caches.clear()
            cache = self._caches[id(attrs)] = CellCache(attrs)
        return cache

    def erase_cell(self) -> Cell:
        """The cell erase operations leave: blank with the current background (BCE)."""
        bg = self.cursor.attrs.bg
        if bg is None:
            return BLANK
        cell = self._erase_cells.get(bg)
        if cell is None:
            cell = self._erase_cells[bg] = make_cell((" ", None, bg, *BLANK[3:12]))
        return cell

    @property
    def full_margins(self) -> bool:
        m = self.margins
        return m is None or (m.top == 0 and m.bottom == self.lines - 1)

    # -- drawing ------------------------------------------------------------------
    def draw(self, data: str) -> None:
        cursor = self.cursor
        x = cursor.x
        n = len(data)
        if (
            0 < n <= self.columns - x
            and not self.charset
            and self.g0_charset is cs.LAT1_MAP
            and data.isascii()
            and mo.IRM not in self.mode
            and not self._join
        ):
            # The common case: ASCII that fits on the line, one C-level dict update.
            attrs = cursor.attrs
            cache = self._caches.get(id(attrs))
            if cache is None or cache.attrs is not attrs:
                cache = self.cells(attrs)
            if n >= SEGMENT_MIN and self.segment_cache:
                # Full-screen programs redraw the same text at the same place over and
                # over (top's process rows, vim's lines, mc's panels): a dict-to-dict
                # update is ~5x cheaper than building the cells again.
                key = (id(cache), x, data)
                entry = self._segments.get(key)
                if entry is None or entry[0] is not cache:
                    cells = dict(zip(range(x, x + n), map(cache.__getitem__, data), strict=True))
                    segments = self._segments
                    segments.cells += n
                    if segments.cells > SEGMENT_CELLS:
                        segments.clear()
                        segments.cells = n
                    segments[key] = (cache, cells)
                else:
                    cells = entry[1]
                    line = self.buffer.get(cursor.y)
                    if line is not None and cells.items() <= line.items():
                        # already there (a full-screen program redrawing an unchanged
                        # row): nothing to do, and the row is not dirty
                        cursor.x = x + n
                        self._last_char = data[-1]
                        return
                if n == self.columns:
                    # the whole row (rows never hold cells past the last column): a
                    # fresh row cloned from the cached dict is ~3x cheaper than updating
                    row = _blank_row()
                    row.update(cells)
                    old = self.buffer.get(cursor.y)
                    if old is not None and old.continued:
                        row.continued = True
                    self.buffer[cursor.y] = row
                else:
                    self.buffer[cursor.y].update(cells)
            else:
                self.buffer[cursor.y].update(
                    zip(range(x, x + n), map(cache.__getitem__, data), strict=True)
                )
            cursor.x = x + n
            self.dirty.add(cursor.y)
            self._last_char = data[-1]
            return
        if self.charset:
            data = data.translate(self.g1_charset)
        elif self.g0_charset is not cs.LAT1_MAP:
            data = data.translate(self.g0_charset)
        if not data:
            return
        if data.isascii() and mo.IRM not in self.mode and not self._join:
            self._draw_narrow(data)
            self._last_char = data[-1]
            return
        if not unicodedata.is_normalized("NFC", data):
            data = unicodedata.normalize("NFC", data)  # e + U+0301 → é: one cell, in C
        kinds = CHAR_KINDS
        if not self._join and kinds[data[0]] and mo.IRM not in self.mode:
            widths = list(map(kinds.__getitem__, data))
            if 0 not in widths:
                # every character is a cluster of its own: no segmenting needed
                if max(widths) == 1:
                    self._draw_narrow(data)
                else:
                    self._draw_wide(data, widths)
                self._last_char = data[-1]
                return
        self._draw_clusters(data)

    def write_row(self, token: str, before: str, text: str, after: str) -> None:
        """A row written whole: SGRs and G0 sets, ``text``, SGRs and G0 sets, ``EL 0``
        (the stream's merged token, without its CR LFs). Written from column 0 on the
        normal path, the row's cells are a function of the attributes and character set
        it starts with and of the token alone: the result is kept, and the same row
        written again is a copy (or, when the row already holds it, nothing, and the row
        is not dirty). Elsewhere, in insert mode, or for text that wraps or is not ASCII,
        it is the sequence of its parts."""
        cursor = self.cursor
        if cursor.x or mo.IRM in self.mode or self.charset or not text.isascii():
            self._row_parts(before, text, after)
            return
        attrs = cursor.attrs
        key = (id(attrs), id(self.g0_charset), self.columns, token)
        hit = _ROWS.get(key)
        y = cursor.y
        if hit is None or hit[0] is not attrs:
            start_charset = self.g0_charset
            self._row_parts(before, text, after)
            if cursor.y == y and cursor.x <= self.columns and len(text) <= self.columns:
                row = self.buffer.get(y)
                cells = dict(row) if row is not None else {}
                if len(_ROWS) > ROW_CACHE:
                    _ROWS.clear()
                _ROWS[key] = (attrs, start_charset, cells, cursor.x, cursor.attrs, self.g0_charset)
            return
        _, start_charset, cells, x, end_attrs, charset = hit
        if start_charset is not self.g0_charset:
            self._row_parts(before, text, after)
            return
        line = self.buffer.get(y)
        if line is None or line != cells:
            row = _blank_row()
            row.update(cells)
            if line is not None and line.continued:
                row.continued = True
            self.buffer[y] = row
            self.dirty.add(y)
        cursor.x = x
        cursor.attrs = end_attrs
        self.g0_charset = charset
        self._last_char = text[-1]
        self._join = False

    def _row_parts(self, before: str, text: str, after: str) -> None:
        if before:
            self.sgr_run(before)
        self.draw(text)
        if after:
            self.sgr_run(after)
        self.erase_in_line(0)

    def _draw_narrow(self, data: str) -> None:
        """Characters one cell wide each, that never join one another."""
        cursor = self.cursor
        columns = self.columns
        cells = self.cells(cursor.attrs)
        autowrap = mo.DECAWM in self.mode
        i, n = 0, len(data)
        while i < n:
            if cursor.x >= columns:
                if autowrap:
                    self._wrap()
                else:
                    # Without autowrap every further character lands on the last column.
                    self.buffer[cursor.y][columns - 1] = cells[data[n - 1]]
                    break
            x = cursor.x
            take = min(n - i, columns - x)
            line = self.buffer[cursor.y]
            line.update(
                zip(range(x, x + take), map(cells.__getitem__, data[i : i + take]), strict=True)
            )
            cursor.x = x + take
            i += take
        self.dirty.add(cursor.y)
        self._join = False

    def _wrap(self) -> None:
        """Autowrap: the cursor goes to the start of the next line (scrolling at the
        bottom), which is marked as going on from the row it left."""
        cursor = self.cursor
        self.dirty.add(cursor.y)
        before = self.buffer.get(cursor.y)
        cursor.x = 0
        self.index()
        row = self.buffer[cursor.y]
        if row is not before:
            row.continued = True

    def _draw_wide(self, data: str, widths: list[int]) -> None:
        """Characters that never join one another, some of them two cells wide."""
        cursor = self.cursor
        columns = self.columns
        cells = self.cells(cursor.attrs)
        stub = cells[""]
        autowrap = mo.DECAWM in self.mode
        i, n = 0, len(data)
        while i < n:
            x = cursor.x
            width = widths[i]
            if x + width > columns:
                if width > columns:
                    i += 1  # can never fit (a wide character on a one-column screen)
                    continue
                if autowrap:
                    self._wrap()
                    x = 0
                elif width == 2:
                    i += 1  # no room at the right edge: dropped (xterm.js, tmux)
                    continue
                else:
                    x = cursor.x = columns - 1  # overwrites the last column
            run = widths[i : i + columns - x]
            ends = list(accumulate(run, initial=x))
            k = bisect_right(ends, columns) - 1  # how many fit on this line
            starts = ends[:k]
            line = self.buffer[cursor.y]
            line.update(zip(starts, map(cells.__getitem__, data[i : i + k]), strict=True))
            wide = compress(starts, map((2).__eq__, run[:k]))
            line.update(zip(map(_PLUS_ONE, wide), repeat(stub)))
            cursor.x = ends[k]
            i += k
        self.dirty.add(cursor.y)
        self._join = False

    def _previous_cell(self) -> tuple[Line, int] | None:
        """The row and column of the cell left of the cursor (the left half if it is a
        wide character's right half): where a mark or joiner goes. None at column 0
        (tmux drops a mark there)."""
        cursor = self.cursor
        x = min(cursor.x, self.columns) - 1
        if x < 0:
            return None
        line = self.buffer[cursor.y]
        if x and line[x].data == "":
            x -= 1
        if line[x].data == "":
            return None  # an orphaned right half: nothing to join
        return line, x

    def _draw_clusters(self, data: str) -> None:
        """The general case: segment ``data`` into grapheme clusters (UAX #29), joining
        its start to the cluster left of the cursor when they form one."""
        cursor = self.cursor
        columns = self.columns
        cells = self.cells(cursor.attrs)
        autowrap = mo.DECAWM in self.mode
        insert = mo.IRM in self.mode
        pieces: list[str]
        previous = self._previous_cell()
        if previous is not None:
            line, px = previous
            before = line[px].data
            pieces = list(clusters(before + data))
            first = pieces.pop(0)
            if first != before and first.startswith(before):
                self._extend_cell(line, px, first)
            elif first != before:  # the segmentation changed before the join: do not join
                pieces = list(clusters(data))
        else:
            pieces = list(clusters(data))
        for piece in pieces:
            width = cluster_width(piece)
            if width == 0:
                previous = self._previous_cell()
                if previous is not None:  # no cell of its own: it goes with the one before
                    line, px = previous
                    joined = unicodedata.normalize("NFC", line[px].data + piece)
                    line[px] = line[px]._replace(data=joined)
                continue
            x = cursor.x
            if x + width > columns:
                if width > columns:
                    continue
                if autowrap:
                    self._wrap()
                elif width == 2:
                    continue
                else:
                    cursor.x = columns - 1
            if insert:
                self.insert_characters(width)
            line = self.buffer[cursor.y]
            line[cursor.x] = cells[piece]
            if width == 2:
                line[cursor.x + 1] = cells[""]
            cursor.x += width
            self._last_char = piece
        self.dirty.add(cursor.y)
        self._join = CHAR_KINDS[data[-1]] == 0

    def _extend_cell(self, line: Line, x: int, cluster: str) -> None:
        """The cell at ``x`` (left of the cursor) now holds ``cluster``: a mark, joiner or
        selector joined it. If that makes it two cells wide (VS16), it takes the cell
        the cursor is on; at the right edge it moves to the next line (autowrap on) or
        stays one cell wide without what widened it."""
        cluster = unicodedata.normalize("NFC", cluster)  # as if it had come in one piece
        cell = line[x]
        cursor = self.cursor
        old = cluster_width(cell.data)
        new = cluster_width(cluster)
        self.dirty.add(cursor.y)
        if new == 2 and old == 1:
            if x + 1 < self.columns:
                line[x] = cell._replace(data=cluster)
                line[x + 1] = cell._replace(data="")
                cursor.x = max(cursor.x, x + 2)
            elif mo.DECAWM in self.mode:
                line.pop(x, None)  # left blank, as when a wide character does not fit
                cursor.x = self.columns
                self._wrap()
                row = self.buffer[cursor.y]
                row[0] = cell._replace(data=cluster)
                row[1] = cell._replace(data="")
                cursor.x = 2
            self._last_char = cluster
            return
        line[x] = cell._replace(data=cluster)
        self._last_char = cluster

    def repeat_last(self, count: int = 0) -> None:
        """REP (``CSI n b``): draw the last graphic character n more times (the stream
        calls it only right after a printed character, as xterm does)."""
        if self._last_char:
            self.draw(self._last_char * max(1, min(count, 65535)))

    # -- scrolling ----------------------------------------------------------------
    def index(self) -> None:
        """Line feed at the bottom margin scrolls. A full-screen scroll re-keys the rows
        in C (pyte moves them one by one in Python, and creates empty ones)."""
        margins = self.margins
        lines = self.lines
        top, bottom = margins if margins is not None else (0, lines - 1)
        cursor = self.cursor
        if cursor.y == bottom:
            buffer = self.buffer
            self.dirty.update(range(lines))
            row = buffer.pop(top, None)
            if top == 0 and bottom == lines - 1:
                if not self.alt_screen and self.on_scroll_off is not None:
                    self.on_scroll_off(row if row is not None else Line())
                shifted = self._new_buffer()
                shifted.update(zip(map(_MINUS_ONE, buffer.keys()), buffer.values(), strict=True))
                self.buffer = buffer = shifted
            else:
                get = buffer.pop
                for y in range(top, bottom):
                    moved = get(y + 1, None)
                    if moved is not None:
                        buffer[y] = moved
            if cursor.attrs.bg is not None:  # the line scrolled in has the background (BCE)
                buffer[bottom] = self._erased_row()
        elif cursor.y < lines - 1:
            cursor.y += 1

    def reverse_index(self) -> None:
        margins = self.margins
        top, bottom = margins if margins is not None else (0, self.lines - 1)
        cursor = self.cursor
        if cursor.y == top:
            self._shift_down(top, bottom, 1)
        elif cursor.y > 0:
            cursor.y -= 1

    def _erased_row(self) -> Line:
        """A row of erased cells with the current background (BCE)."""
        row = _blank_row()
        row.update(dict.fromkeys(range(self.columns), self.erase_cell()))
        return row

    def _shift_up(self, top: int, bottom: int, count: int) -> None:
        """Rows ``top..bottom`` move up ``count``; the rows scrolled in are erased (BCE)."""
        buffer = self.buffer
        self.dirty.update(_area(top, bottom)[2])
        if top + count <= bottom:  # the rows that stay (a missing one is made: blank)
            moved = _area(top + count, bottom)[1](buffer)
            buffer.update(zip(range(top, bottom - count + 1), moved, strict=True))
        pop = buffer.pop
        erased = self.cursor.attrs.bg is not None
        for y in range(max(top, bottom - count + 1), bottom + 1):
            if erased:
                buffer[y] = self._erased_row()
            else:
                pop(y, None)

    def _shift_down(self, top: int, bottom: int, count: int) -> None:
        """Rows ``top..bottom`` move down ``count``; the rows scrolled in are erased (BCE)."""
        buffer = self.buffer
        self.dirty.update(_area(top, bottom)[2])
        if top + count <= bottom:  # the rows that stay (a missing one is made: blank)
            moved = _area(top, bottom - count)[1](buffer)
            buffer.update(zip(range(top + count, bottom + 1), moved, strict=True))
        pop = buffer.pop
        erased = self.cursor.attrs.bg is not None
        for y in range(top, min(bottom, top + count - 1) + 1):
            if erased:
                buffer[y] = self._erased_row()
            else:
                pop(y, None)

    def linefeed(self) -> None:
        """An explicit line feed (LF, VT, FF, IND, NEL): the row it moves onto does not go
        on from the one above (any more)."""
        self.explicit_index()
        if mo.LNM in self.mode:
            self.cursor.x = 0

    def newlines(self, count: int) -> None:
        """``count`` CR LFs (the stream's merged token): within the scroll area and
        without LNM games, the cursor just moves down; otherwise one by one."""
        cursor = self.cursor
        cursor.x = 0
        margins = self.margins
        bottom = margins.bottom if margins is not None else self.lines - 1
        y = cursor.y
        if y + count <= bottom:
            buffer = self.buffer
            for below in range(y + 1, y + count + 1):
                row = buffer.get(below)
                if row is not None and row.continued:
                    row.continued = False  # a line feed onto it ends its line
            cursor.y = y + count
            return
        for _ in range(count):
            cursor.x = 0
            self.linefeed()

    def explicit_index(self) -> None:
        """IND (``ESC D``): an index that ends the line, as a line feed does."""
        self.index()
        row = self.buffer.get(self.cursor.y)
        if row is not None and row.continued:
            row.continued = False

    def scroll_up(self, count: int = 0) -> None:
        """SU (``CSI n S``): scroll the region up n lines; the cursor stays. Rows leaving
        the whole normal screen go to the scrollback (xterm, tmux)."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        count = min(max(count, 1), bottom - top + 1)
        full = top == 0 and bottom == self.lines - 1
        if full and not self.alt_screen and self.on_scroll_off is not None:
            for y in range(count):
                row = self.buffer.get(y)
                self.on_scroll_off(row if row is not None else Line())
        self._shift_up(top, bottom, count)

    def scroll_down(self, count: int = 0) -> None:
        """SD (``CSI n T``)."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        self._shift_down(top, bottom, min(max(count, 1), bottom - top + 1))

    def insert_lines(self, count: int | None = None) -> None:
        margins = self.margins
        top, bottom = margins if margins is not None else (0, self.lines - 1)
        y = self.cursor.y
        if top <= y <= bottom:
            self._shift_down(y, bottom, min(max(count or 1, 1), bottom - y + 1))
            self.cursor.x = 0

    def delete_lines(self, count: int | None = None) -> None:
        """DL, with pyte's bug fixed: a row whose replacement was never touched is cleared."""
        margins = self.margins
        top, bottom = margins if margins is not None else (0, self.lines - 1)
        y = self.cursor.y
        if top <= y <= bottom:
            self._shift_up(y, bottom, min(max(count or 1, 1), bottom - y + 1))
            self.cursor.x = 0

    # -- characters and erasing ---------------------------------------------------
    def insert_characters(self, count: int | None = None) -> None:
        count = min(max(count or 1, 1), self.columns)
        y, x0 = self.cursor.y, min(self.cursor.x, self.columns - 1)
        self.dirty.add(y)
        line = self.buffer[y]
        cols = self.columns
        kept = {x + count: c for x, c in line.items() if x0 <= x and x + count < cols}
        for x in [x for x in line if x >= x0]:
            del line[x]
        line.update(kept)
        blank = self.erase_cell()
        if blank is not BLANK:
            for x in range(x0, min(x0 + count, cols)):
                line[x] = blank

    def delete_characters(self, count: int | None = None) -> None:
        count = min(max(count or 1, 1), self.columns)
        y, x0 = self.cursor.y, min(self.cursor.x, self.columns - 1)
        self.dirty.add(y)
        line = self.buffer[y]
        cols = self.columns
        kept = {x - count: c for x, c in line.items() if x >= x0 + count and x < cols}
        for x in [x for x in line if x >= x0]:
            del line[x]
        line.update(kept)
        blank = self.erase_cell()
        if blank is not BLANK:
            for x in range(cols - count, cols):
                if x >= x0:
                    line[x] = blank

    def _erase_range(self, line: Line, start: int, end: int) -> None:
        blank = self.erase_cell()
        if blank is BLANK:
            if end - start <= len(line):
                pop = line.pop
                for x in range(start, end):
                    pop(x, None)
            else:
                for x in [x for x in line if start <= x < end]:
                    del line[x]
        else:
            line.update(dict.fromkeys(range(start, end), blank))

    def erase_characters(self, count: int | None = None) -> None:
        y, x = self.cursor.y, min(self.cursor.x, self.columns - 1)
        self.dirty.add(y)
        self._erase_range(self.buffer[y], x, min(x + max(count or 1, 1), self.columns))

    def erase_in_line(self, how: int = 0, private: bool = False, *_: Any, **__: Any) -> None:
        y, x = self.cursor.y, self.cursor.x
        cols = self.columns
        if how == 0:
            start, end = x, cols
        elif how == 1:
            start, end = 0, min(x + 1, cols)
        elif how == 2:
            start, end = 0, cols
        else:
            return
        if start >= end:
            return
        blank = self.erase_cell()
        line = self.buffer.get(y)
        if line is None:
            if blank is BLANK:
                return  # an untouched row: nothing to erase, nothing changes
            line = self.buffer[y]
        elif blank is BLANK and (not line or max(line) < start or min(line) >= end):
            if start == 0 and how != 1 and line.continued:
                line.continued = False
            return  # nothing there to erase: the row does not change
        self.dirty.add(y)
        if start == 0 and end == cols and blank is BLANK:
            self.buffer.pop(y, None)
        else:
            self._erase_range(line, start, end)
            if start == 0 and how != 1 and line.continued:
                line.continued = False  # erased from its start: no longer goes on (xterm.js)

    def erase_in_display(self, how: int = 0, *_: Any, **__: Any) -> None:
        """ED 0/1/2 with background-colour erase on every row, touched or not; ED 3
        clears the scrollback only (as xterm does)."""
        y = self.cursor.y
        if how == 0:
            rows = range(y + 1, self.lines)
        elif how == 1:
            rows = range(y)
        elif how == 2:
            rows = range(self.lines)
        elif how == 3:
            if self.on_clear_history is not None and not self.alt_screen:
                self.on_clear_history()
            return
        else:
            return
        self.dirty.update(rows)
        blank = self.erase_cell()
        for row in rows:
            if blank is BLANK:
                self.buffer.pop(row, None)
            else:
                self.buffer[row] = line = _blank_row()
                line.update(dict.fromkeys(range(self.columns), blank))
        if how in (0, 1):
            self.erase_in_line(how)

    def alignment_display(self) -> None:
        """DECALN: fill the screen with E; the margins are reset and the cursor homed
        (xterm, VT510)."""
        self.margins = None
        self.cursor_position()
        self.dirty.update(range(self.lines))
        self.buffer.clear()
        e = BLANK._replace(data="E")
        for y in range(self.lines):
            line = self.buffer[y]
            line.update(dict.fromkeys(range(self.columns), e))

    # -- cursor -------------------------------------------------------------------
    def tab(self) -> None:
        x = self.cursor.x
        stops = [s for s in self.tabstops if s > x and s < self.columns]
        self.cursor.x = min(stops) if stops else self.columns - 1

    def forward_tabs(self, count: int = 0) -> None:
        """CHT (``CSI n I``)."""
        for _ in range(max(1, min(count, self.columns))):
            self.tab()

    def backward_tabs(self, count: int = 0) -> None:
        """CBT (``CSI n Z``)."""
        for _ in range(max(1, min(count, self.columns))):
            x = min(self.cursor.x, self.columns - 1)
            stops = [s for s in self.tabstops if s < x]
            self.cursor.x = max(stops) if stops else 0

    def cursor_back(self, count: int | None = None) -> None:
        if self.cursor.x >= self.columns:
            self.cursor.x = self.columns - 1
        self.cursor.x -= count or 1
        self.ensure_hbounds()

    def cursor_to(self, params: str) -> None:
        """CUP (``CSI line ; column H``) from its parameter text: the common case (no
        origin mode) without the general path's calls."""
        place = _CUP.get(params)
        if place is None:
            p = parse_params(params)
            place = ((p[0] or 1) - 1 if p else 0, (p[1] or 1) - 1 if len(p) > 1 else 0)
            if len(_CUP) > 4096:
                _CUP.clear()
            _CUP[params] = place
        if self.margins is not None and mo.DECOM in self.mode:
            self.cursor_position(place[0] + 1, place[1] + 1)
            return
        cursor = self.cursor
        y, x = place
        cursor.y = y if y < self.lines else self.lines - 1
        cursor.x = x if x < self.columns else self.columns - 1

    def cursor_position(self, line: int | None = None, column: int | None = None) -> None:
        column = (column or 1) - 1
        line = (line or 1) - 1
        if self.margins is not None and mo.DECOM in self.mode:
            line = min(line + self.margins.top, self.margins.bottom)
        self.cursor.x = column
        self.cursor.y = line
        self.ensure_hbounds()
        self.ensure_vbounds()

    def cursor_to_line(self, line: int | None = None) -> None:
        self.cursor.y = (line or 1) - 1
        if mo.DECOM in self.mode and self.margins is not None:
            self.cursor.y += self.margins.top
        self.ensure_vbounds()

    def save_cursor(self) -> None:
        """DECSC: one saved state per screen (normal, alternate), as in xterm: position,
        attributes, character sets, origin mode."""
        self._saved[self.alt_screen] = Savepoint(
            copy.copy(self.cursor),
            self.g0_charset,
            self.g1_charset,
            self.charset,
            mo.DECOM in self.mode,
            mo.DECAWM in self.mode,
        )

    def restore_cursor(self) -> None:
        """DECRC: back to the state DECSC saved on this screen (it stays saved: restoring
        twice restores twice); with none saved, home with default attributes."""
        point = self._saved[self.alt_screen]
        if point is None:
            self.mode.discard(mo.DECOM)
            self.cursor.attrs = BLANK
            self.cursor_position()
            return
        self.g0_charset = point.g0_charset
        self.g1_charset = point.g1_charset
        self.charset = point.charset
        if point.origin:
            self.mode.add(mo.DECOM)
        else:
            self.mode.discard(mo.DECOM)
        saved: CellCursor = point.cursor  # type: ignore[assignment]
        self.cursor.x, self.cursor.y, self.cursor.attrs = saved.x, saved.y, saved.attrs
        self.ensure_hbounds()
        self.ensure_vbounds()

    def set_margins(
        self, top: int | None = None, bottom: int | None = None, *_: Any, **kwargs: Any
    ) -> None:
        if kwargs.get("private"):
            return  # XTRESTORE (CSI ? Pm r): not supported, ignored
        self.margins_to(top or 0, bottom or 0)

    def margins_to(self, top: int, bottom: int) -> None:
        """DECSTBM (``CSI top ; bottom r``) from its parameters (0: not given). The
        resulting margins are cached by (top, bottom, lines): programs that scroll a
        region set and reset it around every scroll."""
        cursor = self.cursor
        if not top and not bottom:
            self.margins = None
            cursor.x = cursor.y = 0  # home
            return
        key = (top, bottom, self.lines)
        margins = _MARGINS.get(key)
        if margins is None:
            last = self.lines - 1
            first = max(0, min((top or 1) - 1, last))
            end = max(0, min((bottom or self.lines) - 1, last))
            margins = Margins(first, end) if end > first else ()
            if len(_MARGINS) > 4096:
                _MARGINS.clear()
            _MARGINS[key] = margins
        if margins:
            self.margins = margins
            cursor.x = 0  # home: the region's top in origin mode
            cursor.y = margins[0] if mo.DECOM in self.mode else 0

    # -- modes --------------------------------------------------------------------
    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        private = bool(kwargs.get("private"))
        if private:
            for m in modes:
                if m in _MOUSE_MODES:
                    self.mouse_tracking = m
                elif m == 66:  # DECNKM: the keypad mode, as ESC =
                    self.app_keypad = True
            bits = [m << 5 for m in modes if (m << 5) not in _IGNORED_PRIVATE]
            alt = [m for m in bits if m in _ALT_MODES]
            rest = [m for m in bits if m not in _ALT_MODES]
            super().set_mode(*(m >> 5 for m in rest), private=True)
            for m in alt:
                self._enter_alt(m)
        else:
            super().set_mode(*[m for m in modes if m in (mo.IRM, mo.LNM)])

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        private = bool(kwargs.get("private"))
        if private:
            for m in modes:
                if m in _MOUSE_MODES:
                    self.mouse_tracking = 0
                elif m == 66:
                    self.app_keypad = False
            bits = [m << 5 for m in modes if (m << 5) not in _IGNORED_PRIVATE]
            alt = [m for m in bits if m in _ALT_MODES]
            rest = [m for m in bits if m not in _ALT_MODES]
            super().reset_mode(*(m >> 5 for m in rest), private=True)
            for m in alt:
                self._leave_alt(m)
        else:
            super().reset_mode(*[m for m in modes if m in (mo.IRM, mo.LNM)])

    def _enter_alt(self, mode: int) -> None:
        if mode == 1048 << 5:
            self.save_cursor()
            return
        if mode == 1049 << 5:
            self.save_cursor()  # on the screen we are on: a nested 1049 h saves the alternate's
        if not self.alt_screen:
            self.alt_screen = True
            self._other_buffer, self.buffer = self.buffer, self._new_buffer()
            self.dirty.update(range(self.lines))

    def _leave_alt(self, mode: int) -> None:
        if mode == 1048 << 5:
            self.restore_cursor()
            return
        if self.alt_screen:
            if mode == 1047 << 5 or mode == 1049 << 5:
                self.buffer.clear()
            self.alt_screen = False
            if self._other_buffer is not None:
                self.buffer = self._other_buffer
            self._other_buffer = None
            self.dirty.update(range(self.lines))
        if mode == 1049 << 5:
            self.restore_cursor()  # also when already on the normal screen (dialog does it)

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            return  # CSI ? Pm m (XTQMODKEYS and friends): not SGR
        current = self.cursor.attrs
        key = (id(current), attrs)
        hit = self._sgr_cache.get(key)
        if hit is not None and hit[0] is current:
            self.cursor.attrs = hit[1]
            return
        if len(self._sgr_cache) > 8192:
            self._sgr_cache.clear()
        new = apply_sgr(current, list(attrs))
        self._sgr_cache[key] = (current, new)
        self.cursor.attrs = new

    def sgr_text(self, params: str) -> None:
        """SGR from its parameter text, cached on (current attributes, text)."""
        current = self.cursor.attrs
        key = (id(current), params)
        hit = self._sgr_text_cache.get(key)
        if hit is not None and hit[0] is current:
            self.cursor.attrs = hit[1]
            return
        if len(self._sgr_text_cache) > 8192:
            self._sgr_text_cache.clear()
        self.select_graphic_rendition(*parse_params(params))
        self._sgr_text_cache[key] = (current, self.cursor.attrs)

    def sgr_run(self, run: str) -> None:
        """A run of SGR sequences and G0 designations (``ESC ( B``, ``ESC ( 0``: the
        stream's merged token), cached on (current attributes, run): full-screen programs
        repeat the same few runs. SGR and the G0 set are independent: only the last
        designation counts."""
        current = self.cursor.attrs
        key = (id(current), run)
        hit = self._sgr_run_cache.get(key)
        if hit is not None and hit[0] is current:
            self.cursor.attrs = hit[1]
            charset = hit[2]
        else:
            for params in _SGR_PARAMS.findall(run):
                self.sgr_text(params)
            at = run.rfind("\x1b(")
            charset = CHARSETS.get(run[at + 2]) if at >= 0 else None
            if len(self._sgr_run_cache) > 8192:
                self._sgr_run_cache.clear()
            self._sgr_run_cache[key] = (current, self.cursor.attrs, charset)
        if charset is not None:
            self.g0_charset = charset

    def define_charset(self, code: str, mode: str) -> None:
        charset = CHARSETS.get(code)
        if charset is not None:
            if mode == "(":
                self.g0_charset = charset
            elif mode == ")":
                self.g1_charset = charset

    # -- the pre-filter's actions, modern queries ------------------------------------
    def perform(self, action: tuple[object, ...]) -> None:
        """Do what the pre-filter turned into an action, where it came in the output."""
        kind = action[0]
        if kind == "reply":
            self.write_process_input(str(action[1]))
        elif kind == "decrqm":
            self.report_mode(bool(action[1]), int(action[2]))  # type: ignore[call-overload]
        elif kind == "decstr":
            self.soft_reset()
        elif kind == "link":
            self.cursor.attrs = with_link(self.cursor.attrs, action[1])  # type: ignore[arg-type]
        elif kind == "colour":
            code, index, terminator = action[1], action[2], action[3]
            self.report_colour(int(code), index, str(terminator))  # type: ignore[call-overload,arg-type]

    def mode_status(self, private: bool, mode: int) -> int:
        """DECRQM's answer for a mode: 1 set, 2 reset, 3 always set, 4 always reset, 0 not
        a mode we know. As xterm.js answers, but mode 2027 (grapheme clusters) is 3."""
        if private:
            if mode in _DEC_FIXED:
                return _DEC_FIXED[mode]
            if mode in _MOUSE_MODES:
                return 1 if self.mouse_tracking == mode else 2
            if mode in (47, 1047, 1049):
                return 1 if self.alt_screen else 2
            if mode == 66:
                return 1 if self.app_keypad else 2
            if mode in _DEC_TRACKED:
                return 1 if (mode << 5) in self.mode else 2
            return 0
        if mode in (4, 20):
            return 1 if mode in self.mode else 2
        return _ANSI_FIXED.get(mode, 0)

    def report_mode(self, private: bool, mode: int) -> None:
        """DECRQM (``CSI ? Ps $ p``, ``CSI Ps $ p``): answer ``CSI ? Ps ; status $ y``."""
        mark = "?" if private else ""
        self.write_process_input(f"\x1b[{mark}{mode};{self.mode_status(private, mode)}$y")

    def report_colour(self, code: int, index: int | None, terminator: str) -> None:
        """OSC 10 / 11 / 12 / 4 queries, answered from ``palette`` (the theme's colours,
        which the widget sets) in xterm's form, with the query's own terminator."""
        palette = self.palette
        if code == 4 and index is not None:
            rgb = palette_rgb(index, palette.ansi)
            self.write_process_input(f"\x1b]4;{index};{x11_colour(rgb)}{terminator}")
            return
        rgb = palette.background if code == 11 else palette.foreground
        self.write_process_input(f"\x1b]{code};{x11_colour(rgb)}{terminator}")

    def soft_reset(self) -> None:
        """DECSTR (``CSI ! p``), as xterm.js does it: cursor shown, insert, origin,
        application cursor keys and keypad, focus events, bracketed paste and synchronized
        output off; autowrap on; full margins; ASCII character sets; default attributes;
        the saved cursor forgotten. The screen, the cursor's place and mouse modes stay."""
        self.mode.difference_update(_SOFT_RESET_OFF)
        self.mode.update((mo.DECTCEM, mo.DECAWM))
        self.cursor.hidden = False
        self.app_keypad = False
        self.margins = None
        self.charset = 0
        self.g0_charset = self.g1_charset = cs.LAT1_MAP
        self.cursor.attrs = BLANK
        self._saved[self.alt_screen] = None

    # -- reports ------------------------------------------------------------------
    def report_device_attributes(self, mode: int = 0, **kwargs: Any) -> None:
        if mode == 0 and not kwargs.get("private"):
            self.write_process_input("\x1b[?1;2c")

    def report_device_status(self, mode: int = 0, *_: Any, **kwargs: Any) -> None:
        private = "?" if kwargs.get("private") else ""
        if mode == 5 and not private:
            self.write_process_input("\x1b[0n")
        elif mode == 6:
            x = min(self.cursor.x, self.columns - 1) + 1  # pending wrap reports column N
            y = self.cursor.y + 1
            if mo.DECOM in self.mode and self.margins is not None:
                y -= self.margins.top
            self.write_process_input(f"\x1b[{private}{y};{x}R")

    def write_process_input(self, data: str) -> None:
        if len(self.replies) < 1024:  # a flood of queries must not grow memory unbounded
            self.replies.append(data)

    def bell(self, *_: Any) -> None:
        self.bell_rang = True

    # -- size ---------------------------------------------------------------------
    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """Resize like xterm: shrinking height keeps the cursor's row on screen (rows
        above scroll off, into the scrollback on the normal screen); the cursor is
        clamped; tab stops cover the new width."""
        lines = max(1, lines or self.lines)
        columns = max(1, columns or self.columns)
        if lines == self.lines and columns == self.columns:
            return
        buffers = [self.buffer]
        if self._other_buffer is not None:
            buffers.append(self._other_buffer)
        if lines < self.lines:
            shift = max(0, self.cursor.y - (lines - 1))
            for n, buf in enumerate(buffers):
                is_normal = (n == 0) != self.alt_screen
                for y in range(shift):
                    row = buf.pop(y, None)
                    if is_normal and self.on_scroll_off is not None:
                        self.on_scroll_off(row if row is not None else Line())
                for y in range(shift, self.lines):
                    row = buf.pop(y, None)
                    if row is not None and y - shift < lines:
                        buf[y - shift] = row
            self.cursor.y -= shift
        if columns < self.columns:
            for buf in buffers:
                for line in buf.values():
                    for x in [x for x in line if x >= columns]:
                        del line[x]
        old_columns = self.columns
        self.lines, self.columns = lines, columns
        if columns > old_columns:
            self.tabstops.update(range(old_columns - old_columns % 8 + 8, columns, 8))
        self.tabstops = {t for t in self.tabstops if t < columns}
        self.margins = None
        self.dirty.update(range(lines))
        self.ensure_hbounds()
        self.ensure_vbounds()
        for point in self._saved:
            if point is not None:
                point.cursor.x = min(point.cursor.x, columns - 1)
                point.cursor.y = min(point.cursor.y, lines - 1)

    def ensure_hbounds(self) -> None:
        self.cursor.x = min(max(0, self.cursor.x), self.columns - 1)


_PARAMS: dict[str, list[int]] = {}
_CUP: dict[str, tuple[int, int]] = {}
_MARGINS: dict[tuple[int, int, int], Margins | tuple[()]] = {}
"""DECSTBM's parameters and screen height → its margins, or () when it is ignored."""
_AREAS: dict[tuple[int, int], tuple[range, Callable[[Any], tuple[Line, ...]], frozenset[int]]] = {}


def _area(top: int, bottom: int) -> tuple[range, Callable[[Any], tuple[Line, ...]], frozenset[int]]:
    """Rows ``top..bottom`` of a scroll: their range, a getter of their rows from a buffer
    (a tuple, in C) and their set (a set merges a set without hashing again). Cached:
    programs scroll the same few regions."""
    area = _AREAS.get((top, bottom))
    if area is None:
        ys = range(top, bottom + 1)
        get = itemgetter(*ys)
        rows_of = get if len(ys) > 1 else lambda buffer: (get(buffer),)
        if len(_AREAS) > 4096:
            _AREAS.clear()
        area = _AREAS[top, bottom] = (ys, rows_of, frozenset(ys))
    return area


def parse_params(text: str) -> list[int]:
    """CSI parameters (empty → 0, capped at 9999 as pyte does). Cached: programs repeat
    the same few; handlers never modify the list."""
    params = _PARAMS.get(text)
    if params is None:
        if len(_PARAMS) > 4096:
            _PARAMS.clear()
        params = _PARAMS[text] = (
            [min(int(p), 9999) if p else 0 for p in text.split(";")] if text else []
        )
    return params
