"""The fast path: runs of plain scrolling lines skip pyte except for the last screenful.

When output is a run of complete lines (``text\\r\\n``) made only of printable
characters one cell wide, SGR and ``EL 0``, and the screen is in the plain state
(normal screen, no scroll region, autowrap on, no insert mode, default character set,
cursor at column 0 of an empty bottom row), everything but the last ``lines - 1`` lines
of the run will scroll off the top. Feeding those through pyte would build every cell
only to throw it away. Instead:

* the screen's rows above the cursor go to the scrollback (they would scroll off first);
* the run's first lines are split into screen rows by width and pushed to the scrollback
  as raw text (styled lazily, see ``scrollback.TextBlock``);
* the SGR state after them is computed from the codes after the last full reset;
* the screen is cleared and the last ``lines - 1`` lines are kept raw ("deferred"): they
  are drawn through pyte only when someone looks at the screen or other output arrives,
  with the scrollback told to drop the ``lines - 1`` blank rows this pushes off the top;
  a following run simply continues from them (so a flood costs pyte work once per look,
  not once per chunk). An unfinished last line is held back the same way.

The result (screen, cursor, attributes, scrollback) equals what the plain path gives;
``tests/pty/test_emulator_fastpath.py`` checks that with hypothesis.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

from pyte import charsets as _cs

from .cells import BLANK, Cell
from .graphemes import CHAR_KINDS
from .screen import EmulatorScreen
from .scrollback import SGR, sgr_params

SIMPLE_LINES = re.compile(
    r"(?:(?:[^\x00-\x08\x0a-\x1f\x7f-\x9f]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r\n)+"
)
"""A run of complete simple lines, matched in C (lines with characters that join
clusters, and the like, are found by :func:`complex_lines`)."""

_SIMPLE_LINE = r"(?:[^\x00-\x08\x0a-\x1f\x7f-\x9f]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r\n"
_RUNS: dict[int, re.Pattern[str]] = {}


def next_run(text: str, start: int, count: int) -> int:
    """Where the first line end at or after ``start`` is that is followed by at least
    ``count`` complete simple lines, or -1. The fast path takes a run of more than a
    screenful of them (``count``), so it cannot start before that: the lines up to there
    go to pyte in one piece instead of one by one (a full-screen program's rows, e.g.
    top's, never start such a run). One pass: runs of up to ``count`` lines are matched
    one after the other; the first that is ``count`` long starts at the answer (a line
    end inside a run is followed by fewer lines than its start), and no stretch of the
    text is looked at twice (the former lookahead was tried at every line end)."""
    pattern = _RUNS.get(count)
    if pattern is None:
        pattern = _RUNS[count] = re.compile(rf"\r\n(?:{_SIMPLE_LINE}){{1,{count}}}+")
    for m in pattern.finditer(text, start):
        if m.end() - m.start() > 2 and text.count("\r\n", m.start() + 2, m.end()) >= count:
            return m.start()
    return -1


SIMPLE_PARTIAL = re.compile(
    r"(?:[^\x00-\x08\x0a-\x1f\x7f-\x9f]++|\x1b\[[0-9;]*+m|\x1b\[0?K)*+\r?\Z"
)
"""The unfinished last line of a chunk, if it could continue a run of simple lines."""

_LAT1 = _cs.LAT1_MAP
_CODES = re.compile(r"(\x1b\[[0-9;]*[mK])")
_RESETS = ("\x1b[m", "\x1b[0m", "\x1b[00m", "\x1b[0;", "\x1b[;")


def plain_state(screen: EmulatorScreen) -> bool:
    """Whether the screen's modes allow the fast path at all (on the normal or the
    alternate screen, with or without a scroll region)."""
    mode = screen.mode
    return (
        7 << 5 in mode  # DECAWM
        and 4 not in mode  # IRM
        and 20 not in mode  # LNM
        and not screen.charset
        and screen.g0_charset is _LAT1
    )


def scroll_area(screen: EmulatorScreen) -> tuple[int, int]:
    """The rows a line feed at the bottom scrolls: the scroll region or the screen."""
    margins = screen.margins
    return (margins.top, margins.bottom) if margins is not None else (0, screen.lines - 1)


def at_fresh_bottom(screen: EmulatorScreen) -> bool:
    """Cursor at column 0 of an empty row at the bottom of the scroll area: where a run
    of lines can start."""
    cursor = screen.cursor
    bottom = scroll_area(screen)[1]
    return cursor.x == 0 and cursor.y == bottom and not screen.buffer.get(bottom)


_DEFAULT_TABS: dict[int, set[int]] = {}


def default_tabs(screen: EmulatorScreen) -> bool:
    """Whether the tab stops are the default ones (every 8 columns), as on the scratch
    screen scrollback rows are replayed on."""
    columns = screen.columns
    tabs = _DEFAULT_TABS.get(columns)
    if tabs is None:
        tabs = _DEFAULT_TABS[columns] = set(range(8, columns, 8))
    return screen.tabstops == tabs


_SETS_BACKGROUND = re.compile(r"\x1b\[(?:[0-9]*;)*(?:4[0-8]|10[0-7])(?:;[0-9;]*)?m")
"""An SGR that may set a background colour (or a colour index that looks like one)."""

_SEQUENCE_OR_TEXT = re.compile(
    r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\x1b[\x20-\x2f]*[\x30-\x7e]|([^\x00-\x1f\x7f-\x9f]+)"
)
_CHARSET_CHANGES = re.compile(r"\x0e|\x1b[()]")


def _nfc(m: re.Match[str]) -> str:
    run = m.group(1)
    return unicodedata.normalize("NFC", run) if run else m.group()


def nfc_text_runs(text: str) -> str:
    """``text`` with each run of printable characters in NFC, escape sequences untouched:
    what the screen's ``draw`` does run by run (``e`` + U+0301 becomes ``é``, one simple
    character the fast path can take). Only valid while every run is drawn with the
    default character set: with a charset change in ``text``, it is returned as is."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    if _CHARSET_CHANGES.search(text):
        return text
    return _SEQUENCE_OR_TEXT.sub(_nfc, text)


