"""pyte subclasses: a ``Screen`` that behaves like xterm and a ``Stream`` that parses fast.

pyte 0.8.2 gets many things wrong (see docs/terminal.md and the research note): handlers
that raise on private or surplus parameters, no alternate screen, no REP/SU/SD/CBT/CHT/
HPA/SCOSC, the delete-line bug, partial BCE, no wide-char wrap, zero-width characters
that drop the rest of a chunk, ``ESC ( 0`` ignored. Everything is fixed here by
overriding methods, never by editing pyte.

Input reaching :class:`EmulatorStream` has been cleaned by ``prefilter.py``: every escape
sequence is complete and well formed (``CSI ?? [0-9;]* final`` or ``ESC [ -/]* final``),
so the stream can tokenise with one regular expression instead of pyte's per-character
generator, and dispatch each CSI through a table whose handlers take a parameter list
(surplus or missing parameters can no longer raise).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple

import pyte
from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Margins, StaticDefaultDict, wcwidth

from .colors import sgr_extended
from .model import Color


class Cell(NamedTuple):
    """One cell: pyte's ``Char`` fields plus dim and conceal; colours are model colours
    (None / palette index / rgb tuple), not pyte's names."""

    data: str
    fg: Color = None
    bg: Color = None
    bold: bool = False
    italics: bool = False
    underscore: bool = False
    strikethrough: bool = False
    reverse: bool = False
    blink: bool = False
    dim: bool = False
    conceal: bool = False


BLANK = Cell(" ")

_ON = {1: "bold", 2: "dim", 3: "italics", 4: "underscore", 5: "blink", 6: "blink",
       7: "reverse", 8: "conceal", 9: "strikethrough", 21: "underscore"}
_OFF = {22: ("bold", "dim"), 23: ("italics",), 24: ("underscore",), 25: ("blink",),
        27: ("reverse",), 28: ("conceal",), 29: ("strikethrough",)}
_FIELDS = {name: i for i, name in enumerate(Cell._fields)}


def apply_sgr(attrs: Cell, params: list[int]) -> Cell:
    """The cell attributes after ``CSI params m`` (pure, so callers can cache it)."""
    if not params:
        return BLANK
    values = list(attrs)
    i, n = 0, len(params)
    while i < n:
        p = params[i]
        i += 1
        if p == 0:
            values = list(BLANK)
        elif 30 <= p <= 37:
            values[1] = p - 30
        elif 40 <= p <= 47:
            values[2] = p - 40
        elif 90 <= p <= 97:
            values[1] = p - 82
        elif 100 <= p <= 107:
            values[2] = p - 92
        elif p == 39:
            values[1] = None
        elif p == 49:
            values[2] = None
        elif p == 38 or p == 48 or p == 58:
            color, i, ok = sgr_extended(params, i)
            if ok and p != 58:  # 58: underline colour, not modelled
                values[1 if p == 38 else 2] = color
        elif p in _ON:
            values[_FIELDS[_ON[p]]] = True
        elif p in _OFF:
            for name in _OFF[p]:
                values[_FIELDS[name]] = False
    cell = Cell._make(values)
    return BLANK if cell == BLANK else cell


class _CellCache(dict[str, Cell]):
    """char → Cell for one attribute set, so drawing a character is a dict lookup."""

    __slots__ = ("rest",)

    def __init__(self, attrs: Cell) -> None:
        super().__init__()
        self.rest = tuple(attrs)[1:]

    def __missing__(self, char: str) -> Cell:
        cell = Cell._make((char, *self.rest))
        self[char] = cell
        return cell


Row = StaticDefaultDict  # pyte's sparse row: {x: Cell}, missing cells are blank

_ALT_MODES = (47 << 5, 1047 << 5, 1049 << 5)
_MOUSE_MODES = (1000, 1002, 1003)
_IGNORED_PRIVATE = {3 << 5, 5 << 5}  # DECCOLM (would resize to 132 columns), DECSCNM


