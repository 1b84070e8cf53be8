"""Stronger isolation, what it costs: shells under gVisor (and a userns-remap engine) vs runc

An optional figure (``python -m bench isolation``). The same backend, image and hardened
container, in one run, on the default runtime (runc: the anchor) and on gVisor
(``runtime = "runsc"``, registered by scripts/ensure-docker.sh); with
``CLOUDIDE_USERNS_HOST`` naming a second engine started with ``--userns-remap=default``
(docs/backend.md says how), on that one too. For each: the cold open (container created
and started, first prompt), the warm open (container running, until the first prompt
bytes), the echo round trip (p50 of type ``echo xN``, see ``xN``), and the output
throughput of a shell printing 32 MiB (``head -c 32M /dev/zero | tr``) read through the
session. Configurations are measured one after the other, so the machine's noise is not
shared as evenly as interleaving would: read ratios, not single figures.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import docker

from bench.report import Report, percentile
from bench.shells import echo_marker, read_until
from cloudide_tui import defaults
from cloudide_tui.backend import disks
from cloudide_tui.backend.containers import APP_LABEL, APP_NAME, OWNER_LABEL
from cloudide_tui.backend.docker_backend import DockerBackend

IMAGE = os.environ.get("CLOUDIDE_IMAGE") or defaults.IMAGE
OPENS = 10
ROUND_TRIPS = 100
THROUGHPUT_BYTES = 32 << 20
PROJECT = "iso"


async def _figures(backend: DockerBackend) -> dict[str, float]:
    start = time.perf_counter()
    session = await backend.open_shell(PROJECT, 24, 80)
    await read_until(session, re.compile(rb"\$ "))
    cold = time.perf_counter() - start
    await session.close()

    opens = []
    for _ in range(OPENS):
        await asyncio.sleep(0.2)  # the previous shell's teardown
        start = time.perf_counter()
        session = await backend.open_shell(PROJECT, 24, 80)
        assert await session.read(), session.end_reason
        opens.append(time.perf_counter() - start)
        await session.close()

    session = await backend.open_shell(PROJECT, 24, 80)
    try:
        await read_until(session, re.compile(rb"\$ "))
        echoes = []
        for n in range(ROUND_TRIPS):
            start = time.perf_counter()
            await session.write(b"echo x%d\r" % n)
            await read_until(session, echo_marker(n))
            echoes.append(time.perf_counter() - start)
        await session.write(b"head -c %d /dev/zero | tr '\\0' a; echo; echo done-$((6*7))\r" % (
            THROUGHPUT_BYTES
        ))  # fmt: skip
        start = time.perf_counter()
        received = await read_until(session, re.compile(rb"done-42"))
        throughput = received / (time.perf_counter() - start) / (1 << 20)
    finally:
        await session.close()
    return {
        "cold": cold,
        "open": statistics.median(opens),
        "echo": percentile(echoes, 50) * 1000,
        "throughput": throughput,
    }


def _remove(owner: str, docker_host: str | None) -> None:
    if docker_host:
        api = docker.APIClient(base_url=docker_host, version="auto")
    else:
        api = docker.APIClient(version="auto", **docker.utils.kwargs_from_env())
    try:
        labels = [f"{APP_LABEL}={APP_NAME}", f"{OWNER_LABEL}={owner}"]
        for entry in api.containers(all=True, filters={"label": labels}):
            api.remove_container(entry["Id"], force=True)
    finally:
        api.close()


async def _measure(name: str, runtime: str | None, docker_host: str | None) -> dict[str, float]:
    owner = f"bench-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="cloudide-bench-iso-") as tmp:
        os.chmod(tmp, 0o755)
        backend = DockerBackend(
            Path(tmp), owner=owner, image=IMAGE, runtime=runtime, docker_host=docker_host
        )
        try:
            await backend.ensure_ready()
            await backend.create_project(PROJECT)
            if docker_host:  # a userns-remap engine: files belong to the remapped uid
                _give_to_remapped(backend)
            return await _figures(backend)
        finally:
            await backend.close()
            _remove(owner, docker_host)
            disks.release_under(Path(tmp))


def _give_to_remapped(backend: DockerBackend) -> None:
    """What a userns-remap engine needs and the backend does not do yet: the project's
    folders owned by the remapped uid (dockremap's first subordinate id + ours)."""
    with open("/etc/subuid") as subuid:
        offset = next(int(line.split(":")[1]) for line in subuid if line.startswith("dockremap:"))
    uid = offset + backend.account.uid
    for top in (backend.workspaces / PROJECT, backend.homes / PROJECT):
        for root, dirs, files in os.walk(top):
            for name in [root, *(os.path.join(root, f) for f in dirs + files)]:
                os.lchown(name, uid, uid)


def run(report: Report) -> None:
    configs: list[tuple[str, str | None, str | None]] = [
        ("runc", None, None),
        ("gVisor (runsc)", "runsc", None),
    ]
    userns = os.environ.get("CLOUDIDE_USERNS_HOST")
    if userns:
        configs.append(("userns-remap engine", None, userns))
    results = {name: asyncio.run(_measure(name, runtime, host)) for name, runtime, host in configs}
    anchor = results["runc"]
    for name, figures in results.items():
        if name == "runc":
            continue
        report.add(
            f"{name}: cold open", figures["cold"], "s", anchor_name="runc", anchor=anchor["cold"]
        )
        report.add(
            f"{name}: warm open", figures["open"], "s", anchor_name="runc", anchor=anchor["open"]
        )
        report.add(
            f"{name}: echo round trip p50", figures["echo"], "ms",
            anchor_name="runc", anchor=anchor["echo"],
        )  # fmt: skip
        report.add(
            f"{name}: output throughput", figures["throughput"], "MiB/s",
            anchor_name="runc", anchor=anchor["throughput"], higher_is_better=True,
        )  # fmt: skip