def complex_lines(text: str, tabs_ok: bool) -> list[int]:
    """Where the lines of ``text`` that must take the plain path start, in order: a
    character that may join a grapheme cluster or takes no cell (marks, joiners,
    selectors...), an SGR that may set a background (a line feed then scrolls in a
    coloured line, BCE), a tab when the tab stops are not the default. Found in one pass
    (a search per complex line, not per character)."""
    starts: set[int] = set()
    searches = [_SETS_BACKGROUND]
    if not tabs_ok and "\t" in text:
        searches.append(_TAB)
    if not text.isascii():
        kinds = CHAR_KINDS
        odd = [c for c in set(text) if c > "\x7f" and not kinds[c]]
        if odd:
            searches.append(re.compile("[" + "".join(map(re.escape, odd)) + "]"))
    for pattern in searches:
        at = 0
        while (m := pattern.search(text, at)) is not None:
            start = text.rfind("\r\n", 0, m.start())
            starts.add(start + 2 if start >= 0 else 0)
            end = text.find("\r\n", m.end())
            if end < 0:
                break
            at = end + 2
    return sorted(starts)


_TAB = re.compile("\t")


def split_rows(line: str, columns: int) -> list[str]:
    """Split one line into the screen rows autowrap makes of it (codes stay with the
    row the cursor is on when they arrive, also in the pending-wrap state)."""
    if "\t" in line or not line.isascii():
        return _split_general(line, columns)
    if len(line) <= columns:
        return [line]
    if "\x1b" not in line:
        return [line[i : i + columns] for i in range(0, len(line), columns)]
    rows: list[str] = []
    current: list[str] = []
    width = 0
    for k, token in enumerate(_CODES.split(line)):
        if k % 2:
            current.append(token)
            continue
        while token:
            if width == columns:
                rows.append("".join(current))
                current = []
                width = 0
            take = token[: columns - width]
            current.append(take)
            width += len(take)
            token = token[len(take) :]
    rows.append("".join(current))
    return rows


def _split_wide(line: str, columns: int) -> list[str]:
    """``split_rows`` for text alone (no codes, no tabs) with wide characters: the
    cut points found in C (running widths, bisect) instead of a loop over characters."""
    ends = list(accumulate(map(_WIDTH.__getitem__, line)))
    rows: list[str] = []
    start, base, n = 0, 0, len(line)
    while True:
        cut = bisect_right(ends, base + columns, start)  # a wide one that does not fit wraps
        rows.append(line[start:cut])
        if cut >= n:
            return rows
        base = ends[cut - 1]
        start = cut


class _Widths(dict[str, int]):
    def __missing__(self, char: str) -> int:
        width = self[char] = 2 if CHAR_KINDS[char] == 2 else 1
        return width


_WIDTH = _Widths()


