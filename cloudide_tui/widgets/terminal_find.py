"""Finding text in a terminal's rows: search matches and links, as cell columns.

A row is spans of text; a wide character takes two cells (its second is ``""``), a
combining mark shares its base's cell. Matches are found in the row's text and reported
as ``[start, end)`` cell columns, which is what the widget highlights and what a click
hits. Pure functions over the emulator's rows (``terminal_render.row_cells`` splits
them into cells as the widget draws them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cloudide_tui.terminal.model import Row
from cloudide_tui.widgets.terminal_render import row_cells

LINK = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
"""A link in plain text: http(s) or ftp, up to whitespace or a character URLs never hold."""

_TRAILING = ".,;:!?*'\""
"""Punctuation that ends a sentence rather than a link (``see https://x.org.``)."""


@dataclass(frozen=True, slots=True)
class Found:
    """Text found on one line: ``line`` (the terminal's absolute line number), cell
    columns ``[start, end)``, and the text itself."""

    line: int
    start: int
    end: int
    text: str


def _text_and_columns(row: Row) -> tuple[str, list[int], list[int]]:
    """The row's text; for each of its characters the cell column it starts in; and for
    each character the column just after its cell (a wide character covers two)."""
    cells = row_cells(row)
    text: list[str] = []
    columns: list[int] = []
    ends: list[int] = []
    for column, cell in enumerate(cells):
        width = 2 if column + 1 < len(cells) and cells[column + 1] == "" else 1
        for char in cell:
            text.append(char)
            columns.append(column)
            ends.append(column + width)
    return "".join(text), columns, ends


def search(rows: Iterable[tuple[int, Row]], query: str) -> list[Found]:
    """Every occurrence of ``query`` in the rows, in order. Smart case: case-insensitive
    unless the query has a capital letter (as vim and less do)."""
    if not query:
        return []
    flags = 0 if any(c.isupper() for c in query) else re.IGNORECASE
    pattern = re.compile(re.escape(query), flags)
    return list(_find(rows, pattern))


def links(rows: Iterable[tuple[int, Row]]) -> list[Found]:
    """Every link (http, https, ftp) in the rows, in order, without the punctuation that
    ends a sentence, and without a closing bracket it did not open."""
    return list(_find(rows, LINK, trim=True))


def _find(
    rows: Iterable[tuple[int, Row]], pattern: re.Pattern[str], trim: bool = False
) -> Iterator[Found]:
    for line, row in rows:
        text, columns, ends = _text_and_columns(row)
        for match in pattern.finditer(text):
            start, end = match.span()
            if trim:
                end = start + len(_trim_link(match.group()))
            if end > start:
                yield Found(line, columns[start], ends[end - 1], text[start:end])


def _trim_link(url: str) -> str:
    url = url.rstrip(_TRAILING)
    for opening, closing in ("()", "[]", "{}"):
        while url.endswith(closing) and url.count(closing) > url.count(opening):
            url = url[:-1].rstrip(_TRAILING)
    return url


def link_at(rows: Iterable[tuple[int, Row]], line: int, column: int) -> str | None:
    """The link under cell ``column`` of ``line``, if any."""
    for found in links(rows):
        if found.line == line and found.start <= column < found.end:
            return found.text
    return None
