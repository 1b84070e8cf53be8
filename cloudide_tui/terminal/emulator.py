"""The terminal emulator the widget talks to: bytes in; rows, cursor, modes out.

It hides pyte behind the small interface of ``model.py`` so the widget never sees pyte's
quirks. Data flows: bytes → incremental UTF-8 decoder → ``PreFilter`` (strings, odd CSI,
colon SGR, titles) → fast path for runs of plain scrolling lines (``fastpath.py``) or
``EmulatorStream`` → ``EmulatorScreen`` (pyte subclasses, ``stream.py``, ``screen.py``). Rows that
scroll off the top of the normal screen go to a compact ``Scrollback``.

Costs (200x50, see docs/terminal.md and ``make bench``): the fast path takes
``seq``/``cat``/``ls --color``/``grep --color`` style output at or above tmux's speed
(20-50 MB/s here), also in scroll regions and on the alternate screen; everything else
(full-screen redraws, cursor movement) goes through pyte with our tokeniser at about
2-6 MB/s, so one 64 KiB feed of it blocks for ~10-40 ms (70-140 ms for the worst kind
found, decomposed combining marks): the widget should feed in slices if it must stay responsive.
"""

from __future__ import annotations

import codecs
from bisect import bisect_left

from pyte import modes as mo

from . import fastpath
from .cells import BLANK, Cell
from .model import Cursor, Modes, Row
from .prefilter import PreFilter
from .reflow import reflow
from .rows import cells_to_row
from .screen import EmulatorScreen, Palette
from .scrollback import Scrollback, TextBlock
from .stream import EmulatorStream


