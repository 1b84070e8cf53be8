"""Entry point of ``cloudide-server``: serve, or make and revoke tokens.

    cloudide-server [--host H] [--port P] [--data-dir DIR] [--image NAME]
                    [--secret-file FILE] [--origin URL ...] [--certfile F --keyfile F]
    cloudide-server [OPTIONS] token create --user NAME [--ttl SECONDS] [--share SESSION_ID]
    cloudide-server [OPTIONS] token share --session SESSION_ID [--ttl SECONDS]
    cloudide-server [OPTIONS] token revoke (--id TOKEN_ID | --user NAME)

The server's options go before ``token`` as well as after its action (``--data-dir``,
``--secret-file``, ``--config``, ``--public-url`` there), as git and docker take theirs;
one given in both places counts as given after.

At start it prints where it listens and the page to open in a browser; ``token create``
prints a sign-in link for that page, ``token share`` a read-only link to one running shell.

Options override ``CLOUDIDE_SERVER_*`` variables, which override ``server.toml`` (see
``settings``). A bad value is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from cloudide_tui import __version__
from cloudide_tui.errors import CloudIDEError, ConfigError

from . import auth
from .settings import ServerSettings, env_var, load_server_settings
from .shares import SHARE_TTL, share_path
from .users import SESSIONS_FILE

PROG = "cloudide-server"
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _common(parser: argparse.ArgumentParser, default: object = None) -> None:
    """The options every command takes (the server and each ``token`` action).

    Args:
        default: ``argparse.SUPPRESS`` for the copies after ``token ACTION``, so that an
            option given before the command (``cloudide-server --data-dir D token create``,
            as git and docker take theirs) is kept unless it is given again after it.
    """
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help=f"workspaces and records (env {env_var('data_dir')})",
    )
    parser.add_argument(
        "--secret-file",
        metavar="FILE",
        default=default,
        help="file holding the token secret (env CLOUDIDE_SECRET holds it directly; "
        "default: <data dir>/server/secret, made once)",
    )
    parser.add_argument(
        "--config", metavar="FILE", default=default, help="read settings from this TOML file"
    )


def _public_url(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument(
        "--public-url",
        metavar="URL",
        default=default,
        help="the address people open in a browser, for printed links "
        f"(env {env_var('public_url')}; default http://HOST:PORT)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the server's options, then optionally ``token ACTION`` with
    its own; the server's options are taken before ``token`` too (``token`` ignores the
    ones it has no use for, such as ``--image``, so one alias serves both)."""
    parser = _Parser(
        prog=PROG,
        description="Serve cloudide projects, files and shells over websockets: the API at "
        "/api, the original endpoint at /ws/terminal/<project>/, the IDE in a browser at /, "
        "/healthz.",
        allow_abbrev=False,
    )
    _common(parser)
    parser.add_argument("--host", help=f"address to listen on (env {env_var('host')}; 127.0.0.1)")
    parser.add_argument("--port", help=f"port (env {env_var('port')}; 8000; 0: any free one)")
    parser.add_argument("--image", metavar="NAME", help="runner image of project containers")
    parser.add_argument(
        "--origin",
        action="append",
        dest="origins",
        metavar="URL",
        help="a browser origin allowed besides the server's own (repeatable)",
    )
    _public_url(parser)
    parser.add_argument(
        "--browser-user",
        metavar="NAME",
        help="the account IDE pages' processes run as when the server is root (default nobody)",
    )
    parser.add_argument("--certfile", metavar="F", help="TLS certificate (PEM): serve wss://")
    parser.add_argument("--keyfile", metavar="F", help="TLS private key (PEM)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{token}")
    _add_token_parser(
        commands.add_parser("token", help="make or revoke access tokens", allow_abbrev=False)
    )
    return parser


def _add_token_parser(parser: argparse.ArgumentParser) -> None:
    parser.description = "Make or revoke access tokens."
    sub = parser.add_subparsers(dest="action", required=True, metavar="{create,share,revoke}")
    create = sub.add_parser("create", help="print a new token on the last line")
    _common(create, argparse.SUPPRESS)
    create.add_argument("--user", required=True, help="whose projects the token reaches")
    create.add_argument("--ttl", type=float, default=auth.DEFAULT_TTL, help="seconds it lives")
    create.add_argument(
        "--share", metavar="SESSION_ID", help="a read-only token for one running shell"
    )
    _public_url(create, argparse.SUPPRESS)
    share = sub.add_parser(
        "share", help="print a read-only link to one running shell (watch, never type)"
    )
    _common(share, argparse.SUPPRESS)
    share.add_argument("--session", required=True, help="the shell's session id")
    share.add_argument(
        "--ttl", type=float, default=SHARE_TTL, help=f"seconds it lives ({SHARE_TTL:g})"
    )
    _public_url(share, argparse.SUPPRESS)
    revoke = sub.add_parser("revoke", help="revoke one token or all of a user's")
    _common(revoke, argparse.SUPPRESS)
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", help="the token id (printed by create)")
    which.add_argument("--user", help="revoke every token of this user made until now")


