"""cloudide-server: the remote path next to DockerBackend used directly, in one run

A real ``cloudide-server`` process on 127.0.0.1 and, in this process, a ``DockerBackend``
on the same data dir and owner (so both reach the same container). Interleaved so both
see the same machine noise:

* echo round trip p50/p99 (type ``echo xN``, wait for ``xN``): remote vs local;
* ``seq 1 3000000`` throughput (read until its end marker): remote vs local;
* open a shell until its first output: remote vs local;
* Ctrl+C under a ``yes`` flood until the next command's output: remote vs local;
* reattach to an exact screen (vim open): connect + hello + attach + snapshot, next to
  opening a new shell remotely (what you would pay without it);
* 200 shells echoing at once (10 users x 20, each at its own pace), p50/p99 of their
  round trips, next to the same load through DockerBackends in this process;
* server memory per idle session and per extra viewer, next to this process's memory per
  local DockerBackend session.

``BENCH_SERVER_PARTS=many,echo`` runs only those parts (names of ``Bench.PARTS``), e.g. to
profile the server under one load (``Bench.server_pid`` is printed at the start).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.report import Report, percentile
from bench.shells import echo_marker, read_until
from cloudide_tui.backend.base import ShellSession
from cloudide_tui.backend.containers import APP_LABEL, APP_NAME, OWNER_LABEL
from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.protocol import messages as m
from testkit import docker_helpers
from testkit.backends import TEST_IMAGE
from testkit.docker_helpers import remove_containers
from testkit.server_process import ServerProcess

ROUND_TRIPS = 200
OPENS = 15
SEQ_RUNS = 3
CTRL_C_RUNS = 5
REATTACHES = 20
MANY_USERS, MANY_EACH, MANY_ROUNDS = 10, 20, 10
IDLE_SESSIONS = 40
EXTRA_VIEWERS = 40
FLOODED = 10
PROJECT = "bench"
MS = 1000.0


async def _echo(session: ShellSession, n: int) -> float:
    start = time.perf_counter()
    await session.write(b"echo x%d\r" % n)
    await read_until(session, echo_marker(n))
    return time.perf_counter() - start


def _rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU time the whole machine spent not idle so far (every core, every process)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def _engine_pids(container_ids: list[str]) -> list[int]:
    """dockerd, containerd, and the shims of these containers (they relay the execs'
    bytes); read only: their CPU time."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                comm = (entry / "comm").read_text().strip()
                if comm in ("dockerd", "containerd") or (
                    comm.startswith("containerd-shim")
                    and any(i in (entry / "cmdline").read_text() for i in container_ids)
                ):
                    found.append(int(entry.name))
    return found


def _containers_cpu_seconds(container_ids: list[str]) -> float:
    """CPU time of every process in these containers so far (cgroup v1 cpuacct; 0 where
    it cannot be read)."""
    total = 0
    for container_id in container_ids:
        with contextlib.suppress(OSError, ValueError):
            usage = Path(f"/sys/fs/cgroup/cpuacct/docker/{container_id}/cpuacct.usage")
            total += int(usage.read_text())
    return total / 1e9


class _Cpu:
    """CPU seconds spent during some stretches of time: by the server process, by this
    process (the clients, and the DockerBackends of the anchor), by the engine (dockerd,
    containerd, the containers' shims), by the bench's containers (bash), by the whole
    machine (the rest is other people's work on this shared machine)."""

    def __init__(self, server_pid: int, container_ids: list[str]) -> None:
        self.server_pid = server_pid
        self.container_ids = container_ids
        self.engine_pids = _engine_pids(container_ids)
        self.server = self.bench = self.engine = self.containers = 0.0
        self.machine = self.wall = 0.0

    def _now(self) -> tuple[float, ...]:
        return (
            _cpu_seconds(self.server_pid),
            _cpu_seconds(),
            sum(_cpu_seconds(pid) for pid in self.engine_pids),
            _containers_cpu_seconds(self.container_ids),
            _machine_busy_seconds(),
            time.perf_counter(),
        )

    @property
    def rest(self) -> float:
        return self.machine - self.server - self.bench - self.engine - self.containers

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        start = self._now()
        try:
            yield
        finally:
            spent = [b - a for a, b in zip(start, self._now(), strict=True)]
            self.server += spent[0]
            self.bench += spent[1]
            self.engine += spent[2]
            self.containers += spent[3]
            self.machine += spent[4]
            self.wall += spent[5]


