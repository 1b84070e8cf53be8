"""Settings: typed, frozen, read from defaults < config file < environment < command line.

The config file is TOML in the user config dir (``config.toml``; ``CLOUDIDE_CONFIG`` or
``--config`` name another file), with the field names below as top-level keys::

    image = "cloudide-runner:latest"
    keep_running = true
    memory = "4g"

Each field can also come from ``CLOUDIDE_<FIELD>`` (``CLOUDIDE_DATA_DIR``,
``CLOUDIDE_KEEP_RUNNING`` ...); an empty variable counts as unset. Every value from every
source goes through the same parser, and a bad one raises ``ConfigError`` naming the
source (file, variable or option) and the field, in one line fit for ``stderr``.

Three kinds of settings: the app's own (``project``, ``scrollback``, keys); those of the
**local Docker** backend (``DOCKER_FIELDS``: image, owner, limits, ``keep_running``),
which mean nothing with a server (it has its own); and those of a **server**
(``server``, ``token``, ``token_file``), with named servers in tables::

    [servers.work]
    url = "wss://ide.example.com"
    token_file = "~/.config/cloudide-tui/work.token"

``--server work`` then picks that one (``--server`` also takes a URL). ``remote_target``
turns these into the URL and token to connect with; a token file that others can read
is refused, saying why.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cloudide_tui import defaults, paths
from cloudide_tui.errors import CloudIDEError, ConfigError
from cloudide_tui.keynames import key_character
from cloudide_tui.validation import (
    display,
    host_user_name,
    validate_owner,
    validate_project_name,
)

ENV_PREFIX = "CLOUDIDE_"
MIN_MEMORY_BYTES = 6 << 20
"""Docker refuses a memory limit under 6 MiB."""


def default_owner(data_dir: Path | None = None) -> str:
    """The owner when none is set: this host user's login name (validated, see
    ``validation.name_from_login``), so two host users never share one by default.

    Upgrades lose nothing: a data dir that holds projects of the old default owner
    (``defaults.LEGACY_OWNER``, the same for every host user) and none of the login name
    keeps it.
    """
    name = host_user_name()
    if data_dir is not None:
        workspaces = Path(data_dir) / "workspaces"
        legacy = defaults.LEGACY_OWNER
        if (workspaces / legacy).is_dir() and not (workspaces / name).exists():
            return legacy
    return name


@dataclass(frozen=True, slots=True)
class ServerEntry:
    """A named server of the config file (``[servers.NAME]``)."""

    url: str
    """Its address (``ws://``, ``wss://``, or the ``http(s)://`` one a browser uses)."""
    token_file: Path | None = None
    """A file holding the token (readable by you alone)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs to know at start; built by ``load_settings``."""

    data_dir: Path = field(default_factory=paths.default_data_dir)
    """Where workspaces live (``<data_dir>/workspaces/<owner>/<project>``)."""

    image: str = defaults.IMAGE
    """The runner image each project's container is made from."""

    project: str | None = None
    """A project to open at start (made if missing), its terminal focused; None: none."""

    keep_running: bool = False
    """Leave the local containers running on quit (they are stopped otherwise)."""

    owner: str = field(default_factory=default_owner)
    """Whose projects these are: part of folder names, container names and labels.
    Default: the host user's login name (``default_owner``)."""

    docker_host: str | None = None
    """The engine's address (``unix://...``, ``tcp://...``); None: as docker-py decides
    from the environment (``DOCKER_HOST``, else the local socket)."""

    memory: str = defaults.MEMORY
    """Memory limit of each container, Docker style: a number with ``k``, ``m`` or ``g``."""

    cpus: float = field(default_factory=defaults.cpus)
    """CPU limit of each container, in CPUs (``1.5`` = one and a half); by default two,
    or fewer on a machine that has fewer."""

    pids: int = defaults.PIDS
    """Most processes a container may run at once (stops fork bombs)."""

    disk: str = defaults.DISK
    """Disk limit of each new project (workspace and home together), Docker style; ``0``
    for none. Needs root (a disk image per project is mounted); see docs/backend.md."""

    tmp_size: str = defaults.TMP_SIZE
    """Size of each container's /tmp (a tmpfs: it counts against ``memory`` too)."""

    runtime: str | None = None
    """The engine's container runtime: None for its default (runc), ``"runsc"`` for
    gVisor (stronger isolation, slower; the engine must have it registered)."""

    scrollback: int = defaults.SCROLLBACK
    """Lines each terminal keeps above the screen."""

    clipboard_from_programs: bool = False
    """Let programs in a terminal set the clipboard (OSC 52): off, a program (perhaps on
    a remote machine) cannot change what you paste next without you knowing."""
    prefix_key: str = defaults.PREFIX_KEY
    """The prefix key (Textual's key name, e.g. ``ctrl+backslash``; ``C-a`` and ``^A``
    are understood too): it, then one more key, reaches the app from a terminal."""

    alt_digits: str = defaults.ALT_DIGITS
    """What Alt+1..9 do in a terminal: ``tabs`` (go to that tab) or ``shell`` (the
    shell gets them)."""

    server: str | None = None
    """A cloudide-server to work on instead of the local Docker engine: its URL
    (``wss://ide.example.com``) or the name of a ``[servers.NAME]`` table."""

    token: str | None = None
    """The access token for ``server`` (``cloudide-server token create --user NAME``)."""

    token_file: Path | None = None
    """A file holding the token instead (readable by you alone)."""

    servers: dict[str, ServerEntry] = field(default_factory=dict)
    """Named servers (``[servers.NAME]`` tables of the config file)."""

    @property
    def memory_bytes(self) -> int:
        """``memory`` in bytes."""
        return _memory_bytes(self.memory)

    @property
    def disk_bytes(self) -> int:
        """``disk`` in bytes (0: no disk limit)."""
        return _memory_bytes(self.disk)

    @property
    def workspaces_dir(self) -> Path:
        """The folder holding this owner's workspaces."""
        return paths.workspaces_dir(self.data_dir, self.owner)


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))

