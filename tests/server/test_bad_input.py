"""Bad input, each answered with an error code or a close code and a reason, while the
server serves everyone else untouched."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Awaitable, Callable

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import ProtocolError
from cloudide_tui.protocol import frames
from cloudide_tui.protocol import messages as m
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]


async def raw(server: ServerProcess, user: str, hello: bool = True) -> ClientConnection:
    ws = await ws_connect(
        server.api_url,
        additional_headers={"Authorization": f"Bearer {server.token(user)}"},
        max_size=None,
    )
    if hello:
        await ws.send('{"t":"hello","version":1}')
        assert json.loads(await ws.recv())["t"] == "welcome"
    return ws


async def answer(ws: ClientConnection) -> dict[str, object]:
    """The next control message (frames of other kinds skipped)."""
    async with asyncio.timeout(20):
        while True:
            frame = await ws.recv()
            if isinstance(frame, str):
                value: dict[str, object] = json.loads(frame)
                if value["t"] in ("result", "error"):
                    return value


async def closed(ws: ClientConnection) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(20):
            while True:
                await ws.recv()
    return ws.close_code, ws.close_reason


@pytest.mark.parametrize(
    ("frame", "code", "request_id"),
    [
        ("{not json", "bad_message", None),
        ('"a string"', "bad_message", None),
        ('{"t":"warp_drive","id":5}', "unknown_message", 5),
        ('{"t":"list_dir","id":6,"project":["x"]}', "bad_message", 6),
        ('{"t":"resize","id":7,"channel":1,"rows":-3,"cols":80}', "bad_message", 7),
        ('{"t":"read_file","id":8,"project":"p","path":"a","limit":1e12}', "bad_message", 8),
        ('{"t":"hello","version":1}', "bad_message", None),
        (b"\x07garbage", "unknown_message", None),
        (b"\x01\x00", "bad_message", None),
        (b"\x02\x00\x00\x00\x01" + bytes(8), "unknown_message", None),
        (frames.encode_input(99, b"ls\r"), "unknown_channel", None),
        ('{"t":"detach_shell","id":9,"channel":12}', "unknown_channel", 9),
        ('{"t":"unsubscribe","id":10,"subscription":77}', "bad_message", 10),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_connection_goes_on(
    server: ServerProcess, user: str, frame: str | bytes, code: str, request_id: int | None
) -> None:
    ws = await raw(server, user)
    try:
        await ws.send(frame)
        error = await answer(ws)
        assert (error["t"], error["code"], error["id"]) == ("error", code, request_id)
        assert error["message"]
        await ws.send('{"t":"ping","id":100}')
        assert await answer(ws) == {"t": "result", "id": 100, "value": None}
    finally:
        await ws.close()


async def test_the_first_message_must_be_a_hello_of_a_known_version(
    server: ServerProcess, user: str
) -> None:
    ws = await raw(server, user, hello=False)
    await ws.send('{"t":"ping","id":1}')
    assert (await closed(ws))[0] == 4400
    ws = await raw(server, user, hello=False)
    await ws.send('{"t":"hello","version":99}')
    code, reason = await closed(ws)
    assert code == 4426 and "version 1" in (reason or "")
    ws = await raw(server, user, hello=False)
    await ws.send(b"\x01")
    assert (await closed(ws))[0] == 4400


async def test_an_oversized_frame_closes_that_connection_only(
    server: ServerProcess, connect: Connect, user: str
) -> None:
    bystander = await connect(user)
    ws = await raw(server, user)
    await ws.send("x" * (17 << 20))
    assert (await closed(ws))[0] == 1009
    assert await bystander.call(m.Ping) is None


async def test_a_file_over_the_limit_is_refused(connect: Connect, user: str) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="big")
    with pytest.raises(ProtocolError) as caught:
        await client.call(m.WriteFile, project="big", path="x", data=b"\0" * (m.MAX_FILE_BYTES + 1))
    assert caught.value.code == "bad_message"
    assert await client.call(m.ListDir, project="big") == []


async def test_too_many_pending_requests_are_refused_not_queued(
    server: ServerProcess, user: str
) -> None:
    ws = await raw(server, user)
    try:
        burst = "".join(
            json.dumps({"t": "list_projects", "id": i}) + "\n" for i in range(200)
        ).splitlines()
        for frame in burst:
            await ws.send(frame)
        answers = [await answer(ws) for _ in range(200)]
        refused = [a for a in answers if a["t"] == "error"]
        assert all("pending" in str(a["message"]) for a in refused)
        assert len([a for a in answers if a["t"] == "result"]) >= 32
    finally:
        await ws.close()


async def test_a_flood_of_bad_tokens_and_connections_leaves_others_served(
    server: ServerProcess, connect: Connect, user: str
) -> None:
    client = await connect(user)

    async def bad() -> int:
        try:
            async with ws_connect(server.api_url + "?token=bad." + "x" * 100):
                return 101
        except InvalidStatus as e:
            return e.response.status_code

    async def idle_connection() -> None:
        ws = await raw(server, user, hello=False)
        await ws.close()

    statuses = await asyncio.gather(*(bad() for _ in range(150)))
    assert set(statuses) == {401}
    await asyncio.gather(*(idle_connection() for _ in range(25)))
    assert await client.call(m.Ping) is None
    http = server.base.replace("ws://", "http://")
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(f"{http}/healthz").read())
    assert b'"ok"' in body
