"""Differential testing: the same bytes into our emulator, tmux and xterm.js, compared.

Each terminal's screen is read as the same plain structure (:class:`Screen`): per row, one
:class:`Look` per cell (the grapheme cluster it shows, ``""`` for the right half of a wide
one, and its attributes), the cursor, and the scrollback's text. :func:`compare` lists
the differences cell by cell.

The references, and what each cannot show:

* **tmux** (3.3a here): the bytes are ``cat``-ed into a detached session of the same size
  (``stty -opost``: no LF → CRLF); the screen comes from ``capture-pane -p -e -N`` (SGR
  escapes; DEC line drawing as SO + letters + SI, mapped back to box characters here) and
  the cursor from ``display``. tmux does not print cells that were only erased, so their
  attributes (background-colour erase) are unknown (``Look.style is None``: not compared).
* **xterm.js** (``@xterm/headless``, pinned in ``testkit/xterm/package.json``, installed by
  ``make venv``): ``testkit/xterm/replay.mjs`` replays the bytes and prints every cell.
  It reports the cursor in the pending-wrap state as column ``cols`` (xterm, tmux and we
  say ``cols - 1``): clamped here.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.graphemes import text_cells
from cloudide_tui.terminal.model import CellStyle, Color
from cloudide_tui.terminal.rows import row_text

XTERM_DIR = Path(__file__).parent / "xterm"
NEEDS_SETUP = "run `make venv` (it installs tmux and testkit/xterm's node modules)"

_DEC_GRAPHICS = dict(
    zip(
        "`abcdefghijklmnopqrstuvwxyz{|}~",
        "◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·",
        strict=True,
    )
)
"""DEC special graphics (VT100): what tmux's SO + letter means (xterm's table)."""


@dataclass(frozen=True)
class Look:
    """One cell: the cluster it shows (``" "`` blank, ``""`` right half of a wide one) and
    its attributes (``None``: the reference cannot tell)."""

    text: str
    style: CellStyle | None


@dataclass
class Screen:
    """What one terminal shows after a stream."""

    name: str
    rows: list[list[Look]]
    cursor: tuple[int, int]
    history: list[str] | None = None
    """Scrollback rows as text, oldest first (None: not read)."""
    replies: str | None = None
    """What the terminal answered (None: not known)."""
    continued: list[bool] | None = None
    """Per visible row: its text goes on from the row above (a soft wrap; None: unknown)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def text(self) -> list[str]:
        """The rows as text, right-stripped."""
        return ["".join(look.text for look in row).rstrip() for row in self.rows]


@dataclass(frozen=True)
class Difference:
    where: str  # "row 3 col 5", "cursor", "history"
    what: str  # "text", "style", "cursor", "history", "size"
    ours: object
    theirs: object

    def __str__(self) -> str:
        return f"{self.where} {self.what}: {self.ours!r} != {self.theirs!r}"


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return " " if text == "" else text


def compare(
    a: Screen, b: Screen, *, styles: bool = True, history: bool = False
) -> list[Difference]:
    """Differences between two screens, cell by cell (text, then attributes where both
    know them), cursor, and optionally the scrollback's text."""
    out: list[Difference] = []
    if len(a.rows) != len(b.rows):
        return [Difference("screen", "size", len(a.rows), len(b.rows))]
    for y, (ra, rb) in enumerate(zip(a.rows, b.rows, strict=True)):
        # Text is compared over runs of columns that both split the same way: a cluster
        # one terminal keeps in one cell pair and the other spreads over two cells (a
        # spacing mark: "का") reads the same.
        start, ta, tb = 0, "", ""
        for x, (la, lb) in enumerate(zip(ra, rb, strict=False)):
            ta += la.text
            tb += lb.text
            ends_a = x + 1 >= len(ra) or ra[x + 1].text != ""
            ends_b = x + 1 >= len(rb) or rb[x + 1].text != ""
            if ends_a and ends_b:
                if _norm(ta) != _norm(tb):
                    out.append(Difference(f"row {y} col {start}", "text", ta, tb))
                start, ta, tb = x + 1, "", ""
            if styles and la.style is not None and lb.style is not None and la.style != lb.style:
                out.append(Difference(f"row {y} col {x}", "style", la.style, lb.style))
    if a.cursor != b.cursor:
        out.append(Difference("cursor", "cursor", a.cursor, b.cursor))
    # soft wraps between visible rows (whether the first row goes on from the scrollback
    # depends on what reached the scrollback: xterm.js also keeps rows a region with its
    # top at the screen's top scrolls off; tmux and we do not)
    if a.continued is not None and b.continued is not None and a.continued[1:] != b.continued[1:]:
        pairs = zip(a.continued, b.continued, strict=True)
        rows = [y for y, (p, q) in enumerate(pairs) if y and p != q]
        out.append(Difference(f"rows {rows}", "soft wrap", a.continued, b.continued))
    if history and a.history is not None and b.history is not None and a.history != b.history:
        out.append(Difference("history", "history", a.history, b.history))
    return out


