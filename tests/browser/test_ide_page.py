"""The IDE in a browser: the very app, as in a terminal, for a signed-in browser; one
unprivileged app process with limits per page, gone when the page closes (its shells live
on in the server); revoking the token ends the page; a user may open so many pages."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.keys import Keys

from cloudide_server import auth
from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.protocol import messages as m
from testkit.browser import (
    TEST_ACCOUNT,
    app_processes,
    banner,
    chromium,
    page_state,
    press,
    server_env,
    type_keys,
    wait_screen,
    wait_until,
)
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]
PAGES_PER_USER = 2


@pytest.fixture(scope="module")
def server_environment() -> dict[str, str]:
    """This module's server allows two pages a user (the limit test opens a third)."""
    return {**server_env(), "CLOUDIDE_SERVER_BROWSER_SESSIONS_PER_USER": str(PAGES_PER_USER)}


async def on_page(function: Callable[..., object], *args: object, **kwargs: object) -> object:
    """A blocking browser call, off the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


def health(server: ServerProcess) -> dict[str, int]:
    with urllib.request.urlopen(f"{server.page_url}/healthz", timeout=10) as answer:
        return dict(json.loads(answer.read()))


async def open_ide(server: ServerProcess, browser: webdriver.Chrome, token: str) -> None:
    await on_page(browser.get, f"{server.page_url}/?token={token}")
    await on_page(wait_screen, browser, r"Projects")


async def test_the_ide_page_shows_the_project_browser_and_a_terminal_that_runs_echo(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    await (await connect(user)).call(m.CreateProject, name="web")
    await open_ide(server, browser, server.token(user))
    screen = str(await on_page(wait_screen, browser, r"[▶▼] \S web"))
    assert user in screen.splitlines()[0]  # the status line: whose IDE this is
    await on_page(type_keys, browser, Keys.ENTER)  # Enter on a project opens its terminal
    await on_page(wait_screen, browser, r"web:/workspace\$ *$|web:/workspace\$ *\n")
    await on_page(type_keys, browser, "echo hello-$((6*7))\n")
    await on_page(wait_screen, browser, r"▕hello-42")


async def test_alt_keys_reach_the_shell_as_in_a_terminal(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    """Alt+. (bash: the last word of the previous command), which xterm.js sends as ESC .
    and Textual's own parser would turn into a plain '.'."""
    await (await connect(user)).call(m.CreateProject, name="web")
    await open_ide(server, browser, server.token(user))
    await on_page(wait_screen, browser, r"[▶▼] \S web")
    await on_page(type_keys, browser, Keys.ENTER)
    await on_page(wait_screen, browser, r"web:/workspace\$")
    await on_page(type_keys, browser, "echo first last42\n")
    await on_page(wait_screen, browser, r"▕first last42")
    await on_page(type_keys, browser, "echo again ")
    await on_page(press, browser, Keys.ALT, ".")
    await on_page(type_keys, browser, "\n")
    await on_page(wait_screen, browser, r"▕again last42")  # not "again ."


async def test_a_file_saved_in_the_editor_of_the_page_is_on_disk(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="web")
    await client.call(m.WriteFile, project="web", path="notes.txt", data=b"first line\n")
    await open_ide(server, browser, server.token(user))
    await on_page(wait_screen, browser, r"[▶▼] \S web")
    await on_page(press, browser, Keys.CONTROL, "p")  # the palette: any file
    await on_page(wait_screen, browser, "🔎")
    await on_page(type_keys, browser, "notes.txt")
    await on_page(wait_screen, browser, r"Open in an editor \(web\)")
    await on_page(type_keys, browser, Keys.ENTER)
    await on_page(wait_screen, browser, r"1 +first line")
    await on_page(type_keys, browser, "saved from the page, ")
    await on_page(press, browser, Keys.CONTROL, "s")
    await on_page(wait_screen, browser, "Saved notes.txt")
    on_disk = server.data_dir / "workspaces" / user / "web" / "notes.txt"
    assert on_disk.read_text() == "saved from the page, first line\n"


