"""Reflow: when the width changes, soft-wrapped lines are wrapped again, as tmux does.

Rows know whether they go on from the row above (``Line.continued``, the scrollback's
flags). A *line* is a row and the rows that go on from it. On a width change every line of
the normal screen and of the scrollback that no longer fits, or that was wrapped, is
joined and split again at the new width; a line that fits in one row is left alone (so a
resize costs little when little was wrapped, whatever the size of the scrollback). The
cursor keeps its place in its line's text; as in xterm.js, lines above it that got longer
push it down into blank rows below, then push rows into the scrollback, and lines that
got shorter bring scrollback rows back down. The alternate screen is not reflowed (tmux,
xterm.js): full-screen programs redraw on SIGWINCH.

What a line's text is: a wrapped row counts in full (its trailing blanks may be spaces the
program wrote), but for the blank a wide character leaves when it wraps early; plain
blanks at the end of the line are not text (coloured or underlined ones are: they show).
"""

from __future__ import annotations

import re

from .cells import BLANK, Cell, apply_sgr, make_cell
from .fastpath import split_rows
from .graphemes import CHAR_KINDS, cluster_width, text_cells, text_width
from .model import DEFAULT_STYLE, CellStyle, Row, Span
from .rows import cells_to_row
from .screen import EmulatorScreen, Line
from .scrollback import SGR, PackedRow, Scrollback, TextBlock, sgr_params

Cells = list[tuple[str, CellStyle]]
"""A line or row as clusters with their styles (no entries for right halves)."""

_CODES = re.compile(r"(\x1b\[[0-9;]*[mK])")


def row_cells(row: Row) -> Cells:
    """A model row as clusters (right halves dropped)."""
    out: Cells = []
    for span in row:
        style = span.style
        out += [(text, style) for text in text_cells(span.text) if text]
    return out


def _width(cells: Cells) -> int:
    return sum(cluster_width(text) or 1 for text, _ in cells)


def join(rows: list[Cells]) -> Cells:
    """The text of a line from its rows (see the module docstring)."""
    line: Cells = []
    for k, cells in enumerate(rows):
        if k + 1 < len(rows):
            following = rows[k + 1]
            if cells and following and cells[-1][0] == " " and cluster_width(following[0][0]) == 2:
                cells = cells[:-1]  # the blank a wide character left when it wrapped early
        line += cells
    end = len(line)
    while end and line[end - 1][0] == " " and line[end - 1][1] == DEFAULT_STYLE:
        end -= 1
    return line[:end]


def line_text(rows: list[Row]) -> str:
    """The text of a line from its rows (each wrapping onto the next), as reflow reads it:
    for copying a selection that spans soft wraps without inventing newlines or blanks."""
    return "".join(text for text, _ in join([row_cells(row) for row in rows]))


def split(line: Cells, columns: int) -> list[Cells]:
    """A line's rows at ``columns``: a wide character that does not fit wraps early."""
    rows: list[Cells] = []
    row: Cells = []
    width = 0
    for text, style in line:
        w = cluster_width(text) or 1
        if width + w > columns:
            rows.append(row)
            row, width = [], 0
            if w > columns:
                text, w = " ", 1  # a wide character on a one-column screen
        row.append((text, style))
        width += w
    rows.append(row)
    return rows


def to_row(cells: Cells) -> Row:
    """Cells back into a model row (adjacent cells with one style make one span)."""
    spans: list[Span] = []
    texts: list[str] = []
    current = DEFAULT_STYLE
    for text, style in cells:
        if style != current and texts:
            spans.append(Span("".join(texts), current))
            texts = []
        current = style
        texts.append(text)
    if texts:
        spans.append(Span("".join(texts), current))
    return tuple(spans)


_TEMPLATES: dict[CellStyle, Cell] = {}


def _cell(text: str, style: CellStyle) -> Cell:
    template = _TEMPLATES.get(style)
    if template is None:
        if len(_TEMPLATES) > 4096:
            _TEMPLATES.clear()
        s = style
        template = _TEMPLATES[style] = make_cell(
            (
                " ",
                s.fg,
                s.bg,
                s.bold,
                s.italic,
                s.underline,
                s.strike,
                s.reverse,
                s.blink,
                s.dim,
                s.conceal,
                s.link,
            )
        )
    return template if text == " " and template == BLANK else template._replace(data=text)


def to_line(cells: Cells, continued: bool) -> Line:
    """Cells back into a screen row."""
    line = Line()
    x = 0
    for text, style in cells:
        cell = _cell(text, style)
        if cell is not BLANK:
            line[x] = cell
        if cluster_width(text) == 2:
            line[x + 1] = cell._replace(data="")
            x += 2
        else:
            x += 1
    if continued:
        line.continued = True
    return line


