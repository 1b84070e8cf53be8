"""What the engine's machine has (``docker info``: NCPU, MemTotal), and the container
limits checked against it before a container is made.

Docker refuses more CPUs than the machine has only when the container is created (a raw
"Range of CPUs is from 0.01 to 2.00"), and takes any memory limit at all, even one no
machine has (a typo: "4000g" for "4000m"). So the limits are checked against the engine
first, with words that say which setting to change: at start by the CLI
(:func:`check_engine_limits`), and by the backend before it creates a container
(:func:`fit_limits`). A limit left at its default is lowered to what the engine has
instead (the defaults must work on a small machine: a 2 GB Docker Desktop VM has less
than the 2g default); a limit the user chose is refused.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cloudide_tui import defaults
from cloudide_tui.backend.engine_address import engine_host
from cloudide_tui.config import size_bytes
from cloudide_tui.errors import ConfigError

if TYPE_CHECKING:  # containers loads docker-py, which the CLI's start check must not
    from cloudide_tui.backend.containers import Limits

#: Seconds the CLI waits for ``docker info`` at start (an engine that does not answer is
#: the app's to report, with its dialog: the CLI then checks nothing).
START_CHECK_TIMEOUT = 3.0

SETTINGS_HINT = "lower it in the config file or with CLOUDIDE_{name}"


@dataclass(frozen=True, slots=True)
class Capacity:
    """What the engine's machine has."""

    cpus: int
    memory: int
    """Bytes."""


def capacity_of(info: dict[str, Any]) -> Capacity:
    """From a ``docker info`` answer."""
    return Capacity(cpus=int(info.get("NCPU") or 0), memory=int(info.get("MemTotal") or 0))


def _gib(size: int) -> str:
    return f"{size / (1 << 30):.1f} GiB"


def _is_default(limits: Limits) -> tuple[bool, bool]:
    """Whether memory, and cpus, are at their defaults (``cloudide_tui.defaults``)."""
    return limits.memory.strip().lower() == defaults.MEMORY, limits.cpus == defaults.cpus()


def fit_limits(limits: Limits, capacity: Capacity) -> Limits:
    """The limits to give a container on this engine.

    A limit at its default above what the engine has is lowered to it (the defaults must
    work on a small machine); a limit the user chose above it is refused. An engine that
    does not say (0) is not checked against.

    Raises:
        ConfigError: saying which setting is too high, what the engine has, and how to
            change it.
    """
    memory_default, cpus_default = _is_default(limits)
    try:
        wanted_memory = size_bytes(limits.memory)
    except ValueError:
        raise ConfigError(
            f"memory = {limits.memory!r} is not a size like '512m' or '2g'",
            hint=SETTINGS_HINT.format(name="MEMORY"),
        ) from None
    fitted = limits
    if capacity.cpus > 0 and limits.cpus > capacity.cpus:
        if not cpus_default:
            raise ConfigError(
                f"cpus = {limits.cpus:g} is more than the Docker engine's machine has: "
                f"{capacity.cpus} CPU{'s' if capacity.cpus != 1 else ''}",
                hint=SETTINGS_HINT.format(name="CPUS"),
            )
        fitted = replace(fitted, cpus=float(capacity.cpus))
    if capacity.memory > 0 and wanted_memory > capacity.memory:
        if not memory_default:
            raise ConfigError(
                f"memory = {limits.memory} is more than the Docker engine's machine has: "
                f"{_gib(capacity.memory)}",
                hint=SETTINGS_HINT.format(name="MEMORY"),
            )
        fitted = replace(fitted, memory=f"{capacity.memory >> 20}m")
    return fitted


def check_engine_limits(
    memory: str, cpus: float, *, docker_host: str | None, timeout: float = START_CHECK_TIMEOUT
) -> None:
    """At start (the CLI, the server): refuse limits the engine cannot honour. Blocking.

    Checks nothing when the engine does not answer within ``timeout`` (the app says so
    itself, with what to do).

    Raises:
        ConfigError: as :func:`fit_limits`.
    """
    info = engine_info(docker_host, timeout)
    if info is None:
        return
    from cloudide_tui.backend.containers import Limits  # (docker-py is loaded by now)

    fit_limits(Limits(memory=memory, cpus=cpus), capacity_of(info))


def engine_info(docker_host: str | None, timeout: float) -> dict[str, Any] | None:
    """``docker info``'s answer, or None when the engine does not give it in time.

    A local socket is asked with the stdlib alone: the CLI checks the limits before it
    forks the warm start's helper, and loading docker-py would hold that fork back by a
    tenth of a second. Any other address (tcp, TLS, ssh) goes through docker-py.
    """
    host = engine_host(docker_host)
    if host.startswith("unix://"):
        return _info_over_unix_socket(host.removeprefix("unix://"), timeout)
    import docker  # here: the CLI's --help and option errors must not pay for it

    try:
        if docker_host:
            api = docker.APIClient(base_url=docker_host, version="auto", timeout=timeout)
        else:
            api = docker.APIClient(
                version="auto", timeout=timeout, **docker.utils.kwargs_from_env()
            )
    except Exception:  # unreachable or misconfigured: the app reports it
        return None
    try:
        info: dict[str, Any] = api.info()
        return info
    except Exception:
        return None
    finally:
        api.close()


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (the engine's API), every step within ``timeout``."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def _info_over_unix_socket(path: str, timeout: float) -> dict[str, Any] | None:
    """``GET /info`` on the engine's unix socket (the API's unversioned path answers
    with the engine's own version of it)."""
    connection = _UnixConnection(path, timeout)
    try:
        connection.request("GET", "/info")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return None
        info = json.loads(body)
        return info if isinstance(info, dict) else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()
