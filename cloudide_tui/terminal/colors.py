"""Colours: pyte's colour names and SGR colour parameters → ``model.Color``.

pyte names the 16 ANSI colours its own way (``brown`` for yellow, ``brightblack`` for
grey, even a typo ``bfightmagenta`` for SGR 105) and turns 256-colour indices into hex
strings, which loses the palette index the widget needs to theme colours 0-15. Our SGR
handler (``screen.py``) therefore stores model colours directly; :func:`from_pyte` is
kept for anything that still carries a pyte name (and is tested so the mapping is right).
"""

from __future__ import annotations

from .model import Color

#: pyte colour name → ANSI palette index.
PYTE_NAMES: dict[str, int] = {
    "black": 0,
    "red": 1,
    "green": 2,
    "brown": 3,
    "yellow": 3,
    "blue": 4,
    "magenta": 5,
    "cyan": 6,
    "white": 7,
    "brightblack": 8,
    "brightred": 9,
    "brightgreen": 10,
    "brightbrown": 11,
    "brightyellow": 11,
    "brightblue": 12,
    "brightmagenta": 13,
    "bfightmagenta": 13,  # pyte 0.8.2's BG_AIXTERM[105] typo
    "brightcyan": 14,
    "brightwhite": 15,
}


def from_pyte(value: object) -> Color:
    """Map whatever pyte stores as a colour to a model colour.

    ``"default"`` → None; a name → palette index; a 6-digit hex string (pyte's 256 and
    truecolour form) → ``(r, g, b)``; ints and tuples pass through. Unknown → None.
    """
    if value is None or isinstance(value, int | tuple):
        return value
    if not isinstance(value, str) or value == "default":
        return None
    index = PYTE_NAMES.get(value)
    if index is not None:
        return index
    if len(value) == 6:
        try:
            n = int(value, 16)
        except ValueError:
            return None
        return (n >> 16 & 0xFF, n >> 8 & 0xFF, n & 0xFF)
    return None


def sgr_extended(params: list[int], i: int) -> tuple[Color, int, bool]:
    """Parse the colour after SGR 38/48/58 at ``params[i]`` (the 5 or 2 selector).

    Returns ``(colour, next_index, ok)``; a truncated or out-of-range form is not ok and
    consumes what it looked at (as xterm does), so the rest of the SGR still applies.
    """
    if i >= len(params):
        return None, i, False
    kind = params[i]
    if kind == 5:
        if i + 1 < len(params) and 0 <= params[i + 1] <= 255:
            return params[i + 1], i + 2, True
        return None, i + 2, False
    if kind == 2:
        if i + 3 < len(params):
            r, g, b = params[i + 1], params[i + 2], params[i + 3]
            if max(r, g, b) <= 255:
                return (r, g, b), i + 4, True
        return None, i + 4, False
    return None, i + 1, False


RGB = tuple[int, int, int]

XTERM_ANSI: tuple[RGB, ...] = (
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
)
"""xterm's default 16 colours (what a palette query gets before the widget says better)."""

_CUBE = (0, 95, 135, 175, 215, 255)


def palette_rgb(index: int, ansi: tuple[RGB, ...] = XTERM_ANSI) -> RGB:
    """The colour of palette entry ``index`` (0-255): the 16 ANSI colours from ``ansi``,
    then xterm's 6x6x6 cube and 24 greys."""
    if index < 16:
        return ansi[index]
    if index < 232:
        n = index - 16
        return (_CUBE[n // 36], _CUBE[n // 6 % 6], _CUBE[n % 6])
    grey = 8 + 10 * (index - 232)
    return (grey, grey, grey)


def x11_colour(rgb: RGB) -> str:
    """``rgb:rrrr/gggg/bbbb``, the form xterm answers colour queries in."""
    return "rgb:" + "/".join(f"{c * 257:04x}" for c in rgb)
