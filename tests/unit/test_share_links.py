"""Share links without a server: the token each carries (read-only, one shell, its own
lifetime), the address it points at (the public URL, else the page that asked, else the
client's own server), and the palette offering it only where a backend makes links."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cloudide_server import auth
from cloudide_server.shares import MAX_SHARE_TTL, MIN_SHARE_TTL, ShareLinks
from cloudide_tui.backend.base import Capabilities
from cloudide_tui.backend.remote_backend import page_address
from cloudide_tui.commands import ACTIONS, offered
from cloudide_tui.errors import ProtocolError


@pytest.fixture
def checker(tmp_path: Path) -> tuple[bytes, auth.TokenChecker]:
    secret = bytes(auth.load_secret(tmp_path, environ={}))
    return secret, auth.TokenChecker(secret, auth.Revocations(tmp_path))


def token_of(path: str) -> str:
    return parse_qs(urlsplit(path).query)["token"][0]


def test_a_link_carries_a_read_only_token_for_that_shell_alone(
    checker: tuple[bytes, auth.TokenChecker],
) -> None:
    secret, check = checker
    asker = check.check(auth.create_token(secret, "alice")[0])
    link = ShareLinks(secret, None).make(asker, "s-1", 120)
    assert link.path.startswith("/share/s-1?token=")
    principal = check.check(token_of(link.path))
    assert principal.user == "alice"
    assert principal.view_only_session == "s-1"
    assert principal.token_id != asker.token_id  # a token of its own: revoked on its own


def test_a_link_points_at_the_public_url_else_the_asking_page(
    checker: tuple[bytes, auth.TokenChecker],
) -> None:
    secret, check = checker
    page_app = check.check(auth.create_token(secret, "alice")[0])
    links = ShareLinks(secret, None)
    assert links.make(page_app, "s-1", 120).url is None
    links.page_origins[page_app.token_id] = "http://localhost:8123"
    assert str(links.make(page_app, "s-1", 120).url).startswith("http://localhost:8123/share/s-1?")
    public = ShareLinks(secret, "https://ide.example.org")
    public.page_origins[page_app.token_id] = "http://localhost:8123"
    assert str(public.make(page_app, "s-1", 120).url).startswith("https://ide.example.org/share/")


@pytest.mark.parametrize("ttl", [0.0, MIN_SHARE_TTL - 1, MAX_SHARE_TTL + 1, -5.0])
def test_a_lifetime_out_of_range_is_refused(
    checker: tuple[bytes, auth.TokenChecker], ttl: float
) -> None:
    secret, check = checker
    asker = check.check(auth.create_token(secret, "alice")[0])
    with pytest.raises(ProtocolError, match="between"):
        ShareLinks(secret, None).make(asker, "s-1", ttl)


@pytest.mark.parametrize(
    ("api", "pages"),
    [
        ("ws://127.0.0.1:8000/api", "http://127.0.0.1:8000"),
        ("wss://ide.example.org/api", "https://ide.example.org"),
        ("wss://example.org/ide/api", "https://example.org/ide"),
    ],
)
def test_the_pages_address_follows_the_api_address(api: str, pages: str) -> None:
    assert page_address(api) == pages


def test_the_palette_offers_sharing_only_where_the_backend_makes_links() -> None:
    share = next(c for c in ACTIONS if c.action == "screen.share_shell")
    assert share.needs == "shares_shells"
    assert not Capabilities().shares_shells
    assert share not in offered(Capabilities())  # the local Docker backend
    assert share not in offered(Capabilities(sessions_persist=True))
    assert share in offered(Capabilities(sessions_persist=True, shares_shells=True))
