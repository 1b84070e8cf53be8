"""Crafted streams replayed into our emulator, tmux and xterm.js: the conformance table's
cases (testkit/emulator_cases.py) and a few longer mixtures, compared cell by cell (text,
attributes, cursor). Where the references disagree, ``references.CRAFTED`` says which one
we follow and why; where we follow neither (grapheme clusters), why."""

from __future__ import annotations

import pytest

from testkit.differential import Tmux, XtermJs, judge, ours
from testkit.emulator_cases import CASES, Case
from tests.differential.references import CRAFTED

E = "\x1b"
REPLAYED = [case for case in CASES if not case.then]

MIXTURES: list[Case] = [
    Case(
        "mix-regions-and-inserts",
        f"{E}[2J{E}[H"
        + "".join(f"{E}[{y};1H{E}[3{y % 8}mrow {y} {'x' * y}" for y in range(1, 13))
        + f"{E}[m{E}[3;9r{E}[5;1H{E}[2L{E}[7;1H{E}[M{E}[9;1H\n\n{E}[3;1H{E}M{E}[2S{E}[T"
        + f"{E}[r{E}[12;4H{E}[4hINS{E}[4l{E}[11;2H{E}[3P{E}[10;5H{E}[2X{E}[1;1H{E}[2@",
        size=(30, 12),
    ),
    Case(
        "mix-alternate-screen-and-cursor",
        f"main text{E}7{E}[?1049h{E}[44m{E}[2Jalt{E}[3;3Hbox{E}8{E}[?1049l{E}[m after"
        f"{E}[?1049h{E}[?1049l{E}[?47hx{E}[?47l{E}[?1047hy{E}[?1047l",
        size=(20, 6),
    ),
    Case(
        "mix-wide-and-tabs-at-the-edges",
        "中文字符測試中文字符測試x\r\n\t中\tb\t文\r\n"
        f"{E}[?7l{E}[3;1Habcdefghijklmnopqrstuvwxyz{E}[?7h\r\n"
        "ab中文\x08\x08cd\r\n0123456789012345678中\r\n",
        size=(20, 8),
    ),
    Case(
        "mix-line-drawing",
        f"{E}(0lqqqwqqqk\r\nx   x   x\r\ntqqqnqqqu\r\nmqqqvqqqj{E}(B\r\n"
        f"{E})0\x0ea`fgjklmnopqrstuvwxyz{{|}}~\x0f ok\r\n{E}(0{E}[1mabc{E}[mdef{E}(B",
        size=(40, 6),
    ),
    Case(
        "mix-attributes",
        "".join(f"{E}[{p}mX{E}[m" for p in (1, 2, 3, 4, 5, 7, 8, 9, 21, 53))
        + "".join(f"{E}[{30 + n};{47 - n}mC" for n in range(8))
        + "".join(f"{E}[{90 + n};{107 - n}mB" for n in range(8))
        + f"{E}[38;5;123;48;5;45mI{E}[38;2;1;2;3;48;2;200;100;50mT{E}[0;1;22;3;23;4;24mZ"
        + f"{E}[7;27;9;29;8;28m.{E}[39;49m",
        size=(60, 2),
    ),
    Case(
        "mix-scrolling-with-colours",
        "".join(f"{E}[3{n % 8}mline {n}{E}[m\r\n" for n in range(30))
        + f"{E}[41mred bg\r\n{E}[m{E}[2;4r{E}[4;1H{E}[42mgreen\n\n{E}[m{E}[r",
        size=(20, 6),
    ),
]


# soft wraps (compared with xterm.js's: which rows go on from the row above)
WRAPS = {
    "wrap-then-text": "A" * 10 + "B",
    "wrap-then-CRLF": "A" * 10 + "B\r\n",
    "no-wrap-exactly-full": "A" * 10 + "\r\nB",
    "wrap-EL2-on-the-continuation": "A" * 11 + f"{E}[2KB",
    "wrap-EL2-on-the-first-row": "A" * 11 + f"{E}[1;1H{E}[2KB",
    "wrap-LF-onto-the-continuation": "A" * 11 + f"{E}[1;1H\n",
    "wrap-CR-EL0": "A" * 11 + f"\r{E}[K",
    "wrap-EL1": "A" * 11 + f"{E}[1K",
    "wrap-ED0-mid": "A" * 11 + f"{E}[1;5H{E}[0J",
    "wrap-IL-between": "A" * 11 + f"{E}[2;1H{E}[L",
    "wrap-DL-continuation": "A" * 11 + f"{E}[2;1H{E}[M",
    "wrap-scrolled": "A" * 21 + f"{E}[S",
    "wrap-BS-from-pending": "A" * 10 + "\x08nce;",
    "wrap-in-region": f"{E}[1;2r{E}[2;1H" + "A" * 25,
}
MIXTURES += [Case(name, data, size=(10, 3)) for name, data in WRAPS.items()]


