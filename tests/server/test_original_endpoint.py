"""The original MVP endpoint with a plain websocket client, as `wscat` would use it:
text in, text out, JSON control frames, bad input refused while the server serves on."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from testkit.server_process import ServerProcess

ANSI = re.compile(r"\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>c]|\r")


async def read_until(ws: ClientConnection, pattern: str, timeout: float = 20) -> str:
    """Text received (escape sequences removed) until ``pattern`` matches."""
    seen = ""
    async with asyncio.timeout(timeout):
        while not re.search(pattern, seen):
            frame = await ws.recv()
            assert isinstance(frame, str), "the original endpoint sends text frames"
            seen += ANSI.sub("", frame)
    return seen


async def test_send_ls_read_the_output(server: ServerProcess, user: str) -> None:
    url = f"{server.terminal_url('mvp')}?token={server.token(user)}"
    async with ws_connect(url) as ws:
        await read_until(ws, r"\$ $")
        await ws.send("touch hello.txt && ls\n")
        assert "hello.txt" in await read_until(ws, r"hello\.txt\n.*\$ $")


async def test_json_with_a_known_type_is_control_and_other_text_is_input(
    server: ServerProcess, user: str
) -> None:
    url = f"{server.terminal_url('ctl')}?token={server.token(user)}"
    async with ws_connect(url) as ws:
        await read_until(ws, r"\$ $")
        await ws.send(json.dumps({"type": "resize", "rows": 33, "cols": 101}))
        await ws.send("stty size\n")
        await read_until(ws, r"33 101")
        await ws.send(json.dumps({"type": "input", "data": "echo via-$((6*7))\n"}))
        await read_until(ws, r"via-42\n")
        # JSON without a known type is just text for the shell
        await ws.send('echo \'{"type": "other"}\'\n')
        await read_until(ws, r'\{"type": "other"\}\n')
        await ws.send(json.dumps({"type": "resize", "rows": "big"}))
        error = json.loads(await _next_json(ws))
        assert error["type"] == "error" and "rows" in error["message"]


async def _next_json(ws: ClientConnection) -> str:
    async with asyncio.timeout(20):
        while True:
            frame = await ws.recv()
            if isinstance(frame, str) and frame.startswith('{"type": "error"'):
                return frame


async def test_connecting_again_finds_the_same_shell_and_its_screen(
    server: ServerProcess, user: str
) -> None:
    url = f"{server.terminal_url('again')}?token={server.token(user)}"
    async with ws_connect(url) as ws:
        await read_until(ws, r"\$ $")
        await ws.send("export MARK=kept-$((6*7))\n")
        await read_until(ws, r"\$ $")
    async with ws_connect(url) as ws:
        shown = await read_until(ws, r"export MARK")  # the screen as it was, drawn again
        assert "export MARK=kept" in shown
        await ws.send("echo $MARK\n")
        await read_until(ws, r"kept-42")
    async with ws_connect(url + "&new=1") as ws:
        await read_until(ws, r"\$ $")
        await ws.send("echo [$MARK]\n")
        await read_until(ws, r"\[\]")


async def test_an_invalid_project_is_refused_with_the_reason(
    server: ServerProcess, user: str
) -> None:
    token = server.token(user)
    for name, words in (("Bad", "lowercase"), ("a%20b", "contains"), ("..", "folder")):
        with pytest.raises(InvalidStatus) as caught:
            async with ws_connect(f"{server.terminal_url(name)}?token={token}"):
                pass
        assert caught.value.response.status_code == 400
        assert words in (caught.value.response.body or b"").decode()
    async with ws_connect(f"{server.terminal_url('fine')}?token={token}") as ws:
        await read_until(ws, r"\$ $")


async def test_binary_and_oversized_frames_close_with_a_reason(
    server: ServerProcess, user: str
) -> None:
    url = f"{server.terminal_url('frames')}?token={server.token(user)}"
    async with ws_connect(url) as ws:
        await read_until(ws, r"\$ $")
        await ws.send(b"\x00binary")
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(20):
                while True:
                    await ws.recv()
    assert ws.close_code == 1008 and "text" in (ws.close_reason or "")
    async with ws_connect(url, max_size=None) as ws:
        await ws.send("x" * (65 * 1024))
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(20):
                while True:
                    await ws.recv()
    assert ws.close_code == 1009
    async with ws_connect(url) as ws:  # and the server serves on
        await ws.send("echo still-$((6*7))\n")
        await read_until(ws, r"still-42\n")


async def test_exiting_the_shell_closes_the_socket_saying_why(
    server: ServerProcess, user: str
) -> None:
    url = f"{server.terminal_url('bye')}?token={server.token(user)}&new=1"
    start = time.monotonic()
    async with ws_connect(url) as ws:
        await read_until(ws, r"\$ $")
        await ws.send("exit 3\n")
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(20):
                while True:
                    await ws.recv()
    assert ws.close_code == 1000
    assert "status 3" in (ws.close_reason or "")
    assert time.monotonic() - start < 30
