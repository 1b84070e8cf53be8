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


def row_text(row: Row) -> str:
    """One row as text with SGR codes; trailing default-style blanks are left out."""
    spans = list(row)
    while spans and spans[-1].style == DEFAULT_STYLE and not spans[-1].text.strip(" "):
        spans.pop()
    if spans and spans[-1].style == DEFAULT_STYLE:
        last = spans[-1]
        spans[-1] = type(last)(last.text.rstrip(" "), last.style)
    out: list[str] = []
    current = DEFAULT_STYLE
    for span in spans:
        if span.style != current:
            out.append(sgr(span.style))
            current = span.style
        out.append(span.text)
    if current != DEFAULT_STYLE:
        out.append(SGR_RESET)
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
    history = [row_text(emulator.history_row(i)) for i in range(max(0, size - scrollback), size)]
    screen = [row_text(emulator.row(y)) for y in range(lines)]
    alt = emulator.modes.alt_screen
    out = [RESET, CLEAR_HISTORY]
    if alt:
        # history scrolled off a blank normal screen; the alternate screen drawn on top
        out.append("".join(row + "\r\n" for row in history))
        out.append("\r\n" * (lines - 1) if history else "")
        out.append("\x1b[?1049h\x1b[H\x1b[2J")
        out.extend(f"\x1b[{y + 1};1H{row}" for y, row in enumerate(screen) if row)
    else:
        out.append("\r\n".join(history + screen))
    cursor = emulator.cursor
    out.append(_modes(emulator))
    out.append(_title(emulator.title))
    out.append(f"\x1b[{cursor.y + 1};{cursor.x + 1}H")
    if not cursor.visible:
        out.append("\x1b[?25l")
    return "".join(out).encode("utf-8", "surrogateescape")
