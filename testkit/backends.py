"""The runner image the suite uses, and the home (data dir + owner) tests make backends on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cloudide_tui import paths
from cloudide_tui.backend.base import Backend
from cloudide_tui.backend.docker_backend import DockerBackend
from testkit.runner_tag import runner_tag

#: The runner image the suite uses: ``make test`` builds it and passes its name; run
#: without the Makefile, the same tag (the content of runner/), never a stale ``latest``.
TEST_IMAGE = os.environ.get("CLOUDIDE_IMAGE") or runner_tag()


class Home(Protocol):
    """Where the app under test keeps its files (``data_dir``: logs, recovered text;
    locally also the workspaces), whose projects these are, and the backend to use: a
    local ``BackendHome`` or a server's ``testkit.remote_ide.RemoteHome``."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def owner(self) -> str: ...

    @property
    def workspaces(self) -> Path:
        """The folder holding the owner's workspaces, wherever the backend keeps them."""
        ...

    def backend(self) -> Backend: ...


@dataclass(frozen=True)
class BackendHome:
    """Where a module's backends keep their workspaces, and whose they are."""

    data_dir: Path
    owner: str

    @property
    def workspaces(self) -> Path:
        return paths.workspaces_dir(self.data_dir, self.owner)

    def backend(self, **kwargs: Any) -> DockerBackend:
        """A new DockerBackend on this home (same workspaces, same containers)."""
        kwargs.setdefault("image", TEST_IMAGE)
        return DockerBackend(self.data_dir, owner=self.owner, **kwargs)
