"""Reading a shell session in the benches: as fast as the session gives bytes, no decoding."""

from __future__ import annotations

import re

from cloudide_tui.backend.base import ShellSession


def echo_marker(n: int) -> re.Pattern[bytes]:
    """What ``echo xN`` prints on a line of its own (not the typed command's echo)."""
    return re.compile(rb"[\r\n]x%d\r\n" % n)


async def read_until(session: ShellSession, pattern: re.Pattern[bytes], keep: int = 64) -> int:
    """Read ``session`` until ``pattern`` shows in what was read (looking at the last
    ``keep`` bytes of the earlier reads plus the new one); return how many bytes were read.

    Raises:
        EOFError: the session ended first (its end reason as the message).
    """
    buf, total = b"", 0
    while not pattern.search(buf):
        data = await session.read()
        if not data:
            raise EOFError(session.end_reason)
        total += len(data)
        buf = buf[-keep:] + data
    return total
