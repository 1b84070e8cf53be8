"""The browser's door: pages, sign-in cookies, static files, and which websockets a page
may open. Answered before any handshake, in ``ServerCore.process_request``, so the pages,
their assets and their websockets share the API's host and port (websockets' server
answers any GET there; it reads no request bodies, hence GET forms).

Paths:

- ``/``: the IDE page for a signed-in browser, else the sign-in form (401). ``/?token=T``
  and ``/login?token=T`` (the form) check T, put it in an HttpOnly, SameSite=Strict
  cookie, and move on to ``/`` through a page that refreshes itself: the token leaves the
  address bar at once, and the next navigation starts on this site, so the Strict cookie
  goes with it even when the link was clicked on another site (after a plain redirect it
  would not).
- ``/logout``: forgets the cookie.
- ``/share/<session id>?token=T``: the same for a share link (a read-only token of one
  shell), with a cookie of its own scoped to that path; then the share page.
- ``/static/<file>``: the pages' scripts and styles (``server/static/``, built by
  ``make web`` from ``web/``); ``/fonts/<file>``: Roboto Mono, from textual-serve's
  package (no web fonts from elsewhere: the pages work offline).
- websockets: ``/ide/ws`` (the IDE: the sign-in cookie) and ``/share/<id>/ws`` (the
  share cookie). Both need a browser ``Origin``, and an allowed one (the server's own
  host or ``--origin``), checked before the cookie; cookies are SameSite=Strict besides.

A token is never in a page (the cookie is HttpOnly: no script reads it) nor in a log (the
access log keeps the path, never the query).
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import re
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote

import textual_serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from cloudide_tui.errors import AuthError

from .auth import Principal, TokenChecker

COOKIE = "cloudide_session"
"""The sign-in cookie of the IDE page: the user's token itself, so that revoking or
expiring the token signs the browser out (the same revocation as everywhere)."""
SHARE_COOKIE = "cloudide_share"
"""The cookie of a share link, scoped to ``/share/<session id>``."""

IDE_SOCKET = "/ide/ws"
STATIC_DIR = Path(__file__).parent / "static"
PAGES_DIR = Path(__file__).parent / "pages"
FONTS_DIR = Path(textual_serve.__file__).parent / "static" / "fonts"

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
    ".html": "text/html; charset=utf-8",
}

# 'unsafe-inline' for styles only: xterm.js sets its theme through a <style> element.
# connect-src 'self' covers ws:/wss: to this host (CSP 3).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)

_SHARE = re.compile(r"^/share/([A-Za-z0-9_-]{1,64})(/ws)?/?$")
_ASSET = re.compile(r"^/(static|fonts)/([A-Za-z0-9_.-]{1,100})$")


@dataclass(frozen=True, slots=True)
class WebSocketRoute:
    """A browser websocket that may go on to the handshake: which route, for whom."""

    route: str
    """``ide`` or ``share``."""
    principal: Principal


@dataclass(frozen=True, slots=True)
class _Asset:
    body: bytes
    content_type: str
    etag: str


def _load_assets(folder: Path) -> dict[str, _Asset]:
    assets = {}
    for path in sorted(folder.glob("*")):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        assets[path.name] = _Asset(body, content_type, etag)
    return assets


def _page(name: str) -> string.Template:
    return string.Template((PAGES_DIR / f"{name}.html").read_text(encoding="utf-8"))


class WebDoor:
    """Answers the browser's requests (see the module docstring).

    Args:
        checker: The server's token checker (signature, claims, revocation).
        origin_allowed: The server's Origin check (its own host, or ``--origin``).
        secure_cookies: Mark cookies ``Secure`` (the server speaks TLS itself).
    """

    def __init__(
        self,
        checker: TokenChecker,
        origin_allowed: Callable[[Headers], bool],
        *,
        secure_cookies: bool = False,
    ) -> None:
        self.checker = checker
        self.origin_allowed = origin_allowed
        self.secure_cookies = secure_cookies
        self.static = _load_assets(STATIC_DIR)
        self.fonts = _load_assets(FONTS_DIR)
        self.pages = {name: _page(name) for name in ("ide", "login", "share", "moving_on")}

    # -- the entry point ----------------------------------------------------------------------
    def answer(self, request: Request, path: str, query: str) -> Response | WebSocketRoute | None:
        """The answer to a browser path: a response, a websocket to let through (the
        caller then checks the Origin and the limits), or None: not a browser path."""
        params = parse_qs(query)
        token = params.get("token", [None])[0]
        headers = request.headers
        if path == IDE_SOCKET:
            return self._socket(headers, "ide", self._cookie(headers, COOKIE), None)
        if path in ("/", "/login", "/index.html"):
            return self._ide_page(headers, token, path)
        if path == "/logout":
            return self._login(headers, HTTPStatus.OK, "You are signed out.", clear=True)
        if match := _SHARE.match(path):
            session_id, socket = match.group(1), match.group(2)
            cookie = self._cookie(headers, SHARE_COOKIE)
            if socket:
                return self._socket(headers, "share", cookie, session_id)
            return self._share_page(headers, token, cookie, session_id)
        if match := _ASSET.match(path):
            folder = self.static if match.group(1) == "static" else self.fonts
            asset = folder.get(match.group(2))
            if asset is not None:
                return _asset_response(headers, asset)
        return None

    # -- the IDE page ---------------------------------------------------------------------------
    def _ide_page(self, headers: Headers, token: str | None, path: str) -> Response:
        if token is not None:
            try:
                principal = self._user(token)
            except AuthError as e:
                return self._login(headers, HTTPStatus.UNAUTHORIZED, e.message, clear=False)
            cookie = self._set_cookie(COOKIE, token, "/", principal)
            return self._moving_on(headers, "/", cookie)
        if path == "/login":
            return self._login(headers, HTTPStatus.UNAUTHORIZED, "Sign in with your token.")
        cookie_token = self._cookie(headers, COOKIE)
        if cookie_token is None:
            return self._login(headers, HTTPStatus.UNAUTHORIZED, "Sign in with your token.")
        try:
            principal = self._user(cookie_token)
        except AuthError as e:
            return self._login(headers, HTTPStatus.UNAUTHORIZED, e.message, clear=True)
        body = self.pages["ide"].substitute(user=html.escape(principal.user))
        return _html(HTTPStatus.OK, body)

    def _user(self, token: str) -> Principal:
        """The principal of a full user token (a share link is refused here).

        Raises:
            AuthError: as ``TokenChecker.check``, or a share link's token.
        """
        principal = self.checker.check(token)
        if principal.view_only_session is not None:
            raise AuthError(
                "This token is a share link of one shell: open the link as it was given "
                "(/share/...)."
            )
        return principal

    def _login(
        self, headers: Headers, status: HTTPStatus, message: str, *, clear: bool = False
    ) -> Response:
        body = self.pages["login"].substitute(message=html.escape(message))
        extra = [("Set-Cookie", self._clear_cookie(COOKIE, "/"))] if clear else []
        return _html(status, body, extra)

    # -- the share page ---------------------------------------------------------------------------
    def _share_page(
        self, headers: Headers, token: str | None, cookie: str | None, session_id: str
    ) -> Response:
        path = f"/share/{session_id}"
        given = token if token is not None else cookie
        if given is None:
            return self._share_refused(HTTPStatus.UNAUTHORIZED, "This page needs a share link.")
        try:
            principal = self._share(given, session_id)
        except AuthError as e:
            return self._share_refused(HTTPStatus.UNAUTHORIZED, e.message, path)
        if token is not None:
            cookie = self._set_cookie(SHARE_COOKIE, token, path, principal)
            return self._moving_on(headers, path, cookie)
        body = self.pages["share"].substitute(session=html.escape(session_id))
        return _html(HTTPStatus.OK, body)

    def _share(self, token: str, session_id: str) -> Principal:
        principal = self.checker.check(token)
        if principal.view_only_session != session_id:
            raise AuthError("This token is not a share link of this shell.")
        return principal

    def _share_refused(self, status: HTTPStatus, message: str, path: str | None = None) -> Response:
        body = self.pages["login"].substitute(
            message=html.escape(f"{message} Ask whoever shared it for a new link.")
        )
        extra = [("Set-Cookie", self._clear_cookie(SHARE_COOKIE, path))] if path else []
        return _html(status, body, extra)

    # -- websockets ---------------------------------------------------------------------------
    def _socket(
        self, headers: Headers, route: str, token: str | None, session_id: str | None
    ) -> Response | WebSocketRoute:
        if "Origin" not in headers:
            return _text(HTTPStatus.FORBIDDEN, "This websocket is for the browser pages only.\n")
        if not self.origin_allowed(headers):
            return _text(HTTPStatus.FORBIDDEN, "Cross-site request refused.\n")
        try:
            if token is None:
                raise AuthError("Not signed in: open the page first.")
            principal = self._user(token) if session_id is None else self._share(token, session_id)
        except AuthError as e:
            return _text(HTTPStatus.UNAUTHORIZED, f"{e.message}\n")
        return WebSocketRoute(route, principal)

    # -- cookies ------------------------------------------------------------------------------
    @staticmethod
    def _cookie(headers: Headers, name: str) -> str | None:
        for raw in headers.get_all("Cookie"):
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(raw)
            except CookieError:
                continue
            if name in jar and jar[name].value:
                return jar[name].value
        return None

    def _set_cookie(self, name: str, value: str, path: str, principal: Principal) -> str:
        max_age = max(1, int(principal.expires - time.time()))
        secure = "; Secure" if self.secure_cookies else ""
        return (
            f"{name}={value}; Path={quote(path)}; Max-Age={max_age}; HttpOnly; "
            f"SameSite=Strict{secure}"
        )

    def _clear_cookie(self, name: str, path: str | None) -> str:
        secure = "; Secure" if self.secure_cookies else ""
        return f"{name}=; Path={quote(path or '/')}; Max-Age=0; HttpOnly; SameSite=Strict{secure}"

    def _moving_on(self, headers: Headers, target: str, cookie: str) -> Response:
        """The page that sets the cookie and moves on to ``target`` (see the module
        docstring for why not a redirect)."""
        body = self.pages["moving_on"].substitute(target=html.escape(target))
        return _html(HTTPStatus.OK, body, [("Set-Cookie", cookie)])


def _base_headers(body: bytes, content_type: str) -> Headers:
    return Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
        ]
    )


def _html(
    status: HTTPStatus, body_text: str, extra: list[tuple[str, str]] | None = None
) -> Response:
    body = body_text.encode("utf-8")
    headers = _base_headers(body, CONTENT_TYPES[".html"])
    for name, value in (*PAGE_HEADERS, *(extra or [])):
        headers[name] = value
    return Response(status.value, status.phrase, headers, body)


def _text(status: HTTPStatus, text: str) -> Response:
    body = text.encode("utf-8")
    headers = _base_headers(body, "text/plain; charset=utf-8")
    return Response(status.value, status.phrase, headers, body)


def _asset_response(headers: Mapping[str, str], asset: _Asset) -> Response:
    if headers.get("If-None-Match") == asset.etag:
        status, body = HTTPStatus.NOT_MODIFIED, b""
    else:
        status, body = HTTPStatus.OK, asset.body
    out = _base_headers(body, asset.content_type)
    out["ETag"] = asset.etag
    out["Cache-Control"] = "no-cache"  # revalidate: a new release's files are seen at once
    out["X-Content-Type-Options"] = "nosniff"
    return Response(status.value, status.phrase, out, body)