DOCKER_FIELDS: tuple[str, ...] = (
    "image",
    "keep_running",
    "owner",
    "docker_host",
    "memory",
    "cpus",
    "pids",
    "disk",
    "tmp_size",
    "runtime",
)
"""Settings of the local Docker backend only: a server has its own (its admin's)."""


def env_var(name: str) -> str:
    """The environment variable for a field: ``data_dir`` -> ``CLOUDIDE_DATA_DIR``."""
    return ENV_PREFIX + name.upper()


# -- parsers: raw value (str from env/CLI, typed from TOML) -> value, or ValueError ----------


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"must be text, got {type(raw).__name__}")
    value = raw.strip()
    if any(not ch.isprintable() for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _parse_path(raw: object, base: Path | None) -> Path:
    text = _text(raw)
    if not text:
        raise ValueError("must not be empty")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (base if base is not None else Path.cwd()) / path
    if path.exists() and not path.is_dir():
        raise ValueError(f"{display(str(path))} exists and is not a folder")
    return path


_IMAGE_RE = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


def _parse_image(raw: object) -> str:
    value = _text(raw)
    if not value:
        raise ValueError("must not be empty")
    if len(value) > 255 or not _IMAGE_RE.fullmatch(value):
        raise ValueError(
            f"{display(value)} is not a Docker image name (like 'cloudide-runner:latest')"
        )
    return value


def _parse_project(raw: object) -> str:
    value = _text(raw)
    try:
        return validate_project_name(value)
    except CloudIDEError as exc:
        raise ValueError(str(exc)) from None


def _parse_owner(raw: object) -> str:
    try:
        return validate_owner(_text(raw))
    except CloudIDEError as exc:
        raise ValueError(str(exc)) from None


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    value = _text(raw).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"must be true or false (1/0, yes/no, on/off), got {display(str(raw))}")


_DOCKER_SCHEMES = ("unix://", "tcp://", "http://", "https://", "ssh://", "npipe://")


def _parse_docker_host(raw: object) -> str | None:
    value = _text(raw)
    if not value:
        return None
    if " " in value or not value.startswith(_DOCKER_SCHEMES) or value[-3:] == "://":
        raise ValueError(
            f"{display(value)} is not an engine address (like 'unix:///var/run/docker.sock' "
            "or 'tcp://127.0.0.1:2375')"
        )
    return value


_MEMORY_RE = re.compile(r"^([0-9]+)([kmg]?)b?$")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def size_bytes(value: str) -> int:
    """A size the settings' way ("512m", "10g", "0") in bytes.

    Raises:
        ValueError: not such a size.
    """
    return _memory_bytes(value.strip())


