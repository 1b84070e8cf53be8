"""The terminal widget: a ``ShellSession`` shown through our VT emulator, Line API style.

It knows nothing of Docker: it is handed a session (bytes out, bytes in, resize, close)
and drives a ``TerminalEmulator`` with it. The design follows from measurements
(docs/terminal-widget.md, research note §2, §6, bench/bench_widget.py):

* **Output never freezes the app.** A reader task pulls ``session.read()`` into an
  ``OutputPump`` (``terminal_pump.py``), which parses it in large batches in a worker
  thread and bounds how much is read ahead (back-pressure on the program).
* **The widget shows a snapshot.** After each batch, with the emulator's lock held, the
  widget takes the dirty rows, cursor, modes and sizes; rendering, keys and mouse use that
  snapshot and never wait for the parser.
* **Render once per frame, only what changed.** Dirty rows drop their cached Strips and
  refresh their regions; Strips are built lazily in ``render_line``.
* **The cursor, the selection and the scroll position are overlays**, never baked into
  the cached Strips.

The widget owns the session it is given: it lets it go when replaced or unmounted
(``ShellSession.detach``: a local shell ends with its only viewer, a server's runs on).
Answers to the program's queries go back through ``ShellSession.reply`` (a shared shell
takes one viewer's), not as typed input.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rich.color import Color as RichColor
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.defaults import MIN_CONTRAST
from cloudide_tui.messages import OpenLink
from cloudide_tui.terminal.colors import RGB
from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.graphemes import text_cells
from cloudide_tui.terminal.keys import APP_KEYS, SCROLL_KEYS, encode_key
from cloudide_tui.terminal.model import Cursor, Modes, Row
from cloudide_tui.terminal.mouse import MouseAction, encode_mouse, wants_report
from cloudide_tui.terminal.screen import Palette
from cloudide_tui.widgets.key_routing import hand_on_if_left, run_screen_binding
from cloudide_tui.widgets.terminal_find import link_at
from cloudide_tui.widgets.terminal_pump import OutputPump
from cloudide_tui.widgets.terminal_render import (
    StyleCache,
    overlay_right,
    restyle_cells,
    row_cells,
    row_strip,
)
from cloudide_tui.widgets.terminal_selection import Selection

_closing: set[asyncio.Task[None]] = set()
"""Sessions being hung up after their widget went (kept here until done)."""


async def _detach_quietly(session: ShellSession) -> None:
    """Stop showing ``session``: a local shell ends, a server's runs on (``detach``)."""
    with contextlib.suppress(Exception):  # a dead transport must not raise from nowhere
        await session.detach()


READ_TURN = 0.002
"""Seconds the reader may keep reading ready output before letting others run."""

RESIZE_DELAY = 0.06
"""A window drag resizes the emulator and the PTY at most this often, ending at the last size."""

BELL_FLASH = 0.15
"""Seconds the widget is tinted when the program rings the bell."""

WHEEL_LINES = 3
"""History lines per wheel step."""

RESET_MODES = (
    b"\x1b[?1l\x1b>\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l"
    b"\x1b[?1006l\x1b[?1004l\x1b[?2026l\x1b[?25h\x1b[0m\x1b]8;;\x1b\\"
)
"""Fed to the emulator on restart: the dead program's input modes must not stick (and
``CSI ? 1049 l`` first if it left the alternate screen on: it restores the cursor, which
on the normal screen would send it home)."""


def _triplet(color: RichColor | None, default: RGB) -> RGB:
    if color is None:
        return default
    red, green, blue = color.get_truecolor()
    return (red, green, blue)


@dataclass(frozen=True, slots=True)
class _Reply:
    """The emulator's answer to a query, queued in order with the input."""

    data: bytes


