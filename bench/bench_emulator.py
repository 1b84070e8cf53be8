"""Terminal emulator: throughput vs tmux and stock pyte, scrollback memory, conformance

Three streams at 200x50, fed in 64 KiB chunks: ``seq 1 3000000`` output (the exact bytes a
pty gives: CRLF line ends), a coloured listing (real ``grep --color=always`` and
``ls --color=always -la`` output, LF → CRLF as the pty would), and a full-screen redraw
stream (top-like: home, then per row SGR runs + EL, on the alternate screen). Each is
timed for our emulator (bytes in → final screen rows read), for stock pyte 0.8.2 on a
slice (it is too slow for the whole stream: the figure is extrapolated from the slice),
and for tmux 3.x on the same file (server start-up, measured with /dev/null, subtracted).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pyte

from bench.report import Report
from cloudide_tui.terminal.cells import BLANK
from cloudide_tui.terminal.emulator import TerminalEmulator
from cloudide_tui.terminal.screen import EmulatorScreen
from cloudide_tui.terminal.scrollback import Scrollback, TextBlock
from cloudide_tui.terminal.stream import EmulatorStream
from testkit.tmux_replay import tmux_pane, tmux_showing

COLUMNS, LINES = 200, 50
CHUNK = 65536
PYTE_SLICE = 1_000_000


def plain_stream() -> bytes:
    return "".join(f"{i}\r\n" for i in range(1, 3_000_001)).encode()


def colour_stream() -> bytes:
    import rich
    import textual

    roots = [str(Path(textual.__file__).parent), str(Path(rich.__file__).parent)]
    parts = []
    for _ in range(3):
        parts.append(
            subprocess.run(
                [
                    "grep",
                    "--color=always",
                    "-rn",
                    "--exclude-dir=__pycache__",
                    "-E",
                    "def |class |return|self",
                    *roots,
                ],
                capture_output=True,
                check=False,
            ).stdout
        )
        parts.append(
            subprocess.run(
                ["ls", "--color=always", "-la", "/usr/bin", "/usr/lib/x86_64-linux-gnu", "/etc"],
                capture_output=True,
                check=False,
            ).stdout
        )
    return b"".join(parts).replace(b"\n", b"\r\n")


def redraw_stream(frames: int = 400) -> bytes:
    out = ["\x1b[?1049h\x1b[?25l"]
    for f in range(frames):
        out.append("\x1b[H")
        for y in range(LINES):
            pid = 1000 + (y * 37 + f) % 9000
            cpu = (y * 13 + f * 7) % 1000 / 10
            line = (
                f"\x1b[1m{pid:>7}\x1b[m dev      20   0 \x1b[32m{(y * 97 + f) % 99999:>8}"
                f"\x1b[m {(y * 31) % 9999:>6} {y * 11:>6} S \x1b[7m{cpu:5.1f}\x1b[27m "
                f"{(y * 3) % 100:4.1f}   0:{f % 60:02d}.{y:02d} \x1b[36mprocess-{y}-{f % 7}"
                f"\x1b[m" + " " * 60
            )
            out.append(line + "\x1b[K" + ("\r\n" if y < LINES - 1 else ""))
    out.append("\x1b[?1049l\x1b[?25h")
    return "".join(out).encode()


def time_ours(data: bytes, fast: bool = True) -> tuple[float, float, TerminalEmulator]:
    """(seconds, the CPU time of the worst single 64 KiB feed, emulator)."""
    e = TerminalEmulator(COLUMNS, LINES, fast_path=fast)
    worst = 0.0
    start = time.perf_counter()
    for i in range(0, len(data), CHUNK):
        t = time.process_time()
        e.feed(data[i : i + CHUNK])
        worst = max(worst, time.process_time() - t)
    for y in range(e.lines):
        e.row(y)
    _ = e.cursor, e.history_size
    return time.perf_counter() - start, worst, e


def time_stock_pyte(data: bytes) -> float:
    """Seconds for stock pyte on a slice of ``data`` (exceptions caught per chunk)."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    start = time.perf_counter()
    for i in range(0, len(data), CHUNK):
        with contextlib.suppress(Exception):  # an exception ends that feed, as in real use
            stream.feed(data[i : i + CHUNK])
    return time.perf_counter() - start


def _tmux_run(path: str) -> tuple[float, list[str]]:
    """Seconds a fresh tmux takes to print ``path`` (start-up included), and its screen."""
    start = time.perf_counter()
    with tmux_showing(path, COLUMNS, LINES, raw=False, timeout=600) as sock:
        return time.perf_counter() - start, tmux_pane(sock, LINES)


