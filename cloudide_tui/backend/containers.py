"""Project containers: their identity, labels, hardening, and life cycle.

One container per project *workspace*, made on demand from the runner image and reused.
A container is tied to the workspace folder it mounts, never to a name alone: two data
dirs (or two host users) may both have an owner ``local`` with a project ``demo``, and
each must keep its own container. So the name is ``cloudide-<owner>-<project>-<key>``
where ``<key>`` is a short hash of the resolved workspace path, and the labels hold the
app, the owner, the project and that path. The backend only ever touches a container
carrying all of them for its own workspace: anything else found under our name is
refused with a message, never reused, replaced or removed.

Containers made before this scheme (``cloudide-<owner>-<project>``, no workspace label)
are recognised when they mount this very workspace (:func:`inspect_legacy`): they show
in listings, stop and are removed with the project, and the first shell replaces them
(their HostConfig lacks today's hardening). One mounting another workspace is another
data dir's: left alone.

Hardening (all by default): every capability dropped, no-new-privileges, our own seccomp
profile (``seccomp.json``: Docker's default minus io_uring, see
scripts/make_seccomp_profile.py), docker-init as PID 1, a read-only root file system with
size-limited tmpfs at /tmp and /run/cloudide, the workspace and the project's persistent
home as the only other writable folders, explicit ulimits, limits on processes, memory
(no extra swap) and CPU, no network (``network_mode="none"``), never privileged, never the
Docker socket. Everything runs as the project's :class:`Account` (a uid:gid, never root).
A container remembers what it was made from (a digest label): when the settings change
(more memory, another image), the next shell makes it again with the new ones.

All functions here are blocking (docker-py): call them through ``Engine.call``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types

from cloudide_tui import defaults
from cloudide_tui.backend.base import ContainerState
from cloudide_tui.errors import ContainerError

APP_LABEL = "cloudide.app"
APP_NAME = "cloudide-tui"
PROJECT_LABEL = "cloudide.project"
OWNER_LABEL = "cloudide.owner"
WORKSPACE_LABEL = "cloudide.workspace"
"""The resolved host path of the workspace the container mounts (its identity)."""
SPEC_LABEL = "cloudide.spec"
"""Digest of everything the container was made from (:meth:`Spec.digest`)."""

WORKSPACE_MOUNT = "/workspace"
ACCOUNT_DIR = "/run/cloudide"
"""tmpfs holding the account files (the image's /etc/passwd and /etc/group point here)."""

NOFILE = (16384, 16384)
"""Open files per process (soft, hard): explicit, not whatever dockerd inherited. The
engine cannot give more than its own hard limit unless it holds CAP_SYS_RESOURCE (this
sandbox withholds it even from root): 16384 fits under every common dockerd set-up
(systemd's unit: 1048576; here 20000). Soft
equals hard because runc 1.1 (Debian's) races with the Go runtime in ``runc exec``, which
raises the soft limit to the hard one: an exec'd shell got one or the other at random."""
NPROC = 65536
"""Processes per uid. The kernel counts this per uid across the whole host (every
container and host process of that uid: all projects run as the same uid), so a low
value would let one busy project (or the host user's own processes) stop another's
shells from starting; it is set far above what a machine's projects need together, as
the worst-case bound. The limit per project is ``pids`` (a cgroup of that container)."""


KEY_LENGTH = 10
"""Hex digits of the workspace hash in container names (40 bits: no accidental clash)."""

SECCOMP_PROFILE = Path(__file__).with_name("seccomp.json")

#: Bumped when what a container is made from changes meaning (its digest then differs).
SPEC_VERSION = 2


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of every project container.

    Attributes:
        memory: Memory limit in docker's notation ("1g", "512m"); swap is not added.
        cpus: CPUs the container may use (1.5 = one and a half cores).
        pids: Most processes and threads at once (stops fork bombs).
        tmp_size: Size of the /tmp tmpfs, docker's notation.
    """

    memory: str = defaults.MEMORY
    cpus: float = field(default_factory=defaults.cpus)
    pids: int = defaults.PIDS
    tmp_size: str = defaults.TMP_SIZE


@dataclass(frozen=True, slots=True)
class Account:
    """Who everything in a project's container runs as: a named account with a home.

    ``name`` becomes the passwd entry the runner writes at start (runner/cloudide-account)
    and the home folder ``/home/<name>``, where the project's persistent home is mounted.
    """

    name: str
    uid: int
    gid: int

    @property
    def home(self) -> str:
        """The home folder inside the container."""
        return f"/home/{self.name}"

    @property
    def user(self) -> str:
        """Docker's ``user`` value: numeric, so it needs no lookup in the image."""
        return f"{self.uid}:{self.gid}"

    def environment(self) -> dict[str, str]:
        """What the container and every exec in it get to know the account by."""
        return {"CLOUDIDE_USER": self.name, "HOME": self.home, "USER": self.name}


@dataclass(frozen=True, slots=True)
class Spec:
    """Everything one project's container is made from, and so its identity.

    Attributes:
        owner, project: Validated names.
        workspace: The workspace's resolved host path (bind-mounted at /workspace).
        home: The host folder mounted as the account's home (persistent).
        image: The runner image.
        account: Who runs in it.
        limits: Resource limits.
        runtime: The engine's OCI runtime (None: the engine's default, runc).
    """

    owner: str
    project: str
    workspace: str
    home: str
    image: str
    account: Account
    limits: Limits = field(default_factory=Limits)
    runtime: str | None = None

    @property
    def name(self) -> str:
        """The container's name (see :func:`container_name`)."""
        return container_name(self.owner, self.project, self.workspace)

    @property
    def legacy_name(self) -> str:
        """The name a container for this project had before names carried a key."""
        return f"cloudide-{self.owner}-{self.project}"

    def labels(self) -> dict[str, str]:
        """All labels of the container."""
        return {
            **owner_labels(self.owner),
            PROJECT_LABEL: self.project,
            WORKSPACE_LABEL: self.workspace,
            SPEC_LABEL: self.digest(),
        }

    def digest(self) -> str:
        """A digest of what the container is made from (the seccomp profile included):
        a container whose label differs was made from other settings."""
        facts = {"version": SPEC_VERSION, **asdict(self), "seccomp": _profile_digest()}
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


@functools.cache
def _profile_digest() -> str:
    return hashlib.sha256(SECCOMP_PROFILE.read_bytes()).hexdigest()


@functools.cache
def seccomp_profile() -> str:
    """The profile's JSON text, as the engine takes it in ``security_opt``."""
    return json.dumps(json.loads(SECCOMP_PROFILE.read_text()), separators=(",", ":"))


def workspace_key(workspace: str) -> str:
    """The short hash of a resolved workspace path that goes into container names."""
    return hashlib.sha256(workspace.encode("utf-8", "surrogateescape")).hexdigest()[:KEY_LENGTH]


def container_name(owner: str, project: str, workspace: str) -> str:
    """The name of the container of the workspace at ``workspace`` (a resolved path)."""
    return f"cloudide-{owner}-{project}-{workspace_key(workspace)}"


def owner_labels(owner: str) -> dict[str, str]:
    """The labels every container of ``owner`` carries (used to find them)."""
    return {APP_LABEL: APP_NAME, OWNER_LABEL: owner}


def _labels(info: dict[str, Any]) -> dict[str, str]:
    return (info.get("Config") or {}).get("Labels") or info.get("Labels") or {}


def is_ours(info: dict[str, Any], owner: str, project: str | None = None) -> bool:
    """Whether an inspected/listed container carries our app label and ``owner`` (and
    ``project`` when given). Says nothing about the workspace: see :func:`belongs_to`."""
    labels = _labels(info)
    if labels.get(APP_LABEL) != APP_NAME or labels.get(OWNER_LABEL) != owner:
        return False
    return project is None or labels.get(PROJECT_LABEL) == project


def belongs_to(info: dict[str, Any], spec: Spec) -> bool:
    """Whether a container is this workspace's: our labels, this workspace's path in its
    workspace label, and that folder really mounted at /workspace (blocking)."""
    return (
        is_ours(info, spec.owner, spec.project)
        and _labels(info).get(WORKSPACE_LABEL) == spec.workspace
        and mounts_workspace(info, spec.workspace)
    )


def is_current(info: dict[str, Any], spec: Spec) -> bool:
    """Whether the container was made from exactly these settings."""
    return _labels(info).get(SPEC_LABEL) == spec.digest()


def state_of(info: dict[str, Any] | None) -> ContainerState:
    """running / stopped / none from an inspect result (None: no container)."""
    if info is None:
        return ContainerState.NONE
    state = info.get("State") or {}
    if isinstance(state, dict):
        running = bool(state.get("Running")) and not state.get("Paused")
    else:  # a list entry: State is a word
        running = state == "running"
    return ContainerState.RUNNING if running else ContainerState.STOPPED


def mounts_workspace(info: dict[str, Any], workspace: str | Path) -> bool:
    """Whether an inspected or listed container mounts ``workspace`` at /workspace
    (blocking: both paths are resolved, so a symlink in the data dir path is no difference)."""
    for mount in info.get("Mounts") or []:
        if mount.get("Destination") == WORKSPACE_MOUNT:
            return os.path.realpath(str(mount.get("Source"))) == os.path.realpath(workspace)
    return False


def inspect(api: docker.APIClient, spec: Spec) -> dict[str, Any] | None:
    """The workspace's container (inspect result), or None when it has none.

    Raises:
        ContainerError: a container with its name exists but is not this workspace's
            (someone else's: it is left alone, and we never suggest touching it).
    """
    try:
        info: dict[str, Any] = api.inspect_container(spec.name)
    except docker.errors.NotFound:
        return None
    if not belongs_to(info, spec):
        raise ContainerError(
            f"A container named {spec.name} exists but was not made by cloudide-tui for "
            f"this workspace of project {spec.project}; it is not yours to change, so it "
            "is left alone.",
            hint="whoever made it can remove it; or use another project name",
        )
    return info


def inspect_legacy(api: docker.APIClient, spec: Spec) -> dict[str, Any] | None:
    """The container an earlier cloudide-tui made for this very workspace (named
    ``cloudide-<owner>-<project>``, no workspace label), or None."""
    try:
        info: dict[str, Any] = api.inspect_container(spec.legacy_name)
    except docker.errors.NotFound:
        return None
    labels = _labels(info)
    if (
        is_ours(info, spec.owner, spec.project)
        and WORKSPACE_LABEL not in labels
        and mounts_workspace(info, spec.workspace)
    ):
        return info
    return None


def list_states(api: docker.APIClient, owner: str, workspaces: str) -> dict[str, ContainerState]:
    """Container state of each of ``owner``'s projects under ``workspaces`` (the owner's
    resolved workspaces folder) that has a container; other data dirs' are not counted."""
    found = api.containers(
        all=True, filters={"label": [f"{k}={v}" for k, v in owner_labels(owner).items()]}
    )
    states: dict[str, ContainerState] = {}
    legacy: dict[str, ContainerState] = {}
    for entry in found:
        if not is_ours(entry, owner):
            continue
        labels = _labels(entry)
        project = labels.get(PROJECT_LABEL)
        if not project:
            continue
        expected = os.path.join(workspaces, project)
        if WORKSPACE_LABEL in labels:
            if labels[WORKSPACE_LABEL] == expected and mounts_workspace(entry, expected):
                states[project] = state_of(entry)
        elif f"/cloudide-{owner}-{project}" in (entry.get("Names") or []) and mounts_workspace(
            entry, expected
        ):
            legacy[project] = state_of(entry)
    return {**legacy, **states}


def host_config(api: docker.APIClient, spec: Spec) -> dict[str, Any]:
    """The hardened HostConfig: see the module docstring for each choice."""
    limits = spec.limits
    account = spec.account
    return api.create_host_config(  # type: ignore[no-any-return]
        mounts=[
            docker.types.Mount(WORKSPACE_MOUNT, spec.workspace, type="bind"),
            docker.types.Mount(account.home, spec.home, type="bind"),
        ],
        read_only=True,
        tmpfs={
            "/tmp": f"rw,nosuid,nodev,size={limits.tmp_size},mode=1777",
            ACCOUNT_DIR: (
                f"rw,nosuid,nodev,noexec,size=1m,mode=0755,uid={account.uid},gid={account.gid}"
            ),
        },
        init=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges:true", f"seccomp={seccomp_profile()}"],
        privileged=False,
        ulimits=[
            docker.types.Ulimit(name="nofile", soft=NOFILE[0], hard=NOFILE[1]),
            docker.types.Ulimit(name="nproc", soft=NPROC, hard=NPROC),
            docker.types.Ulimit(name="core", soft=0, hard=0),
        ],
        pids_limit=limits.pids,
        mem_limit=limits.memory,
        memswap_limit=limits.memory,
        nano_cpus=int(limits.cpus * 1_000_000_000),
        network_mode="none",
        runtime=spec.runtime,
    )


def create(api: docker.APIClient, spec: Spec) -> str:
    """Create the workspace's container (not started); return its id.

    Raises:
        docker.errors.ImageNotFound: the runner image is missing (the caller builds it).
    """
    result = api.create_container(
        spec.image,
        name=spec.name,
        hostname=spec.project,
        user=spec.account.user,
        labels=spec.labels(),
        environment={"CLOUDIDE_PROJECT": spec.project, **spec.account.environment()},
        working_dir=WORKSPACE_MOUNT,
        host_config=host_config(api, spec),
        detach=True,
    )
    return str(result["Id"])


def start(api: docker.APIClient, container_id: str) -> None:
    """Start a created or stopped container."""
    api.start(container_id)


def stop(api: docker.APIClient, container_id: str, timeout: int = 5) -> None:
    """Stop it (SIGTERM to docker-init, SIGKILL after ``timeout`` seconds)."""
    api.stop(container_id, timeout=timeout)


def remove(api: docker.APIClient, container_id: str) -> None:
    """Remove it, running or not (its shells end); workspace files stay on the host."""
    with contextlib.suppress(docker.errors.NotFound):
        api.remove_container(container_id, force=True)