class Terminal(ScrollView, can_focus=True):
    """An interactive terminal on a ``ShellSession``.

    Args:
        session: The session to show (can also be given later with ``attach``).
        scrollback: How many lines of history to keep.
        allow_clipboard: Let programs set the clipboard (OSC 52: a remote program could
            otherwise fill it without the user knowing); the app's setting.
        name: The widget's name. id: Its DOM id. classes: Its CSS classes.
    """

    ALLOW_SELECT = False  # the terminal draws and copies its own selection
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "terminal--selection",
        "terminal--match",
        "terminal--match-current",
        "terminal--badge",
    }

    DEFAULT_CSS = """
    Terminal {
        background: $background;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        width: 1fr;
        height: 1fr;
    }
    Terminal.-bell {
        tint: $warning 25%;
    }
    Terminal > .terminal--selection {
        background: $primary 60%;
    }
    Terminal > .terminal--match {
        background: $warning 40%;
    }
    Terminal > .terminal--match-current {
        background: $warning;
        color: $background;
    }
    Terminal > .terminal--badge {
        background: $primary;
        color: $text;
        text-style: bold;
    }
    """

    @dataclass
    class TitleChanged(Message):
        """The program set the window title (OSC 0/2): show it in the tab."""

        terminal: Terminal
        title: str

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class Exited(Message):
        """The session ended; ``reason`` is in words, ``status`` the exit status if known."""

        terminal: Terminal
        status: int | None
        reason: str

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class RestartRequested(Message):
        """The user pressed Enter on an ended session: give me a new one (``attach``)."""

        terminal: Terminal

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class Copied(Message):
        """A mouse selection was copied to the clipboard (``text``)."""

        terminal: Terminal
        text: str

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class Bell(Message):
        """The program rang the bell."""

        terminal: Terminal

        @property
        def control(self) -> Terminal:
            return self.terminal

    def __init__(
        self,
        session: ShellSession | None = None,
        *,
        scrollback: int = 10_000,
        allow_clipboard: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.allow_clipboard = allow_clipboard
        """Let programs set the clipboard (OSC 52); off, their requests are dropped."""
        self._told_about_clipboard = False
        self._emulator = TerminalEmulator(80, 24, scrollback=scrollback)
        self._pump = OutputPump(self._emulator, self._publish)
        self._session: ShellSession | None = session
        self._generation = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._io_tasks: set[asyncio.Task[Any]] = set()
        """The reader, pump and writer on the current session (a restart replaces them)."""
        self._input: asyncio.Queue[bytes | tuple[int, int] | _Reply] = asyncio.Queue()
        self._ended = False
        self._end_reason: str | None = None
        # the snapshot the widget shows, taken after each parsed batch (see _publish)
        self._rows: dict[int, Row] = {}
        self._wrapped: list[bool] = []  # per visible row: its text goes on on the next
        self._cursor = Cursor(0, 0)
        self._modes = Modes()
        self._lines, self._columns = self._emulator.lines, self._emulator.columns
        self._history_size = 0
        self._history_pushed = 0
        self._shown_rows = 0  # history rows reachable by scrolling (0 on the alt screen)
        self._title = ""
        self._styles: StyleCache | None = None
        self._screen_strips: dict[int, Strip] = {}
        self._row_strips: LRUCache[Row, Strip] = LRUCache(256)
        self._history_strips: LRUCache[int, Strip] = LRUCache(2048)
        self._missed_history = False
        self._resize_timer: Timer | None = None
        self._sized = False
        self._size_known = asyncio.Event()
        """Set once the emulator has the widget's size: output is read only from then on,
        so that a redraw made for this size (a server's snapshot) lands on a screen of
        that size, not on the made-up 80x24 of a widget not laid out yet."""
        self._sent_size: tuple[int, int] | None = None
        self._bell_timer: Timer | None = None
        self._mouse_button = 0  # button held while the program gets the mouse
        self._selection = Selection()
        self._min_contrast = MIN_CONTRAST
        self._marks: dict[int, list[tuple[int, int, bool]]] = {}
        self._banner = ""

    # -- public API ----------------------------------------------------------------------
    @property
    def emulator(self) -> TerminalEmulator:
        """The emulator behind the screen. It is parsed in a worker thread: read it only
        through ``read_emulator`` while a session runs."""
        return self._emulator

    def read_emulator(self, reader: Callable[[TerminalEmulator], Any]) -> Any:
        """Call ``reader(emulator)`` while no batch is being parsed (waits for one)."""
        with self._pump.lock:
            return reader(self._emulator)

    @property
    def min_contrast(self) -> float:
        """Text is drawn at least this contrast ratio (WCAG) from its background, whatever
        the program chose (1: colours as chosen). ``defaults.MIN_CONTRAST``."""
        return self._min_contrast

    @min_contrast.setter
    def min_contrast(self, ratio: float) -> None:
        self._min_contrast = ratio
        self.notify_style_update()
        self.refresh()

    @property
    def session(self) -> ShellSession | None:
        """The session being shown, if any."""
        return self._session

    @property
    def ended(self) -> bool:
        """True once the session has ended and its end was shown."""
        return self._ended

    @property
    def backlog(self) -> int:
        """Bytes read from the session and not parsed yet (0 when the screen is current)."""
        return self._pump.backlog

    @property
    def title(self) -> str:
        """The title the program last set."""
        return self._title

    @property
    def modes(self) -> Modes:
        """The program's input modes, as of the last parsed output."""
        return self._modes

    @property
    def cursor(self) -> Cursor:
        """The program's cursor, as of the last parsed output."""
        return self._cursor

    @property
    def screen_size(self) -> tuple[int, int]:
        """(lines, columns) of the emulated screen."""
        return self._lines, self._columns

    def screen_rows(self) -> list[Row]:
        """The visible screen as last published (no history)."""
        return [self._rows.get(y, ()) for y in range(self._lines)]

    def text_rows(self, visible_only: bool = False) -> list[tuple[int, Row]]:
        """Every line one can scroll to (history, then the screen), or only those in
        view, as (absolute line number, row): what search and link finding read. The
        line numbers are the ones ``mark`` and ``scroll_to_line`` take."""

        def read(emulator: TerminalEmulator) -> list[tuple[int, Row]]:
            first = emulator.history_pushed - emulator.history_size
            history = [] if emulator.modes.alt_screen else range(emulator.history_size)
            rows = [(first + i, emulator.history_row(i)) for i in history]
            rows += [(emulator.history_pushed + y, emulator.row(y)) for y in range(emulator.lines)]
            return rows

        rows: list[tuple[int, Row]] = self.read_emulator(read)
        if visible_only:
            top = self._absolute(self.scroll_offset.y)
            height = self.scrollable_content_region.height
            rows = [(line, row) for line, row in rows if top <= line < top + height]
        return rows

    def mark(self, spans: Iterable[tuple[int, int, int]], current: int | None = None) -> None:
        """Highlight cells (search matches): ``(line, start, end)`` each, ``[start, end)``
        columns of an absolute line; the one at index ``current`` stands out. An empty
        ``spans`` removes the highlights."""
        marks: dict[int, list[tuple[int, int, bool]]] = {}
        for index, (line, start, end) in enumerate(spans):
            marks.setdefault(line, []).append((start, end, index == current))
        self._marks = marks
        self.refresh()

    def scroll_to_line(self, line: int) -> None:
        """Bring absolute ``line`` into view (a third from the top), if it is still kept."""
        virtual = line - self._absolute(0)
        if 0 <= virtual < self.virtual_size.height:
            height = self.scrollable_content_region.height
            self.scroll_to(y=max(0, virtual - height // 3), animate=False, immediate=True)

    @property
    def banner(self) -> str:
        """A note shown over the top right corner ("reconnecting…"); "" for none."""
        return self._banner

    @banner.setter
    def banner(self, text: str) -> None:
        if text != self._banner:
            self._banner = text
            self.refresh(Region(0, 0, self.scrollable_content_region.width, 1))

    @property
    def _live_top(self) -> int:
        """The scroll position that shows the live screen: its last rows, or its top when
        it is taller than the view (a shared shell at a bigger viewer's size)."""
        return max(0, min(round(self.max_scroll_y), self._shown_rows))

    @property
    def scrolled_back(self) -> int:
        """How many lines the view is above the live screen (0: following the output)."""
        return max(0, round(self._live_top - self.scroll_offset.y))

    def attach(self, session: ShellSession) -> None:
        """Show ``session`` from now on (a restart): the old one is closed, the screen and
        scrollback are kept, the dead program's input modes are reset."""
        old = self._session
        self._session = session
        if old is not None and old is not session:
            self._spawn(old.detach())
        if self.is_mounted:
            self._start()

    # -- life cycle ----------------------------------------------------------------------
    def on_mount(self) -> None:
        self._apply_resize()
        self._send_palette()
        if self._session is not None:
            self._start()

    def _send_palette(self) -> None:
        """Tell the emulator the theme's colours: programs that ask (OSC 10, 11, 4: vim,
        neovim choose a dark or light scheme from them) get what the user sees."""
        base = self.rich_style
        colours = self.app.ansi_theme.ansi_colors
        ansi: tuple[RGB, ...] = tuple(
            (c.red, c.green, c.blue) for c in (colours[i] for i in range(16))
        )
        palette = Palette(
            foreground=_triplet(base.color, (229, 229, 229)),
            background=_triplet(base.bgcolor, (0, 0, 0)),
            ansi=ansi,
        )
        emulator = self._emulator
        self._pump.with_emulator(lambda: emulator.set_palette(palette))

    def on_unmount(self) -> None:
        self._stop_tasks()
        if self._session is not None:
            # Detached (a local shell: hung up) in the background: a view going away never
            # waits on the engine (closing may take seconds when it is slow to answer).
            task = asyncio.get_running_loop().create_task(_detach_quietly(self._session))
            _closing.add(task)
            task.add_done_callback(_closing.discard)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _stop_tasks(self) -> None:
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()

    def _start(self) -> None:
        """(Re)start the reader, pump and writer on the current session."""
        session = self._session
        assert session is not None
        restarting = self._generation > 0
        self._generation += 1
        for task in list(self._io_tasks):
            task.cancel()
        old_pump = self._pump
        self._pump = OutputPump(self._emulator, self._publish)
        self._pump.lock = old_pump.lock  # a cancelled batch may still be parsing
        if restarting:
            self._input = asyncio.Queue()  # the first session gets what was typed before it
        self._ended = False
        self._end_reason = None
        if restarting:
            emulator = self._emulator

            def reset() -> None:
                if emulator.modes.alt_screen:
                    emulator.feed(b"\x1b[?1049l")
                emulator.feed(RESET_MODES)
                if emulator.cursor.x:
                    emulator.feed(b"\r\n")

            self._pump.with_emulator(reset)
        self._sent_size = None
        if self._sized:  # else the first layout sends it (never a made-up 80x24)
            width, height = self.scrollable_content_region.size
            self._send_size(height, width)
        for coro in (
            self._read_loop(session, self._pump),
            self._pump_loop(self._pump, self._generation),
            self._write_loop(session, self._input),
        ):
            task = self._spawn(coro)
            self._io_tasks.add(task)
            task.add_done_callback(self._io_tasks.discard)

    # -- output path ---------------------------------------------------------------------
    async def _read_loop(self, session: ShellSession, pump: OutputPump) -> None:
        """Pull output into the pump; stop pulling while its backlog is full."""
        clock = time.perf_counter
        try:
            await self._size_known.wait()
            turn = clock()
            shown_size = None
            while True:
                data = await session.read()
                if not data:
                    break
                size = session.shell_size
                if size is not None and size != shown_size:
                    shown_size = size
                    pump.push_operation(partial(self._show_shell_size, pump.emulator, *size))
                pump.push(data)
                await pump.wait_for_space()
                # A flood has data ready on every read: without a yield the loop would
                # read up to the whole backlog limit in one turn (measured: 100+ ms).
                if clock() - turn > READ_TURN:
                    await asyncio.sleep(0)
                    turn = clock()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken transport ends the session, it never crashes
            self._end_reason = str(exc) or type(exc).__name__
        pump.end()

    async def _pump_loop(self, pump: OutputPump, generation: int) -> None:
        """Parse until the session's output ends, then show the end."""
        await pump.run()
        if generation == self._generation:
            self._show_end()

    async def _write_loop(
        self, session: ShellSession, queue: asyncio.Queue[bytes | tuple[int, int] | _Reply]
    ) -> None:
        """Send input, answers and resizes to the session, in order, without blocking the UI."""
        while True:
            item = await queue.get()
            try:
                if isinstance(item, tuple):
                    await session.resize(*item)
                elif isinstance(item, _Reply):
                    await session.reply(item.data)
                else:
                    await session.write(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # the session is gone: its end is reported by the reader
                pass

    def _send(self, data: bytes) -> None:
        """Queue input for the program (keys, pastes, mouse reports, replies). Before the
        first session is attached (a shell still opening) it waits in the queue: what
        the user typed meanwhile is sent first."""
        if not self._ended and (self._session is not None or self._generation == 0):
            self._input.put_nowait(data)

    def _show_end(self) -> None:
        """The session ended: say why on the last line, offer a restart, tell the app."""
        session = self._session
        status = session.exit_status if session is not None else None
        reason = self._end_reason or (session.end_reason if session is not None else None)
        reason = reason or "session ended"
        # The backend's reason may name the status already ("shell exited (status 0)").
        named = status is None or f"status {status}" in reason
        words = reason if named else f"{reason} (status {status})"
        emulator = self._emulator

        def write_end() -> None:
            newline = "" if emulator.cursor.x == 0 else "\r\n"
            line = f"\x1b[0m{newline}\x1b[7m[{words}] Press Enter to restart\x1b[0m\x1b[?25l"
            emulator.feed(line.encode())
            self._publish()

        with self._pump.lock:  # free unless a batch of a replaced session is finishing
            write_end()
        self._ended = True
        self.post_message(self.Exited(self, status, reason))

    # -- publishing parsed output --------------------------------------------------------
    def _publish(self) -> None:
        """Take the snapshot the widget shows (the emulator's lock is held): dirty rows,
        cursor, modes, sizes; follow or keep the view; title, bell, replies, host cursor."""
        emulator = self._emulator
        dirty: Iterable[int] = emulator.take_dirty()
        lines, columns = emulator.lines, emulator.columns
        if (lines, columns) != (self._lines, self._columns):
            self._lines, self._columns = lines, columns
            self._rows.clear()
            self._screen_strips.clear()
            self._history_strips.clear()
            dirty = set(range(lines))
        # A full-screen program rewrites every row of every frame (top, htop, vim's
        # redraws) though few of them change: a row equal to the one shown keeps its
        # Strip and is not redrawn. (Not while rows leave for the scrollback: then the
        # absolute line numbers a selection is drawn by move.)
        rows = self._rows
        same_lines = emulator.history_pushed == self._history_pushed
        changed: list[int] = []
        for y in dirty:
            if y < lines:
                row = emulator.row(y)
                if same_lines and rows.get(y) == row:
                    continue
                rows[y] = row
            self._screen_strips.pop(y, None)
            changed.append(y)
        dirty = changed
        old_cursor, self._cursor = self._cursor, emulator.cursor
        if old_cursor != self._cursor:  # the cursor is drawn over its row
            changed += (old_cursor.y, self._cursor.y)
        self._modes = emulator.modes
        self._wrapped = [emulator.wrapped(y) for y in range(lines)]
        self._take_clipboard(emulator.take_clipboard())
        self._history_size = emulator.history_size
        self._history_pushed = emulator.history_pushed
        replies = emulator.take_replies()
        if replies and not self._ended and self._session is not None:
            self._input.put_nowait(_Reply(replies))
        title = emulator.title
        bell = emulator.take_bell()

        shown = 0 if self._modes.alt_screen else self._history_size
        following = self.scroll_offset.y >= self._live_top
        top_line = self._absolute(self.scroll_offset.y)
        virtual = Size(columns, shown + lines)
        if shown != self._shown_rows or self.virtual_size != virtual or self._missed_history:
            self._missed_history = False
            self._shown_rows = shown
            self.virtual_size = virtual
            if following:
                self.scroll_to(y=shown, animate=False, immediate=True)
            else:
                self.scroll_to(y=max(0, top_line - self._dropped()), animate=False, immediate=True)
            self.refresh()
        elif dirty:
            height = self.scrollable_content_region.height
            if len(dirty) * 2 > height:
                self.refresh()
            else:
                width = self.scrollable_content_region.width
                offset = shown - self.scroll_offset.y
                for y in dirty:
                    if 0 <= y + offset < height:
                        self.refresh(Region(0, y + offset, width, 1))

        if title != self._title:
            self._title = title
            self.post_message(self.TitleChanged(self, title))
        if bell:
            self._ring()
        self._place_host_cursor()

    def _take_clipboard(self, texts: list[str]) -> None:
        """What programs asked to copy (OSC 52): copied if the setting allows it; else
        dropped, and the user told once how to allow it."""
        if not texts:
            return
        if self.allow_clipboard:
            self.app.copy_to_clipboard(texts[-1])
        elif not self._told_about_clipboard:
            self._told_about_clipboard = True
            self.notify(
                "A program in the terminal asked to set the clipboard; "
                "set clipboard_from_programs to allow it.",
                title="Clipboard",
                severity="warning",
            )

    def _ring(self) -> None:
        self.add_class("-bell")
        if self._bell_timer is not None:
            self._bell_timer.stop()
        self._bell_timer = self.set_timer(BELL_FLASH, lambda: self.remove_class("-bell"))
        self.post_message(self.Bell(self))

    def _place_host_cursor(self) -> None:
        """Put the real cursor where the program's is, so IME composition appears there."""
        if not self.has_focus:
            return
        cursor = self._cursor
        region = self.scrollable_content_region
        y = self._shown_rows + cursor.y - self.scroll_offset.y
        if 0 <= y < region.height:
            self.app.cursor_position = Offset(
                region.x + min(cursor.x, region.width - 1), region.y + y
            )

    # -- rendering -----------------------------------------------------------------------
    def _style_cache(self) -> StyleCache:
        if self._styles is None:
            base = self.rich_style
            app = self.app
            self._styles = StyleCache(
                Style(color=base.color, bgcolor=base.bgcolor),
                # With the host's own ANSI palette (native ANSI themes) nothing is known.
                palette=None if app.native_ansi_color else app.ansi_theme,
                min_contrast=self.min_contrast,
            )
        return self._styles

    def notify_style_update(self) -> None:
        """The theme (or CSS) changed: every cached style and Strip is stale, and the
        colours programs are told change."""
        super().notify_style_update()
        self._styles = None
        self._screen_strips.clear()
        self._row_strips.clear()
        self._history_strips.clear()
        if self.is_mounted:
            self._send_palette()

    def _dropped(self) -> int:
        """History rows discarded so far: absolute line number of history row 0."""
        return self._history_pushed - self._history_size

    def _absolute(self, virtual_y: int) -> int:
        """The absolute line number of a virtual (scrollable) line: stable while output
        scrolls, so a scrolled-back view and a selection stay on their text."""
        if self._shown_rows:
            return self._dropped() + virtual_y
        return self._history_pushed + virtual_y

    def _history_row(self, index: int, wait: bool) -> Row | None:
        """History row ``index`` of the snapshot; None if it is gone, or if a batch is
        being parsed and ``wait`` is False (the view is refreshed after the batch)."""
        lock = self._pump.lock
        if not lock.acquire(blocking=wait):
            self._missed_history = True
            return None
        try:
            emulator = self._emulator
            shift = emulator.history_pushed - emulator.history_size - self._dropped()
            position = index - shift
            if not 0 <= position < emulator.history_size:
                return None
            return emulator.history_row(position)
        finally:
            lock.release()

    def _row_at(self, virtual_y: int) -> Row | None:
        if virtual_y < self._shown_rows:
            return self._history_row(virtual_y, wait=True)
        return self._rows.get(virtual_y - self._shown_rows)

    def _strip_at(self, virtual_y: int) -> Strip | None:
        styles = self._style_cache()
        if virtual_y < self._shown_rows:
            key = self._dropped() + virtual_y
            strip = self._history_strips.get(key)
            if strip is None:
                row = self._history_row(virtual_y, wait=False)
                if row is None:
                    return None
                strip = row_strip(row, styles)
                self._history_strips[key] = strip
            return strip
        y = virtual_y - self._shown_rows
        strip = self._screen_strips.get(y)
        if strip is None:
            row = self._rows.get(y)
            if row is None:
                return None
            # Output that scrolls moves each row's text up a row: the Strip made for it
            # there is found by content, not made again (fewer objects for the collector)
            strip = self._row_strips.get(row)
            if strip is None:
                strip = row_strip(row, styles)
                self._row_strips[row] = strip
            self._screen_strips[y] = strip
        return strip

    def render_lines(self, crop: Region) -> list[Strip]:
        # timed: the pump spaces publications by what they cost to show (a flood of
        # full-screen redraws must not spend the parser's CPU on frames)
        start = time.perf_counter()
        strips = super().render_lines(crop)
        self._pump.render_cost += time.perf_counter() - start
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        styles = self._style_cache()
        virtual_y = self.scroll_offset.y + y
        strip = self._strip_at(virtual_y)
        if strip is None:
            return Strip.blank(width, styles.base)
        strip = strip.adjust_cell_length(max(width, self._columns), styles.base)
        line = self._absolute(virtual_y)
        strip = self._overlay_selection(strip, line)
        for start, end, current in self._marks.get(line, ()):
            name = "terminal--match-current" if current else "terminal--match"
            strip = restyle_cells(strip, start, end, self.get_component_rich_style(name))
        cursor = self._cursor
        if (
            cursor.visible
            and not self._ended
            and virtual_y - self._shown_rows == cursor.y
            and self.scroll_offset.y >= self._live_top
        ):
            x = min(cursor.x, self._columns - 1)
            cells = row_cells(self._rows.get(cursor.y, ()))
            span = 2 if x + 1 < len(cells) and cells[x + 1] == "" else 1
            change = None if self.has_focus else Style(underline=True)
            strip = restyle_cells(strip, x, x + span, change)
        strip = strip.crop(0, width) if strip.cell_length > width else strip
        if y == 0 and self.scrolled_back:
            badge = f" ↑ {self.scrolled_back} lines back · Shift+PgDn "
            strip = overlay_right(strip, badge, self.get_component_rich_style("terminal--badge"))
        elif y == 0 and self._banner:
            strip = overlay_right(
                strip, f" {self._banner} ", self.get_component_rich_style("terminal--badge")
            )
        return strip

    # -- keys and paste ------------------------------------------------------------------
    async def on_key(self, event: events.Key) -> None:
        key = event.key
        if key in APP_KEYS:
            await run_screen_binding(self, event)  # the app's (unbound: it bubbles)
            return
        if hand_on_if_left(self, event):  # never to the shell once the focus has left
            return
        event.stop()
        event.prevent_default()
        if key in SCROLL_KEYS:
            page = max(1, self.scrollable_content_region.height - 1)
            self.scroll_to(
                y=self.scroll_offset.y + SCROLL_KEYS[key] * page, animate=False, immediate=True
            )
            return
        if self._ended:
            if key == "enter":
                self.post_message(self.RestartRequested(self))
            return
        data = encode_key(key, event.character, self._modes)
        if data:
            self._snap_to_bottom()
            self._send(data)

    def type_key(self, key: str, character: str | None = None) -> None:
        """Send one key to the program as if it was typed here (Textual's key name): how
        the app hands on a key it took first (the prefix key pressed twice)."""
        data = None if self._ended else encode_key(key, character, self._modes)
        if data:
            self._snap_to_bottom()
            self._send(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        if self._ended or not event.text:
            return
        text = event.text.replace("\r\n", "\r").replace("\n", "\r")
        if self._modes.bracketed_paste:
            text = "\x1b[200~" + text.replace("\x1b[201~", "") + "\x1b[201~"
        self._snap_to_bottom()
        self._send(text.encode("utf-8", "surrogateescape"))

    def _snap_to_bottom(self) -> None:
        """Any input brings the view back to the live screen (and drops the selection)."""
        self._clear_selection()
        if self.scroll_offset.y < self._live_top:
            self.scroll_to(y=self._live_top, animate=False, immediate=True)

    # -- focus ---------------------------------------------------------------------------
    def on_focus(self, event: events.Focus) -> None:
        if self._modes.focus_events:
            self._send(b"\x1b[I")
        self._refresh_cursor_row()
        self._place_host_cursor()

    def on_blur(self, event: events.Blur) -> None:
        if self._modes.focus_events:
            self._send(b"\x1b[O")
        self._refresh_cursor_row()

    def _refresh_cursor_row(self) -> None:
        y = self._shown_rows + self._cursor.y - self.scroll_offset.y
        self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    # -- resize --------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        if not self._sized:
            self._apply_resize()
        elif self._resize_timer is None:
            self._resize_timer = self.set_timer(RESIZE_DELAY, self._apply_resize)

    def _apply_resize(self) -> None:
        """Give the emulator and the PTY the widget's current size (the latest one)."""
        self._resize_timer = None
        width, height = self.scrollable_content_region.size
        if width <= 0 or height <= 0:
            return
        self._sized = True
        emulator = self._emulator

        def resize() -> None:
            if (height, width) != (emulator.lines, emulator.columns):
                emulator.resize(height, width)
                self._publish()
                self.refresh()

        self._pump.with_emulator(resize)
        self._send_size(height, width)
        self._size_known.set()

    def _show_shell_size(self, emulator: TerminalEmulator, rows: int, cols: int) -> None:
        """Lay the screen out at the shell's size (the pump calls it, lock held, before
        the output made for that size): a shared shell takes the size of whoever typed
        or resized last (as tmux's "latest"), and output wrapped for another viewer's
        width would be garbled at ours. Typing here makes it ours again."""
        if (rows, cols) != (emulator.lines, emulator.columns) and rows > 0 and cols > 0:
            emulator.resize(rows, cols)
            self._publish()
            self.refresh()

    def _send_size(self, rows: int, cols: int) -> None:
        """Tell the session its size, once per change (each one is a SIGWINCH)."""
        if self._session is not None and not self._ended and self._sent_size != (rows, cols):
            self._sent_size = (rows, cols)
            self._input.put_nowait((rows, cols))

    # -- mouse ---------------------------------------------------------------------------
    def _cell(self, event: events.MouseEvent) -> tuple[int, int]:
        offset = event.get_content_offset_capture(self)
        region = self.scrollable_content_region
        x = min(max(offset.x, 0), max(0, region.width - 1))
        y = min(max(offset.y, 0), max(0, region.height - 1))
        return x, y

    def _program_wants_mouse(self, event: events.MouseEvent) -> bool:
        """The program enabled reporting; Shift forces local selection, as in xterm."""
        return bool(self._modes.mouse_tracking) and not event.shift and not self._ended

    def _report(self, event: events.MouseEvent, action: MouseAction, button: int) -> None:
        modes: Modes = self._modes
        if not wants_report(modes, action, self._mouse_button != 0):
            return
        x, y = self._cell(event)
        data = encode_mouse(
            action,
            x,
            y,
            button=button,
            shift=event.shift,
            meta=event.meta,
            ctrl=event.ctrl,
            sgr=modes.mouse_sgr,
        )
        if data:
            self._send(data)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        if not self.has_focus:
            self.focus()
        if self._program_wants_mouse(event):
            self._mouse_button = event.button
            self.capture_mouse()
            self._report(event, MouseAction.PRESS, event.button)
            return
        if event.button == 1:
            x, y = self._cell(event)
            self._clear_selection()
            self._selection.start((self._absolute(self.scroll_offset.y + y), x))
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        selecting = self._selection.dragging
        if self._mouse_button or (self._program_wants_mouse(event) and not selecting):
            self._report(event, MouseAction.MOTION, self._mouse_button)
            return
        if selecting:
            x, y = self._cell(event)
            region_height = self.scrollable_content_region.height
            offset = event.get_content_offset_capture(self)
            if offset.y < 0:
                self.scroll_to(y=self.scroll_offset.y - 1, animate=False, immediate=True)
            elif offset.y >= region_height:
                self.scroll_to(y=self.scroll_offset.y + 1, animate=False, immediate=True)
            self._selection.extend((self._absolute(self.scroll_offset.y + y), x))
            self.refresh()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        event.stop()
        if self._mouse_button:
            self._report(event, MouseAction.RELEASE, self._mouse_button)
            self._mouse_button = 0
            self.release_mouse()
            return
        if self._selection.dragging:
            point = self._selection.anchor
            self._selection.finish()
            self.release_mouse()
            text = self.selected_text
            if text:
                self.app.copy_to_clipboard(text)
                self.post_message(self.Copied(self, text))
            elif event.ctrl and point is not None:  # Ctrl+click on a link opens it
                line, column = point
                url = self._hyperlink_at(line, column) or link_at(
                    self.text_rows(visible_only=True), line, column
                )
                if url:
                    self.post_message(OpenLink(url))

    def _hyperlink_at(self, line: int, column: int) -> str | None:
        """The hyperlink (OSC 8) the program printed under a cell, if any."""
        row = self._row_at(line - self._absolute(0))
        if row is None:
            return None
        start = 0
        for span in row:
            end = start + len(text_cells(span.text))
            if start <= column < end:
                return span.style.link
            start = end
        return None

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, MouseAction.WHEEL_UP, -1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, MouseAction.WHEEL_DOWN, +1)

    def _wheel(self, event: events.MouseEvent, action: MouseAction, direction: int) -> None:
        event.stop()
        event.prevent_default()
        modes = self._modes
        if self._program_wants_mouse(event):
            self._report(event, action, 0)
        elif modes.alt_screen and not self._ended:
            # xterm's alternateScroll: a pager or editor on the alternate screen scrolls
            arrow = encode_key("up" if direction < 0 else "down", None, modes) or b""
            self._send(arrow * WHEEL_LINES)
        else:
            self.scroll_to(
                y=self.scroll_offset.y + direction * WHEEL_LINES, animate=False, immediate=True
            )

    # -- selection -----------------------------------------------------------------------
    def _overlay_selection(self, strip: Strip, line: int) -> Strip:
        columns = self._selection.columns(line, strip.cell_length)
        if columns is None:
            return strip
        style = self.get_component_rich_style("terminal--selection", partial=True)
        return restyle_cells(strip, *columns, style)

    @property
    def selected_text(self) -> str:
        """The text under the selection: a row that wraps onto the next (a long line the
        terminal wrapped, not the program) goes on without a newline; trailing blanks
        are removed."""
        base = self._absolute(0)
        return self._selection.text(
            lambda line: self._row_at(line - base), lambda line: self._wraps_at(line - base)
        )

    def _wraps_at(self, virtual_y: int) -> bool:
        """Whether the row at a virtual line goes on on the next row (a soft wrap)."""
        if virtual_y < self._shown_rows:
            lock = self._pump.lock
            with lock:
                emulator = self._emulator
                shift = emulator.history_pushed - emulator.history_size - self._dropped()
                position = virtual_y - shift
                if 0 <= position < emulator.history_size:
                    return emulator.history_wrapped(position)
                return False
        y = virtual_y - self._shown_rows
        return 0 <= y < len(self._wrapped) and self._wrapped[y]

    def _clear_selection(self) -> None:
        if self._selection.clear():
            self.refresh()
