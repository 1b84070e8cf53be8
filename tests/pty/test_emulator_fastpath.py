"""The fast path is a shortcut, not a different terminal: whatever the input and however
it is chunked, the screen, cursor, attributes, modes and scrollback must be exactly what
the plain (pyte-only) path gives."""

from __future__ import annotations

import itertools
import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cloudide_tui.terminal.emulator import TerminalEmulator
from testkit.pty_session import PtySession

WORDS = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
SGR = st.sampled_from(
    [
        "\x1b[m",
        "\x1b[0m",
        "\x1b[00m",
        "\x1b[1m",
        "\x1b[31m",
        "\x1b[01;34m",
        "\x1b[7m",
        "\x1b[38;5;208m",
        "\x1b[48;2;10;20;30m",
        "\x1b[0;1;32m",
        "\x1b[22;39m",
        "\x1b[44m",
        "\x1b[;31m",
        "\x1b[2m",
        "\x1b[38:2::1:2:3m",
        "\x1b[4:3m",
    ]
)
PIECES = st.one_of(
    WORDS.map(lambda w: w + "\r\n"),  # plain lines
    st.lists(st.one_of(WORDS, SGR, st.just("\x1b[K")), max_size=6).map(
        lambda parts: "".join(parts) + "\r\n"
    ),  # coloured lines (grep/ls style)
    st.integers(1, 70).map(lambda n: "x" * n + "\r\n"),  # long lines that wrap
    st.tuples(WORDS, WORDS).map(lambda t: f"{t[0]}\r{t[1]}\r\n"),  # CR overwrites
    st.lists(st.one_of(WORDS, st.just("\t"), SGR), max_size=8).map(
        lambda parts: "".join(parts) + "\r\n"
    ),  # tabs (source code, make output)
    WORDS,  # partial lines
    SGR,
    st.sampled_from(
        [
            "\x1b[K",
            "\x1b[1K",
            "\x1b[2J",
            "\x1b[H",
            "\x1b[3;2H",
            "\x1b[2;4r",
            "\x1b[r",
            "\x1b[?1049h",
            "\x1b[?1049l",
            "\x1b[?47h",
            "\x1b[?47l",
            "\x1b[?7l",
            "\x1b[?7h",
            "\x1b[4h",
            "\x1b[4l",
            "\n",
            "\r",
            "\t",
            "\x08",
            "\x1bM",
            "\x1bD",
            "\x1b[L",
            "\x1b[M",
            "\x1b[3J",
            "\x1b(0lqk\x1b(B",
            "\x1b[S",
            "\x1b[2T",
            "\x1b7",
            "\x1b8",
            "\x1b[99;99H",
            "\x1b[3g",
            "\x1bH",
            "\x1b[5G\x1bH",
        ]
    ),
    st.text(alphabet="éàü─│┌αβжЖ€", max_size=30).map(lambda w: w + "\r\n"),
    st.sampled_from(
        ["中文\r\n", "é\r\n", "😀x\r\n", "a\u0301\r\n", "\uff57\uff49\uff44\uff45" * 3 + "\r\n"]
    ),
    st.sampled_from(  # grapheme clusters, REP, hyperlinks, backgrounds at line ends
        [
            "\U0001f468\u200d\U0001f469 ok\r\n",
            "\u2764\ufe0f|\r\n",
            "\U0001f1eb\U0001f1f7\r\n",
            "\u0915\u093e\r\n",
            "a\u200bb\r\n",
            "\u0301",
            "x\x1b[3b\r\n",
            "\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\\r\n",
            "\x1b[44mblue\r\n",
            "\x1b[41m\x1b[K\x1b[m\r\n",
            "\x1b[?2026h",
            "\x1b[?2026l",
        ]
    ),
    st.integers(5, 40).map(lambda n: "".join(f"{i}\r\n" for i in range(n))),  # seq
    st.tuples(  # full-screen redraws (top, htop): the same rows rewritten in place
        st.integers(1, 9),
        st.integers(1, 4),
        st.lists(
            st.sampled_from(
                ["\x1b(B", "\x1b[m", "\x1b[39;49m", "\x1b[1m", "\x1b[7m", "\x1b[0;34m", "\x1b(0"]
            ),
            max_size=4,
        ),
        st.sampled_from(["sixteen chars!!!", "x" * 20, "  PID USER      PR  NI", "0.0 kworker"]),
        st.sampled_from(["", "\x1b[K", "\x1b(B\x1b[m\x1b[39;49m\x1b[K\r\n", "\r\n"]),
    ).map(lambda t: f"\x1b[{t[0]};{t[1]}H{''.join(t[2])}{t[3]}{t[4]}"),
)


