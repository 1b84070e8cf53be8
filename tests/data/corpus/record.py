"""Record the differential tier's corpus: real programs in a local PTY, their output as bytes.

Run from the repository root: ``.venv/bin/python tests/data/corpus/record.py [NAME ...]``
(all recordings by default; it needs the programs: vim, less, man, htop, mc, dialog,
vttest, ncurses-examples, bash). Each program runs under a PTY of the recording's size
with ``TERM=xterm-256color``, ``LANG=C.UTF-8`` and a throw-away ``HOME``; its queries (DA,
CPR, DSR, DECRQM…) are answered by our emulator, as the widget would answer them. A key is
typed once the output has been quiet for ``IDLE`` seconds (or after its own delay): the
byte offset where it was typed is a *checkpoint*, a moment the screen had settled, and the
tests compare the three terminals' screens at every checkpoint and at the end.

``corpus.json`` lists, per file: its size, the command, the keys, the checkpoints, the
program's version and the date it was recorded. Files are small (tens of KB): each
recording is a few screens, not a session.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cloudide_tui.terminal.emulator import TerminalEmulator
from testkit.pty_session import PtySession

HERE = Path(__file__).parent
IDLE = 0.5
LIMIT = 60.0
ENTER, ESC, TAB = b"\r", b"\x1b", b"\t"
UP, DOWN, RIGHT, LEFT = b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D"
F2, F6, F9, F10 = b"\x1bOQ", b"\x1b[17~", b"\x1b[20~", b"\x1b[21~"
EXAMPLES = "/usr/libexec/ncurses-examples"


@dataclass
class Key:
    """Bytes to type; ``after``: seconds to wait first (None: until the output is quiet)."""

    data: bytes
    after: float | None = None
    """Seconds since the previous key (for programs that never go quiet, like htop)."""


@dataclass
class Recording:
    argv: list[str]
    size: tuple[int, int]  # columns, lines
    keys: list[Key]
    version: list[str]
    about: str
    files: dict[str, str] = field(default_factory=dict)  # written to the working directory
    end: float = 1.5  # seconds of quiet output after the last key before stopping
    idle: float = IDLE  # seconds of quiet output before a key


def keys(*items: bytes | Key) -> list[Key]:
    return [item if isinstance(item, Key) else Key(item) for item in items]


PYTHON_SAMPLE = "".join(
    f'''def function_{n}(value: int) -> int:
    """Return the value times {n}; a docstring long enough to wrap on a narrow screen."""
    total = value * {n}  # the total
    if total > {n * 10}:
        return total - {n}
    return total


'''
    for n in range(30)
)

TEXT_SAMPLE = "".join(
    f"{n:3d}\tline {n}: "
    + ("a long line that wraps around the screen more than once; " * (n % 4 + 1))
    + ("\tTAB\there" if n % 5 == 0 else "")
    + "\n"
    for n in range(120)
)

UNICODE_SAMPLE = """Unicode in a terminal (no emoji sequences: see docs/terminal.md)
CJK: 中文字符测试 日本語のテキスト 한국어 텍스트 {fullwidth}
Accents: café naïve Ångström Ελληνικά Кириллица
Decomposed: cafe\u0301 nai\u0308ve A\u030angstro\u0308m
Marks: a\u20dd b\u0902 \u0915\u093e\u0930 \u0e01\u0e48\u0e32
Box:  ┌──────┬──────┐
      │ left │ right│
      └──────┴──────┘
Blocks: ░▒▓█ ▁▂▃▄▅▆▇█ ←↑→↓ ✓ ✗ ★ ☆
Single emoji: 😀 🚀 🎉 (two cells each)
Wide at the edge: {digits}中文
Tabs:\tone\ttwo\tthree\t中\tfour
""".format(
    digits=("0123456789" * 7)[:61],
    fullwidth="".join(chr(0xFF00 + ord(c) - 0x20) for c in "fullwidth"),
)

DIALOG_SCRIPT = """
dialog --title 'Message' --msgbox \\
  'A message box, with a longer line of text to wrap around.' 9 40
dialog --title 'Menu' --menu 'Pick one:' 14 40 5 1 apples 2 pears 3 plums 4 cherries 5 figs
dialog --title 'Checklist' --checklist 'Pick some:' 14 44 4 \\
  a alpha on b beta off c gamma off d delta on
(for p in 0 25 50 75 100; do echo $p; sleep 0.15; done) \\
  | dialog --title 'Gauge' --gauge 'Working...' 8 40 0
