"""Plain data the emulator hands to the widget: styles, spans, cursor, modes.

These types are the contract between ``emulator.py`` (pyte behind it) and the widget (or
the server's redraws), so that they never depend on pyte's quirks (its colour names, its
sparse buffer, its wide-character stubs). All are immutable and hashable: the widget
caches rendered styles keyed by ``CellStyle`` and Strips keyed by rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

Color = int | tuple[int, int, int] | None
"""``None``: the terminal's default colour (follows the theme); ``int``: a palette index
0-255 (0-15 are the ANSI colours, also themable); ``(r, g, b)``: 24-bit colour."""


class CellStyle(NamedTuple):
    """The attributes of one cell (SGR state).

    A tuple (immutable, hashed and compared in C; made only of numbers, strings and
    None, so the garbage collector stops tracking it and every cell and row made of
    it): the emulator makes many, and the widget caches by them."""

    fg: Color = None
    bg: Color = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    blink: bool = False
    reverse: bool = False
    strike: bool = False
    conceal: bool = False
    link: str | None = None
    """The URL of the OSC 8 hyperlink this cell is part of, if any."""


DEFAULT_STYLE = CellStyle()


class Span(NamedTuple):
    """A run of cells with one style. ``text`` is what is drawn: a grapheme cluster (a
    wide character, an emoji sequence) takes one or two cells (``graphemes.text_cells``
    says which); a cell with no character is a space. A tuple, like ``CellStyle``."""

    text: str
    style: CellStyle = DEFAULT_STYLE


Row = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the program's cursor is (0-based, on the visible screen) and whether it is shown."""

    x: int
    y: int
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Modes:
    """Input-side modes the program set, which change what keys, pastes and mice send.

    ``mouse_tracking`` is 0 (off), 1000 (clicks), 1002 (clicks + drags) or 1003 (all
    motion); ``mouse_sgr`` is DEC mode 1006 (SGR encoding).
    """

    app_cursor: bool = False  # DECCKM (?1)
    app_keypad: bool = False  # DECKPAM / DECKPNM
    bracketed_paste: bool = False  # ?2004
    mouse_tracking: int = 0
    mouse_sgr: bool = False  # ?1006
    focus_events: bool = False  # ?1004
    alt_screen: bool = False  # ?1049 / ?1047 / ?47
    synchronized: bool = False  # ?2026: the program is drawing a frame; show it when done
