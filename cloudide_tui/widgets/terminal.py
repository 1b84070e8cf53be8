"""The terminal widget: a ``ShellSession`` shown through our VT emulator, Line API style.

It knows nothing of Docker: it is handed a session (bytes out, bytes in, resize, close)
and drives a ``TerminalEmulator`` with it. The design follows from measurements
(docs/terminal-widget.md, research note §2, §6):

* **Output never freezes the app.** A reader task pulls ``session.read()`` into a pending
  buffer; a feeder parses it in slices with a time budget per event-loop turn and yields
  in between, so keys and repaints are served while a flood streams. The buffer is bounded
  by *time* (about 0.1 s of parsing, from the measured rate): beyond it the reader stops
  reading, the PTY fills and the program waits. That keeps Ctrl+C's echo close behind.
* **Render once per frame, only what changed.** Parsed rows are published at most at the
  frame rate: ``take_dirty()`` invalidates those rows' cached Strips and refreshes their
  regions; Strips are built lazily in ``render_line`` (so at most once per frame).
* **The cursor, the selection and the scroll position are overlays**, never baked into
  the cached Strips.

The widget owns the session it is given: it closes it when replaced or unmounted.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.keys import APP_KEYS, SCROLL_KEYS, encode_key
from cloudide_tui.terminal.model import Modes, Row
from cloudide_tui.terminal.mouse import MouseAction, encode_mouse, wants_report
from cloudide_tui.widgets.terminal_render import (
    StyleCache,
    restyle_cells,
    row_cells,
    row_strip,
    row_text,
)

FEED_BUDGET = 0.008
"""Seconds of parsing per event-loop turn before yielding (keeps input lag ~10 ms)."""

FRAME = 1 / 60
"""Minimum seconds between two publications of the screen (Textual draws at ≤ 60 fps)."""

BACKLOG_SECONDS = 0.1
"""Read ahead at most this much parsing work; then let the program wait (back-pressure)."""

MIN_PENDING, MAX_PENDING = 64 * 1024, 4 * 1024 * 1024
"""Bounds of the pending-output buffer, whatever the measured parse rate says."""

RESIZE_DELAY = 0.06
"""A window drag resizes the emulator and the PTY at most this often, ending at the last size."""

BELL_FLASH = 0.15
"""Seconds the widget is tinted when the program rings the bell."""

WHEEL_LINES = 3
"""History lines per wheel step."""

RESET_MODES = (
    b"\x1b[?1049l\x1b[?1l\x1b>\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l"
    b"\x1b[?1006l\x1b[?1004l\x1b[?25h\x1b[0m"
)
"""Fed to the emulator on restart: the dead program's input modes must not stick."""