# -- the scrollback ------------------------------------------------------------------------
def _entry_width(history: Scrollback, i: int) -> int | None:
    """How wide scrollback row ``i`` is without styling it (None: must be looked at)."""
    entry = history.entry(i)
    if isinstance(entry, str):
        return text_width(entry)
    if isinstance(entry, PackedRow):
        return text_width(entry.text)
    raw = entry[0].rows[entry[1]]  # type: ignore[index]
    if "\t" in raw:
        return None
    return text_width(_CODES.sub("", raw))


Item = tuple[str, object]
"""A row after reflow: ("index", scrollback index), ("entry", a scrollback entry) or
("cells", Cells)."""


def _item_entry(item: Item, history: Scrollback) -> object:
    kind, value = item
    if kind == "index":
        return history.entry(value)  # type: ignore[arg-type]
    if kind == "entry":
        return value
    return _entry(value)  # type: ignore[arg-type]


def _item_cells(item: Item, history: Scrollback, old: int, columns: int) -> Cells:
    kind, value = item
    if kind == "index":
        return row_cells(history.row(value, old))  # type: ignore[arg-type]
    if kind == "cells":
        return value  # type: ignore[return-value]
    scratch = Scrollback(1)
    scratch.rebuild([value], [])
    return row_cells(scratch.row(0, columns))


_TRAILING = re.compile(r"(?: |\x1b\[[0-9;]*[mK])+\Z")


def _join_raw(raws: list[str], old: int) -> str:
    """The text of a line of raw rows (text and SGR/EL codes), read as :func:`join`
    reads cells: a wrapped row counts in full (padded to the old width), less a last
    blank before a wide character; the line's trailing blanks go (its codes stay)."""
    kinds = CHAR_KINDS
    parts = []
    for k, raw in enumerate(raws):
        if k + 1 < len(raws):
            visible = _CODES.sub("", raw) if "\x1b" in raw else raw
            width = text_width(visible)
            if width < old:
                raw += " " * (old - width)
                visible += " "
            following = raws[k + 1]
            following = _CODES.sub("", following) if "\x1b" in following else following
            if following and kinds[following[0]] == 2 and visible.endswith(" "):
                m = _TRAILING.search(raw)
                assert m is not None
                tail = m.group()
                cut = tail.rfind(" ")
                raw = raw[: m.start()] + tail[:cut] + tail[cut + 1 :]
        parts.append(raw)
    line = "".join(parts)
    m = _TRAILING.search(line)
    if m is not None:  # (only called when those blanks are plain)
        line = line[: m.start()] + m.group().replace(" ", "")
    return line


def _plain_rows(entries: list[object], old: int, columns: int) -> list[str] | None:
    """A line of default-style rows (``str`` entries) split again as text; None if it is
    not one (or has characters that join clusters: the general way handles those)."""
    if not all(isinstance(e, str) for e in entries):
        return None
    texts: list[str] = entries  # type: ignore[assignment]
    kinds = CHAR_KINDS
    if not all(text.isascii() or all(map(kinds.__getitem__, text)) for text in texts):
        return None
    line = _join_raw(texts, old)
    if line.isascii():
        return [line[p : p + columns] for p in range(0, len(line), columns)] or [""]
    return split_rows(line, columns)


def _block_rows(entries: list[object], old: int, columns: int) -> list[object] | None:
    """A line of the fast path's raw rows (one ``TextBlock``) split again as raw text,
    codes and all, into a block of its own; None if it is not one (or has tabs: they
    were expanded at the old width, the general way keeps that)."""
    first = entries[0]
    if not isinstance(first, tuple):
        return None
    block, k = first
    if not isinstance(block, TextBlock) or any(
        not isinstance(e, tuple) or e[0] is not block or e[1] != k + n
        for n, e in enumerate(entries)
    ):
        return None
    raws = block.rows[k : k + len(entries)]
    if any("\t" in raw for raw in raws):
        return None
    start = block.state_before(k)
    line = "".join(raws)
    m = _TRAILING.search(line)
    if m is not None and " " in m.group():
        # trailing blanks are dropped only when plain: is any of them styled?
        state = start
        for params in SGR.findall(line, 0, m.start()):
            state = apply_sgr(state, sgr_params(params))
        for piece in _CODES.split(m.group()):
            if piece.startswith("\x1b["):
                if piece.endswith("m"):
                    state = apply_sgr(state, sgr_params(piece[2:-1]))
            elif piece and state.style != DEFAULT_STYLE:
                return None
    new = TextBlock(start, split_rows(_join_raw(raws, old), columns), columns)
    return [(new, n) for n in range(len(new.rows))]


def _entry(cells: Cells) -> object:
    """A scrollback entry for a row of cells (the compact forms ``Scrollback`` keeps)."""
    row = to_row(cells)
    if not row:
        return ""
    if len(row) == 1 and row[0].style == DEFAULT_STYLE:
        return row[0].text.rstrip(" ")
    return PackedRow(row)


