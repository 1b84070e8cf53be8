"""Share links: read-only tokens of one running shell, made for the shell's owner (the
palette's "Share this shell" through ``share_shell``, or ``cloudide-server token share``),
and the address they point at.

A share token's scope is ``view:<session id>``: the server lets it attach that one shell
read-only and nothing else (``api.py``), whatever a page sends. It is a token of its own,
not tied to the token that asked for it: closing the IDE page that made a link leaves the
link working until it expires or is revoked (``token revoke --id``).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from cloudide_tui.errors import ProtocolError
from cloudide_tui.protocol import messages as m

from . import auth
from .auth import Principal

SHARE_TTL = 3600.0
"""A share link lives an hour unless told otherwise."""
MIN_SHARE_TTL = 60.0
MAX_SHARE_TTL = 7 * 24 * 3600.0
"""A week at most: a link is for watching now, not a standing door."""


def share_path(session_id: str, token: str) -> str:
    """The link without the server's address."""
    return f"/share/{quote(session_id)}?token={token}"


class ShareLinks:
    """Makes share links for the API (see the module docstring).

    Args:
        secret: The token secret.
        public_url: The address people open (``--public-url``), or None.
    """

    def __init__(self, secret: bytes, public_url: str | None) -> None:
        self._secret = secret
        self.public_url = public_url
        self.page_origins: dict[str, str] = {}
        """The origin of each IDE page, by its app process' token id: a link asked for
        from a page points at the address that page was opened at."""

    def make(self, principal: Principal, session_id: str, ttl: float) -> m.ShareLink:
        """A share link of ``session_id`` (the caller has checked it is a running shell of
        ``principal``'s user).

        Raises:
            ProtocolError: a ``ttl`` out of range.
        """
        if not MIN_SHARE_TTL <= ttl <= MAX_SHARE_TTL:
            raise ProtocolError(
                f"A share link lives between {MIN_SHARE_TTL:g} seconds and "
                f"{MAX_SHARE_TTL / 86400:g} days; {ttl:g} s was asked.",
                code="bad_message",
            )
        token, _ = auth.create_token(
            self._secret, principal.user, ttl=ttl, scope=auth.VIEW_PREFIX + session_id
        )
        path = share_path(session_id, token)
        base = self.public_url or self.page_origins.get(principal.token_id)
        return m.ShareLink(
            session_id=session_id,
            path=path,
            url=f"{base}{path}" if base else None,
            expires=time.time() + ttl,
        )