class Terminal(ScrollView, can_focus=True):
    """An interactive terminal on a ``ShellSession``.

    Args:
        session: The session to show (can also be given later with ``attach``).
        scrollback: How many lines of history to keep.
        name: The widget's name. id: Its DOM id. classes: Its CSS classes.
    """

    ALLOW_SELECT = False  # the terminal draws and copies its own selection
    COMPONENT_CLASSES: ClassVar[set[str]] = {"terminal--selection"}

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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._scrollback = scrollback
        self._emulator = TerminalEmulator(80, 24, scrollback=scrollback)
        self._session: ShellSession | None = session
        self._generation = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._input: asyncio.Queue[bytes | tuple[int, int]] = asyncio.Queue()
        self._pending: deque[bytes] = deque()
        self._pending_size = 0
        self._pending_limit = MIN_PENDING
        self._data_ready = asyncio.Event()
        self._space = asyncio.Event()
        self._eof = False
        self._ended = False
        self._end_status: int | None = None
        self._end_reason: str | None = None
        self._feed_rate = 0.0  # bytes per second, smoothed
        self._title = ""
        self._styles: StyleCache | None = None
        self._screen_strips: dict[int, Strip] = {}
        self._history_strips: LRUCache[int, Strip] = LRUCache(2048)
        self._shown_rows = 0  # history rows reachable by scrolling (0 on the alt screen)
        self._resize_timer: Timer | None = None
        self._sized = False
        self._bell_timer: Timer | None = None
        self._mouse_button = 0  # button held while the program gets the mouse
        self._select_anchor: tuple[int, int] | None = None  # (absolute line, column)
        self._select_head: tuple[int, int] | None = None
        self._selecting = False

    # -- public API ----------------------------------------------------------------------
    @property
    def emulator(self) -> TerminalEmulator:
        """The emulator behind the screen (read it; feed it only through a session)."""
        return self._emulator

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
        return self._pending_size

    @property
    def title(self) -> str:
        """The title the program last set."""
        return self._title

    def attach(self, session: ShellSession) -> None:
        """Show ``session`` from now on (a restart): the old one is closed, the screen and
        scrollback are kept, the dead program's input modes are reset."""
        old = self._session
        self._session = session
        if old is not None and old is not session:
            self._spawn(old.close())
        if self.is_mounted:
            self._start()

    # -- life cycle ----------------------------------------------------------------------
    def on_mount(self) -> None:
        self._apply_resize()
        if self._session is not None:
            self._start()

    async def on_unmount(self) -> None:
        self._stop_tasks()
        if self._session is not None:
            await self._session.close()

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
        """(Re)start the reader, feeder and writer on the current session."""
        session = self._session
        assert session is not None
        restarting = self._generation > 0
        self._generation += 1
        generation = self._generation
        for task in list(self._tasks):
            if getattr(task, "_cloudide_io", False):
                task.cancel()
        self._input = asyncio.Queue()
        self._pending.clear()
        self._pending_size = 0
        self._data_ready = asyncio.Event()
        self._space = asyncio.Event()
        self._eof = False
        self._ended = False
        self._end_status = self._end_reason = None
        if restarting:
            self._emulator.feed(RESET_MODES)
            if self._emulator.cursor.x:
                self._emulator.feed(b"\r\n")
            self._publish()
        self._input.put_nowait((self._emulator.lines, self._emulator.columns))
        for coro in (
            self._read_loop(session, generation),
            self._feed_loop(generation),
            self._write_loop(session, self._input),
        ):
            task = self._spawn(coro)
            task._cloudide_io = True  # type: ignore[attr-defined]

    # -- output path ---------------------------------------------------------------------
    async def _read_loop(self, session: ShellSession, generation: int) -> None:
        """Pull output into the pending buffer; stop pulling while it is full."""
        reason: str | None = None
        try:
            while True:
                data = await session.read()
                if not data:
                    break
                self._pending.append(data)
                self._pending_size += len(data)
                self._data_ready.set()
                while self._pending_size > self._pending_limit:
                    self._space.clear()
                    await self._space.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken transport ends the session, it never crashes
            reason = str(exc) or type(exc).__name__
        if generation == self._generation:
            self._end_reason = reason
            self._eof = True
            self._data_ready.set()

    async def _feed_loop(self, generation: int) -> None:
        """Parse pending output in time-boxed slices; publish at most once per frame."""
        emulator = self._emulator
        chunk = 4096
        last_publish = 0.0
        clock = time.perf_counter
        while generation == self._generation:
            if not self._pending:
                self._publish()
                last_publish = clock()
                if self._eof:
                    self._show_end()
                    return
                self._data_ready.clear()
                await self._data_ready.wait()
                continue
            start = clock()
            deadline = start + FEED_BUDGET
            fed = 0
            while self._pending:
                data = self._pending.popleft()
                if len(data) > chunk:
                    self._pending.appendleft(data[chunk:])
                    data = data[:chunk]
                self._pending_size -= len(data)
                emulator.feed(data)
                fed += len(data)
                now = clock()
                if now >= deadline:
                    break
            elapsed = clock() - start
            if elapsed > 0:
                rate = fed / elapsed
                smoothed = 0.8 * self._feed_rate + 0.2 * rate
                self._feed_rate = smoothed if self._feed_rate else rate
                self._pending_limit = int(
                    min(MAX_PENDING, max(MIN_PENDING, self._feed_rate * BACKLOG_SECONDS))
                )
                # aim for ~1/4 of the budget per feed() call: few calls, fine-grained yield
                chunk = int(min(256 * 1024, max(1024, self._feed_rate * FEED_BUDGET / 4)))
            replies = emulator.take_replies()
            if replies:
                self._input.put_nowait(replies)
            if self._pending_size <= self._pending_limit:
                self._space.set()
            if clock() - last_publish >= FRAME:
                self._publish()
                last_publish = clock()
            await asyncio.sleep(0)

    async def _write_loop(
        self, session: ShellSession, queue: asyncio.Queue[bytes | tuple[int, int]]
    ) -> None:
        """Send input and resizes to the session, in order, without blocking the UI."""
        while True:
            item = await queue.get()
            try:
                if isinstance(item, tuple):
                    await session.resize(*item)
                else:
                    await session.write(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # the session is gone: its end is reported by the reader
                pass

    def _send(self, data: bytes) -> None:
        """Queue input for the program (keys, pastes, mouse reports)."""
        if self._session is not None and not self._ended:
            self._input.put_nowait(data)

    def _show_end(self) -> None:
        """The session ended: say why on the last line, offer a restart, tell the app."""
        session = self._session
        status = session.exit_status if session is not None else None
        reason = self._end_reason or (session.end_reason if session is not None else None)
        reason = reason or "session ended"
        self._ended = True
        self._end_status, self._end_reason = status, reason
        words = f"{reason} (status {status})" if status is not None else reason
        line = f"\x1b[0m{'' if self._emulator.cursor.x == 0 else chr(13) + chr(10)}"
        line += f"\x1b[7m[{words}] Press Enter to restart\x1b[0m\x1b[?25l"
        self._emulator.feed(line.encode())
        self._publish()
        self.post_message(self.Exited(self, status, reason))

    # -- publishing parsed output --------------------------------------------------------
    def _publish(self) -> None:
        """Show what the emulator has parsed: invalidate dirty rows, follow or keep the
        view, update title, bell, replies and the host cursor."""
        emulator = self._emulator
        dirty = emulator.take_dirty()
        for y in dirty:
            self._screen_strips.pop(y, None)
        replies = emulator.take_replies()
        if replies:
            self._send(replies)

        shown = 0 if emulator.modes.alt_screen else emulator.history_size
        following = self.scroll_offset.y >= self.max_scroll_y
        top_line = self._absolute(self.scroll_offset.y)
        if shown != self._shown_rows or self.virtual_size != Size(
            emulator.columns, shown + emulator.lines
        ):
            self._shown_rows = shown
            self.virtual_size = Size(emulator.columns, shown + emulator.lines)
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

        if emulator.title != self._title:
            self._title = emulator.title
            self.post_message(self.TitleChanged(self, self._title))
        if emulator.take_bell():
            self._ring()
        self._place_host_cursor()

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
        cursor = self._emulator.cursor
        region = self.scrollable_content_region
        y = self._shown_rows + cursor.y - self.scroll_offset.y
        if 0 <= y < region.height:
            self.app.cursor_position = Offset(region.x + min(cursor.x, region.width - 1),
                                              region.y + y)

    # -- rendering -----------------------------------------------------------------------
    def _style_cache(self) -> StyleCache:
        if self._styles is None:
            base = self.rich_style
            self._styles = StyleCache(Style(color=base.color, bgcolor=base.bgcolor))
        return self._styles

    def notify_style_update(self) -> None:
        """The theme (or CSS) changed: every cached style and Strip is stale."""
        super().notify_style_update()
        self._styles = None
        self._screen_strips.clear()
        self._history_strips.clear()

    def _dropped(self) -> int:
        """History rows discarded so far: absolute line number of history row 0."""
        emulator = self._emulator
        return emulator.history_pushed - emulator.history_size

    def _absolute(self, virtual_y: int) -> int:
        """The absolute line number of a virtual (scrollable) line: stable while output
        scrolls, so a scrolled-back view and a selection stay on their text."""
        if self._shown_rows:
            return self._dropped() + virtual_y
        return self._emulator.history_pushed + virtual_y

    def _row_at(self, virtual_y: int) -> Row | None:
        emulator = self._emulator
        if virtual_y < self._shown_rows:
            return emulator.history_row(virtual_y)
        y = virtual_y - self._shown_rows
        if 0 <= y < emulator.lines:
            return emulator.row(y)
        return None

    def _strip_at(self, virtual_y: int) -> Strip | None:
        emulator = self._emulator
        styles = self._style_cache()
        if virtual_y < self._shown_rows:
            if virtual_y >= emulator.history_size:
                return None
            key = self._dropped() + virtual_y
            strip = self._history_strips.get(key)
            if strip is None:
                strip = row_strip(emulator.history_row(virtual_y), styles)
                self._history_strips[key] = strip
            return strip
        y = virtual_y - self._shown_rows
        if not 0 <= y < emulator.lines:
            return None
        strip = self._screen_strips.get(y)
        if strip is None:
            strip = row_strip(emulator.row(y), styles)
            self._screen_strips[y] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        styles = self._style_cache()
        virtual_y = self.scroll_offset.y + y
        strip = self._strip_at(virtual_y)
        if strip is None:
            return Strip.blank(width, styles.base)
        strip = strip.adjust_cell_length(max(width, self._emulator.columns), styles.base)
        strip = self._overlay_selection(strip, self._absolute(virtual_y))
        cursor = self._emulator.cursor
        if (
            cursor.visible
            and not self._ended
            and virtual_y - self._shown_rows == cursor.y
            and self.scroll_offset.y >= self.max_scroll_y
        ):
            x = min(cursor.x, self._emulator.columns - 1)
            cells = row_cells(self._emulator.row(cursor.y))
            span = 2 if x + 1 < len(cells) and cells[x + 1] == "" else 1
            change = None if self.has_focus else Style(underline=True)
            strip = restyle_cells(strip, x, x + span, change)
        return strip.crop(0, width) if strip.cell_length > width else strip

    # -- keys and paste ------------------------------------------------------------------
    async def on_key(self, event: events.Key) -> None:
        key = event.key
        if key in APP_KEYS:
            return  # the app's: let it bubble
        event.stop()
        event.prevent_default()
        if key in SCROLL_KEYS:
            page = max(1, self.scrollable_content_region.height - 1)
            self.scroll_to(y=self.scroll_offset.y + SCROLL_KEYS[key] * page, animate=False,
                           immediate=True)
            return
        if self._ended:
            if key == "enter":
                self.post_message(self.RestartRequested(self))
            return
        data = encode_key(key, event.character, self._emulator.modes)
        if data:
            self._snap_to_bottom()
            self._send(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        if self._ended or not event.text:
            return
        text = event.text.replace("\r\n", "\r").replace("\n", "\r")
        if self._emulator.modes.bracketed_paste:
            text = "\x1b[200~" + text.replace("\x1b[201~", "") + "\x1b[201~"
        self._snap_to_bottom()
        self._send(text.encode("utf-8", "surrogateescape"))

    def _snap_to_bottom(self) -> None:
        """Any input brings the view back to the live screen (and drops the selection)."""
        self._clear_selection()
        if self.scroll_offset.y < self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    # -- focus ---------------------------------------------------------------------------
    def on_focus(self, event: events.Focus) -> None:
        if self._emulator.modes.focus_events:
            self._send(b"\x1b[I")
        self._refresh_cursor_row()
        self._place_host_cursor()

    def on_blur(self, event: events.Blur) -> None:
        if self._emulator.modes.focus_events:
            self._send(b"\x1b[O")
        self._refresh_cursor_row()

    def _refresh_cursor_row(self) -> None:
        y = self._shown_rows + self._emulator.cursor.y - self.scroll_offset.y
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
        if (height, width) == (emulator.lines, emulator.columns):
            return
        emulator.resize(height, width)
        self._screen_strips.clear()
        self._history_strips.clear()
        if self._session is not None and not self._ended:
            self._input.put_nowait((height, width))
        self._publish()
        self.refresh()

    # -- mouse ---------------------------------------------------------------------------
    def _cell(self, event: events.MouseEvent) -> tuple[int, int]:
        offset = event.get_content_offset_capture(self)
        region = self.scrollable_content_region
        x = min(max(offset.x, 0), max(0, region.width - 1))
        y = min(max(offset.y, 0), max(0, region.height - 1))
        return x, y

    def _program_wants_mouse(self, event: events.MouseEvent) -> bool:
        """The program enabled reporting; Shift forces local selection, as in xterm."""
        return bool(self._emulator.modes.mouse_tracking) and not event.shift and not self._ended

    def _report(self, event: events.MouseEvent, action: MouseAction, button: int) -> None:
        modes: Modes = self._emulator.modes
        if not wants_report(modes, action, self._mouse_button != 0):
            return
        x, y = self._cell(event)
        data = encode_mouse(action, x, y, button=button, shift=event.shift, meta=event.meta,
                            ctrl=event.ctrl, sgr=modes.mouse_sgr)
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
            point = (self._absolute(self.scroll_offset.y + y), x)
            self._clear_selection()
            self._select_anchor = self._select_head = point
            self._selecting = True
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._mouse_button or (self._program_wants_mouse(event) and not self._selecting):
            self._report(event, MouseAction.MOTION, self._mouse_button)
            return
        if self._selecting:
            x, y = self._cell(event)
            region_height = self.scrollable_content_region.height
            offset = event.get_content_offset_capture(self)
            if offset.y < 0:
                self.scroll_to(y=self.scroll_offset.y - 1, animate=False, immediate=True)
            elif offset.y >= region_height:
                self.scroll_to(y=self.scroll_offset.y + 1, animate=False, immediate=True)
            self._select_head = (self._absolute(self.scroll_offset.y + y), x + 1)
            self.refresh()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        event.stop()
        if self._mouse_button:
            self._report(event, MouseAction.RELEASE, self._mouse_button)
            self._mouse_button = 0
            self.release_mouse()
            return
        if self._selecting:
            self._selecting = False
            self.release_mouse()
            text = self.selected_text
            if text:
                self.app.copy_to_clipboard(text)
            elif self._select_anchor == self._select_head:
                self._clear_selection()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, MouseAction.WHEEL_UP, -1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, MouseAction.WHEEL_DOWN, +1)

    def _wheel(self, event: events.MouseEvent, action: MouseAction, direction: int) -> None:
        event.stop()
        event.prevent_default()
        modes = self._emulator.modes
        if self._program_wants_mouse(event):
            self._report(event, action, 0)
        elif modes.alt_screen and not self._ended:
            # xterm's alternateScroll: a pager or editor on the alternate screen scrolls
            arrow = encode_key("up" if direction < 0 else "down", None, modes) or b""
            self._send(arrow * WHEEL_LINES)
        else:
            self.scroll_to(y=self.scroll_offset.y + direction * WHEEL_LINES, animate=False,
                           immediate=True)

    # -- selection -----------------------------------------------------------------------
    def _ordered_selection(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        if self._select_anchor is None or self._select_head is None:
            return None
        start, end = sorted((self._select_anchor, self._select_head))
        if start == end:
            return None
        return start, end

    def _overlay_selection(self, strip: Strip, line: int) -> Strip:
        selection = self._ordered_selection()
        if selection is None:
            return strip
        (start_line, start_x), (end_line, end_x) = selection
        if not start_line <= line <= end_line:
            return strip
        left = start_x if line == start_line else 0
        right = end_x if line == end_line else strip.cell_length
        style = self.get_component_rich_style("terminal--selection", partial=True)
        return restyle_cells(strip, left, right, style)

    @property
    def selected_text(self) -> str:
        """The text under the selection, one line per row, trailing blanks removed."""
        selection = self._ordered_selection()
        if selection is None:
            return ""
        (start_line, start_x), (end_line, end_x) = selection
        base = self._absolute(0)
        lines = []
        for line in range(start_line, end_line + 1):
            row = self._row_at(line - base)
            if row is None:
                continue
            left = start_x if line == start_line else 0
            right = end_x if line == end_line else None
            lines.append(row_text(row, left, right))
        return "\n".join(lines)

    def _clear_selection(self) -> None:
        if self._select_anchor is not None:
            self._select_anchor = self._select_head = None
            self.refresh()
