"""pyte rows (sparse ``{x: Cell}`` dicts) → model ``Row``s, in one canonical form.

Everything the widget sees (screen rows, scrollback rows, rows styled lazily from the
fast path) goes through :func:`cells_to_row`, so two ways of reaching the same cells give
equal ``Row`` values: adjacent spans never share a style and a row always covers
exactly ``columns`` cells (padded with default-style spaces). A wide character is one
character in the span text and two cells; a wide character whose right half was
overwritten, or an orphaned right half, shows as a space.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import groupby
from operator import attrgetter

from wcwidth import grapheme_boundary_before

from .cells import Cell
from .graphemes import CHAR_KINDS, cluster_width, text_cells, text_width
from .model import DEFAULT_STYLE, Row, Span


def blank_row(columns: int) -> Row:
    return (Span(" " * columns, DEFAULT_STYLE),)


_DATA = attrgetter("data")
_STYLE = attrgetter("style")
_RANGES: dict[int, list[int]] = {}


def cells_to_row(line: Mapping[int, Cell] | None, columns: int) -> Row:
    """Convert a sparse pyte row to a canonical model row ``columns`` cells wide."""
    if not line:
        return blank_row(columns)
    n = len(line)
    if n <= columns:
        # The common case, done in C: cells 0..n-1 written left to right, one cell each.
        keys = _RANGES.get(n)
        if keys is None:
            keys = _RANGES[n] = list(range(n))
        ordered = list(line) == keys
        if ordered or max(line) == n - 1:  # (n distinct columns up to n - 1: all of them)
            cells = list(line.values()) if ordered else list(map(line.__getitem__, keys))
            datas = list(map(_DATA, cells))
            text = "".join(datas)
            if len(text) == n and text.isascii():
                return _spans(text, cells, columns)
            if len(text) <= n:  # no cell holds more than one character: maybe simple
                row = _simple_spans(cells, datas, columns)
                if row is not None:
                    return row
    return _cells_to_row(line, columns)


_SHAPE = {1: "a", 2: "W", 0: "?"}
_STUB_MARK = {"": "\x00"}
_SIMPLE_SHAPE = re.compile(r"(?:a|Ws)*")


def _simple_spans(cells: list[Cell], datas: list[str], columns: int) -> Row | None:
    """Spans of cells 0..n-1 that each hold one character that never joins a cluster,
    every two-cell one followed by its right half; None if they are not like that."""
    kinds = CHAR_KINDS
    marked = "".join(map(_STUB_MARK.get, datas, datas))  # right halves as NUL, in C
    table = {ord(c): _SHAPE[kinds[c]] for c in set(marked)}
    table[0] = "s"
    if not _SIMPLE_SHAPE.fullmatch(marked.translate(table)):
        return None
    spans: list[Span] = []
    x = 0
    for style, group in groupby(cells, _STYLE):
        run = list(group)
        text = "".join(map(_DATA, run))
        if not text:
            return None  # a right half styled apart from its character: the general way
        spans.append(Span(text, style))
        x += len(run)
    if x < columns:
        last = spans[-1]
        if last.style == DEFAULT_STYLE:
            spans[-1] = Span(last.text + " " * (columns - x), DEFAULT_STYLE)
        else:
            spans.append(Span(" " * (columns - x), DEFAULT_STYLE))
    return tuple(spans)


def _spans(text: str, cells: list[Cell], columns: int) -> Row:
    spans: list[Span] = []
    x = 0
    for style, group in groupby(cells, _STYLE):  # groupby compares by identity first
        k = len(list(group))
        spans.append(Span(text[x : x + k], style))
        x += k
    if x < columns:
        last = spans[-1]
        if last.style == DEFAULT_STYLE:
            spans[-1] = Span(last.text + " " * (columns - x), DEFAULT_STYLE)
        else:
            spans.append(Span(" " * (columns - x), DEFAULT_STYLE))
    return tuple(spans)


def _cells_to_row(line: Mapping[int, Cell], columns: int) -> Row:
    spans: list[Span] = []
    texts: list[str] = []
    current = DEFAULT_STYLE
    get = line.get
    x = 0
    for key in sorted(k for k in line if 0 <= k < columns):
        if key < x:
            continue  # the right half of a wide character already emitted
        if key > x:  # a gap of untouched cells
            if current is not DEFAULT_STYLE:
                spans.append(Span("".join(texts), current))
                texts = []
                current = DEFAULT_STYLE
            texts.append(" " * (key - x))
            x = key
        cell = line[key]
        char = cell.data
        step = 1
        if not char:
            char = " "  # an orphaned right half
        elif not char.isascii():
            width = cluster_width(char)
            if width == 2:
                right = get(x + 1)
                if x + 1 < columns and right is not None and right.data == "":
                    step = 2
                else:
                    char = " "  # its right half was overwritten (or it hangs off the edge)
            elif width == 0:
                char = " "  # nothing to draw (never stored by the screen)
        style = cell.style
        if style is not current and style != current:
            if texts:
                spans.append(Span("".join(texts), current))
                texts = []
            current = style
        elif texts and not (char.isascii() and texts[-1].isascii()) and _joins(texts[-1], char):
            char = " "  # it would read as one cluster with its neighbour: keep the cells
        texts.append(char)
        x += step
    if x < columns:
        if current is not DEFAULT_STYLE and current != DEFAULT_STYLE:
            spans.append(Span("".join(texts), current))
            texts = []
            current = DEFAULT_STYLE
        texts.append(" " * (columns - x))
    if texts:
        spans.append(Span("".join(texts), current))
    return tuple(spans)


def _joins(before: str, after: str) -> bool:
    """Whether two cells' texts, side by side, would read as one cluster (a program put
    a joiner or a mark in one cell and moved the cursor before drawing the next)."""
    if CHAR_KINDS[after[0]] and CHAR_KINDS[before[-1]]:
        return False
    text = before + after
    return grapheme_boundary_before(text, len(before) + 1) < len(before)


def fit_row(row: Row, columns: int) -> Row:
    """A stored row made exactly ``columns`` cells wide (the width may have changed)."""
    width = sum(span_width(s.text) for s in row)
    if width == columns:
        return row
    if width < columns:
        last = row[-1] if row else None
        pad = " " * (columns - width)
        if last is not None and last.style == DEFAULT_STYLE:
            return (*row[:-1], Span(last.text + pad, DEFAULT_STYLE))
        return (*row, Span(pad, DEFAULT_STYLE))
    out: list[Span] = []
    left = columns
    for span in row:
        w = span_width(span.text)
        if w <= left:
            out.append(span)
            left -= w
        else:
            text = _cut(span.text, left)
            out.append(Span(text, span.style))
            left -= span_width(text)
            if left:
                out.append(Span(" " * left, DEFAULT_STYLE))
            break
        if not left:
            break
    return tuple(out)


def span_width(text: str) -> int:
    """Cells a span's text takes, cluster by cluster (see ``graphemes``)."""
    return text_width(text)


def _cut(text: str, cells: int) -> str:
    out = []
    for cell in text_cells(text):
        if not cell:
            continue
        width = cluster_width(cell) or 1
        if width > cells:
            out.append(" " * cells)
            break
        out.append(cell)
        cells -= width
    return "".join(out)


def row_text(row: Row) -> str:
    """The row's characters (a wide character counted once), for tests and search."""
    return "".join(span.text for span in row)
