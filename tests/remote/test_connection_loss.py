"""The network goes away under the app, and comes back: "reconnecting…" on the tabs and
in the status line, then each terminal shows exactly the screen it would have shown, no
history twice, no mode left on, and what was typed meanwhile typed once.

The connection goes through a relay the test cuts (both sockets reset, as when a laptop
sleeps) and keeps refusing until it is allowed again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cloudide_tui.backend.remote_backend import RemoteBackend, RemoteSession
from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.protocol import messages as m
from cloudide_tui.widgets.terminal import Terminal
from testkit.ide import Ide, running_ide, screen_text, settled, type_text
from testkit.remote_helpers import Watcher
from testkit.remote_ide import RemoteHome
from testkit.tcp_relay import TcpRelay

MakeHome = Callable[..., RemoteHome]

FLOOD = 3_000_000
"""Lines of a flood (``seq``): ~21 MB, much more than a server keeps of a session."""


def status_text(ide: Ide) -> str:
    """The status line as a person reads it."""
    return str(ide.main.status.render())


async def drop_and_wait(ide: Ide, relay: TcpRelay, terminal: Terminal) -> None:
    """Cut the link (and keep it cut); wait until the app says it is reconnecting.

    Under a flood the client reads again (and meets the reset) only once it has drawn
    what it holds: on a loaded machine that took over 30 s, hence the longer deadline."""
    relay.refuse()
    assert relay.cut() >= 1
    await ide.wait_for(
        lambda: "reconnecting" in ide.tab_label(terminal), "reconnecting…", timeout=120
    )
    assert "reconnecting…" in status_text(ide)
    assert "reconnecting" in terminal.banner


async def come_back(ide: Ide, relay: TcpRelay, terminal: Terminal) -> None:
    relay.allow()
    await ide.wait_for(
        lambda: "connected" in status_text(ide) and "reconnecting" not in ide.tab_label(terminal),
        "connected again",
        timeout=120,
    )
    assert terminal.banner == ""


async def test_a_drop_under_vim_comes_back_to_the_very_same_screen(
    make_home: MakeHome, relay: TcpRelay
) -> None:
    async with running_ide(make_home(via=relay.url)) as ide:
        term = await ide.create_project("edit")
        await ide.run_in_terminal("seq -f 'note %g' 1 60 > notes.txt; echo made", "made")
        await type_text(ide.pilot, "vim notes.txt\n")
        await ide.wait_for(lambda: "note 30" in screen_text(term), "vim showing the file")
        await type_text(ide.pilot, "12Gdd")
        before = await settled(ide.pilot, term)
        cursor, modes = term.cursor, term.modes
        assert modes.alt_screen

        await drop_and_wait(ide, relay, term)
        await come_back(ide, relay, term)

        assert await settled(ide.pilot, term) == before
        assert (term.cursor, term.modes) == (cursor, modes)
        session = term.session
        assert isinstance(session, RemoteSession) and session.resumed  # by offset
        # vim answers at once: no mode left wrong, no key lost
        await type_text(ide.pilot, ":wq\n")
        await ide.wait_for(lambda: not term.modes.alt_screen, "vim to quit")
        saved = await ide.backend.read_file("edit", "notes.txt")
        assert b"note 11\nnote 13\n" in saved.data


async def test_a_drop_under_a_flood_shows_the_screen_as_it_is_without_history_twice(
    make_home: MakeHome, relay: TcpRelay
) -> None:
    home = make_home(via=relay.url)
    async with running_ide(home) as ide:
        term = await ide.create_project("flood")
        # ~21 MB: the server keeps the last 1 MiB, so coming back is a snapshot
        await type_text(ide.pilot, f"seq 1 {FLOOD}; echo END-$((6*7))\n")
        await ide.wait_for(lambda: re.search(r"^\d{4,}$", screen_text(term), re.M), "the flood")
        await drop_and_wait(ide, relay, term)

        # Someone else watches the whole time (not through the relay): the flood ends.
        other = await ServerClient.connect(home.server.api_url, home.token())
        try:
            [info] = await other.call(m.ListShells, project="flood")
            watcher = Watcher(await other.attach_shell(info.session_id, read_only=True))
            await watcher.screen_shows(r"END-42", timeout=60)

            await come_back(ide, relay, term)
            await ide.wait_for(
                lambda: "END-42" in screen_text(term), "the end of the flood", timeout=120
            )
            await watcher.quiet()
            assert (await settled(ide.pilot, term)).splitlines() == [
                row.rstrip() for row in watcher.emulator.screen_text()
            ]
        finally:
            await other.close()

        # (coming back was a resume or a snapshot, as the timing had it: the same screen
        # either way, which is the point)
        # every number once, in order, in the history and on the screen (gaps: what the
        # snapshot skipped; never twice)
        lines = ["".join(s.text for s in row).strip() for _line, row in term.text_rows()]
        numbers = [int(line) for line in lines if line.isdigit()]
        assert numbers == sorted(set(numbers)), "history printed twice"
        assert numbers[-1] == FLOOD


async def test_keys_typed_while_disconnected_are_typed_once_when_it_is_back(
    make_home: MakeHome, relay: TcpRelay
) -> None:
    async with running_ide(make_home(via=relay.url)) as ide:
        term = await ide.create_project("held")
        await drop_and_wait(ide, relay, term)
        await type_text(ide.pilot, "echo held-$((40+2))\n")
        await ide.wait_for(lambda: "bytes typed will be sent" in term.banner, "the keys held")
        assert "held-42" not in screen_text(term)
        await come_back(ide, relay, term)
        await ide.wait_for(lambda: "held-42" in screen_text(term).splitlines(), "the echo")
        assert screen_text(term).splitlines().count("held-42") == 1
        assert isinstance(ide.backend, RemoteBackend) and ide.backend.reconnects == 1
