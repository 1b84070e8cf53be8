"""The IDE pages: one ``cloudide-tui`` process per open page, as in a terminal.

Each page's websocket (``/ide/ws``, signed in by its cookie: ``web.py``) gets its own app
process, ``cloudide-tui --server <this server>``, with a token made for it alone. The
process is a client of this server's API like any TUI: the shells it opens belong to the
server and live on when the page closes (closing the page ends the process, nothing else).

textual-serve does the browser's half: its ``AppService`` runs the app under Textual's
web driver and speaks the driver's packet protocol on the process' stdin and stdout, and
its browser protocol (``["stdin", text]``, ``["resize", {...}]``, binary output) is what
the page speaks (``web/src/ide.js``). Its aiohttp ``Server`` is not used: it would need a
port and a process of its own, with no auth and no Origin check; this server answers the
page and its websocket on its own host and port, behind the same tokens. ``AppProcess``
subclasses ``AppService`` only to start the process differently:

- as an unprivileged account (``browser_user``; ``nobody`` when the server runs as root),
  without the server's groups (``docker``: the engine is root on the host);
- with limits, set by ``launch.py`` before it becomes the app (address space, open files,
  file size, no core dumps, a lower priority);
- with an environment of its own: a private, throw-away home; the server's address; and
  its token in ``CLOUDIDE_TOKEN``, never on the command line (``/proc/*/cmdline`` is
  readable by every local user);
- with stderr in a file of that home, never copied to the server's output as it is.

The token made for the process names the page's token as its parent (revoking the page's
token revokes it too), lives no longer than it (and at most ``APP_TOKEN_TTL``), and is
revoked when the page closes. Each user may have ``browser_sessions_per_user`` pages
open, the server ``browser_sessions`` in all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pwd
import shutil
import signal
import sys
import tempfile
import time
from asyncio.subprocess import Process
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import parse_qs, urlsplit

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from cloudide_tui.errors import ConfigError
from cloudide_tui.protocol import close

from . import auth
from .auth import Principal, Revocations
from .settings import ServerSettings
from .shares import ShareLinks

log = logging.getLogger("cloudide_server.browser")

DEFAULT_ACCOUNT = "nobody"
APP_TOKEN_TTL = 12 * 3600
"""Longest life of an app process' token (and so of one IDE page): 12 hours."""
MIN_APP_TOKEN_TTL = 60
STOP_GRACE = 5.0
"""Seconds an app process gets to quit when its page closes, before it is killed."""
MAX_FRAME = 1 << 20
"""Largest frame a page may send (a paste of up to 1 MiB)."""
APP_LIMITS = {"as": 2 << 30, "nofile": 256, "fsize": 64 << 20, "nice": 5}
"""The app process' limits (``launch.py``): 2 GiB of address space (measured: ~290 MiB
mapped, ~70 MiB resident with a terminal after a 200,000-line flood and an editor open;
malloc's arenas are bounded so threads do not reserve 64 MiB each), 256 open files, files
up to 64 MiB, priority lowered by 5."""
APP_DRIVER = "cloudide_tui.driver:CloudIDEWebDriver"
"""Textual's web driver, reading Alt+key as xterm.js sends it (as the app does in a
terminal), in place of the plain one textual-serve names."""
STDERR_TAIL = 4096
"""Bytes of a failed app process' stderr that go to the server's log."""
_TEXTUAL_ENV = (
    "TEXTUAL_DRIVER",
    "TEXTUAL_FPS",
    "TEXTUAL_COLOR_SYSTEM",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "COLUMNS",
    "ROWS",
)
"""What textual-serve's environment sets for the app (the rest of it is the server's own
environment, which the app does not get)."""


@dataclass(frozen=True, slots=True)
class Account:
    """The unprivileged account app processes run as."""

    name: str
    uid: int
    gid: int


