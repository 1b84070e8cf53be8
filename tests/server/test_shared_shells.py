"""Shells that outlive their connections, seen by several viewers: reattaching shows the
exact screen (compared with the server's emulator code and with tmux replaying every byte
the session printed), resuming misses nothing, slow viewers never stall anyone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import NotAllowed, NotFound
from cloudide_tui.protocol import messages as m
from cloudide_tui.terminal.emulator import TerminalEmulator
from testkit.docker_helpers import plain
from testkit.remote_helpers import Watcher
from testkit.server_process import ServerProcess
from testkit.tmux_replay import TO_ACS, tmux_screen

Connect = Callable[..., Awaitable[ServerClient]]


def drop(client: ServerClient) -> None:
    """Lose the connection the hard way (no close handshake), like a network failure."""
    transport = client.ws.transport
    transport.abort()


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for ``condition`` (updated by the client's reader) with a deadline."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def rows_of(emulator: TerminalEmulator) -> list[str]:
    return [r.translate(TO_ACS) for r in emulator.screen_text()]


async def reattach_and_compare(
    connect: Connect, user: str, first: Watcher, session_id: str
) -> Watcher:
    """Reattach after a drop; check the screen against every reference; return the viewer."""
    cols, rows = first.shell.cols, first.shell.rows
    start = time.monotonic()
    second_client = await connect(user)
    second = Watcher(await second_client.attach_shell(session_id))
    await second.read_once(20)
    took = time.monotonic() - start
    snapshot = second.shell.last_snapshot
    assert snapshot is not None and not second.shell.resumed
    # every byte up to the snapshot: what the first viewer had, then the rest by resuming
    third_client = await connect(user)
    third = Watcher(await third_client.attach_shell(session_id, offset=first.shell.offset))
    assert third.shell.resumed
    await third.read_to(snapshot.offset)
    stream = bytes(first.data) + bytes(third.data)
    stream = stream[: snapshot.offset]  # the server's emulator had seen exactly these
    reference = TerminalEmulator(cols, rows)
    reference.feed(stream)
    assert [second.emulator.row(y) for y in range(rows)] == [
        reference.row(y) for y in range(rows)
    ], "the snapshot differs from the session's bytes replayed in our emulator"
    assert second.emulator.cursor == reference.cursor
    assert second.emulator.modes == reference.modes
    replay = tmux_screen(stream, cols, rows)
    assert rows_of(second.emulator) == replay.rows, "the snapshot differs from tmux's replay"
    assert (second.emulator.cursor.x, second.emulator.cursor.y) == replay.cursor
    assert second.emulator.modes.alt_screen == replay.alternate_on
    drawn = tmux_screen(snapshot.data, cols, rows)  # a real terminal fed only the snapshot
    assert drawn.rows == replay.rows and drawn.cursor == replay.cursor
    assert (drawn.alternate_on, drawn.mouse, drawn.keypad_cursor) == (
        replay.alternate_on,
        replay.mouse,
        replay.keypad_cursor,
    )
    assert took < 10
    await third_client.close()
    return second


async def test_reattaching_under_vim_shows_the_same_screen(connect: Connect, user: str) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="edit")
    await client.call(
        m.WriteFile,
        project="edit",
        path="notes.txt",
        data=b"".join(b"note %d\n" % i for i in range(40)),
    )
    first = Watcher(await client.open_shell("edit", 24, 80))
    await first.expect(r"\$ ")
    await first.shell.write(b"for i in $(seq 1 50); do echo history $i; done; vim notes.txt\r")
    await first.screen_shows(r"notes\.txt")
    await first.shell.write(b"12Gdd")
    await first.screen_shows(r"note 12")
    await first.quiet()
    drop(client)
    second = await reattach_and_compare(connect, user, first, first.shell.session_id)
    assert second.emulator.modes.alt_screen
    # the keys work at once: no mode left wrong
    await second.shell.write(b":wq\r")
    await second.expect(r"\$ $")
    saved = await (await connect(user)).call(m.ReadFile, project="edit", path="notes.txt")
    assert b"note 11\n" not in saved.data and b"note 12\n" in saved.data


async def test_reattaching_under_htop_shows_the_same_screen(connect: Connect, user: str) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="top")
    first = Watcher(await client.open_shell("top", 30, 100))
    await first.expect(r"\$ ")
    await first.shell.write(b"htop -d 50\r")
    await first.screen_shows(r"PID")
    await first.quiet(idle=0.7)
    drop(client)
    second = await reattach_and_compare(connect, user, first, first.shell.session_id)
    await second.shell.write(b"q")
    await second.expect(r"\$ $")


async def test_resuming_from_an_offset_misses_nothing_and_repeats_nothing(
    connect: Connect, user: str
) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="resume")
    first = Watcher(await client.open_shell("resume", 24, 80))
    await first.expect(r"\$ ")
    # Lines 101.. are printed only once the app is gone (the file "go"), and all of them
    # while nobody is attached (the file "finished" says they are): the resume must carry
    # exactly them, however fast or slow this machine is.
    await first.shell.write(
        b"rm -f go finished; for i in $(seq 1 3000); do echo line-$i; "
        b"if [ $i = 100 ]; then while [ ! -e go ]; do sleep 0.05; done; fi; done; "
        b"echo DONE; touch finished\r"
    )
    await first.expect(r"line-100\n")
    drop(client)
    again = await connect(user)
    await again.call(m.WriteFile, project="resume", path="go", data=b"")
    deadline = time.monotonic() + 60
    while True:
        try:
            await again.call(m.Stat, project="resume", path="finished")
            break
        except NotFound:
            assert time.monotonic() < deadline, "the loop never finished"
            await asyncio.sleep(0.1)
    assert "line-101" not in plain(bytes(first.data)), "printed before the drop"
    second = Watcher(await again.attach_shell(first.shell.session_id, offset=first.shell.offset))
    assert second.shell.resumed and second.shell.snapshots == 0
    await second.expect(r"DONE\n")
    whole = plain(bytes(first.data) + bytes(second.data))
    numbers = [int(line.split("-")[1]) for line in whole.split("\n") if line.startswith("line-")]
    assert numbers == list(range(1, 3001))


async def test_two_viewers_see_the_same_output_and_the_size_follows_the_last_typist(
    connect: Connect, user: str
) -> None:
    alice = await connect(user, client="laptop")
    await alice.call(m.CreateProject, name="pair")
    a = Watcher(await alice.open_shell("pair", 24, 80))
    await a.expect(r"\$ ")
    bob = await connect(user, client="desktop")
    b = Watcher(await bob.attach_shell(a.shell.session_id, rows=40, cols=120))
    await b.read_once(20)
    await until(lambda: len(a.shell.viewers) == 2)
    assert {v.client for v in a.shell.viewers} == {"laptop", "desktop"}
    await a.shell.write(b"stty size\r")
    await a.expect(r"24 80")
    await b.expect(r"24 80")
    await b.shell.write(b"stty size\r")
    await b.expect(r"40 120")
    await a.expect(r"40 120")
    assert (a.shell.rows, a.shell.cols) == (40, 120)
    watcher = await connect(user, client="tv")
    view = await watcher.attach_shell(a.shell.session_id, read_only=True)
    with pytest.raises(NotAllowed):
        await view.resize(10, 10)
    await bob.close()
    await until(lambda: {v.client for v in a.shell.viewers} == {"laptop", "tv"})


async def test_a_slow_viewer_stalls_neither_the_shell_nor_the_others(
    server: ServerProcess, connect: Connect, user: str
) -> None:
    fast_client = await connect(user)
    await fast_client.call(m.CreateProject, name="flood")
    fast = Watcher(await fast_client.open_shell("flood", 24, 80))
    await fast.expect(r"\$ ")
    # a viewer that never reads: its socket fills, its sender waits on it alone
    slow_client = await ServerClient.connect(server.api_url, server.token(user))
    slow = await slow_client.attach_shell(fast.shell.session_id)
    slow_client.stop_reading()
    await fast.shell.write(b"seq 1 600000; echo FLOOD-$((6*7))\r")  # ~4.5 MB: past the ring
    await fast.expect(r"FLOOD-42\n", timeout=60)
    await fast.shell.write(b"echo still-$((6*7))\r")
    # A stalled shell never answers; how fast it answers is bench_server's figure.
    await fast.expect(r"still-42\n", timeout=60)
    await slow_client.ws.close()
    # the slow one, coming back, gets the screen as it is now, not the backlog
    back = await connect(user)
    again = Watcher(await back.attach_shell(fast.shell.session_id, offset=slow.offset))
    await again.read_once(20)
    assert again.shell.snapshots == 1 and not again.shell.resumed
    await again.screen_shows(r"still-42")


async def test_ctrl_c_under_a_flood_brings_the_prompt_back(connect: Connect, user: str) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="yes")
    shell = Watcher(await client.open_shell("yes", 24, 80))
    await shell.expect(r"\$ ")
    await shell.shell.write(b"yes flood-line\r")
    await shell.expect(r"(flood-line\n){50}")
    start = time.monotonic()
    await shell.shell.write(b"\x03")
    await shell.shell.write(b"echo back-$((40+2))\r")
    await shell.screen_shows(r"back-42", timeout=20)
    assert time.monotonic() - start < 10  # generous; `make bench` measures the real figure


async def test_two_users_never_see_each_others_things(
    connect: Connect, new_user: Callable[[], str]
) -> None:
    ann, bob = await connect(new_user()), await connect(new_user())
    for client, text in ((ann, b"ann's"), (bob, b"bob's")):
        await client.call(m.CreateProject, name="same-name")
        await client.call(m.WriteFile, project="same-name", path="who.txt", data=text)
    assert (await ann.call(m.ReadFile, project="same-name", path="who.txt")).data == b"ann's"
    assert (await bob.call(m.ReadFile, project="same-name", path="who.txt")).data == b"bob's"
    shell = Watcher(await ann.open_shell("same-name", 24, 80))
    await shell.expect(r"\$ ")
    await shell.shell.write(b"cat who.txt; echo\r")
    await shell.expect(r"ann's\n")
    assert await bob.call(m.ListShells, project="same-name") == []
    with pytest.raises(NotFound):
        await bob.attach_shell(shell.shell.session_id)
    [bobs] = await bob.call(m.ListProjects)
    assert bobs.owner != (await ann.call(m.ListProjects))[0].owner