def run(
    text: str,
    cuts: list[int],
    columns: int,
    lines: int,
    limit: int,
    fast: bool,
    look: bool = False,
    resizes: list[tuple[int, int, int]] | None = None,
) -> TerminalEmulator:
    """Feed ``text`` cut at ``cuts``; with ``look``, read the screen between feeds as the
    widget does (which makes the fast path draw what it deferred). ``resizes`` are
    (byte offset, lines, columns), applied at the same offsets whatever the cuts."""
    e = TerminalEmulator(columns, lines, scrollback=limit, fast_path=fast)
    data = text.encode()
    at = {r[0] % (len(data) + 1): r[1:] for r in resizes or []}
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)} | set(at))
    for a, b in itertools.pairwise(points):
        if a in at:
            e.resize(*at.pop(a))
        e.feed(data[a:b])
        if look:
            e.take_dirty()
            e.row(e.lines - 1)
            e.cursor  # noqa: B018
    return e


def state(e: TerminalEmulator) -> tuple[object, ...]:
    return (
        [e.row(y) for y in range(e.lines)],
        [e.wrapped(y) for y in range(e.lines)],
        [e.history_wrapped(i) for i in range(e.history_size)],
        e.cursor,
        e.modes,
        e._screen.cursor.attrs,
        e.history_size,
        e.history_pushed,
        [e.history_row(i) for i in range(e.history_size)],
        e.errors,
    )


EXAMPLES = int(os.environ.get("EMULATOR_EXAMPLES", "300"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(  # a tab stop set in the same feed, before lines with tabs
    pieces=["\x1b[5G\x1bH", "\r\n", "\t0\r\n"],
    cuts=[],
    columns=6,
    lines=1,
    limit=3,
    look=False,
    resizes=[],
)
@given(
    pieces=st.lists(PIECES, max_size=60),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    columns=st.integers(3, 24),
    lines=st.integers(1, 8),
    limit=st.sampled_from([0, 3, 50, 1000]),
    look=st.booleans(),
    resizes=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(1, 8), st.integers(3, 24)), max_size=2
    ),
)
def test_fast_path_gives_exactly_the_plain_paths_screen_and_scrollback(
    pieces: list[str],
    cuts: list[int],
    columns: int,
    lines: int,
    limit: int,
    look: bool,
    resizes: list[tuple[int, int, int]],
) -> None:
    text = "".join(pieces)
    slow = run(text, [], columns, lines, limit, fast=False, resizes=resizes)
    fast = run(text, cuts, columns, lines, limit, fast=True, look=look, resizes=resizes)
    assert state(fast) == state(slow)
    assert fast.errors == 0
    FAST_LINES.append(fast.fast_lines)


FAST_LINES: list[int] = []


def test_the_generated_streams_did_exercise_the_fast_path() -> None:
    assert sum(1 for n in FAST_LINES if n) > len(FAST_LINES) // 10


def test_seq_output_takes_the_fast_path_and_matches() -> None:
    text = "".join(f"{i}\r\n" for i in range(5000))
    fast = run(text, [4096 * k for k in range(1, 20)], 20, 10, 100, fast=True)
    slow = run(text, [], 20, 10, 100, fast=False)
    assert state(fast) == state(slow)
    assert fast.screen_text()[-2] == "4999"
    assert fast.history_pushed == 4991


