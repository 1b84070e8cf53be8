"""The runner image the suite uses, and the home (data dir + owner) tests make backends on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudide_tui import defaults
from cloudide_tui.backend.docker_backend import DockerBackend

#: The runner image the suite uses (``make test`` passes the Makefile's IMAGE).
TEST_IMAGE = os.environ.get("CLOUDIDE_IMAGE") or defaults.IMAGE


@dataclass(frozen=True)
class BackendHome:
    """Where a module's backends keep their workspaces, and whose they are."""

    data_dir: Path
    owner: str

    def backend(self, **kwargs: Any) -> DockerBackend:
        """A new DockerBackend on this home (same workspaces, same containers)."""
        kwargs.setdefault("image", TEST_IMAGE)
        return DockerBackend(self.data_dir, owner=self.owner, **kwargs)
