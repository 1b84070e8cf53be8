"""The ``cloudide-tui`` command: parse options, build the settings, run the app.

Kept free of Textual: the app is imported only once the settings are good, so ``--help``,
``--version`` and option errors are instant, and a bad value is one line on stderr with
exit status 2 (argparse's own convention), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from cloudide_tui import __version__, defaults, paths
from cloudide_tui.config import DOCKER_FIELDS, Settings, env_var, load_settings, remote_target
from cloudide_tui.errors import ConfigError

PROG = "cloudide-tui"
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block), as the CLI promises."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The option parser; every option says which environment variable it overrides."""
    parser = _Parser(
        prog=PROG,
        description=(
            "A cloud IDE in your terminal: a Docker container per project, with real "
            "terminals and an editor. Options override environment variables, which "
            f"override the config file ({paths.config_dir() / paths.CONFIG_FILE_NAME}, "
            f"or ${paths.CONFIG_ENV})."
        ),
        epilog=(
            "Other settings (owner, docker_host, memory, cpus, pids, scrollback, prefix_key, "
            "alt_digits, clipboard_from_programs) come from the config file or CLOUDIDE_<NAME> "
            "variables; see docs/files-and-config.md."
        ),
        allow_abbrev=False,
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where project workspaces are kept (env {env_var('data_dir')}; "
        f"default {paths.default_data_dir()})",
    )
    parser.add_argument(
        "--image",
        metavar="NAME",
        help=f"runner image for project containers (env {env_var('image')}; "
        f"default {defaults.IMAGE})",
    )
    parser.add_argument(
        "--project",
        metavar="NAME",
        help="open this project at start, creating it if needed, with its terminal "
        f"focused (env {env_var('project')})",
    )
    parser.add_argument(
        "--keep-running",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="leave project containers running on quit; they are stopped otherwise "
        f"(env {env_var('keep_running')}=1)",
    )
    parser.add_argument(
        "--server",
        metavar="URL|NAME",
        help="work on a cloudide-server instead of the local Docker engine: its address "
        "(wss://ide.example.com) or a [servers.NAME] of the config file "
        f"(env {env_var('server')})",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help="the server's access token (env "
        f"{env_var('token')}; `cloudide-server token create --user NAME` makes one)",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"read the token from this file, readable by you alone (env {env_var('token_file')})",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"read settings from this TOML file instead (env {paths.CONFIG_ENV})",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


_CLI_FIELDS = {
    "data_dir": "--data-dir",
    "image": "--image",
    "project": "--project",
    "keep_running": "--keep-running",
    "server": "--server",
    "token": "--token",
    "token_file": "--token-file",
}


def parse_settings(argv: Sequence[str] | None = None) -> Settings:
    """Options + environment + config file -> settings.

    Raises:
        SystemExit: for ``--help``/``--version`` (status 0) or a usage error (2).
        ConfigError: a bad value from any source.
    """
    args = build_parser().parse_args(argv)
    cli = {name: getattr(args, name) for name in _CLI_FIELDS}
    config_path = Path(args.config).expanduser() if args.config else None
    settings = load_settings(cli, config_path=config_path, cli_names=_CLI_FIELDS)
    if settings.server is not None:
        for name in DOCKER_FIELDS:
            if cli.get(name) is not None:
                raise ConfigError(
                    f"option {_CLI_FIELDS[name]}: is for the local Docker engine; "
                    f"with --server the server decides it"
                )
        remote_target(settings)  # a missing token or a bad token file: one line, now
    return settings


def _follow_the_terminal_size() -> None:
    """Drop exported ``COLUMNS``/``LINES`` when the app draws on a real terminal.

    Textual asks ``shutil.get_terminal_size``, which believes those variables before the
    terminal: a stale export (from a CI runner, a script, a parent shell) would pin the
    whole UI to that size and make it ignore every resize.
    """
    if sys.stdout.isatty():
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cloudide-tui``; returns the exit status.

    0: normal quit; 1: the app could not run; 2: bad options or settings; 130: Ctrl+C
    before the app took over the terminal.
    """
    try:
        settings = parse_settings(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # A warm --project start: fork the helper that opens the shell now, on the other
    # core, while this process imports the UI (warm_start.fork_helper).
    from cloudide_tui.warm_start import fork_helper, stop_helper

    _follow_the_terminal_size()
    forked = fork_helper(settings)
    try:
        # Textual loads only now, once the settings are good (see the module docstring).
        from cloudide_tui.app import run_app

        return run_app(settings, forked)
    except KeyboardInterrupt:
        return 130
    finally:
        if forked is not None:
            stop_helper(*forked[:2])