def _memory_bytes(value: str) -> int:
    match = _MEMORY_RE.fullmatch(value.lower())
    if match is None:
        raise ValueError(f"{display(value)} is not a size like '512m' or '2g'")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _parse_memory(raw: object) -> str:
    value = _text(raw).lower().replace(" ", "")
    size = _memory_bytes(value)
    if size < MIN_MEMORY_BYTES:
        raise ValueError(f"{display(value)} is below Docker's minimum of 6m")
    return value


MIN_DISK_BYTES = 32 << 20
"""Smallest disk limit: ext4's own tables need a few MiB."""


def _parse_disk(raw: object) -> str:
    value = _text(raw).lower().replace(" ", "")
    size = _memory_bytes(value)
    if 0 < size < MIN_DISK_BYTES:
        raise ValueError(f"{display(value)} is below the minimum of 32m (0 turns it off)")
    return value


def _parse_tmp_size(raw: object) -> str:
    value = _text(raw).lower().replace(" ", "")
    if _memory_bytes(value) < 1 << 20:
        raise ValueError(f"{display(value)} is below the minimum of 1m")
    return value


_RUNTIME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _parse_runtime(raw: object) -> str | None:
    value = _text(raw)
    if not value or value == "runc":
        return None
    if not _RUNTIME_RE.fullmatch(value):
        raise ValueError(f"{display(value)} is not a runtime name (like 'runsc')")
    return value


def _number(raw: object, kind: type[int] | type[float]) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(raw, int | float):
        return raw
    text = _text(raw)
    try:
        return kind(text)
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise ValueError(f"must be {word}, got {display(text)}") from None


def _parse_cpus(raw: object) -> float:
    value = float(_number(raw, float))
    if not 0.01 <= value <= 1024:
        raise ValueError(f"must be between 0.01 and 1024 CPUs, got {value:g}")
    return value


def _int_between(low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        value = _number(raw, int)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"must be a whole number, got {value:g}")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}, got {number}")
        return number

    return parse


_KEY_MODIFIERS = ("ctrl", "alt", "shift", "super", "meta", "hyper")
_SHORT_MODIFIERS = {"c": "ctrl", "m": "alt", "s": "shift", "control": "ctrl", "option": "alt"}
_SYMBOL_NAMES = {
    "\\": "backslash",
    "]": "right_square_bracket",
    "[": "left_square_bracket",
    "^": "circumflex_accent",
    "_": "underscore",
    "@": "at",
    "/": "slash",
    "-": "minus",
    " ": "space",
}
_NAMED_KEYS = frozenset(
    {"space", "enter", "tab", "escape", "backspace", "insert", "delete", "home", "end"}
    | {"pageup", "pagedown", "up", "down", "left", "right"}
    | {f"f{n}" for n in range(1, 25)}
)
_PREFIX_TAKEN = frozenset(
    {"f12", "ctrl+pageup", "ctrl+pagedown", "shift+pageup", "shift+pagedown", "ctrl+q"}
)
"""Keys the app uses already (a prefix there would shadow them)."""


def _parse_key(raw: object) -> str:
    """A key as Textual names it: ``C-a``, ``^A``, ``Ctrl+A`` -> ``ctrl+a``;
    ``ctrl+\\`` -> ``ctrl+backslash``. It must not be a key people type text with."""
    text = _text(raw)
    if not text:
        raise ValueError("must not be empty")
    if len(text) == 2 and text[0] == "^":
        text = "ctrl+" + text[1]
    parts = text.replace("-", "+").split("+") if len(text) > 1 else [text]
    if parts[-1] == "" and len(parts) > 1:  # "ctrl++", "C--"
        parts = [*parts[:-2], "+" if "+" in text[-1:] else "-"]
    *mods, base = parts
    modifiers = []
    for mod in mods:
        name = _SHORT_MODIFIERS.get(mod.lower(), mod.lower())
        if name not in _KEY_MODIFIERS:
            raise ValueError(f"{display(text)}: {display(mod)} is not a modifier (ctrl, alt...)")
        modifiers.append(name)
    base = _SYMBOL_NAMES.get(base, base if len(base) == 1 else base.lower())
    if len(base) == 1:
        base = base.lower() if "ctrl" in modifiers or "alt" in modifiers else base
        if not base.isalnum():
            raise ValueError(f"{display(text)}: name {display(base)} by its name (like 'slash')")
    elif base not in _NAMED_KEYS and key_character(base) is None:
        raise ValueError(f"{display(text)}: {display(base)} is not a key name")
    if not {"ctrl", "alt", "super", "meta", "hyper"} & set(modifiers) and not (
        base[:1] == "f" and base[1:].isdigit()
    ):
        raise ValueError(
            f"{display(text)} types text: choose a key with Ctrl or Alt (like 'ctrl+backslash')"
        )
    key = "+".join([*sorted(set(modifiers), key=_KEY_MODIFIERS.index), base])
    if key in _PREFIX_TAKEN:
        raise ValueError(f"{display(text)} is one of the app's own keys")
    return key