def test_coloured_listing_keeps_its_colours_in_the_scrollback() -> None:
    line = "\x1b[0m\x1b[01;34mdir\x1b[0m  \x1b[01;32mexe\x1b[0m\x1b[K plain\r\n"
    text = "\x1b[31m" + line * 300
    fast = run(text, [], 30, 6, 1000, fast=True)
    slow = run(text, [], 30, 6, 1000, fast=False)
    assert state(fast) == state(slow)
    first = fast.history_row(5)[0]
    assert first.text == "dir" and first.style.fg == 4 and first.style.bold


def test_lines_scrolling_in_a_region_take_the_fast_path_and_match() -> None:
    text = (
        "top line\r\n\x1b[3;8r\x1b[8;1H"
        + "".join(f"\x1b[3{i % 8}mline {i}\x1b[m\x1b[K\r\n" for i in range(400))
        + "\x1b[r\x1b[10;1Hbottom"
    )
    fast = run(text, [1000, 5000], 20, 10, 100, fast=True)
    slow = run(text, [], 20, 10, 100, fast=False)
    assert state(fast) == state(slow)
    assert fast.fast_lines > 300 and fast.history_size == 0
    assert fast.screen_text()[0] == "top line" and fast.screen_text()[6] == "line 399"


def test_lines_on_the_alternate_screen_take_the_fast_path_and_never_reach_history() -> None:
    text = "shell\r\n\x1b[?1049h\x1b[H\x1b[2J" + "".join(f"{i}\r\n" for i in range(3000))
    fast = run(text, [4096, 9000], 20, 10, 100, fast=True)
    slow = run(text, [], 20, 10, 100, fast=False)
    assert state(fast) == state(slow)
    assert fast.fast_lines > 2500 and fast.history_size == 0
    fast.feed(b"\x1b[?1049l")
    assert fast.screen_text()[0] == "shell"


def test_source_code_with_tabs_takes_the_fast_path_and_matches() -> None:
    line = "\tif (x) {\n\t\treturn\tfoo(a,\tb);\t// a comment that is long enough to wrap\n\t}"
    text = "".join(f"{i}{line.replace(chr(10), chr(13) + chr(10))}\r\n" for i in range(300))
    fast = run(text, [777, 5000], 30, 8, 1000, fast=True)
    slow = run(text, [], 30, 8, 1000, fast=False)
    assert state(fast) == state(slow)
    assert fast.fast_lines > 800
    text_with_stops = "\x1b[3g\x1b[4G\x1bH\r" + text  # custom tab stops: plain path, same result
    assert state(run(text_with_stops, [999], 30, 8, 1000, fast=True)) == state(
        run(text_with_stops, [], 30, 8, 1000, fast=False)
    )


def test_wide_characters_take_the_fast_path_and_wrap_as_on_the_plain_path() -> None:
    fullwidth = "\uff57\uff49\uff44\uff45"
    text = "".join(f"{i} 中文字符 {fullwidth} 😀 テスト{'漢' * (i % 9)}\r\n" for i in range(300))
    for columns in (7, 16, 25):
        fast = run(text, [1234, 6000], columns, 6, 1000, fast=True)
        slow = run(text, [], columns, 6, 1000, fast=False)
        assert state(fast) == state(slow)
        assert fast.fast_lines > 250


REDRAW_PIECES = st.one_of(
    PIECES,
    st.sampled_from(["\x1b(0", "\x1b(B", "\x1b)0", "\x0e", "\x0f", "\x1b[4h", "\x1b[4l"]),
    st.just("\x1b(0lqk\x1b(Bqq\x1b[m"),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames=st.lists(st.lists(REDRAW_PIECES, min_size=1, max_size=12), min_size=1, max_size=4),
    repeat=st.integers(1, 3),
    cuts=st.lists(st.integers(0, 10_000), max_size=4),
    columns=st.integers(10, 30),
    lines=st.integers(2, 10),
)
def test_full_screen_redraws_give_exactly_the_plain_paths_screen(
    frames: list[list[str]],
    repeat: int,
    cuts: list[int],
    columns: int,
    lines: int,
) -> None:
    # a full-screen program draws the same frames again and again: the shortcuts for it
    # (merged SGR runs, reused cells of text drawn before) must change nothing
    text = "".join("\x1b[H" + "".join(frame) for frame in frames) * repeat
    slow = run(text, [], columns, lines, 50, fast=False)
    fast = run(text, cuts, columns, lines, 50, fast=True, look=True)
    assert state(fast) == state(slow)


