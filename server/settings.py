"""The server's settings: defaults < ``server.toml`` < ``CLOUDIDE_SERVER_*`` < options.

Like the TUI's (``cloudide_tui.config``): typed, frozen, every value from every source
through one parser, a bad value is one line naming its source. The backend settings
(data_dir, image, docker_host, memory, cpus, pids) use the TUI's parsers. The file is
``server.toml`` in the user config dir (``CLOUDIDE_SERVER_CONFIG`` or ``--config`` name
another), keys = the field names. The signing secret itself is ``CLOUDIDE_SECRET``.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cloudide_tui import config, defaults, paths
from cloudide_tui.errors import ConfigError
from cloudide_tui.validation import display

ENV_PREFIX = "CLOUDIDE_SERVER_"
CONFIG_ENV = "CLOUDIDE_SERVER_CONFIG"
CONFIG_FILE_NAME = "server.toml"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything ``cloudide-server`` needs at start."""

    host: str = "127.0.0.1"
    """Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)."""

    port: int = 8000
    """Port to listen on (0: any free port, printed at start)."""

    data_dir: Path = field(default_factory=paths.default_data_dir)
    """Workspaces (``workspaces/<user>/<project>``) and the server's records (``server/``)."""

    image: str = defaults.IMAGE
    """Runner image of the project containers."""

    docker_host: str | None = None
    """The engine's address; None: docker-py's environment or the local socket."""

    memory: str = defaults.MEMORY
    """Memory limit of each container."""

    cpus: float = field(default_factory=defaults.cpus)
    """CPU limit of each container."""

    pids: int = defaults.PIDS
    """Process limit of each container."""

    secret_file: Path | None = None
    """File holding the token secret (default: ``<data_dir>/server/secret``, made once)."""

    origins: tuple[str, ...] = ()
    """Browser origins allowed besides the server's own (``https://ide.example.com``)."""

    certfile: Path | None = None
    """TLS certificate (PEM) to serve wss:// directly; else put a proxy in front."""

    keyfile: Path | None = None
    """TLS private key (PEM), with ``certfile``."""

    session_idle: float = 3600.0
    """Seconds a shell with nobody attached lives on before it is closed."""

    container_idle: float = 1800.0
    """Seconds a container with no shell keeps running before it is stopped."""

    sessions_per_user: int = 64
    """Most shells one user may have open at once."""

    connections_per_user: int = 32
    """Most websockets one user may have open at once."""

    public_url: str | None = None
    """The address people open in a browser (``https://ide.example.com``), for the links
    the server and its token commands print; default ``http://HOST:PORT``."""

    browser_sessions_per_user: int = 4
    """Most IDE pages one user may have open at once (each runs an app process)."""

    browser_sessions: int = 32
    """Most IDE pages open at once on the whole server."""

    browser_user: str | None = None
    """The account the IDE pages' app processes run as when the server runs as root
    (default ``nobody``); a server that is not root runs them as itself."""

    browser_api_url: str | None = None
    """Where the IDE pages' app processes reach this server's API (default
    ``ws://127.0.0.1:PORT``; set it when the server speaks TLS itself)."""


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ServerSettings))
_BACKEND_FIELDS = ("data_dir", "image", "docker_host", "memory", "cpus", "pids")


def env_var(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"must be text, got {type(raw).__name__}")
    value = raw.strip()
    if any(not ch.isprintable() for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _parse_host(raw: object) -> str:
    value = _text(raw)
    if not value:
        raise ValueError("must not be empty")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if value != "localhost":
            raise ValueError(
                f"{display(value)} is not an IP address (like 127.0.0.1 or 0.0.0.0)"
            ) from None
    return value


def _int_between(low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        if isinstance(raw, bool):
            raise ValueError("must be a number")
        try:
            value = int(raw if isinstance(raw, int) else _text(raw))
        except ValueError:
            raise ValueError(f"must be a whole number, got {display(str(raw))}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _seconds(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number of seconds")
    try:
        value = float(raw if isinstance(raw, int | float) else _text(raw))
    except ValueError:
        raise ValueError(f"must be a number of seconds, got {display(str(raw))}") from None
    if not 1 <= value <= 366 * 24 * 3600:
        raise ValueError(f"must be between 1 second and a year, got {value:g}")
    return value


def _file(raw: object, base: Path | None) -> Path:
    text = _text(raw)
    if not text:
        raise ValueError("must not be empty")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path


def _url(schemes: tuple[str, ...]) -> Callable[[object], str]:
    def parse(raw: object) -> str:
        value = _text(raw).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{display(value)} is not a {' or '.join(schemes)} address")
        return value

    return parse


def _account(raw: object) -> str:
    value = _text(raw)
    if not value or not all(c.isalnum() or c in "._-" for c in value):
        raise ValueError(f"{display(value)} is not an account name")
    return value


def _origins(raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list | tuple) else _text(raw).replace(",", " ").split()
    out = []
    for item in items:
        value = _text(item).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValueError(f"{display(value)} is not an origin (like https://ide.example.com)")
        out.append(value.lower())
    return tuple(out)


_PARSERS: dict[str, Callable[[object], Any]] = {
    "host": _parse_host,
    "port": _int_between(0, 65535),
    "origins": _origins,
    "session_idle": _seconds,
    "container_idle": _seconds,
    "sessions_per_user": _int_between(1, 10_000),
    "connections_per_user": _int_between(1, 10_000),
    "public_url": _url(("http", "https")),
    "browser_sessions_per_user": _int_between(0, 1_000),
    "browser_sessions": _int_between(0, 10_000),
    "browser_user": _account,
    "browser_api_url": _url(("ws", "wss")),
}
_FILES = ("secret_file", "certfile", "keyfile")


def parse_value(name: str, raw: object, source: str, *, base: Path | None = None) -> Any:
    """One raw value of field ``name`` from ``source``.

    Raises:
        ConfigError: "source: what is wrong".
    """
    if name in _BACKEND_FIELDS:
        return config.parse_value(name, raw, source, base=base)
    try:
        if name in _FILES:
            return _file(raw, base)
        return _PARSERS[name](raw)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def config_file(environ: Mapping[str, str]) -> Path:
    override = environ.get(CONFIG_ENV, "")
    return Path(override).expanduser() if override else paths.config_dir() / CONFIG_FILE_NAME


def load_server_settings(
    cli: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> ServerSettings:
    """Build the settings from every source, lowest to highest precedence.

    Raises:
        ConfigError: the first bad value, naming its source.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_path or config_file(env)
    required = config_path is not None or bool(env.get(CONFIG_ENV, ""))
    source = f"config file {path}"
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{source}: does not exist") from None
        data = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read ({exc})") from None
    for key, raw in data.items():
        if key not in FIELD_NAMES:
            raise ConfigError(f"{source}: unknown setting {display(key)}")
        values[key] = parse_value(key, raw, f"{source}: {key}", base=path.parent)
    for name in FIELD_NAMES:
        raw = env.get(env_var(name), "")
        if raw.strip():
            values[name] = parse_value(name, raw, f"environment variable {env_var(name)}")
    for name, given in (cli or {}).items():
        if given is None:
            continue
        values[name] = parse_value(name, given, f"option --{name.replace('_', '-')}")
    settings = ServerSettings(**values)
    if (settings.certfile is None) != (settings.keyfile is None):
        raise ConfigError("--certfile and --keyfile go together (or neither: no TLS)")
    return settings
