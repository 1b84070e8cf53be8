"""PtySession: a local program under a real PTY, as the terminal widget's tests use it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

from testkit.pty_session import PtySession


async def read_all(session: PtySession) -> bytes:
    out = b""
    while chunk := await session.read():
        out += chunk
    return out


async def read_until(session: PtySession, marker: bytes) -> bytes:
    out = b""
    while marker not in out:
        chunk = await asyncio.wait_for(session.read(), 30)
        assert chunk, f"the program ended before printing {marker!r}: {out!r}"
        out += chunk
    return out


async def test_the_program_sees_a_terminal_of_the_given_size_and_type() -> None:
    session = PtySession(["sh", "-c", "stty size; echo $TERM $COLORTERM; tty"], rows=33, cols=111)
    out = (await read_all(session)).decode()
    assert "33 111" in out
    assert "xterm-256color truecolor" in out
    assert "/dev/pts/" in out
    assert (session.exit_status, session.end_reason) == (0, "sh exited")


async def test_resize_reaches_the_program() -> None:
    script = (
        "import signal, shutil, sys, time\n"
        "signal.signal(signal.SIGWINCH,"
        " lambda *a: (print(shutil.get_terminal_size()), sys.exit()))\n"
        "print('ready', flush=True)\ntime.sleep(30)"
    )
    session = PtySession([sys.executable, "-c", script], rows=24, cols=80)
    out = b""
    while b"ready" not in out:
        out += await session.read()
    await session.resize(40, 132)
    out += await read_all(session)
    assert b"os.terminal_size(columns=132, lines=40)" in out


async def test_a_killed_program_reports_the_signal() -> None:
    session = PtySession(["sh", "-c", "kill -9 $$"])
    await read_all(session)
    assert session.exit_status == 137
    assert session.end_reason == "sh was killed by SIGKILL"


async def test_ctrl_c_interrupts_a_program_even_when_the_suite_ignores_sigint() -> None:
    """Started in the background by a script (``cmd &``), this process ignores SIGINT, and
    an ignored signal passes through exec: the terminal's program must not inherit it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        session = PtySession(["sh", "-c", "echo ready; exec sleep 60"])
    finally:
        signal.signal(signal.SIGINT, previous)
    await read_until(session, b"ready")
    await session.write(b"\x03")
    await read_all(session)
    assert session.exit_status == 128 + signal.SIGINT


async def test_closing_hangs_up_the_program_and_its_background_jobs() -> None:
    session = PtySession(["bash", "--norc", "-i"], env={"PS1": "$ "})
    await session.write(b'sleep 300 & echo "p""id=$!"\r')
    out = b""
    while (found := re.search(rb"pid=(\d+)", out)) is None:
        out += await session.read()
    pid = int(found.group(1))
    await session.close()
    assert await session.read() == b""
    assert session.end_reason == "session closed"
    deadline = time.monotonic() + 20  # the hang-up's way to the job, not a bound
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text():
            break
        await asyncio.sleep(0.02)
    else:
        os.kill(pid, 9)
        raise AssertionError("the background job survived the hang-up")


async def test_a_large_input_is_written_without_blocking_the_loop(tmp_path: Path) -> None:
    target = tmp_path / "pasted.txt"
    session = PtySession(["sh", "-c", f"stty -echo -icanon; echo raw; head -c 300000 > {target}"])
    data = b"x" * 300_000
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    tick_task = asyncio.create_task(ticker())
    # Write once the terminal is raw: in canonical mode a line holds only 4 KiB.
    await read_until(session, b"raw")
    ticks_before = ticks
    await session.write(data)  # far more than the PTY's input buffer holds
    ticks_during = ticks - ticks_before
    await read_all(session)
    tick_task.cancel()
    assert target.read_bytes() == data
    assert ticks_during > 0  # the loop ran while the write waited for room
