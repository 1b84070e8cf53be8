"""A client program that ends without closing its ``RemoteBackend`` (a script that
raised, a test that failed) still ends: the backend's tasks give way when the event loop
cancels them. (Seen hanging ``make bench`` for good: the connection's supervisor
swallowed its own cancellation while it waited for the connection to close.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from testkit.server_process import ServerProcess

SCRIPT = """
import asyncio, sys
from cloudide_tui.backend.remote_backend import RemoteBackend

async def main() -> None:
    backend = RemoteBackend(sys.argv[1], sys.argv[2])
    await backend.list_projects()  # connected, its supervisor and pings running
    events = backend.events()
    await events.wait_ready()
    print("connected", flush=True)
    raise RuntimeError("the program fails before it closes the backend")

asyncio.run(main())
"""


def test_a_program_that_never_closes_its_backend_still_ends(
    server: ServerProcess, user: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), server.base, server.token(user)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "connected" in result.stdout, result.stderr
    assert result.returncode == 1, result
    assert "RuntimeError: the program fails" in result.stderr
