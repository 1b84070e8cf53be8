"""Serving wss:// directly with --certfile/--keyfile (a self-signed certificate made by
openssl for 127.0.0.1): a client that trusts it gets in, one that does not is refused."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import EngineUnavailable
from cloudide_tui.protocol import messages as m
from testkit.server_process import tls_server


async def test_the_server_speaks_wss_with_its_own_certificate(
    tmp_path: Path, user: str, docker_engine: None
) -> None:
    with tls_server(tmp_path) as (server, cert):
        assert "listening on wss://" in server.output()
        url = f"wss://127.0.0.1:{server.port}/api"
        trusting = ssl.create_default_context(cafile=str(cert))
        client = await ServerClient.connect(url, server.token(user), ssl_context=trusting)
        assert await client.call(m.Ping) is None
        await client.close()
        with pytest.raises(EngineUnavailable):
            await ServerClient.connect(url, server.token(user))  # the system's CAs only
