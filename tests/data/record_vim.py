"""Regenerate ``vim_80x24.raw``: vim's first screen, as bytes, for the snapshot test.

Run: ``.venv/bin/python tests/data/record_vim.py`` (needs vim on the host). The emulator
answers vim's queries (DA, CPR) as the widget would, so the recording is what the widget
sees. Recorded once and committed, so that the snapshot is deterministic.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from cloudide_tui.terminal.emulator import TerminalEmulator
from testkit.pty_session import PtySession

SAMPLE = '''"""A small module, for vim to colour."""

import sys


def greet(name: str, times: int = 3) -> list[str]:
    # Say hello a few times.
    return [f"Hello, {name}! #{n}" for n in range(times)]


class Counter:
    def __init__(self) -> None:
        self.total = 0

    def add(self, value: int) -> int:
        self.total += value
        return self.total


if __name__ == "__main__":
    print(greet(sys.argv[1] if len(sys.argv) > 1 else "world"))
'''


async def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sample.py"
        source.write_text(SAMPLE)
        session = PtySession(
            [
                "vim",
                "-u",
                "NONE",
                "-N",
                "-i",
                "NONE",
                "-n",
                "-c",
                "syntax on",
                "-c",
                "set number",
                "-c",
                "set ruler",
                str(source),
            ],
            rows=24,
            cols=80,
            cwd=tmp,
            env={"HOME": tmp},
        )
        emulator = TerminalEmulator(80, 24)
        data = bytearray()
        while True:
            try:
                chunk = await asyncio.wait_for(session.read(), 1.5)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            emulator.feed(chunk)
            replies = emulator.take_replies()
            if replies:
                await session.write(replies)
        await session.close()
    out.write_bytes(bytes(data).replace(tmp.encode(), b"/work"))


if __name__ == "__main__":
    asyncio.run(
        record(
            Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("vim_80x24.raw")
        )
    )