def reflow(screen: EmulatorScreen, history: Scrollback, columns: int) -> None:
    """Wrap the normal screen's lines and the scrollback's again at ``columns`` (the
    screen's width is still the old one; ``screen.resize`` does the rest)."""
    old = screen.columns
    if columns == old:
        return
    alt = screen.alt_screen
    buffer = screen._other_buffer if alt else screen.buffer
    assert buffer is not None
    lines = screen.lines
    saved = screen._saved[0]
    if not alt:
        cx, cy = min(screen.cursor.x, old), screen.cursor.y
    elif saved is not None:
        cx, cy = min(saved.cursor.x, old), saved.cursor.y
    else:
        cx, cy = 0, max((y for y, row in buffer.items() if row), default=0)
    last = max((y for y, row in buffer.items() if row and y < lines), default=-1)
    content = max(last, cy) + 1
    first = buffer.get(0)
    screen_goes_on = bool(first is not None and first.continued)

    # 1. the scrollback: a line that fits in one row stays as it is (not even styled);
    #    plain lines and the fast path's raw rows are split as text (cheap), the rest is
    #    styled, joined and split cell by cell
    size = len(history)
    rows: list[tuple[Item, bool]] = []
    tail: list[Cells] = []  # the scrollback's last line, when it goes on onto the screen
    i = 0
    while i < size:
        j = i + 1
        while j < size and history.continued(j):
            j += 1
        goes_on = j == size and screen_goes_on
        entries = [history.entry(k) for k in range(i, j)]
        if goes_on:
            tail = [row_cells(history.row(k, old)) for k in range(i, j)]
        elif j == i + 1 and (width := _entry_width(history, i)) is not None and width <= columns:
            rows.append((("index", i), False))
        elif (texts := _plain_rows(entries, old, columns)) is not None:
            rows += [(("entry", text), k > 0) for k, text in enumerate(texts)]
        elif (block_rows := _block_rows(entries, old, columns)) is not None:
            rows += [(("entry", entry), k > 0) for k, entry in enumerate(block_rows)]
        else:
            line_rows = [row_cells(history.row(k, old)) for k in range(i, j)]
            split_rows = split(join(line_rows), columns)
            rows += [(("cells", cells), k > 0) for k, cells in enumerate(split_rows)]
        i = j
    above = len(rows)

    # 2. the screen's lines (the first may go on from the scrollback's last one), split
    #    again; the cursor keeps its place in its line's text
    groups: list[tuple[list[Cells], int]] = []  # (rows, y of the first, or <0: scrollback)
    current: list[Cells] = list(tail)
    start = -len(tail)
    for y in range(content):
        row = buffer.get(y)
        if current and not (row is not None and row.continued) and (y or not tail):
            groups.append((current, start))
            current, start = [], y
        current.append(row_cells(cells_to_row(row, old)) if row else [])
    if current:
        groups.append((current, start))
    cursor_row = cursor_x = 0
    for group, start in groups:
        split_rows = split(join(group), columns)
        if start <= cy < start + len(group):
            offset = sum(_width(r) for r in group[: cy - start]) + cx
            at, x = 0, offset
            while at < len(split_rows) - 1 and x >= _width(split_rows[at]):
                x -= _width(split_rows[at])
                at += 1
            if x > _width(split_rows[at]):  # past the text: on its last row, clamped
                x = min(x, columns - 1)
            cursor_row, cursor_x = len(rows) - above + at, x
        rows += [(("cells", cells), k > 0) for k, cells in enumerate(split_rows)]

    # 3. where the cursor goes on the screen (as xterm.js): lines that got longer above
    #    it push it down into blank rows below, then push rows into the scrollback; lines
    #    that got shorter bring scrollback rows back down, so it keeps its row
    cursor_abs = above + cursor_row
    delta = cursor_row - (cy + len(tail))
    below = len(rows) - cursor_abs - 1  # the rows of text under the cursor
    want = cy + delta if delta >= 0 else cy
    want = max(0, min(want, lines - 1 - below, lines - 1))
    top = max(0, cursor_abs - want)
    shown = [(_item_cells(item, history, old, columns), c) for item, c in rows[top : top + lines]]
    kept: list[object] = []
    continued: list[int] = []
    for n, (item, c) in enumerate(rows[:top]):
        kept.append(_item_entry(item, history))
        if c:
            continued.append(n)
    history.rebuild(kept, continued)

    buffer.clear()
    for y, (cells, c) in enumerate(shown):
        if cells or c:
            buffer[y] = to_line(cells, c)
    cursor_y = cursor_abs - top
    if not alt:
        screen.cursor.x, screen.cursor.y = min(cursor_x, columns), min(cursor_y, lines - 1)
    elif saved is not None:
        saved.cursor.x, saved.cursor.y = min(cursor_x, columns - 1), min(cursor_y, lines - 1)
    screen.dirty.update(range(lines))