class EmulatorScreen(pyte.Screen):
    """A pyte ``Screen`` fixed to behave like xterm (see the module docstring).

    Hooks the emulator sets: ``on_scroll_off(row)`` receives each row that leaves the top
    of the normal screen in a full-screen scroll (the scrollback), ``on_clear_history()``
    is ED 3; ``replies`` collects what must be written back to the program.
    """

    def __init__(self, columns: int, lines: int) -> None:
        self.replies: list[str] = []
        self.bell_rang = False
        self.alt_screen = False
        self.app_keypad = False
        self.mouse_tracking = 0
        self.on_scroll_off: Callable[[StaticDefaultDict[int, Cell]], None] | None = None
        self.on_clear_history: Callable[[], None] | None = None
        self._other_buffer: defaultdict[int, StaticDefaultDict[int, Cell]] | None = None
        self._alt_saved_cursor: Any = None
        self._last_char = ""
        self._caches: dict[Cell, _CellCache] = {}
        self._sgr_cache: dict[tuple[Cell, tuple[int, ...]], Cell] = {}
        super().__init__(columns, lines)

    # -- state --------------------------------------------------------------------
    @property
    def default_char(self) -> Cell:  # type: ignore[override]
        return BLANK

    def _new_buffer(self) -> defaultdict[int, StaticDefaultDict[int, Cell]]:
        return defaultdict(lambda: StaticDefaultDict(BLANK))

    def reset(self) -> None:
        super().reset()
        self.buffer = self._new_buffer()  # type: ignore[assignment]
        self.cursor = pyte.screens.Cursor(0, 0, BLANK)
        self.savepoints = []
        self.alt_screen = False
        self._other_buffer = None
        self.app_keypad = False
        self.mouse_tracking = 0
        self._last_char = ""

    def cells(self, attrs: Cell) -> _CellCache:
        cache = self._caches.get(attrs)
        if cache is None:
            if len(self._caches) > 4096:
                self._caches.clear()
            cache = self._caches[attrs] = _CellCache(attrs)
        return cache

    def erase_cell(self) -> Cell:
        """The cell erase operations leave: blank with the current background (BCE)."""
        bg = self.cursor.attrs.bg
        return BLANK if bg is None else BLANK._replace(bg=bg)

    @property
    def full_margins(self) -> bool:
        m = self.margins
        return m is None or (m.top == 0 and m.bottom == self.lines - 1)

    # -- drawing ------------------------------------------------------------------
    def draw(self, data: str) -> None:
        if self.charset:
            data = data.translate(self.g1_charset)
        elif self.g0_charset is not cs.LAT1_MAP:
            data = data.translate(self.g0_charset)
        if not data:
            return
        if data.isascii() and mo.IRM not in self.mode:
            self._draw_ascii(data)
        else:
            self._draw_unicode(data)
        self._last_char = data[-1]

    def _draw_ascii(self, data: str) -> None:
        cursor = self.cursor
        columns = self.columns
        cells = self.cells(cursor.attrs)
        autowrap = mo.DECAWM in self.mode
        i, n = 0, len(data)
        while i < n:
            if cursor.x >= columns:
                if autowrap:
                    self.dirty.add(cursor.y)
                    cursor.x = 0
                    self.linefeed()
                else:
                    # Without autowrap every further character lands on the last column.
                    self.buffer[cursor.y][columns - 1] = cells[data[n - 1]]
                    break
            x = cursor.x
            take = min(n - i, columns - x)
            line = self.buffer[cursor.y]
            line.update(zip(range(x, x + take), map(cells.__getitem__, data[i:i + take]),
                            strict=True))
            cursor.x = x + take
            i += take
        self.dirty.add(cursor.y)

    def _draw_unicode(self, data: str) -> None:
        cursor = self.cursor
        columns = self.columns
        cells = self.cells(cursor.attrs)
        autowrap = mo.DECAWM in self.mode
        insert = mo.IRM in self.mode
        for char in data:
            width = wcwidth(char)
            if width <= 0:
                if width == 0 and unicodedata.combining(char):
                    self._combine(char)
                continue  # zero-width, non-combining: skip it, keep the rest (pyte breaks)
            if width > 2:
                width = 2
            if cursor.x + width > columns:
                if autowrap and (cursor.x >= columns or width == 2):
                    self.dirty.add(cursor.y)
                    cursor.x = 0
                    self.linefeed()
                else:
                    cursor.x = max(0, columns - width)
            if insert:
                self.insert_characters(width)
            line = self.buffer[cursor.y]
            line[cursor.x] = cells[char]
            if width == 2:
                line[cursor.x + 1] = cells[""]
            cursor.x += width
        self.dirty.add(cursor.y)

    def _combine(self, char: str) -> None:
        cursor = self.cursor
        x, y = cursor.x, cursor.y
        if x:
            line = self.buffer[y]
            x -= 1
            if line[x].data == "" and x:
                x -= 1
        elif y:
            y -= 1
            line = self.buffer[y]
            x = self.columns - 1
        else:
            return
        last = line[x]
        if last.data:
            line[x] = last._replace(data=unicodedata.normalize("NFC", last.data + char))

    def repeat_last(self, count: int = 0) -> None:
        """REP (``CSI n b``): draw the last graphic character n more times."""
        if self._last_char:
            self.draw(self._last_char * max(1, min(count, 65535)))

    # -- scrolling ----------------------------------------------------------------
    def index(self) -> None:
        """Line feed at the bottom margin scrolls; O(rows), never creates empty rows."""
        margins = self.margins
        top, bottom = margins if margins is not None else (0, self.lines - 1)
        cursor = self.cursor
        if cursor.y == bottom:
            buffer = self.buffer
            self.dirty.update(range(self.lines))
            row = buffer.pop(top, None)
            if (
                top == 0
                and bottom == self.lines - 1
                and not self.alt_screen
                and self.on_scroll_off is not None
            ):
                self.on_scroll_off(row if row is not None else StaticDefaultDict(BLANK))
            get = buffer.pop
            for y in range(top, bottom):
                moved = get(y + 1, None)
                if moved is not None:
                    buffer[y] = moved
        elif cursor.y < self.lines - 1:
            cursor.y += 1

    def reverse_index(self) -> None:
        margins = self.margins
        top, bottom = margins if margins is not None else (0, self.lines - 1)
        cursor = self.cursor
        if cursor.y == top:
            self._shift_down(top, bottom, 1)
        elif cursor.y > 0:
            cursor.y -= 1

    def _shift_up(self, top: int, bottom: int, count: int) -> None:
        buffer = self.buffer
        self.dirty.update(range(top, bottom + 1))
        for y in range(top, bottom + 1):
            moved = buffer.pop(y + count, None) if y + count <= bottom else None
            if moved is not None:
                buffer[y] = moved
            else:
                buffer.pop(y, None)

    def _shift_down(self, top: int, bottom: int, count: int) -> None:
        buffer = self.buffer
        self.dirty.update(range(top, bottom + 1))
        for y in range(bottom, top - 1, -1):
            moved = buffer.pop(y - count, None) if y - count >= top else None
            if moved is not None:
                buffer[y] = moved
            else:
                buffer.pop(y, None)

    def linefeed(self) -> None:
        self.index()
        if mo.LNM in self.mode:
            self.cursor.x = 0

    def scroll_up(self, count: int = 0) -> None:
        """SU (``CSI n S``): scroll the region up n lines; the cursor stays."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        self._shift_up(top, bottom, min(max(count, 1), bottom - top + 1))

    def scroll_down(self, count: int = 0) -> None:
        """SD (``CSI n T``)."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        self._shift_down(top, bottom, min(max(count, 1), bottom - top + 1))

    def insert_lines(self, count: int | None = None) -> None:
        top, bottom = self.margins or Margins(0, self.lines - 1)
        y = self.cursor.y
        if top <= y <= bottom:
            self._shift_down(y, bottom, min(max(count or 1, 1), bottom - y + 1))
            self.cursor.x = 0

    def delete_lines(self, count: int | None = None) -> None:
        """DL, with pyte's bug fixed: a row whose replacement was never touched is cleared."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
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

    def _erase_range(self, line: StaticDefaultDict[int, Cell], start: int, end: int) -> None:
        blank = self.erase_cell()
        if blank is BLANK:
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
        self.dirty.add(y)
        if start >= end:
            return
        if start == 0 and end == cols and self.erase_cell() is BLANK:
            self.buffer.pop(y, None)
        else:
            self._erase_range(self.buffer[y], start, end)

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
                self.buffer[row] = line = StaticDefaultDict(BLANK)
                line.update(dict.fromkeys(range(self.columns), blank))
        if how in (0, 1):
            self.erase_in_line(how)

    def alignment_display(self) -> None:
        self.dirty.update(range(self.lines))
        self.buffer.clear()
        e = Cell("E")
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
        super().save_cursor()
        del self.savepoints[:-16]  # DECSC repeated forever must not grow without bound

    def restore_cursor(self) -> None:
        super().restore_cursor()
        self.ensure_hbounds()
        self.ensure_vbounds()

    def set_margins(self, top: int | None = None, bottom: int | None = None,
                    *_: Any, **kwargs: Any) -> None:
        if kwargs.get("private"):
            return  # XTRESTORE (CSI ? Pm r): not supported, ignored
        if not top and not bottom:
            self.margins = None
            self.cursor_position()
            return
        top = max(0, min((top or 1) - 1, self.lines - 1))
        bottom = max(0, min((bottom or self.lines) - 1, self.lines - 1))
        if bottom > top:
            self.margins = Margins(top, bottom)
            self.cursor_position()

    # -- modes --------------------------------------------------------------------
    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        private = bool(kwargs.get("private"))
        if private:
            for m in modes:
                if m in _MOUSE_MODES:
                    self.mouse_tracking = m
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
            bits = [m << 5 for m in modes if (m << 5) not in _IGNORED_PRIVATE]
            alt = [m for m in bits if m in _ALT_MODES]
            rest = [m for m in bits if m not in _ALT_MODES]
            super().reset_mode(*(m >> 5 for m in rest), private=True)
            for m in alt:
                self._leave_alt(m)
        else:
            super().reset_mode(*[m for m in modes if m in (mo.IRM, mo.LNM)])

    def _enter_alt(self, mode: int) -> None:
        if mode == 1049 << 5:
            self._alt_saved_cursor = (self.cursor.x, self.cursor.y, self.cursor.attrs)
        if not self.alt_screen:
            self.alt_screen = True
            self._other_buffer, self.buffer = self.buffer, self._new_buffer()  # type: ignore[assignment]
        if mode == 1049 << 5:
            self.buffer.clear()
        self.dirty.update(range(self.lines))

    def _leave_alt(self, mode: int) -> None:
        if self.alt_screen:
            if mode == 1047 << 5 or mode == 1049 << 5:
                self.buffer.clear()
            self.alt_screen = False
            if self._other_buffer is not None:
                self.buffer = self._other_buffer  # type: ignore[assignment]
            self._other_buffer = None
        if mode == 1049 << 5 and self._alt_saved_cursor is not None:
            self.cursor.x, self.cursor.y, self.cursor.attrs = self._alt_saved_cursor
            self._alt_saved_cursor = None
            self.ensure_hbounds()
            self.ensure_vbounds()
        self.dirty.update(range(self.lines))

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            return  # CSI ? Pm m (XTQMODKEYS and friends): not SGR
        key = (self.cursor.attrs, attrs)
        new = self._sgr_cache.get(key)
        if new is None:
            if len(self._sgr_cache) > 8192:
                self._sgr_cache.clear()
            new = self._sgr_cache[key] = apply_sgr(self.cursor.attrs, list(attrs))
        self.cursor.attrs = new

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
                        self.on_scroll_off(row if row is not None else StaticDefaultDict(BLANK))
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
        for point in self.savepoints:
            point.cursor.x = min(point.cursor.x, columns - 1)
            point.cursor.y = min(point.cursor.y, lines - 1)

    def ensure_hbounds(self) -> None:
        self.cursor.x = min(max(0, self.cursor.x), self.columns - 1)


def _params(text: str) -> list[int]:
    if not text:
        return []
    return [min(int(p), 9999) if p else 0 for p in text.split(";")]


def _first(p: list[int]) -> int:
    return p[0] if p else 0


def _second(p: list[int]) -> int:
    return p[1] if len(p) > 1 else 0


# CSI final → handler(screen, params, private). Private forms no handler understands
# are ignored rather than applied as their public meaning.
_Handler = Callable[[EmulatorScreen, list[int], bool], None]


def _public(fn: Callable[[EmulatorScreen, list[int]], None]) -> _Handler:
    def handler(s: EmulatorScreen, p: list[int], private: bool) -> None:
        if not private:
            fn(s, p)
    return handler


def _scosc(s: EmulatorScreen, p: list[int]) -> None:
    if not p:
        s.save_cursor()


def _scorc(s: EmulatorScreen, p: list[int]) -> None:
    if not p:  # CSI u with parameters is the kitty keyboard protocol: ignore
        s.restore_cursor()


CSI_HANDLERS: dict[str, _Handler] = {
    "@": _public(lambda s, p: s.insert_characters(_first(p))),
    "A": _public(lambda s, p: s.cursor_up(_first(p))),
    "B": _public(lambda s, p: s.cursor_down(_first(p))),
    "C": _public(lambda s, p: s.cursor_forward(_first(p))),
    "D": _public(lambda s, p: s.cursor_back(_first(p))),
    "E": _public(lambda s, p: s.cursor_down1(_first(p))),
    "F": _public(lambda s, p: s.cursor_up1(_first(p))),
    "G": _public(lambda s, p: s.cursor_to_column(_first(p))),
    "`": _public(lambda s, p: s.cursor_to_column(_first(p))),
    "a": _public(lambda s, p: s.cursor_forward(_first(p))),
    "H": _public(lambda s, p: s.cursor_position(_first(p), _second(p))),
    "f": _public(lambda s, p: s.cursor_position(_first(p), _second(p))),
    "d": _public(lambda s, p: s.cursor_to_line(_first(p))),
    "e": _public(lambda s, p: s.cursor_down(_first(p))),
    "I": _public(lambda s, p: s.forward_tabs(_first(p))),
    "Z": _public(lambda s, p: s.backward_tabs(_first(p))),
    "J": lambda s, p, private: s.erase_in_display(_first(p)),
    "K": lambda s, p, private: s.erase_in_line(_first(p)),
    "L": _public(lambda s, p: s.insert_lines(_first(p))),
    "M": _public(lambda s, p: s.delete_lines(_first(p))),
    "P": _public(lambda s, p: s.delete_characters(_first(p))),
    "X": _public(lambda s, p: s.erase_characters(_first(p))),
    "S": _public(lambda s, p: s.scroll_up(_first(p))),
    "T": _public(lambda s, p: s.scroll_down(_first(p)) if len(p) <= 1 else None),
    "b": _public(lambda s, p: s.repeat_last(_first(p))),
    "c": _public(lambda s, p: s.report_device_attributes(_first(p))),
    "n": lambda s, p, private: s.report_device_status(_first(p), private=private),
    "g": _public(lambda s, p: s.clear_tab_stop(_first(p))),
    "h": lambda s, p, private: s.set_mode(*p, private=private) if p else None,
    "l": lambda s, p, private: s.reset_mode(*p, private=private) if p else None,
    "m": lambda s, p, private: s.select_graphic_rendition(*p, private=private),
    "r": lambda s, p, private: s.set_margins(_first(p), _second(p), private=private),
    "s": _public(_scosc),
    "u": _public(_scorc),
}

def _next_line(s: EmulatorScreen) -> None:
    """NEL (``ESC E``): carriage return and index."""
    s.carriage_return()
    s.index()


#: ESC + final (no intermediates) → screen action.
_ESC_HANDLERS: dict[str, Callable[[EmulatorScreen], None]] = {
    "c": lambda s: s.reset(),
    "D": lambda s: s.index(),
    "E": lambda s: _next_line(s),
    "M": lambda s: s.reverse_index(),
    "H": lambda s: s.set_tab_stop(),
    "7": lambda s: s.save_cursor(),
    "8": lambda s: s.restore_cursor(),
    "=": lambda s: setattr(s, "app_keypad", True),
    ">": lambda s: setattr(s, "app_keypad", False),
}

_CONTROLS: dict[str, Callable[[EmulatorScreen], None]] = {
    "\x07": lambda s: s.bell(),
    "\x08": lambda s: s.backspace(),
    "\x09": lambda s: s.tab(),
    "\x0a": lambda s: s.linefeed(),
    "\x0b": lambda s: s.linefeed(),
    "\x0c": lambda s: s.linefeed(),
    "\x0d": lambda s: s.carriage_return(),
    "\x0e": lambda s: s.shift_out(),
    "\x0f": lambda s: s.shift_in(),
}

TOKEN = re.compile(
    r"([^\x00-\x1f\x7f]+)"  # 1: text
    r"|\x1b\[(\??)([0-9;]*)([\x40-\x7e])"  # 2-4: CSI (private, params, final)
    r"|\x1b([\x20-\x2f]*)([\x30-\x7e])"  # 5-6: ESC (intermediates, final)
    r"|([\x00-\x1f\x7f])"  # 7: a C0 control (or a stray ESC)
)


class EmulatorStream(pyte.Stream):
    """A ``pyte.Stream`` whose ``feed`` tokenises with one regular expression.

    pyte's parser is a generator stepped once per control character; this ``feed``
    takes pre-filtered text (complete sequences only), matches text runs, CSI and ESC
    sequences and controls in C, and dispatches through tables whose handlers cannot be
    given the wrong number of arguments. ``use_utf8`` is False in pyte's sense: input is
    already text, and ``ESC ( 0`` selects DEC line drawing.
    """

    def __init__(self, screen: EmulatorScreen) -> None:
        super().__init__(screen)
        self.use_utf8 = False
        self.screen = screen

    def feed(self, data: str) -> None:
        screen = self.screen
        draw = screen.draw
        csi = CSI_HANDLERS
        for m in TOKEN.finditer(data):
            kind = m.lastindex
            if kind == 1:
                draw(m.group(1))
            elif kind == 4:
                final = m.group(4)
                if final == "m" and not m.group(2):
                    screen.select_graphic_rendition(*_params(m.group(3)))
                else:
                    handler = csi.get(final)
                    if handler is not None:
                        handler(screen, _params(m.group(3)), bool(m.group(2)))
            elif kind == 6:
                self._escape(m.group(5), m.group(6))
            else:
                control = _CONTROLS.get(m.group(7))
                if control is not None:
                    control(screen)

    def _escape(self, intermediates: str, final: str) -> None:
        screen = self.screen
        if not intermediates:
            handler = _ESC_HANDLERS.get(final)
            if handler is not None:
                handler(screen)
        elif intermediates == "#" and final == "8":
            screen.alignment_display()
        elif intermediates in ("(", ")") and final in cs.MAPS:
            screen.define_charset(final, intermediates)