@pytest.mark.parametrize("case", REPLAYED + MIXTURES, ids=[c.id for c in REPLAYED + MIXTURES])
def test_a_crafted_stream_looks_as_in_the_references(
    case: Case, tmux: Tmux, xterm_js: XtermJs
) -> None:
    data = case.data.encode("utf-8", "surrogatepass")
    columns, lines = case.size
    follow = CRAFTED.get(case.id)
    problems = judge(
        ours(data, columns, lines),
        [tmux.screen(data, columns, lines), xterm_js.screen(data, columns, lines)],
        follow.reference if follow else None,
    )
    assert not problems, "\n".join(problems)


DECRQM_MODES = [1, 6, 7, 25, 47, 66, 1000, 1002, 1003, 1004, 1006, 1047, 1049, 2004, 2026, 9999]
SETTERS = (
    f"{E}[?1h{E}[?6h{E}[?7l{E}[?25l{E}[?1000h{E}[?1002h{E}[?1004h{E}[?1006h{E}[?2004h"
    f"{E}[?2026h{E}[4h{E}[20h{E}[?66h{E}[?1049h"
)


@pytest.mark.parametrize(
    "before", ["", SETTERS, SETTERS + f"{E}[!p"], ids=["defaults", "all-set", "after-DECSTR"]
)
def test_decrqm_answers_as_xterm_js_does(before: str, xterm_js: XtermJs) -> None:
    asks = "".join(f"{E}[?{mode}$p" for mode in DECRQM_MODES) + f"{E}[4$p{E}[20$p{E}[2$p"
    data = (before + asks).encode()
    assert ours(data, 20, 5).replies == xterm_js.screen(data, 20, 5).replies


LINES_AND_PROMPT = "".join(f"line {i} " * 3 + "\r\n" for i in range(6)) + "sh> "
REFLOWS: list[tuple[str, str, tuple[int, int], list[tuple[int, int, str]]]] = [
    # id, stream, (columns, lines), then: [(columns, lines, more data), ...]
    ("reflow-narrower-into-scrollback", "0123456789abcdefghij\r\nx\r\ny", (20, 3), [(10, 3, "")]),
    ("reflow-wider-back-from-scrollback", "0123456789abcdefghij\r\nx\r\ny", (10, 3), [(20, 3, "")]),
    ("reflow-shell-and-scrollback", LINES_AND_PROMPT, (10, 5), [(30, 5, ""), (7, 5, "")]),
    (
        "reflow-there-and-back",
        "abcdefghijKLM\r\nsh> ",
        (10, 4),
        [(5, 4, ""), (20, 4, ""), (10, 4, "")],
    ),
    ("reflow-the-cursors-line", "abcdefghij", (10, 5), [(4, 5, "")]),
    ("reflow-the-cursors-line-then-text", "abcdefghijk", (10, 5), [(4, 5, "X")]),
    ("reflow-wide-wraps-early", "abc中文", (7, 3), [(4, 3, "")]),
    ("reflow-cursor-past-the-text", "\x1b[5;10H", (10, 5), [(4, 3, "")]),
    ("reflow-prompt-then-typing", "sh> ", (10, 5), [(4, 5, "ls")]),
    (
        "reflow-colours",
        "\x1b[31mabcdefghij\x1b[42mKL\x1b[m\r\n",
        (10, 4),
        [(4, 4, ""), (12, 4, "")],
    ),
]


@pytest.mark.parametrize("case", REFLOWS, ids=[c[0] for c in REFLOWS])
def test_reflow_on_resize_as_in_the_references(
    case: tuple[str, str, tuple[int, int], list[tuple[int, int, str]]],
    tmux: Tmux,
    xterm_js: XtermJs,
) -> None:
    name, data, (columns, lines), steps = case
    then = [(c, n, more.encode()) for c, n, more in steps]
    follow = CRAFTED.get(name)
    problems = judge(
        ours(data.encode(), columns, lines, then=then),
        [
            tmux.screen(data.encode(), columns, lines, then),
            xterm_js.screen(data.encode(), columns, lines, then),
        ],
        follow.reference if follow else None,
    )
    assert not problems, "\n".join(problems)


def test_every_listed_disagreement_is_about_a_stream_we_replay() -> None:
    ids = {c.id for c in REPLAYED + MIXTURES} | {c[0] for c in REFLOWS}
    assert set(CRAFTED) <= ids, set(CRAFTED) - ids
