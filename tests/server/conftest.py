"""The server tier: a real cloudide-server process on 127.0.0.1 and the real engine.

One server per module, users unique to this run and API clients closed after each test:
the fixtures are testkit's (``testkit/server_fixtures.py``), shared with the remote and
browser tiers.
"""

from __future__ import annotations

from testkit.server_fixtures import (
    connect,
    new_user,
    owner_prefix,
    server,
    server_environment,
    user,
)

__all__ = ["connect", "new_user", "owner_prefix", "server", "server_environment", "user"]