class TerminalEmulator:
    """A VT100/xterm emulator on top of pyte (see the module docstring).

    Args:
        columns, lines: the screen size.
        scrollback: how many rows of history to keep (0 disables it).
        fast_path: use the fast path for plain scrolling output. Turning it off gives
            the same results, slower: tests compare the two.
    """

    def __init__(
        self,
        columns: int = 80,
        lines: int = 24,
        *,
        scrollback: int = 10_000,
        fast_path: bool = True,
    ) -> None:
        self._screen = EmulatorScreen(max(1, columns), max(1, lines))
        self._stream = EmulatorStream(self._screen, shortcuts=fast_path)
        self._screen.segment_cache = fast_path
        self._prefilter = PreFilter()
        self._stream.actions = self._prefilter.actions  # replies, DECRQM... in order
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._history = Scrollback(scrollback)
        self._screen.on_scroll_off = self._scroll_off
        self._screen.on_clear_history = self._history.clear
        self._fast = fast_path
        self._suppress = 0
        self._deferred: list[str] | None = None
        self._deferred_start: Cell = BLANK
        self._partial = ""
        self._rows: dict[int, Row] = {}
        self._dirty: set[int] = set(range(self._screen.lines))
        self._title = ""
        self._replies: list[str] = []
        self._clipboard: list[str] = []
        self._bell = False
        self.fast_lines = 0
        """Lines that took the fast path (for tests and the bench)."""
        self.errors = 0
        """Exceptions caught in ``feed`` (a bug if ever non-zero; tests check it)."""

    # -- input --------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Process output from the program. Never raises; split UTF-8 is fine."""
        try:
            text = self._decoder.decode(data)
            text = self._prefilter.feed(text)
            if self._prefilter.title is not None:
                self._title = self._prefilter.title
                self._prefilter.title = None
            if self._prefilter.clipboard:
                self._clipboard += self._prefilter.clipboard
                self._prefilter.clipboard.clear()
            if text:
                if self._fast:
                    self._feed_fast(text)
                else:
                    self._stream.feed(text)
        except Exception:  # last resort: a bug must not kill the terminal
            self.errors += 1
            self._stream.actions.clear()
            self._suppress = 0
            self._deferred = None
            self._partial = ""
            self._screen.dirty.update(range(self._screen.lines))
        screen = self._screen
        if screen.replies:
            self._replies += screen.replies
            screen.replies.clear()
        if screen.bell_rang:
            self._bell = True
            screen.bell_rang = False

    def _feed_fast(self, text: str) -> None:
        screen = self._screen
        if self._partial:
            text = self._partial + text
            self._partial = ""
        if not fastpath.plain_state(screen):
            self._feed_plain(text)
            return
        text = fastpath.nfc_text_runs(text)
        complex_starts: list[int] = []  # found once, when first needed (and if tab stops change)
        tabs_seen: bool | None = None
        pos, n = 0, len(text)
        while pos < n:
            if fastpath.at_fresh_bottom(screen) and (
                self._deferred is not None or screen.cursor.attrs.bg is None
            ):
                tabs_ok = fastpath.default_tabs(screen)
                if tabs_ok is not tabs_seen:
                    complex_starts = fastpath.complex_lines(text, tabs_ok)
                    tabs_seen = tabs_ok
                i = bisect_left(complex_starts, pos)
                limit = complex_starts[i] if i < len(complex_starts) else n
                if limit == pos:
                    # complex lines go to pyte, as many in a row as there are, in one piece
                    end = pos
                    while i < len(complex_starts) and complex_starts[i] == end:
                        k = text.find("\r\n", end)
                        end = k + 2 if k >= 0 else n
                        i += 1
                    self._feed_plain(text[pos:end])
                    pos = end
                    if not fastpath.plain_state(screen):
                        self._feed_plain(text[pos:])
                        return
                    continue
                m = fastpath.SIMPLE_LINES.match(text, pos, limit)
                if m is not None:
                    end = m.end()
                    if not self._fast_lines(text[pos:end]):
                        self._feed_plain(text[pos:end])
                    pos = end
                    continue
            k = text.find("\r\n", pos)
            if k < 0:
                if self._deferred is not None and fastpath.SIMPLE_PARTIAL.match(text, pos):
                    # an unfinished line after deferred ones: keep it for the next chunk
                    # (or until someone looks), so the run of lines stays on the fast path
                    self._partial = text[pos:]
                    return
                self._feed_plain(text[pos:])
                return
            if self._deferred is None:
                top, bottom = fastpath.scroll_area(screen)
                k = fastpath.next_run(text, k, bottom - top + 1)
                if k < 0:  # no line below can start a run of simple lines
                    self._feed_plain(text[pos:])
                    return
            self._feed_plain(text[pos : k + 2])
            pos = k + 2
            if not fastpath.plain_state(screen):
                self._feed_plain(text[pos:])
                return

    def _feed_plain(self, text: str) -> None:
        self._materialize()
        if text.count("\x1b[H") > 1:  # full-screen frames: rows written again later
            screen = self._screen
            text = fastpath.drop_overwritten_rows(text, screen.lines, screen.columns)
        self._stream.feed(text)

    def _fast_lines(self, run: str) -> bool:
        """Process a run of simple lines (see ``fastpath``); False if not worth it.

        The last ``lines - 1`` lines are not drawn yet: they are kept raw in
        ``_deferred`` until someone looks at the screen or other output arrives
        (:meth:`_materialize`), so a flood of lines costs pyte work once per look,
        not once per chunk.
        """
        screen = self._screen
        lines = run.split("\r\n")
        lines.pop()
        top, bottom = fastpath.scroll_area(screen)
        keep = bottom - top
        to_history = top == 0 and bottom == screen.lines - 1 and not screen.alt_screen
        columns = screen.columns
        history = self._history
        deferred = self._deferred
        if deferred is None:
            if len(lines) <= keep:
                return False
            head = lines[: len(lines) - keep]
            rows, continued = self._rows_of(head, columns) if to_history else ([], [])
            # the rows above the cursor scroll off first (unless they'd be dropped anyway)
            if to_history:
                if len(rows) < history.limit:
                    for y in range(keep):
                        history.push_cells(screen.buffer.get(y), columns)
                else:
                    history.pushed += keep
            start = screen.cursor.attrs
            for y in range(top, bottom + 1):
                screen.buffer.pop(y, None)
        else:
            lines = deferred + lines
            head = lines[: len(lines) - keep]
            rows, continued = self._rows_of(head, columns) if to_history else ([], [])
            start = self._deferred_start
        tail = lines[len(lines) - keep :] if keep else []
        # the head's rows go to the scrollback raw; the SGR state after them is computed
        head_text = "\r\n".join(head)
        if start is BLANK and "\x1b" not in head_text and "\t" not in head_text:
            history.push_texts(rows, continued)
        else:
            if rows:
                history.push_block(TextBlock(start, rows, columns), continued)
            start = fastpath.sgr_after(start, head_text, self._sgr)
        self.fast_lines += len(head)
        self._stream.printed = False  # the run ended with CR LF
        screen.dirty.update(range(top, bottom + 1))
        if tail:
            self._deferred = tail
            self._deferred_start = start
        else:
            self._deferred = None
            screen.cursor.attrs = start
        return True

    def _rows_of(self, head: list[str], columns: int) -> tuple[list[str], list[int]]:
        """The screen rows of these lines, and which of them go on from the row before."""
        if not head:
            return head, []
        joined = "".join(head)
        if joined.isascii() and "\t" not in joined and max(map(len, head)) <= columns:
            return head, []
        rows: list[str] = []
        continued: list[int] = []
        for line in head:
            split = fastpath.split_rows(line, columns)
            continued += range(len(rows) + 1, len(rows) + len(split))
            rows += split
        return rows, continued

    def _materialize(self) -> None:
        """Draw the deferred lines: through pyte, on the cleared screen, with the
        scrollback dropping the blank rows this pushes off the top first; then the
        unfinished line kept after them, if any."""
        tail = self._deferred
        if tail is None:
            return
        partial, self._partial = self._partial, ""
        self._deferred = None
        screen = self._screen
        dirty = set(screen.dirty)  # already all rows: drawing adds no new change
        screen.cursor.attrs = self._deferred_start
        top, bottom = fastpath.scroll_area(screen)
        full = top == 0 and bottom == screen.lines - 1 and not screen.alt_screen
        self._suppress = bottom - top if full else 0
        try:
            self._stream.feed("\r\n".join(tail) + "\r\n")
        finally:
            self._suppress = 0
            screen.dirty = dirty
        if partial:
            self._stream.feed(partial)

    def _sgr(self, state: Cell, params: tuple[int, ...]) -> Cell:
        screen = self._screen
        screen.cursor.attrs = state
        screen.select_graphic_rendition(*params)
        return screen.cursor.attrs

    def _scroll_off(self, row: object) -> None:
        if self._suppress:
            self._suppress -= 1
            return
        self._history.push_cells(row, self._screen.columns)  # type: ignore[arg-type]

    def resize(self, lines: int, columns: int) -> None:
        """Resize the screen; every row is dirty. A width change wraps soft-wrapped lines
        again (the normal screen and the scrollback, see ``reflow.py``), so the scrollback
        may gain or lose rows (``history_pushed`` moves by as many)."""
        try:
            self._materialize()
            if max(1, columns) != self._screen.columns:
                reflow(self._screen, self._history, max(1, columns))
            self._screen.resize(max(1, lines), max(1, columns))
        except Exception:
            self.errors += 1
        self._rows.clear()
        self._dirty = set(range(self._screen.lines))
        self._screen.dirty.clear()

    # -- output -------------------------------------------------------------------
    @property
    def columns(self) -> int:
        return int(self._screen.columns)

    @property
    def lines(self) -> int:
        return int(self._screen.lines)

    def _sync(self) -> None:
        dirty = self._screen.dirty
        if dirty:
            lines = self._screen.lines
            for y in dirty:
                self._rows.pop(y, None)
            self._dirty.update(y for y in dirty if 0 <= y < lines)
            dirty.clear()

    def take_dirty(self) -> set[int]:
        """Visible rows changed since the last call."""
        self._sync()
        dirty, self._dirty = self._dirty, set()
        return dirty

    def row(self, y: int) -> Row:
        """Visible row ``y`` (0 = top), ``columns`` cells wide."""
        self._look()
        self._sync()
        row = self._rows.get(y)
        if row is None:
            screen = self._screen
            if not 0 <= y < screen.lines:
                raise IndexError(y)
            row = self._rows[y] = cells_to_row(screen.buffer.get(y), screen.columns)
        return row

    def _look(self) -> None:
        if self._deferred is not None:
            try:
                self._materialize()
            except Exception:
                self.errors += 1

    def wrapped(self, y: int) -> bool:
        """Whether visible row ``y``'s text goes on on row ``y + 1`` (a soft wrap: copy
        the two as one line). False for the last row."""
        self._look()
        if not 0 <= y < self._screen.lines:
            raise IndexError(y)
        row = self._screen.buffer.get(y + 1)
        return bool(row is not None and row.continued)

    def history_wrapped(self, i: int) -> bool:
        """Whether scrollback row ``i`` goes on on the next row (for the newest one kept:
        on the screen's first row)."""
        self._look()
        history = self._history
        if not 0 <= i < len(history):
            raise IndexError(i)
        if i + 1 < len(history):
            return history.continued(i + 1)
        screen = self._screen
        normal = screen._other_buffer if screen.alt_screen else screen.buffer
        row = normal.get(0) if normal is not None else None
        return bool(row is not None and row.continued)

    @property
    def history_size(self) -> int:
        self._look()
        return len(self._history)

    @property
    def history_pushed(self) -> int:
        self._look()
        return self._history.pushed

    def history_row(self, i: int) -> Row:
        """Scrollback row ``i`` (0 = oldest kept), ``columns`` cells wide."""
        self._look()
        if not 0 <= i < len(self._history):
            raise IndexError(i)
        return self._history.row(i, self._screen.columns)

    @property
    def cursor(self) -> Cursor:
        self._look()
        c = self._screen.cursor
        return Cursor(
            x=min(c.x, self._screen.columns - 1),
            y=min(c.y, self._screen.lines - 1),
            visible=mo.DECTCEM in self._screen.mode,
        )

    @property
    def modes(self) -> Modes:
        s = self._screen
        mode = s.mode
        return Modes(
            app_cursor=(1 << 5) in mode,
            app_keypad=s.app_keypad,
            bracketed_paste=(2004 << 5) in mode,
            mouse_tracking=s.mouse_tracking,
            mouse_sgr=(1006 << 5) in mode,
            focus_events=(1004 << 5) in mode,
            alt_screen=s.alt_screen,
            synchronized=(2026 << 5) in mode,
        )

    @property
    def title(self) -> str:
        return self._title

    def take_replies(self) -> bytes:
        """What the terminal must send back to the program (DA, DSR, CPR...)."""
        if not self._replies:
            return b""
        data = "".join(self._replies).encode()
        self._replies.clear()
        return data

    def take_clipboard(self) -> list[str]:
        """Texts the program asked to put on the clipboard (OSC 52) since the last call,
        oldest first. Whether to honour them is the caller's decision (a setting)."""
        texts, self._clipboard = self._clipboard, []
        return texts

    def set_palette(self, palette: Palette) -> None:
        """The colours the program is told when it asks (OSC 10, 11, 12, 4): the theme's."""
        self._screen.palette = palette

    @property
    def synchronized(self) -> bool:
        """The program is in the middle of drawing a frame (mode 2026): better not shown."""
        return (2026 << 5) in self._screen.mode

    def take_bell(self) -> bool:
        """Whether a BEL arrived since the last call."""
        bell, self._bell = self._bell, False
        return bell

    def screen_text(self) -> list[str]:
        """The visible rows as plain text, right-stripped (for tests and debugging)."""
        return ["".join(s.text for s in self.row(y)).rstrip() for y in range(self.lines)]