def _blank_row(columns: int) -> list[Look]:
    return [Look(" ", CellStyle()) for _ in range(columns)]


# -- ours -------------------------------------------------------------------------------
Resize = tuple[int, int, bytes]
"""(columns, lines, bytes fed after the resize)."""


def ours(
    data: bytes,
    columns: int,
    lines: int,
    *,
    fast_path: bool = True,
    then: list[Resize] | None = None,
) -> Screen:
    """Our emulator's screen after ``data`` (and resizes, each followed by more data)."""
    e = TerminalEmulator(columns, lines, fast_path=fast_path, scrollback=1000)
    e.feed(data)
    for columns, lines, more in then or ():
        e.resize(lines, columns)
        e.feed(more)
    rows = []
    for y in range(lines):
        looks: list[Look] = []
        for span in e.row(y):
            # references cannot show hyperlinks (OSC 8) as an attribute: compare without
            style = span.style._replace(link=None) if span.style.link else span.style
            looks += [Look(text, style) for text in text_cells(span.text)]
        rows.append(looks)
    history = [row_text(e.history_row(i)).rstrip() for i in range(e.history_size)]
    above = e.history_wrapped(e.history_size - 1) if e.history_size else False
    continued = [above] + [e.wrapped(y) for y in range(lines - 1)]
    screen = Screen(
        "ours", rows, (e.cursor.x, e.cursor.y), history, e.take_replies().decode(), continued
    )
    screen.extra["errors"] = e.errors
    return screen


# -- xterm.js ---------------------------------------------------------------------------
def _xterm_colour(value: object) -> Color:
    if isinstance(value, list):
        return (int(value[0]), int(value[1]), int(value[2]))
    return value if isinstance(value, int) else None


class XtermJs:
    """A ``node replay.mjs`` process, one request at a time (use as a context manager)."""

    name = "xterm.js"

    def __init__(self) -> None:
        if shutil.which("node") is None:
            raise RuntimeError(f"node is not installed: {NEEDS_SETUP}")
        if not (XTERM_DIR / "node_modules" / "@xterm" / "headless").is_dir():
            raise RuntimeError(f"@xterm/headless is not installed in {XTERM_DIR}: {NEEDS_SETUP}")
        self._process = subprocess.Popen(
            ["node", str(XTERM_DIR / "replay.mjs")],
            cwd=XTERM_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._next = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def screen(
        self, data: bytes, columns: int, lines: int, then: list[Resize] | None = None
    ) -> Screen:
        self._next += 1
        request = {
            "id": self._next,
            "cols": columns,
            "rows": lines,
            "data": base64.b64encode(data).decode(),
            "then": [[c, n, base64.b64encode(more).decode()] for c, n, more in then or ()],
        }
        if then:
            columns, lines = then[-1][0], then[-1][1]
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the xterm.js replayer died")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"xterm.js: {answer['error']}")
        all_rows = []
        for entry in answer["lines"]:
            looks = []
            for text, width, fg, bg, attrs in entry["cells"]:
                style = CellStyle(
                    fg=_xterm_colour(fg),
                    bg=_xterm_colour(bg),
                    bold="b" in attrs,
                    dim="d" in attrs,
                    italic="i" in attrs,
                    underline="u" in attrs,
                    blink="k" in attrs,
                    reverse="r" in attrs,
                    strike="s" in attrs,
                    conceal="c" in attrs,
                )
                looks.append(Look(text if width == 0 or text else " ", style))
            all_rows.append(looks)
        base = answer["baseY"]
        rows = all_rows[base : base + lines]
        history = ["".join(look.text for look in row).rstrip() for row in all_rows[:base]]
        x, y = answer["cursor"]
        continued = [bool(entry["wrapped"]) for entry in answer["lines"][base : base + lines]]
        screen = Screen(
            self.name, rows, (min(x, columns - 1), y), history, answer["replies"], continued
        )
        screen.extra["alt"] = answer["alt"]
        return screen


# -- tmux -------------------------------------------------------------------------------
_SGR_FLAGS = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 6: "blink"}
_SGR_FLAGS.update({7: "reverse", 8: "conceal", 9: "strike", 21: "underline"})
_SGR_OFF = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",)}
_SGR_OFF.update({27: ("reverse",), 28: ("conceal",), 29: ("strike",)})


