"""Who reaches the IDE page: a token, in a link or the sign-in form, becomes an HttpOnly,
SameSite=Strict cookie; nothing opens without one; no token is ever in a page, a URL left
in the address bar, or the server's log; a websocket from another origin is refused."""

from __future__ import annotations

import asyncio
import http.server
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from cloudide_server import auth
from testkit.browser import wait_until
from testkit.server_process import ServerProcess

TRY_SOCKET = """
const done = arguments[arguments.length - 1];
const socket = new WebSocket(arguments[0]);
socket.onopen = () => { done('opened'); socket.close(); };
socket.onclose = (event) => done('closed ' + event.code);
"""


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as e:
        return e.code


def sign_in_message(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.ID, "message").text)


def test_without_a_token_the_page_asks_for_one_and_opens_nothing(
    server: ServerProcess, browser: webdriver.Chrome
) -> None:
    assert http_status(f"{server.page_url}/") == 401
    browser.get(f"{server.page_url}/")
    assert browser.find_element(By.ID, "token").get_attribute("type") == "password"
    assert "Sign in" in sign_in_message(browser)
    # the IDE's websocket, tried from this very page (same origin, no cookie): refused
    ide_socket = server.page_url.replace("http:", "ws:") + "/ide/ws"
    assert browser.execute_async_script(TRY_SOCKET, ide_socket).startswith("closed")


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("not-a-token", "not valid (malformed)"),
        (None, "has expired"),  # made below: a real token, expired
    ],
)
def test_a_bad_token_is_refused_with_its_reason_and_sets_no_cookie(
    server: ServerProcess, browser: webdriver.Chrome, user: str, token: str | None, words: str
) -> None:
    if token is None:
        token, _ = auth.create_token(server.secret(), user, ttl=1)
        wait_until(lambda: not _valid(server, token), "the token to expire", timeout=30)
    browser.get(f"{server.page_url}/?token={token}")
    assert words in sign_in_message(browser)
    assert browser.get_cookies() == []


def _valid(server: ServerProcess, token: str) -> bool:
    checker = auth.TokenChecker(server.secret(), auth.Revocations(server.data_dir))
    try:
        checker.check(token)
    except Exception:
        return False
    return True


def test_a_token_link_signs_in_with_an_httponly_strict_cookie_and_leaves_the_address_bar(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    token = server.token(user)
    browser.get(f"{server.page_url}/?token={token}")
    wait_until(lambda: browser.current_url == f"{server.page_url}/", "the token to leave the URL")
    wait_until(lambda: browser.find_elements(By.ID, "terminal"), "the IDE page")
    assert user in browser.title
    (cookie,) = browser.get_cookies()
    assert cookie["name"] == "cloudide_session" and cookie["value"] == token
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert token not in browser.page_source
    assert token not in browser.execute_script("return document.cookie")  # HttpOnly
    assert token not in server.output()  # the access log keeps paths, never queries


def test_the_sign_in_form_takes_the_token(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    browser.get(f"{server.page_url}/")
    browser.find_element(By.ID, "token").send_keys(server.token(user))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: browser.current_url == f"{server.page_url}/", "the sign-in to finish")
    wait_until(lambda: browser.find_elements(By.ID, "terminal"), "the IDE page")


def test_signing_out_forgets_the_cookie(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    browser.get(f"{server.page_url}/?token={server.token(user)}")
    wait_until(lambda: browser.get_cookies(), "the cookie")
    browser.get(f"{server.page_url}/logout")
    assert browser.get_cookies() == []
    browser.get(f"{server.page_url}/")
    assert browser.find_elements(By.ID, "token")


def test_a_share_link_token_does_not_open_the_ide(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    share = server.token(user, scope=f"{auth.VIEW_PREFIX}abc123")
    browser.get(f"{server.page_url}/?token={share}")
    assert "share link of one shell" in sign_in_message(browser)
    assert browser.get_cookies() == []


async def handshake_status(url: str, headers: dict[str, str]) -> int:
    try:
        async with ws_connect(url, additional_headers=headers, open_timeout=10):
            return 101
    except InvalidStatus as e:
        return int(e.response.status_code)


@pytest.mark.parametrize("path", ["/ide/ws", "/share/abc123/ws"])
async def test_a_browser_websocket_needs_this_sites_origin(
    server: ServerProcess, user: str, path: str
) -> None:
    token = server.token(user, scope=f"{auth.VIEW_PREFIX}abc123" if "share" in path else "user")
    cookie = {"Cookie": f"cloudide_session={token}; cloudide_share={token}"}
    url = server.page_url.replace("http:", "ws:") + path
    assert await handshake_status(url, {**cookie, "Origin": "http://evil.example"}) == 403
    assert await handshake_status(url, cookie) == 403  # no Origin: not a browser page
    assert await handshake_status(url, {"Origin": server.page_url}) == 401  # no cookie


@pytest.fixture
def foreign_site() -> Iterator[str]:
    """A page on another origin (another port of localhost), like a site on the web."""
    page = b"<!DOCTYPE html><title>elsewhere</title><p>another site</p>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_a_page_of_another_site_cannot_open_the_ide_of_a_signed_in_browser(
    server: ServerProcess, browser: webdriver.Chrome, user: str, foreign_site: str
) -> None:
    """Cross-site websocket hijacking (ttyd's CVE-2021-34182, code-server's CVE-2023-26114):
    the browser is signed in, then visits another site whose script opens the IDE's socket."""
    await asyncio.to_thread(browser.get, f"{server.page_url}/?token={server.token(user)}")
    await asyncio.to_thread(wait_until, browser.get_cookies, "the cookie")
    await asyncio.to_thread(browser.get, foreign_site)
    ide_socket = server.page_url.replace("http:", "ws:") + "/ide/ws"
    refusals = refused_ide_sockets(server)
    outcome = await asyncio.to_thread(browser.execute_async_script, TRY_SOCKET, ide_socket)
    assert outcome.startswith("closed")
    assert refused_ide_sockets(server) == refusals + 1  # refused for its Origin: 403


def refused_ide_sockets(server: ServerProcess) -> int:
    """How many /ide/ws handshakes the server's access log shows refused with 403."""
    return sum('"path": "/ide/ws", "status": 403' in line for line in server.output().splitlines())
