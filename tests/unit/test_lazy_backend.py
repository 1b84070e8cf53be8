"""The stand-in backend of the warm start (``LazyBackend``) hides nothing the app reads:
the capabilities it was given, the real backend's connection once it is made, and the
connection watchers and a new token asked for before it was made."""

from __future__ import annotations

from collections.abc import Callable

from cloudide_tui.backend.base import (
    Capabilities,
    ConnectionCallback,
    ConnectionStatus,
    ShareLink,
)
from cloudide_tui.backend.lazy import LazyBackend
from testkit.fake_backend import FakeBackend

SERVER = Capabilities(
    sessions_persist=True, prepares_image_locally=False, stop_containers_on_quit=False
)


class ServerLike(FakeBackend):
    """A fake with a connection that changes and a token, as a server's backend has."""

    capabilities = SERVER

    def __init__(self) -> None:
        super().__init__()
        self.status = ConnectionStatus("connecting", "ws://127.0.0.1:8000", "ann")
        self.watchers: list[ConnectionCallback] = []
        self.tokens: list[str] = []

    @property
    def connection(self) -> ConnectionStatus:
        return self.status

    def watch_connection(self, callback: ConnectionCallback) -> Callable[[], None]:
        self.watchers.append(callback)
        return lambda: self.watchers.remove(callback)

    def set_token(self, token: str) -> None:
        self.tokens.append(token)

    def connected(self) -> None:
        self.status = ConnectionStatus("connected", self.status.where, "ann", rtt=0.002)
        for callback in list(self.watchers):
            callback(self.status)


async def test_capabilities_are_declared_before_the_backend_is_made() -> None:
    lazy = LazyBackend(ServerLike, "ws://127.0.0.1:8000", SERVER)
    assert lazy.capabilities == SERVER
    assert lazy.connection.state == "local"  # nothing made yet: its description only
    assert LazyBackend(FakeBackend, "local Docker").capabilities == Capabilities()


async def test_connection_watchers_and_a_token_given_early_reach_the_real_backend() -> None:
    seen: list[ConnectionStatus] = []
    lazy = LazyBackend(ServerLike, "ws://127.0.0.1:8000", SERVER)
    stop = lazy.watch_connection(seen.append)
    lazy.set_token("new-token")
    real = await lazy.real()
    assert isinstance(real, ServerLike)
    assert real.tokens == ["new-token"]
    assert lazy.connection is real.status
    real.connected()
    assert [(s.state, s.rtt) for s in seen] == [("connecting", None), ("connected", 0.002)]
    stop()
    assert real.watchers == []
    lazy.set_token("later")
    assert real.tokens == ["new-token", "later"]


async def test_a_share_link_is_asked_of_the_real_backend() -> None:
    class Sharing(ServerLike):
        capabilities = Capabilities(sessions_persist=True, shares_shells=True)

        async def share_shell(self, session_id: str, ttl: float = 3600.0) -> ShareLink:
            return ShareLink(session_id, f"http://127.0.0.1:8000/share/{session_id}", ttl)

    lazy = LazyBackend(Sharing, "ws://127.0.0.1:8000", Sharing.capabilities)
    link = await lazy.share_shell("s-1", 120)
    assert (link.session_id, link.expires) == ("s-1", 120)
