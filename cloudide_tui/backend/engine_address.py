"""Where the Docker engine is reached, in words, without loading docker-py.

The status line names the engine from the first frame and the warm start's helper needs
the socket's path, before docker-py (a good part of the start-up time) is loaded.
"""

from __future__ import annotations

import os

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
"""Where docker-py looks when neither ``docker_host`` nor ``DOCKER_HOST`` says."""


def engine_host(docker_host: str | None) -> str:
    """The address used: the setting, else ``DOCKER_HOST``, else the default socket."""
    return docker_host or os.environ.get("DOCKER_HOST", "") or DEFAULT_SOCKET


def engine_address(docker_host: str | None) -> str:
    """The address used, saying where it came from (for messages the user can check)."""
    if docker_host:
        return f"{docker_host} (the docker_host setting)"
    env = os.environ.get("DOCKER_HOST", "")
    if env:
        return f"{env} (from DOCKER_HOST)"
    return f"{DEFAULT_SOCKET} (the default)"


def engine_description(docker_host: str | None) -> str:
    """The words "local Docker" for a local socket, else the engine's address."""
    host = docker_host or os.environ.get("DOCKER_HOST") or ""
    if not host or host.startswith("unix://"):
        return "local Docker"
    return f"Docker at {host}"