def _apply_sgr(style: CellStyle, params: str) -> CellStyle:
    """tmux's SGR output (its own, well-formed subset) applied to a style."""
    if not params:
        return CellStyle()
    groups = params.split(";")
    i = 0
    while i < len(groups):
        sub = [int(p) if p else 0 for p in groups[i].split(":")]
        p = sub[0]
        i += 1
        if p == 0:
            style = CellStyle()
        elif p in (38, 48, 58):
            if len(sub) == 1:  # ; form: the colour's parameters follow as groups
                sub = [p] + [int(g) if g else 0 for g in groups[i : i + 4]]
                i += 2 if sub[1] == 5 else 4
            colour: Color = sub[2] if sub[1] == 5 else (sub[-3], sub[-2], sub[-1])
            if p == 38:
                style = style._replace(fg=colour)
            elif p == 48:
                style = style._replace(bg=colour)
        elif 30 <= p <= 37 or 90 <= p <= 97:
            style = style._replace(fg=p - 30 if p < 90 else p - 82)
        elif 40 <= p <= 47 or 100 <= p <= 107:
            style = style._replace(bg=p - 40 if p < 100 else p - 92)
        elif p == 39:
            style = style._replace(fg=None)
        elif p == 49:
            style = style._replace(bg=None)
        elif p == 4 and len(sub) > 1:
            style = style._replace(underline=sub[1] != 0)
        elif p == 5 and len(sub) > 1:
            pass  # tmux 3.3a prints overline (SGR 53, not modelled) as 5:3
        elif p in _SGR_FLAGS:
            style = style._replace(**{_SGR_FLAGS[p]: True})  # type: ignore[arg-type]
        elif p in _SGR_OFF:
            style = style._replace(**dict.fromkeys(_SGR_OFF[p], False))  # type: ignore[arg-type]
    return style


def parse_capture(
    line: str, columns: int, style: CellStyle, graphics: bool
) -> tuple[list[Look], CellStyle, bool]:
    """One line of ``capture-pane -p -e -N`` as cells, and the attributes and character
    set at its end (tmux only prints changes: a line starts with the state the line above
    ended with). Cells past what tmux printed are blanks whose attributes are unknown."""
    looks: list[Look] = []
    i, n = 0, len(line)
    text: list[str] = []

    def flush() -> None:
        if text:
            for cell in text_cells("".join(text)):
                looks.append(Look(cell, style))
            text.clear()

    while i < n:
        ch = line[i]
        if ch == "\x1b" and line.startswith("[", i + 1):
            j = i + 2
            while j < n and not ("\x40" <= line[j] <= "\x7e"):
                j += 1
            flush()
            if j < n and line[j] == "m":
                style = _apply_sgr(style, line[i + 2 : j])
            i = j + 1
            continue
        if ch == "\x1b":  # ESC ( B and friends: nothing to draw
            flush()
            i += 3 if line.startswith("(", i + 1) else 2
            continue
        if ch in "\x0e\x0f":
            flush()
            graphics = ch == "\x0e"
            i += 1
            continue
        text.append(_DEC_GRAPHICS.get(ch, ch) if graphics else ch)
        i += 1
    flush()
    looks = looks[:columns]
    return looks + [Look(" ", None) for _ in range(columns - len(looks))], style, graphics