def time_tmux(data: bytes, runs: int = 3) -> tuple[float, list[str]] | None:
    """Median seconds tmux takes for ``data`` (start-up subtracted), and its last screen."""
    if shutil.which("tmux") is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".raw", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        startup = sorted(_tmux_run("/dev/null")[0] for _ in range(3))[1]
        times: list[float] = []
        pane: list[str] = []
        for _ in range(runs):
            t, pane = _tmux_run(path)
            times.append(t)
        return max(1e-6, sorted(times)[len(times) // 2] - startup), pane
    finally:
        os.unlink(path)


def _held_mb(fill: Callable[[], object]) -> float:
    """MB that what ``fill()`` returns holds, allocated under tracemalloc."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = fill()
    held = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()
    del kept  # freed untraced
    return held


def scrollback_memory() -> dict[str, float]:
    """MB held by 10,000 rows of 200 columns, for each way rows are stored."""
    rows = 10_000
    screen = EmulatorScreen(COLUMNS, 1)
    stream = EmulatorStream(screen)

    def converted(row: Callable[[int], str]) -> Scrollback:
        """Rows fed to pyte's buffer one at a time and converted (the plain path)."""
        store = Scrollback(rows)
        for i in range(rows):
            screen.buffer.clear()
            screen.cursor.x = 0
            stream.feed(row(i))
            store.push_cells(screen.buffer.get(0), COLUMNS)
        return store

    def coloured(i: int) -> str:
        return "".join(f"\x1b[3{k % 8}m{(i + k) % 10}word{k:03d}" for k in range(25))

    def plain_raw() -> Scrollback:
        store = Scrollback(rows)
        store.push_texts([f"{i:0200d}" for i in range(rows)])
        return store

    def coloured_raw() -> Scrollback:  # raw text + codes, styled when read
        store = Scrollback(rows)
        store.push_block(TextBlock(BLANK, [coloured(i) for i in range(rows)], COLUMNS))
        return store

    return {
        "coloured rows, converted": _held_mb(lambda: converted(coloured)),
        # a colour per character (lolcat-like), converted: the worst case for spans
        "a colour per cell, converted": _held_mb(
            lambda: converted(
                lambda i: "".join(f"\x1b[38;5;{(i + k) % 256}m{k % 10}" for k in range(COLUMNS))
            )
        ),
        # full-width rows and coloured rows from the fast path
        "plain rows, raw": _held_mb(plain_raw),
        "coloured rows, raw": _held_mb(coloured_raw),
    }


def one_feed_cases() -> dict[str, bytes]:
    """64 KiB feeds of kinds that stress different paths (what one feed blocks for)."""
    seq = "".join(f"{i}\r\n" for i in range(1, 20000)).encode()[:CHUNK]
    cjk = ("中文字符测试" * 30 + "\r\n").encode() * 200
    moves = b"".join(
        b"\x1b[%d;%dHxyz\x1b[1;31mab\x1b[m" % (i % LINES + 1, i * 7 % COLUMNS + 1)
        for i in range(6000)
    )
    combining = ("e\u0301" * 60 + "\r\n").encode() * 600
    lolcat = "".join(
        f"\x1b[38;5;{(i * 7) % 256}m{chr(33 + i % 90)}" + ("\r\n" if i % 150 == 149 else "")
        for i in range(8000)
    )
    box = (
        "\x1b(0l"
        + "q" * 30
        + "k\x1b(B\r\n"
        + "".join(
            f"\x1b(0x\x1b(B line {i:4} of a box            \x1b(0x\x1b(B\r\n" for i in range(40)
        )
        + "\x1b(0m"
        + "q" * 30
        + "j\x1b(B\r\n"
    )
    emoji = "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f \U0001f44d\U0001f3fd ok "
    regions = b"".join(
        b"\x1b[5;45r\x1b[%d;1H\x1b[L\x1b[1;34m%5d\x1b[m line of text\x1b[45;1H\x1b[M\x1b[r"
        % (i % 40 + 5, i)
        for i in range(3000)
    )
    return {
        "seq lines": seq,
        "seq lines in a scroll region": b"\x1b[2;49r\x1b[49;1H" + seq,
        "seq lines on the alternate screen": b"\x1b[?1049h" + seq,
        "CJK lines": cjk[:CHUNK],
        "decomposed accents": combining[:CHUNK],
        "emoji ZWJ sequences, VS16, skin tones": ((emoji * 8 + "\r\n") * 200).encode()[:CHUNK],
        "cursor moves + text + SGR": moves[:CHUNK],
        "a colour per character (lolcat)": lolcat.encode()[:CHUNK],
        "DEC line-drawing boxes": (("\x1b[H" + box) * 40).encode()[:CHUNK],
        "insert/delete lines in a region": regions[:CHUNK],
        "backspaces and CRs": ((b"abcdefgh" + b"\x08" * 8 + b"\r") * 4000)[:CHUNK],
        "full-screen redraw (top-like)": redraw_stream()[200_000 : 200_000 + CHUNK],
    }


def one_feed_times(data: bytes, runs: int = 3) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds) of one feed of ``data`` into a new emulator
    plus reading its screen. CPU time is this process's own work: on a shared machine
    the wall time also counts the time the CPU was busy with others."""
    best_wall = best_cpu = float("inf")
    for _ in range(runs):
        e = TerminalEmulator(COLUMNS, LINES)
        wall, cpu = time.perf_counter(), time.process_time()
        e.feed(data)
        for y in range(LINES):
            e.row(y)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def run(report: Report) -> None:
    streams = {
        "seq 1 3000000": plain_stream(),
        "coloured listing (grep/ls)": colour_stream(),
        "full-screen redraw (top-like)": redraw_stream(),
    }
    goals = {
        "seq 1 3000000": ">= 1x tmux",
        "coloured listing (grep/ls)": ">= 0.5x tmux",
        "full-screen redraw (top-like)": "",
    }
    for name, data in streams.items():
        mb = len(data) / 1e6
        seconds, worst, e = time_ours(data)
        tmux = time_tmux(data)
        stock = time_stock_pyte(data[:PYTE_SLICE])
        stock_rate = min(len(data), PYTE_SLICE) / 1e6 / stock
        tmux_rate = mb / tmux[0] if tmux else None
        report.add(
            f"{name} ({mb:.1f} MB): ours",
            mb / seconds,
            "MB/s",
            anchor_name="tmux",
            anchor=tmux_rate,
            goal=goals[name],
            higher_is_better=True,
        )
        report.add(
            f"{name}: stock pyte (first 1 MB, extrapolated)",
            stock_rate,
            "MB/s",
            anchor_name="tmux",
            anchor=tmux_rate,
            higher_is_better=True,
        )
        report.add(f"{name}: worst 64 KiB feed, CPU", worst * 1000, "ms", goal="< 16 ms")
        if tmux:
            ours_rows = e.screen_text()
            pane = [r.rstrip() for r in tmux[1]][: len(ours_rows)]
            differ = sum(1 for a, b in zip(ours_rows, pane, strict=False) if a != b)
            if differ:
                print("   ours:", ours_rows[-3:], "tmux:", pane[-3:])
            report.add(f"{name}: final screen rows differing from tmux", differ, "rows", goal="0")
        if name.startswith("seq"):
            start = time.perf_counter()
            rows = [e.history_row(i) for i in range(e.history_size)]
            report.add("seq: read all 10,000 scrollback rows", time.perf_counter() - start, "s")
            del rows
        if name.startswith("coloured"):
            start = time.perf_counter()
            rows = [e.history_row(i) for i in range(e.history_size)]
            report.add(
                "coloured: style all 10,000 scrollback rows (lazy)",
                time.perf_counter() - start,
                "s",
            )
            del rows
            slow_s, _, _ = time_ours(data[:PYTE_SLICE], fast=False)
            report.add(
                "coloured: ours with the fast path off (1 MB)",
                min(len(data), PYTE_SLICE) / 1e6 / slow_s,
                "MB/s",
                anchor_name="tmux",
                anchor=tmux_rate,
                higher_is_better=True,
            )
    for what, data in one_feed_cases().items():
        wall, cpu = one_feed_times(data)
        report.add(f"64 KiB feed + screen, CPU: {what}", cpu * 1000, "ms", goal="< 16 ms")
        report.add(f"64 KiB feed + screen, wall: {what}", wall * 1000, "ms")
    for what, mb in scrollback_memory().items():
        report.add(
            f"scrollback 10,000 x 200 cols: {what}",
            mb,
            "MB",
            anchor_name="pyte History",
            anchor=338.3,
            goal="< 50 MB",
        )
    from testkit.emulator_cases import CASES, OurProbe, StockPyteProbe, passes

    research = CASES[:32]
    report.add(
        "conformance: research note's 32 cases",
        sum(passes(c, OurProbe(c)) for c in research),
        "cases",
        anchor_name="stock pyte",
        anchor=sum(passes(c, StockPyteProbe(c)) for c in research),
        goal="32",
        higher_is_better=True,
    )
    report.add(
        f"conformance: all {len(CASES)} cases",
        sum(passes(c, OurProbe(c)) for c in CASES),
        "cases",
        anchor_name="stock pyte",
        anchor=sum(passes(c, StockPyteProbe(c)) for c in CASES),
        goal=str(len(CASES)),
        higher_is_better=True,
    )
