"""Cells: what one screen cell holds, and SGR applied to it.

pyte's ``Char`` keeps six attributes and names colours its own way. Our ``Cell`` has
pyte's fields (pyte's own code keeps working on it: ``_replace``, ``.data``...) plus dim
and conceal, model colours, and the interned ``CellStyle`` the widget gets, so turning
rows into spans never converts attributes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, cast

from .colors import sgr_extended
from .model import DEFAULT_STYLE, CellStyle, Color


class Cell(NamedTuple):
    """One cell: pyte's ``Char`` fields plus dim and conceal; colours are model colours
    (None / palette index / rgb tuple), not pyte's names. ``style`` is the same
    attributes as an interned model ``CellStyle``, computed once per attribute set so
    turning rows into spans is a lookup, not a conversion. Make cells with
    :func:`make_cell` (or ``_replace(data=...)``), which keeps ``style`` right."""

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
    link: str | None = None
    style: CellStyle = DEFAULT_STYLE


_STYLES: dict[tuple[object, ...], CellStyle] = {}


def intern_style(fields: tuple[object, ...]) -> CellStyle:
    """The one ``CellStyle`` for these attribute values (fg … conceal, link)."""
    style = _STYLES.get(fields)
    if style is None:
        # The fields come from pyte's Char, in this order, with these types.
        fg, bg, bold, italics, underscore, strike, reverse, blink, dim, conceal, link = cast(
            "tuple[Color, Color, bool, bool, bool, bool, bool, bool, bool, bool, str | None]",
            fields,
        )
        style = CellStyle(
            fg=fg,
            bg=bg,
            bold=bold,
            dim=dim,
            italic=italics,
            underline=underscore,
            blink=blink,
            reverse=reverse,
            strike=strike,
            conceal=conceal,
            link=link,
        )
        if len(_STYLES) < 100_000:  # past that, equal styles may be distinct objects
            _STYLES[fields] = style
    return style


def make_cell(values: Sequence[object]) -> Cell:
    """A cell from its first 12 fields (data, fg … conceal, link), ``style`` computed."""
    fields = tuple(values[1:12])
    return Cell._make((values[0], *fields, intern_style(fields)))


BLANK = Cell(" ")

_ATTRS: dict[tuple[object, ...], Cell] = {tuple(BLANK[1:12]): BLANK}


def attributes(values: Sequence[object]) -> Cell:
    """The one cell with these attributes (fields fg … link of ``values``; data " "):
    equal attribute sets are one object, so the caches keyed by a state's identity (SGR,
    cells per state) keep hitting however a program reaches that state."""
    fields = tuple(values[1:12])
    cell = _ATTRS.get(fields)
    if cell is None:
        cell = Cell._make((" ", *fields, intern_style(fields)))
        if len(_ATTRS) < 100_000:  # past that, equal states may be distinct objects
            _ATTRS[fields] = cell
    return cell


_ON = {
    1: "bold",
    2: "dim",
    3: "italics",
    4: "underscore",
    5: "blink",
    6: "blink",
    7: "reverse",
    8: "conceal",
    9: "strikethrough",
    21: "underscore",
}
_OFF = {
    22: ("bold", "dim"),
    23: ("italics",),
    24: ("underscore",),
    25: ("blink",),
    27: ("reverse",),
    28: ("conceal",),
    29: ("strikethrough",),
}
_FIELDS = {name: i for i, name in enumerate(Cell._fields)}


def apply_sgr(attrs: Cell, params: list[int]) -> Cell:
    """The cell attributes after ``CSI params m`` (pure, so callers can cache it). A
    reset leaves the hyperlink (OSC 8) on: it is not an SGR attribute."""
    link = attrs.link
    if not params:
        return BLANK if link is None else with_link(BLANK, link)
    values = list(attrs)
    i, n = 0, len(params)
    while i < n:
        p = params[i]
        i += 1
        if p == 0:
            values = list(BLANK)
            values[11] = link
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
    return attributes(values)


def with_link(attrs: Cell, link: str | None) -> Cell:
    """``attrs`` with the hyperlink ``link`` (None: none)."""
    if attrs.link == link:
        return attrs
    values = list(attrs)
    values[11] = link
    return attributes(values)


class CellCache(dict[str, Cell]):
    """char → Cell for one attribute set, so drawing a character is a dict lookup."""

    __slots__ = ("attrs", "rest")

    def __init__(self, attrs: Cell) -> None:
        super().__init__()
        self.attrs = attrs
        self.rest = tuple(attrs)[1:]

    def __missing__(self, char: str) -> Cell:
        cell = Cell._make((char, *self.rest))
        self[char] = cell
        return cell
