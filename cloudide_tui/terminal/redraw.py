"""A terminal's exact state as bytes that redraw it: what a new viewer of a shell gets.

``redraw(emulator)`` serialises what a ``TerminalEmulator`` shows, through its public API
only (rows, history rows, cursor, modes, title), as output a fresh terminal of the same
size turns into the same picture: a reset (RIS) and a clear of the history (ED 3), a
bounded tail of the scrollback, the screen with its colours, the alternate screen if it
is on, the input modes (cursor keys, keypad, bracketed paste, mouse tracking and SGR
mouse, focus events), the cursor's visibility and place, and the title.

Unlike a raw replay of recent output, it never leaves a mode on that the program turned
off, never prints history twice (the reset clears what the viewer had), and costs the
size of one screen plus the tail, not of everything printed.

Hyperlinks (OSC 8) and soft wraps are carried too: a row that goes on on the next one is
written to its last column and the next one's text follows without a line break, so the
viewer's terminal wraps it itself (and copies, selects and reflows the two as one line);
so is a frame the program is still drawing (mode 2026).

What the emulator's public API does not expose is not carried, and resets to its
default on the viewer: the scroll region, the pen's colours (the next output sets its
own), the pending-wrap state of a cursor in the last column, character sets, and the
normal screen's rows hidden behind the alternate screen (they show blank once the
full-screen program exits).
"""

from __future__ import annotations

from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.model import DEFAULT_STYLE, CellStyle, Color, Row

SCROLLBACK_TAIL = 1000
"""Rows of history a redraw carries at most."""

RESET = "\x1bc"
CLEAR_HISTORY = "\x1b[3J"
SGR_RESET = "\x1b[0m"


def _color(color: Color, base: int, bright: int) -> str:
    if color is None:
        return str(base + 9)
    if isinstance(color, tuple):
        r, g, b = color
        return f"{base + 8};2;{r};{g};{b}"
    if color < 8:
        return str(base + color)
    if color < 16:
        return str(bright + color - 8)
    return f"{base + 8};5;{color}"


def sgr(style: CellStyle) -> str:
    """The SGR sequence that sets ``style`` from any state (it starts with a reset)."""
    params = ["0"]
    if style.bold:
        params.append("1")
    if style.dim:
        params.append("2")
    if style.italic:
        params.append("3")
    if style.underline:
        params.append("4")
    if style.blink:
        params.append("5")
    if style.reverse:
        params.append("7")
    if style.conceal:
        params.append("8")
    if style.strike:
        params.append("9")
    if style.fg is not None:
        params.append(_color(style.fg, 30, 90))
    if style.bg is not None:
        params.append(_color(style.bg, 40, 100))
    return f"\x1b[{';'.join(params)}m"


def _link(url: str | None) -> str:
    """OSC 8: the text that follows links to ``url`` (None: to nothing)."""
    clean = "".join(ch for ch in url if ch.isprintable()) if url else ""
    return f"\x1b]8;;{clean}\x1b\\"


def row_text(row: Row, *, whole: bool = False) -> str:
    """One row as text with SGR codes (and OSC 8 around hyperlinks); trailing
    default-style blanks are left out, unless ``whole`` (a row that wraps onto the next
    must reach its last column)."""
    spans = list(row)
    if not whole:
        while spans and spans[-1].style == DEFAULT_STYLE and not spans[-1].text.strip(" "):
            spans.pop()
        if spans and spans[-1].style == DEFAULT_STYLE:
            last = spans[-1]
            spans[-1] = type(last)(last.text.rstrip(" "), last.style)
    out: list[str] = []
    current = DEFAULT_STYLE
    link: str | None = None
    for span in spans:
        if span.style.link != link:
            link = span.style.link
            out.append(_link(link))
        if span.style._replace(link=None) != current:
            current = span.style._replace(link=None)
            out.append(sgr(current))
        out.append(span.text)
    if link is not None:
        out.append(_link(None))
    if current != DEFAULT_STYLE:
        out.append(SGR_RESET)
    return "".join(out)


def _lines(rows: list[Row], wraps: list[bool]) -> str:
    """Rows as lines: CR LF after each, except after one that wraps onto the next (it is
    written whole, and the next one's text wraps on the viewer as it did here)."""
    out: list[str] = []
    for k, (row, wraps_on) in enumerate(zip(rows, wraps, strict=True)):
        text = row_text(row, whole=wraps_on)
        if k and wraps[k - 1] and not text:
            text = " "  # (a blank continuation still has to start the wrap)
        out.append(text)
        if k + 1 < len(rows):
            out.append("" if wraps_on else "\r\n")
    return "".join(out)


def _modes(emulator: TerminalEmulator) -> str:
    modes = emulator.modes
    out = []
    if modes.app_cursor:
        out.append("\x1b[?1h")
    if modes.app_keypad:
        out.append("\x1b=")
    if modes.bracketed_paste:
        out.append("\x1b[?2004h")
    if modes.mouse_tracking:
        out.append(f"\x1b[?{modes.mouse_tracking}h")
    if modes.mouse_sgr:
        out.append("\x1b[?1006h")
    if modes.focus_events:
        out.append("\x1b[?1004h")
    if modes.synchronized:
        out.append("\x1b[?2026h")
    return "".join(out)


def _title(title: str) -> str:
    clean = "".join(ch for ch in title if ch.isprintable())
    return f"\x1b]2;{clean}\x07" if clean else ""


def redraw(emulator: TerminalEmulator, *, scrollback: int = SCROLLBACK_TAIL) -> bytes:
    """Bytes that make a fresh terminal of the emulator's size show what it shows.

    Args:
        emulator: The terminal to serialise (read only: nothing in it changes).
        scrollback: Most history rows to carry (the newest ones).
    """
    lines = emulator.lines
    size = emulator.history_size
    kept = range(max(0, size - scrollback), size)
    history = [emulator.history_row(i) for i in kept]
    history_wraps = [emulator.history_wrapped(i) for i in kept]
    alt = emulator.modes.alt_screen
    out = [RESET, CLEAR_HISTORY]
    if alt:
        # history scrolled off a blank normal screen; the alternate screen drawn on top
        if history:
            history_wraps[-1] = False  # (onto the normal screen's rows, not carried)
            out.append(_lines(history, history_wraps) + "\r\n")
            out.append("\r\n" * (lines - 1))
        out.append("\x1b[?1049h\x1b[H\x1b[2J")
        texts = [row_text(emulator.row(y)) for y in range(lines)]
        out.extend(f"\x1b[{y + 1};1H{text}" for y, text in enumerate(texts) if text)
    else:
        screen = [emulator.row(y) for y in range(lines)]
        wraps = [emulator.wrapped(y) for y in range(lines)]
        out.append(_lines(history + screen, history_wraps + wraps))
    cursor = emulator.cursor
    out.append(_modes(emulator))
    out.append(_title(emulator.title))
    out.append(f"\x1b[{cursor.y + 1};{cursor.x + 1}H")
    if not cursor.visible:
        out.append("\x1b[?25l")
    return "".join(out).encode("utf-8", "surrogateescape")