def _split_general(line: str, columns: int) -> list[str]:
    """``split_rows`` for a line with tabs or wide characters, as ``EmulatorScreen``
    draws them: a tab moves to the next default stop (or the last column, even from the
    pending-wrap state); a wide character that does not fit wraps first."""
    if "\t" not in line and "\x1b" not in line and line and columns >= 2:
        return _split_wide(line, columns)
    rows: list[str] = []
    current: list[str] = []
    x = 0
    for k, token in enumerate(_CODES.split(line)):
        if k % 2:
            current.append(token)
            continue
        for char in token:
            if char == "\t":
                stop = (x // 8 + 1) * 8
                x = stop if stop < columns else columns - 1
            else:
                width = 2 if char > "\x7f" and CHAR_KINDS[char] == 2 else 1
                if width > columns:
                    continue  # never fits: the screen drops it too
                if x + width > columns and (x >= columns or width == 2):
                    rows.append("".join(current))
                    current = []
                    x = 0
                x += width
            current.append(char)
    rows.append("".join(current))
    return rows


def sgr_after(start: Cell, text: str, apply: object) -> Cell:
    """The SGR state after ``text``, replaying only codes after the last full reset."""
    cut = max(text.rfind(r) for r in _RESETS)
    state = start if cut < 0 else BLANK
    for params in SGR.findall(text, max(cut, 0)):
        state = apply(state, tuple(sgr_params(params)))  # type: ignore[operator]
    return state


# -- full-screen frames: rows a later frame of the same feed writes again ------------------
_SET = r"(?:\x1b\[[0-9;]*m|\x1b\([0B])"
_FRAME_LINE = re.compile(rf"(?:{_SET}|[\x20-\x7e]++)*+(\x1b\[0?K)?")
"""A line of a simple frame: SGRs, G0 sets and ASCII text; with ``EL 0`` at its end
(group 1) it writes its row whole (from column 0, as the line starts there)."""
_CODES_IN_ROW = re.compile(rf"{_SET}|\x1b\[0?K")
_FROM_SCRATCH = ("\x1b(B\x1b[m", "\x1b[m\x1b(B", "\x1b(B\x1b[0m", "\x1b[0m\x1b(B")
"""How a line starts when what came before it does not matter to it (G0 and SGR set)."""
_HOME = re.compile(r"\x1b\[H")


def drop_overwritten_rows(text: str, lines: int, columns: int) -> str:
    """``text`` without the row writes a later frame of it writes again.

    Full-screen programs (top, htop) redraw from ``ESC [ H``, a row per line, each row
    written whole (SGRs and ASCII text, then ``EL 0``) or skipped (a bare CR LF). When
    ``text`` holds several such frames, only the last write of each row shows: an earlier
    write is dropped (its CR LF kept) if the next line starts from scratch (``ESC ( B``
    and ``ESC [ m`` before any text, so the state the dropped one leaves does not matter)
    and a later frame of the same run of such frames writes the row whole again. A frame
    with anything else (a cursor move, a scroll, non-ASCII text, a line that would wrap,
    more lines than the screen) ends a run: nothing is dropped across it. The screen,
    cursor and state after ``text`` are the same (the equivalence tests check it)."""
    starts = [m.start() for m in _HOME.finditer(text)]
    if len(starts) < 2:
        return text
    frames: list[tuple[list[str], list[bool]] | None] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(text)
        body = text[start + 3 : end].split("\r\n")
        whole: list[bool] = []  # per line: it writes its row whole
        if len(body) > lines:
            frames.append(None)
            continue
        for line in body:
            if not line:
                whole.append(False)
                continue
            m = _FRAME_LINE.fullmatch(line)
            if m is None or (len(line) > columns and len(_CODES_IN_ROW.sub("", line)) > columns):
                break  # not simple, or it would wrap
            whole.append(m.group(1) is not None)
        frames.append((body, whole) if len(whole) == len(body) else None)
    later: set[int] = set()  # rows a later frame of the run writes whole
    for frame in reversed(frames):
        if frame is None:
            later = set()
            continue
        body, whole = frame
        for y in range(len(body) - 1):  # (never a frame's last line: its state goes on)
            if whole[y] and y in later and body[y + 1].startswith(_FROM_SCRATCH):
                body[y] = ""
        later.update(y for y, w in enumerate(whole) if w)
    pieces = [text[: starts[0]]]
    for k, start in enumerate(starts):
        frame = frames[k]
        if frame is None:
            end = starts[k + 1] if k + 1 < len(starts) else len(text)
            pieces.append(text[start:end])
        else:
            pieces.append("\x1b[H" + "\r\n".join(frame[0]))
    return "".join(pieces)
