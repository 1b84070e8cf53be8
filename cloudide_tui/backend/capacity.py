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

from dataclasses import dataclass, replace
from typing import Any

from cloudide_tui import defaults
from cloudide_tui.backend.containers import Limits
from cloudide_tui.config import size_bytes
from cloudide_tui.errors import ConfigError

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
    import docker  # here: the CLI's --help and option errors must not pay for it

    try:
        if docker_host:
            api = docker.APIClient(base_url=docker_host, version="auto", timeout=timeout)
        else:
            api = docker.APIClient(
                version="auto", timeout=timeout, **docker.utils.kwargs_from_env()
            )
    except Exception:  # unreachable or misconfigured: the app reports it
        return
    try:
        info = api.info()
    except Exception:
        return
    finally:
        api.close()
    fit_limits(Limits(memory=memory, cpus=cpus), capacity_of(info))