def browser_account(name: str | None) -> Account | None:
    """The account for app processes (None: the server's own, when it is not root).

    Raises:
        ConfigError: no such account, or root.
    """
    if name is None and os.geteuid() != 0:
        return None
    name = name or DEFAULT_ACCOUNT
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ConfigError(f"browser_user: there is no account {name!r} here") from None
    if entry.pw_uid == 0:
        raise ConfigError("browser_user: the IDE pages' processes must not run as root")
    return Account(name, entry.pw_uid, entry.pw_gid)


@dataclass
class Launch:
    """Everything one app process is started with, and what it leaves to clean."""

    argv: list[str]
    env: dict[str, str]
    home: Path
    account: Account | None
    token: str
    token_id: str
    expires: float
    stderr: Path = field(init=False)

    def __post_init__(self) -> None:
        self.stderr = self.home / "stderr.log"


class AppProcess(AppService):
    """textual-serve's ``AppService``, starting the app as ``Launch`` says (see the module
    docstring); ``ended`` is set when the process' output has ended."""

    def __init__(self, launch: Launch, ws: ServerConnection) -> None:
        super().__init__(
            "cloudide-tui",
            write_bytes=self._send,
            write_str=self._send,
            close=self._quit,
            download_manager=DownloadManager(),
        )
        self.launch = launch
        self.ws = ws
        self.ended = asyncio.Event()
        self.quit = False

    async def _send(self, data: bytes | str) -> None:
        # the page may be gone already: the app's output is still read to its end
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(data)

    async def _quit(self) -> None:
        """The app quit by itself (Ctrl+Q): the page is told so."""
        self.quit = True
        await self.ws.close(close.NORMAL, "you quit the IDE")

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        launch = self.launch
        textual = self._build_environment(width=width, height=height)
        env = {name: textual[name] for name in _TEXTUAL_ENV if name in textual}
        env["TEXTUAL_DRIVER"] = APP_DRIVER
        env.update(launch.env)
        account = launch.account
        self._process = process = await asyncio.create_subprocess_exec(
            *launch.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=launch.home,
            user=account.uid if account else None,
            group=account.gid if account else None,
            extra_groups=[] if account else None,
            process_group=0,
            close_fds=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            self.ended.set()

    @property
    def process(self) -> Process | None:
        return self._process

    def kill(self) -> None:
        """Kill the app and anything it started (its process group)."""
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


class BrowserDoor:
    """Starts, counts and ends the IDE pages' app processes.

    Args:
        settings: The server's settings (limits, account, addresses).
        secret: The token secret (an app process gets a token of its own).
        revocations: Where an app's token is revoked when its page closes.
        links: Share links (told each page's address, for the links its app asks for).
    """

    def __init__(
        self,
        settings: ServerSettings,
        secret: bytes,
        revocations: Revocations,
        links: ShareLinks | None = None,
    ) -> None:
        self.settings = settings
        self.links = links
        self._secret = secret
        self.revocations = revocations
        self.account = browser_account(settings.browser_user)
        self.pages: dict[str, set[IdePage]] = {}
        self.api_url = settings.browser_api_url or f"ws://127.0.0.1:{settings.port}"
        self.checked = asyncio.Event()
        self.unavailable: str | None = None
        """Why no app process can start here (found at start by ``check``), or None."""

    async def check(self) -> None:
        """Once, at start: can the account run the app? (A Python in a private home, say
        pyenv under /root, is not readable by ``nobody``.) Logs why not, for the admin;
        pages are refused with the same words."""
        who = self.account.name if self.account else "the server's own account"
        account = self.account
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-I", "-c", "import cloudide_tui.cli, cloudide_server.launch",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                cwd="/",
                user=account.uid if account else None,
                group=account.gid if account else None,
                extra_groups=[] if account else None,
            )  # fmt: skip
            _, err = await process.communicate()
            failure = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            problem = failure[0] if process.returncode else None
        except OSError as e:
            problem = e.strerror or str(e)
        if problem is None and account is None:
            log.warning(
                "the IDE pages' processes run as this server's own account, with its groups; "
                "on a shared machine run the server as root with browser_user (docs/deploy.md)"
            )
        if problem is not None:
            self.unavailable = (
                f"the IDE in a browser is unavailable here: {who} cannot run "
                f"{sys.executable} with cloudide-tui ({problem})"
            )
            log.warning(
                "%s; install the server where that account can read it (a venv under /opt), "
                "or set browser_user",
                self.unavailable,
            )
        self.checked.set()

    def listening(self, host: str, port: int, *, tls: bool) -> None:
        """The server listens: its API's address for the app processes."""
        if self.settings.browser_api_url:
            return
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        self.api_url = f"{'wss' if tls else 'ws'}://{host}:{port}"
        if tls:
            log.warning(
                "the IDE pages' processes reach this server at %s: set browser_api_url to "
                "the address its certificate is for",
                self.api_url,
            )

    @property
    def count(self) -> int:
        return sum(len(pages) for pages in self.pages.values())

    def refusal(self, user: str) -> str | None:
        """Why ``user`` may not open another page now (None: they may)."""
        s = self.settings
        if s.browser_sessions_per_user == 0 or s.browser_sessions == 0:
            return "the IDE in a browser is turned off on this server"
        mine = len(self.pages.get(user, ()))
        if mine >= s.browser_sessions_per_user:
            return f"you have {mine} IDE pages open, the most allowed: close one"
        if self.count >= s.browser_sessions:
            return "the server has as many IDE pages open as it allows: try again later"
        return None

    def prepare(self, principal: Principal) -> Launch:
        """A home, a token and a command line for one app process (blocking: a thread)."""
        home = Path(tempfile.mkdtemp(prefix="cloudide-page-"))
        if self.account is not None:
            os.chown(home, self.account.uid, self.account.gid)
        now = time.time()
        ttl = max(MIN_APP_TOKEN_TTL, min(APP_TOKEN_TTL, principal.expires - now))
        token, token_id = auth.create_token(
            self._secret, principal.user, ttl=ttl, parent=principal.token_id
        )
        limits = APP_LIMITS
        argv = [
            sys.executable, "-I", "-m", "cloudide_server.launch",
            "--as", str(limits["as"]), "--nofile", str(limits["nofile"]),
            "--fsize", str(limits["fsize"]), "--nice", str(limits["nice"]),
            "--stderr", str(home / "stderr.log"), "--",
            sys.executable, "-I", "-m", "cloudide_tui", "--server", self.api_url,
        ]  # fmt: skip
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "TMPDIR": str(home),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MALLOC_ARENA_MAX": "2",
            "CLOUDIDE_TOKEN": token,
        }
        return Launch(argv, env, home, self.account, token, token_id, now + ttl)

    def finish(self, launch: Launch, failed: bool) -> str | None:
        """Revoke the process' token, log its stderr if it failed (token taken out), remove
        its home (blocking: a thread). Returns the app's own last words when it said why
        it could not run (``cloudide-tui: error: ...``), for the page."""
        self.revocations.revoke_token(launch.token_id, launch.expires)
        last_words = None
        if failed:
            try:
                with launch.stderr.open("rb") as f:
                    f.seek(0, os.SEEK_END)
                    f.seek(max(0, f.tell() - STDERR_TAIL))
                    tail = f.read().decode("utf-8", "replace")
            except OSError:
                tail = ""
            tail = tail.replace(launch.token, "<token>")
            if tail.strip():
                log.warning("an IDE page's app process failed; its stderr ends:\n%s", tail)
                last = tail.strip().splitlines()[-1]
                if last.startswith("cloudide-tui: error:"):
                    last_words = last
        shutil.rmtree(launch.home, ignore_errors=True)
        return last_words


