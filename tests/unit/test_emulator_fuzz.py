"""Whatever bytes a program (or a broken pipe) sends, the emulator keeps working: nothing
raises out of feed/row/history_row/resize, ``feed``'s last-resort handler is never
needed, rows always cover the screen's width and the cursor stays on screen."""

from __future__ import annotations

import itertools
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.rows import span_width

E = "\x1b"
NUMBERS = st.one_of(
    st.integers(0, 20).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "9999",
            "65536",
            "4294967296",
            "18446744073709551617",
            "\u00b3",
            "\u00b2",
            "\u0661",
            "-1",
            "1:2",
            "::",
            "2::1:2:3",
        ]
    ),
)
PARAMS = st.lists(NUMBERS, max_size=6).map(";".join)
PRIVATE = st.sampled_from(["", "?", ">", "<", "=", "?>", "!"])
INTER = st.sampled_from(["", " ", "$", "!", "%", "'", '"', "#"])
FINAL = st.characters(min_codepoint=0x40, max_codepoint=0x7E)
CSI = st.builds(lambda p, a, i, f: f"{E}[{p}{a}{i}{f}", PRIVATE, PARAMS, INTER, FINAL)
MODES = st.builds(
    lambda on, m: f"{E}[?{m}{'h' if on else 'l'}",
    st.booleans(),
    st.sampled_from(
        [
            "1",
            "3",
            "5",
            "6",
            "7",
            "25",
            "47",
            "1000",
            "1002",
            "1003",
            "1004",
            "1006",
            "1047",
            "1049",
            "2004",
            "1;1049",
            "4",
        ]
    ),
)
STRINGS = st.builds(
    lambda kind, body, end: f"{E}{kind}{body}{end}",
    st.sampled_from(["P", "]", "_", "^", "X", "]0;", "]2;", "]133;", "]P"]),
    st.text(max_size=20),
    st.sampled_from(["", "\x07", f"{E}\\", "\x9c", E, "\x18"]),
)
TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "中",
            "😀",
            "\u200d",
            "\ufe0f",
            "\u200b",
            "e\u0301",
            "\u0301",
            "\t",
            "\r\n",
            "\n",
            "\x08",
            "\x0e",
            "\x0f",
            f"{E}(0",
            f"{E}(B",
            f"{E}#8",
            f"{E}7",
            f"{E}8",
            f"{E}M",
            f"{E}D",
            f"{E}c",
            E,
            "\x9b",
            "\x90",
        ]
    ),
)
PIECE = st.one_of(CSI, MODES, STRINGS, TEXT)


def check(e: TerminalEmulator) -> None:
    for y in range(e.lines):
        assert sum(span_width(s.text) for s in e.row(y)) == e.columns
    for i in range(e.history_size):
        assert sum(span_width(s.text) for s in e.history_row(i)) == e.columns
    c = e.cursor
    assert 0 <= c.x < e.columns and 0 <= c.y < e.lines
    e.take_replies()
    e.take_dirty()
    e.modes  # noqa: B018


def feed_all(e: TerminalEmulator, data: bytes, cuts: list[int]) -> None:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    for a, b in itertools.pairwise(points):
        e.feed(data[a:b])


EXAMPLES = int(os.environ.get("EMULATOR_EXAMPLES", "250"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(PIECE, max_size=40),
    cuts=st.lists(st.integers(0, 2000), max_size=8),
    size=st.tuples(st.integers(1, 30), st.integers(1, 12)),
    resize=st.none() | st.tuples(st.integers(1, 30), st.integers(1, 12)),
    fast=st.booleans(),
)
def test_structured_escape_sequences_never_break_the_emulator(
    pieces: list[str],
    cuts: list[int],
    size: tuple[int, int],
    resize: tuple[int, int] | None,
    fast: bool,
) -> None:
    e = TerminalEmulator(*size, scrollback=20, fast_path=fast)
    data = "".join(pieces).encode("utf-8", "surrogatepass")
    feed_all(e, data, cuts)
    check(e)
    if resize is not None:
        e.resize(*resize)
        check(e)
        feed_all(e, data, cuts)
        check(e)
    assert e.errors == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=8),
    size=st.tuples(st.integers(1, 40), st.integers(1, 12)),
)
def test_random_bytes_never_break_the_emulator(
    data: bytes, cuts: list[int], size: tuple[int, int]
) -> None:
    e = TerminalEmulator(*size, scrollback=20)
    feed_all(e, data, cuts)
    check(e)
    assert e.errors == 0


def test_an_unterminated_string_swallows_output_until_it_ends() -> None:
    e = TerminalEmulator(20, 3)
    e.feed(b"a\x1bPq" + b"#0;2;0;0;0" * 2000)  # a sixel image, never terminated yet
    e.feed(b"more payload")
    e.feed(b"\x1b")
    e.feed(b"\\b")
    assert e.screen_text()[0] == "ab"


def test_a_huge_unterminated_title_is_dropped_not_kept() -> None:
    e = TerminalEmulator(20, 3)
    e.feed(b"\x1b]2;" + b"t" * 100_000)
    e.feed(b"\x07ok")
    assert e.title == "" and e.screen_text()[0] == "ok"