class Tmux:
    """One tmux server; each ``screen`` call runs a detached session of the asked size
    (use as a context manager)."""

    name = "tmux"

    def __init__(self, history: int = 1000) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError(f"tmux is not installed: {NEEDS_SETUP}")
        self._socket = f"cloudide-diff-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._dir = tempfile.TemporaryDirectory(prefix="cloudide-diff-")
        self._next = 0
        # a session that lives as long as we do: the server must not exit (and restart,
        # racing the next new-session) each time a case's session is killed
        self._tmux("new-session", "-d", "-s", "keeper", "sleep 86400")
        self._tmux("set", "-g", "history-limit", str(history))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _tmux(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(
            ["tmux", "-L", self._socket, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
            timeout=60,
        )
        return result.stdout if capture else ""

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", self._socket, "kill-server"], capture_output=True, check=False
        )
        self._dir.cleanup()

    def screen(
        self, data: bytes, columns: int, lines: int, then: list[Resize] | None = None
    ) -> Screen:
        """tmux's screen after ``data`` (and resizes with ``resize-window``, each followed
        by more data)."""
        self._next += 1
        name = f"s{self._next}"
        parts = [data] + [more for _, _, more in then or ()]
        steps = []
        for k, part in enumerate(parts):
            path = Path(self._dir.name) / f"{name}-{k}.raw"
            path.write_bytes(part)
            wait = f"tmux -L {self._socket} wait"
            steps.append(f"cat {path}; {wait} -S {name}-{k}; {wait} {name}-{k}-go")
        command = "stty -opost -echo; " + "; ".join(steps) + "; sleep 3600"
        self._tmux("new-session", "-d", "-s", name, "-x", str(columns), "-y", str(lines), command)
        self._tmux("wait", f"{name}-0")
        for k, (columns, lines, _) in enumerate(then or (), start=1):
            self._tmux("resize-window", "-t", name, "-x", str(columns), "-y", str(lines))
            self._tmux("wait", "-S", f"{name}-{k - 1}-go")
            self._tmux("wait", f"{name}-{k}")
        try:
            pane = self._tmux("capture-pane", "-p", "-e", "-N", "-t", name, capture=True)
            rows = []
            style = CellStyle()
            graphics = False
            for line in pane.split("\n")[:lines]:
                row, style, graphics = parse_capture(line, columns, style, graphics)
                rows.append(row)
            rows += [_blank_row(columns) for _ in range(lines - len(rows))]
            fields = (
                self._tmux(
                    "display",
                    "-p",
                    "-t",
                    name,
                    "#{cursor_x},#{cursor_y},#{alternate_on},#{history_size}",
                    capture=True,
                )
                .strip()
                .split(",")
            )
            x, y, alt, size = (int(f) for f in fields)
            history: list[str] = []
            if size:
                text = self._tmux(
                    "capture-pane", "-p", "-t", name, "-S", f"-{size}", "-E", "-1", capture=True
                )
                history = [line.rstrip() for line in text.split("\n")[:size]]
        finally:
            subprocess.run(
                ["tmux", "-L", self._socket, "kill-session", "-t", name],
                capture_output=True,
                check=False,
            )
            for path in Path(self._dir.name).glob(f"{name}-*.raw"):
                path.unlink()
        screen = Screen(self.name, rows, (min(x, columns - 1), y), history)
        screen.extra["alt"] = bool(alt)
        return screen


def judge(ours: Screen, references: list[Screen], follow: str | None) -> list[str]:
    """What is wrong with ``ours`` against the references: with ``follow`` None it must
    equal every one; with a reference's name, equal that one and differ from the others
    (they really disagree); with "neither", differ from all (our own choice, stated)."""
    diffs = {ref.name: compare(ours, ref) for ref in references}
    problems: list[str] = []
    if follow is None:
        for name, found in diffs.items():
            problems += [f"{name}: {d}" for d in found[:6]]
            if len(found) > 6:
                problems.append(f"{name}: ... {len(found) - 6} more")
    elif follow == "neither":
        problems += [
            f"listed as following neither reference, but equals {name}: remove the entry"
            for name, found in diffs.items()
            if not found
        ]
    else:
        if follow not in diffs:
            return [f"unknown reference {follow!r}"]
        problems += [f"{follow} (followed): {d}" for d in diffs[follow][:6]]
        problems += [
            f"listed as following {follow}, but {name} agrees too: remove the entry"
            for name, found in diffs.items()
            if name != follow and not found
        ]
    return problems
