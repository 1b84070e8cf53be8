"""The app in remote mode under Pilot: a ``Home`` on a real ``cloudide-server``.

``RemoteHome`` plays the part ``BackendHome`` plays locally (``testkit.ide.running_ide``
takes either): its ``backend()`` is a ``RemoteBackend`` for one user of the server,
connected straight or through a ``TcpRelay`` that a test can cut (a network failure).
The client's own data dir (logs, recovered text) is separate from the server's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cloudide_tui.backend.remote_backend import RemoteBackend
from testkit.server_process import ServerProcess


@dataclass(frozen=True)
class RemoteHome:
    """One user of a running server, seen from a client (see the module docstring).

    Attributes:
        server: The server process.
        user: The user (a valid owner name: the server's workspaces go by it).
        data_dir: The client's own data dir.
        via: The address to connect to instead of the server's (a relay's), or None.
        ttl: Seconds the tokens made here are valid.
    """

    server: ServerProcess
    user: str
    data_dir: Path
    via: str | None = None
    ttl: float = 3600

    @property
    def owner(self) -> str:
        return self.user

    @property
    def workspaces(self) -> Path:
        return self.server.data_dir / "workspaces" / self.user

    def token(self, ttl: float | None = None) -> str:
        return self.server.token(self.user, ttl=self.ttl if ttl is None else ttl)

    def backend(self) -> RemoteBackend:
        return RemoteBackend(self.via or self.server.base, self.token())
