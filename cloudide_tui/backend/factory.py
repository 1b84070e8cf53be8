"""The backend the settings ask for: a ``cloudide-server`` (``--server``) or the local
Docker engine. The one place that decides; the app knows the result only through its
``capabilities`` and ``connection``.

Each backend's module loads only when it is chosen: docker-py never loads in remote mode
(a browser session served by the server runs this app with ``--server``, next to no
engine), websockets' client only in remote mode.
"""

from __future__ import annotations

from cloudide_tui.backend.base import Backend
from cloudide_tui.config import Settings, remote_target


def make_backend(settings: Settings) -> Backend:
    """A ``RemoteBackend`` for ``settings.server``, else a ``DockerBackend`` made on first
    use (a ``LazyBackend``: docker-py loads in a thread after the app's first frame).

    Raises:
        ConfigError: a server without a usable token or address (said in one line).
    """
    target = remote_target(settings)
    if target is not None:
        from cloudide_tui.backend.remote_backend import RemoteBackend

        return RemoteBackend(target.url, target.token)
    from cloudide_tui.backend.engine_address import engine_description
    from cloudide_tui.backend.lazy import LazyBackend

    return LazyBackend(lambda: docker_backend(settings), engine_description(settings.docker_host))


def docker_backend(settings: Settings) -> Backend:
    """A ``DockerBackend`` configured from the settings (data dir, image, owner, limits).
    Imported here, not at the top: docker-py loads only when the app runs on Docker."""
    from cloudide_tui.backend.docker_backend import DockerBackend

    return DockerBackend.from_settings(settings)
