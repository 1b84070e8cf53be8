"""The browser's door without a server: what each path answers, the cookies' attributes,
that a token is never echoed into a page, that every asset a page names is served, and
the launcher's limits."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from cloudide_server import auth
from cloudide_server.web import PAGES_DIR, STATIC_DIR, WebDoor, WebSocketRoute


@pytest.fixture
def secret(tmp_path: Path) -> bytes:
    return bytes(auth.load_secret(tmp_path, environ={}))


@pytest.fixture
def door(tmp_path: Path, secret: bytes) -> WebDoor:
    checker = auth.TokenChecker(secret, auth.Revocations(tmp_path))
    return WebDoor(checker, lambda headers: headers.get("Origin") == "http://ide.test")


def get(door: WebDoor, target: str, **headers: str) -> Response | WebSocketRoute | None:
    path, _, query = target.partition("?")
    request = Request(target, Headers([(k.replace("_", "-"), v) for k, v in headers.items()]))
    return door.answer(request, path, query)


def response(answer: Response | WebSocketRoute | None) -> Response:
    assert isinstance(answer, Response), answer
    return answer


def test_a_token_link_sets_the_cookie_and_moves_on_without_echoing_the_token(
    door: WebDoor, secret: bytes
) -> None:
    token, _ = auth.create_token(secret, "ann", ttl=600)
    answer = response(get(door, f"/?token={token}"))
    assert answer.status_code == 200
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"cloudide_session={token}; Path=/; Max-Age=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert token.encode() not in answer.body
    assert b'http-equiv="refresh" content="0; url=/"' in answer.body
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_a_bad_token_is_never_echoed_into_the_sign_in_page(door: WebDoor) -> None:
    bait = "<script>alert(1)</script>"
    answer = response(get(door, f"/?token={bait}"))
    assert answer.status_code == 401
    assert b"<script>" not in answer.body and b"not valid" in answer.body
    assert "Set-Cookie" not in answer.headers


def test_the_ide_page_needs_the_cookie_and_a_broken_one_is_cleared(
    door: WebDoor, secret: bytes
) -> None:
    token, _ = auth.create_token(secret, "ann", ttl=600)
    page = response(get(door, "/", Cookie=f"other=1; cloudide_session={token}"))
    assert page.status_code == 200 and b"/static/ide.js" in page.body and b"ann" in page.body
    assert token.encode() not in page.body
    assert response(get(door, "/")).status_code == 401
    broken = response(get(door, "/", Cookie="cloudide_session=nonsense"))
    assert broken.status_code == 401 and "Max-Age=0" in broken.headers["Set-Cookie"]
    odd = response(get(door, "/", Cookie='cloudide_session="unterminated'))
    assert odd.status_code == 401


def test_a_share_link_gets_a_cookie_of_its_own_scoped_to_its_shell(
    door: WebDoor, secret: bytes
) -> None:
    share, _ = auth.create_token(secret, "ann", ttl=600, scope="view:s1")
    answer = response(get(door, f"/share/s1?token={share}"))
    assert answer.headers["Set-Cookie"].startswith(f"cloudide_share={share}; Path=/share/s1;")
    assert response(get(door, f"/share/s2?token={share}")).status_code == 401
    page = response(get(door, "/share/s1", Cookie=f"cloudide_share={share}"))
    assert page.status_code == 200 and b"/static/share.js" in page.body


def test_browser_websockets_need_an_allowed_origin_then_the_cookie(
    door: WebDoor, secret: bytes
) -> None:
    token, _ = auth.create_token(secret, "ann", ttl=600)
    share, _ = auth.create_token(secret, "ann", ttl=600, scope="view:s1")
    cookie = f"cloudide_session={token}; cloudide_share={share}"
    assert response(get(door, "/ide/ws", Cookie=cookie)).status_code == 403
    foreign = get(door, "/ide/ws", Cookie=cookie, Origin="http://evil.test")
    assert response(foreign).status_code == 403
    assert response(get(door, "/ide/ws", Origin="http://ide.test")).status_code == 401
    ide = get(door, "/ide/ws", Cookie=cookie, Origin="http://ide.test")
    assert isinstance(ide, WebSocketRoute) and ide.route == "ide"
    assert ide.principal.user == "ann"
    shared = get(door, "/share/s1/ws", Cookie=cookie, Origin="http://ide.test")
    assert isinstance(shared, WebSocketRoute) and shared.principal.view_only_session == "s1"
    # the IDE socket never takes a share token, a share socket never a user token
    swapped = f"cloudide_session={share}; cloudide_share={token}"
    for path in ("/ide/ws", "/share/s1/ws"):
        assert (
            response(get(door, path, Cookie=swapped, Origin="http://ide.test")).status_code == 401
        )


def test_every_asset_a_page_names_is_served(door: WebDoor) -> None:
    named = set()
    for page in PAGES_DIR.glob("*.html"):
        named |= set(re.findall(r'"(/(?:static|fonts)/[^"]+)"', page.read_text()))
    for script in STATIC_DIR.glob("*.js"):
        named |= {f"/static/{n}" for n in re.findall(r'"\./([\w.-]+\.js)"', script.read_text())}
    for style in STATIC_DIR.glob("*.css"):
        named |= set(re.findall(r"url\((/fonts/[^)]+)\)", style.read_text()))
    assert {"/static/ide.js", "/static/share.js", "/static/ide.css"} <= named
    assert any(name.startswith("/static/xterm-") for name in named)  # the shared chunk
    assert any(name.startswith("/fonts/RobotoMono") for name in named)
    for name in named:
        answer = response(get(door, name))
        assert answer.status_code == 200 and answer.body, name
        again = response(get(door, name, If_None_Match=answer.headers["ETag"]))
        assert again.status_code == 304
    assert get(door, "/static/../web.py") is None
    assert get(door, "/nothing-here") is None


def test_the_launcher_sets_its_limits_and_keeps_stderr_in_a_file(tmp_path: Path) -> None:
    stderr = tmp_path / "stderr.log"
    probe = (
        "import resource, sys; "
        "print(*(resource.getrlimit(getattr(resource, 'RLIMIT_' + n))[0] "
        "for n in ('AS', 'NOFILE', 'FSIZE', 'CORE'))); "
        "print('to stderr', file=sys.stderr)"
    )
    out = subprocess.run(
        [
            sys.executable, "-m", "cloudide_server.launch",
            "--as", str(3 << 30), "--nofile", "128", "--fsize", str(1 << 20),
            "--stderr", str(stderr), "--", sys.executable, "-c", probe,
        ],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.split() == [str(3 << 30), "128", str(1 << 20), "0"]
    assert out.stderr == ""
    assert stderr.read_text() == "to stderr\n"
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] != 128  # only the child's
