"""A second Docker engine of our own, for tests that stop or restart an engine.

The shared engine is never touched: this one has its own data root, exec root, pid file
and unix socket (under a temp dir), and no bridge, iptables or masquerading, like the
shared one. The runner image is copied into it with ``docker save | docker load``.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path


class SecondEngine:
    """A dockerd started and stopped by a test (see the module docstring)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cide-eng-", dir="/tmp"))
        self.socket = self.dir / "docker.sock"
        self.address = f"unix://{self.socket}"
        self.pidfile = self.dir / "dockerd.pid"
        self.proc: subprocess.Popen[bytes] | None = None

    def docker(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["docker", "-H", self.address, *args], **kwargs)  # type: ignore[call-overload, no-any-return]

    def start(self, timeout: float = 60.0) -> SecondEngine:
        assert shutil.which("dockerd"), "dockerd not found: `make engine` installs Docker"
        log = (self.dir / "dockerd.log").open("ab")
        self.proc = subprocess.Popen(
            [
                "dockerd",
                "--data-root", str(self.dir / "root"),
                "--exec-root", str(self.dir / "exec"),
                "--pidfile", str(self.pidfile),
                "-H", self.address,
                "--bridge=none", "--iptables=false", "--ip-masq=false",
            ],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.docker("info", capture_output=True).returncode == 0:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the second dockerd did not start:\n{self.log()[-2000:]}")

    def log(self) -> str:
        return (self.dir / "dockerd.log").read_text(errors="replace")

    def load_image(self, image: str) -> None:
        """Copy ``image`` from the shared engine into this one."""
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        self.docker("load", "-q", stdin=save.stdout, check=True, capture_output=True)
        assert save.wait() == 0

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM and wait (its containers stop with it)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def remove(self) -> None:
        """Stop it, its containers and everything on disk."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(Exception):
                listed = self.docker("ps", "-aq", capture_output=True).stdout
                ids = [i.decode() for i in listed.split()]
                if ids:
                    self.docker("rm", "-f", *ids, capture_output=True)
        self.stop()
        with contextlib.suppress(OSError):
            for mount in reversed(Path("/proc/mounts").read_text().splitlines()):
                target = mount.split()[1]
                if target.startswith(str(self.dir)):
                    subprocess.run(["umount", "-l", target], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


__all__ = ["SecondEngine"]