def _parse_server(raw: object) -> str | None:
    value = _text(raw)
    if not value:
        return None
    if "://" in value:
        if urlsplit(value).scheme not in ("ws", "wss", "http", "https"):
            raise ValueError(
                f"{display(value)} is not a server address (like wss://ide.example.com)"
            )
        return value
    if not _SERVER_NAME_RE.fullmatch(value):
        raise ValueError(
            f"{display(value)} is neither a server address (wss://...) nor the name of a "
            "[servers.NAME] table"
        )
    return value


_SERVER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._~+/=-]{8,4096}$")


def _parse_token(raw: object) -> str | None:
    value = _text(raw)
    if not value:
        return None
    if not _TOKEN_RE.fullmatch(value):
        raise ValueError("is not a token (the last line `cloudide-server token create` prints)")
    return value


def _parse_file(raw: object, base: Path | None) -> Path | None:
    text = _text(raw)
    if not text:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() else (base if base is not None else Path.cwd()) / path


def _parse_servers(raw: object, base: Path | None) -> dict[str, ServerEntry]:
    if not isinstance(raw, dict):
        raise ValueError("must be tables: [servers.NAME] with url = ... and token_file = ...")
    servers: dict[str, ServerEntry] = {}
    for name, table in raw.items():
        if not _SERVER_NAME_RE.fullmatch(name):
            raise ValueError(f"{display(name)} is not a server name (letters, digits, . _ -)")
        if not isinstance(table, dict):
            raise ValueError(f"{name}: must be a table with url = ... (and token_file = ...)")
        unknown = set(table) - {"url", "token_file"}
        if unknown:
            raise ValueError(
                f"{name}: unknown key {display(sorted(unknown)[0])} (known: url, token_file;"
                " a token itself belongs in a file of yours alone)"
            )
        url = _parse_server(table.get("url", ""))
        if url is None or "://" not in url:
            raise ValueError(f"{name}: url must be a server address (like wss://ide.example.com)")
        token_file = _parse_file(table.get("token_file", ""), base)
        servers[name] = ServerEntry(url, token_file)
    return servers


def _parse_alt_digits(raw: object) -> str:
    value = _text(raw).lower()
    if value not in ("tabs", "shell"):
        raise ValueError(f"must be 'tabs' or 'shell', got {display(value)}")
    return value


_PARSERS: dict[str, Callable[[object], Any]] = {
    "image": _parse_image,
    "project": _parse_project,
    "keep_running": _parse_bool,
    "owner": _parse_owner,
    "docker_host": _parse_docker_host,
    "memory": _parse_memory,
    "cpus": _parse_cpus,
    "pids": _int_between(16, 1_000_000),
    "disk": _parse_disk,
    "tmp_size": _parse_tmp_size,
    "runtime": _parse_runtime,
    "scrollback": _int_between(0, 1_000_000),
    "clipboard_from_programs": _parse_bool,
    "prefix_key": _parse_key,
    "alt_digits": _parse_alt_digits,
    "server": _parse_server,
    "token": _parse_token,
}
_PATH_PARSERS: dict[str, Callable[[object, Path | None], Any]] = {
    "data_dir": _parse_path,
    "token_file": _parse_file,
    "servers": _parse_servers,
}
assert set(_PARSERS) | set(_PATH_PARSERS) == set(FIELD_NAMES)