class IdePage:
    """One IDE page: its websocket, its app process (see the module docstring)."""

    def __init__(self, door: BrowserDoor, ws: ServerConnection, principal: Principal) -> None:
        self.door = door
        self.ws = ws
        self.principal = principal

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)

    async def run(self) -> None:
        door, user = self.door, self.principal.user
        await door.checked.wait()
        if door.unavailable is not None:
            await self.ws.close(close.INTERNAL, _reason(door.unavailable))
            return
        refusal = door.refusal(user)
        if refusal is not None:
            await self.ws.close(close.TOO_MANY, _reason(refusal))
            return
        door.pages.setdefault(user, set()).add(self)
        launch: Launch | None = None
        app: AppProcess | None = None
        try:
            launch = await asyncio.to_thread(door.prepare, self.principal)
            origin = self.ws.request.headers.get("Origin") if self.ws.request else None
            if door.links is not None and origin:
                door.links.page_origins[launch.token_id] = origin
            app = AppProcess(launch, self.ws)
            width, height = _size(self.ws)
            await app.start(width, height)
            reader = asyncio.ensure_future(self._read(app))
            ended = asyncio.ensure_future(app.ended.wait())
            await asyncio.wait({reader, ended}, return_when=asyncio.FIRST_COMPLETED)
            reader.cancel()
            ended.cancel()
        except Exception:
            log.exception("an IDE page for %s failed", user)
        finally:
            failed = True
            if app is not None and app.process is not None:
                await self._stop(app)
                status = app.process.returncode
                failed = not app.quit and status not in (0, -signal.SIGKILL)
            pages = door.pages.get(user)
            if pages is not None:
                pages.discard(self)
                if not pages:
                    del door.pages[user]
            last_words = None
            if launch is not None:
                if door.links is not None:
                    door.links.page_origins.pop(launch.token_id, None)
                last_words = await asyncio.to_thread(door.finish, launch, failed)
            if failed:
                why = last_words or "the IDE's process ended unexpectedly (see the server's log)"
                await self.ws.close(close.INTERNAL, _reason(why))
            else:
                await self.ws.close(close.NORMAL, "the IDE has closed")

    async def _stop(self, app: AppProcess) -> None:
        """Ask the app to quit; kill it if it does not within ``STOP_GRACE``."""
        if not app.ended.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.send_meta({"type": "quit"}), STOP_GRACE)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.ended.wait(), STOP_GRACE)
        app.kill()
        process = app.process
        if process is not None:
            await process.wait()

    async def _read(self, app: AppProcess) -> None:
        """The page's messages to the app (textual-serve's browser protocol)."""
        with contextlib.suppress(ConnectionClosed):
            async for frame in self.ws:
                message = _envelope(frame)
                if message is None:
                    continue
                kind, payload = message
                if kind == "stdin" and isinstance(payload, str):
                    await app.send_bytes(payload.encode("utf-8", "replace"))
                elif kind == "resize" and isinstance(payload, dict):
                    width, height = payload.get("width"), payload.get("height")
                    if _good_size(width) and _good_size(height):
                        await app.set_terminal_size(width, height)
                elif kind == "ping":
                    await self.ws.send(json.dumps(["pong", str(payload)[:40]]))
                elif kind == "focus":
                    await app.focus()
                elif kind == "blur":
                    await app.blur()


def _envelope(frame: str | bytes) -> tuple[str, Any] | None:
    if not isinstance(frame, str):
        return None
    try:
        message = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(message, list) or not message or not isinstance(message[0], str):
        return None
    return message[0], message[1] if len(message) > 1 else None


def _good_size(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000


def _size(ws: ServerConnection) -> tuple[int, int]:
    """The page's terminal size from its websocket's query (80x24 when absent or odd)."""
    query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
    size = []
    for name, default in (("width", 80), ("height", 24)):
        try:
            value = int(query.get(name, [str(default)])[0])
        except ValueError:
            value = default
        size.append(value if _good_size(value) else default)
    return size[0], size[1]


def _reason(text: str) -> str:
    """A close reason: at most 123 bytes of UTF-8."""
    data = text.encode("utf-8")
    if len(data) <= 123:
        return text
    return data[:120].decode("utf-8", "ignore") + "..."
