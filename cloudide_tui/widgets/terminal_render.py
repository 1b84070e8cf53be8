"""Turning the emulator's rows into Textual Strips: styles, the cursor, the selection.

Kept apart from the widget so that the widget module is about behaviour (I/O, keys,
mouse, scrolling) and this one about looks. Everything here is pure and cheap to test.

Colours: the terminal's default foreground and background are the widget's own (from the
Textual theme, via CSS); palette colours 0-255 are emitted as Rich ANSI colours, which
Textual turns into the theme's ANSI palette (``App.ansi_theme``, light or dark) unless the
app runs in native-ANSI mode, where the host terminal's own palette is used; 24-bit colours
pass through. Reverse video is resolved here (fg/bg swapped) so that the cursor and the
selection can be drawn on top of it predictably.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.cache import LRUCache
from textual.strip import Strip

from cloudide_tui.terminal import graphemes
from cloudide_tui.terminal.contrast import ensure_contrast
from cloudide_tui.terminal.model import CellStyle, Color, Row


def rich_color(color: Color) -> RichColor | None:
    """The model's colour as a Rich colour (None stays None: the default colour)."""
    if color is None:
        return None
    if isinstance(color, int):
        return RichColor.from_ansi(color & 0xFF)
    red, green, blue = color
    return RichColor.from_rgb(red, green, blue)


class StyleCache:
    """``CellStyle`` → Rich ``Style`` over a base (default fg/bg), memoised.

    Args:
        base: The style of an unstyled cell: the theme's foreground and background.
        size: How many distinct cell styles to remember (programs use few).
    """

    def __init__(
        self,
        base: Style,
        size: int = 4096,
        *,
        palette: TerminalTheme | None = None,
        min_contrast: float = 1.0,
    ) -> None:
        self.base = base
        self.palette = palette
        """The ANSI palette colours 0-15 are drawn in (Textual's ``App.ansi_theme``), to
        measure contrast; None: the host terminal's own (native ANSI), unknown."""
        self.min_contrast = min_contrast
        """Text closer to its background than this contrast ratio is moved away from it."""
        self._cache: LRUCache[CellStyle, Style] = LRUCache(size)

    def __call__(self, cell: CellStyle) -> Style:
        style = self._cache.get(cell)
        if style is None:
            style = self._make(cell)
            self._cache[cell] = style
        return style

    def _make(self, cell: CellStyle) -> Style:
        fg = rich_color(cell.fg) or self.base.color
        bg = rich_color(cell.bg) or self.base.bgcolor
        if cell.reverse:
            fg, bg = bg, fg
        if cell.conceal:
            fg = bg
        elif self.palette is not None and self.min_contrast > 1 and fg and bg:
            fg = self._readable(fg, bg, self.palette)
        return Style(
            color=fg,
            bgcolor=bg,
            bold=cell.bold or None,
            dim=cell.dim or None,
            italic=cell.italic or None,
            underline=cell.underline or None,
            blink=cell.blink or None,
            strike=cell.strike or None,
            link=cell.link,  # a hyperlink (OSC 8): the host terminal can follow it too
        )

    def _readable(self, fg: RichColor, bg: RichColor, palette: TerminalTheme) -> RichColor:
        """``fg``, or the nearest colour that contrasts enough with ``bg`` (both resolved
        as Textual draws them: 0-15 from the theme's palette, 16-255 xterm's)."""
        rgb = tuple(fg.get_truecolor(palette, foreground=True))
        background = tuple(bg.get_truecolor(palette, foreground=False))
        fixed = ensure_contrast(rgb, background, self.min_contrast)  # type: ignore[arg-type]
        return fg if fixed == rgb else RichColor.from_rgb(*fixed)


def row_strip(row: Row, styles: StyleCache) -> Strip:
    """One emulator row as a Strip (its cell length is computed by Rich from the text)."""
    return Strip([Segment(span.text, styles(span.style)) for span in row if span.text])


def row_cells(row: Row) -> list[str]:
    """The row as one string per cell: a grapheme cluster (a character with its marks, an
    emoji sequence...), then ``""`` for the second cell of a two-cell one."""
    return graphemes.row_cells(row)


def row_text(row: Row, start: int = 0, end: int | None = None) -> str:
    """The text of cells ``start``..``end`` (exclusive), trailing blanks removed."""
    cells = row_cells(row)
    return "".join(cells[start:end]).rstrip()


def swap_colors(style: Style) -> Style:
    """Reverse video for one cell: how the cursor is drawn over whatever is under it."""
    return style + Style(color=style.bgcolor, bgcolor=style.color)


def restyle_cells(strip: Strip, start: int, end: int, change: Style | None) -> Strip:
    """Cells ``start``..``end`` of ``strip`` with ``change`` laid over their styles
    (``None``: reverse their colours)."""
    if end <= start:
        return strip
    length = strip.cell_length
    start, end = max(0, start), min(end, length)
    if end <= start:
        return strip
    before, middle, after = strip.divide([start, end, length])
    styled: Iterable[Segment] = (
        Segment(
            text,
            (swap_colors(style) if change is None else style + change)
            if style is not None
            else change,
            control,
        )
        for text, style, control in middle
    )
    return Strip.join([before, Strip(list(styled), middle.cell_length), after])


def overlay_right(strip: Strip, text: str, style: Style) -> Strip:
    """``text`` drawn over the right end of ``strip`` (a badge: "scrolled back N lines")."""
    length = strip.cell_length
    width = min(cell_len(text), length)
    if width <= 0:
        return strip
    return Strip.join([strip.crop(0, length - width), Strip([Segment(text[-width:], style)])])