def parse_value(name: str, raw: object, source: str, *, base: Path | None = None) -> Any:
    """Parse one raw value of field ``name``; ``source`` names where it came from.

    Raises:
        ConfigError: "``source``: what is wrong", one line.
    """
    try:
        if name in _PATH_PARSERS:
            return _PATH_PARSERS[name](raw, base)
        return _PARSERS[name](raw)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    """The parsed settings of one TOML file ({} when it is absent and not ``required``).

    Raises:
        ConfigError: unreadable, not TOML, an unknown key, or a bad value.
    """
    source = f"config file {path}"
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{source}: does not exist") from None
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{source}: cannot be read ({reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in FIELD_NAMES:
            known = ", ".join(FIELD_NAMES)
            raise ConfigError(f"{source}: unknown setting {display(key)} (known: {known})")
        values[key] = parse_value(key, raw, f"{source}: {key}", base=path.parent)
    return values


def load_settings(
    cli: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
    cli_names: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from every source, lowest to highest precedence.

    Args:
        cli: Values from the command line by field name; ``None`` values are "not given".
        environ: The environment to read ``CLOUDIDE_*`` from (default ``os.environ``).
            The platform dirs (config file, data dir) follow the process environment
            (``XDG_*``), as platformdirs reads ``os.environ`` itself.
        config_path: A config file given on the command line; it must exist. Otherwise
            ``$CLOUDIDE_CONFIG`` (must exist too) or the default file (may be absent).
        cli_names: How to name a field's option in messages (default ``--field-name``).

    Raises:
        ConfigError: the first bad value, naming its source and field.
    """
    env = os.environ if environ is None else environ
    if config_path is not None:
        values = read_config_file(config_path, required=True)
    else:
        explicit = bool(env.get(paths.CONFIG_ENV, ""))
        values = read_config_file(paths.config_file(env), required=explicit)
    for name in FIELD_NAMES:
        if name == "servers":
            continue  # tables: the config file only
        var = env_var(name)
        raw = env.get(var, "")
        if raw.strip():
            values[name] = parse_value(name, raw, f"environment variable {var}")
    for name, given in (cli or {}).items():
        if name not in FIELD_NAMES:
            raise ValueError(f"not a setting: {name}")
        if given is None:
            continue
        option = (cli_names or {}).get(name, "--" + name.replace("_", "-"))
        values[name] = parse_value(name, given, f"option {option}")
    if "owner" not in values:
        values["owner"] = default_owner(values.get("data_dir") or paths.default_data_dir())
    return Settings(**values)


# -- a server to work on ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoteTarget:
    """Where to connect in remote mode, resolved from the settings (``remote_target``)."""

    url: str
    token: str
    name: str | None = None
    """The ``[servers.NAME]`` it came from, if any."""


def read_token_file(path: Path) -> str:
    """The token in ``path``, refused if others can read the file.

    Raises:
        ConfigError: missing, not a file, readable or writable by group or others (the
            one-line reason says how to fix it), empty, or not a token.
    """
    source = f"token file {path}"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{source}: does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{source}: is not a file")
    if info.st_mode & 0o077:
        raise ConfigError(
            f"{source}: readable by others (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"a token is a password: chmod 600 {path}"
        )
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read ({exc})") from None
    token = parse_value("token", text.splitlines()[-1] if text else "", source)
    if token is None:
        raise ConfigError(f"{source}: is empty")
    return str(token)


def remote_target(settings: Settings) -> RemoteTarget | None:
    """The server and token to use, or None for the local Docker engine.

    ``server`` is a URL or a ``[servers.NAME]``; the token is ``token`` if given, else
    ``token_file``, else the named server's ``token_file``.

    Raises:
        ConfigError: an unknown server name, no token, or a bad token file.
    """
    server = settings.server
    if server is None:
        return None
    name = None
    token_file = settings.token_file
    if "://" not in server:
        entry = settings.servers.get(server)
        if entry is None:
            known = ", ".join(sorted(settings.servers)) or "none in the config file"
            raise ConfigError(f"server {display(server)}: no [servers.{server}] (known: {known})")
        name, server = server, entry.url
        token_file = token_file or entry.token_file
    if settings.token is not None:
        return RemoteTarget(server, settings.token, name)
    if token_file is None:
        raise ConfigError(
            f"server {display(server)}: no token (give --token, CLOUDIDE_TOKEN, or a token "
            "file; `cloudide-server token create --user NAME` on the server makes one)"
        )
    return RemoteTarget(server, read_token_file(token_file), name)
