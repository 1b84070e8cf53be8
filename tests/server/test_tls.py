"""Serving wss:// directly with --certfile/--keyfile (a self-signed certificate made by
openssl for 127.0.0.1): a client that trusts it gets in, one that does not is refused."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import EngineUnavailable
from cloudide_tui.protocol import messages as m
from testkit.server_process import ServerProcess


def self_signed(folder: Path) -> tuple[Path, Path]:
    assert shutil.which("openssl"), "openssl not found (Debian: apt-get install openssl)"
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_the_server_speaks_wss_with_its_own_certificate(
    tmp_path: Path, user: str, docker_engine: None
) -> None:
    cert, key = self_signed(tmp_path)
    server = ServerProcess(
        tmp_path / "data", args=["--certfile", str(cert), "--keyfile", str(key)]
    ).start()
    try:
        assert "listening on wss://" in server.output()
        url = f"wss://127.0.0.1:{server.port}/api"
        trusting = ssl.create_default_context(cafile=str(cert))
        client = await ServerClient.connect(url, server.token(user), ssl_context=trusting)
        assert await client.call(m.Ping) is None
        await client.close()
        with pytest.raises(EngineUnavailable):
            await ServerClient.connect(url, server.token(user))  # the system's CAs only
    finally:
        server.stop()
