"""Project containers: their names, labels, hardening, and life cycle.

One container per project, made on demand from the runner image and reused: named
``cloudide-<owner>-<project>``, labelled with the app, the owner and the project. The
backend only ever touches a container that carries our app label AND its owner: a
container found under our name without them is refused, never reused or removed.

Hardening (all by default): every capability dropped, no-new-privileges, docker-init as
PID 1 (reaps zombies), limits on processes, memory (no extra swap) and CPU, no network
(``network_mode="none"``: the engine may have no bridge at all), never privileged, and
the workspace as the only mount (never the Docker socket).

All functions here are blocking (docker-py): call them through ``Engine.call``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
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

WORKSPACE_MOUNT = "/workspace"


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of every project container.

    Attributes:
        memory: Memory limit in docker's notation ("1g", "512m"); swap is not added.
        cpus: CPUs the container may use (1.5 = one and a half cores).
        pids: Most processes and threads at once (stops fork bombs).
    """

    memory: str = defaults.MEMORY
    cpus: float = field(default_factory=defaults.cpus)
    pids: int = defaults.PIDS


def container_name(owner: str, project: str) -> str:
    """The predictable name of a project's container (both parts already validated)."""
    return f"cloudide-{owner}-{project}"


def owner_labels(owner: str) -> dict[str, str]:
    """The labels every container of ``owner`` carries (used to find them)."""
    return {APP_LABEL: APP_NAME, OWNER_LABEL: owner}


def project_labels(owner: str, project: str) -> dict[str, str]:
    """All labels of one project's container."""
    return {**owner_labels(owner), PROJECT_LABEL: project}


def is_ours(info: dict[str, Any], owner: str, project: str | None = None) -> bool:
    """Whether an inspected/listed container carries our app label and ``owner``."""
    labels = (info.get("Config") or {}).get("Labels") or info.get("Labels") or {}
    if labels.get(APP_LABEL) != APP_NAME or labels.get(OWNER_LABEL) != owner:
        return False
    return project is None or labels.get(PROJECT_LABEL) == project


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


def mounts_workspace(info: dict[str, Any], workspace: Path) -> bool:
    """Whether an inspected container mounts ``workspace`` at /workspace (blocking:
    both paths are resolved, so a symlink in the data dir path is not a difference)."""
    for mount in info.get("Mounts") or []:
        if mount.get("Destination") == WORKSPACE_MOUNT:
            return os.path.realpath(str(mount.get("Source"))) == os.path.realpath(workspace)
    return False


def inspect(api: docker.APIClient, owner: str, project: str) -> dict[str, Any] | None:
    """The project's container (inspect result), or None when it has none.

    Raises:
        ContainerError: a container with our name exists but is not ours.
    """
    name = container_name(owner, project)
    try:
        info: dict[str, Any] = api.inspect_container(name)
    except docker.errors.NotFound:
        return None
    if not is_ours(info, owner, project):
        raise ContainerError(
            f"A container named {name} exists but was not made by cloudide-tui for "
            f"{owner}; it is left alone.",
            hint=f"remove or rename it (docker rm {name}) to use project {project}",
        )
    return info


def find(api: docker.APIClient, owner: str, project: str) -> dict[str, Any] | None:
    """Like :func:`inspect`, but a container that is not ours counts as none (left alone)."""
    try:
        return inspect(api, owner, project)
    except ContainerError:
        return None


def list_states(api: docker.APIClient, owner: str) -> dict[str, ContainerState]:
    """Container state of each of ``owner``'s projects that has a container."""
    found = api.containers(
        all=True, filters={"label": [f"{k}={v}" for k, v in owner_labels(owner).items()]}
    )
    states: dict[str, ContainerState] = {}
    for entry in found:
        if not is_ours(entry, owner):
            continue
        project = (entry.get("Labels") or {}).get(PROJECT_LABEL)
        if project:
            states[project] = state_of(entry)
    return states


def host_config(api: docker.APIClient, workspace: Path, limits: Limits) -> dict[str, Any]:
    """The hardened HostConfig: see the module docstring for each choice."""
    return api.create_host_config(  # type: ignore[no-any-return]
        mounts=[docker.types.Mount(WORKSPACE_MOUNT, str(workspace), type="bind")],
        init=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges:true"],
        privileged=False,
        pids_limit=limits.pids,
        mem_limit=limits.memory,
        memswap_limit=limits.memory,
        nano_cpus=int(limits.cpus * 1_000_000_000),
        network_mode="none",
    )


def create(
    api: docker.APIClient,
    *,
    owner: str,
    project: str,
    image: str,
    workspace: Path,
    limits: Limits,
) -> str:
    """Create the project's container (not started); return its id.

    Raises:
        docker.errors.ImageNotFound: the runner image is missing (the caller builds it).
    """
    result = api.create_container(
        image,
        name=container_name(owner, project),
        hostname=project,
        labels=project_labels(owner, project),
        environment={"CLOUDIDE_PROJECT": project},
        working_dir=WORKSPACE_MOUNT,
        host_config=host_config(api, workspace, limits),
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