dialog --title 'Question' --yesno 'Quit now?' 7 30
echo dialog-done
"""

READLINE_KEYS = keys(
    b"echo the quick brown fox jumps over the lazy dog and keeps running far away",
    LEFT * 10,
    b"XYZ",
    b"\x01",  # ctrl-a
    b"# ",
    ENTER,
    b"printf '\\033[1;31mred\\033[0m plain \\033[4munder\\033[0m\\n'",
    ENTER,
    UP,
    UP,
    ENTER,
    b"\x12fox",  # ctrl-r
    ESC,
    b"\x03",  # ctrl-c
    b"for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo line $i; done",
    ENTER,
    b"\x0c",  # ctrl-l
    b"exit",
    ENTER,
)

RECORDINGS: dict[str, Recording] = {
    "vim": Recording(
        [
            "vim",
            "-N",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-n",
            "-c",
            "syntax on",
            "-c",
            "set number cursorline hlsearch",
            "sample.py",
        ],
        (100, 30),
        keys(
            b"\x06",
            b"\x06",
            b"/total\r",
            b"n",
            b"\x02",
            b"Onew line typed in insert mode\x1b",
            b":split\r",
            b"\x17j",
            b"20j",
            b":set nowrap\r",
            b":q!\r",
            b":q!\r",
        ),
        ["vim", "--version"],
        "vim 9 editing Python: syntax colours, scrolling, search highlight, insert, split",
        {"sample.py": PYTHON_SAMPLE},
    ),
    "less": Recording(
        ["less", "sample.txt"],
        (80, 24),
        keys(b" ", b" ", b"/wraps\r", b"n", b"b", b"-S", b"\r", b"g", b"q"),
        ["less", "--version"],
        "less paging long wrapping lines with tabs, a search, chopped lines",
        {"sample.txt": TEXT_SAMPLE},
    ),
    "man": Recording(
        ["man", "ls"],
        (80, 24),
        keys(b" ", b"/sort\r", b"G", b"q"),
        ["man", "--version"],
        "man ls through less: bold and underlined text",
    ),
    "htop": Recording(
        ["htop", "-d", "10"],
        (100, 30),
        keys(
            Key(b"", 1.5),
            Key(F6, 1.2),
            Key(ESC, 1.2),
            Key(b"t", 1.2),
            Key(F2, 1.2),
            Key(ESC, 1.2),
            Key(b"q", 1.2),
        ),
        ["htop", "--version"],
        "htop: meters, process list, sort menu, tree view, setup screen",
        end=1.0,
    ),
    "mc": Recording(
        ["mc", "--nosubshell", "--nomouse", "."],
        (100, 30),
        keys(
            Key(b"", 2.0),
            DOWN,
            DOWN,
            TAB,
            F9,
            DOWN,
            DOWN,
            ESC + ESC,
            Key(b"", 1.0),
            F10,
            ENTER,
        ),
        ["mc", "--version"],
        "Midnight Commander: two panels, a pull-down menu, the quit dialog",
        {"sample.txt": TEXT_SAMPLE, "sample.py": PYTHON_SAMPLE},
    ),
    "dialog": Recording(
        ["bash", "--norc", "--noprofile", "dialog.sh"],
        (80, 24),
        keys(ENTER, DOWN, ENTER, DOWN, b" ", ENTER, Key(b"", 2.0), ENTER),
        ["dialog", "--version"],
        "dialog: message box, menu, checklist, gauge, yes/no; it leaves the alternate "
        "screen with 1049 l after each",
        {"dialog.sh": DIALOG_SCRIPT},
        idle=1.0,
    ),
    "ncurses": Recording(
        [f"{EXAMPLES}/ncurses"],
        (80, 24),
        keys(b"f\r", b"x", b"a", b"1", ESC, b"c\r", b" ", ESC, b"q\r"),
        ["dpkg-query", "-W", "ncurses-examples"],
        "ncurses' test program: the ACS table and boxes (DEC line drawing), non-ASCII "
        "pages, the colour matrix; its line-mode menu scrolls the normal screen",
    ),
    "ncurses-insdelln": Recording(
        [f"{EXAMPLES}/insdelln"],
        (80, 24),
        keys(b"w", b"i", b"i", b"d", b"5", b"i", b"q", b"q"),
        ["dpkg-query", "-W", "ncurses-examples"],
        "ncurses insdelln: insert and delete lines in a window (IL, DL, scroll regions)",
    ),
    "ncurses-hanoi": Recording(
        [f"{EXAMPLES}/hanoi", "-n", "4", "-X"],
        (80, 24),
        keys(Key(b"", 3.0), Key(b"q", 3.0)),
        ["dpkg-query", "-W", "ncurses-examples"],
        "ncurses hanoi solving itself: colours, cursor moves",
    ),
    "ncurses-xmas": Recording(
        [f"{EXAMPLES}/xmas", "-q"],
        (80, 24),
        [],
        ["dpkg-query", "-W", "ncurses-examples"],
        "ncurses xmas, once: a coloured drawing built up in sub-windows",
        end=3.0,
    ),
    "vttest": Recording(
        ["vttest"],
        (80, 24),
        keys(
            b"1\r",
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            b"2\r",
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            b"8\r",
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            ENTER,
            b"0\r",
        ),
        ["vttest", "-V"],
        "vttest menus 1 (cursor movements), 2 (screen features) and 8 (insert/delete)",
    ),
    "unicode": Recording(
        ["bash", "--norc", "--noprofile", "-c", "cat unicode.txt; sleep 0.3"],
        (80, 24),
        [],
        ["bash", "--version"],
        "cat of mixed scripts: CJK, fullwidth, accents (composed and decomposed), marks, "
        "Indic and Thai, box drawing, single-code-point emoji, a wide character at the edge",
        {"unicode.txt": UNICODE_SAMPLE},
    ),
    "readline": Recording(
        ["bash", "--norc", "--noprofile", "-i"],
        (80, 24),
        READLINE_KEYS,
        ["bash", "--version"],
        "bash readline: a line that wraps, editing in the middle, history, reverse search, "
        "colours, Ctrl+L",
    ),
}


async def record(name: str, recording: Recording) -> tuple[bytes, list[int]]:
    columns, lines = recording.size
    with tempfile.TemporaryDirectory(prefix="cloudide-corpus-") as home:
        for filename, text in recording.files.items():
            (Path(home) / filename).write_text(text)
        session = PtySession(
            recording.argv,
            rows=lines,
            cols=columns,
            cwd=home,
            env={
                "HOME": home,
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "PS1": "sh> ",
                "HISTFILE": "/dev/null",
                "LESSHISTFILE": "-",
                "MANPAGER": "less",
                "PAGER": "less",
            },
        )
        emulator = TerminalEmulator(columns, lines)
        data = bytearray()
        checkpoints: list[int] = []
        pending = list(recording.keys)
        loop = asyncio.get_running_loop()
        start = last = typed = loop.time()
        reader: asyncio.Task[bytes] | None = None
        try:
            while loop.time() - start < LIMIT:
                if reader is None:
                    reader = asyncio.ensure_future(session.read())
                done, _ = await asyncio.wait({reader}, timeout=0.05)
                if done:
                    chunk = reader.result()
                    reader = None
                    if not chunk:
                        break
                    data += chunk
                    emulator.feed(chunk)
                    replies = emulator.take_replies()
                    if replies:
                        await session.write(replies)
                    last = loop.time()
                now = loop.time()
                quiet = now - last
                if pending:
                    key = pending[0]
                    if key.after is None:
                        ready = quiet >= recording.idle
                    else:
                        ready = now - typed >= key.after
                    if ready:
                        pending.pop(0)
                        checkpoints.append(len(data))
                        if key.data:
                            await session.write(key.data)
                        last = typed = loop.time()
                elif quiet >= recording.end:
                    break
        finally:
            if reader is not None:
                reader.cancel()
            await session.close()
        return bytes(data).replace(home.encode(), b"/home/user"), checkpoints


def version(argv: list[str]) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    text = (result.stdout or result.stderr).strip().splitlines()
    return " ".join(text[0].split()) if text else "?"


def readme(manifest: dict[str, dict[str, object]]) -> str:
    """README.md for the corpus, from the manifest (a test keeps the two equal)."""
    lines = [
        "# Recorded program output (the differential tier's corpus)",
        "",
        "Made by `record.py` (run it to re-record: its docstring says how), listed in",
        "`corpus.json` with the command, the keys typed, the checkpoints and the program's",
        "version. `tests/differential/test_recorded_programs.py` replays each file into our",
        "emulator, tmux and xterm.js and compares the screens at every checkpoint.",
        "",
        "| file | size | what it shows | program | recorded |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(manifest):
        entry = manifest[name]
        size = f"{entry['columns']}x{entry['lines']}"
        lines.append(
            f"| `{entry['file']}` | {size} | {entry['about']} | {entry['program']} "
            f"| {entry['recorded']} |"
        )
    return "\n".join(lines) + "\n"


async def main(names: list[str]) -> None:
    manifest_path = HERE / "corpus.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name in names or list(RECORDINGS):
        recording = RECORDINGS[name]
        data, checkpoints = await record(name, recording)
        columns, lines = recording.size
        filename = f"{name}-{columns}x{lines}.raw"
        (HERE / filename).write_bytes(data)
        manifest[name] = {
            "file": filename,
            "columns": columns,
            "lines": lines,
            "command": recording.argv,
            "keys": [k.data.decode("latin-1") for k in recording.keys],
            "checkpoints": checkpoints,
            "about": recording.about,
            "program": version(recording.version),
            "recorded": datetime.date.today().isoformat(),
        }
        print(f"{filename}: {len(data)} bytes, {len(checkpoints)} checkpoints")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    (HERE / "README.md").write_text(readme(manifest))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
