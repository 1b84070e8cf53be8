"""DockerBackend: projects as workspace folders, each with its own Docker container.

The glue of the backend package: names are checked by ``validation`` (the one validator),
files go through ``WorkspaceFS`` (confined to the workspace, never following symlinks),
containers through ``containers``, shells through ``docker_shell``, the image through
``image``. Every blocking call runs in a worker thread; every docker-py error is
translated by ``engine.Engine`` before it reaches the caller.

Ownership of files: the shell runs as the image's ``dev`` (uid 1000). When we run as
root, files written through the API are given to uid/gid 1000, so both sides own them.
When we run as a non-root host user, the shell runs as that user's uid:gid instead (with
HOME=/tmp, as it has no home in the image), so files written in the shell belong to the
host user and the API's files are writable in the shell; uid 1000 itself is ``dev``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path
from typing import Any

from cloudide_tui import defaults, paths
from cloudide_tui.backend import containers, image
from cloudide_tui.backend.base import (
    Backend,
    ContainerState,
    FileContent,
    FileEntry,
    ProgressCallback,
    ProjectInfo,
    ShellSession,
)
from cloudide_tui.backend.containers import Limits
from cloudide_tui.backend.docker_shell import DockerShellSession, adopt_shell, start_exec
from cloudide_tui.backend.engine import Engine
from cloudide_tui.backend.handoff import StartedExec
from cloudide_tui.backend.workspace_fs import (
    WorkspaceFS,
    container_owner_ids,
    create_workspace,
    list_workspaces,
    remove_workspace,
    rename_workspace,
)
from cloudide_tui.config import Settings
from cloudide_tui.errors import (
    AlreadyExists,
    ContainerError,
    EngineUnavailable,
    ImageError,
    ImageMissing,
    NotFound,
)
from cloudide_tui.validation import display, validate_owner, validate_project_name


def shell_user() -> tuple[str, dict[str, str]]:
    """Who shells run as, and extra environment for them (see the module docstring)."""
    euid = os.geteuid()
    if euid in (0, defaults.CONTAINER_UID):
        return defaults.CONTAINER_USER, {}
    return f"{euid}:{os.getegid()}", {"HOME": "/tmp"}


class DockerBackend(Backend):
    """The local backend: workspaces under ``data_dir``, containers on a Docker engine.

    Args:
        data_dir: Workspaces live in ``<data_dir>/workspaces/<owner>/<project>``.
        image: The runner image containers are made from (built when missing).
        owner: Whose projects these are; part of container names and labels.
        docker_host: The engine's address; None: docker-py's environment / default socket.
        memory, cpus, pids: Limits of every container (see ``containers.Limits``); the
            defaults are the settings' (``cloudide_tui.defaults``).
        build_script: The image build script (default: the one shipped with the package,
            ``image.default_build_script()``).

    Raises:
        InvalidName: ``owner`` is not a valid owner name.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        image: str = defaults.IMAGE,
        owner: str = defaults.OWNER,
        docker_host: str | None = None,
        memory: str = defaults.MEMORY,
        cpus: float | None = None,
        pids: int = defaults.PIDS,
        build_script: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()  # a bind mount needs an absolute path
        self.image = image
        self.owner = validate_owner(owner)
        self.limits = Limits(
            memory=memory, cpus=defaults.cpus() if cpus is None else cpus, pids=pids
        )
        self.build_script = build_script
        self.engine = Engine(docker_host)
        self.description = self.engine.description
        self._uid, self._gid = container_owner_ids()
        self._user, self._user_env = shell_user()
        self._sessions: set[DockerShellSession] = set()
        self._image_lock = asyncio.Lock()
        self._container_locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DockerBackend:
        """Build one from the settings; ``overrides`` replace some of their fields
        (``owner="bob"``).

        Raises:
            TypeError: an override that is not a field of ``Settings``.
        """
        s = dataclasses.replace(settings, **overrides) if overrides else settings
        return cls(
            s.data_dir,
            image=s.image,
            owner=s.owner,
            docker_host=s.docker_host,
            memory=s.memory,
            cpus=s.cpus,
            pids=s.pids,
        )

    # -- helpers ------------------------------------------------------------------------
    @property
    def workspaces(self) -> Path:
        """The folder holding this owner's workspaces."""
        return paths.workspaces_dir(self.data_dir, self.owner)

    def _workspace(self, project: str) -> Path:
        return paths.workspace_dir(self.data_dir, self.owner, project)

    def _fs(self, project: str) -> WorkspaceFS:
        return WorkspaceFS(self._workspace(project), uid=self._uid, gid=self._gid)

    async def _require_project(self, project: str) -> Path:
        """The project's workspace folder; NotFound when there is no such project."""
        root = self._workspace(project)
        if not await asyncio.to_thread(root.is_dir):
            raise NotFound(f"There is no project called {display(project)}.")
        return root

    async def _inspect(self, project: str) -> dict[str, Any] | None:
        api = await self.engine.api()
        return await self.engine.call(
            "looking up the container", containers.inspect, api, self.owner, project
        )

    def _lock(self, project: str) -> asyncio.Lock:
        return self._container_locks.setdefault(project, asyncio.Lock())

    # -- set-up -------------------------------------------------------------------------
    async def ensure_ready(
        self, progress: ProgressCallback | None = None, *, build: bool = True
    ) -> None:
        api = await self.engine.api()
        await self._ensure_image(api, progress, build=build)

    async def _ensure_image(
        self, api: Any, progress: ProgressCallback | None, *, build: bool
    ) -> None:
        async with self._image_lock:
            if await self.engine.call(
                "looking up the runner image", image.image_exists, api, self.image
            ):
                return
            if not build:
                raise ImageMissing(
                    f"The runner image {self.image} does not exist on this engine.",
                    image=self.image,
                    hint=f"build it (the app offers to; or `make image IMAGE={self.image}`), "
                    f"or choose another with --image (the default is {defaults.IMAGE})",
                )
            await image.build_image(
                self.image,
                script=self.build_script,
                docker_host=self.engine.docker_host,
                progress=progress,
            )
            if not await self.engine.call(
                "looking up the runner image", image.image_exists, api, self.image
            ):
                raise ImageError(
                    f"The image build finished but {self.image} is still missing.",
                    hint="run `make image` and read its output",
                )

    async def close(self) -> None:
        sessions = list(self._sessions)
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        await self.engine.close()

    # -- projects -----------------------------------------------------------------------
    async def list_projects(self) -> list[ProjectInfo]:
        names = await asyncio.to_thread(list_workspaces, self.workspaces)
        try:
            api = await self.engine.api()
            states = await self.engine.call(
                "listing containers", containers.list_states, api, self.owner
            )
        except EngineUnavailable:  # the projects are on disk: list them, state unknown
            return [ProjectInfo(name, self.owner, ContainerState.UNKNOWN) for name in names]
        return [
            ProjectInfo(name, self.owner, states.get(name, ContainerState.NONE)) for name in names
        ]

    async def create_project(self, name: str) -> ProjectInfo:
        validate_project_name(name)
        api = await self.engine.api()  # the engine answers, or nothing is made
        await self.engine.call("checking the engine", api.ping)
        await asyncio.to_thread(
            create_workspace, self.workspaces, name, uid=self._uid, gid=self._gid
        )
        return ProjectInfo(name, self.owner, await self.container_state(name))

    async def rename_project(self, old: str, new: str) -> ProjectInfo:
        validate_project_name(old)
        validate_project_name(new)
        await self._require_project(old)
        if await asyncio.to_thread(os.path.lexists, self._workspace(new)):
            raise AlreadyExists(f"A project called {display(new)} exists already.")
        # The container mounts the old folder and bears the old name: it goes (its shells
        # end with "container removed") and is made again under the new name on demand.
        await self._remove_container(old)
        await asyncio.to_thread(rename_workspace, self.workspaces, old, new)
        return ProjectInfo(new, self.owner, await self.container_state(new))

    async def delete_project(self, name: str) -> None:
        validate_project_name(name)
        await self._require_project(name)
        await self._remove_container(name)
        await asyncio.to_thread(remove_workspace, self.workspaces, name)

    async def _remove_container(self, project: str) -> None:
        api = await self.engine.api()
        async with self._lock(project):
            # A stranger's container under our name is left alone (find gives None).
            info = await self.engine.call(
                "looking up the container", containers.find, api, self.owner, project
            )
            if info is not None:
                await self.engine.call("removing the container", containers.remove, api, info["Id"])

    # -- containers ---------------------------------------------------------------------
    async def container_state(self, project: str) -> ContainerState:
        validate_project_name(project)
        return containers.state_of(await self._inspect(project))

    async def start_container(self, project: str, progress: ProgressCallback | None = None) -> None:
        validate_project_name(project)
        await self._running_container(project, progress)

    async def _running_container(
        self, project: str, progress: ProgressCallback | None = None
    ) -> str:
        """The id of the project's container, created and started as needed."""
        workspace = await self._require_project(project)
        api = await self.engine.api()
        say = progress or (lambda line: None)
        async with self._lock(project):
            info = await self._inspect(project)
            if info is not None and not await asyncio.to_thread(
                containers.mounts_workspace, info, workspace
            ):
                # Made for this project under another data dir: it would show other files.
                say(f"replacing the container of {project} (it mounts another folder)")
                await self.engine.call("removing the container", containers.remove, api, info["Id"])
                info = None
            if info is None:
                # Only the default image is built on the way (a first run); another name
                # may be a typo: start-up asked about it (ImageMissing otherwise).
                await self._ensure_image(api, progress, build=self.image == defaults.IMAGE)
                say(f"creating the container of {project}")
                container_id = await self.engine.call(
                    "creating the container",
                    containers.create,
                    api,
                    owner=self.owner,
                    project=project,
                    image=self.image,
                    workspace=workspace,
                    limits=self.limits,
                )
            else:
                container_id = str(info["Id"])
                if containers.state_of(info) is ContainerState.RUNNING:
                    return container_id
            say(f"starting the container of {project}")
            await self.engine.call("starting the container", containers.start, api, container_id)
            return container_id

    async def stop_container(self, project: str) -> None:
        validate_project_name(project)
        api = await self.engine.api()
        async with self._lock(project):
            info = await self._inspect(project)
            if info is not None and containers.state_of(info) is ContainerState.RUNNING:
                await self.engine.call("stopping the container", containers.stop, api, info["Id"])

    # -- files --------------------------------------------------------------------------
    async def list_dir(self, project: str, path: str = "") -> list[FileEntry]:
        validate_project_name(project)
        return await asyncio.to_thread(self._fs(project).list_dir, path)

    async def stat(self, project: str, path: str) -> FileEntry:
        validate_project_name(project)
        return await asyncio.to_thread(self._fs(project).stat, path)

    async def read_file(
        self, project: str, path: str, limit: int = defaults.READ_LIMIT
    ) -> FileContent:
        validate_project_name(project)
        return await asyncio.to_thread(self._fs(project).read_file, path, limit)

    async def write_file(
        self, project: str, path: str, data: bytes, *, expected_version: str | None = None
    ) -> FileEntry:
        validate_project_name(project)
        fs = self._fs(project)
        return await asyncio.to_thread(
            lambda: fs.write_file(path, data, expected_version=expected_version)
        )

    async def make_dir(self, project: str, path: str) -> FileEntry:
        validate_project_name(project)
        return await asyncio.to_thread(self._fs(project).make_dir, path)

    async def rename_path(self, project: str, src: str, dst: str) -> FileEntry:
        validate_project_name(project)
        return await asyncio.to_thread(self._fs(project).rename, src, dst)

    async def delete_path(self, project: str, path: str) -> None:
        validate_project_name(project)
        await asyncio.to_thread(self._fs(project).delete, path)

    # -- shells -------------------------------------------------------------------------
    async def open_shell(
        self, project: str, rows: int, cols: int, progress: ProgressCallback | None = None
    ) -> ShellSession:
        started, response = await self.open_exec(project, rows, cols, progress)
        return await self.adopt_shell(started, response)

    async def open_exec(
        self, project: str, rows: int, cols: int, progress: ProgressCallback | None = None
    ) -> tuple[StartedExec, Any]:
        """Start the container if needed, then a login shell's exec that nobody reads
        yet: ``adopt_shell`` reads it, here or in the process it is handed to (the warm
        start's helper opens it while the UI loads). Returns it and docker-py's response
        object holding its socket."""
        validate_project_name(project)
        for attempt in (1, 2):
            container_id = await self._running_container(project, progress)
            try:
                return await start_exec(
                    self.engine,
                    container_id=container_id,
                    project=project,
                    rows=rows,
                    cols=cols,
                    user=self._user,
                    extra_env=self._user_env,
                )
            except (NotFound, ContainerError):
                # Removed or stopped between our look and the exec: make it run again once.
                if attempt == 2 or await self.container_state(project) is ContainerState.RUNNING:
                    raise
        raise AssertionError("unreachable")

    async def adopt_shell(self, started: StartedExec, response: Any = None) -> ShellSession:
        """The session of an exec from ``open_exec`` (of this backend or of another
        process's, handed over), read by this event loop and closed with the others."""
        session = await adopt_shell(self.engine, started, response)
        self._sessions.add(session)
        session.on_closed = self._sessions.discard
        return session

    def open_sessions(self) -> list[DockerShellSession]:
        """Shell sessions opened by this backend and not closed yet."""
        return list(self._sessions)


__all__ = ["DockerBackend", "Limits"]
