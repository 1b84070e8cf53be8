"""DockerBackend: projects as workspace folders, each with its own Docker container.

The glue of the backend package: names are checked by ``validation`` (the one validator),
files go through ``WorkspaceFS`` (confined to the workspace, never following symlinks),
containers through ``containers``, shells through ``docker_shell``, the image through
``image``. Every blocking call runs in a worker thread; every docker-py error is
translated by ``engine.Engine`` before it reaches the caller.

Who runs in the container (:func:`host_account`): a named account with a persistent
home, whatever the host uid. When we run as root, containers run as ``dev`` (uid 1000)
and files written through the API are given to that uid/gid, so both sides own them.
When we run as a non-root host user, containers run as that user's uid:gid under the
user's login name, so files written in the shell belong to the host user and the API's
files are writable in the shell. The runner writes the account's passwd entry at start
(runner/cloudide-account); its home is the project's folder ``homes/<owner>/<project>``,
mounted at ``/home/<name>``: history and dotfiles outlive the container.

Disk limits (:mod:`disks`): when this process may mount (root), each new project gets a
disk image of ``disk`` bytes holding its workspace and home; every use of a project makes
sure its disk is mounted first.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from cloudide_tui import defaults, paths
from cloudide_tui.backend import containers, disks, image, watch
from cloudide_tui.backend.base import (
    Backend,
    Capabilities,
    ContainerState,
    FileContent,
    FileEntry,
    LimitCallback,
    ProgressCallback,
    ProjectInfo,
    ShellInfo,
    ShellSession,
)
from cloudide_tui.backend.containers import Account, Limits, Spec
from cloudide_tui.backend.docker_shell import DockerShellSession, adopt_shell, start_exec
from cloudide_tui.backend.engine import Engine
from cloudide_tui.backend.events import EventHub, EventSubscription, ShellEnded, ShellOpened
from cloudide_tui.backend.handoff import StartedExec
from cloudide_tui.backend.limit_watch import LimitReporter
from cloudide_tui.backend.workspace_fs import (
    WorkspaceFS,
    create_workspace,
    list_workspaces,
    remove_workspace,
    rename_workspace,
)
from cloudide_tui.config import Settings, size_bytes
from cloudide_tui.errors import (
    AlreadyExists,
    CloudIDEError,
    ContainerError,
    EngineUnavailable,
    ImageError,
    ImageMissing,
    NotAllowed,
    NotFound,
)
from cloudide_tui.validation import display, host_user_name, validate_owner, validate_project_name

T = TypeVar("T")

ROOT_ACCOUNT = Account(defaults.CONTAINER_USER, defaults.CONTAINER_UID, defaults.CONTAINER_GID)
"""Who containers run as when the app runs as root: never root itself."""


def host_account() -> Account:
    """The account containers run as for this host user (see the module docstring)."""
    euid = os.geteuid()
    if euid == 0:
        return ROOT_ACCOUNT
    return Account(host_user_name(), euid, os.getegid())


class DockerBackend(Backend):
    """The local backend: workspaces under ``data_dir``, containers on a Docker engine.

    Args:
        data_dir: Workspaces live in ``<data_dir>/workspaces/<owner>/<project>``.
        image: The runner image containers are made from (built when missing).
        owner: Whose projects these are; part of container names and labels.
        docker_host: The engine's address; None: docker-py's environment / default socket.
        owner: Whose projects these are; part of container names and labels. Default:
            this host user's login name (``validation.host_user_name``).
        memory, cpus, pids, tmp_size: Limits of every container (``containers.Limits``);
            the defaults are the settings' (``cloudide_tui.defaults``).
        disk: Disk limit of each new project, bytes or a size like "10g" (0: none);
            applied only where this process can mount disks (``disks.problem()`` says
            why not).
        runtime: The engine's OCI runtime for containers (``"runsc"`` for gVisor); None:
            the engine's default.
        account: Who runs in the containers; default :func:`host_account`.
        build_script: The image build script (default: the one shipped with the package,
            ``image.default_build_script()``).

    Raises:
        InvalidName: ``owner`` is not a valid owner name.
    """

    #: Shells end with this process; the image is built here; the app stops containers.
    capabilities = Capabilities(
        sessions_persist=False, prepares_image_locally=True, stop_containers_on_quit=True
    )

    def __init__(
        self,
        data_dir: Path,
        *,
        image: str = defaults.IMAGE,
        owner: str | None = None,
        docker_host: str | None = None,
        memory: str = defaults.MEMORY,
        cpus: float | None = None,
        pids: int = defaults.PIDS,
        tmp_size: str = defaults.TMP_SIZE,
        disk: int | str = defaults.DISK,
        runtime: str | None = None,
        account: Account | None = None,
        build_script: Path | None = None,
    ) -> None:
        # Resolved once: the workspace's real path is its container's identity, and a
        # bind mount needs an absolute path.
        self.data_dir = Path(os.path.realpath(data_dir))
        self.image = image
        self.owner = validate_owner(host_user_name() if owner is None else owner)
        self.limits = Limits(
            memory=memory,
            cpus=defaults.cpus() if cpus is None else cpus,
            pids=pids,
            tmp_size=tmp_size,
        )
        self.runtime = runtime
        self.account = account or host_account()
        self.build_script = build_script
        self.engine = Engine(docker_host)
        self.description = self.engine.description
        # Root gives what the API writes to the account; anyone else's files are theirs.
        root = os.geteuid() == 0
        self._uid = self.account.uid if root else None
        self._gid = self.account.gid if root else None
        self.disk = size_bytes(disk) if isinstance(disk, str) else disk
        """Disk limit of each new project, in bytes (0: none)."""
        self.disk_problem = "disk limits are off (disk = 0)" if self.disk <= 0 else disks.problem()
        """Why new projects get no disk limit (None: they get ``disk`` bytes each)."""
        self._sessions: set[DockerShellSession] = set()
        #: session id -> (project, opened at, session), in opening order.
        self._shells: dict[str, tuple[str, float, DockerShellSession]] = {}
        self._opened: set[str] = set()  # projects whose containers we ran: disks to watch
        self._limits = LimitReporter(
            self.engine.new_client,
            self.owner,
            memory_limit=self.limits.memory,
            project_of=self._project_of,
            disks=self._disk_usages,
            disk_limit=self._disk_limit,
        )
        self._image_lock = asyncio.Lock()
        self._container_locks: dict[str, asyncio.Lock] = {}
        self._hub = EventHub(start=self._start_watching, stop=self._stop_watching)
        self._files_watch = watch.FileWatch(self.workspaces, self._hub.publish)
        self._files_stopping: asyncio.Future[None] | None = None
        self._watch_stop: asyncio.Event | None = None
        self._watchers: list[asyncio.Task[None]] = []

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
            tmp_size=s.tmp_size,
            disk=s.disk_bytes,
            runtime=s.runtime,
        )

    # -- helpers ------------------------------------------------------------------------
    @property
    def workspaces(self) -> Path:
        """The folder holding this owner's workspaces."""
        return paths.workspaces_dir(self.data_dir, self.owner)

    @property
    def homes(self) -> Path:
        """The folder holding this owner's project homes."""
        return paths.homes_dir(self.data_dir, self.owner)

    def _workspace(self, project: str) -> Path:
        return paths.workspace_dir(self.data_dir, self.owner, project)

    def _disk(self, project: str) -> disks.ProjectDisk:
        return disks.ProjectDisk.of(self.data_dir, self.owner, project)

    def spec(self, project: str) -> Spec:
        """What the project's container is made from (and so its name and labels)."""
        return Spec(
            owner=self.owner,
            project=project,
            workspace=str(self._workspace(project)),
            home=str(paths.home_dir(self.data_dir, self.owner, project)),
            image=self.image,
            account=self.account,
            limits=self.limits,
            runtime=self.runtime,
        )

    def container_name(self, project: str) -> str:
        """The name of the project's container (tied to this data dir's workspace)."""
        return self.spec(validate_project_name(project)).name

    def _ready_fs(self, project: str) -> WorkspaceFS:
        """The project's files, its disk mounted first (blocking: call in a thread)."""
        disks.ensure(self._disk(project), self._uid, self._gid)
        return WorkspaceFS(self._workspace(project), uid=self._uid, gid=self._gid)

    async def _in_workspace(self, project: str, work: Callable[[WorkspaceFS], T]) -> T:
        """Run a file operation on the project's workspace in a thread."""
        validate_project_name(project)
        return await asyncio.to_thread(lambda: work(self._ready_fs(project)))

    def _prepare(self, project: str) -> Path:
        """Check the project exists, mount its disk, make its home (blocking)."""
        root = self._workspace(project)
        if not root.is_dir():
            raise NotFound(f"There is no project called {display(project)}.")
        disks.ensure(self._disk(project), self._uid, self._gid)
        home = paths.home_dir(self.data_dir, self.owner, project)
        if not home.is_dir():
            home.mkdir(mode=0o700, parents=True)
            if self._uid is not None and self._gid is not None:
                os.chown(home, self._uid, self._gid)
        return root

    async def _require_project(self, project: str) -> Path:
        """The project's workspace folder; NotFound when there is no such project."""
        root = await asyncio.to_thread(self._prepare, project)
        await self._files_watch.follow_mounts(project)  # its disk may have been mounted now
        return root

    async def _inspect(self, project: str) -> dict[str, Any] | None:
        api = await self.engine.api()
        return await self.engine.call(
            "looking up the container", containers.inspect, api, self.spec(project)
        )

    async def _inspect_any(self, project: str) -> dict[str, Any] | None:
        """The project's container, or the one an earlier version made for it."""
        info = await self._inspect(project)
        if info is None:
            api = await self.engine.api()
            info = await self.engine.call(
                "looking up the container", containers.inspect_legacy, api, self.spec(project)
            )
        return info

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
        self._limits.stop()
        sessions = list(self._sessions)
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        await self._hub.close()
        await self._stopped_watching()
        await self.engine.close()

    # -- limits -------------------------------------------------------------------------
    def watch_limits(self, callback: LimitCallback) -> Callable[[], None]:
        """Report out-of-memory kills (the engine's ``oom`` events, the process named from
        the kernel log where we may read it) and full disks (polled) of this backend's
        projects; see ``limit_watch``. Callbacks come from daemon threads."""
        return self._limits.add(callback)

    def _project_of(self, labels: dict[str, str]) -> str | None:
        """The project whose container carries these labels, if it is this data dir's."""
        project = labels.get(containers.PROJECT_LABEL, "")
        try:
            validate_project_name(project)
        except CloudIDEError:
            return None
        if labels.get(containers.WORKSPACE_LABEL) != str(self._workspace(project)):
            return None
        return project

    def _disk_usages(self) -> list[tuple[str, int, int]]:
        found = []
        for project in list(self._opened):
            usage = disks.usage(self._disk(project))
            if usage is not None:
                found.append((project, *usage))
        return found

    def _disk_limit(self, project: str) -> str | None:
        try:
            return disks.size_words(self._disk(project).image.stat().st_size)
        except OSError:
            return None

    # -- projects -----------------------------------------------------------------------
    async def list_projects(self) -> list[ProjectInfo]:
        names = await asyncio.to_thread(list_workspaces, self.workspaces)
        try:
            api = await self.engine.api()
            states = await self.engine.call(
                "listing containers",
                containers.list_states,
                api,
                self.owner,
                str(self.workspaces),
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
        await asyncio.to_thread(self._create, name)
        await self._files_watch.follow_mounts(name)  # its disk is mounted over its folder
        return ProjectInfo(name, self.owner, await self.container_state(name))

    def _create(self, name: str) -> None:
        """The workspace, and its disk where limits are on (blocking)."""
        create_workspace(self.workspaces, name, uid=self._uid, gid=self._gid)
        if self.disk_problem is not None:
            return
        try:
            self._prepare(name)  # the home folder: the disk's mount point too
            disks.make(self._disk(name), self.disk, self._uid, self._gid)
        except BaseException:
            remove_workspace(self.workspaces, name)
            with contextlib.suppress(OSError):
                paths.home_dir(self.data_dir, self.owner, name).rmdir()
            raise

    async def rename_project(self, old: str, new: str) -> ProjectInfo:
        validate_project_name(old)
        validate_project_name(new)
        await self._require_project(old)
        if await asyncio.to_thread(os.path.lexists, self._workspace(new)):
            raise AlreadyExists(f"A project called {display(new)} exists already.")
        # The container mounts the old folder and bears the old name: it goes (its shells
        # end with "container removed") and is made again under the new name on demand.
        await self._remove_container(old)
        self._opened.discard(old)
        await asyncio.to_thread(self._rename, old, new)
        return ProjectInfo(new, self.owner, await self.container_state(new))

    def _rename(self, old: str, new: str) -> None:
        """Move the disk, the workspace and the home to the new name (blocking)."""
        disks.rename(self._disk(old), self._disk(new))
        rename_workspace(self.workspaces, old, new)
        if (self.homes / old).is_dir():
            rename_workspace(self.homes, old, new)

    async def delete_project(self, name: str) -> None:
        validate_project_name(name)
        await self._require_project(name)
        await self._remove_container(name)
        self._opened.discard(name)
        await asyncio.to_thread(self._delete, name)

    def _delete(self, name: str) -> None:
        """Remove the disk, the workspace and the home, for good (blocking)."""
        disks.remove(self._disk(name))
        remove_workspace(self.workspaces, name)
        if (self.homes / name).is_dir():
            remove_workspace(self.homes, name)

    async def _remove_container(self, project: str) -> None:
        """Remove the project's container (and one an earlier version made for it).

        A stranger's container under our name is left alone.
        """
        api = await self.engine.api()
        spec = self.spec(project)
        async with self._lock(project):
            for lookup in (containers.inspect, containers.inspect_legacy):
                try:
                    info = await self.engine.call("looking up the container", lookup, api, spec)
                except ContainerError:
                    continue
                if info is not None:
                    await self.engine.call(
                        "removing the container", containers.remove, api, info["Id"]
                    )

    # -- containers ---------------------------------------------------------------------
    async def container_state(self, project: str) -> ContainerState:
        validate_project_name(project)
        return containers.state_of(await self._inspect_any(project))

    async def start_container(self, project: str, progress: ProgressCallback | None = None) -> None:
        validate_project_name(project)
        await self._running_container(project, progress)

    async def _running_container(
        self, project: str, progress: ProgressCallback | None = None
    ) -> str:
        """The id of the project's container, created and started as needed."""
        await self._require_project(project)
        self._opened.add(project)
        api = await self.engine.api()
        say = progress or (lambda line: None)

        spec = self.spec(project)
        async with self._lock(project):
            legacy = await self.engine.call(
                "looking up the container", containers.inspect_legacy, api, spec
            )
            if legacy is not None:
                # Made by an earlier version for this workspace: without today's hardening.
                say(f"replacing the container of {project} (made by an earlier version)")
                await self.engine.call(
                    "removing the container", containers.remove, api, legacy["Id"]
                )
            info = await self._inspect(project)
            if info is not None and not containers.is_current(info, spec):
                say(f"replacing the container of {project} (the settings changed)")
                await self.engine.call("removing the container", containers.remove, api, info["Id"])
                info = None
            if containers.state_of(info) is not ContainerState.RUNNING:
                await self._grow_disk(project, say)
            if info is None:
                # Only the default image is built on the way (a first run); another name
                # may be a typo: start-up asked about it (ImageMissing otherwise).
                await self._ensure_image(api, progress, build=self.image == defaults.IMAGE)
                if self.disk_problem is not None and not self._disk(project).exists():
                    say(f"project {project} has no disk limit: {self.disk_problem}")
                say(f"creating the container of {project}")
                container_id = await self._create_container(api, spec)
            else:
                container_id = str(info["Id"])
                if containers.state_of(info) is ContainerState.RUNNING:
                    return container_id
            say(f"starting the container of {project}")
            await self.engine.call("starting the container", containers.start, api, container_id)
            return container_id

    async def _grow_disk(self, project: str, say: ProgressCallback) -> None:
        """Grow the project's disk to ``disk`` if the setting was raised (container down)."""
        if self.disk_problem is None and await asyncio.to_thread(
            disks.grow, self._disk(project), self.disk, self._uid, self._gid
        ):
            say(f"grew the disk of {project} to {disks.size_words(self.disk)}")

    async def _create_container(self, api: Any, spec: Spec) -> str:
        try:
            return await self.engine.call("creating the container", containers.create, api, spec)
        except ContainerError as e:
            if spec.runtime and "runtime" in e.message.lower():
                raise ContainerError(
                    f"The Docker engine has no container runtime {spec.runtime!r}: {e.message}",
                    hint="register it in /etc/docker/daemon.json (scripts/ensure-docker.sh "
                    "does it for runsc), or remove the runtime setting",
                ) from None
            raise

    async def stop_container(self, project: str) -> None:
        validate_project_name(project)
        api = await self.engine.api()
        async with self._lock(project):
            info = await self._inspect_any(project)
            if info is not None and containers.state_of(info) is ContainerState.RUNNING:
                await self.engine.call("stopping the container", containers.stop, api, info["Id"])

    # -- files --------------------------------------------------------------------------
    async def list_dir(self, project: str, path: str = "") -> list[FileEntry]:
        return await self._in_workspace(project, lambda fs: fs.list_dir(path))

    async def stat(self, project: str, path: str) -> FileEntry:
        return await self._in_workspace(project, lambda fs: fs.stat(path))

    async def read_file(
        self, project: str, path: str, limit: int = defaults.READ_LIMIT
    ) -> FileContent:
        return await self._in_workspace(project, lambda fs: fs.read_file(path, limit))

    async def write_file(
        self, project: str, path: str, data: bytes, *, expected_version: str | None = None
    ) -> FileEntry:
        return await self._in_workspace(
            project, lambda fs: fs.write_file(path, data, expected_version=expected_version)
        )

    async def make_dir(self, project: str, path: str) -> FileEntry:
        return await self._in_workspace(project, lambda fs: fs.make_dir(path))

    async def rename_path(self, project: str, src: str, dst: str) -> FileEntry:
        return await self._in_workspace(project, lambda fs: fs.rename(src, dst))

    async def delete_path(self, project: str, path: str) -> None:
        await self._in_workspace(project, lambda fs: fs.delete(path))

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
                    user=self.account.user,
                    extra_env=self.account.environment(),
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
        self._shells[session.session_id] = (started.project, time.time(), session)
        session.on_closed = self._forget_session
        self._hub.publish(ShellOpened(started.project, session.session_id))
        return session

    def _forget_session(self, session: DockerShellSession) -> None:
        self._sessions.discard(session)
        entry = self._shells.pop(session.session_id, None)
        if entry is not None:
            self._hub.publish(
                ShellEnded(
                    entry[0],
                    session.session_id,
                    session.exit_status,
                    session.end_reason or "session closed",
                )
            )

    def open_sessions(self) -> list[DockerShellSession]:
        """Shell sessions opened by this backend and not closed yet."""
        return list(self._sessions)

    async def list_shells(self, project: str) -> list[ShellInfo]:
        validate_project_name(project)
        return [
            ShellInfo(session_id, name, started)
            for session_id, (name, started, session) in self._shells.items()
            if name == project and session.end_reason is None
        ]

    async def attach_shell(
        self,
        session_id: str,
        *,
        rows: int | None = None,
        cols: int | None = None,
        read_only: bool = False,
    ) -> ShellSession:
        if read_only:
            raise NotAllowed(
                "A local shell has one viewer: it cannot be watched read-only.",
                hint="shared, read-only views are a cloudide-server's",
            )
        entry = self._shells.get(session_id) if isinstance(session_id, str) else None
        if entry is None or entry[2].end_reason is not None:
            raise NotFound(f"There is no running shell session {display(str(session_id))}.")
        session = entry[2]
        if rows is not None and cols is not None:
            await session.resize(rows, cols)
        return session

    # -- change events --------------------------------------------------------------------
    def events(self, project: str | None = None) -> EventSubscription:
        if project is not None:
            validate_project_name(project)
        return self._hub.subscribe(project)

    async def _start_watching(self) -> None:
        """Start the file and container watches; return once both watch."""
        stop = self._watch_stop = asyncio.Event()
        engine_ready = asyncio.get_running_loop().create_future()
        self._watchers = [
            asyncio.ensure_future(self._files_watch.start()),
            asyncio.ensure_future(
                watch.watch_containers(
                    self.engine, self.owner, self._hub.publish, stop, engine_ready
                )
            ),
        ]
        # a watch that fails (no engine, no folder) must not hold subscribers up
        await asyncio.wait([self._watchers[0], engine_ready], timeout=10)

    def _stop_watching(self) -> None:
        if self._watch_stop is not None:
            self._watch_stop.set()
        self._files_stopping = asyncio.ensure_future(self._files_watch.stop())

    async def _stopped_watching(self) -> None:
        self._stop_watching()
        await self._files_watch.stop()
        watchers, self._watchers = self._watchers, []
        for task in watchers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)


__all__ = ["DockerBackend", "Limits"]
