"""A real ``cloudide-server`` process on 127.0.0.1, for the server tier and the bench.

Started as ``python -m cloudide_server`` with ``--port 0`` (the kernel picks a free
port, the server prints it), its own data dir, and the suite's runner image. Tokens are
made with the server's own code and secret file (``token create`` itself is tested
through the command line too). Stopping sends SIGTERM (the server's graceful path) and
kills only if it does not end in time.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cloudide_server import auth
from cloudide_tui.backend import disks
from testkit.backends import TEST_IMAGE

_LISTENING = re.compile(r"listening on (wss?)://([0-9.]+):([0-9]+)")


class ServerProcess:
    """One server process (see the module docstring).

    Args:
        data_dir: Its data dir (workspaces, secret, records).
        args: More command-line options.
        env: More environment variables.
    """

    def __init__(
        self, data_dir: Path, *, args: list[str] | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.args = list(args or [])
        self.env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.host = "127.0.0.1"
        self.scheme = "ws"
        """``wss`` once it says it listens with TLS (``--certfile``)."""
        self.stdout_path = self.data_dir.parent / f"{self.data_dir.name}-server.out"
        self.stderr_path = self.data_dir.parent / f"{self.data_dir.name}-server.err"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "cloudide_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--image",
            TEST_IMAGE,
            *self.args,
        ]

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start it and wait until it listens.

        Raises:
            RuntimeError: it exited or did not listen in time (with its output).
        """
        # the developer's own settings never reach a test server
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CLOUDIDE_SERVER_") and k != "CLOUDIDE_SECRET"
        }
        env["XDG_CONFIG_HOME"] = str(self.data_dir.parent / "config")
        env.update(self.env)
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                self.command(), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env
            )
        deadline = time.monotonic() + timeout
        start_size = self.stdout_path.stat().st_size if self.stdout_path.exists() else 0
        while time.monotonic() < deadline:
            text = self.stdout_path.read_text(errors="replace")[start_size:]
            found = list(_LISTENING.finditer(text))
            if found and self.proc.poll() is None:
                self.scheme, self.port = found[-1].group(1), int(found[-1].group(3))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"cloudide-server exited ({self.proc.returncode}):\n{self.output()}"
                )
            time.sleep(0.05)
        raise RuntimeError(f"cloudide-server did not listen within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        """Everything it printed (stdout then stderr)."""
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return out + err

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def page_url(self) -> str:
        """The address of its pages (the IDE page is this plus ``/``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api"

    def terminal_url(self, project: str) -> str:
        return f"{self.base}/ws/terminal/{project}/"

    def secret(self) -> bytes:
        return bytes(auth.load_secret(self.data_dir, environ={}))

    def token(self, user: str, *, ttl: float = 3600, scope: str = auth.USER_SCOPE) -> str:
        return str(auth.create_token(self.secret(), user, ttl=ttl, scope=scope)[0])

    def stop(
        self, sig: int = signal.SIGTERM, timeout: float = 30.0, *, release: bool = True
    ) -> int:
        """Signal it and wait (kill it if it does not end within ``timeout``); then, with
        ``release``, unmount the projects' disks it mounted under its data dir (as root,
        each project has a loop-mounted disk image: they would outlive the test)."""
        proc = self.proc
        try:
            if proc is None or proc.poll() is not None:
                return proc.returncode if proc is not None else 0
            proc.send_signal(sig)
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise RuntimeError(f"cloudide-server did not stop within {timeout} s") from None
        finally:
            if release:
                disks.release_under(self.data_dir)

    def kill(self) -> None:
        """Kill it at once (no graceful path: what a crash leaves behind)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no system trusts (made by openssl): its
    ``cert.pem`` and ``key.pem`` in ``folder``.

    Raises:
        AssertionError: openssl is not installed.
    """
    assert shutil.which("openssl"), "openssl not found (Debian: apt-get install openssl)"
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextmanager
def tls_server(folder: Path) -> Iterator[tuple[ServerProcess, Path]]:
    """A server serving ``wss://`` itself (``--certfile``/``--keyfile``) with a
    self-signed certificate, its data dir under ``folder``: yields it and the certificate
    (for a client to trust); stopped on the way out."""
    cert, key = self_signed(folder)
    server = ServerProcess(
        folder / "data", args=["--certfile", str(cert), "--keyfile", str(key)]
    ).start()
    try:
        yield server, cert
    finally:
        server.stop()
