"""Every default the app ships with, and the facts of the runner image, in one place.

The settings (``config.Settings``), the backend's constructor, the CLI's help and the docs
all take their defaults from here, and ``tests/unit/test_defaults_docs.py`` checks that
what docs/*.md and the README say equals these values. Nothing here imports anything of
the app, so every floor may use it (the CLI's ``--help`` stays instant).
"""

from __future__ import annotations

import os

# -- settings (config.Settings; the backend's constructor uses the same) ----------------

IMAGE = "cloudide-runner:latest"
"""The runner image every project's container is made from."""

LEGACY_OWNER = "local"
"""The owner every host user had before the default owner became the host user's login
name (``config.default_owner``); a data dir holding only its projects keeps it."""

MEMORY = "2g"
"""Memory limit of each container (Docker's notation); no swap on top."""

PIDS = 512
"""Most processes a container may run at once (stops fork bombs)."""

MAX_DEFAULT_CPUS = 2
"""The CPU limit of each container is this many CPUs, or fewer on a smaller machine."""


def cpus() -> float:
    """The default CPU limit: ``MAX_DEFAULT_CPUS``, or every CPU where the machine has
    fewer (Docker refuses a limit above what the machine has)."""
    return float(min(MAX_DEFAULT_CPUS, os.cpu_count() or 1))


DISK = "10g"
"""Disk limit of each new project, workspace and home together (needs root to apply)."""

TMP_SIZE = "512m"
"""Size of each container's /tmp tmpfs (what is written there counts against memory)."""

SCROLLBACK = 10_000
"""Lines each terminal keeps above its screen."""

MIN_CONTRAST = 4.5
"""The least contrast ratio (WCAG) between a terminal's text and its background: a colour
closer to its background is drawn darker (light theme) or lighter (dark). 4.5 is WCAG AA
for text, and VS Code's terminal default; it keeps ANSI white readable on light themes."""

PREFIX_KEY = "ctrl+backslash"
"""The prefix key (Textual's name): pressed, then one more key, it reaches the app from a
terminal (tmux-style). Ctrl+\\ is SIGQUIT in a shell, unbound in readline, vim and less,
and rarely needed; pressed twice it still reaches the shell."""

ALT_DIGITS = "tabs"
"""What Alt+1..9 do in a terminal: ``"tabs"`` (go to that tab, as in gnome-terminal and
konsole) or ``"shell"`` (the shell gets them: bash's digit arguments)."""

# -- files --------------------------------------------------------------------------------

READ_LIMIT = 4 << 20
"""``Backend.read_file`` reads at most this many bytes unless told otherwise (4 MiB)."""

# -- the runner image (runner/Dockerfile makes them so) -----------------------------------

CONTAINER_USER = "dev"
"""The user shells run as in the container (when we run as root or as its uid)."""

CONTAINER_UID = 1000
"""``dev``'s uid: files the API creates are given to it when we run as root."""

CONTAINER_GID = 1000
"""``dev``'s gid."""
