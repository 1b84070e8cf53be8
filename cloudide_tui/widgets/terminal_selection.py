"""The terminal's text selection, in absolute line numbers so that it stays on its text
while output scrolls (line ``n`` is the n-th line the terminal ever showed)."""

from __future__ import annotations

from collections.abc import Callable

from cloudide_tui.terminal.graphemes import cluster_width, row_cells
from cloudide_tui.terminal.model import Row

Point = tuple[int, int]
"""(absolute line, column)."""


class Selection:
    """A range of cells chosen with the mouse: from an anchor to a head, both included."""

    def __init__(self) -> None:
        self.anchor: Point | None = None
        self.head: Point | None = None
        self.dragging = False

    def start(self, point: Point) -> None:
        """The button went down here: nothing is selected until the pointer moves."""
        self.anchor = self.head = point
        self.dragging = True

    def extend(self, point: Point) -> None:
        self.head = point

    def finish(self) -> None:
        """The button went up: a click without a drag selects nothing."""
        self.dragging = False
        if self.anchor == self.head:
            self.clear()

    def clear(self) -> bool:
        """Forget the selection; True if there was one (the view needs a refresh)."""
        had = self.anchor is not None
        self.anchor = self.head = None
        self.dragging = False
        return had

    def bounds(self) -> tuple[Point, Point] | None:
        """(first cell, last cell) in reading order, or None when nothing is selected."""
        if self.anchor is None or self.head is None or self.anchor == self.head:
            return None
        first, last = sorted((self.anchor, self.head))
        return first, last

    def columns(self, line: int, width: int) -> tuple[int, int] | None:
        """The selected cells of ``line`` as ``[left, right)``, or None."""
        bounds = self.bounds()
        if bounds is None:
            return None
        (first_line, first_x), (last_line, last_x) = bounds
        if not first_line <= line <= last_line:
            return None
        left = first_x if line == first_line else 0
        right = last_x + 1 if line == last_line else width
        return left, right

    def text(
        self,
        row_at: Callable[[int], Row | None],
        wraps_at: Callable[[int], bool] = lambda line: False,
    ) -> str:
        """The selected text: one line per line of text, trailing blanks removed. Rows of
        one long line the terminal wrapped (``wraps_at``) are joined without a newline.

        Args:
            row_at: The row of an absolute line (None if it is gone from the scrollback).
            wraps_at: Whether an absolute line's row goes on on the next (a soft wrap).
        """
        bounds = self.bounds()
        if bounds is None:
            return ""
        (first_line, first_x), (last_line, last_x) = bounds
        out: list[str] = []
        pieces: list[str] = []  # the rows of the current line of text
        for line in range(first_line, last_line + 1):
            row = row_at(line)
            if row is None:
                continue
            left = first_x if line == first_line else 0
            right = last_x + 1 if line == last_line else None
            cells = row_cells(row)[left:right]
            if line < last_line and wraps_at(line):
                following = row_at(line + 1)
                first = row_cells(following)[0] if following else ""
                if cells and cells[-1] == " " and cluster_width(first or " ") == 2:
                    cells = cells[:-1]  # the blank a wide character left when it wrapped
                pieces.append("".join(cells))
                continue
            pieces.append("".join(cells))
            out.append("".join(pieces).rstrip())
            pieces = []
        if pieces:
            out.append("".join(pieces).rstrip())
        return "\n".join(out)