def _container_ids(owners: list[str]) -> list[str]:
    """The ids of these owners' containers."""
    client = docker_helpers.api()
    try:
        entries = client.containers(filters={"label": f"{APP_LABEL}={APP_NAME}"})
    finally:
        client.close()
    return [e["Id"] for e in entries if (e.get("Labels") or {}).get(OWNER_LABEL) in owners]


async def _settle() -> None:
    await asyncio.sleep(1.0)


class Bench:
    def __init__(self, report: Report, server: ServerProcess, user: str) -> None:
        self.report = report
        self.server = server
        self.user = user
        self.local = DockerBackend(server.data_dir, owner=user, image=TEST_IMAGE)
        self.clients: list[ServerClient] = []
        self.counter = 0

    async def client(self, user: str | None = None) -> ServerClient:
        made = await ServerClient.connect(self.server.api_url, self.server.token(user or self.user))
        self.clients.append(made)
        return made

    def n(self) -> int:
        self.counter += 1
        return self.counter

    async def prompt(self, session: ShellSession) -> None:
        await read_until(session, re.compile(rb"\$ "))

    # -- echo --------------------------------------------------------------------------
    async def echo(self) -> None:
        remote_client = await self.client()
        remote = await remote_client.open_shell(PROJECT, 24, 80)
        local = await self.local.open_shell(PROJECT, 24, 80)
        await self.prompt(remote)
        await self.prompt(local)
        ours: list[float] = []
        theirs: list[float] = []
        while len(ours) < ROUND_TRIPS:
            for _ in range(20):
                ours.append(await _echo(remote, self.n()))
            for _ in range(20):
                theirs.append(await _echo(local, self.n()))
        for p in (50, 99):
            self.report.add(
                f"echo round trip p{p} ({ROUND_TRIPS} trips)",
                percentile(ours, p) * MS,
                "ms",
                anchor_name="DockerBackend",
                anchor=percentile(theirs, p) * MS,
                goal="adds <= 1 ms" if p == 50 else "",
            )
        self.report.add(
            "echo p50: what the server adds",
            (percentile(ours, 50) - percentile(theirs, 50)) * MS,
            "ms",
            goal="<= 1 ms",
        )
        await remote.close()
        await local.close()

    # -- throughput ----------------------------------------------------------------------
    async def throughput(self) -> None:
        remote_client = await self.client()
        remote = await remote_client.open_shell(PROJECT, 24, 80)
        local = await self.local.open_shell(PROJECT, 24, 80)
        await self.prompt(remote)
        await self.prompt(local)
        rates: dict[str, list[float]] = {"remote": [], "local": []}
        for i in range(SEQ_RUNS):
            order = [("remote", remote), ("local", local)]
            for name, session in order if i % 2 == 0 else order[::-1]:
                n = self.n()
                start = time.perf_counter()
                await session.write(b"seq 1 3000000; echo END-$((%d+1))\r" % n)
                # the end marker and the prompt after it (the same chunk, often)
                size = await read_until(session, re.compile(rb"END-%d\r\n[^\n]*\$ " % (n + 1)))
                rates[name].append(size / (time.perf_counter() - start) / 1e6)
        self.report.add(
            "seq 1 3000000 throughput",
            statistics.median(rates["remote"]),
            "MB/s",
            anchor_name="DockerBackend",
            anchor=statistics.median(rates["local"]),
            goal=">= 0.9x",
            higher_is_better=True,
        )
        await remote.close()
        await local.close()

    # -- open ----------------------------------------------------------------------------
    async def opens(self) -> float:
        remote_client = await self.client()
        ours: list[float] = []
        theirs: list[float] = []

        async def remote_open() -> None:
            start = time.perf_counter()
            shell = await remote_client.open_shell(PROJECT, 24, 80)
            await shell.read()
            ours.append(time.perf_counter() - start)
            await shell.close()

        async def local_open() -> None:
            start = time.perf_counter()
            shell = await self.local.open_shell(PROJECT, 24, 80)
            await shell.read()
            theirs.append(time.perf_counter() - start)
            await shell.close()

        for i in range(OPENS):
            for step in (remote_open, local_open) if i % 2 == 0 else (local_open, remote_open):
                await asyncio.sleep(0.2)
                await step()
        self.report.add(
            "open a shell until its first output",
            statistics.median(ours) * MS,
            "ms",
            anchor_name="DockerBackend",
            anchor=statistics.median(theirs) * MS,
            goal="<= 1.2x",
        )
        return statistics.median(ours)

    # -- Ctrl+C under a flood --------------------------------------------------------------
    async def ctrl_c(self) -> None:
        remote_client = await self.client()
        remote = await remote_client.open_shell(PROJECT, 24, 80)
        local = await self.local.open_shell(PROJECT, 24, 80)
        await self.prompt(remote)
        await self.prompt(local)
        times: dict[str, list[float]] = {"remote": [], "local": []}
        for i in range(CTRL_C_RUNS):
            order = [("remote", remote), ("local", local)]
            for name, session in order if i % 2 == 0 else order[::-1]:
                await session.write(b"yes flood\r")
                await read_until(session, re.compile(rb"(flood\r\n){100}"), keep=10_000)
                await asyncio.sleep(1.0)  # a second of flood piles up
                n = self.n()
                start = time.perf_counter()
                await session.write(b"\x03")
                await session.write(b"echo C-$((%d+1))\r" % n)
                await read_until(session, re.compile(rb"C-%d\r\n" % (n + 1)), keep=10_000)
                times[name].append(time.perf_counter() - start)
                await asyncio.sleep(0.3)  # the prompt after it arrives; the next run types on
        self.report.add(
            "Ctrl+C under `yes` until the next output",
            statistics.median(times["remote"]) * MS,
            "ms",
            anchor_name="DockerBackend",
            anchor=statistics.median(times["local"]) * MS,
            goal="< 300 ms",
        )
        self.report.add(
            "Ctrl+C under `yes`, worst of runs",
            max(times["remote"]) * MS,
            "ms",
            anchor_name="DockerBackend",
            anchor=max(times["local"]) * MS,
            goal="< 300 ms",
        )
        await remote.close()
        await local.close()

    # -- reattach ------------------------------------------------------------------------
    async def reattach(self, open_time: float) -> None:
        owner = await self.client()
        shell = await owner.open_shell(PROJECT, 30, 100)
        await self.prompt(shell)
        await shell.write(b"seq 1 2000; vim -c 'help' \r")
        await read_until(shell, re.compile(rb"help\.txt"))
        await asyncio.sleep(0.5)
        times: list[float] = []
        attach_only: list[float] = []
        for _ in range(REATTACHES):
            start = time.perf_counter()
            viewer_client = await ServerClient.connect(
                self.server.api_url, self.server.token(self.user)
            )
            viewer = await viewer_client.attach_shell(shell.session_id)
            await viewer.read()
            times.append(time.perf_counter() - start)
            assert viewer.snapshots == 1
            start = time.perf_counter()
            again = await viewer_client.attach_shell(shell.session_id)
            await again.read()
            attach_only.append(time.perf_counter() - start)
            await viewer_client.close()
        self.report.add(
            "reattach: connect + attach + exact screen (vim)",
            statistics.median(times) * MS,
            "ms",
            anchor_name="open new shell",
            anchor=open_time * MS,
            goal="< 100 ms",
        )
        self.report.add(
            "reattach on an open connection, p99",
            percentile(attach_only, 99) * MS,
            "ms",
            anchor_name="open new shell",
            anchor=open_time * MS,
            goal="< 100 ms",
        )
        await shell.write(b"\x1b:qa!\r")
        await shell.close()

    # -- many shells ---------------------------------------------------------------------
    async def many(self) -> None:
        """200 shells typing at once through the server and 200 through DockerBackends in
        this process (same users, same containers), in alternating rounds so that both
        meet the same machine: p50/p99 of every round trip."""
        users = [f"{self.user}-m{i}" for i in range(MANY_USERS)]
        counter = iter(range(10_000_000, 100_000_000, 1000))

        async def typing(shells: list[ShellSession], into: list[float]) -> None:
            async def one(session: ShellSession, base: int) -> None:
                rng = random.Random(base)
                for i in range(MANY_ROUNDS // 2):
                    await asyncio.sleep(rng.uniform(0.0, 0.3))  # people type at their own pace
                    into.append(await _echo(session, base + i))

            await asyncio.gather(*(one(s, next(counter)) for s in shells))

        remote: list[ShellSession] = []
        for user in users:
            client = await self.client(user)
            await client.call(m.CreateProject, name=PROJECT)
            remote += await asyncio.gather(
                *(client.open_shell(PROJECT, 24, 80) for _ in range(MANY_EACH))
            )
        backends = [
            DockerBackend(self.server.data_dir, owner=user, image=TEST_IMAGE) for user in users
        ]
        local: list[ShellSession] = []
        for backend in backends:
            local += await asyncio.gather(
                *(backend.open_shell(PROJECT, 24, 80) for _ in range(MANY_EACH))
            )
        await asyncio.gather(*(self.prompt(s) for s in remote + local))
        ours: list[float] = []
        theirs: list[float] = []
        server_pid = self.server.proc.pid if self.server.proc else 0
        containers = await asyncio.to_thread(_container_ids, users)
        cpu_remote, cpu_local = _Cpu(server_pid, containers), _Cpu(server_pid, containers)
        for _ in range(2):
            with cpu_remote.measure():
                await typing(remote, ours)
            with cpu_local.measure():
                await typing(local, theirs)
        await asyncio.gather(*(s.close() for s in remote + local), return_exceptions=True)
        for backend in backends:
            await backend.close()
        for p in (50, 99):
            self.report.add(
                f"{len(remote)} shells echoing at once, p{p}",
                percentile(ours, p) * MS,
                "ms",
                anchor_name="DockerBackend",
                anchor=percentile(theirs, p) * MS,
                goal="< 50 ms" if p == 99 else "context",
            )
        # where the time goes: CPU per echo of each process, and how busy the machine was
        echoes = len(ours)
        for name, remote_value, local_value in (
            ("server process", cpu_remote.server, cpu_local.server),
            ("bench process (clients)", cpu_remote.bench, cpu_local.bench),
            ("engine (dockerd, containerd, shims)", cpu_remote.engine, cpu_local.engine),
            ("the containers (bash)", cpu_remote.containers, cpu_local.containers),
            ("rest of the machine (other people)", cpu_remote.rest, cpu_local.rest),
        ):
            self.report.add(
                f"{len(remote)} shells: CPU per echo, {name}",
                remote_value / echoes * MS,
                "ms",
                anchor_name="DockerBackend rounds",
                anchor=local_value / len(theirs) * MS,
                goal="context",
            )
        cores = os.cpu_count() or 1
        self.report.add(
            f"{len(remote)} shells: machine busy while typing ({cores} cores)",
            cpu_remote.machine / cpu_remote.wall / cores * 100,
            "%",
            anchor_name="DockerBackend rounds",
            anchor=cpu_local.machine / cpu_local.wall / cores * 100,
            goal="context",
        )

    # -- memory --------------------------------------------------------------------------
    async def memory(self) -> None:
        pid = self.server.proc.pid if self.server.proc else 0
        client = await self.client()
        await _settle()
        before = _rss_kib(pid)
        remote = [await client.open_shell(PROJECT, 24, 80) for _ in range(IDLE_SESSIONS)]
        await asyncio.gather(*(self.prompt(s) for s in remote))
        await _settle()
        with_sessions = _rss_kib(pid)
        viewers = [await self.client() for _ in range(EXTRA_VIEWERS)]
        for viewer_client, shell in zip(viewers, remote, strict=False):
            attached = await viewer_client.attach_shell(shell.session_id)
            await attached.read()
        await _settle()
        with_viewers = _rss_kib(pid)
        local_before = _rss_kib()
        local = [await self.local.open_shell(PROJECT, 24, 80) for _ in range(IDLE_SESSIONS)]
        await asyncio.gather(*(self.prompt(s) for s in local))
        await _settle()
        local_after = _rss_kib()
        self.report.add(
            "server memory per idle session",
            (with_sessions - before) / IDLE_SESSIONS,
            "KiB",
            anchor_name="local session",
            anchor=(local_after - local_before) / IDLE_SESSIONS,
            goal="context (Gitpod: 256 KiB)",
        )
        self.report.add(
            "server memory per extra viewer (connection)",
            (with_viewers - with_sessions) / EXTRA_VIEWERS,
            "KiB",
            anchor_name="idle session",
            anchor=(with_sessions - before) / IDLE_SESSIONS,
            goal="context",
        )
        # the worst case: sessions whose ring and scrollback are full after a flood
        flooded = remote[:FLOODED]
        await _settle()
        before_flood = _rss_kib(pid)
        for k, shell in enumerate(flooded):
            await shell.write(b"seq 1 400000; echo F-$((%d+1))\r" % k)
            await read_until(shell, re.compile(rb"F-%d\r\n" % (k + 1)))
        await _settle()
        self.report.add(
            "server memory per session after 3 MB of output",
            (_rss_kib(pid) - before_flood) / FLOODED,
            "KiB",
            anchor_name="ring limit",
            anchor=1024.0,
            goal="bounded (ring <= 2x limit)",
        )
        await asyncio.gather(*(s.close() for s in remote + local), return_exceptions=True)

    PARTS = ("echo", "throughput", "opens", "ctrl_c", "reattach", "memory", "many")
    """Every part, in the order a full run takes them."""

    async def run(self, parts: tuple[str, ...] = PARTS) -> None:
        unknown = set(parts) - set(self.PARTS)
        if unknown:
            raise ValueError(f"no bench part {sorted(unknown)}: the parts are {self.PARTS}")
        await self.local.ensure_ready()
        await self.local.create_project(PROJECT)
        await self.local.start_container(PROJECT)
        if "echo" in parts:
            await self.echo()
        if "throughput" in parts:
            await self.throughput()
        open_time = await self.opens() if "opens" in parts or "reattach" in parts else 0.0
        if "ctrl_c" in parts:
            await self.ctrl_c()
        if "reattach" in parts:
            await self.reattach(open_time)
        if "memory" in parts:
            await self.memory()
        if "many" in parts:
            await self.many()

    async def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.close()
        await self.local.close()


async def _main(report: Report, data_dir: Path, user: str) -> None:
    server = ServerProcess(
        data_dir,
        env={
            "CLOUDIDE_SERVER_SESSIONS_PER_USER": "100",
            "CLOUDIDE_SERVER_CONNECTIONS_PER_USER": "100",
        },
    )
    await asyncio.to_thread(server.start)
    print(f"server pid {server.proc.pid if server.proc else '?'}", flush=True)
    wanted = os.environ.get("BENCH_SERVER_PARTS", "")
    parts = tuple(p.strip() for p in wanted.split(",") if p.strip()) or Bench.PARTS
    bench = Bench(report, server, user)
    try:
        await bench.run(parts)
    finally:
        await bench.close()
        await asyncio.to_thread(server.stop)


def run(report: Report) -> None:
    user = f"bench-{secrets.token_hex(4)}"
    try:
        with tempfile.TemporaryDirectory(prefix="cloudide-bench-server-") as tmp:
            asyncio.run(_main(report, Path(tmp) / "data", user))
    finally:
        remove_containers(user)
