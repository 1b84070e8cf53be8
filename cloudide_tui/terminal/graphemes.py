"""Grapheme clusters and their widths: what one cell holds, and how many cells it takes.

A cell holds a *grapheme cluster* (UAX #29): a base character with what joins it, such as
combining marks (``e`` + U+0301, ``a`` + U+20DD), emoji ZWJ sequences (👨‍👩‍👧), a variation
selector (❤️), a skin-tone modifier (👍🏽), a flag (🇫🇷), a keycap (1️⃣). A cluster takes
one or two cells, the width modern terminals (kitty, WezTerm, foot, Ghostty with mode
2027) and Rich give it: emoji sequences and flags two, a lone regional indicator one.
(tmux 3.3a and xterm.js 6 without add-ons count the code points instead: see
docs/terminal.md, "Where the references disagree".)

The emulator, the widget and anything that reads the emulator's rows (the server's
redraws) split a span's text into cells with :func:`text_cells` / :func:`row_cells`, so
they agree on which cells a cluster covers. The emulator keeps every row splittable: the
text of two neighbouring cells never forms one cluster (``rows.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Iterable

from wcwidth import iter_graphemes
from wcwidth import wcwidth as _char_width
from wcwidth import width as _text_width

from .model import Row, Span

_REGIONAL = range(0x1F1E6, 0x1F200)
_WIDTHS: dict[str, int] = {}


def cluster_width(cluster: str) -> int:
    """Cells one grapheme cluster takes: 0 (nothing to draw: a lone joiner or mark, a
    control), 1 or 2."""
    width = _WIDTHS.get(cluster)
    if width is None:
        if ord(cluster[0]) in _REGIONAL and (len(cluster) == 1 or ord(cluster[1]) not in _REGIONAL):
            width = 1  # a lone regional indicator (a pair is a flag: two cells)
        elif len(cluster) == 1:
            width = max(0, _char_width(cluster))
        else:
            width = min(max(_text_width(cluster, control_codes="ignore"), 0), 2)
        if len(_WIDTHS) < 100_000:
            _WIDTHS[cluster] = width
    return width


def char_width(char: str) -> int:
    """Cells one code point takes on its own (0, 1 or 2); a lone regional indicator is
    one cell, as in xterm, tmux, xterm.js and Rich."""
    return cluster_width(char)


class _Kinds(dict[str, int]):
    """char → 0 (it may join a cluster with its neighbours: marks, joiners, selectors,
    modifiers, regional indicators, Hangul jamo, prepended signs; or it takes no cell),
    1 or 2 (a cluster on its own, whatever surrounds it, one or two cells wide)."""

    def __missing__(self, char: str) -> int:
        kind = char_width(char)
        if kind and any(
            sum(1 for _ in iter_graphemes(probe)) != len(probe)
            for probe in (f"a{char}a", char + char, f"\u4e2d{char}\u4e2d")
        ):
            kind = 0
        if len(self) < 100_000:
            self[char] = kind
        return kind


CHAR_KINDS = _Kinds()
"""What a code point can do on its own: see ``_Kinds`` (the screen draws runs of kind 1
and 2 characters without segmenting them)."""


def clusters(text: str) -> Iterable[str]:
    """The grapheme clusters of ``text`` (UAX #29, extended)."""
    return iter_graphemes(text)


def text_cells(text: str) -> list[str]:
    """``text`` as one string per cell: a cluster, then ``""`` for the right half of a
    two-cell one. A cluster that takes no cell stays with the cell before it."""
    if text.isascii():
        return list(text)
    cells: list[str] = []
    for cluster in iter_graphemes(text):
        width = cluster_width(cluster)
        if width == 0:
            if cells:
                if cells[-1] == "":
                    cells[-2] += cluster
                else:
                    cells[-1] += cluster
            continue
        cells.append(cluster)
        if width == 2:
            cells.append("")
    return cells


def text_width(text: str) -> int:
    """Cells ``text`` takes, cluster by cluster."""
    if text.isascii():
        return len(text)
    return sum(map(cluster_width, iter_graphemes(text)))


def row_cells(row: Row | Iterable[Span]) -> list[str]:
    """A row as one string per cell (see :func:`text_cells`); as long as the row is wide."""
    cells: list[str] = []
    for span in row:
        cells += text_cells(span.text)
    return cells
