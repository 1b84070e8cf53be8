"""Where cloudide-tui keeps things on the host: one module, so every part agrees.

Nothing here touches the disk: these functions compute paths (platformdirs honours
``XDG_DATA_HOME`` / ``XDG_CONFIG_HOME`` on Linux), callers create what they need.

Layout::

    <data dir>/                      CLOUDIDE_DATA_DIR, --data-dir, or the platform's
      workspaces/<owner>/<project>/  one folder per project, bind-mounted at /workspace
      homes/<owner>/<project>/       the project's persistent home, at /home/<user>
      disks/<owner>/<project>.img    the project's disk, when disk limits are on: an ext4
      disks/<owner>/<project>/       image, loop-mounted here; its workspace/ and home/
                                     are bind-mounted on the two folders above
      ui-state/<owner>.json          what the UI remembers (theme, tabs: ui_state.py)
    <config dir>/config.toml         CLOUDIDE_CONFIG overrides the file's path
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from cloudide_tui.validation import validate_owner, validate_project_name

APP_NAME = "cloudide-tui"
CONFIG_FILE_NAME = "config.toml"
CONFIG_ENV = "CLOUDIDE_CONFIG"
"""Environment variable naming the config file to use instead of the default one."""


def default_data_dir() -> Path:
    """The platform's user data dir for the app (``~/.local/share/cloudide-tui`` on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The platform's user config dir for the app (``~/.config/cloudide-tui`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The config file to read: ``$CLOUDIDE_CONFIG`` if set (and not empty), else the default."""
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV, "")
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_FILE_NAME


def workspaces_dir(data_dir: Path, owner: str) -> Path:
    """The folder holding all workspaces of ``owner`` (validated: it becomes a folder name)."""
    return Path(data_dir) / "workspaces" / validate_owner(owner)


def workspace_dir(data_dir: Path, owner: str, project: str) -> Path:
    """The workspace folder of one project (both names validated)."""
    return workspaces_dir(data_dir, owner) / validate_project_name(project)


def homes_dir(data_dir: Path, owner: str) -> Path:
    """The folder holding the persistent homes of ``owner``'s projects."""
    return Path(data_dir) / "homes" / validate_owner(owner)


def home_dir(data_dir: Path, owner: str, project: str) -> Path:
    """The persistent home of one project (mounted at the account's home in its container)."""
    return homes_dir(data_dir, owner) / validate_project_name(project)


def disks_dir(data_dir: Path, owner: str) -> Path:
    """The folder holding the disk images of ``owner``'s projects and their mount points."""
    return Path(data_dir) / "disks" / validate_owner(owner)


def ui_state_file(data_dir: Path, owner: str, server: str | None = None) -> Path:
    """What the UI remembers for ``owner``'s projects in this data dir (``ui_state``).
    With a ``server`` (its URL or name), that server's projects, which are not the local
    ones of the same names: a file of their own, named by a hash of the server."""
    if server:
        digest = hashlib.sha256(server.encode()).hexdigest()[:16]
        return Path(data_dir) / "ui-state" / f"server-{digest}.json"
    return Path(data_dir) / "ui-state" / f"{validate_owner(owner)}.json"