async def test_closing_the_page_ends_its_unprivileged_process_and_the_shells_live_on(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    client = await connect(user)
    await client.call(m.CreateProject, name="web")
    token = server.token(user)
    await open_ide(server, browser, token)
    await on_page(wait_screen, browser, r"[▶▼] \S web")
    await on_page(type_keys, browser, Keys.ENTER)
    await on_page(wait_screen, browser, r"web:/workspace\$")
    await on_page(type_keys, browser, "echo before-$((1+1))-close\n")
    await on_page(wait_screen, browser, r"▕before-2-close")

    assert server.proc is not None
    (pid,) = app_processes(server.proc.pid, user)
    status = Path(f"/proc/{pid}/status").read_text()
    uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
    if os.geteuid() == 0:
        assert uid == pwd.getpwnam(TEST_ACCOUNT).pw_uid  # never root
        groups = re.search(r"^Groups:(.*)$", status, re.M).group(1).split()  # type: ignore[union-attr]
        assert groups == []  # not the server's (docker: root on the host)
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert re.search(r"Max address space\s+2147483648\s", limits)
    assert re.search(r"Max open files\s+256\s", limits)
    assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert not any(v.startswith(b"CLOUDIDE_SERVER_") for v in environ)  # not the server's
    assert any(v.startswith(b"CLOUDIDE_TOKEN=") for v in environ)  # its own token

    await on_page(browser.get, "about:blank")  # the page closes
    server_pid = server.proc.pid
    await on_page(wait_until, lambda: not app_processes(server_pid, user), "the app to end")
    await on_page(
        wait_until, lambda: health(server)["browser_sessions"] == 0, "the page to be counted out"
    )
    (shell,) = await client.call(m.ListShells, project="web")  # the shell lives on
    # and the next page has it back, its screen as it was
    await open_ide(server, browser, token)
    await on_page(wait_screen, browser, r"▕before-2-close")
    assert shell.session_id


async def test_revoking_the_token_ends_the_page_and_its_process(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    token, token_id = auth.create_token(server.secret(), user, ttl=3600)
    await open_ide(server, browser, token)
    assert server.proc is not None
    server_pid = server.proc.pid
    assert app_processes(server_pid, user)
    subprocess.run(
        [
            sys.executable, "-m", "cloudide_server", "token", "revoke", "--id", token_id,
            "--data-dir", str(server.data_dir),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    await on_page(wait_until, lambda: page_state(browser) == "signed-out", "the page to end")
    assert "revoked" in banner(browser)
    await on_page(wait_until, lambda: not app_processes(server_pid, user), "the app to end")
    await on_page(browser.refresh)
    assert "revoked" in str(
        browser.execute_script("return document.getElementById('message').innerText")
    )


async def test_a_user_may_open_only_so_many_pages(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    token = server.token(user)
    await open_ide(server, browser, token)
    for _ in range(PAGES_PER_USER - 1):
        await on_page(browser.switch_to.new_window, "tab")
        await open_ide(server, browser, token)
    await on_page(browser.switch_to.new_window, "tab")
    await on_page(browser.get, f"{server.page_url}/")
    await on_page(wait_until, lambda: page_state(browser) == "refused", "the page to be refused")
    assert f"you have {PAGES_PER_USER} IDE pages open" in banner(browser)
    # another user is not held back by this one
    other = server.token(f"{user}x")
    await on_page(browser.switch_to.new_window, "window")
    await on_page(browser.delete_all_cookies)
    await open_ide(server, browser, other)


async def test_the_palettes_share_gives_a_link_a_colleague_watches(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    await (await connect(user)).call(m.CreateProject, name="web")
    # opened by another name than the one its app process reaches the server at
    address = f"http://localhost:{server.port}"
    await on_page(browser.get, f"{address}/?token={server.token(user)}")
    await on_page(wait_screen, browser, r"[▶▼] \S web")
    await on_page(type_keys, browser, Keys.ENTER)
    await on_page(wait_screen, browser, r"web:/workspace\$")
    await on_page(type_keys, browser, "echo shared-$((2*21))\n")
    await on_page(wait_screen, browser, r"▕shared-42")
    # what the app copies (OSC 52) reaches the page's clipboard: catch it there
    browser.execute_script(
        "navigator.clipboard.writeText = (text) => {"
        "  window.copied = text; return Promise.resolve(); }"
    )
    await on_page(type_keys, browser, Keys.F12)  # out of the terminal, its tab still active
    await on_page(press, browser, Keys.CONTROL, "p")
    await on_page(wait_screen, browser, "🔎")
    await on_page(type_keys, browser, "Share this shell")
    await on_page(wait_screen, browser, r"Share this shell \(read-only link\)")
    await on_page(type_keys, browser, Keys.ENTER)
    await on_page(wait_screen, browser, "watches this shell live until")
    link = str(
        await on_page(
            wait_until, lambda: browser.execute_script("return window.copied"), "the link"
        )
    )
    assert link.startswith(f"{address}/share/")  # the address the page was opened at
    with chromium() as colleague:
        await on_page(colleague.get, link)
        await on_page(wait_screen, colleague, r"shared-42")
        assert page_state(colleague) == "watching"


JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
"""Any token of this server (a JWT: header.claims.signature), whoever it was made for."""


async def test_no_token_is_in_the_servers_log_or_the_pages(
    server: ServerProcess, browser: webdriver.Chrome, connect: Connect, user: str
) -> None:
    """The page's token (in the link), its app process' own token (in that process'
    environment) and every token the server checked: none in the log, none in the page."""
    await (await connect(user)).call(m.CreateProject, name="web")
    token = server.token(user)
    await open_ide(server, browser, token)
    await on_page(wait_screen, browser, r"[▶▼] \S web")
    await on_page(type_keys, browser, Keys.ENTER)
    await on_page(wait_screen, browser, r"web:/workspace\$")
    await on_page(type_keys, browser, "echo logged-$((2+2))\n")
    await on_page(wait_screen, browser, r"▕logged-4")
    assert server.proc is not None
    (pid,) = app_processes(server.proc.pid, user)
    environ = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    app_token = next(v.split("=", 1)[1] for v in environ if v.startswith("CLOUDIDE_TOKEN="))
    assert JWT.fullmatch(app_token) and JWT.fullmatch(token)  # the pattern finds them

    html = str(browser.page_source)
    cookies = str(browser.get_cookies())
    assert "token=" not in str(browser.current_url)
    log = server.output()
    assert "/ide/ws" in log  # the log did record the page's connection ...
    for text in (html, log):
        assert token not in text and app_token not in text
        assert not JWT.search(text), JWT.search(text)  # ... and no token of anyone
    assert token in cookies  # where it does belong: the HttpOnly cookie
