"""Escape-sequence conformance cases: bytes in → screen text, cursor, attributes, replies.

Cases 1-32 are the research note's table (§4.2, from esctest2/vttest and pyte's own bugs);
the rest cover what issue 3 lists. Each case runs against a ``Probe`` so the same table
can score stock pyte 0.8.2 (in the bench) and our emulator (in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyte

from cloudide_tui.terminal.colors import from_pyte
from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.graphemes import row_cells, text_cells
from cloudide_tui.terminal.model import CellStyle, Modes

E = "\x1b"


@dataclass
class Case:
    id: str
    data: str
    rows: list[str] | None = None
    size: tuple[int, int] = (10, 5)  # columns, lines
    cursor: tuple[int, int] | None = None
    replies: bytes | None = None
    check: Callable[[Probe], bool] | None = None
    then: list[Any] = field(default_factory=list)  # ("resize", lines, cols) steps


class Probe:
    """What a case can look at, for one emulator."""

    def text_rows(self) -> list[str]:
        raise NotImplementedError

    def cursor(self) -> tuple[int, int]:
        raise NotImplementedError

    def replies(self) -> bytes:
        raise NotImplementedError

    def style(self, x: int, y: int) -> CellStyle:
        raise NotImplementedError

    def title(self) -> str:
        return ""

    def modes(self) -> Modes:
        return Modes()

    def cursor_visible(self) -> bool:
        return True

    def history(self) -> list[str]:
        return []

    def cells(self, y: int) -> list[str]:
        """Row ``y`` as one string per cell (a cluster, ``""`` for a right half)."""
        raise NotImplementedError

    def clipboard(self) -> list[str]:
        """What the program asked to copy (OSC 52)."""
        raise NotImplementedError

    def resize(self, lines: int, columns: int) -> None:
        raise NotImplementedError

    def feed(self, data: str) -> None:
        raise NotImplementedError


class OurProbe(Probe):
    def __init__(self, case: Case, fast_path: bool = True) -> None:
        self.e = TerminalEmulator(*case.size, fast_path=fast_path)
        self.e.feed(case.data.encode())

    def text_rows(self) -> list[str]:
        return self.e.screen_text()

    def cursor(self) -> tuple[int, int]:
        return self.e.cursor.x, self.e.cursor.y

    def replies(self) -> bytes:
        return self.e.take_replies()

    def style(self, x: int, y: int) -> CellStyle:
        cells = []
        for span in self.e.row(y):
            cells += [span.style] * len(text_cells(span.text))
        return cells[x]

    def title(self) -> str:
        return self.e.title

    def modes(self) -> Modes:
        return self.e.modes

    def cursor_visible(self) -> bool:
        return self.e.cursor.visible

    def history(self) -> list[str]:
        return [
            "".join(s.text for s in self.e.history_row(i)).rstrip()
            for i in range(self.e.history_size)
        ]

    def cells(self, y: int) -> list[str]:
        return row_cells(self.e.row(y))

    def clipboard(self) -> list[str]:
        return self.e.take_clipboard()

    def feed(self, data: str) -> None:
        self.e.feed(data.encode())

    def resize(self, lines: int, columns: int) -> None:
        self.e.resize(lines, columns)


class StockPyteProbe(Probe):
    """Stock pyte 0.8.2 as the research note used it: ByteStream + Screen, replies
    captured, an exception ends that feed (as it does in real use)."""

    def __init__(self, case: Case) -> None:
        self.out: list[str] = []
        self.screen = pyte.Screen(*case.size)
        self.screen.write_process_input = self.out.append  # type: ignore[method-assign,assignment]
        self.stream = pyte.ByteStream(self.screen)
        self.exceptions = 0
        try:
            self.stream.feed(case.data.encode())
        except Exception:
            self.exceptions += 1

    def text_rows(self) -> list[str]:
        rows = []
        for y in range(self.screen.lines):
            line = self.screen.buffer[y]
            rows.append("".join(line[x].data or "" for x in range(self.screen.columns)).rstrip())
        return rows

    def cursor(self) -> tuple[int, int]:
        return self.screen.cursor.x, self.screen.cursor.y

    def replies(self) -> bytes:
        return "".join(self.out).encode()

    def style(self, x: int, y: int) -> CellStyle:
        c = self.screen.buffer[y][x]
        return CellStyle(
            fg=from_pyte(c.fg),
            bg=from_pyte(c.bg),
            bold=c.bold,
            italic=c.italics,
            underline=c.underscore,
            blink=c.blink,
            reverse=c.reverse,
            strike=c.strikethrough,
        )

    def title(self) -> str:
        return str(self.screen.title)

    def cursor_visible(self) -> bool:
        return not self.screen.cursor.hidden

    def resize(self, lines: int, columns: int) -> None:
        self.screen.resize(lines, columns)


def passes(case: Case, probe: Probe) -> bool:
    """Whether ``probe`` (already fed) matches the case."""
    try:
        for step in case.then:
            if step[0] == "resize":
                probe.resize(step[1], step[2])
            elif step[0] == "feed":
                probe.feed(step[1])
        if case.rows is not None and probe.text_rows()[: len(case.rows)] != case.rows:
            return False
        if case.cursor is not None and probe.cursor() != case.cursor:
            return False
        if case.replies is not None and probe.replies() != case.replies:
            return False
        return case.check is None or bool(case.check(probe))
    except Exception:
        return False


FILL5 = f"{E}[1;1Habcde{E}[2;1Hfghij{E}[3;1Hklmno{E}[4;1Hpqrst{E}[5;1Huvwxy"

CASES: list[Case] = [
    # -- the research note's 32 (§4.2) ------------------------------------------------
    Case(
        "IL-1",
        f"{E}[1;1Habcde{E}[2;1Hfghij{E}[3;1Hklmno{E}[3;2H{E}[L",
        ["abcde", "fghij", "", "klmno", ""],
    ),
    Case("IL-2", f"{FILL5}{E}[2;4r{E}[2;1H{E}[L{E}[r", ["abcde", "", "fghij", "klmno", "uvwxy"]),
    Case("DL-1", f"{FILL5}{E}[2;1H{E}[M", ["abcde", "klmno", "pqrst", "uvwxy", ""]),
    Case("DL-2", f"A\r\n\r\nC{E}[H{E}[M", ["", "C", "", ""], size=(10, 4)),
    Case("ED-0", f"{E}[1;1Ha{E}[3;1Hbcd{E}[5;1He{E}[3;2H{E}[0J", ["a", "", "b", "", ""]),
    Case("ED-1", f"{E}[1;1Ha{E}[3;1Hbcd{E}[5;1He{E}[3;2H{E}[1J", ["", "", "  d", "", "e"]),
    Case("EL-1", f"abcdefghij{E}[1;5H{E}[1K", ["     fghij", ""], size=(10, 2)),
    Case("ECH-2", f"abc{E}[1;1H{E}[2X", ["  c", ""], size=(10, 2)),
    Case("ICH-2", f"abcdefg{E}[1;2H{E}[2@", ["a  bcdefg", ""], size=(10, 2)),
    Case("DCH-1", f"abcd{E}[1;2H{E}[P", ["acd", ""], size=(10, 2)),
    Case("REP-2", f"a{E}[2b", ["aaa", ""], size=(10, 2)),
    Case("SU-1", f"{FILL5}{E}[2;3H{E}[S", ["fghij", "klmno", "pqrst", "uvwxy", ""]),
    Case("SD-1", f"{FILL5}{E}[2;3H{E}[T", ["", "abcde", "fghij", "klmno", "pqrst"]),
    Case("CBT-1", f"{E}[1;12H{E}[ZX", ["        X", ""], size=(20, 2)),
    Case("CHT-2", f"{E}[2IX", ["                X", ""], size=(20, 2)),
    Case("HPA-5", f"{E}[5`X", ["    X", ""], size=(10, 2)),
    Case("VPA-3", f"{E}[1;3H{E}[3dX", ["", "", "  X", ""], size=(10, 4)),
    Case(
        "IND-region", f"{FILL5}{E}[2;4r{E}[4;1H{E}D{E}[r", ["abcde", "klmno", "pqrst", "", "uvwxy"]
    ),
    Case(
        "RI-region", f"{FILL5}{E}[2;4r{E}[2;1H{E}M{E}[r", ["abcde", "", "fghij", "klmno", "uvwxy"]
    ),
    Case("DECAWM-off", f"{E}[1;9H{E}[?7lABC", ["        AC", "", ""], size=(10, 3)),
    Case("CPR-margin", f"abcdefghij{E}[6n", replies=f"{E}[1;10R".encode(), size=(10, 3)),
    Case("WIDE-wrap", "abcdefghi中", ["abcdefghi", "中"], size=(10, 2)),
    Case(
        "ALT-1049",
        f"abc\r\nabc{E}[?1049h{E}[2J{E}[2;1Hdef\r\ndef{E}[?1049l",
        ["abc", "abc", "", ""],
        size=(10, 4),
    ),
    Case(
        "ALT-47",
        f"abc\r\nabc{E}[?47h{E}[2J{E}[2;1Hdef\r\ndef{E}[?47l",
        ["abc", "abc", "", ""],
        size=(10, 4),
    ),
    Case("DECSC", f"ab{E}7{E}[3;5HZ{E}8C", ["abC", "", "    Z"], size=(10, 3)),
    Case("SCOSC", f"ab{E}[s{E}[3;5HZ{E}[uC", ["abC", "", "    Z"], size=(10, 3)),
    Case("DECALN", f"{E}#8", ["EEEE", "EEEE"], size=(4, 2)),
    Case("ACS", f"{E}(0lqk{E}(Bx", ["┌─┐x", ""], size=(10, 2)),
    Case(
        "SGR-colon",
        f"{E}[38:2::10:20:30mX",
        ["X"],
        check=lambda p: p.style(0, 0).fg == (10, 20, 30),
    ),
    Case("DECXCPR", f"{E}[2;3H{E}[?6n", replies=f"{E}[?2;3R".encode()),
    Case("DA2", f"{E}[>c", check=lambda p: p.replies().startswith(f"{E}[>".encode())),
    Case("DCS-ignore", f"{E}P$qm{E}\\ok", ["ok"]),
    # -- cursor movement ----------------------------------------------------------------
    Case("CUP-clamp", f"{E}[99;99HX", ["", "", "", "", "         X"], cursor=(9, 4)),
    Case("CUU-CUD-CUF-CUB", f"{E}[3;3H{E}[A{E}[2C{E}[B{E}[3DX", ["", "", " X"]),
    Case("CUU-stops-at-top", f"{E}[2;2H{E}[9AX", [" X"]),
    Case("CNL-CPL", f"{E}[2;5H{E}[2EX{E}[FY", ["", "", "Y", "X", ""]),
    Case("CHA", f"abc{E}[2GX", ["aXc"]),
    Case("BS-at-margin", "abcdefghij\x08X", ["abcdefghXj"]),
    Case("TAB-stops", "a\tb\tc", ["a       bc"], size=(10, 2)),
    Case("HTS-TBC", f"{E}[3g{E}[1;4H{E}H\r\tX", ["   X"]),
    Case("NEL", f"ab{E}Ecd", ["ab", "cd"]),
    Case("RI-at-top-scrolls", f"a\r\nb{E}[H{E}MX", ["X", "a", "b"]),
    Case("DECOM", f"{E}[2;4r{E}[?6h{E}[1;1HX{E}[?6l", ["", "X"]),
    Case("CPR-origin", f"{E}[2;4r{E}[?6h{E}[2;3H{E}[6n", replies=f"{E}[2;3R".encode()),
    Case("LF-below-region", f"{E}[1;2r{E}[5;1Ha\nb", ["", "", "", "", "ab"]),
    # -- erase / insert / delete ------------------------------------------------------
    Case("EL-0", f"abcdef{E}[1;3H{E}[K", ["ab"]),
    Case("EL-2", f"abcdef{E}[1;3H{E}[2K", [""]),
    Case("ED-2", f"ab\r\ncd{E}[2J", ["", ""], cursor=(2, 1)),
    Case(
        "BCE-ED2-untouched",
        f"{E}[44m{E}[2J",
        check=lambda p: p.style(5, 4).bg == 4 and p.style(0, 0).bg == 4,
    ),
    Case("BCE-EL", f"{E}[41m{E}[K", check=lambda p: p.style(9, 0).bg == 1),
    Case("ECH-keeps-cursor", f"abcdef{E}[1;2H{E}[3XZ", ["aZ  ef"]),
    Case(
        "IL-below-region-ignored",
        f"{FILL5}{E}[1;2r{E}[4;1H{E}[L{E}[r",
        ["abcde", "fghij", "klmno", "pqrst", "uvwxy"],
    ),
    Case("DL-many", f"{FILL5}{E}[2;1H{E}[9M", ["abcde", "", "", "", ""]),
    Case("IRM-insert", f"abc{E}[1;1H{E}[4hXY{E}[4l", ["XYabc"]),
    Case("DCH-wide-count", f"abcdef{E}[1;1H{E}[99P", [""]),
    # -- scroll regions and the scrollback --------------------------------------------
    Case("region-scroll-no-history", f"{E}[2;3r{E}[3;1Ha\nb\nc", check=lambda p: p.history() == []),
    Case(
        "fullscreen-scroll-history",
        "1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7",
        ["3", "4", "5", "6", "7"],
        check=lambda p: p.history() == ["1", "2"],
    ),
    Case(
        "ED3-clears-history",
        f"1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7{E}[3J",
        ["3", "4", "5", "6", "7"],
        check=lambda p: p.history() == [],
    ),
    Case(
        "alt-screen-no-history",
        f"{E}[?1049h" + "x\r\n" * 20 + f"{E}[?1049l",
        check=lambda p: p.history() == [],
    ),
    Case("ALT-1049-cursor", f"ab{E}[?1049h{E}[4;4HZ{E}[?1049l", ["ab"], cursor=(2, 0)),
    Case("ALT-1047-clears-alt", f"{E}[?1047hxyz{E}[?1047l{E}[?47h", [""]),
    # -- SGR ----------------------------------------------------------------------------
    Case(
        "SGR-16",
        f"{E}[31;42mX{E}[93;104mY",
        check=lambda p: (
            (p.style(0, 0).fg, p.style(0, 0).bg, p.style(1, 0).fg, p.style(1, 0).bg)
            == (1, 2, 11, 12)
        ),
    ),
    Case("SGR-brown-is-3", f"{E}[33mX", check=lambda p: p.style(0, 0).fg == 3),
    Case(
        "SGR-256-keeps-index",
        f"{E}[38;5;4mX{E}[48;5;200mY",
        check=lambda p: p.style(0, 0).fg == 4 and p.style(1, 0).bg == 200,
    ),
    Case(
        "SGR-truecolour",
        f"{E}[38;2;1;2;3;48;2;4;5;6mX",
        check=lambda p: p.style(0, 0).fg == (1, 2, 3) and p.style(0, 0).bg == (4, 5, 6),
    ),
    Case("SGR-colon-256", f"{E}[38:5:100mX", ["X"], check=lambda p: p.style(0, 0).fg == 100),
    Case(
        "SGR-colon-underline",
        f"{E}[4:3mX{E}[4:0mY",
        ["XY"],
        check=lambda p: p.style(0, 0).underline and not p.style(1, 0).underline,
    ),
    Case(
        "SGR-attributes",
        f"{E}[1;2;3;4;5;7;8;9mX",
        check=lambda p: (
            lambda s: (
                s.bold
                and s.dim
                and s.italic
                and s.underline
                and s.blink
                and s.reverse
                and s.conceal
                and s.strike
            )
        )(p.style(0, 0)),
    ),
    Case(
        "SGR-22-resets-bold-and-dim",
        f"{E}[1;2m{E}[22mX",
        check=lambda p: not p.style(0, 0).bold and not p.style(0, 0).dim,
    ),
    Case("SGR-reset", f"{E}[1;31m{E}[mX", check=lambda p: p.style(0, 0) == CellStyle()),
    Case(
        "SGR-private-not-applied", f"{E}[?4mX", ["X"], check=lambda p: not p.style(0, 0).underline
    ),
    Case("SGR-gt-not-applied", f"{E}[>4;2mX", ["X"], check=lambda p: not p.style(0, 0).underline),
    # -- wide and zero-width characters ---------------------------------------------------
    Case("wide-cjk", "中文x", ["中文x"], cursor=(5, 0)),
    Case("emoji", "😀!", ["😀!"], cursor=(3, 0)),
    Case("combining", "e\u0301x", ["éx"], cursor=(2, 0)),
    Case("ZWSP-keeps-rest", "a\u200bbcdef\r\nnext", ["a\u200bbcdef", "next"]),
    Case("VS16-keeps-rest", "\u2764\ufe0f|x", check=lambda p: p.text_rows()[0].endswith("|x")),
    Case(
        "ZWJ-keeps-rest",
        "\U0001f468\u200d\U0001f469 ok",
        check=lambda p: p.text_rows()[0].endswith(" ok"),
    ),
    Case("BOM-WJ", "a\ufeffb\u2060c", ["a\ufeffb\u2060c"], cursor=(3, 0)),
    Case("orphan-wide-half", f"中{E}[1;1HX", ["X"]),
    Case("wide-right-half-overwritten", f"中{E}[1;2HX", [" X"]),
    # -- strings, OSC, odd CSI --------------------------------------------------------
    Case("APC-PM-SOS-ignored", f"{E}_Gabc{E}\\a{E}^pm{E}\\b{E}Xsos{E}\\c", ["abc"]),
    Case("OSC0-title", f"{E}]0;hello{E}\\x", ["x"], check=lambda p: p.title() == "hello"),
    Case("OSC2-title-bel", f"{E}]2;two\x07x", ["x"], check=lambda p: p.title() == "two"),
    Case(
        "OSC-others-harmless",
        f"{E}]2;t\x07{E}]133;A\x07{E}]10;?\x07{E}]7;file://h/p\x07"
        f"{E}]8;;http://x\x07link{E}]8;;\x07{E}]52;c;aGk=\x07!",
        ["link!"],
        check=lambda p: p.title() == "t",
    ),
    Case("CSI-lt-eq-not-drawn", f"{E}[<u{E}[=1;1u{E}[=cX", ["X"]),
    Case(
        "kitty-CSI-u-forms-ignored",
        f"ab{E}[s{E}[3;5H{E}[>1u{E}[<u{E}[=1;1u{E}[?uZ",
        ["ab", "", "    Z"],
        size=(10, 3),
    ),
    # issue 12: CSI u with plain parameters is SCORC, as in xterm.js and tmux
    Case("SCORC-with-params", f"ab{E}[s{E}[3;5H{E}[1uZ", ["abZ", "", ""], size=(10, 3)),
    Case("intermediates-not-drawn", f"{E}[0%m{E}[2 q{E}[?2004$pX", ["X"]),
    # issue 12: ESC ] P is an OSC like any other (xterm.js, tmux), not the Linux palette
    Case("OSC-P-is-an-OSC", f"{E}]Pa112233X\x07Y", ["Y"], cursor=(1, 0)),
    # -- robustness: what makes stock pyte raise -------------------------------------
    Case("private-CUP", f"{E}[?1;1HX", ["X"]),
    Case("surplus-params", f"{E}[3;3H{E}[1;2A{E};CX", check=lambda p: p.text_rows()[1] != ""),
    Case("empty-params", f"ab{E}[;CX", ["ab X"]),
    Case("EL-out-of-range", f"abc{E}[3K{E}[4Jd", ["abcd"]),
    Case("unicode-digits", f"{E}[\u00b3mok", ["ok"]),  # skipped inside CSI, as tmux does
    Case("non-ASCII-inside-CSI", f"{E}[1\u00b3;3Hx", ["  x"], cursor=(3, 0)),
    Case("XTRESTORE", f"{E}[?1049rX", ["X"]),
    # -- modes and replies --------------------------------------------------------------
    Case("DECTCEM", f"{E}[?25l", check=lambda p: not p.cursor_visible()),
    Case(
        "modes",
        f"{E}[?1h{E}={E}[?2004h{E}[?1002h{E}[?1006h{E}[?1004h{E}[?1049h",
        check=lambda p: p.modes() == Modes(True, True, True, 1002, True, True, True),
    ),
    Case(
        "modes-off",
        f"{E}[?1h{E}={E}[?1000h{E}[?1l{E}>{E}[?1000l",
        check=lambda p: p.modes() == Modes(),
    ),
    Case("DA1", f"{E}[c", check=lambda p: p.replies().startswith(f"{E}[?".encode())),
    Case("DSR-5", f"{E}[5n", replies=f"{E}[0n".encode()),
    Case("CPR", f"{E}[3;4H{E}[6n", replies=f"{E}[3;4R".encode()),
    # -- resize -------------------------------------------------------------------------
    Case("resize-clamps-cursor", f"{E}[5;10H", then=[("resize", 2, 4)], cursor=(3, 1)),
    Case(
        "resize-keeps-cursor-row",
        "1\r\n2\r\n3\r\n4\r\n5",
        then=[("resize", 2, 10)],
        rows=["4", "5"],
    ),
    # issue 12: reflow, as tmux (soft-wrapped lines are wrapped again at the new width)
    Case(
        "resize-narrower-reflows",
        "abcdefghij",
        then=[("resize", 5, 4)],
        rows=["abcd", "efgh", "ij", "", ""],
        cursor=(2, 2),
    ),
    Case(
        "resize-wider-joins-a-wrapped-line",
        "abcdefghijKLM\r\nsh> ",
        size=(10, 4),
        then=[("resize", 4, 20)],
        rows=["abcdefghijKLM", "sh>", "", ""],
        cursor=(4, 1),
    ),
    Case(
        "resize-keeps-hard-line-breaks",
        "abcdefghij\r\nKLM",
        size=(10, 3),
        then=[("resize", 3, 20)],
        rows=["abcdefghij", "KLM", ""],
    ),
    Case(
        "resize-narrower-pushes-into-scrollback",
        "0123456789abcdefghij\r\nx\r\ny",
        size=(20, 3),
        then=[("resize", 3, 10)],
        rows=["abcdefghij", "x", "y"],
        check=lambda p: p.history() == ["0123456789"],
    ),
    Case(
        "resize-wider-brings-scrollback-back",
        "0123456789abcdefghij\r\nx\r\ny",
        size=(10, 3),
        then=[("resize", 3, 20)],
        rows=["0123456789abcdefghij", "x", "y"],
        check=lambda p: p.history() == [],
    ),
    Case(
        "resize-reflow-keeps-colours",
        f"{E}[31mabcdefghij{E}[42mKL{E}[m",
        then=[("resize", 5, 4)],
        rows=["abcd", "efgh", "ijKL"],
        check=lambda p: p.style(0, 0).fg == 1 and p.style(3, 2).bg == 2,
    ),
    Case(
        "resize-wide-character-wraps-early",
        "abc中文",
        size=(7, 3),
        then=[("resize", 3, 4)],
        rows=["abc", "中文"],
    ),
    # -- issue 12: where we differed from xterm, tmux and xterm.js alike --------------
    # 1. C0 controls inside a CSI sequence are executed; the sequence goes on
    Case("CSI-with-BS-inside", f"abcdef{E}[2\x08Cx", ["abcdef x"], cursor=(8, 0)),
    Case("CSI-with-CR-inside", f"abcdef\r{E}[1\r;3Hx", ["abxdef"], cursor=(3, 0)),
    Case("CSI-with-VT-inside", f"abc{E}[\x0b2Cx", ["abc", "     x"], cursor=(6, 1)),
    # 2. 1049 l restores the cursor of the last 1049 h, also from the main screen;
    #    a nested 1049 h saves the alternate screen's cursor, not the main one's
    Case(
        "ALT-1049-l-on-main-restores-again",
        f"ab{E}[?1049h{E}[?1049l{E}[3;3H{E}[?1049lX",
        ["abX", "", ""],
        cursor=(3, 0),
    ),
    Case(
        "ALT-1049-nested-h",
        f"ab{E}[?1049h{E}[2;2H{E}[?1049h{E}[3;3H{E}[?1049lX",
        ["abX", "", ""],
        cursor=(3, 0),
    ),
    Case("DECRC-twice", f"ab{E}7{E}[2;2H{E}8{E}[3;3H{E}8X", ["abX", "", ""], cursor=(3, 0)),
    # 3. background-colour erase for lines that scroll in or are inserted
    Case(
        "BCE-LF-scroll",
        f"{E}[44m\r\n\r\n\r\n",
        size=(10, 3),
        check=lambda p: p.style(3, 2).bg == 4 and p.style(3, 1).bg is None,
    ),
    Case("BCE-IL", f"{E}[44m{E}[L", check=lambda p: p.style(5, 0).bg == 4),
    Case("BCE-DL", f"{E}[44m{E}[M", check=lambda p: p.style(5, 4).bg == 4),
    Case("BCE-SU", f"{E}[44m{E}[S", check=lambda p: p.style(5, 4).bg == 4),
    Case("BCE-SD", f"{E}[44m{E}[T", check=lambda p: p.style(5, 0).bg == 4),
    Case("BCE-RI", f"{E}[44m{E}M", check=lambda p: p.style(5, 0).bg == 4),
    Case(
        "BCE-LF-region",
        f"{E}[2;3r{E}[44m{E}[3;1H\n{E}[r",
        check=lambda p: p.style(5, 2).bg == 4 and p.style(5, 3).bg is None,
    ),
    # 4. REP repeats only right after a printed character
    Case("REP-after-move", f"a{E}[C{E}[2bX", ["a X"], cursor=(3, 0)),
    Case("REP-after-REP", f"a{E}[2b{E}[2bX", ["aaaX"], cursor=(4, 0)),
    # 5. DECALN homes the cursor
    Case("DECALN-homes", f"{E}[2;3H{E}#8X", ["XEEEEEEEEE", "EEEEEEEEEE"], cursor=(1, 0)),
    # 6. DEC special graphics h is U+2424 (SYMBOL FOR NEWLINE)
    Case("ACS-h", f"{E}(0h{E}(B", ["\u2424"]),
    # 7. non-spacing marks of combining class 0 join the previous cell
    Case("marks-class-0", "a\u20ddb\u0902c", ["a\u20ddb\u0902c"], cursor=(3, 0)),
    # 8. a wide character at the right edge with autowrap off
    Case("wide-edge-nowrap", f"{E}[?7l{E}[1;9H中文", ["        中"], cursor=(9, 0)),
    Case("wide-edge-nowrap-no-room", f"{E}[?7l{E}[1;10H中", [""], cursor=(9, 0)),
    Case("wide-edge-nowrap-then-narrow", f"{E}[?7labcdefghi中k", ["abcdefghik"], cursor=(9, 0)),
    # 9. the colon form of the underline colour leaves the background alone
    Case("SGR-58-colon-keeps-bg", f"{E}[44m{E}[58:5:3mY", check=lambda p: p.style(0, 0).bg == 4),
    Case(
        "SGR-58-colon-then-more",
        f"{E}[58:2::1:2:3;1mY",
        check=lambda p: p.style(0, 0).bold and p.style(0, 0).bg is None,
    ),
    # 10. grapheme clusters: one cell pair, the width modern terminals give them
    Case(
        "cluster-ZWJ",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467|",
        ["\U0001f468\u200d\U0001f469\u200d\U0001f467|"],
        cursor=(3, 0),
        check=lambda p: p.cells(0)[:3] == ["\U0001f468\u200d\U0001f469\u200d\U0001f467", "", "|"],
    ),
    Case(
        "cluster-VS16",
        "\u2764\ufe0f|",
        ["\u2764\ufe0f|"],
        cursor=(3, 0),
        check=lambda p: p.cells(0)[:3] == ["\u2764\ufe0f", "", "|"],
    ),
    Case(
        "cluster-flag",
        "\U0001f1eb\U0001f1f7|",
        ["\U0001f1eb\U0001f1f7|"],
        cursor=(3, 0),
        check=lambda p: p.cells(0)[:3] == ["\U0001f1eb\U0001f1f7", "", "|"],
    ),
    Case("cluster-skin-tone", "\U0001f44d\U0001f3fd|", ["\U0001f44d\U0001f3fd|"], cursor=(3, 0)),
    Case("cluster-keycap", "1\ufe0f\u20e3|", ["1\ufe0f\u20e3|"], cursor=(3, 0)),
    Case(
        "cluster-split-across-feeds",
        "\U0001f468\u200d",
        then=[("feed", "\U0001f469|")],
        rows=["\U0001f468\u200d\U0001f469|"],
        cursor=(3, 0),
    ),
    Case("cluster-across-SGR", f"\u2764{E}[31m\ufe0f|", ["\u2764\ufe0f|"], cursor=(3, 0)),
    Case("lone-regional-indicator", "\U0001f1eb|", ["\U0001f1eb|"], cursor=(2, 0)),
    Case("spacing-mark", "\u0915\u093e|", ["\u0915\u093e|"], cursor=(3, 0)),
    Case("ZWSP-kept-zero-width", "a\u200bb|", ["a\u200bb|"], cursor=(3, 0)),
    Case(
        "cluster-wraps-whole",
        "abcdefghi\u2764\ufe0f",
        ["abcdefghi", "\u2764\ufe0f"],
        size=(10, 2),
        cursor=(2, 1),
    ),
    Case("G1-is-ASCII-until-designated", "\x0eq\x0fq", ["qq"]),
    # -- issue 12: what programs ask of a modern terminal -------------------------------
    Case(
        "DECRQM-private",
        f"{E}[?2004h{E}[?2004$p{E}[?2026$p{E}[?1049$p{E}[?9999$p",
        replies=f"{E}[?2004;1$y{E}[?2026;2$y{E}[?1049;2$y{E}[?9999;0$y".encode(),
    ),
    Case(
        "DECRQM-ANSI",
        f"{E}[4h{E}[4$p{E}[20$p{E}[2$p",
        replies=f"{E}[4;1$y{E}[20;2$y{E}[2;4$y".encode(),
    ),
    Case("DECRQM-graphemes-always-on", f"{E}[?2027$p", replies=f"{E}[?2027;3$y".encode()),
    Case(
        "replies-in-order",
        f"{E}[2;3H{E}[6n{E}[?25$p{E}]11;?\x07{E}[>c{E}[5n",
        replies=(f"{E}[2;3R{E}[?25;1$y{E}]11;rgb:0000/0000/0000\x07{E}[>1;10;0c{E}[0n".encode()),
    ),
    Case("OSC-10-query-ST", f"{E}]10;?{E}\\", replies=f"{E}]10;rgb:e5e5/e5e5/e5e5{E}\\".encode()),
    Case(
        "OSC-4-queries",
        f"{E}]4;1;?;196;?\x07",
        replies=f"{E}]4;1;rgb:cdcd/0000/0000\x07{E}]4;196;rgb:ffff/0000/0000\x07".encode(),
    ),
    Case("OSC-colour-set-ignored", f"{E}]11;#ffffff\x07{E}]4;1;red\x07x", ["x"], replies=b""),
    Case(
        "DECSTR",
        f"{E}[?7l{E}[?25l{E}[4h{E}[2;3r{E}[?6h{E}[?1h{E}[?2004h{E}[31m{E}(0{E}[!pq{E}[3;1Hx",
        ["", "q", "x"],
        size=(10, 3),
        check=lambda p: (
            p.cursor_visible()
            and not p.modes().app_cursor
            and not p.modes().bracketed_paste
            and p.style(0, 1) == CellStyle()
        ),
    ),
    Case("DECSTR-keeps-the-screen", f"abc{E}[2;2H{E}[!p", ["abc"], cursor=(1, 1)),
    Case(
        "OSC8-hyperlink",
        f"{E}]8;;http://example.com/\x07link{E}]8;;\x07 plain",
        ["link plain"],
        check=lambda p: p.style(0, 0).link == "http://example.com/" and p.style(5, 0).link is None,
    ),
    Case(
        "OSC8-survives-SGR-reset",
        f"{E}]8;id=1;http://x/\x07a{E}[1;31m{E}[0mb{E}]8;;\x07c",
        check=lambda p: p.style(1, 0).link == "http://x/" and p.style(2, 0).link is None,
    ),
    Case(
        "OSC52-clipboard",
        f"{E}]52;c;aGVsbG8gd29ybGQ=\x07{E}]52;c;?\x07{E}]52;c;!!notbase64\x07ok",
        ["ok"],
        replies=b"",
        check=lambda p: p.clipboard() == ["hello world"],
    ),
    Case("synchronized-output-mode", f"{E}[?2026h", check=lambda p: p.modes().synchronized),
    Case(
        "SU-feeds-scrollback",
        f"1\r\n2\r\n3{E}[2S",
        ["3", "", ""],
        size=(10, 3),
        check=lambda p: p.history() == ["1", "2"],
    ),
    Case(
        "SU-in-a-region-does-not",
        f"1\r\n2\r\n3{E}[1;2r{E}[S",
        check=lambda p: p.history() == [],
        size=(10, 3),
    ),
]