async def test_top_redrawing_gives_exactly_the_plain_paths_screen() -> None:
    # top's real output: every row rewritten in place, ~9 escape sequences a row
    session = PtySession(["top", "-d", "0.05", "-n", "8"], rows=30, cols=120)
    data = bytearray()
    try:
        while chunk := await session.read():
            data += chunk
    finally:
        await session.close()
    assert data.count(b"\x1b[H") >= 8, "top did not redraw its screen"
    text = data.decode()
    slow = run(text, [], 120, 30, 100, fast=False)
    fast = run(text, [4096 * k for k in range(1, 64)], 120, 30, 100, fast=True, look=True)
    assert state(fast) == state(slow)
    assert "PID" in "".join(fast.screen_text())


ROW_TEXT = st.text(alphabet="abc 01%:", min_size=0, max_size=40)
FRAME_LINE = st.one_of(
    st.just(""),  # a row skipped (unchanged)
    st.builds(  # a row written whole, starting from scratch (top's process rows)
        lambda t, u: f"\x1b(B\x1b[m{t}\x1b(B\x1b[m\x1b[39;49m{u}\x1b[K", ROW_TEXT, ROW_TEXT
    ),
    st.builds(lambda t: f"{t}\x1b[1m{t}\x1b[m\x1b[K", ROW_TEXT),  # whole, not from scratch
    st.builds(lambda t: f"\x1b[44m{t}\x1b[K", ROW_TEXT),  # whole, with a background (BCE)
    st.builds(lambda t: f"\x1b(0{t}\x1b(B\x1b[K", ROW_TEXT),  # line drawing
    ROW_TEXT,  # written in part (no EL)
    st.builds(lambda t: f"\x1b[2;3H{t}", ROW_TEXT),  # a cursor move: not a simple frame
    st.just("中文\x1b[K"),  # non-ASCII: not a simple frame
)


SCRATCH_LINE = st.builds(
    lambda t, u: f"\x1b(B\x1b[m{t}\x1b(B\x1b[m\x1b[39;49m{u}\x1b[K", ROW_TEXT, ROW_TEXT
)
TOP_LIKE_FRAME = st.lists(  # mostly rows written whole from scratch: most get dropped
    st.one_of(SCRATCH_LINE, SCRATCH_LINE, SCRATCH_LINE, FRAME_LINE), min_size=3, max_size=9
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames=st.lists(
        st.one_of(TOP_LIKE_FRAME, st.lists(FRAME_LINE, max_size=9)), min_size=2, max_size=8
    ),
    tail=st.sampled_from(["", "x", "\x1b[5;1Hafter", "\r\n\r\n", "\x1b[1b"]),
    cuts=st.lists(st.integers(0, 5_000), max_size=3),
    columns=st.integers(10, 40),
    lines=st.integers(2, 10),
)
def test_frames_written_again_give_exactly_the_plain_paths_screen(
    frames: list[list[str]], tail: str, cuts: list[int], columns: int, lines: int
) -> None:
    # several full-screen frames in one feed: the shortcut drops rows a later frame
    # writes whole again; nothing of it may show
    text = "".join("\x1b[H" + "\r\n".join(frame) for frame in frames) + tail
    slow = run(text, [], columns, lines, 50, fast=False)
    fast = run(text, cuts, columns, lines, 50, fast=True, look=True)
    assert state(fast) == state(slow)
    one = run(text, [], columns, lines, 50, fast=True)  # all in one feed: the most dropped
    assert state(one) == state(slow)
