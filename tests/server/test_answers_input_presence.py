"""What several clients of one server need beyond the first protocol: one answer to a
terminal query however many watch, input that reaches the shell exactly once across a
drop, who else has a file open, limits hit told as events."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable

from cloudide_tui.backend.base import BackendEvent, FilePresence
from cloudide_tui.backend.remote_client import RemoteShell, ServerClient
from cloudide_tui.protocol import frames
from cloudide_tui.protocol import messages as m
from testkit.remote_helpers import Watcher

Connect = Callable[..., Awaitable[ServerClient]]

# Asks the terminal where the cursor is, then counts the answers the shell got in 2 s.
# The first answer is awaited as long as the test's deadline allows (a loaded machine may
# take more than a moment to send it); a second one then has 2 s to come.
COUNT_ANSWERS = (
    b"stty -echo; printf '\\033[6n'; n=0; got=; "
    b'if IFS= read -t 60 -rs -d R x; then n=1; got="${x#*[}/"; '
    b'while IFS= read -t 2 -rs -d R x; do n=$((n+1)); got="$got${x#*[}/"; done; fi; '
    b'stty echo; echo "answers=$n from=$got"\r'
)
ANSWERED = re.compile(r"answers=(\d+) from=(\S*)\n")


async def answer_queries(watcher: Watcher, reply: bytes, stop: asyncio.Event) -> None:
    """Play a terminal: each cursor-position query seen from now on is answered with
    ``reply``."""
    seen = bytes(watcher.data).count(b"\x1b[6n")
    while not stop.is_set():
        try:
            await watcher.read_once(0.2)
        except TimeoutError:
            continue
        queries = bytes(watcher.data).count(b"\x1b[6n")
        for _ in range(queries - seen):
            await watcher.shell.reply(reply)
        seen = queries


async def answers_to_a_query(typist: Watcher, viewers: list[Watcher]) -> tuple[int, str]:
    """The typist types the query; every viewer answers it; how many answers arrived."""
    stop = asyncio.Event()
    replies = [
        asyncio.ensure_future(answer_queries(v, b"\x1b[%d;%dR" % (i + 1, i + 1), stop))
        for i, v in enumerate(viewers)
    ]
    try:
        start = len(typist.text)
        await typist.shell.write(COUNT_ANSWERS)
        async with asyncio.timeout(90):  # past the command's own 60 s for the first answer
            while not (match := ANSWERED.search(typist.text, start)):
                await asyncio.sleep(0.05)
        return int(match.group(1)), match.group(2)
    finally:
        stop.set()
        await asyncio.gather(*replies)


async def test_a_query_seen_by_two_viewers_gets_one_answer_from_who_typed_last(
    connect: Connect, user: str
) -> None:
    alice = await connect(user, client="laptop")
    await alice.call(m.CreateProject, name="asks")
    a = Watcher(await alice.open_shell("asks", 24, 80))
    await a.expect(r"\$ ")
    bob = await connect(user, client="desktop")
    b = Watcher(await bob.attach_shell(a.shell.session_id))
    await b.read_once(20)

    # alice typed last: her terminal's answer (1;1) is the one the program gets
    assert await answers_to_a_query(a, [a, b]) == (1, "1;1/")
    # bob types now: his (2;2)
    assert await answers_to_a_query(b, [a, b]) == (1, "2;2/")


async def test_with_nobody_writable_attached_the_server_answers(
    connect: Connect, user: str
) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="alone")
    shell = Watcher(await client.open_shell("alone", 24, 80))
    await shell.expect(r"\$ ")
    watcher_client = await connect(user, client="tv")
    tv = Watcher(await watcher_client.attach_shell(shell.shell.session_id, read_only=True))
    await tv.read_once(20)
    go = f"go-{secrets.token_hex(4)}"  # new: made only by the call below
    await shell.shell.write(f"until [ -e {go} ]; do sleep 0.05; done; ".encode() + COUNT_ANSWERS)
    await shell.shell.detach()  # only a read-only viewer is left when the query comes
    # The query comes once the detach is done (this connection's next call comes after it),
    # not a guessed second later.
    await client.call(m.WriteFile, project="alone", path=go, data=b"")
    stop = asyncio.Event()
    answering = asyncio.ensure_future(answer_queries(tv, b"\x1b[9;9R", stop))
    try:
        await tv.expect(r"answers=1 from=\d+;\d+/", timeout=20)
    finally:
        stop.set()
        await answering
    assert "9;9" not in tv.text  # the read-only viewer's answer was not taken


async def test_input_sent_under_a_key_is_counted_so_a_resume_sends_only_what_was_lost(
    connect: Connect, user: str
) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="keys")
    attached = await client.call(m.OpenShell, project="keys", rows=24, cols=80, input_key="k1")
    shell = Watcher(client.adopt(attached, RemoteShell))
    await shell.expect(r"\$ ")
    await client.send_binary(frames.encode_input(shell.shell.channel, b"echo one\r"))
    await shell.expect(r"one\n")
    again = await connect(user)
    same = await again.call(m.AttachShell, session_id=attached.session_id, input_key="k1")
    other = await again.call(m.AttachShell, session_id=attached.session_id, input_key="k2")
    assert (same.input_received, other.input_received) == (len(b"echo one\r"), 0)


async def test_who_has_a_file_open_is_told_to_the_other_clients(
    connect: Connect, user: str
) -> None:
    laptop, desktop = await connect(user, client="laptop"), await connect(user, client="desk")
    await laptop.call(m.CreateProject, name="shared")
    heard: dict[str, asyncio.Queue[BackendEvent | None]] = {
        "laptop": await laptop.subscribe("shared"),
        "desk": await desktop.subscribe("shared"),
    }

    async def next_presence(who: str) -> FilePresence:
        while True:
            event = await asyncio.wait_for(heard[who].get(), 20)
            if isinstance(event, FilePresence):
                return event

    await laptop.call(m.SetFileOpen, project="shared", path="./notes.md", open=True)
    assert await next_presence("desk") == FilePresence("shared", "notes.md", [f"{user} (laptop)"])
    assert await next_presence("laptop") == FilePresence("shared", "notes.md", [])
    await desktop.call(m.SetFileOpen, project="shared", path="notes.md", open=True)
    assert await next_presence("laptop") == FilePresence("shared", "notes.md", [f"{user} (desk)"])
    assert (await next_presence("desk")).others == [f"{user} (laptop)"]
    await laptop.close()  # a client that goes closes its files
    assert await next_presence("desk") == FilePresence("shared", "notes.md", [])