def token_main(args: argparse.Namespace) -> int:
    """``token ACTION``, parsed by ``build_parser``; returns the exit status."""
    settings = load_server_settings(
        {
            "data_dir": args.data_dir,
            "secret_file": args.secret_file,
            "public_url": args.public_url,
        },
        config_path=Path(args.config).expanduser() if args.config else None,
    )
    if args.action in ("create", "share"):
        secret = auth.load_secret(settings.data_dir, secret_file=settings.secret_file)
        session = args.session if args.action == "share" else args.share
        user = _owner_of(settings, session) if args.action == "share" else args.user
        scope = auth.VIEW_PREFIX + session if session else auth.USER_SCOPE
        token, token_id = auth.create_token(secret, user, ttl=args.ttl, scope=scope)
        expires = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(time.time() + args.ttl))
        base = page_url(settings)
        if session:
            print(
                f"read-only share of shell {session} of {user} (id {token_id}, expires {expires}):"
            )
            if base:
                print(f"open in a browser: {base}{share_path(session, token)}")
        else:
            print(f"token for {user} (id {token_id}, {scope}, expires {expires}):")
            if base:
                print(f"open in a browser: {base}/?token={token}")
        print(token)
        return 0
    revocations = auth.Revocations(settings.data_dir)
    if args.id:
        revocations.revoke_token(args.id)
        print(f"revoked token {args.id}")
    else:
        revocations.revoke_user(args.user)
        print(f"revoked every token of {args.user} made until now")
    return 0


def page_url(settings: ServerSettings, host: str | None = None, port: int | None = None) -> str:
    """The address of the IDE page: ``public_url``, else http(s)://HOST:PORT from the
    settings ('' when the port is 0 and the server is not running: unknown)."""
    if settings.public_url:
        return settings.public_url
    host = host or settings.host
    port = settings.port if port is None else port
    if not port:
        return ""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if settings.certfile else 'http'}://{host}:{port}"


def _owner_of(settings: ServerSettings, session_id: str) -> str:
    """The user whose running shell ``session_id`` is, from the server's records.

    Raises:
        ConfigError: no running shell of that id (as of the server's last record).
    """
    path = auth.server_dir(settings.data_dir) / SESSIONS_FILE
    try:
        records = json.loads(path.read_text()).get("sessions", {})
    except (OSError, ValueError, AttributeError):
        records = {}
    record = records.get(session_id) if isinstance(records, dict) else None
    if not isinstance(record, dict) or not isinstance(record.get("user"), str):
        raise ConfigError(
            f"there is no running shell {session_id!r} on the server of {settings.data_dir}",
            hint="the palette's Share command or list_shells gives the ids",
        )
    return str(record["user"])


async def _serve(settings: object, log_level: str) -> int:
    from .app import ServerCore, ssl_context
    from .settings import ServerSettings

    assert isinstance(settings, ServerSettings)
    secret = auth.load_secret(settings.data_dir, secret_file=settings.secret_file)
    core = ServerCore(settings, secret)
    addresses = await core.start(ssl_context=ssl_context(settings))
    scheme = "wss" if settings.certfile else "ws"
    for host, port in addresses:
        print(f"{PROG} {__version__} listening on {scheme}://{host}:{port}", flush=True)
    host, port = addresses[0]
    print(
        f"the IDE in a browser: {page_url(settings, host, port)}/ "
        f"(sign in with a token: {PROG} token create --user NAME)",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print(f"{PROG}: shutting down", flush=True)
    await core.shutdown()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2: bad options or settings)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        if args.command == "token":
            return token_main(args)
        settings = load_server_settings(
            {
                "data_dir": args.data_dir,
                "secret_file": args.secret_file,
                "host": args.host,
                "port": args.port,
                "image": args.image,
                "origins": args.origins,
                "public_url": args.public_url,
                "browser_user": args.browser_user,
                "certfile": args.certfile,
                "keyfile": args.keyfile,
            },
            config_path=Path(args.config).expanduser() if args.config else None,
        )
        logging.basicConfig(
            level=args.log_level.upper(),
            format="%(asctime)s %(name)s %(levelname)s %(message)s",
            stream=sys.stderr,
        )
        # websockets at DEBUG would log request lines, with ?token= in them
        logging.getLogger("websockets").setLevel(logging.WARNING)
        logging.getLogger("watchfiles").setLevel(logging.WARNING)
        return asyncio.run(_serve(settings, args.log_level))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except (ConfigError, CloudIDEError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
