"""A read-only share link of one running shell: a colleague opens it in a browser and
watches live; they cannot type, because the server refuses input on that token (not only
because the page sends none); the link is for that shell only, and ends when it is
revoked or expires."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable

from selenium import webdriver

from cloudide_tui.backend.remote_client import RemoteShell, ServerClient
from cloudide_tui.protocol import messages as m
from testkit.browser import banner, page_state, screen_text, type_keys, wait_screen, wait_until
from testkit.remote_helpers import Watcher
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]

INTRUDE = """
const [url, sessionId, text] = arguments;
const done = arguments[arguments.length - 1];
const said = [];
const socket = new WebSocket(url);
socket.binaryType = 'arraybuffer';
socket.onopen = () => socket.send(JSON.stringify({t: 'hello', version: 1, client: 'intruder'}));
socket.onmessage = (event) => {
  if (typeof event.data !== 'string') return;
  const message = JSON.parse(event.data);
  if (message.t === 'welcome') {
    socket.send(JSON.stringify(
      {t: 'attach_shell', id: 1, session_id: sessionId, read_only: false}));
  } else if (message.t === 'result' && message.id === 1) {
    said.push('attached read_only=' + message.value.read_only);
    const bytes = new TextEncoder().encode(text);
    const frame = new Uint8Array(5 + bytes.length);
    frame[0] = 1;  // INPUT
    new DataView(frame.buffer).setUint32(1, message.value.channel);
    frame.set(bytes, 5);
    socket.send(frame);
    socket.send(JSON.stringify({t: 'open_shell', id: 2, project: message.value.project,
                                rows: 24, cols: 80}));
    socket.send(JSON.stringify({t: 'ping', id: 3}));  // answered after the two above
  } else if (message.t === 'error') {
    said.push(message.code);
  } else if (message.t === 'result' && message.id === 3) {
    socket.close();
    done(said);
  }
};
socket.onclose = (event) => done(said.concat(['closed ' + event.code]));
"""


def share_link(server: ServerProcess, session_id: str, *more: str) -> tuple[str, str]:
    """``cloudide-server token share`` as an admin runs it: (the link, the token id)."""
    out = subprocess.run(
        [
            sys.executable, "-m", "cloudide_server", "token", "share",
            "--session", session_id, "--data-dir", str(server.data_dir),
            "--public-url", server.page_url, *more,
        ],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    link = re.search(r"open in a browser: (\S+)", out)
    token_id = re.search(r"\(id ([0-9a-f]+),", out)
    assert link and token_id, out
    return link.group(1), token_id.group(1)


async def shell_of(connect: Connect, user: str) -> tuple[RemoteShell, Watcher]:
    owner = await connect(user)
    await owner.call(m.CreateProject, name="shared")
    shell = await owner.open_shell("shared", 24, 80)
    watcher = Watcher(shell)
    await watcher.expect(r"[$#] $")
    return shell, watcher


async def on_page(function: Callable[..., object], *args: object) -> object:
    """A blocking browser call, off the event loop (the shells' readers keep running)."""
    return await asyncio.to_thread(function, *args)


async def test_a_share_link_shows_the_shell_live_and_never_types(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    shell, watcher = await shell_of(connect, user)
    await shell.write(b"echo before-$((40+2))\n")
    await watcher.expect("before-42")
    link, _ = share_link(server, shell.session_id)

    await on_page(browser.get, link)
    page = f"{server.page_url}/share/{shell.session_id}"
    await on_page(wait_until, lambda: browser.current_url == page, "the token to leave the URL")
    await on_page(wait_screen, browser, "before-42")  # the screen as it was: a snapshot
    assert page_state(browser) == "watching"
    assert "read-only" in str(
        browser.execute_script("return document.getElementById('bar').innerText")
    )
    # the owner and this page: told by the presence the server sends as the page attaches
    await on_page(
        wait_until,
        lambda: (
            "2 watching"
            in str(browser.execute_script("return document.getElementById('bar').innerText"))
        ),
        "the page to count the owner and itself",
    )

    await shell.write(b"echo live-$((6*7))\n")
    await on_page(wait_screen, browser, "live-42")  # and what comes after, live

    # keys typed on the page go nowhere: the terminal takes none
    await on_page(type_keys, browser, "echo typed-by-viewer\n")
    # and a script on the page that speaks the protocol itself is refused by the server
    socket = server.page_url.replace("http:", "ws:") + f"/share/{shell.session_id}/ws"
    said = await on_page(
        browser.execute_async_script, INTRUDE, socket, shell.session_id, "echo injected\r"
    )
    assert said == ["attached read_only=true", "not_allowed", "not_allowed"], said

    await shell.write(b"echo marker-$((1+1))\n")
    await watcher.expect("marker-2")
    await on_page(wait_screen, browser, "marker-2")
    assert "typed-by-viewer" not in watcher.data.decode(errors="replace")
    assert "injected" not in watcher.data.decode(errors="replace")
    assert "injected" not in screen_text(browser)


async def test_a_share_link_is_for_its_own_shell_only(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    shell, _ = await shell_of(connect, user)
    other = await (await connect(user)).open_shell("shared", 24, 80)
    link, _ = share_link(server, shell.session_id)
    await on_page(browser.get, link.replace(shell.session_id, other.session_id))
    refused = str(browser.execute_script("return document.getElementById('message').innerText"))
    assert "not a share link of this shell" in refused
    assert browser.get_cookies() == []


async def test_revoking_a_share_link_closes_the_page_watching(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    shell, _ = await shell_of(connect, user)
    link, token_id = share_link(server, shell.session_id)
    await on_page(browser.get, link)
    await on_page(wait_screen, browser, r"[$#]")
    subprocess.run(
        [
            sys.executable, "-m", "cloudide_server", "token", "revoke", "--id", token_id,
            "--data-dir", str(server.data_dir),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    await on_page(wait_until, lambda: page_state(browser) == "signed-out", "the page to close")
    assert "4401" in banner(browser)
    await on_page(browser.refresh)
    refused = str(browser.execute_script("return document.getElementById('message').innerText"))
    assert "revoked" in refused


async def test_a_share_link_expires(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    shell, _ = await shell_of(connect, user)
    link, _ = share_link(server, shell.session_id, "--ttl", "2")
    await on_page(browser.get, link)
    await on_page(
        wait_until,
        lambda: page_state(browser) in ("signed-out", "refused"),
        "the expired link's page to close",
    )
