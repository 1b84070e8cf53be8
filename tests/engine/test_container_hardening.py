"""What a user inside the container can and cannot do, checked from a real shell in it."""

from __future__ import annotations

from collections.abc import Callable

from cloudide_tui.backend.base import ContainerState
from cloudide_tui.backend.docker_backend import DockerBackend
from testkit.docker_helpers import ShellDriver

MakeBackend = Callable[..., DockerBackend]


async def shell(backend: DockerBackend, project: str) -> ShellDriver:
    if project not in {p.name for p in await backend.list_projects()}:
        await backend.create_project(project)
    driver = ShellDriver(await backend.open_shell(project, 24, 120))
    await driver.prompt()
    return driver


async def test_the_shell_is_dev_not_root(backend: DockerBackend) -> None:
    driver = await shell(backend, "inside")
    try:
        assert (await driver.run("id -u; id -g; id -un; echo $HOME")).split() == [
            "1000",
            "1000",
            "dev",
            "/home/dev",
        ]
    finally:
        await driver.session.close()


async def test_the_shell_has_no_capabilities_and_cannot_gain_privileges(
    backend: DockerBackend,
) -> None:
    driver = await shell(backend, "inside")
    try:
        status = await driver.run(
            "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status"
        )
        fields = dict(line.split(":\t") for line in status.strip().splitlines())
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert fields[cap] == "0000000000000000", status
        assert fields["NoNewPrivs"] == "1"
        # Even PID 1 (docker-init) holds no capability.
        assert (await driver.run("grep CapEff /proc/1/status")).split() == [
            "CapEff:",
            "0000000000000000",
        ]
        # No way up: su needs a password we do not have, and no set-uid bit works.
        out = await driver.run("su -c id root < /dev/null 2>&1; echo status=$?")
        assert "status=0" not in out and "uid=0" not in out
    finally:
        await driver.session.close()


async def test_there_is_no_network_and_no_docker_socket(backend: DockerBackend) -> None:
    driver = await shell(backend, "inside")
    try:
        interfaces = await driver.run("tail -n +3 /proc/net/dev | cut -d: -f1")
        assert interfaces.split() == ["lo"]
        out = await driver.run(
            "ls /var/run/docker.sock /run/docker.sock 2>&1 | grep -c 'No such file'"
        )
        assert out.strip() == "2"
        mounts = await driver.run("grep -c ' /workspace ' /proc/self/mountinfo")
        assert mounts.strip() == "1"
    finally:
        await driver.session.close()


FORK_LOOP = """\
import os, signal, sys, time

children, refused = [], 0
for _ in range(int(sys.argv[1])):  # bounded: a fork loop, not a fork bomb
    try:
        pid = os.fork()
    except BlockingIOError:
        refused += 1
        continue
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children.append(pid)
print(f"forked={len(children)} refused={refused}", flush=True)
time.sleep(float(sys.argv[2]))  # hold every slot a while
for pid in children:
    os.kill(pid, signal.SIGKILL)
for pid in children:
    os.waitpid(pid, 0)
print("released", flush=True)
"""


async def test_a_fork_loop_hits_the_pids_limit_and_the_container_survives(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(pids=40)
    driver = await shell(backend, "forky")
    try:
        await backend.write_file("forky", "forks.py", FORK_LOOP.encode())
        out = await driver.run("python3 forks.py 80 0", timeout=60)
        forked, refused = (int(part.split("=")[1]) for part in out.split()[:2])
        assert refused > 0 and forked < 40 and forked + refused == 80
        assert "released" in out
        # The container took it: still running, and a new shell works.
        assert await backend.container_state("forky") is ContainerState.RUNNING
        again = await shell(backend, "forky")
        try:
            assert (await again.run("echo alive")).strip() == "alive"
        finally:
            await again.session.close()
    finally:
        await driver.session.close()


async def test_with_every_process_slot_taken_shells_say_so_and_closing_still_ends_it(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(pids=40)
    hog = await shell(backend, "full")
    await backend.write_file("full", "forks.py", FORK_LOOP.encode())
    await hog.session.write(b"python3 forks.py 80 600\r")  # holds the slots for 10 minutes
    await hog.expect(r"forked=\d+ refused=[1-9]")

    late = await backend.open_shell("full", 24, 80)
    while await late.read():
        pass
    assert late.end_reason == "container ran out of processes (limit 40)"
    await late.close()

    # No slot is left even for the hang-up: closing stops the container, so nothing of
    # the session survives; opening again starts it afresh.
    await hog.session.close()
    assert await backend.container_state("full") is ContainerState.STOPPED
    again = await shell(backend, "full")
    try:
        assert (await again.run("pgrep -c python3; echo ok")).split() == ["0", "ok"]
    finally:
        await again.session.close()
